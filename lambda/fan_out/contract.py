"""What the ``ModelFanOut`` construct and the fan-out function share, written once.

The construct sets these environment variables and reads these metrics; the handler reads the
variables and publishes the metrics. Both import this module, so neither can drift.
"""

from typing import Final

HANDLER: Final = "serverless_inference_runtime.fan_out.handler.handler"
"""The function's handler, relative to the root of the staged runtime package."""

ENV_MEMBERS: Final = "FAN_OUT_MEMBERS"
"""JSON list of ``{"name": ..., "endpoint": ..., "required": true|false}``, in answer order."""
ENV_MEMBER_TIMEOUT: Final = "MEMBER_TIMEOUT_SECONDS"
ENV_DEADLINE: Final = "DEADLINE_SECONDS"
ENV_CONNECT_TIMEOUT: Final = "CONNECT_TIMEOUT_SECONDS"
ENV_RESPONSE_HEADERS: Final = "RESPONSE_HEADERS"
"""JSON object of headers every answer carries (the API's CORS headers); optional."""
ENV_INTEGRATION_TIMEOUT: Final = "INTEGRATION_TIMEOUT_SECONDS"
"""API Gateway's integration timeout of the route: the answer must leave before it has passed
since API Gateway received the request (``requestContext.requestTimeEpoch``); optional."""
ENV_METRIC_NAMESPACE: Final = "METRIC_NAMESPACE"
ENV_FUNCTION_NAME: Final = "AWS_LAMBDA_FUNCTION_NAME"
"""Set by Lambda itself: the metrics' dimension."""

MEMBER_NAME_PATTERN: Final = r"^[A-Za-z][A-Za-z0-9_-]{0,63}$"
"""A member's name: its key in the answer."""
MAX_MEMBERS: Final = 10
DEFAULT_DEADLINE_SECONDS: Final = 25
"""Leaves the function 2 s of API Gateway's default 29 s integration timeout (the function's
timeout is the deadline plus :data:`FUNCTION_TIMEOUT_MARGIN_SECONDS`)."""
FUNCTION_TIMEOUT_MARGIN_SECONDS: Final = 2
"""The function may run this much longer than its deadline (start-up, the answer, the log)."""
DEFAULT_CONNECT_TIMEOUT_SECONDS: Final = 2
DEFAULT_METRIC_NAMESPACE: Final = "ServerlessInference/FanOut"

DIMENSION_FUNCTION_NAME: Final = "FunctionName"
METRIC_FAILED_REQUESTS: Final = "FailedRequests"
"""1 for a request answered with an error status, 0 otherwise."""
METRIC_PARTIAL_ANSWERS: Final = "PartialAnswers"
"""1 for a 200 answer without some optional member's answer, 0 otherwise."""
