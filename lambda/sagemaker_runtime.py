"""Invoking a SageMaker endpoint from a Lambda function, and what its failures mean.

One code path for every function of the library that calls ``InvokeEndpoint``: a client per
process with short timeouts and exactly one attempt (a retry is a second, billed invocation),
and one classification of the errors into outcomes that logs and metrics count.
"""

from functools import cache
from typing import Any, Final

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError

OK: Final = "ok"
THROTTLED: Final = "throttled"
MODEL_ERROR: Final = "model_error"
NOT_READY: Final = "not_ready"
TIMEOUT: Final = "timeout"
OTHER: Final = "other"
OUTCOMES: Final = (OK, THROTTLED, MODEL_ERROR, NOT_READY, TIMEOUT, OTHER)
"""Every outcome of an invocation, in the order logs list them."""

_ERROR_OUTCOMES: Final = {
    "ThrottlingException": THROTTLED,
    "ModelError": MODEL_ERROR,
    "ModelNotReadyException": NOT_READY,
}


@cache
def client(connect_timeout_s: float, read_timeout_s: float, pool_size: int) -> Any:
    """The process's SageMaker Runtime client for these settings: one attempt, no retry.

    ``read_timeout_s`` must cover a cold start; ``pool_size`` is the number of calls that
    may run at once (botocore's connection pool).
    """
    return boto3.client(
        "sagemaker-runtime",
        config=Config(
            connect_timeout=connect_timeout_s,
            read_timeout=read_timeout_s,
            retries={"total_max_attempts": 1, "mode": "standard"},
            max_pool_connections=pool_size,
        ),
    )


def invoke(runtime: Any, *, endpoint_name: str, body: bytes, content_type: str) -> bytes:
    """Send ``body`` to the endpoint and read its whole answer; SDK errors propagate."""
    response = runtime.invoke_endpoint(
        EndpointName=endpoint_name, Body=body, ContentType=content_type
    )
    answer: bytes = response["Body"].read()
    return answer


def classify(error: BaseException) -> tuple[str, str]:
    """The outcome of a failed invocation and the error's name (its code, for AWS errors)."""
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", "Unknown"))
        return _ERROR_OUTCOMES.get(code, OTHER), code
    if isinstance(error, (ReadTimeoutError, ConnectTimeoutError)):
        return TIMEOUT, type(error).__name__
    return OTHER, type(error).__name__
