"""How ``InferenceApi`` answers: request headers passed on, SageMaker's errors mapped to client
statuses with JSON bodies (Velocity templates), API Gateway's own errors, the access log line.

Every non-2xx status SageMaker returns reaches the client as an error with a JSON body naming
its type (see :data:`ERROR_MAPPING`), never as a 200; messages keep the model's own
explanation with ARNs and account IDs redacted.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from aws_cdk import aws_apigateway as apigw

from serverless_inference_runtime.error_answers import (
    ACCOUNT_ID_PATTERN,
    ACCOUNT_ID_REDACTED,
    ARN_PATTERN,
    ARN_REDACTED,
    BAD_GATEWAY,
    BY_SAGEMAKER_STATUS,
    ERROR_TYPE_HEADER,
    FORWARDED_REQUEST_HEADERS,
    MODEL_ERROR,
    MODEL_NOT_READY,
    PAYLOAD_TOO_LARGE,
    RETRY_AFTER_THROTTLED_SECONDS,
    SERVICE_UNAVAILABLE,
    THROTTLING,
    VALIDATION_ERROR,
    ErrorKind,
)

CORS_ALLOWED_REQUEST_HEADERS: Final = (
    *FORWARDED_REQUEST_HEADERS,
    "Authorization",
    "X-Amz-Date",
    "X-Amz-Security-Token",
    "X-Amz-Content-Sha256",
    "X-Amz-User-Agent",
    "X-Api-Key",
)
"""Request headers the CORS preflight allows: those passed on to SageMaker, and those of each
auth mode: SigV4 (``Authorization``, ``X-Amz-Date``, ``X-Amz-Security-Token`` with temporary
credentials, ``X-Amz-Content-Sha256``, which browser SigV4 signers add, and
``X-Amz-User-Agent``, which AWS's browser SDKs send and CDK's ``Cors.DEFAULT_HEADERS``
lists), an API key (``X-Api-Key``) and a Cognito token (``Authorization``)."""
CORS_EXPOSED_HEADERS: Final = ("Retry-After", ERROR_TYPE_HEADER)
"""Response headers a browser script may read besides the CORS-safelisted ones (``Content-Type``
is one of those)."""

# --- Velocity mapping templates of the integration responses ------------------------------
# API Gateway selects an integration response by a regex on SageMaker's HTTP status code
# (for AWS integrations the status is matched, not the body). A mapping template cannot read
# the integration response's headers, so the two SageMaker errors that share status 400
# (ValidationError, ThrottlingException) are told apart by the body: ThrottlingException
# carries "__type"/a throttling message or no message at all, ValidationError always
# explains itself. Clients that need certainty read X-SageMaker-Error-Type.

_READ_MESSAGE: Final = (
    "#set($message = \"$!input.path('$.message')\")\n"
    '#if($message == "")#set($message = "$!input.path(\'$.Message\')")#end\n'
)
# Single-quoted Velocity strings are not interpolated; the patterns use only what Java's and
# Python's regular expressions read alike (classes, counts, lookarounds) and no quote or $.
_REDACTED_MESSAGE: Final = (
    f"$message.replaceAll('{ARN_PATTERN}', '{ARN_REDACTED}')"
    f".replaceAll('{ACCOUNT_ID_PATTERN}', '{ACCOUNT_ID_REDACTED}')"
)
_JSON_MESSAGE: Final = "$util.escapeJavaScript(" + _REDACTED_MESSAGE + ').replaceAll("\\\\\'","\'")'
"""The message as the inside of a JSON string, with ARNs and account IDs redacted: callers
see the model's own explanation, never which account or role served it."""


def _fixed_template(kind: ErrorKind, separators: tuple[str, str] = (", ", ": ")) -> str:
    """A body with the kind's fixed message."""
    assert kind.message is not None
    return (
        json.dumps({"message": kind.message, "type": kind.type}, separators=separators)[:-1]
        + ',"requestId":"$context.requestId"}'
    )


def _passed_message_template(kind: ErrorKind, *extra: str) -> str:
    """A body with ``$message`` (redacted), then ``extra`` members (``"name":value``)."""
    return (
        '{"message":"'
        + _JSON_MESSAGE
        + f'","type":"{kind.type}",'
        + "".join(f"{member}," for member in extra)
        + '"requestId":"$context.requestId"}'
    )


VALIDATION_OR_THROTTLING_TEMPLATE: Final = (
    _READ_MESSAGE + "#set($type = \"$!input.path('$.__type')\")\n"
    '#if($type.matches("(?s).*Throttling.*")'
    ' || $message.matches("(?is).*(throttl|rate exceeded|too many requests).*")'
    ' || $message == "")\n'
    f"#set($context.responseOverride.status = {THROTTLING.status})\n"
    "#set($context.responseOverride.header.Retry-After = "
    f'"{THROTTLING.retry_after_seconds}")\n'
    + _fixed_template(THROTTLING, separators=(",", ":"))
    + "\n#else\n"
    + _passed_message_template(VALIDATION_ERROR)
    + "\n#end"
)
"""Status 400: ``ValidationError`` stays 400, ``ThrottlingException`` becomes 429."""

