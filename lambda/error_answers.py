"""What a caller of the inference API gets when an invocation fails: one rule for every route.

``InferenceApi`` renders these answers in its Velocity mapping templates (the routes that call
SageMaker directly) and the fan-out function builds them in Python (its Lambda proxy route):
the same status, error type, fixed message and ``Retry-After`` for the same failure, and the
same redaction of account IDs and ARNs in the messages that pass through. Every answer is a
JSON object ``{"message": ..., "type": ..., "requestId": ...}``.
"""

import re
from dataclasses import dataclass
from typing import Any, Final

RETRY_AFTER_THROTTLED_SECONDS: Final = 1
RETRY_AFTER_NOT_READY_SECONDS: Final = 10
RETRY_AFTER_UNAVAILABLE_SECONDS: Final = 5

FORWARDED_REQUEST_HEADERS: Final = (
    "Content-Type",
    "Accept",
    "X-Amzn-SageMaker-Custom-Attributes",
)
"""Client headers passed on to ``InvokeEndpoint`` (SageMaker drops any other)."""
ERROR_TYPE_HEADER: Final = "X-SageMaker-Error-Type"
"""Response header carrying the error's type to the client on errors."""

ARN_PATTERN: Final = r"arn:aws[a-z-]*:[A-Za-z0-9_/:.+=@,*-]*[A-Za-z0-9_/+=@*-]"
"""An ARN of any partition (``aws``, ``aws-cn``, ``aws-us-gov``, ...), without the sentence's
final ``.``, ``,`` or ``:``."""
ACCOUNT_ID_PATTERN: Final = r"(?<![0-9])[0-9]{12}(?![0-9])"
"""A 12-digit number on its own: an AWS account ID (a model's own 12-digit numbers too)."""
ARN_REDACTED: Final = "<arn>"
ACCOUNT_ID_REDACTED: Final = "<account>"
# The patterns use only what Java's regular expressions (the Velocity templates call
# String.replaceAll) and Python's read alike: classes, counts, lookarounds; no quote, no $.


def redact(message: str) -> str:
    """``message`` with ARNs and account IDs replaced: callers see the model's own explanation,
    never which account or role served it."""
    without_arns = re.sub(ARN_PATTERN, ARN_REDACTED, message)
    return re.sub(ACCOUNT_ID_PATTERN, ACCOUNT_ID_REDACTED, without_arns)


@dataclass(frozen=True)
class ErrorKind:
    """One kind of failure as the client sees it."""

    type: str
    """The ``type`` of the JSON body (and the error-type header)."""
    status: int
    """The HTTP status the client gets."""
    message: str | None
    """A fixed message; ``None``: the service's or the model's own message passes through,
    redacted."""
    retry_after_seconds: int | None = None
    """``Retry-After`` of the answer: the failure passes with time."""
    fallback: str | None = None
    """The message when the one passed through is empty."""

    def answer(self, message: str, request_id: str, **extra: Any) -> dict[str, Any]:
        """The JSON body: the fixed message, else ``message`` redacted (else the fallback)."""
        text = self.message if self.message is not None else redact(message)
        if not text and self.fallback is not None:
            text = self.fallback
        return {"message": text, "type": self.type, **extra, "requestId": request_id}


VALIDATION_ERROR: Final = ErrorKind("ValidationError", 400, None)
THROTTLING: Final = ErrorKind(
    "ThrottlingException",
    429,
    "Too many requests: the model endpoint is at its maximum concurrency."
    " Retry after a short wait.",
    RETRY_AFTER_THROTTLED_SECONDS,
)
PAYLOAD_TOO_LARGE: Final = ErrorKind(
    "PayloadTooLarge",
    413,
    None,
    fallback="The request body is larger than the endpoint accepts (4 MB).",
)
MODEL_ERROR: Final = ErrorKind("ModelError", 424, None)
"""Carries ``modelStatusCode``, the status the model's container answered with."""
MODEL_NOT_READY: Final = ErrorKind(
    "ModelNotReadyException",
    503,
    "The model is starting (cold start or scaling up). Retry after the Retry-After seconds.",
    RETRY_AFTER_NOT_READY_SECONDS,
)
SERVICE_UNAVAILABLE: Final = ErrorKind(
    "ServiceUnavailable",
    503,
    "SageMaker is unavailable. Retry after the Retry-After seconds.",
    RETRY_AFTER_UNAVAILABLE_SECONDS,
)
BAD_GATEWAY: Final = ErrorKind(
    "BadGateway",
    502,
    "The model endpoint failed to answer. Quote the requestId when you report it.",
)
MODEL_TIMEOUT: Final = ErrorKind(
    "ModelTimeout", 504, None, fallback="The model endpoint did not answer in time."
)
"""A model that did not answer in the time it was given (the message says how long; never
botocore's text, which names the runtime's URL and the endpoint)."""

BY_SAGEMAKER_STATUS: Final = {
    400: VALIDATION_ERROR,
    413: PAYLOAD_TOO_LARGE,
    424: MODEL_ERROR,
    429: MODEL_NOT_READY,
    503: SERVICE_UNAVAILABLE,
}
"""SageMaker Runtime's error status -> what the client gets; any other status (500
``InternalFailure``, 530 ``InternalDependencyException``, 403...) is :data:`BAD_GATEWAY`.
A 400 ``ThrottlingException`` is :data:`THROTTLING` (SageMaker throttles with status 400)."""
