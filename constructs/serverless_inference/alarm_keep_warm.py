"""Keep-warm pings that alone would put the critical ``concurrency_utilization_high`` alarm in
ALARM, and so page with no user traffic.

The alarm watches the Maximum of ``ServerlessConcurrentExecutionsUtilization`` (concurrent
executions / ``MaxConcurrency``) per period and fires when ``datapoints_to_alarm`` of
``evaluation_periods`` consecutive periods breach (``alarm_specs``). A keep-warm run sends
``concurrency`` pings at once, so the minute it runs reads at least ``concurrency /
max_concurrency``. When that share reaches the threshold, every period holding a run breaches,
and runs every ``interval`` minutes land in ``ceil(evaluation_periods * period / interval)``
consecutive periods of one window for some alignment of the schedule with the periods: from
``datapoints_to_alarm`` of them on, the alarm fires on pings alone.

Refused rather than warned about: the composite alarm that pages someone would fire again and
again at an idle endpoint, which no deployment wants; each way out is a one-line change.
"""

import math
from collections.abc import Collection, Mapping
from typing import Any, Final

from serverless_inference.alarm_specs import ALARM_SPECS, AlarmKind
from serverless_inference.alarm_thresholds import AlarmThresholds
from serverless_inference.interfaces import KeepWarmPings
from serverless_inference.validation import Problems, is_number

KIND: Final = AlarmKind.CONCURRENCY_UTILIZATION_HIGH
LIBRARY_NAMES: Final = {
    "threshold": f"thresholds.{KIND.value}",
    "concurrency": "the KeepWarm concurrency",
    "max_concurrency": "the endpoint's max_concurrency",
    "interval": "the KeepWarm schedule",
    "disabled": "disabled",
}
"""How :func:`check_keep_warm_pings` names the values in ``EndpointAlarms``' props."""


def pings_fire_concurrency_alarm(
    *, concurrency: int, max_concurrency: int, threshold: float, interval_minutes: float
) -> bool:
    """Whether keep-warm runs of ``concurrency`` pings every ``interval_minutes`` alone put
    ``concurrency_utilization_high`` (at ``threshold``) in ALARM for some alignment."""
    spec = ALARM_SPECS[KIND]
    if concurrency / max_concurrency < threshold:
        return False
    window_minutes = spec.evaluation_periods * spec.period.to_minutes()
    return math.ceil(window_minutes / interval_minutes) >= spec.datapoints_to_alarm


def quietest_interval_minutes() -> int | None:
    """The shortest whole number of minutes between runs that can never fire the alarm
    (``None``: none can, when one breaching period is enough)."""
    spec = ALARM_SPECS[KIND]
    if spec.datapoints_to_alarm <= 1:
        return None
    window_minutes = spec.evaluation_periods * spec.period.to_minutes()
    return math.ceil(window_minutes / (spec.datapoints_to_alarm - 1))


def check_keep_warm_pings(
    problems: Problems,
    *,
    threshold: Any,
    concurrency: Any,
    max_concurrency: Any,
    interval_minutes: float | None,
    names: Mapping[str, str] = LIBRARY_NAMES,
) -> None:
    """Record a problem, named ``names["threshold"]``, when the keep-warm pings alone fire
    ``concurrency_utilization_high``. Skipped when a value is not a number (its own check
    reports it) or the interval is unknown (``None``: a cron or one-time schedule)."""
    values = (threshold, concurrency, max_concurrency, interval_minutes)
    if not all(is_number(value) for value in values) or max_concurrency <= 0:
        return
    assert interval_minutes is not None
    if not pings_fire_concurrency_alarm(
        concurrency=concurrency,
        max_concurrency=max_concurrency,
        threshold=threshold,
        interval_minutes=interval_minutes,
    ):
        return
    share = concurrency / max_concurrency
    reachable = share < ALARM_SPECS[KIND].max_threshold
    quietest = quietest_interval_minutes()
    ways = [
        *([f"send fewer pings ({names['concurrency']})"] if concurrency > 1 else []),
        *(
            [f"ping every {quietest} minutes or less often ({names['interval']})"]
            if quietest is not None
            else []
        ),
        f"raise {names['max_concurrency']}",
        f"add {KIND.value} to {names['disabled']}",
    ]
    problems.add(
        names["threshold"],
        threshold,
        f"above {share:g}{'' if reachable else ', which no threshold can be'}: "
        f"{concurrency} keep-warm ping{'s' if concurrency != 1 else ''} at once "
        f"({names['concurrency']}) every {interval_minutes:g} minutes ({names['interval']}) "
        f"fill {share:g} of {names['max_concurrency']} ({max_concurrency}) alone, so the "
        f"critical alarm {KIND.value} breaches in every period with no user traffic and the "
        f"composite alarm pages; {', '.join(ways[:-1])}, or {ways[-1]}",
    )


def check_pinger(
    problems: Problems,
    keep_warm: object,
    *,
    max_concurrency: int,
    thresholds: AlarmThresholds,
    disabled: Collection[AlarmKind],
) -> None:
    """:func:`check_keep_warm_pings` for the keep-warm pinger an ``EndpointAlarms`` watches,
    in its props' names, when it says how it pings (``KeepWarmPings``, as ``KeepWarm`` does),
    runs, and the alarm is not disabled."""
    if isinstance(keep_warm, KeepWarmPings) and keep_warm.enabled and KIND not in disabled:
        check_keep_warm_pings(
            problems,
            threshold=thresholds.concurrency_utilization_high,
            concurrency=keep_warm.concurrency,
            max_concurrency=max_concurrency,
            interval_minutes=keep_warm.ping_interval_minutes,
        )
