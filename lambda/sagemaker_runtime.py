"""Invoking a SageMaker endpoint from a Lambda function, and what its failures mean.

One code path for every function of the library that calls ``InvokeEndpoint`` (the keep-warm
pings, the fan-out's members): a client per process with short timeouts and exactly one
attempt (a retry is a second, billed invocation), one classification of the errors into
outcomes that logs and metrics count, and what a client of the API gets for each
(:mod:`.error_answers`).
"""

from dataclasses import dataclass
from functools import cache
from typing import Any, Final

import boto3
from botocore.config import Config
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from serverless_inference_runtime.error_answers import (
    BAD_GATEWAY,
    BY_SAGEMAKER_STATUS,
    MODEL_ERROR,
    MODEL_NOT_READY,
    MODEL_TIMEOUT,
    THROTTLING,
    VALIDATION_ERROR,
    ErrorKind,
)

OK: Final = "ok"
VALIDATION: Final = "validation_error"
THROTTLED: Final = "throttled"
MODEL_FAILED: Final = "model_error"
NOT_READY: Final = "not_ready"
TIMEOUT: Final = "timeout"
UNREACHABLE: Final = "unreachable"
OTHER: Final = "other"
OUTCOMES: Final = (OK, VALIDATION, THROTTLED, MODEL_FAILED, NOT_READY, TIMEOUT, UNREACHABLE, OTHER)
"""Every outcome of an invocation, in the order logs list them."""

_ERROR_OUTCOMES: Final = {
    "ValidationError": VALIDATION,
    "ThrottlingException": THROTTLED,
    "ModelError": MODEL_FAILED,
    "ModelNotReadyException": NOT_READY,
}
_ERROR_KINDS: Final = {
    VALIDATION: VALIDATION_ERROR,
    THROTTLED: THROTTLING,
    MODEL_FAILED: MODEL_ERROR,
    NOT_READY: MODEL_NOT_READY,
    TIMEOUT: MODEL_TIMEOUT,
    UNREACHABLE: BAD_GATEWAY,
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


@dataclass(frozen=True)
class Answer:
    """What an endpoint answered."""

    body: bytes
    content_type: str | None


def invoke(
    runtime: Any,
    *,
    endpoint_name: str,
    body: bytes,
    content_type: str | None,
    accept: str | None = None,
    custom_attributes: str | None = None,
) -> Answer:
    """Send ``body`` to the endpoint and read its whole answer; SDK errors propagate.

    ``content_type``, ``accept`` and ``custom_attributes`` are sent when given (``None``:
    the header is left out, as a client that sends none)."""
    optional = {
        "ContentType": content_type,
        "Accept": accept,
        "CustomAttributes": custom_attributes,
    }
    response = runtime.invoke_endpoint(
        EndpointName=endpoint_name,
        Body=body,
        **{name: value for name, value in optional.items() if value is not None},
    )
    return Answer(body=response["Body"].read(), content_type=response.get("ContentType"))


def classify(error: BaseException) -> tuple[str, str]:
    """The outcome of a failed invocation and the error's name (its code, for AWS errors)."""
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", "Unknown"))
        return _ERROR_OUTCOMES.get(code, OTHER), code
    if isinstance(error, ReadTimeoutError):
        return TIMEOUT, type(error).__name__
    if isinstance(error, (ConnectTimeoutError, EndpointConnectionError, ConnectionClosedError)):
        return UNREACHABLE, type(error).__name__
    return OTHER, type(error).__name__


@dataclass(frozen=True)
class Failure:
    """A failed invocation as a client of the API sees it."""

    outcome: str
    """One of :data:`OUTCOMES` (not ``ok``)."""
    error: str
    """The error's name: its code for AWS errors, else its class."""
    kind: ErrorKind
    """What the API answers for it."""
    message: str
    """The service's or the model's message (not yet redacted)."""
    model_status_code: int | None = None
    """For a ``ModelError``: the status the model's container answered with."""


def timeout_message(waited_s: float) -> str:
    """What a client reads when a model did not answer in ``waited_s`` seconds."""
    return f"The model endpoint did not answer within {waited_s:g} s."


UNREACHABLE_MESSAGE: Final = "The model endpoint could not be reached."


def failure(error: BaseException, read_timeout_s: float) -> Failure:
    """What ``error`` of an invocation means for the client: the API's rule
    (:data:`~.error_answers.BY_SAGEMAKER_STATUS`) for SageMaker's errors by status, a timeout
    for a read that did not end in ``read_timeout_s``, a bad gateway for an endpoint that could
    not be reached. A timeout or an unreachable endpoint gets a fixed message: botocore's text
    names the runtime's URL and the endpoint, which a client must not read."""
    outcome, name = classify(error)
    if not isinstance(error, ClientError):
        message = {
            TIMEOUT: timeout_message(read_timeout_s),
            UNREACHABLE: UNREACHABLE_MESSAGE,
        }.get(outcome, str(error))
        return Failure(outcome, name, _ERROR_KINDS.get(outcome, BAD_GATEWAY), message)
    response = error.response
    message = str(response.get("Error", {}).get("Message") or "")
    status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    kind = _ERROR_KINDS.get(outcome) or BY_SAGEMAKER_STATUS.get(status, BAD_GATEWAY)
    if kind is not MODEL_ERROR:
        return Failure(outcome, name, kind, message)
    model_status = response.get("OriginalStatusCode")
    return Failure(
        outcome,
        name,
        kind,
        str(response.get("OriginalMessage") or message),
        model_status if isinstance(model_status, int) else None,
    )
