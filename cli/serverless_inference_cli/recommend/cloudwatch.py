"""What ``recommend`` reads from AWS: the endpoint's settings and its hourly statistics.

The window ends at the hour before ``--end`` and starts ``--days`` earlier, or at the hour the
endpoint was created when that is later: hours before the endpoint existed are not idle hours,
and counting them would understate its traffic. Metric names and namespaces are the
library's (:mod:`serverless_inference_runtime.limits`).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from serverless_inference_cli.aws import AwsContext
from serverless_inference_cli.errors import CliError
from serverless_inference_cli.recommend.rules import PERIOD_S, EndpointInfo, Metrics
from serverless_inference_runtime.limits import MetricName, metric_namespace

QUERIES: list[tuple[str, str, str]] = [
    ("invocations", MetricName.INVOCATIONS, "Sum"),
    ("model_latency_avg_us", MetricName.MODEL_LATENCY, "Average"),
    ("overhead_latency_avg_us", MetricName.OVERHEAD_LATENCY, "Average"),
    ("cold_starts", MetricName.MODEL_SETUP_TIME, "SampleCount"),
    ("model_setup_max_us", MetricName.MODEL_SETUP_TIME, "Maximum"),
    ("memory_utilization_max", MetricName.MEMORY_UTILIZATION, "Maximum"),
    ("concurrency_utilization_max", MetricName.CONCURRENT_EXECUTIONS_UTILIZATION, "Maximum"),
    ("errors_4xx", MetricName.INVOCATION_4XX_ERRORS, "Sum"),
    ("errors_5xx", MetricName.INVOCATION_5XX_ERRORS, "Sum"),
]
"""(field of :class:`Metrics`, metric, statistic), one CloudWatch query each."""


def describe_endpoint(ctx: AwsContext, name: str) -> EndpointInfo:
    """Serverless or instance settings of the endpoint's first variant, and its creation."""
    sagemaker = ctx.client("sagemaker")
    with ctx.errors(f"describe endpoint {name!r}"):
        endpoint = sagemaker.describe_endpoint(EndpointName=name)
        config = sagemaker.describe_endpoint_config(
            EndpointConfigName=endpoint["EndpointConfigName"]
        )
    variants = config.get("ProductionVariants") or []
    if not variants:
        raise CliError(f"Endpoint {name!r} has no production variant.")
    variant = variants[0]
    created = endpoint.get("CreationTime")
    serverless = variant.get("ServerlessConfig")
    if serverless:
        return EndpointInfo(
            name,
            variant["VariantName"],
            True,
            memory_mb=int(serverless["MemorySizeInMB"]),
            max_concurrency=int(serverless["MaxConcurrency"]),
            provisioned_concurrency=serverless.get("ProvisionedConcurrency"),
            created=created,
        )
    return EndpointInfo(
        name,
        variant["VariantName"],
        False,
        instance_type=variant.get("InstanceType"),
        instance_count=variant.get("InitialInstanceCount"),
        created=created,
    )


def window(info: EndpointInfo, days: int, end: datetime) -> tuple[datetime, datetime]:
    """The hours to read: ``days`` before the hour of ``end``, not before the endpoint's
    creation hour (start == end when the endpoint was created after the window)."""
    end = end.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    if info.created is not None:
        created = info.created.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
        start = min(max(start, created), end)
    return start, end


def fetch_metrics(ctx: AwsContext, info: EndpointInfo, start: datetime, end: datetime) -> Metrics:
    """Hourly statistics of the endpoint's variant from ``start`` to ``end`` (whole hours)."""
    hours = int((end - start).total_seconds() // PERIOD_S)
    dimensions = [
        {"Name": "EndpointName", "Value": info.name},
        {"Name": "VariantName", "Value": info.variant},
    ]
    queries = [
        {
            "Id": f"m{i}",
            "MetricStat": {
                "Metric": {
                    "Namespace": metric_namespace(metric),
                    "MetricName": metric,
                    "Dimensions": dimensions,
                },
                "Period": PERIOD_S,
                "Stat": stat,
            },
            "ReturnData": True,
        }
        for i, (_, metric, stat) in enumerate(QUERIES)
    ]
    series: dict[str, list[float | None]] = {key: [None] * hours for key, _, _ in QUERIES}
    datapoints = 0
    cloudwatch: Any = ctx.client("cloudwatch")
    with ctx.errors(f"read CloudWatch metrics of {info.name!r}"):
        paginator = cloudwatch.get_paginator("get_metric_data")
        for page in paginator.paginate(
            MetricDataQueries=queries, StartTime=start, EndTime=end, ScanBy="TimestampAscending"
        ):
            for result in page["MetricDataResults"]:
                key = QUERIES[int(result["Id"][1:])][0]
                for stamp, value in zip(result["Timestamps"], result["Values"], strict=True):
                    index = int((stamp.astimezone(UTC) - start).total_seconds() // PERIOD_S)
                    if 0 <= index < hours:
                        series[key][index] = float(value)
                        datapoints += 1

    def counts(key: str) -> list[float]:
        return [v or 0.0 for v in series[key]]

    return Metrics(
        start=start,
        invocations=counts("invocations"),
        model_latency_avg_us=series["model_latency_avg_us"],
        overhead_latency_avg_us=series["overhead_latency_avg_us"],
        cold_starts=counts("cold_starts"),
        model_setup_max_us=series["model_setup_max_us"],
        memory_utilization_max=series["memory_utilization_max"],
        concurrency_utilization_max=series["concurrency_utilization_max"],
        errors_4xx=counts("errors_4xx"),
        errors_5xx=counts("errors_5xx"),
        datapoints=datapoints,
    )
