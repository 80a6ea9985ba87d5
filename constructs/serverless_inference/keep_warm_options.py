"""The props of ``KeepWarm`` (:class:`KeepWarmOptions`), their checks, and the schedule they
describe."""

import re
from typing import Any, Final, TypedDict

from aws_cdk import Duration, TimeZone
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler

from serverless_inference.schedules import check_schedule_expression, check_time_zone
from serverless_inference.validation import Problems, is_number, is_token
from serverless_inference_runtime.limits import MAX_CONCURRENCY_LIMIT

MAX_PING_TIMEOUT_SECONDS: Final = 14 * 60
MAX_RATE_MINUTES: Final = 24 * 60
MAX_WINDOWED_RATE_MINUTES: Final = 60
"""With an active window the schedule is a cron expression, whose minute field repeats
within the hour."""
MAX_PAYLOAD_BYTES: Final = 3072
"""The payload travels in an environment variable; Lambda allows 4 KB for all of them."""

_DAY: Final = r"(SUN|MON|TUE|WED|THU|FRI|SAT|[1-7])"
_DAYS_PATTERN: Final = rf"^{_DAY}(-{_DAY})?(,{_DAY}(-{_DAY})?)*$"
_MEDIA_TYPE: Final = r"^[\w.+-]+/[\w.+-]+(\s*;.*)?$"
_NAMESPACE: Final = r"^[\w./#:-]+$"


class KeepWarmOptions(TypedDict, total=False):
    """The props of ``KeepWarm`` besides ``endpoint``, which ``ServerlessInference`` takes as
    its ``keep_warm``. Keyword arguments of ``KeepWarm``; a key that is not one of these is
    refused with the list of known props.

    The schedule is either ``rate_minutes`` (optionally limited to an active window of
    ``active_hours`` and ``active_days`` in ``time_zone``) or a raw ``schedule`` expression.
    """

    concurrency: int
    """Pings sent in parallel, 1..the endpoint's max concurrency. Default: 1."""
    schedule: scheduler.ScheduleExpression | None
    """A raw Scheduler expression (``rate``/``cron``, with its time zone), instead of
    ``rate_minutes`` and the window props. Default: - built from those props."""
    rate_minutes: int | None
    """Minutes between runs; 1..1440, or 1..60 with an active window. Default: 5."""
    active_hours: tuple[int, int] | None
    """``(start, end)`` hours of the day when pings run, end exclusive (``(7, 20)``: 07:00
    to 19:59). Default: - all day."""
    active_days: str | None
    """Days of the week when pings run, e.g. ``MON-FRI`` or ``MON,WED,FRI``.
    Default: - every day."""
    time_zone: str | None
    """IANA time zone of the window, e.g. ``Europe/Berlin``. Default: - UTC."""
    payload: str
    """Request body of a ping, at most 3072 bytes. Default: ``{"inputs": "keep warm"}``."""
    content_type: str
    """``Content-Type`` of a ping. Default: ``application/json``."""
    enabled: bool
    """Whether the schedule runs (false: every resource exists, the schedule is disabled, no
    pre-warm). Default: true."""
    pre_warm_on_deploy: bool
    """Ping once right after a deploy that creates or updates the endpoint (a CDK trigger,
    invoked asynchronously: never fails the deploy). Only for an endpoint defined in the
    same stack: this stack cannot follow the deploys of one defined elsewhere.
    Default: true."""
    ping_timeout: Duration
    """How long one ping may wait for its answer (long enough for a cold start); the
    function's timeout is this plus 30 s. Default: 90 seconds."""
    cold_start_threshold: Duration
    """A successful ping at least this slow counts as a suspected cold start.
    Default: 1 second."""
    log_retention: logs.RetentionDays
    """Retention of the function's log group. Default: one month."""
    metric_namespace: str
    """Namespace of the custom metrics. Default: ``ServerlessInference/KeepWarm``."""
    reserved_concurrency: int | None
    """Concurrency reserved for the function (at least 1). Lambda refuses a reservation that
    leaves the account fewer unreserved executions than its minimum, which new accounts with a
    low concurrency limit hit; overlapping runs are harmless (each is bounded by its timeout
    and never retried). Default: - no reservation, the function uses the account's
    unreserved pool."""


def provisioned_concurrency_covers(provisioned_concurrency: Any, concurrency: Any) -> bool:
    """Whether provisioned concurrency keeps at least as many environments warm as a keep-warm
    run of ``concurrency`` pings would (``ServerlessInference`` then leaves ``KeepWarm`` out;
    ``KeepWarm`` warns). Tokens and values that are not numbers never cover."""
    return (
        is_number(provisioned_concurrency)
        and is_number(concurrency)
        and not is_token(provisioned_concurrency)
        and not is_token(concurrency)
        and provisioned_concurrency >= concurrency
    )


