"""The CloudWatch dashboard of ``EndpointAlarms``: traffic, errors, latency, capacity, cost.

Every graph uses a statistic AWS documents for its metric (``limits.METRIC_STATISTICS``),
and keeps the period its title states whatever time range the reader picks
(``PeriodOverride.INHERIT``).
"""

import re
from collections.abc import Sequence

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from constructs import Construct

from serverless_inference.alarm_specs import AlarmKind
from serverless_inference.alarm_thresholds import AlarmThresholds
from serverless_inference.interfaces import (
    ApiMetrics,
    FanOutMetrics,
    IServerlessEndpoint,
    KeepWarmMetrics,
)
from serverless_inference.validation import is_token

FULL_WIDTH = 24
HALF_WIDTH = 12
THIRD_WIDTH = 8
HEIGHT = 6
_FIVE_MINUTES = Duration.minutes(5)
_ONE_HOUR = Duration.hours(1)
_NAME_PREFIX = re.compile(r"^[A-Za-z0-9_-]{1,200}$")
"""Dashboard names are 1-255 characters of ``[A-Za-z0-9_-]``; 200 leave room for the region."""


def dashboard_name(scope: Construct, name_prefix: str) -> str | None:
    """``<name_prefix>-<region>``, or ``None`` (CloudFormation generates a unique name) when
    the prefix has characters a dashboard name cannot hold.

    Dashboard names are global per account: the region keeps the same stack deployed to
    two regions from colliding. In a region-agnostic stack it is the ``AWS::Region`` token.
    """
    if is_token(name_prefix) or not _NAME_PREFIX.match(name_prefix):
        return None
    return f"{name_prefix}-{Stack.of(scope).region}"


def cost_per_hour_expression(memory_size_mb: int, price_per_gb_second: float) -> str:
    """The metric-math expression of the estimated on-demand compute cost of one hour.

    ``invocations`` (Sum over the hour) x ``latency`` (average ``ModelLatency`` over the
    hour, microseconds, so / 1000000 for seconds) x memory in GB x price per GB-second.
    An estimate of compute only: no provisioned concurrency, data processing or overhead.
    """
    memory_gb = _decimal(memory_size_mb / 1024)
    return f"invocations * latency / 1000000 * {memory_gb} * {_decimal(price_per_gb_second)}"


def _decimal(value: float) -> str:
    """``value`` in plain decimal notation (metric math is not documented to accept 2e-05)."""
    text = f"{value:.12f}".rstrip("0").rstrip(".")
    return text if text else "0"


def build_dashboard(
    scope: Construct,
    construct_id: str,
    *,
    endpoint: IServerlessEndpoint,
    api: ApiMetrics | None,
    keep_warm: KeepWarmMetrics | None,
    alarms: Sequence[cloudwatch.IAlarm],
    composite_alarm: cloudwatch.IAlarm | None,
    thresholds: AlarmThresholds,
    price_per_gb_second: float,
    name_prefix: str,
    model_name: str | None = None,
) -> cloudwatch.Dashboard:
    """A dashboard named ``<name_prefix>-<region>`` (see :func:`dashboard_name`) with one row
    per concern; rows for the API, keep-warm and provisioned concurrency appear only when
    those exist. More models and fan-outs add sections of their own (:func:`add_section`)."""
    dashboard = cloudwatch.Dashboard(
        scope,
        construct_id,
        dashboard_name=dashboard_name(scope, name_prefix),
        default_interval=Duration.hours(3),
        period_override=cloudwatch.PeriodOverride.INHERIT,
    )
    subject = f"endpoint {endpoint.endpoint_name}"
    dashboard.add_widgets(
        cloudwatch.TextWidget(
            markdown=(
                "# Serverless inference: "
                + (subject if model_name is None else f"model {model_name}, {subject}")
                + "\n"
                "SageMaker latencies (ModelLatency, OverheadLatency, ModelSetupTime) are in "
                "**microseconds**; API Gateway latencies in milliseconds. No data means the "
                "endpoint scaled to zero. Each graph keeps the period its title states. "
                "The cost graph estimates on-demand compute only."
            ),
            width=FULL_WIDTH,
            height=2,
        )
    )
    rows = endpoint_rows(endpoint, thresholds, price_per_gb_second)
    if api is not None:
        rows += api_rows(api, thresholds)
    if keep_warm is not None:
        rows += keep_warm_rows(keep_warm)
    status: list[cloudwatch.IAlarm] = [*alarms]
    if composite_alarm is not None:
        status.insert(0, composite_alarm)
    for row in rows + status_rows("Alarm status", status):
        dashboard.add_widgets(*row)
    return dashboard


