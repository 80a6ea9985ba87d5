"""What each alarm of ``EndpointAlarms`` watches and how: one :class:`AlarmSpec` per
:class:`AlarmKind` (statistic, period, evaluation, missing-data behaviour, runbook line).

Only the threshold is tuned per deployment (``alarm_thresholds.AlarmThresholds``). The
critical kinds roll up into the composite alarm that pages: each must breach in 3 of 3
consecutive 5-minute periods (:data:`CRITICAL_KINDS`), which one cold start cannot do. Every
statistic is one AWS documents for the metric (``limits.METRIC_STATISTICS``).
"""

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

from serverless_inference_runtime.limits import INVOCATION_TIMEOUT_SECONDS, STARTUP_TIMEOUT_SECONDS


class AlarmKind(StrEnum):
    """The alarms ``EndpointAlarms`` can create. The value names the alarm
    (``<prefix>-<value>``), its ``AlarmThresholds`` field and its key in
    ``EndpointAlarms.alarms``."""

    ENDPOINT_5XX_ERROR_RATE = "endpoint_5xx_error_rate"
    """Share of invocations the endpoint failed with a 5XX (critical)."""
    ENDPOINT_4XX_ERROR_RATE = "endpoint_4xx_error_rate"
    """Share of invocations the endpoint refused with a 4XX (throttling included)."""
    MODEL_LATENCY = "model_latency"
    """Average ``ModelLatency``: time spent in the container (critical)."""
    OVERHEAD_LATENCY = "overhead_latency"
    """Average ``OverheadLatency``: SageMaker's overhead, cold starts included."""
    MODEL_SETUP_TIME = "model_setup_time"
    """Maximum ``ModelSetupTime``: how long a cold start took."""
    CONCURRENCY_UTILIZATION_HIGH = "concurrency_utilization_high"
    """Concurrent executions near ``max_concurrency``: throttling next (critical)."""
    MEMORY_UTILIZATION_HIGH = "memory_utilization_high"
    """Memory in use near the tier: out-of-memory risk (critical)."""
    MEMORY_UTILIZATION_LOW = "memory_utilization_low"
    """Memory mostly unused for hours: a smaller tier would do."""
    PROVISIONED_CONCURRENCY_SPILLOVER = "provisioned_concurrency_spillover"
    """Requests served on demand beyond the provisioned concurrency."""
    PROVISIONED_CONCURRENCY_UTILIZATION_LOW = "provisioned_concurrency_utilization_low"
    """Provisioned concurrency idle all day: paid for, unused."""
    API_5XX_ERROR_RATE = "api_5xx_error_rate"
    """Share of API requests answered with a 5XX (critical)."""
    API_4XX_ERROR_RATE = "api_4xx_error_rate"
    """Share of API requests answered with a 4XX."""
    API_LATENCY = "api_latency"
    """p99 of the API's ``Latency``, what clients wait (critical)."""
    KEEP_WARM_ERRORS = "keep_warm_errors"
    """Runs of the keep-warm function that failed (every ping failed)."""
    KEEP_WARM_FAILED_PINGS = "keep_warm_failed_pings"
    """Keep-warm pings that failed."""
    FAN_OUT_ERROR_RATE = "fan_out_error_rate"
    """Share of a fan-out's requests its function failed (crash or timeout) (critical)."""
    FAN_OUT_THROTTLES = "fan_out_throttles"
    """Fan-out requests Lambda throttled for lack of concurrency (critical)."""
    FAN_OUT_DURATION = "fan_out_duration"
    """p99 of a fan-out's duration, as a share of its deadline (critical)."""


CRITICAL_KINDS: Final = frozenset(
    {
        AlarmKind.ENDPOINT_5XX_ERROR_RATE,
        AlarmKind.MODEL_LATENCY,
        AlarmKind.CONCURRENCY_UTILIZATION_HIGH,
        AlarmKind.MEMORY_UTILIZATION_HIGH,
        AlarmKind.API_5XX_ERROR_RATE,
        AlarmKind.API_LATENCY,
        AlarmKind.FAN_OUT_ERROR_RATE,
        AlarmKind.FAN_OUT_THROTTLES,
        AlarmKind.FAN_OUT_DURATION,
    }
)
"""The alarms whose ALARM state means users are hurt now: the composite alarm's rule.

Each evaluates :data:`SUSTAINED_PERIODS` of :data:`SUSTAINED_PERIOD` and fires only when all
of them breach. A cold start lasts at most :data:`COLD_START_EPISODE_SECONDS` (4 minutes),
less than one period, so it touches at most two consecutive periods and cannot put a
critical alarm in ALARM; 15 minutes of failure can. Alarms about cold starts themselves
(``overhead_latency``, ``model_setup_time``, keep-warm) notify but never page."""

