"""The metric (or metric-math expression) of every alarm kind, for what ``EndpointAlarms``
watches: an endpoint, the API in front of it, a keep-warm pinger, a fan-out. Each uses the
statistic and period of its kind's spec (``alarm_specs``)."""

from typing import Any

from aws_cdk import aws_cloudwatch as cloudwatch

from serverless_inference.alarm_specs import ALARM_SPECS, SUSTAINED_PERIOD, AlarmKind
from serverless_inference.alarm_thresholds import AlarmThresholds
from serverless_inference.interfaces import (
    ApiMetrics,
    FanOutMetrics,
    IServerlessEndpoint,
    KeepWarmMetrics,
)
from serverless_inference_runtime.limits import MEMORY_SIZES_MB

AlarmMetrics = dict[AlarmKind, cloudwatch.IMetric]
K = AlarmKind
"""A short alias keeps the tables readable."""


def spec_options(kind: AlarmKind) -> dict[str, Any]:
    """The statistic and period of ``kind``'s alarm."""
    spec = ALARM_SPECS[kind]
    return {"statistic": spec.statistic, "period": spec.period}


def _rate(
    thresholds: AlarmThresholds,
    kind: AlarmKind,
    errors: cloudwatch.IMetric,
    requests: cloudwatch.IMetric,
) -> cloudwatch.IMetric:
    minimum = thresholds.error_rate_min_requests
    return cloudwatch.MathExpression(
        expression=f"IF(requests >= {minimum}, errors / MAX([errors, requests]), 0)",
        using_metrics={"errors": errors, "requests": requests},
        period=ALARM_SPECS[kind].period,
        label=f"{kind.value} (ratio, 0 below {minimum} requests)",
    )


def endpoint_alarm_metrics(
    endpoint: IServerlessEndpoint, thresholds: AlarmThresholds
) -> AlarmMetrics:
    """The endpoint's alarms: errors, latencies, capacity, memory; right-sizing above the
    smallest memory tier; provisioned concurrency when it has some."""
    invocations = endpoint.metric_invocations(statistic="Sum", period=SUSTAINED_PERIOD)
    metrics: AlarmMetrics = {
        K.ENDPOINT_5XX_ERROR_RATE: _rate(
            thresholds,
            K.ENDPOINT_5XX_ERROR_RATE,
            endpoint.metric_invocation_5xx_errors(**spec_options(K.ENDPOINT_5XX_ERROR_RATE)),
            invocations,
        ),
        K.ENDPOINT_4XX_ERROR_RATE: _rate(
            thresholds,
            K.ENDPOINT_4XX_ERROR_RATE,
            endpoint.metric_invocation_4xx_errors(**spec_options(K.ENDPOINT_4XX_ERROR_RATE)),
            invocations,
        ),
        K.MODEL_LATENCY: endpoint.metric_model_latency(**spec_options(K.MODEL_LATENCY)),
        K.OVERHEAD_LATENCY: endpoint.metric_overhead_latency(**spec_options(K.OVERHEAD_LATENCY)),
        K.MODEL_SETUP_TIME: endpoint.metric_model_setup_time(**spec_options(K.MODEL_SETUP_TIME)),
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
    return metrics


def api_alarm_metrics(api: ApiMetrics, thresholds: AlarmThresholds) -> AlarmMetrics:
    """The API's alarms: its error rates and latency."""
    # API Gateway documents SampleCount for Count (Sum and Average for the errors).
    requests = api.metric_count().with_(statistic="SampleCount", period=SUSTAINED_PERIOD)
    return {
        K.API_5XX_ERROR_RATE: _rate(
            thresholds,
            K.API_5XX_ERROR_RATE,
            api.metric_server_error().with_(**spec_options(K.API_5XX_ERROR_RATE)),
            requests,
        ),
        K.API_4XX_ERROR_RATE: _rate(
            thresholds,
            K.API_4XX_ERROR_RATE,
            api.metric_client_error().with_(**spec_options(K.API_4XX_ERROR_RATE)),
            requests,
        ),
        K.API_LATENCY: api.metric_latency().with_(**spec_options(K.API_LATENCY)),
    }


def keep_warm_alarm_metrics(keep_warm: KeepWarmMetrics) -> AlarmMetrics:
    """The keep-warm pinger's alarms: its function's errors and its failed pings."""
    return {
        K.KEEP_WARM_ERRORS: keep_warm.metric_errors().with_(**spec_options(K.KEEP_WARM_ERRORS)),
        K.KEEP_WARM_FAILED_PINGS: keep_warm.metric_failed_pings().with_(
            **spec_options(K.KEEP_WARM_FAILED_PINGS)
        ),
    }


def fan_out_alarm_metrics(fan_out: FanOutMetrics, thresholds: AlarmThresholds) -> AlarmMetrics:
    """A fan-out's alarms: its function's error rate, throttles and duration."""
    return {
        K.FAN_OUT_ERROR_RATE: _rate(
            thresholds,
            K.FAN_OUT_ERROR_RATE,
            fan_out.metric_errors().with_(**spec_options(K.FAN_OUT_ERROR_RATE)),
            fan_out.metric_invocations().with_(statistic="Sum", period=SUSTAINED_PERIOD),
        ),
        K.FAN_OUT_THROTTLES: fan_out.metric_throttles().with_(**spec_options(K.FAN_OUT_THROTTLES)),
        K.FAN_OUT_DURATION: fan_out.metric_duration().with_(**spec_options(K.FAN_OUT_DURATION)),
    }
