"""``EndpointAlarms``: alarms on the metrics serverless endpoints really publish.

One alarm per :class:`AlarmKind`, each built by the same factory from a fixed
:class:`AlarmSpec` (statistic, period, evaluation, missing-data behaviour, runbook line)
and a typed threshold from :class:`AlarmThresholds`. Every alarm notifies one SNS topic
(alarm and OK); the critical ones roll up into one composite alarm, "the inference
service is unhealthy", the single signal meant to page someone.

The composite pages for sustained user-facing failure, never for one cold start: each of
its children must breach in 3 of 3 consecutive 5-minute periods (:data:`CRITICAL_KINDS`),
and its error children are rates that read 0 below ``error_rate_min_requests`` requests.

Every statistic is one AWS documents for the metric (``limits.METRIC_STATISTICS``): a
statistic a metric does not support gets no data, and missing data is not breaching.
SageMaker publishes ``ModelLatency``, ``OverheadLatency`` and ``ModelSetupTime`` in
MICROSECONDS: a ``Duration`` threshold of 2 s becomes ``Threshold: 2000000``. API
Gateway's ``Latency`` is in milliseconds.
"""

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Any, Final, Protocol

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from serverless_inference.alarm_topic import new_alarm_topic
from serverless_inference.endpoint import ServerlessEndpoint
from serverless_inference.validation import Problems, is_token
from serverless_inference_runtime.limits import (
    INVOCATION_TIMEOUT_SECONDS,
    MEMORY_SIZES_MB,
    STARTUP_TIMEOUT_SECONDS,
)

DEFAULT_PRICE_PER_GB_SECOND: Final = 0.00002
"""On-demand serverless compute in us-east-1, USD per GB-second (check the pricing page)."""