SUSTAINED_PERIOD: Final = Duration.minutes(5)
SUSTAINED_PERIODS: Final = 3

COLD_START_EPISODE_SECONDS: Final = STARTUP_TIMEOUT_SECONDS + INVOCATION_TIMEOUT_SECONDS
"""The longest one cold start can hurt requests: new compute must download the model and
answer ``/ping`` within 3 minutes or SageMaker fails it, and a request it then serves has
1 minute for ``/invocations``."""

RATE_KINDS: Final = frozenset(
    {
        AlarmKind.ENDPOINT_5XX_ERROR_RATE,
        AlarmKind.ENDPOINT_4XX_ERROR_RATE,
        AlarmKind.API_5XX_ERROR_RATE,
        AlarmKind.API_4XX_ERROR_RATE,
        AlarmKind.FAN_OUT_ERROR_RATE,
    }
)
"""Alarms on ``errors / requests`` (metric math), zero below ``error_rate_min_requests``."""


class Unit(StrEnum):
    """How a threshold is given and checked."""

    COUNT = "count"
    RATIO = "ratio"
    PERCENT = "percent"
    DEADLINE_SHARE = "deadline_share"
    """A share of a fan-out's deadline (0..1), compared with its duration in milliseconds."""
    MICROSECONDS = "microseconds"
    MILLISECONDS = "milliseconds"


@dataclass(frozen=True)
class AlarmSpec:
    """The fixed settings of one alarm kind; only the threshold is tuned per deployment."""

    what: str
    """What is wrong, as the on-call engineer reads it."""
    check_first: str
    """The runbook line: what to look at first."""
    unit: Unit
    statistic: str
    period: Duration
    evaluation_periods: int
    datapoints_to_alarm: int
    comparison: cloudwatch.ComparisonOperator
    missing_data: cloudwatch.TreatMissingData
    max_threshold: float
    """Largest sensible threshold, in the unit of the settings (ms for durations)."""


GTE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
GT = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
LT = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
_NOT_BREACHING = cloudwatch.TreatMissingData.NOT_BREACHING
_BREACHING = cloudwatch.TreatMissingData.BREACHING
_FIVE_MINUTES = Duration.minutes(5)
_ONE_HOUR = Duration.hours(1)

