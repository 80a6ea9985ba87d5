"""Limits and metric names of SageMaker Serverless Inference, in one place.

The constructs validate against these and the ``serverless-inference`` command
checks and sizes against them. Source: the SageMaker developer guide and the
CloudFormation resource schemas (see the project's AWS-FACTS.md).
"""

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

LATENCY_METRICS_UNIT: Final = "Microseconds"
"""``ModelLatency``, ``OverheadLatency`` and ``ModelSetupTime`` are published in microseconds."""


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
