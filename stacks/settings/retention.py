"""Log retention in days, as cdk.json gives it, and CloudWatch Logs' ``RetentionDays``."""

from collections.abc import Mapping
from typing import Final

from aws_cdk import aws_logs as logs

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
"""The retention periods CloudWatch Logs accepts, by number of days (what a
``log_retention_days`` key accepts)."""


def check_retention_days(problems: Problems, name: str, days: int | None) -> None:
    """``days`` must be a retention period of CloudWatch Logs (``None``: never expire)."""
    if days is not None:
        problems.check_one_of(name, days, RETENTION_BY_DAYS)


def retention(days: int | None) -> logs.RetentionDays | None:
    """The ``RetentionDays`` of ``days`` (checked), ``None`` for never expire."""
    return RETENTION_BY_DAYS[days] if days is not None else None