def add_section(
    dashboard: cloudwatch.Dashboard,
    title: str,
    rows: Sequence[Sequence[cloudwatch.IWidget]],
    alarms: Sequence[cloudwatch.IAlarm],
) -> None:
    """A section for one more model or fan-out: its title, its rows, its alarms' status."""
    dashboard.add_widgets(cloudwatch.TextWidget(markdown=f"## {title}", width=FULL_WIDTH, height=1))
    for row in [*rows, *status_rows(f"Alarm status: {title}", alarms)]:
        dashboard.add_widgets(*row)


Rows = list[list[cloudwatch.IWidget]]


def status_rows(title: str, alarms: Sequence[cloudwatch.IAlarm]) -> Rows:
    """A row with the status of ``alarms``; none without alarms."""
    if not alarms:
        return []
    return [
        [
            cloudwatch.AlarmStatusWidget(
                title=title, alarms=list(alarms), width=FULL_WIDTH, height=HEIGHT
            )
        ]
    ]


def endpoint_rows(
    endpoint: IServerlessEndpoint, thresholds: AlarmThresholds, price_per_gb_second: float
) -> Rows:
    """Traffic, latency and cold starts; capacity, memory and cost; provisioned concurrency
    when the endpoint has some."""
    rows: Rows = []
    rows.append(
        [
            _graph(
                "Invocations and errors (sum per 5 min)",
                left=[
                    endpoint.metric_invocations(
                        statistic="Sum", period=_FIVE_MINUTES, label="Invocations"
                    )
                ],
                right=[
                    endpoint.metric_invocation_4xx_errors(
                        statistic="Sum", period=_FIVE_MINUTES, label="4XX errors"
                    ),
                    endpoint.metric_invocation_5xx_errors(
                        statistic="Sum", period=_FIVE_MINUTES, label="5XX errors"
                    ),
                ],
                width=THIRD_WIDTH,
            ),
            _graph(
                "ModelLatency and OverheadLatency per 5 min (microseconds)",
                left=[
                    *_statistics(
                        endpoint.metric_model_latency(), "ModelLatency", "Average", "Maximum"
                    ),
                    *_statistics(
                        endpoint.metric_overhead_latency(), "OverheadLatency", "Average", "Maximum"
                    ),
                ],
                left_annotations=[
                    _line(
                        thresholds.threshold_of(AlarmKind.MODEL_LATENCY),
                        "ModelLatency average alarm",
                    )
                ],
                width=THIRD_WIDTH,
            ),
            _graph(
                "ModelSetupTime: new compute launched, per 5 min (microseconds)",
                left=[
                    *_statistics(
                        endpoint.metric_model_setup_time(), "ModelSetupTime", "Average", "Maximum"
                    ),
                    endpoint.metric_model_setup_time(
                        statistic="SampleCount", period=_FIVE_MINUTES, label="Cold starts (count)"
                    ),
                ],
                width=THIRD_WIDTH,
            ),
        ]
    )
    rows.append(
        [
            _graph(
                "Concurrency utilization, maximum per minute (1 = max concurrency: throttling)",
                left=[
                    endpoint.metric_concurrent_executions_utilization(
                        statistic="Maximum",
                        period=Duration.minutes(1),
                        label="Concurrent executions / max",
                    )
                ],
                left_annotations=[
                    _line(
                        thresholds.threshold_of(AlarmKind.CONCURRENCY_UTILIZATION_HIGH),
                        "Concurrency alarm",
                    )
                ],
                width=THIRD_WIDTH,
            ),
            _graph(
                "Memory utilization per 5 min (%)",
                left=_statistics(
                    endpoint.metric_memory_utilization(), "Memory", "Maximum", "Average"
                ),
                left_annotations=[
                    _line(
                        thresholds.threshold_of(AlarmKind.MEMORY_UTILIZATION_HIGH),
                        "Out of memory risk",
                    ),
                    _line(
                        thresholds.threshold_of(AlarmKind.MEMORY_UTILIZATION_LOW),
                        "Over-provisioned",
                    ),
                ],
                width=THIRD_WIDTH,
            ),
            _cost_widget(endpoint, price_per_gb_second),
        ]
    )
    if endpoint.provisioned_concurrency is not None:
        rows.append(
            [
                _graph(
                    "Provisioned concurrency: executions and utilization per 5 min",
                    left=[
                        endpoint.metric_provisioned_concurrency_executions(
                            statistic="Maximum", period=_FIVE_MINUTES, label="PC executions (max)"
                        )
                    ],
                    right=[
                        endpoint.metric_provisioned_concurrency_utilization(
                            statistic="Average", period=_FIVE_MINUTES, label="PC utilization (avg)"
                        )
                    ],
                    width=HALF_WIDTH,
                ),
                _graph(
                    # AWS documents Average, Maximum and Minimum for these two, not Sum.
                    "Provisioned concurrency: invocations and spillover, maximum per 5 min",
                    left=[
                        endpoint.metric_provisioned_concurrency_invocations(
                            statistic="Maximum", period=_FIVE_MINUTES, label="Served by PC"
                        ),
                        endpoint.metric_provisioned_concurrency_spillover_invocations(
                            statistic="Maximum",
                            period=_FIVE_MINUTES,
                            label="Spilled over (on demand)",
                        ),
                    ],
                    width=HALF_WIDTH,
                ),
            ]
        )
    return rows


