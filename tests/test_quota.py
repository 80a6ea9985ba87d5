"""The serverless concurrency quota across the environments in cdk.json: errors, warnings on
the stacks concerned, and the check over (account, region, name, max_concurrency) entries."""

import re
from typing import Any

import pytest
from aws_cdk import App
from constructs import IConstruct

from serverless_inference.validation import Problems
from stacks import PIPELINE_STACK_ID, QUOTA_WARNING_ID, build_app
from stacks.config import ConfigurationError, load_config
from stacks.quota import QuotaEntry, check_concurrency_quota
from tests.cdk_helpers import cdk_json_context
from tests.support.config import (
    ACCOUNT_A,
    ACCOUNT_B,
    PIPELINE,
    load_environments,
    placed,
    problems_of,
)


def _warnings(construct: IConstruct) -> list[str]:
    """The warnings added to a construct itself (read without synthesizing the app)."""
    return [str(entry.data) for entry in construct.node.metadata if entry.type == "aws:cdk:warning"]


def test_reference_configuration_fits_the_default_quota_with_room_for_an_update() -> None:
    config = load_config(cdk_json_context())
    assert config.serverless_concurrency_quota == 10
    maxima = [s.endpoint.max_concurrency for s in config.environments.values()]
    assert sum(maxima) + max(maxima) <= 10
    assert config.quota_warnings == ()


def test_quota_defaults_to_ten() -> None:
    assert load_environments({"dev": {}}).serverless_concurrency_quota == 10


def test_fails_when_region_agnostic_environments_exceed_the_quota() -> None:
    # GIVEN the old defaults: dev 5 and prod 10, both deployed where the CLI points
    with pytest.raises(ConfigurationError) as raised:
        load_environments({"dev": placed(5), "prod": placed(10)})
    # THEN one problem names both environments, their shares and the sum
    assert problems_of(raised) == [
        "environments dev, prod may deploy to one account and region (dev, prod: "
        "region-agnostic, the CLI's account and region), where a CreateEndpoint beyond the "
        "quota fails with ResourceLimitExceeded: their endpoint.max_concurrency 5 + 10 must be "
        "at most serverless_concurrency_quota (10; raise it in Service Quotas first to set "
        "more), got 15"
    ]


def test_a_raised_quota_admits_more() -> None:
    config = load_environments(
        {"dev": placed(5), "prod": placed(10)}, serverless_concurrency_quota="30"
    )
    assert config.serverless_concurrency_quota == 30
    assert config.quota_warnings == ()


def test_one_environment_over_the_quota_fails_alone() -> None:
    with pytest.raises(ConfigurationError, match=r"^Invalid configuration") as raised:
        load_environments({"prod": placed(11, ACCOUNT_A, "eu-west-1")})
    (problem,) = problems_of(raised)
    assert problem.startswith(
        f"environment prod (account {ACCOUNT_A}, region eu-west-1), where a CreateEndpoint"
    )
    assert problem.endswith(
        "its endpoint.max_concurrency 11 must be at most "
        "serverless_concurrency_quota (10; raise it in Service Quotas "
        "first to set more), got 11"
    )


@pytest.mark.parametrize(
    ("dev", "prod"),
    [
        ((ACCOUNT_A, "eu-west-1"), (ACCOUNT_B, "eu-west-1")),  # other account
        ((ACCOUNT_A, "eu-west-1"), (ACCOUNT_A, "us-east-1")),  # other region
    ],
)
def test_environments_in_different_accounts_or_regions_do_not_add_up(
    dev: tuple[str, str], prod: tuple[str, str]
) -> None:
    config = load_environments({"dev": placed(5, *dev), "prod": placed(5, *prod)})
    assert set(config.environments) == {"dev", "prod"}


@pytest.mark.parametrize(
    ("other", "where"),
    [
        (placed(6, ACCOUNT_A), f"dev: account {ACCOUNT_A}, the CLI's region"),
        (placed(6, region="eu-west-1"), "dev: the CLI's account, region eu-west-1"),
        (placed(6), "dev: region-agnostic, the CLI's account and region"),
    ],
)
def test_an_environment_that_leaves_account_or_region_out_counts_with_any(
    other: dict[str, Any], where: str
) -> None:
    # GIVEN prod pinned to an account and region, and dev leaving one or both out
    with pytest.raises(ConfigurationError) as raised:
        load_environments({"dev": other, "prod": placed(5, ACCOUNT_A, "eu-west-1")})
    # THEN dev may land where prod is: 6 + 5 is over 10
    (problem,) = problems_of(raised)
    assert f"environments dev, prod may deploy to one account and region ({where}; prod:" in (
        problem
    )
    assert problem.endswith("got 11")


def test_an_unplaced_environment_is_counted_with_each_pinned_one() -> None:
    # GIVEN qa anywhere, dev in account A and prod in account B, each fitting alone
    with pytest.raises(ConfigurationError) as raised:
        load_environments(
            {"qa": placed(4), "dev": placed(7, ACCOUNT_A), "prod": placed(7, ACCOUNT_B)}
        )
    # THEN qa may meet either: two problems, dev + qa and prod + qa; dev and prod never meet
    problems = problems_of(raised)
    assert [re.match(r"environments ([a-z, ]+) may", p)[1] for p in problems] == [  # type: ignore[index]
        "dev, qa",
        "prod, qa",
    ]


