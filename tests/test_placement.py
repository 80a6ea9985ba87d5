"""Accounts, regions and the serverless concurrency quota of the environments in cdk.json."""

import re
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Template
from aws_cdk.region_info import RegionInfo
from constructs import IConstruct

from serverless_inference.registries import hugging_face_registry_regions
from stacks import PIPELINE_STACK_ID, QUOTA_WARNING_ID, build_app
from stacks.config import AppConfig, ConfigurationError, load_config
from stacks.placement import Placement, known_regions
from tests.cdk_helpers import build_default_app, cdk_json_context

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
PIPELINE = {
    "repository": "example-org/serverless-inference",
    "connection_arn": f"arn:aws:codestar-connections:eu-west-1:{ACCOUNT_A}:connection/abc-123",
    "account": ACCOUNT_A,
    "region": "eu-west-1",
}


def _env(max_concurrency: int, account: str | None = None, region: str | None = None) -> Any:
    environment: dict[str, Any] = {"endpoint": {"max_concurrency": max_concurrency}}
    if account is not None:
        environment["account"] = account
    if region is not None:
        environment["region"] = region
    return environment


def _load(environments: dict[str, Any], **context: Any) -> AppConfig:
    return load_config({"environments": environments, **context})


def _warnings(construct: IConstruct) -> list[str]:
    """The warnings added to a construct itself (read without synthesizing the app)."""
    return [str(entry.data) for entry in construct.node.metadata if entry.type == "aws:cdk:warning"]


def _problems(raised: pytest.ExceptionInfo[ConfigurationError]) -> list[str]:
    """The problem lines of a configuration error."""
    return [line[4:] for line in str(raised.value).splitlines()[1:]]


# --- the quota --------------------------------------------------------------------------------


def test_reference_configuration_fits_the_default_quota_with_room_for_an_update() -> None:
    config = load_config(cdk_json_context())
    assert config.serverless_concurrency_quota == 10
    maxima = [s.endpoint.max_concurrency for s in config.environments.values()]
    assert sum(maxima) + max(maxima) <= 10
    assert config.quota_warnings == ()


def test_quota_defaults_to_ten() -> None:
    assert _load({"dev": {}}).serverless_concurrency_quota == 10


def test_fails_when_region_agnostic_environments_exceed_the_quota() -> None:
    # GIVEN the old defaults: dev 5 and prod 10, both deployed where the CLI points
    with pytest.raises(ConfigurationError) as raised:
        _load({"dev": _env(5), "prod": _env(10)})
    # THEN one problem names both environments, their shares and the sum
    assert _problems(raised) == [
        "environments dev, prod may deploy to one account and region (dev, prod: "
        "region-agnostic, the CLI's account and region), where a CreateEndpoint beyond the "
        "quota fails with ResourceLimitExceeded: their endpoint.max_concurrency 5 + 10 must be "
        "at most serverless_concurrency_quota (10; raise it in Service Quotas first to set "
        "more), got 15"
    ]


def test_a_raised_quota_admits_more() -> None:
    config = _load({"dev": _env(5), "prod": _env(10)}, serverless_concurrency_quota="30")
    assert config.serverless_concurrency_quota == 30
    assert config.quota_warnings == ()


def test_one_environment_over_the_quota_fails_alone() -> None:
    with pytest.raises(ConfigurationError, match=r"^Invalid configuration") as raised:
        _load({"prod": _env(11, ACCOUNT_A, "eu-west-1")})
    (problem,) = _problems(raised)
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
    config = _load({"dev": _env(5, *dev), "prod": _env(5, *prod)})
    assert set(config.environments) == {"dev", "prod"}


@pytest.mark.parametrize(
    ("other", "where"),
    [
        (_env(6, ACCOUNT_A), f"dev: account {ACCOUNT_A}, the CLI's region"),
        (_env(6, region="eu-west-1"), "dev: the CLI's account, region eu-west-1"),
        (_env(6), "dev: region-agnostic, the CLI's account and region"),
    ],
)
def test_an_environment_that_leaves_account_or_region_out_counts_with_any(
    other: dict[str, Any], where: str
) -> None:
    # GIVEN prod pinned to an account and region, and dev leaving one or both out
    with pytest.raises(ConfigurationError) as raised:
        _load({"dev": other, "prod": _env(5, ACCOUNT_A, "eu-west-1")})
    # THEN dev may land where prod is: 6 + 5 is over 10
    (problem,) = _problems(raised)
    assert f"environments dev, prod may deploy to one account and region ({where}; prod:" in (
        problem
    )
    assert problem.endswith("got 11")


