"""Checks and conversions of this app's cdk.json settings that the library does not offer.

Moved here from the library, which validates construct props and never names a cdk.json
key: the retention table by number of days, the ``api`` section's checks, a scheduled
scaling action given as settings, and the auth mode names. ``stacks.config`` calls them
next to the library's own validators.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Final

from aws_cdk import aws_logs as logs

from serverless_inference.api_auth import AUTH_MODES, QUOTA_PERIODS, ApiAuth
from serverless_inference.api_options import WEB_ACL_ARN_PATTERN, check_api_props
from serverless_inference.scaling import check_scheduled_capacity
from serverless_inference.schedules import check_schedule_expression
from serverless_inference.validation import Problems

DEFAULT_LOG_RETENTION_DAYS: Final = 30
RETENTION_BY_DAYS: Final[Mapping[int, logs.RetentionDays]] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}
"""CloudWatch Logs retention periods, by number of days (what ``log_retention_days`` accepts)."""

USER_POOL_ARN_PATTERN: Final = (
    r"^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool/[a-z0-9-]+_[0-9A-Za-z]+$"
)
AUTH_BY_MODE: Final = {"iam": ApiAuth.iam(), "none": ApiAuth.none()}
"""The ``api.auth`` modes that need no other setting, as the library's ``ApiAuth``."""


def check_api_settings(
    problems: Problems,
    *,
    enabled: bool,
    auth: str,
    path: str,
    throttle_rate_limit: float | None,
    throttle_burst_limit: int | None,
    api_key_quota_limit: int | None,
    api_key_quota_period: str,
    cognito_user_pool_arn: str | None,
    cognito_scopes: Sequence[str],
    cors_allow_origin: str | None,
    binary_media_types: Sequence[str],
    tracing_enabled: bool,
    log_retention_days: int,
    integration_timeout_seconds: float,
    stage_name: str,
    cloud_watch_role: bool,
    web_acl_arn: str | None,
    detailed_metrics: bool = False,
) -> None:
    """Record problems of the app's ``api`` configuration section, named by key.
    ``detailed_metrics`` (a bool, nothing to check) is accepted before the section has it."""
    del enabled, tracing_enabled, cloud_watch_role, detailed_metrics
    check_api_props(
        problems,
        path=path,
        throttle_rate_limit=throttle_rate_limit,
        throttle_burst_limit=throttle_burst_limit,
        binary_media_types=binary_media_types,
        cors_allow_origin=cors_allow_origin,
        integration_timeout_ms=integration_timeout_seconds * 1000,
        stage_name=stage_name,
    )
    problems.check_one_of("auth", auth, AUTH_MODES)
    if api_key_quota_limit is not None:
        problems.check_int_range("api_key_quota_limit", api_key_quota_limit, 1, 2_147_483_647)
    problems.check_one_of("api_key_quota_period", api_key_quota_period, QUOTA_PERIODS)
    if auth == "cognito" and cognito_user_pool_arn is None:
        problems.add("cognito_user_pool_arn", None, "a user pool ARN when auth is cognito")
    if cognito_user_pool_arn is not None:
        problems.check_pattern(
            "cognito_user_pool_arn", cognito_user_pool_arn, USER_POOL_ARN_PATTERN, 2048
        )
    for index, scope in enumerate(cognito_scopes):
        problems.check_pattern(f"cognito_scopes[{index}]", scope, r"^\S+$", 256)
    problems.check_one_of("log_retention_days", log_retention_days, RETENTION_BY_DAYS)
    if web_acl_arn is not None:
        problems.check_pattern("web_acl_arn", web_acl_arn, WEB_ACL_ARN_PATTERN, 2048)


def check_scaled_capacity_settings(
    problems: Problems,
    *,
    max_concurrency: int,
    schedule: Any,
    min_capacity: Any,
    max_capacity: Any,
) -> None:
    """A scheduled action given as settings: its expression string and capacities."""
    check_schedule_expression(problems, "schedule", schedule)
    check_scheduled_capacity(
        problems,
        max_concurrency=max_concurrency,
        min_capacity=min_capacity,
        max_capacity=max_capacity,
    )