def test_pipeline_stages_count_where_the_pipeline_deploys_them() -> None:
    environments = {"dev": placed(5), "prod": placed(6)}
    # Deployed by hand, both are region-agnostic: 11 may meet in one account
    with pytest.raises(ConfigurationError, match="got 11"):
        load_environments(environments)
    # Deployed by the pipeline, dev goes to the pipeline's account, prod to its own
    config = load_environments({"dev": placed(5), "prod": placed(6, ACCOUNT_B)}, pipeline=PIPELINE)
    assert config.pipeline is not None
    # And stages that both land in the pipeline's account add up
    with pytest.raises(
        ConfigurationError, match=rf"dev, prod: account {ACCOUNT_A}, region eu-west-1\)"
    ):
        load_environments(environments, pipeline=PIPELINE)


def test_an_environment_outside_the_pipeline_counts_where_it_deploys_itself() -> None:
    # GIVEN a pipeline of dev only, in account A, and qa deployed by hand (region-agnostic)
    pipeline = {**PIPELINE, "stages": ["dev"]}
    with pytest.raises(ConfigurationError) as raised:
        load_environments({"dev": placed(6, ACCOUNT_B), "qa": placed(6)}, pipeline=pipeline)
    # THEN qa may meet dev in dev's stage account
    (problem,) = problems_of(raised)
    assert problem.startswith(
        f"environments dev, qa may deploy to one account and region (dev: account {ACCOUNT_B}, "
        "region eu-west-1; qa: region-agnostic"
    )


def test_warns_when_an_update_may_not_fit() -> None:
    # GIVEN two endpoints of 5 that fill a quota of 10 exactly
    config = load_environments({"dev": placed(5), "prod": placed(5)})
    # THEN the configuration loads, with a warning that an update may need 5 more
    (warning,) = config.quota_warnings
    assert warning.environments == ("dev", "prod")
    assert "add up to 10 of serverless_concurrency_quota (10), leaving less than the 5" in (
        warning.message
    )


@pytest.mark.parametrize(("dev", "warned"), [(2, False), (3, True)])
def test_warns_only_without_room_for_the_largest(dev: int, warned: bool) -> None:
    # 2 + 4 leaves the 4 an update of prod may need; 3 + 4 leaves 3
    assert bool(load_environments({"dev": placed(dev), "prod": placed(4)}).quota_warnings) is warned


def test_quota_warning_is_shown_on_the_stack_of_each_environment_concerned() -> None:
    app = App(
        context={
            **cdk_json_context(),
            "env": "dev",
            "environments": {"dev": placed(5), "prod": placed(5)},
        }
    )
    stacks = build_app(app)
    (warning,) = _warnings(stacks["dev"])
    assert re.search(rf"add up to 10 .*\[ack: {QUOTA_WARNING_ID}\]$", warning)


def test_quota_warning_of_pipeline_stages_is_shown_on_the_pipeline_stack() -> None:
    app = App(
        context={
            **cdk_json_context(),
            "pipeline": PIPELINE,
            "environments": {"dev": placed(5), "prod": placed(5)},
        }
    )
    assert build_app(app) == {}
    (warning,) = _warnings(app.node.find_child(PIPELINE_STACK_ID))
    assert "dev, prod: account 111111111111, region eu-west-1" in warning


@pytest.mark.parametrize("quota", [0, -1, "ten", True, 2.5])
def test_fails_when_the_quota_is_not_a_positive_whole_number(quota: Any) -> None:
    with pytest.raises(
        ConfigurationError,
        match=rf"serverless_concurrency_quota must be a whole number of at least 1 .*, got {re.escape(repr(quota))}",
    ):
        load_environments({"dev": {}}, serverless_concurrency_quota=quota)


# --- the check over entries -------------------------------------------------------------------


def test_the_check_takes_one_entry_per_endpoint_wherever_it_comes_from() -> None:
    # GIVEN three endpoints, two of them pinned to one account and region, one unplaced
    entries = [
        QuotaEntry(ACCOUNT_A, "eu-west-1", "dev.sentiment", 4),
        QuotaEntry(ACCOUNT_A, "eu-west-1", "dev.topics", 4),
        QuotaEntry(None, None, "prod", 2),
    ]
    problems = Problems("quota")
    # WHEN the quota is 10: the three may meet in eu-west-1 (4 + 4 + 2), leaving no room to
    # update the largest
    warnings = check_concurrency_quota(problems, entries, 10)
    # THEN no error, one warning naming all three; at 9, one error instead
    assert not problems
    assert [w.environments for w in warnings] == [("dev.sentiment", "dev.topics", "prod")]
    check_concurrency_quota(problems, entries, 9)
    with pytest.raises(
        ValueError, match=r"4 \+ 4 \+ 2 must be at most serverless_concurrency_quota \(9;"
    ):
        problems.raise_if_any()
