"""Schedule expressions and time zones, as EventBridge Scheduler (keep-warm) and Application
Auto Scaling (scheduled scaling) both read them:
``cron(<minute> <hour> <day> <month> <weekday> <year>)``, ``rate(<n> <unit>)`` or
``at(<yyyy-mm-ddThh:mm:ss>)``, with an IANA time zone."""

import re
import zoneinfo
from functools import cache
from typing import Any, Final

from serverless_inference.validation import Problems, is_token

_RATE: Final = re.compile(r"^rate\(([1-9]\d*) (minute|minutes|hour|hours|day|days)\)$")
_CRON_FIELDS: Final = 6
EXPRESSION_FORMS: Final = (
    "cron(<minute> <hour> <day> <month> <weekday> <year>), rate(<n> minute(s)|hour(s)|day(s)) "
    "or at(<yyyy-mm-ddThh:mm:ss>)"
)


_MINUTES_PER_UNIT: Final = {"minute": 1, "hour": 60, "day": 24 * 60}


def rate_minutes(expression: Any) -> int | None:
    """The minutes between runs of a literal ``rate(<n> <unit>)`` expression (``None``: a
    cron or one-time expression, or a token)."""
    match = _RATE.match(expression) if isinstance(expression, str) else None
    if match is None or is_token(expression):
        return None
    return int(match.group(1)) * _MINUTES_PER_UNIT[match.group(2).removesuffix("s")]


def check_schedule_expression(problems: Problems, name: str, expression: Any) -> None:
    """``expression`` must be a rate of at least one unit, a cron expression of 6 fields or a
    one-time ``at(...)`` (tokens are skipped)."""
    if is_token(expression):
        return
    valid = isinstance(expression, str) and (
        bool(_RATE.match(expression))
        or (
            expression.startswith("cron(")
            and expression.endswith(")")
            and len(expression[5:-1].split()) == _CRON_FIELDS
        )
        or (expression.startswith("at(") and expression.endswith(")"))
    )
    if not valid:
        problems.add(name, expression, EXPRESSION_FORMS)


@cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_time_zone(problems: Problems, name: str, time_zone: Any) -> None:
    """``time_zone`` must be an IANA time zone name (checked when the system has tzdata)."""
    if is_token(time_zone):
        return
    zones = _known_time_zones()
    if not isinstance(time_zone, str) or not time_zone or (zones and time_zone not in zones):
        problems.add(name, time_zone, "an IANA time zone name such as Europe/Berlin")