def api_rows(api: ApiMetrics, thresholds: AlarmThresholds) -> Rows:
    """The API's requests, errors and latencies."""
    rows: Rows = []
    rows.append(
        [
            _graph(
                "API requests and errors per 5 min",
                left=[
                    api.metric_count().with_(
                        statistic="SampleCount", period=_FIVE_MINUTES, label="Requests"
                    )
                ],
                right=[
                    api.metric_client_error().with_(
                        statistic="Sum", period=_FIVE_MINUTES, label="4XX (sum)"
                    ),
                    api.metric_server_error().with_(
                        statistic="Sum", period=_FIVE_MINUTES, label="5XX (sum)"
                    ),
                ],
                width=HALF_WIDTH,
            ),
            _graph(
                "API latency per 5 min (milliseconds)",
                left=[
                    *_statistics(api.metric_latency(), "Latency", "p50", "p99"),
                    *_statistics(api.metric_integration_latency(), "IntegrationLatency", "p99"),
                ],
                left_annotations=[
                    _line(thresholds.threshold_of(AlarmKind.API_LATENCY), "Latency p99 alarm")
                ],
                width=HALF_WIDTH,
            ),
        ]
    )
    return rows


def keep_warm_rows(keep_warm: KeepWarmMetrics) -> Rows:
    """The keep-warm pings and their latency."""
    rows: Rows = []
    rows.append(
        [
            _graph(
                "Keep-warm pings (sum per 5 min)",
                left=_sums(
                    (keep_warm.metric_pings_sent(), "Pings sent"),
                    (keep_warm.metric_failed_pings(), "Failed pings"),
                    (keep_warm.metric_suspected_cold_starts(), "Suspected cold starts"),
                    (keep_warm.metric_errors(), "Function errors"),
                ),
                width=HALF_WIDTH,
            ),
            _graph(
                "Keep-warm ping latency per 5 min (milliseconds)",
                left=_statistics(keep_warm.metric_ping_latency(), "Ping latency", "p50", "Maximum"),
                width=HALF_WIDTH,
            ),
        ]
    )
    return rows