ALARM_SPECS: Final[Mapping[AlarmKind, AlarmSpec]] = {
    AlarmKind.ENDPOINT_5XX_ERROR_RATE: AlarmSpec(
        what="The model container answers a share of requests with 5XX errors, for 15 minutes",
        check_first="the endpoint log group /aws/sagemaker/Endpoints/<endpoint> for exceptions "
        "and out-of-memory kills, then whether a new model or image was just deployed",
        unit=Unit.RATIO,
        statistic="Sum",
        period=SUSTAINED_PERIOD,
        evaluation_periods=SUSTAINED_PERIODS,
        datapoints_to_alarm=SUSTAINED_PERIODS,
        comparison=GT,
        missing_data=_NOT_BREACHING,
        max_threshold=1,
    ),
    AlarmKind.ENDPOINT_4XX_ERROR_RATE: AlarmSpec(
        what="Too many requests are refused with 4XX errors (bad input, or throttling)",
        check_first="the endpoint logs for validation errors and the concurrency utilization "
        "graph (throttling is a 4XX too), then what changed in the clients",
        unit=Unit.RATIO,
        statistic="Sum",
        period=_FIVE_MINUTES,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        comparison=GT,
        missing_data=_NOT_BREACHING,
        max_threshold=1,
    ),
    AlarmKind.MODEL_LATENCY: AlarmSpec(
        what="The model is slow: average time in the container is high, for 15 minutes",
        check_first="MemoryUtilization (swapping or a too-small memory size slows inference) and "
        "the payload sizes, then whether a new model version was deployed",
        unit=Unit.MICROSECONDS,
        statistic="Average",
        period=SUSTAINED_PERIOD,
        evaluation_periods=SUSTAINED_PERIODS,
        datapoints_to_alarm=SUSTAINED_PERIODS,
        comparison=GTE,
        missing_data=_NOT_BREACHING,
        max_threshold=INVOCATION_TIMEOUT_SECONDS * 1000,
    ),
    AlarmKind.OVERHEAD_LATENCY: AlarmSpec(
        what="Requests wait long for compute: average overhead latency (cold starts) is high",
        check_first="ModelSetupTime and the keep-warm pings; consider provisioned concurrency "
        "or a smaller image/model for faster cold starts",
        unit=Unit.MICROSECONDS,
        statistic="Average",
        period=_FIVE_MINUTES,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        comparison=GTE,
        missing_data=_NOT_BREACHING,
        max_threshold=STARTUP_TIMEOUT_SECONDS * 1000,
    ),
    AlarmKind.MODEL_SETUP_TIME: AlarmSpec(
        what="New compute takes long to start (ModelSetupTime): cold starts are slow",
        check_first="the image and model.tar.gz sizes and the container start-up logs; setup "
        "must finish within 3 minutes or SageMaker fails the request",
        unit=Unit.MICROSECONDS,
        statistic="Maximum",
        period=_FIVE_MINUTES,
        evaluation_periods=1,
        datapoints_to_alarm=1,
        comparison=GTE,
        missing_data=_NOT_BREACHING,
        max_threshold=STARTUP_TIMEOUT_SECONDS * 1000,
    ),
    AlarmKind.CONCURRENCY_UTILIZATION_HIGH: AlarmSpec(
        what="Concurrent executions stay near max concurrency: throttling (429/4XX) is next",
        check_first="the Invocations graph for a traffic spike, then raise max_concurrency "
        "(mind the account's total serverless concurrency quota)",
        unit=Unit.RATIO,
        statistic="Maximum",
        period=SUSTAINED_PERIOD,
        evaluation_periods=SUSTAINED_PERIODS,
        datapoints_to_alarm=SUSTAINED_PERIODS,
        comparison=GTE,
        missing_data=_NOT_BREACHING,
        max_threshold=1,
    ),
    AlarmKind.MEMORY_UTILIZATION_HIGH: AlarmSpec(
        what="Memory stays nearly full: out-of-memory kills are close",
        check_first="the endpoint logs for killed workers and the payload sizes, then raise "
        "memory_size_mb one tier",
        unit=Unit.PERCENT,
        statistic="Maximum",
        period=SUSTAINED_PERIOD,
        evaluation_periods=SUSTAINED_PERIODS,
        datapoints_to_alarm=SUSTAINED_PERIODS,
        comparison=GTE,
        missing_data=_NOT_BREACHING,
        max_threshold=100,
    ),
    AlarmKind.MEMORY_UTILIZATION_LOW: AlarmSpec(
        what="Right-sizing: peak memory stayed low for hours with traffic, memory is "
        "over-provisioned (the most common serverless cost overrun)",
        check_first="the memory graph over a week; if the peak stays under half, lower "
        "memory_size_mb one tier (latency may grow: vCPU scales with memory)",
        unit=Unit.PERCENT,
        statistic="Maximum",
        period=_ONE_HOUR,
        evaluation_periods=24,
        datapoints_to_alarm=6,
        comparison=LT,
        missing_data=_NOT_BREACHING,
        max_threshold=100,
    ),
    AlarmKind.PROVISIONED_CONCURRENCY_SPILLOVER: AlarmSpec(
        what="Provisioned concurrency is too low: requests spill over to on-demand (cold) compute",
        check_first="the provisioned concurrency utilization graph; raise "
        "provisioned_concurrency or its autoscaling maximum",
        unit=Unit.COUNT,
        statistic="Maximum",
        period=_FIVE_MINUTES,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        comparison=GTE,
        missing_data=_NOT_BREACHING,
        max_threshold=1_000_000,
    ),
    AlarmKind.PROVISIONED_CONCURRENCY_UTILIZATION_LOW: AlarmSpec(
        what="Paying for idle capacity: provisioned concurrency stayed mostly unused for a day",
        check_first="the traffic pattern; lower provisioned_concurrency or scale it on a "
        "schedule (missing data counts as idle)",
        unit=Unit.RATIO,
        statistic="Average",
        period=_ONE_HOUR,
        evaluation_periods=24,
        datapoints_to_alarm=24,
        comparison=LT,
        missing_data=_BREACHING,
        max_threshold=1,
    ),
    AlarmKind.API_5XX_ERROR_RATE: AlarmSpec(
        what="The API answers a share of clients with 5XX errors, for 15 minutes",
        check_first="the API execution logs (integration errors, 504 timeouts on cold starts "
        "longer than the integration timeout, 503 while the model is not ready), then the "
        "endpoint 5XX alarm",
        unit=Unit.RATIO,
        statistic="Sum",
        period=SUSTAINED_PERIOD,
        evaluation_periods=SUSTAINED_PERIODS,
        datapoints_to_alarm=SUSTAINED_PERIODS,
        comparison=GT,
        missing_data=_NOT_BREACHING,
        max_threshold=1,
    ),
    AlarmKind.API_4XX_ERROR_RATE: AlarmSpec(
        what="Too many API requests are refused with 4XX errors",
        check_first="the API access logs for 403 (auth), 429 (throttling, usage plan) and 400 "
        "(request validation), then what changed in the clients",
        unit=Unit.RATIO,
        statistic="Sum",
        period=_FIVE_MINUTES,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        comparison=GT,
        missing_data=_NOT_BREACHING,
        max_threshold=1,
    ),
    AlarmKind.API_LATENCY: AlarmSpec(
        what="Clients wait long: p99 API latency is high, for 15 minutes",
        check_first="IntegrationLatency against the endpoint's ModelLatency and OverheadLatency "
        "(cold starts); past the integration timeout (29 s) clients get 504",
        unit=Unit.MILLISECONDS,
        statistic="p99",
        period=SUSTAINED_PERIOD,
        evaluation_periods=SUSTAINED_PERIODS,
        datapoints_to_alarm=SUSTAINED_PERIODS,
        comparison=GTE,
        missing_data=_NOT_BREACHING,
        max_threshold=300_000,
    ),
    AlarmKind.KEEP_WARM_ERRORS: AlarmSpec(
        what="The keep-warm function fails: the endpoint may go cold",
        check_first="the keep-warm function's log group for the exception, then its role's "
        "sagemaker:InvokeEndpoint permission",
        unit=Unit.COUNT,
        statistic="Sum",
        period=_FIVE_MINUTES,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        comparison=GTE,
        missing_data=_NOT_BREACHING,
        max_threshold=1_000_000,
    ),
    AlarmKind.KEEP_WARM_FAILED_PINGS: AlarmSpec(
        what="Keep-warm pings fail: the endpoint rejects or times out on warm-up calls",
        check_first="the keep-warm function's logs for the error type (throttling when pings "
        "exceed max concurrency, ModelError on a bad ping payload)",
        unit=Unit.COUNT,
        statistic="Sum",
        period=_FIVE_MINUTES,
        evaluation_periods=3,
        datapoints_to_alarm=2,
        comparison=GTE,
        missing_data=_NOT_BREACHING,
        max_threshold=1_000_000,
    ),
    AlarmKind.FAN_OUT_ERROR_RATE: AlarmSpec(
        what="The fan-out function fails (crashes or runs out of time) on a share of requests, "
        "for 15 minutes",
        check_first="the fan-out function's log group for the exception or 'Task timed out', "
        "then whether a deploy changed it",
        unit=Unit.RATIO,
        statistic="Sum",
        period=SUSTAINED_PERIOD,
        evaluation_periods=SUSTAINED_PERIODS,
        datapoints_to_alarm=SUSTAINED_PERIODS,
        comparison=GT,
        missing_data=_NOT_BREACHING,
        max_threshold=1,
    ),
    AlarmKind.FAN_OUT_THROTTLES: AlarmSpec(
        what="Lambda refuses fan-out requests for lack of concurrency (clients get 500), for "
        "15 minutes",
        check_first="the account's Lambda concurrency (ConcurrentExecutions, other functions' "
        "reservations) and the fan-out route's request rate",
        unit=Unit.COUNT,
        statistic="Sum",
        period=SUSTAINED_PERIOD,
        evaluation_periods=SUSTAINED_PERIODS,
        datapoints_to_alarm=SUSTAINED_PERIODS,
        comparison=GTE,
        missing_data=_NOT_BREACHING,
        max_threshold=1_000_000,
    ),
    AlarmKind.FAN_OUT_DURATION: AlarmSpec(
        what="Fan-out requests run close to their deadline (p99): members time out next, for "
        "15 minutes",
        check_first="which member is slow (the function's log lines list each member's "
        "latency), then that model's latency and cold-start alarms",
        unit=Unit.DEADLINE_SHARE,
        statistic="p99",
        period=SUSTAINED_PERIOD,
        evaluation_periods=SUSTAINED_PERIODS,
        datapoints_to_alarm=SUSTAINED_PERIODS,
        comparison=GTE,
        missing_data=_NOT_BREACHING,
        max_threshold=1,
    ),
}


def alarm_name(prefix: str, kind: str) -> str:
    """The name of one alarm: ``<prefix>-<kind>`` (``kind`` is also its key in
    ``EndpointAlarms.alarms``)."""
    return f"{prefix}-{kind}"