MODEL_ERROR_TEMPLATE: Final = (
    "#set($message = \"$!input.path('$.OriginalMessage')\")\n"
    '#if($message == "")' + _READ_MESSAGE.replace("\n", "", 1).rstrip("\n") + "#end\n"
    "#set($modelStatus = \"$!input.path('$.OriginalStatusCode')\")\n"
    '#if(!$modelStatus.matches("\\d{3}"))#set($modelStatus = "null")#end\n'
    + _passed_message_template(MODEL_ERROR, '"modelStatusCode":$modelStatus')
)
"""Status 424: the model's own message (``OriginalMessage``) and status code."""

PAYLOAD_TOO_LARGE_TEMPLATE: Final = (
    _READ_MESSAGE
    + f'#if($message == "")#set($message = "{PAYLOAD_TOO_LARGE.fallback}")#end\n'
    + _passed_message_template(PAYLOAD_TOO_LARGE)
)
MODEL_NOT_READY_TEMPLATE: Final = _fixed_template(MODEL_NOT_READY)
SERVICE_UNAVAILABLE_TEMPLATE: Final = _fixed_template(SERVICE_UNAVAILABLE)
BAD_GATEWAY_TEMPLATE: Final = _fixed_template(BAD_GATEWAY)
_TEMPLATES: Final = {
    PAYLOAD_TOO_LARGE: PAYLOAD_TOO_LARGE_TEMPLATE,
    MODEL_ERROR: MODEL_ERROR_TEMPLATE,
    MODEL_NOT_READY: MODEL_NOT_READY_TEMPLATE,
    SERVICE_UNAVAILABLE: SERVICE_UNAVAILABLE_TEMPLATE,
}


@dataclass(frozen=True)
class ErrorMapping:
    """How one class of SageMaker answers reaches the client."""

    selection_pattern: str | None
    """Regex on SageMaker's status code; ``None``: the default response (success)."""
    status_code: str
    """Status the client gets (a template may override it, see ``overrides``)."""
    template: str | None
    """``application/json`` mapping template; ``None``: the body passes through."""
    retry_after_seconds: int | None = None
    overrides: tuple[str, ...] = field(default_factory=tuple)
    """Statuses the template may set through ``$context.responseOverride.status``."""


def _mapping(sagemaker_status: int) -> ErrorMapping:
    kind = BY_SAGEMAKER_STATUS[sagemaker_status]
    return ErrorMapping(
        str(sagemaker_status), str(kind.status), _TEMPLATES[kind], kind.retry_after_seconds
    )


ERROR_MAPPING: Final = (
    ErrorMapping(None, "200", None),
    ErrorMapping(
        "400",
        str(VALIDATION_ERROR.status),
        VALIDATION_OR_THROTTLING_TEMPLATE,
        overrides=(str(THROTTLING.status),),
    ),
    *(_mapping(status) for status in (413, 424, 429, 503)),
    ErrorMapping(
        "(?!" + "|".join(str(status) for status in BY_SAGEMAKER_STATUS) + ")[13-9]\\d{2}",
        str(BAD_GATEWAY.status),
        BAD_GATEWAY_TEMPLATE,
    ),
)
"""SageMaker status -> client status (``error_answers.BY_SAGEMAKER_STATUS``, the rule the
fan-out function applies too). The patterns are disjoint and cover every non-2xx status, so no
failure falls through to the default (200) response:

* 400 ``ValidationError`` -> 400; 400 ``ThrottlingException`` -> 429 + ``Retry-After``
* 413 -> 413; 424 ``ModelError`` -> 424 with the model's message and status
* 429 ``ModelNotReadyException`` -> 503 + ``Retry-After``; 503 ``ServiceUnavailable`` -> 503
* anything else (500 ``InternalFailure``, 530 ``InternalDependencyException``, 403...) -> 502
"""

GATEWAY_ERROR_TEMPLATE: Final = (
    '{"message":$context.error.messageString,"type":"$context.error.responseType",'
    '"requestId":"$context.requestId"}'
)
"""Body of API Gateway's own errors (simple substitution, not Velocity)."""
INTEGRATION_TIMEOUT_TEMPLATE: Final = (
    '{"message":"The model did not answer within the integration timeout. A cold start can'
    ' take longer: SageMaker keeps running the request; retry shortly.",'
    '"type":"$context.error.responseType","requestId":"$context.requestId"}'
)