def fan_out_rows(fan_out: FanOutMetrics, thresholds: AlarmThresholds) -> Rows:
    """A fan-out's requests, failures and throttles; its duration against its deadline."""
    deadline_ms = fan_out.deadline.to_milliseconds()
    return [
        [
            _graph(
                "Requests, failures and throttles (sum per 5 min)",
                left=_sums((fan_out.metric_invocations(), "Requests")),
                right=_sums(
                    (fan_out.metric_failed_requests(), "Failed requests (non-200)"),
                    (fan_out.metric_partial_answers(), "Partial answers"),
                    (fan_out.metric_errors(), "Function errors"),
                    (fan_out.metric_throttles(), "Throttled by Lambda"),
                ),
                width=HALF_WIDTH,
            ),
            _graph(
                "Duration per 5 min (milliseconds)",
                left=_statistics(fan_out.metric_duration(), "Duration", "p50", "p99", "Maximum"),
                left_annotations=[
                    _line(deadline_ms, "Deadline"),
                    _line(
                        thresholds.threshold_of(AlarmKind.FAN_OUT_DURATION, deadline_ms),
                        "Duration p99 alarm",
                    ),
                ],
                width=HALF_WIDTH,
            ),
        ]
    ]


def _cost_widget(endpoint: IServerlessEndpoint, price_per_gb_second: float) -> cloudwatch.IWidget:
    title = "Estimated on-demand compute cost (USD per hour)"
    if is_token(endpoint.memory_size_mb):
        return cloudwatch.TextWidget(
            markdown=f"### {title}\nUnavailable: the memory size is only known at deploy time.",
            width=THIRD_WIDTH,
            height=HEIGHT,
        )
    cost = cloudwatch.MathExpression(
        expression=cost_per_hour_expression(endpoint.memory_size_mb, price_per_gb_second),
        using_metrics={
            "invocations": endpoint.metric_invocations(statistic="Sum", period=_ONE_HOUR),
            "latency": endpoint.metric_model_latency(statistic="Average", period=_ONE_HOUR),
        },
        period=_ONE_HOUR,
        label="USD per hour (invocations x avg ModelLatency x GB x price)",
    )
    return _graph(title, left=[cost], width=THIRD_WIDTH)


def _statistics(metric: cloudwatch.Metric, name: str, *statistics: str) -> list[cloudwatch.IMetric]:
    """The metric per 5 minutes at each statistic, labelled ``<name> <statistic>``."""
    return [
        metric.with_(statistic=statistic, period=_FIVE_MINUTES, label=f"{name} {statistic}")
        for statistic in statistics
    ]


def _sums(*labelled: tuple[cloudwatch.Metric, str]) -> list[cloudwatch.IMetric]:
    """Each metric's sum per 5 minutes, under its label."""
    return [
        metric.with_(statistic="Sum", period=_FIVE_MINUTES, label=label)
        for metric, label in labelled
    ]


def _graph(
    title: str,
    *,
    left: Sequence[cloudwatch.IMetric],
    right: Sequence[cloudwatch.IMetric] = (),
    left_annotations: Sequence[cloudwatch.HorizontalAnnotation] = (),
    width: int,
) -> cloudwatch.GraphWidget:
    return cloudwatch.GraphWidget(
        title=title,
        left=list(left),
        right=list(right) or None,
        left_annotations=list(left_annotations) or None,
        width=width,
        height=HEIGHT,
    )


def _line(value: float, label: str) -> cloudwatch.HorizontalAnnotation:
    return cloudwatch.HorizontalAnnotation(value=value, label=label)
