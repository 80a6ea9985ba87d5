"""``environments.<name>.api``: the keys the API section adds to the library's validation."""

from typing import Any

import pytest

from stacks.config import ConfigurationError, load_config
from tests.support.config import load_with, problems_of


def _api_problems(**api: Any) -> list[str]:
    with pytest.raises(ConfigurationError) as raised:
        load_config({"environments": {"dev": {"api": api}}})
    return problems_of(raised)


def test_detailed_metrics_are_off_unless_configured() -> None:
    assert load_with().environments["dev"].api.detailed_metrics is False
    config = load_with(**{"api.detailed_metrics": "true"})
    assert config.environments["dev"].api.detailed_metrics is True


def test_fails_when_detailed_metrics_is_not_a_boolean() -> None:
    assert _api_problems(detailed_metrics="yes") == [
        "environments.dev.api.detailed_metrics must be true or false, got 'yes'"
    ]


@pytest.mark.parametrize(
    ("api", "problem"),
    [
        (
            {"api_key_quota_limit": 0},
            "api_key_quota_limit must be a whole number from 1 to 2147483647, got 0",
        ),
        (
            {"api_key_quota_period": "YEAR"},
            "api_key_quota_period must be one of DAY, WEEK, MONTH, got 'YEAR'",
        ),
        (
            {"auth": "cognito", "cognito_scopes": ["has space"]},
            "cognito_user_pool_arn must be a user pool ARN when auth is cognito, got None",
        ),
    ],
)
def test_api_key_and_cognito_keys_are_named_as_in_cdk_json(
    api: dict[str, Any], problem: str
) -> None:
    # The usage plan's limits are checked by the library's ApiAuth validator, named by key
    assert _api_problems(**api)[0] == f"environments.dev.api.{problem}"


def test_every_api_problem_is_reported_at_once() -> None:
    problems = _api_problems(
        auth="oauth",
        api_key_quota_limit=0,
        cognito_scopes=["a b"],
        log_retention_days=8,
        web_acl_arn="acl",
    )
    assert [problem.split(" must be ")[0] for problem in problems] == [
        "environments.dev.api.auth",
        "environments.dev.api.api_key_quota_limit",
        "environments.dev.api.cognito_scopes[0]",
        "environments.dev.api.log_retention_days",
        "environments.dev.api.web_acl_arn",
    ]
