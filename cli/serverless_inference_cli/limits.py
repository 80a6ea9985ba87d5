"""SageMaker serverless limits and metric names, as the construct library defines them.

The command checks and sizes against the same numbers the constructs validate against.
With :mod:`.artifacts`, this module is the command's only import from the library (both
CDK-free: importing them does not load aws-cdk-lib); the rest of the command imports these
names from here.
"""

from serverless_inference.limits import (
    ENDPOINT_NAME_MAX_LENGTH,
    ENDPOINT_NAME_PATTERN,
    EPHEMERAL_DISK_BYTES,
    INVOCATION_TIMEOUT_SECONDS,
    MAX_CONCURRENCY_LIMIT,
    MAX_IMAGE_BYTES,
    MAX_PAYLOAD_BYTES,
    MEMORY_SIZES_MB,
    MetricName,
    metric_namespace,
)

__all__ = [
    "ENDPOINT_NAME_MAX_LENGTH",
    "ENDPOINT_NAME_PATTERN",
    "EPHEMERAL_DISK_BYTES",
    "INVOCATION_TIMEOUT_SECONDS",
    "MAX_CONCURRENCY_LIMIT",
    "MAX_IMAGE_BYTES",
    "MAX_PAYLOAD_BYTES",
    "MEMORY_SIZES_MB",
    "MetricName",
    "metric_namespace",
]
