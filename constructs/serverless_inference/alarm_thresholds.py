"""The threshold of every alarm kind, typed (:class:`AlarmThresholds`), and their checks.

SageMaker publishes ``ModelLatency``, ``OverheadLatency`` and ``ModelSetupTime`` in
MICROSECONDS: a ``Duration`` threshold of 2 s becomes ``Threshold: 2000000``. API Gateway's
``Latency`` is in milliseconds.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from aws_cdk import Duration

from serverless_inference.alarm_specs import (
    ALARM_SPECS,
    GT,
    GTE,
    LT,
    RATE_KINDS,
    AlarmKind,
    Unit,
)
from serverless_inference.validation import Problems, is_number, is_token


@dataclass(frozen=True)
class AlarmThresholds:
    """The threshold of every alarm kind, typed; field names are the :class:`AlarmKind` values.

    Counts are per alarm period (5 minutes), ratios are 0..1, percents 0..100, and
    latencies are ``Duration`` (converted to the metric's unit: microseconds for
    SageMaker, milliseconds for API Gateway).
    """

    endpoint_5xx_error_rate: float = 0.05
    """Default: 0.05 (5 % of invocations), in 3 of 3 five-minute periods."""
    endpoint_4xx_error_rate: float = 0.05
    """Default: 0.05 (5 % of invocations), in 2 of 3 five-minute periods."""
    model_latency: Duration = field(default_factory=lambda: Duration.seconds(2))
    """Default: 2 s (2000000 microseconds) on average, in 3 of 3 five-minute periods."""
    overhead_latency: Duration = field(default_factory=lambda: Duration.seconds(10))
    """Default: 10 s on average, in 2 of 3 five-minute periods."""
    model_setup_time: Duration = field(default_factory=lambda: Duration.seconds(60))
    """Default: 60 s (setup must finish within 180 s), maximum in 5 minutes."""
    concurrency_utilization_high: float = 0.8
    """Default: 0.8 of max concurrency, in 3 of 3 five-minute periods."""
    memory_utilization_high: float = 90.0
    """Default: 90 %, in 3 of 3 five-minute periods."""
    memory_utilization_low: float = 25.0
    """Default: 25 % (memory could at least halve), peak below it in 6 of 24 hours."""
    provisioned_concurrency_spillover: int = 1
    """Default: 1, the largest value SageMaker published in a 5-minute period (AWS documents
    Average, Maximum and Minimum for this metric, not Sum), in 2 of 3 periods: any spillover."""
    provisioned_concurrency_utilization_low: float = 0.2
    """Default: 0.2, hourly average below it for 24 hours."""
    api_5xx_error_rate: float = 0.05
    """Default: 0.05 (5 % of requests), in 3 of 3 five-minute periods."""
    api_4xx_error_rate: float = 0.1
    """Default: 0.1 (10 % of requests; 403/429 from auth and usage plans count too)."""
    api_latency: Duration = field(default_factory=lambda: Duration.seconds(10))
    """Default: 10 s at p99 (the integration times out at 29 s), in 3 of 3 five-minute
    periods."""
    keep_warm_errors: int = 1
    """Default: 1 error in 5 minutes, in 2 of 3 periods."""
    keep_warm_failed_pings: int = 1
    """Default: 1 failed ping in 5 minutes, in 2 of 3 periods."""
    fan_out_error_rate: float = 0.05
    """Default: 0.05 (5 % of a fan-out's requests crash or time out), in 3 of 3 five-minute
    periods."""
    fan_out_throttles: int = 1
    """Default: 1 throttled fan-out request in 5 minutes, in 3 of 3 periods."""
    fan_out_duration: float = 0.8
    """Default: 0.8 of the fan-out's deadline at p99, in 3 of 3 five-minute periods."""
    error_rate_min_requests: int = 10
    """Requests in a 5-minute period below which the error-rate alarms read 0: a few failed
    requests to a quiet endpoint are not an outage. Default: 10."""

    def threshold_of(self, kind: AlarmKind, deadline_ms: float | None = None) -> float:
        """The CloudWatch ``Threshold`` of ``kind``, in the unit the metric is published in
        (a share of a fan-out's deadline: that share of ``deadline_ms``)."""
        value = getattr(self, kind.value)
        unit = ALARM_SPECS[kind].unit
        if unit is Unit.DEADLINE_SHARE:
            if deadline_ms is None:
                raise ValueError(f"the threshold of {kind.value} is a share of a deadline")
            return float(value) * deadline_ms
        if unit is Unit.MICROSECONDS:
            return _milliseconds(value) * 1000
        if unit is Unit.MILLISECONDS:
            return _milliseconds(value)
        return float(value)

    def as_numbers(self) -> dict[str, Any]:
        """Every threshold as a number, durations in milliseconds."""
        return {
            f.name: (
                _milliseconds(value)
                if isinstance(value := getattr(self, f.name), Duration)
                else value
            )
            for f in fields(self)
        }

    def check(self, problems: Problems) -> None:
        """Record every invalid threshold, named ``<field>`` with durations in ms."""
        numbers = self.as_numbers()
        for name in duration_field_names():
            value = getattr(self, name)
            if not isinstance(value, Duration):
                problems.add(name, value, "a Duration, for example Duration.seconds(2)")
                del numbers[name]
        check_threshold_values(problems, numbers)


def _milliseconds(duration: Duration) -> float:
    value = duration.to_milliseconds(integral=False)
    return int(value) if float(value).is_integer() else value


def duration_field_names() -> frozenset[str]:
    """The :class:`AlarmThresholds` fields that are ``Duration``."""
    return frozenset(
        kind.value
        for kind, spec in ALARM_SPECS.items()
        if spec.unit in (Unit.MICROSECONDS, Unit.MILLISECONDS)
    )


def check_threshold_values(problems: Problems, values: Mapping[str, Any]) -> None:
    """Record every invalid threshold among ``values``, keyed and named by
    :class:`AlarmThresholds` field, durations given as milliseconds (a caller with other
    names for them records under ``problems.renamed(...)``)."""
    for kind in AlarmKind:
        if kind.value not in values:
            continue
        spec = ALARM_SPECS[kind]
        value = values[kind.value]
        if is_token(value):
            continue
        if spec.unit is Unit.COUNT:
            problems.check_int_range(kind.value, value, 1, int(spec.max_threshold))
        elif spec.unit in (Unit.RATIO, Unit.DEADLINE_SHARE):
            if not is_number(value) or not 0 < value <= 1:
                problems.add(kind.value, value, "a ratio greater than 0 and at most 1")
        elif spec.unit is Unit.PERCENT:
            if not is_number(value) or not 0 < value < 100:
                problems.add(kind.value, value, "a percentage greater than 0 and less than 100")
        elif not is_number(value) or not 1 <= value <= spec.max_threshold:
            problems.add(
                kind.value, value, f"a duration from 1 to {int(spec.max_threshold)} milliseconds"
            )
    low: Any = values.get(AlarmKind.MEMORY_UTILIZATION_LOW.value)
    high: Any = values.get(AlarmKind.MEMORY_UTILIZATION_HIGH.value)
    if is_number(low) and is_number(high) and low >= high:
        problems.add(
            AlarmKind.MEMORY_UTILIZATION_LOW.value,
            low,
            f"less than memory_utilization_high ({high})",
        )
    if "error_rate_min_requests" in values:
        problems.check_int_range(
            "error_rate_min_requests", values["error_rate_min_requests"], 1, 1_000_000
        )


def describe_threshold(kind: AlarmKind, thresholds: AlarmThresholds) -> str:
    """The firing condition of ``kind`` in words, for its description and the docs."""
    spec = ALARM_SPECS[kind]
    value = getattr(thresholds, kind.value)
    if spec.unit in (Unit.MICROSECONDS, Unit.MILLISECONDS):
        shown = f"{_milliseconds(value)} ms"
    elif spec.unit is Unit.PERCENT:
        shown = f"{value} %"
    elif spec.unit is Unit.DEADLINE_SHARE:
        shown = f"{value} of the deadline"
    else:
        shown = f"{value}"
    comparison = {GTE: ">=", GT: ">", LT: "<"}[spec.comparison]
    statistic = "error ratio" if kind in RATE_KINDS else spec.statistic
    period = spec.period.to_minutes()
    window = f"{period} min" if period < 60 else f"{period // 60} h"
    return (
        f"{statistic} {comparison} {shown} in {spec.datapoints_to_alarm} of "
        f"{spec.evaluation_periods} periods of {window}"
    )