GATEWAY_RESPONSES: Final = (
    (apigw.ResponseType.DEFAULT_4_XX, None, GATEWAY_ERROR_TEMPLATE, None),
    (apigw.ResponseType.DEFAULT_5_XX, None, GATEWAY_ERROR_TEMPLATE, None),
    (apigw.ResponseType.THROTTLED, "429", GATEWAY_ERROR_TEMPLATE, RETRY_AFTER_THROTTLED_SECONDS),
    (apigw.ResponseType.QUOTA_EXCEEDED, "429", GATEWAY_ERROR_TEMPLATE, None),
    (apigw.ResponseType.ACCESS_DENIED, "403", GATEWAY_ERROR_TEMPLATE, None),
    (apigw.ResponseType.UNAUTHORIZED, "401", GATEWAY_ERROR_TEMPLATE, None),
    (apigw.ResponseType.REQUEST_TOO_LARGE, "413", GATEWAY_ERROR_TEMPLATE, None),
    (apigw.ResponseType.INTEGRATION_TIMEOUT, "504", INTEGRATION_TIMEOUT_TEMPLATE, None),
    (apigw.ResponseType.INTEGRATION_FAILURE, "502", GATEWAY_ERROR_TEMPLATE, None),
)
"""API Gateway's own errors: (type, status or None for its default, body, Retry-After)."""

ACCESS_LOG_FORMAT: Final = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "ip": "$context.identity.sourceIp",
    "caller": "$context.identity.caller",
    "user": "$context.identity.user",
    "apiKeyId": "$context.identity.apiKeyId",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationStatus": "$context.integration.status",
    "integrationLatency": "$context.integration.latency",
    "integrationRequestId": "$context.integration.requestId",
    "errorType": "$context.error.responseType",
    "errorMessage": "$context.error.message",
    "userAgent": "$context.identity.userAgent",
}
"""One JSON object per request in the access log group."""


def integration_response(
    mapping: ErrorMapping, cors: Mapping[str, str]
) -> apigw.IntegrationResponse:
    """The integration response of one ``ErrorMapping``, with the ``cors`` headers."""
    parameters: dict[str, str] = {}
    if mapping.template is None:
        parameters["method.response.header.Content-Type"] = (
            "integration.response.header.Content-Type"
        )
    else:
        parameters["method.response.header.Content-Type"] = "'application/json'"
        parameters[f"method.response.header.{ERROR_TYPE_HEADER}"] = (
            "integration.response.header.x-amzn-ErrorType"
        )
    if mapping.retry_after_seconds is not None:
        parameters["method.response.header.Retry-After"] = f"'{mapping.retry_after_seconds}'"
    for name, value in cors.items():
        parameters[f"method.response.header.{name}"] = f"'{value}'"
    return apigw.IntegrationResponse(
        status_code=mapping.status_code,
        selection_pattern=mapping.selection_pattern,
        response_parameters=parameters,
        response_templates=(
            {"application/json": mapping.template} if mapping.template is not None else None
        ),
        # A JSON error body is text: without this, a request whose Accept is one of the
        # binary media types makes API Gateway base64-decode it, and the client gets a 500.
        # The success response has no template and converts nothing: bytes stay bytes.
        content_handling=(
            apigw.ContentHandling.CONVERT_TO_TEXT if mapping.template is not None else None
        ),
    )


def cors_headers(origin: str | None) -> dict[str, str]:
    """The CORS headers of every actual response (browsers read ``Expose-Headers`` there,
    not on the preflight), by name; none without CORS (``origin`` ``None``). ``Vary:
    Origin`` tells caches the answer depends on the origin unless every origin is
    allowed."""
    if origin is None:
        return {}
    headers = {
        "Access-Control-Allow-Origin": origin,
        "Access-Control-Expose-Headers": ",".join(CORS_EXPOSED_HEADERS),
    }
    if origin != "*":
        headers["Vary"] = "Origin"
    return headers


def method_responses(cors: Mapping[str, str]) -> list[apigw.MethodResponse]:
    """Every status a route may answer, with the headers it may carry."""
    statuses = sorted(
        {m.status_code for m in ERROR_MAPPING} | {s for m in ERROR_MAPPING for s in m.overrides}
    )
    headers = ["Content-Type", "Retry-After", ERROR_TYPE_HEADER, *cors]
    return [
        apigw.MethodResponse(
            status_code=status,
            response_parameters={f"method.response.header.{h}": False for h in headers},
        )
        for status in statuses
    ]


def gateway_response_id(response_type: apigw.ResponseType) -> str:
    """The construct id of the gateway response of ``response_type`` (``DEFAULT_4XX``:
    ``Default4xx``)."""
    return "".join(part.capitalize() for part in response_type.response_type.split("_"))