def test_an_unplaced_environment_is_counted_with_each_pinned_one() -> None:
    # GIVEN qa anywhere, dev in account A and prod in account B, each fitting alone
    with pytest.raises(ConfigurationError) as raised:
        _load({"qa": _env(4), "dev": _env(7, ACCOUNT_A), "prod": _env(7, ACCOUNT_B)})
    # THEN qa may meet either: two problems, dev + qa and prod + qa; dev and prod never meet
    problems = _problems(raised)
    assert [re.match(r"environments ([a-z, ]+) may", p)[1] for p in problems] == [  # type: ignore[index]
        "dev, qa",
        "prod, qa",
    ]


def test_pipeline_stages_count_where_the_pipeline_deploys_them() -> None:
    environments = {"dev": _env(5), "prod": _env(6)}
    # Deployed by hand, both are region-agnostic: 11 may meet in one account
    with pytest.raises(ConfigurationError, match="got 11"):
        _load(environments)
    # Deployed by the pipeline, dev goes to the pipeline's account, prod to its own
    config = _load({"dev": _env(5), "prod": _env(6, ACCOUNT_B)}, pipeline=PIPELINE)
    assert config.pipeline is not None
    # And stages that both land in the pipeline's account add up
    with pytest.raises(
        ConfigurationError, match=rf"dev, prod: account {ACCOUNT_A}, region eu-west-1\)"
    ):
        _load(environments, pipeline=PIPELINE)


def test_an_environment_outside_the_pipeline_counts_where_it_deploys_itself() -> None:
    # GIVEN a pipeline of dev only, in account A, and qa deployed by hand (region-agnostic)
    pipeline = {**PIPELINE, "stages": ["dev"]}
    with pytest.raises(ConfigurationError) as raised:
        _load({"dev": _env(6, ACCOUNT_B), "qa": _env(6)}, pipeline=pipeline)
    # THEN qa may meet dev in dev's stage account
    (problem,) = _problems(raised)
    assert problem.startswith(
        f"environments dev, qa may deploy to one account and region (dev: account {ACCOUNT_B}, "
        "region eu-west-1; qa: region-agnostic"
    )


def test_warns_when_an_update_may_not_fit() -> None:
    # GIVEN two endpoints of 5 that fill a quota of 10 exactly
    config = _load({"dev": _env(5), "prod": _env(5)})
    # THEN the configuration loads, with a warning that an update may need 5 more
    (warning,) = config.quota_warnings
    assert warning.environments == ("dev", "prod")
    assert "add up to 10 of serverless_concurrency_quota (10), leaving less than the 5" in (
        warning.message
    )


@pytest.mark.parametrize(("dev", "warned"), [(2, False), (3, True)])
def test_warns_only_without_room_for_the_largest(dev: int, warned: bool) -> None:
    # 2 + 4 leaves the 4 an update of prod may need; 3 + 4 leaves 3
    assert bool(_load({"dev": _env(dev), "prod": _env(4)}).quota_warnings) is warned


