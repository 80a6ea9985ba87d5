"""Limits, metric names and valid metric statistics of SageMaker Serverless Inference.

The constructs validate against these and the ``serverless-inference`` command checks and
sizes against them. Sources: the SageMaker developer guide ("Serverless Inference",
https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints.html), the
CloudFormation resource schemas of ``AWS::SageMaker::EndpointConfig``, and for the metric
statistics the pages named in :data:`METRIC_STATISTICS`. docs/aws-behaviour.md lists each
fact with its source and the code and tests that rely on it.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

MEMORY_SIZES_MB: Final = (1024, 2048, 3072, 4096, 5120, 6144)
"""The memory tiers a serverless variant accepts (``MemorySizeInMB``)."""

MAX_CONCURRENCY_LIMIT: Final = 200
"""Upper bound of ``MaxConcurrency`` and ``ProvisionedConcurrency`` per endpoint."""

MAX_PAYLOAD_BYTES: Final = 4 * 1024 * 1024
"""Request and response body limit of a serverless endpoint (4 MB)."""

MAX_IMAGE_BYTES: Final = 10 * 1024**3
"""Largest container image a serverless endpoint runs (10 GB)."""

EPHEMERAL_DISK_BYTES: Final = 5 * 1024**3
"""Disk a serverless execution environment has, whatever its memory (5 GB)."""

LAMBDA_SYNC_PAYLOAD_BYTES: Final = 6 * 1024 * 1024
"""Request and response limit of a synchronous Lambda invocation (6 MB): what the fan-out
function may return."""

INVOCATION_TIMEOUT_SECONDS: Final = 60
"""Time ``/invocations`` has to answer."""

STARTUP_TIMEOUT_SECONDS: Final = 180
"""Time the model download and a healthy ``/ping`` have after a cold start."""

ENDPOINT_NAME_MAX_LENGTH: Final = 63
ENDPOINT_NAME_PATTERN: Final = r"^[a-z0-9](-*[a-z0-9])*$"
"""SageMaker's pattern, lowercase only: IAM matches endpoint ARNs lowercased."""

NAMESPACE: Final = "AWS/SageMaker"
"""CloudWatch namespace of the invocation and concurrency metrics."""

ENDPOINT_INSTANCE_NAMESPACE: Final = "/aws/sagemaker/Endpoints"
"""CloudWatch namespace of ``MemoryUtilization``."""


class MetricName:
    """Exact names of the metrics serverless endpoints publish."""

    INVOCATIONS: Final = "Invocations"
    INVOCATION_4XX_ERRORS: Final = "Invocation4XXErrors"
    INVOCATION_5XX_ERRORS: Final = "Invocation5XXErrors"
    MODEL_LATENCY: Final = "ModelLatency"
    OVERHEAD_LATENCY: Final = "OverheadLatency"
    MODEL_SETUP_TIME: Final = "ModelSetupTime"
    MEMORY_UTILIZATION: Final = "MemoryUtilization"
    CONCURRENT_EXECUTIONS_UTILIZATION: Final = "ServerlessConcurrentExecutionsUtilization"
    PROVISIONED_CONCURRENCY_EXECUTIONS: Final = "ServerlessProvisionedConcurrencyExecutions"
    PROVISIONED_CONCURRENCY_UTILIZATION: Final = "ServerlessProvisionedConcurrencyUtilization"
    PROVISIONED_CONCURRENCY_INVOCATIONS: Final = "ServerlessProvisionedConcurrencyInvocations"
    PROVISIONED_CONCURRENCY_SPILLOVER_INVOCATIONS: Final = (
        "ServerlessProvisionedConcurrencySpilloverInvocations"
    )


def metric_namespace(metric_name: str) -> str:
    """The namespace a serverless metric is published in."""
    if metric_name == MetricName.MEMORY_UTILIZATION:
        return ENDPOINT_INSTANCE_NAMESPACE
    return NAMESPACE


BASIC_STATISTICS: Final = frozenset({"SampleCount", "Sum", "Average", "Minimum", "Maximum"})
"""The statistics CloudWatch computes for every metric (CloudWatch concepts, "Statistics")."""

_PERCENTILE = re.compile(r"^p(100|\d{1,2}(\.\d{1,10})?)$")


@dataclass(frozen=True)
class DocumentedStatistics:
    """The statistics AWS documents as valid for one metric."""

    statistics: frozenset[str]
    """Among ``SampleCount``, ``Sum``, ``Average``, ``Minimum``, ``Maximum``."""
    percentiles: bool = False
    """Whether ``pNN`` (``p50``, ``p99``, ``p99.9``) is documented too."""

    def allows(self, statistic: str) -> bool:
        """Whether ``statistic`` (as CloudFormation writes it: ``Maximum``, ``p99``) is valid."""
        if _PERCENTILE.match(statistic):
            return self.percentiles
        return statistic in self.statistics


def _listed(*statistics: str, percentiles: bool = False) -> DocumentedStatistics:
    return DocumentedStatistics(frozenset(statistics), percentiles)


_SAGEMAKER_LATENCY = _listed("Average", "Sum", "Minimum", "Maximum", "SampleCount")
_SAGEMAKER_SERVERLESS = _listed("Average", "Maximum", "Minimum")
_UNLISTED = DocumentedStatistics(BASIC_STATISTICS)
_UNLISTED_WITH_PERCENTILES = DocumentedStatistics(BASIC_STATISTICS, percentiles=True)