def check_keep_warm_props(
    problems: Problems,
    *,
    concurrency: int,
    max_concurrency: int | None,
    rate_minutes: int | None,
    active_hours: Any,
    active_days: str | None,
    time_zone: str | None,
    payload: str,
    content_type: str,
    ping_timeout_seconds: float,
    cold_start_threshold_ms: float,
    metric_namespace: str,
    reserved_concurrency: int | None = None,
) -> None:
    """Record every problem with these ``KeepWarm`` props in ``problems``.

    ``max_concurrency`` is the endpoint's (``None``: unknown, the SageMaker limit applies).
    """
    high = max_concurrency if max_concurrency is not None else MAX_CONCURRENCY_LIMIT
    problems.check_int_range("concurrency", concurrency, 1, high)
    windowed = active_hours is not None or active_days is not None
    if rate_minutes is not None:
        most = MAX_WINDOWED_RATE_MINUTES if windowed else MAX_RATE_MINUTES
        problems.check_int_range("rate_minutes", rate_minutes, 1, most)
    check_active_window(problems, active_hours, active_days)
    if time_zone is not None:
        check_time_zone(problems, "time_zone", time_zone)
    if not is_token(payload):
        if not isinstance(payload, str) or not payload:
            problems.add("payload", payload, "a non-empty string")
        elif len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
            problems.add(
                "payload", f"<{len(payload.encode())} bytes>", f"at most {MAX_PAYLOAD_BYTES} bytes"
            )
    if not is_token(content_type) and (
        not isinstance(content_type, str) or not re.match(_MEDIA_TYPE, content_type)
    ):
        problems.add("content_type", content_type, "a media type such as application/json")
    if not 1 <= ping_timeout_seconds <= MAX_PING_TIMEOUT_SECONDS:
        problems.add(
            "ping_timeout",
            f"{ping_timeout_seconds:g} seconds",
            f"from 1 to {MAX_PING_TIMEOUT_SECONDS} seconds (the function may run 15 minutes)",
        )
    if not cold_start_threshold_ms >= 1:
        problems.add("cold_start_threshold", f"{cold_start_threshold_ms:g} ms", "at least 1 ms")
    if not is_token(metric_namespace) and (
        not isinstance(metric_namespace, str)
        or not 1 <= len(metric_namespace) <= 255
        or metric_namespace.startswith("AWS/")
        or not re.match(_NAMESPACE, metric_namespace)
    ):
        problems.add(
            "metric_namespace", metric_namespace, "a custom CloudWatch namespace (not AWS/...)"
        )
    if (
        reserved_concurrency is not None
        and not is_token(reserved_concurrency)
        and (
            isinstance(reserved_concurrency, bool)
            or not isinstance(reserved_concurrency, int)
            or reserved_concurrency < 1
        )
    ):
        problems.add(
            "reserved_concurrency",
            reserved_concurrency,
            "a whole number of at least 1 (0 would stop every run), or None for no reservation",
        )


def check_active_window(problems: Problems, active_hours: Any, active_days: Any) -> None:
    """``active_hours``: ``(start, end)`` whole hours, end exclusive; ``active_days``: days of
    the week as a cron day-of-week field (``MON-FRI``, ``MON,WED,FRI``). ``None``: no limit."""
    if active_hours is not None:
        hours_ok = (
            isinstance(active_hours, (tuple, list))
            and len(active_hours) == 2
            and all(isinstance(h, int) and not isinstance(h, bool) for h in active_hours)
            and 0 <= active_hours[0] < active_hours[1] <= 24
        )
        if not hours_ok:
            problems.add(
                "active_hours",
                active_hours,
                "(start, end) whole hours with 0 <= start < end <= 24 (end exclusive)",
            )
    if (
        active_days is not None
        and not is_token(active_days)
        and (not isinstance(active_days, str) or not re.match(_DAYS_PATTERN, active_days))
    ):
        problems.add(
            "active_days",
            active_days,
            "days of the week like MON-FRI or MON,WED,FRI (SUN..SAT or 1..7)",
        )


def check_raw_schedule(
    problems: Problems, schedule: scheduler.ScheduleExpression, window: dict[str, Any]
) -> None:
    """A raw ``schedule`` holds its own rate and window: ``window`` (``rate_minutes`` and the
    window props, by name) must be unset, and the expression a valid one."""
    for name, value in window.items():
        if value is not None:
            problems.add(name, value, "left unset when schedule is given (it holds its own)")
    check_schedule_expression(problems, "schedule", schedule.expression_string)


def schedule_expression(
    rate_minutes: int,
    active_hours: tuple[int, int] | None,
    active_days: str | None,
    time_zone: str | None,
) -> scheduler.ScheduleExpression:
    """A rate, or a cron over the active window, in ``time_zone``."""
    zone = TimeZone.of(time_zone) if time_zone is not None else None
    if active_hours is None and active_days is None:
        expression = scheduler.ScheduleExpression.rate(Duration.minutes(rate_minutes))
        if zone is None:
            return expression
        return scheduler.ScheduleExpression.expression(expression.expression_string, zone)
    minute = "*" if rate_minutes == 1 else "0" if rate_minutes == 60 else f"0/{rate_minutes}"
    hour = "*"
    if active_hours is not None:
        start, end = active_hours
        hour = str(start) if end - 1 == start else f"{start}-{end - 1}"
    return scheduler.ScheduleExpression.cron(
        minute=minute, hour=hour, week_day=active_days, time_zone=zone
    )
