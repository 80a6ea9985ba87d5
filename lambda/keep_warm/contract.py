"""What the ``KeepWarm`` construct and the keep-warm function share, written once.

The construct sets these environment variables and reads these metrics; the handler reads the
variables and publishes the metrics. Both import this module, so neither can drift.
"""

from typing import Final

HANDLER: Final = "serverless_inference_runtime.keep_warm.handler.handler"
"""The function's handler, relative to the root of the staged runtime package."""

ENV_ENDPOINT_NAME: Final = "ENDPOINT_NAME"
ENV_CONCURRENCY: Final = "PING_CONCURRENCY"
ENV_PAYLOAD: Final = "PING_PAYLOAD"
ENV_CONTENT_TYPE: Final = "PING_CONTENT_TYPE"
ENV_PING_TIMEOUT: Final = "PING_TIMEOUT_SECONDS"
ENV_CONNECT_TIMEOUT: Final = "CONNECT_TIMEOUT_SECONDS"
ENV_COLD_START_THRESHOLD: Final = "COLD_START_THRESHOLD_MS"
ENV_METRIC_NAMESPACE: Final = "METRIC_NAMESPACE"

DEFAULT_CONCURRENCY: Final = 1
DEFAULT_PAYLOAD: Final = '{"inputs": "keep warm"}'
"""A request the default model (a Hugging Face text-classification pipeline) answers."""
DEFAULT_CONTENT_TYPE: Final = "application/json"
DEFAULT_PING_TIMEOUT_SECONDS: Final = 90
DEFAULT_CONNECT_TIMEOUT_SECONDS: Final = 3
DEFAULT_COLD_START_THRESHOLD_MS: Final = 1000
DEFAULT_METRIC_NAMESPACE: Final = "ServerlessInference/KeepWarm"

DIMENSION_ENDPOINT_NAME: Final = "EndpointName"
METRIC_PINGS_SENT: Final = "PingsSent"
METRIC_FAILED_PINGS: Final = "FailedPings"
METRIC_PING_LATENCY: Final = "PingLatency"
"""Raw values in milliseconds, one per successful ping (so percentiles work)."""
METRIC_SUSPECTED_COLD_STARTS: Final = "SuspectedColdStarts"