def test_quota_warning_is_shown_on_the_stack_of_each_environment_concerned() -> None:
    app = App(
        context={
            **cdk_json_context(),
            "env": "dev",
            "environments": {"dev": _env(5), "prod": _env(5)},
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
            "environments": {"dev": _env(5), "prod": _env(5)},
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
        _load({"dev": {}}, serverless_concurrency_quota=quota)


# --- accounts and regions ---------------------------------------------------------------------


@pytest.mark.parametrize("account", ["1234", "12345678901a", "1234567890123", " 123456789012"])
def test_fails_when_an_account_is_not_twelve_digits(account: str) -> None:
    with pytest.raises(
        ConfigurationError,
        match=rf"environments\.dev\.account must be an AWS account id of 12 digits, got {re.escape(repr(account))}",
    ):
        _load({"dev": {"account": account}})


@pytest.mark.parametrize(
    ("region", "allowed"),
    [
        ("us-esat-1", "one of the 46 in aws-cdk-lib's region facts; did you mean us-east-1?"),
        ("eu-west-10", "one of the 46 in aws-cdk-lib's region facts; did you mean eu-west-1?"),
        ("EU-WEST-1", "one of the 46 in aws-cdk-lib's region facts, lowercase like eu-west-1"),
        ("mars-north-1", "one of the 46 in aws-cdk-lib's region facts"),
    ],
)
def test_fails_when_a_region_is_unknown(region: str, allowed: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        _load({"dev": {"region": region}})
    assert _problems(raised) == [
        f"environments.dev.region must be a known AWS region ({allowed}), got {region!r}"
    ]


def test_every_region_aws_cdk_lib_knows_is_accepted() -> None:
    regions = [region.name for region in RegionInfo.regions]
    assert sorted(regions) == list(known_regions())
    assert {"us-east-1", "eu-west-1", "cn-north-1", "us-gov-west-1", "eusc-de-east-1"} <= set(
        regions
    )
    # those without a known registry of the app's image, with the registry named
    registry = {"registry_account": ACCOUNT_B}
    environments = {
        f"e{index}": {
            "account": ACCOUNT_A,
            "region": region,
            "endpoint": {
                "max_concurrency": 1,
                **({} if region in hugging_face_registry_regions() else registry),
            },
        }
        for index, region in enumerate(regions)
    }
    assert len(_load(environments).environments) == len(regions)


IMAGE_REGION_ALLOWED = (
    "a region where the registry of AWS's Hugging Face inference images, which the app runs, "
    "is known (the 33 regions of serverless_inference.registries), or else set "
    "environments.dev.endpoint.registry_account to that registry's account in mx-central-1"
)


def test_fails_when_the_region_has_no_known_registry_of_the_image() -> None:
    # GIVEN a region aws-cdk-lib knows where the library's table has no Hugging Face registry
    assert "mx-central-1" in known_regions()
    assert "mx-central-1" not in hugging_face_registry_regions()
    with pytest.raises(ConfigurationError) as raised:
        _load({"dev": {"account": ACCOUNT_A, "region": "mx-central-1"}})
    # THEN the loader refuses it, naming the key that lifts the restriction
    assert _problems(raised) == [
        f"environments.dev.region must be {IMAGE_REGION_ALLOWED}, got 'mx-central-1'"
    ]


def test_a_registry_account_admits_a_region_without_a_known_registry() -> None:
    # WHEN the environment names the image's registry there
    _, stacks = build_default_app(
        {
            "env": "dev",
            "environments.dev.account": ACCOUNT_A,
            "environments.dev.region": "mx-central-1",
            "environments.dev.endpoint.registry_account": ACCOUNT_B,
        }
    )
    # THEN the model's image comes from that account's registry in that region
    (model,) = Template.from_stack(stacks["dev"]).find_resources("AWS::SageMaker::Model").values()
    image = model["Properties"]["PrimaryContainer"]["Image"]
    assert image == {
        "Fn::Join": [
            "",
            [
                f"{ACCOUNT_B}.dkr.ecr.mx-central-1.",
                {"Ref": "AWS::URLSuffix"},
                "/huggingface-pytorch-inference:2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04",
            ],
        ]
    }


def test_fails_when_a_stage_deploys_to_a_pipeline_region_without_a_known_registry() -> None:
    # GIVEN dev, a stage without a region of its own, in a pipeline in mx-central-1
    pipeline = {**PIPELINE, "region": "mx-central-1", "stages": ["dev"]}
    with pytest.raises(ConfigurationError) as raised:
        _load({"dev": {}}, pipeline=pipeline)
    # THEN the pipeline's region is named, with the stage's key that would admit it
    assert _problems(raised) == [
        f"pipeline.region must be {IMAGE_REGION_ALLOWED}, got 'mx-central-1'"
    ]


def test_a_mistyped_region_fails_before_any_construct_is_built() -> None:
    # Before: synthesis ended in jsii's RegionFactNotFound traceback; now the loader says why
    with pytest.raises(ConfigurationError, match=r"environments\.dev\.region must be a known"):
        build_default_app(
            {"environments.dev.account": ACCOUNT_A, "environments.dev.region": "us-esat-1"}
        )


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "account",
            "1234",
            r"pipeline\.account must be an AWS account id of 12 digits, got '1234'",
        ),
        (
            "region",
            "eu-wset-1",
            r"pipeline\.region must be a known AWS region \(.*did you mean eu-west-1\?\), got 'eu-wset-1'",
        ),
    ],
)
def test_fails_when_the_pipeline_account_or_region_is_wrong(
    key: str, value: str, message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        _load({"dev": {}, "prod": {}}, pipeline={**PIPELINE, key: value})


def test_placement_describes_what_the_cli_decides() -> None:
    assert Placement(None, None).describe() == "region-agnostic, the CLI's account and region"
    assert Placement(ACCOUNT_A, None).describe() == f"account {ACCOUNT_A}, the CLI's region"
    assert Placement(ACCOUNT_A, "eu-west-1").holds(ACCOUNT_A, "eu-west-1")
    assert not Placement(ACCOUNT_A, "eu-west-1").holds(ACCOUNT_B, "eu-west-1")
    assert Placement(None, "eu-west-1").holds(ACCOUNT_B, "eu-west-1")
    assert not Placement(ACCOUNT_A, None).holds(None, "eu-west-1")