MAX_ALARM_WINDOW_SECONDS: Final = 86_400
"""CloudWatch refuses alarms whose period x evaluation periods exceeds one day."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ALARM_NAME_PREFIX = re.compile(r"^[\w.:/+=@ -]{1,200}$")


class AlarmKind(StrEnum):
    """The alarms ``EndpointAlarms`` can create; the value is the key in config and ``alarms``."""

    ENDPOINT_5XX_ERROR_RATE = "endpoint_5xx_error_rate"
    ENDPOINT_4XX_ERROR_RATE = "endpoint_4xx_error_rate"
    MODEL_LATENCY = "model_latency"
    OVERHEAD_LATENCY = "overhead_latency"
    MODEL_SETUP_TIME = "model_setup_time"
    CONCURRENCY_UTILIZATION_HIGH = "concurrency_utilization_high"
    MEMORY_UTILIZATION_HIGH = "memory_utilization_high"
    MEMORY_UTILIZATION_LOW = "memory_utilization_low"
    PROVISIONED_CONCURRENCY_SPILLOVER = "provisioned_concurrency_spillover"
    PROVISIONED_CONCURRENCY_UTILIZATION_LOW = "provisioned_concurrency_utilization_low"
    API_5XX_ERROR_RATE = "api_5xx_error_rate"
    API_4XX_ERROR_RATE = "api_4xx_error_rate"
    API_LATENCY = "api_latency"
    KEEP_WARM_ERRORS = "keep_warm_errors"
    KEEP_WARM_FAILED_PINGS = "keep_warm_failed_pings"


CRITICAL_KINDS: Final = frozenset(
    {
        AlarmKind.ENDPOINT_5XX_ERROR_RATE,
        AlarmKind.MODEL_LATENCY,
        AlarmKind.CONCURRENCY_UTILIZATION_HIGH,
        AlarmKind.MEMORY_UTILIZATION_HIGH,
        AlarmKind.API_5XX_ERROR_RATE,
        AlarmKind.API_LATENCY,
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
    }
)
"""Alarms on ``errors / requests`` (metric math), zero below ``error_rate_min_requests``."""


class Unit(StrEnum):
    """How a threshold is given and checked."""

    COUNT = "count"
    RATIO = "ratio"
    PERCENT = "percent"
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


_GTE = cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD
_GT = cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD
_LT = cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD
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
        comparison=_GT,
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
        comparison=_GT,
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
        comparison=_GTE,
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
        comparison=_GTE,
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
        comparison=_GTE,
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
        comparison=_GTE,
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
        comparison=_GTE,
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
        comparison=_LT,
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
        comparison=_GTE,
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
        comparison=_LT,
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
        comparison=_GT,
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
        comparison=_GT,
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
        comparison=_GTE,
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
        comparison=_GTE,
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
        comparison=_GTE,
        missing_data=_NOT_BREACHING,
        max_threshold=1_000_000,
    ),
}


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
    error_rate_min_requests: int = 10
    """Requests in a 5-minute period below which the error-rate alarms read 0: a few failed
    requests to a quiet endpoint are not an outage. Default: 10."""

    def threshold_of(self, kind: AlarmKind) -> float:
        """The CloudWatch ``Threshold`` of ``kind``, in the unit the metric is published in."""
        value = getattr(self, kind.value)
        unit = ALARM_SPECS[kind].unit
        if unit is Unit.MICROSECONDS:
            return _milliseconds(value) * 1000
        if unit is Unit.MILLISECONDS:
            return _milliseconds(value)
        return float(value)

    def as_numbers(self) -> dict[str, Any]:
        """Every threshold as a number, durations in milliseconds (the config's unit)."""
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
        check_threshold_values(problems, numbers, duration_key_suffix="")


def _milliseconds(duration: Duration) -> float:
    value = duration.to_milliseconds(integral=False)
    return int(value) if float(value).is_integer() else value


def duration_field_names() -> frozenset[str]:
    """The :class:`AlarmThresholds` fields that are ``Duration`` (``_ms`` keys in config)."""
    return frozenset(
        kind.value
        for kind, spec in ALARM_SPECS.items()
        if spec.unit in (Unit.MICROSECONDS, Unit.MILLISECONDS)
    )


def check_threshold_values(
    problems: Problems, values: Mapping[str, Any], *, duration_key_suffix: str
) -> None:
    """Record every invalid threshold among ``values`` (durations as milliseconds).

    Names are the field names; durations get ``duration_key_suffix`` (``_ms`` in config).
    """
    for kind in AlarmKind:
        if kind.value not in values:
            continue
        spec = ALARM_SPECS[kind]
        value = values[kind.value]
        if is_token(value):
            continue
        if spec.unit is Unit.COUNT:
            problems.check_int_range(kind.value, value, 1, int(spec.max_threshold))
        elif spec.unit is Unit.RATIO:
            if not _is_number(value) or not 0 < value <= 1:
                problems.add(kind.value, value, "a ratio greater than 0 and at most 1")
        elif spec.unit is Unit.PERCENT:
            if not _is_number(value) or not 0 < value < 100:
                problems.add(kind.value, value, "a percentage greater than 0 and less than 100")
        elif not _is_number(value) or not 1 <= value <= spec.max_threshold:
            problems.add(
                kind.value + duration_key_suffix,
                value,
                f"a duration from 1 to {int(spec.max_threshold)} milliseconds",
            )
    low: Any = values.get(AlarmKind.MEMORY_UTILIZATION_LOW.value)
    high: Any = values.get(AlarmKind.MEMORY_UTILIZATION_HIGH.value)
    if _is_number(low) and _is_number(high) and low >= high:
        problems.add(
            AlarmKind.MEMORY_UTILIZATION_LOW.value,
            low,
            f"less than memory_utilization_high ({high})",
        )
    if "error_rate_min_requests" in values:
        problems.check_int_range(
            "error_rate_min_requests", values["error_rate_min_requests"], 1, 1_000_000
        )


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def parse_alarm_kinds(problems: Problems, name: str, values: Collection[Any]) -> set[AlarmKind]:
    """The alarm kinds named in ``values``; unknown names are problems listing the known kinds."""
    kinds: set[AlarmKind] = set()
    known = [kind.value for kind in AlarmKind]
    for value in values:
        if isinstance(value, AlarmKind):
            kinds.add(value)
        elif isinstance(value, str) and value in known:
            kinds.add(AlarmKind(value))
        else:
            problems.add(name, value, "a list of alarm kinds, each one of " + ", ".join(known))
    return kinds


def check_email_addresses(problems: Problems, name: str, addresses: Collection[Any]) -> None:
    """Every entry of ``addresses`` must look like an e-mail address (tokens are skipped)."""
    for address in addresses:
        if is_token(address):
            continue
        if not isinstance(address, str) or not _EMAIL.match(address):
            problems.add(name, address, "a list of e-mail addresses (name@domain.tld)")


def check_price_per_gb_second(problems: Problems, name: str, price: Any) -> None:
    """The compute price of the cost estimate must be a positive number of USD below 1."""
    if not _is_number(price) or not 0 < price < 1:
        problems.add(name, price, "a price in USD per GB-second, above 0 and below 1")


def alarm_name(prefix: str, kind: str) -> str:
    """The name of one alarm: ``<prefix>-<kind>``, the same key as config and ``alarms``."""
    return f"{prefix}-{kind}"


def alarm_description(kind: AlarmKind, threshold: str, subject: str) -> str:
    """What is wrong, the threshold that fired, and what to check first (the runbook line)."""
    spec = ALARM_SPECS[kind]
    return (
        f"{spec.what} ({subject}). Fires when {threshold}. Check first: {spec.check_first}. "
        f"Tune it with the AlarmThresholds field {kind.value}, or leave it out by passing "
        f"{kind.value} in disabled."
    )


class ApiMetrics(Protocol):
    """What ``EndpointAlarms`` needs from an API in front of the endpoint (``InferenceApi``)."""

    def metric_count(self) -> cloudwatch.Metric: ...
    def metric_client_error(self) -> cloudwatch.Metric: ...
    def metric_server_error(self) -> cloudwatch.Metric: ...
    def metric_latency(self) -> cloudwatch.Metric: ...
    def metric_integration_latency(self) -> cloudwatch.Metric: ...


class KeepWarmMetrics(Protocol):
    """What ``EndpointAlarms`` needs from the keep-warm pinger (``KeepWarm``)."""

    def metric_errors(self) -> cloudwatch.Metric: ...
    def metric_failed_pings(self) -> cloudwatch.Metric: ...
    def metric_pings_sent(self) -> cloudwatch.Metric: ...
    def metric_ping_latency(self) -> cloudwatch.Metric: ...
    def metric_suspected_cold_starts(self) -> cloudwatch.Metric: ...


class EndpointAlarms(Construct):
    """Alarms, notifications and a dashboard for a serverless endpoint (and its API, keep-warm).

    :param endpoint: the endpoint to watch.
    :param api: the API in front of it. Default: - no API alarms.
    :param keep_warm: its keep-warm pinger. Default: - no keep-warm alarms.
    :param thresholds: the threshold of every alarm. Default: ``AlarmThresholds()``.
    :param disabled: alarm kinds not to create. Default: - none.
    :param topic: the topic every alarm notifies (alarm and OK). Its topic policy (if it has
        one) must allow ``cloudwatch.amazonaws.com`` to ``sns:Publish``, and its KMS key (if
        encrypted) must allow it ``kms:Decrypt`` and ``kms:GenerateDataKey*``: this construct
        does not change a topic it did not create. Default: - a new topic encrypted with a
        new customer-managed KMS key (USD 1/month), TLS-only, that this construct's alarms
        may publish to.
    :param email_addresses: e-mail addresses subscribed to the topic. Default: - none.
    :param pager_topic: topic of the composite "service unhealthy" alarm alone, for a
        pager; it must allow CloudWatch as ``topic`` must. Default: - the composite alarm
        notifies ``topic``.
    :param dashboard: whether to create the CloudWatch dashboard (USD 3/month beyond the
        account's first three), named ``<alarm_name_prefix>-<region>``. Default: True.
    :param price_per_gb_second: serverless compute price for the dashboard's cost
        estimate. Default: 0.00002 (us-east-1 on demand).
    :param alarm_name_prefix: start of every alarm name. Default: - the stack name.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: ServerlessEndpoint,
        api: ApiMetrics | None = None,
        keep_warm: KeepWarmMetrics | None = None,
        thresholds: AlarmThresholds = AlarmThresholds(),
        disabled: Collection[AlarmKind | str] = (),
        topic: sns.ITopic | None = None,
        email_addresses: Sequence[str] = (),
        pager_topic: sns.ITopic | None = None,
        dashboard: bool = True,
        price_per_gb_second: float = DEFAULT_PRICE_PER_GB_SECOND,
        alarm_name_prefix: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        prefix = alarm_name_prefix if alarm_name_prefix is not None else Stack.of(self).stack_name
        problems = Problems("EndpointAlarms props")
        thresholds.check(problems.under("thresholds."))
        disabled_kinds = parse_alarm_kinds(problems, "disabled", disabled)
        check_email_addresses(problems, "email_addresses", email_addresses)
        check_price_per_gb_second(problems, "price_per_gb_second", price_per_gb_second)
        if not is_token(prefix) and not _ALARM_NAME_PREFIX.match(prefix):
            problems.add("alarm_name_prefix", prefix, "1 to 200 characters of [A-Za-z0-9_.:/+=@ -]")
        problems.raise_if_any()

        self.endpoint = endpoint
        self.thresholds = thresholds
        self.alarm_name_prefix = prefix
        self.topic: sns.ITopic = (
            topic if topic is not None else new_alarm_topic(self, alarm_name_prefix=prefix)
        )
        for address in email_addresses:
            self.topic.add_subscription(subscriptions.EmailSubscription(address))
        self.pager_topic = pager_topic

        metrics = self._alarm_metrics(endpoint, api, keep_warm)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for kind, metric in metrics.items():
            if kind not in disabled_kinds:
                self.alarms[kind.value] = self._alarm(kind, metric)

        critical = [alarm for kind, alarm in self.alarms.items() if kind in CRITICAL_KINDS]
        self.composite_alarm: cloudwatch.CompositeAlarm | None = None
        if critical:
            self.composite_alarm = cloudwatch.CompositeAlarm(
                self,
                "ServiceUnhealthy",
                composite_alarm_name=alarm_name(prefix, "service_unhealthy"),
                alarm_description=(
                    "The inference service is unhealthy: a critical alarm is in ALARM "
                    f"({', '.join(sorted(kind for kind in self.alarms if kind in CRITICAL_KINDS))})"
                    ", each after 15 minutes of sustained failure (never for one cold start)."
                    " Check first: which child alarm fired (alarm history of this composite) "
                    "and follow its 'Check first' line."
                ),
                alarm_rule=cloudwatch.AlarmRule.any_of(*critical),
            )
            page = cloudwatch_actions.SnsAction(
                pager_topic if pager_topic is not None else self.topic
            )
            self.composite_alarm.add_alarm_action(page)
            self.composite_alarm.add_ok_action(page)

        self.dashboard: cloudwatch.Dashboard | None = None
        if dashboard:
            from serverless_inference.dashboard import build_dashboard

            self.dashboard = build_dashboard(
                self,
                "Dashboard",
                endpoint=endpoint,
                api=api,
                keep_warm=keep_warm,
                alarms=[*self.alarms.values()],
                composite_alarm=self.composite_alarm,
                thresholds=thresholds,
                price_per_gb_second=price_per_gb_second,
                name_prefix=prefix,
            )

    def _alarm_metrics(
        self,
        endpoint: ServerlessEndpoint,
        api: ApiMetrics | None,
        keep_warm: KeepWarmMetrics | None,
    ) -> dict[AlarmKind, cloudwatch.IMetric]:
        """The metric (or math expression) of every alarm kind that applies here."""

        def spec_options(kind: AlarmKind) -> dict[str, Any]:
            spec = ALARM_SPECS[kind]
            return {"statistic": spec.statistic, "period": spec.period}

        def rate(kind: AlarmKind, errors: cloudwatch.IMetric, requests: cloudwatch.IMetric) -> Any:
            minimum = self.thresholds.error_rate_min_requests
            return cloudwatch.MathExpression(
                expression=f"IF(requests >= {minimum}, errors / MAX([errors, requests]), 0)",
                using_metrics={"errors": errors, "requests": requests},
                period=ALARM_SPECS[kind].period,
                label=f"{kind.value} (ratio, 0 below {minimum} requests)",
            )

        K = AlarmKind  # noqa: N806 - a short alias keeps the table readable
        invocations = endpoint.metric_invocations(statistic="Sum", period=SUSTAINED_PERIOD)
        metrics: dict[AlarmKind, cloudwatch.IMetric] = {
            K.ENDPOINT_5XX_ERROR_RATE: rate(
                K.ENDPOINT_5XX_ERROR_RATE,
                endpoint.metric_invocation_5xx_errors(**spec_options(K.ENDPOINT_5XX_ERROR_RATE)),
                invocations,
            ),
            K.ENDPOINT_4XX_ERROR_RATE: rate(
                K.ENDPOINT_4XX_ERROR_RATE,
                endpoint.metric_invocation_4xx_errors(**spec_options(K.ENDPOINT_4XX_ERROR_RATE)),
                invocations,
            ),
            K.MODEL_LATENCY: endpoint.metric_model_latency(**spec_options(K.MODEL_LATENCY)),
            K.OVERHEAD_LATENCY: endpoint.metric_overhead_latency(
                **spec_options(K.OVERHEAD_LATENCY)
            ),
            K.MODEL_SETUP_TIME: endpoint.metric_model_setup_time(
                **spec_options(K.MODEL_SETUP_TIME)
            ),
            K.CONCURRENCY_UTILIZATION_HIGH: endpoint.metric_concurrent_executions_utilization(
                **spec_options(K.CONCURRENCY_UTILIZATION_HIGH)
            ),
            K.MEMORY_UTILIZATION_HIGH: endpoint.metric_memory_utilization(
                **spec_options(K.MEMORY_UTILIZATION_HIGH)
            ),
        }
        if endpoint.memory_size_mb != min(MEMORY_SIZES_MB):
            # At the smallest memory tier there is nothing to right-size.
            metrics[K.MEMORY_UTILIZATION_LOW] = endpoint.metric_memory_utilization(
                **spec_options(K.MEMORY_UTILIZATION_LOW)
            )
        if endpoint.provisioned_concurrency is not None:
            metrics[K.PROVISIONED_CONCURRENCY_SPILLOVER] = (
                endpoint.metric_provisioned_concurrency_spillover_invocations(
                    **spec_options(K.PROVISIONED_CONCURRENCY_SPILLOVER)
                )
            )
            metrics[K.PROVISIONED_CONCURRENCY_UTILIZATION_LOW] = (
                endpoint.metric_provisioned_concurrency_utilization(
                    **spec_options(K.PROVISIONED_CONCURRENCY_UTILIZATION_LOW)
                )
            )
        if api is not None:
            # API Gateway documents SampleCount for Count (Sum and Average for the errors).
            requests = api.metric_count().with_(statistic="SampleCount", period=SUSTAINED_PERIOD)
            metrics[K.API_5XX_ERROR_RATE] = rate(
                K.API_5XX_ERROR_RATE,
                api.metric_server_error().with_(**spec_options(K.API_5XX_ERROR_RATE)),
                requests,
            )
            metrics[K.API_4XX_ERROR_RATE] = rate(
                K.API_4XX_ERROR_RATE,
                api.metric_client_error().with_(**spec_options(K.API_4XX_ERROR_RATE)),
                requests,
            )
            metrics[K.API_LATENCY] = api.metric_latency().with_(**spec_options(K.API_LATENCY))
        if keep_warm is not None:
            metrics[K.KEEP_WARM_ERRORS] = keep_warm.metric_errors().with_(
                **spec_options(K.KEEP_WARM_ERRORS)
            )
            metrics[K.KEEP_WARM_FAILED_PINGS] = keep_warm.metric_failed_pings().with_(
                **spec_options(K.KEEP_WARM_FAILED_PINGS)
            )
        return metrics

    def _alarm(self, kind: AlarmKind, metric: cloudwatch.IMetric) -> cloudwatch.Alarm:
        """The one factory every alarm goes through: name, description, settings, actions."""
        spec = ALARM_SPECS[kind]
        threshold = self.thresholds.threshold_of(kind)
        alarm = cloudwatch.Alarm(
            self,
            "".join(part.capitalize() for part in kind.value.split("_")),
            metric=metric,
            threshold=threshold,
            comparison_operator=spec.comparison,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.datapoints_to_alarm,
            treat_missing_data=spec.missing_data,
            alarm_name=alarm_name(self.alarm_name_prefix, kind.value),
            alarm_description=alarm_description(
                kind, describe_threshold(kind, self.thresholds), self._subject(kind)
            ),
        )
        action = cloudwatch_actions.SnsAction(self.topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        return alarm

    def _subject(self, kind: AlarmKind) -> str:
        if kind.value.startswith("api_"):
            return "API in front of endpoint " + self.endpoint.endpoint_name
        if kind.value.startswith("keep_warm_"):
            return "keep-warm of endpoint " + self.endpoint.endpoint_name
        return "endpoint " + self.endpoint.endpoint_name


def describe_threshold(kind: AlarmKind, thresholds: AlarmThresholds) -> str:
    """The firing condition of ``kind`` in words, for its description and the docs."""
    spec = ALARM_SPECS[kind]
    value = getattr(thresholds, kind.value)
    if spec.unit in (Unit.MICROSECONDS, Unit.MILLISECONDS):
        shown = f"{_milliseconds(value)} ms"
    elif spec.unit is Unit.PERCENT:
        shown = f"{value} %"
    else:
        shown = f"{value}"
    comparison = {_GTE: ">=", _GT: ">", _LT: "<"}[spec.comparison]
    statistic = "error ratio" if kind in RATE_KINDS else spec.statistic
    period = spec.period.to_minutes()
    window = f"{period} min" if period < 60 else f"{period // 60} h"
    return (
        f"{statistic} {comparison} {shown} in {spec.datapoints_to_alarm} of "
        f"{spec.evaluation_periods} periods of {window}"
    )


__all__ = [
    "ALARM_SPECS",
    "CRITICAL_KINDS",
    "AlarmKind",
    "AlarmSpec",
    "AlarmThresholds",
    "ApiMetrics",
    "EndpointAlarms",
    "KeepWarmMetrics",
    "alarm_name",
]