API_GATEWAY_NAMESPACE: Final = "AWS/ApiGateway"
LAMBDA_NAMESPACE: Final = "AWS/Lambda"

METRIC_STATISTICS: Final[Mapping[tuple[str, str], DocumentedStatistics]] = {
    # "Amazon SageMaker AI metrics in Amazon CloudWatch", endpoint invocation metrics
    # (https://docs.aws.amazon.com/sagemaker/latest/dg/monitoring-cloudwatch.html). The
    # current revision adds "Percentiles" to ModelLatency; earlier revisions (and
    # OverheadLatency in every revision) list none, so none are used for either.
    (NAMESPACE, MetricName.INVOCATIONS): _listed("Sum"),
    (NAMESPACE, MetricName.INVOCATION_4XX_ERRORS): _listed("Average", "Sum"),
    (NAMESPACE, MetricName.INVOCATION_5XX_ERRORS): _listed("Average", "Sum"),
    (NAMESPACE, MetricName.MODEL_LATENCY): _SAGEMAKER_LATENCY,
    (NAMESPACE, MetricName.OVERHEAD_LATENCY): _SAGEMAKER_LATENCY,
    (NAMESPACE, MetricName.MODEL_SETUP_TIME): _listed(
        "Average", "Minimum", "Maximum", "SampleCount", percentiles=True
    ),
    # "Alarms and logs for tracking metrics from serverless endpoints"
    # (https://docs.aws.amazon.com/sagemaker/latest/dg/serverless-endpoints-monitoring.html):
    # Average, Max, Min for each serverless metric, Sum for none of them.
    (NAMESPACE, MetricName.CONCURRENT_EXECUTIONS_UTILIZATION): _SAGEMAKER_SERVERLESS,
    (NAMESPACE, MetricName.PROVISIONED_CONCURRENCY_EXECUTIONS): _SAGEMAKER_SERVERLESS,
    (NAMESPACE, MetricName.PROVISIONED_CONCURRENCY_UTILIZATION): _SAGEMAKER_SERVERLESS,
    (NAMESPACE, MetricName.PROVISIONED_CONCURRENCY_INVOCATIONS): _SAGEMAKER_SERVERLESS,
    (NAMESPACE, MetricName.PROVISIONED_CONCURRENCY_SPILLOVER_INVOCATIONS): _SAGEMAKER_SERVERLESS,
    # Endpoint metrics list a unit but no statistics: CloudWatch's basic ones. SageMaker is
    # not among the services whose metrics support percentiles (CloudWatch concepts).
    (ENDPOINT_INSTANCE_NAMESPACE, MetricName.MEMORY_UTILIZATION): _UNLISTED,
    # "Amazon API Gateway dimensions and metrics"
    # (https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-metrics-and-dimensions.html).
    # Latencies list no statistics: the basic ones, and percentiles, since API Gateway is
    # among the services CloudWatch concepts lists for percentiles
    # (https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/cloudwatch_concepts.html).
    (API_GATEWAY_NAMESPACE, "4XXError"): _listed("Sum", "Average"),
    (API_GATEWAY_NAMESPACE, "5XXError"): _listed("Sum", "Average"),
    (API_GATEWAY_NAMESPACE, "Count"): _listed("SampleCount"),
    (API_GATEWAY_NAMESPACE, "Latency"): _UNLISTED_WITH_PERCENTILES,
    (API_GATEWAY_NAMESPACE, "IntegrationLatency"): _UNLISTED_WITH_PERCENTILES,
    # "Types of metrics for Lambda functions": invocation metrics are viewed with Sum
    # (https://docs.aws.amazon.com/lambda/latest/dg/monitoring-metrics-types.html).
    (LAMBDA_NAMESPACE, "Errors"): _listed("Sum"),
    (LAMBDA_NAMESPACE, "Invocations"): _listed("Sum"),
    (LAMBDA_NAMESPACE, "Throttles"): _listed("Sum"),
    # Performance metrics: "view these metrics with the Average or Max statistic";
    # "Duration also supports percentile statistics" (same page).
    (LAMBDA_NAMESPACE, "Duration"): _listed("Average", "Maximum", percentiles=True),
}
"""The statistics AWS documents for each AWS metric the constructs alarm on or plot, keyed
by ``(namespace, metric name)``. Every alarm and dashboard widget uses only these: a
statistic a metric does not support returns no data, and missing data is not breaching."""

CUSTOM_METRIC_STATISTICS: Final = DocumentedStatistics(BASIC_STATISTICS, percentiles=True)
"""Custom metrics published as raw values (the keep-warm function's embedded metrics):
"Percentile statistics are available for custom metrics as long as you publish the raw,
unsummarized data points" (CloudWatch concepts, "Percentiles")."""


def documented_statistics(namespace: str, metric_name: str) -> DocumentedStatistics | None:
    """The documented statistics of a metric; ``None`` for an AWS metric not in the table."""
    if namespace.startswith(("AWS/", "/aws/")):
        return METRIC_STATISTICS.get((namespace, metric_name))
    return CUSTOM_METRIC_STATISTICS
