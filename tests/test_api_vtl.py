"""InferenceApi's mapping templates, rendered by a Velocity engine as API Gateway would.

What a client gets is simulated from the synthesized ``AWS::ApiGateway::Method``, following
API Gateway's REST integration pipeline as far as ``InferenceApi`` relies on it:

* the integration response is chosen by matching each ``SelectionPattern`` against the
  backend's HTTP status code (AWS and HTTP integrations; Lambda matches the error message);
  the response without a pattern is the default;
* its ``application/json`` template is rendered by a Velocity engine (airspeed) with
  ``$input``, ``$util`` and ``$context`` fakes that behave like API Gateway's; without a
  template the backend body passes through unchanged;
* the template is chosen by the request's ``Accept`` (its first media type; without one,
  ``application/json``); when no template matches, API Gateway uses the first one;
* the payload is converted as the table of "Content type conversions in API Gateway" says for
  the integration response's ``contentHandling``, whether the payload is binary (its
  ``Content-Type`` matches one of the API's ``binaryMediaTypes``) and whether the request's
  ``Accept`` is; a failed base64 decoding is API Gateway's 500. A rendered template is text;
* ``ResponseParameters`` set the method response headers (static ``'values'`` or
  ``integration.response.header.<name>``), then ``$context.responseOverride`` wins.

Gateway responses (API Gateway's own errors) use plain variable substitution, also rendered
here with airspeed.
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Final

import airspeed
import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from serverless_inference import ContainerImage, InferenceApi, ServerlessEndpoint, nag
from serverless_inference.api_options import DEFAULT_BINARY_MEDIA_TYPES
from tests.cdk_helpers import linted_template, new_stack
from tests.support.redaction import REDACTION_CASES

REQUEST_ID = "c0ffee00-1234-5678-9abc-def012345678"


def escape_javascript(value: Any) -> str:
    """``$util.escapeJavaScript``: Java's ``StringEscapeUtils.escapeJavaScript`` (commons-lang 2).

    Escapes ``'`` as ``\\'`` too, which is not valid JSON: templates must undo it.
    """
    text = "" if value is None else str(value)
    out: list[str] = []
    named = {"\b": "\\b", "\n": "\\n", "\t": "\\t", "\f": "\\f", "\r": "\\r"}
    for char in text:
        if char in ("'", '"', "\\", "/"):
            out.append("\\" + char)
        elif char in named:
            out.append(named[char])
        elif ord(char) < 32 or ord(char) > 0x7F:
            out.append(f"\\u{ord(char):04X}")
        else:
            out.append(char)
    return "".join(out)


class FakeUtil:
    """``$util``."""

    def escapeJavaScript(self, value: Any) -> str:  # noqa: N802 - API Gateway's name
        return escape_javascript(value)


class FakeInput:
    """``$input`` of an integration response: the backend's body."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    @property
    def body(self) -> str:
        return self._body.decode("utf-8", errors="replace")

    def _parsed(self) -> Any:
        try:
            return json.loads(self._body)
        except ValueError:
            return None

    def path(self, expression: str) -> Any:
        """``$input.path('$.a.b')``: the value at a simple JSONPath, ``None`` when missing."""
        node = self._parsed()
        if expression == "$":
            return node
        for part in expression.removeprefix("$.").split("."):
            if not isinstance(node, dict) or part not in node:
                return None
            node = node[part]
        return node

    def json(self, expression: str) -> str:
        """``$input.json('$.a')``: the value at a JSONPath, as JSON text."""
        return json.dumps(self.path(expression))


@dataclass
class ClientResponse:
    """What the API client receives."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class BackendResponse:
    """What SageMaker Runtime answers."""

    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)

    @classmethod
    def error(cls, status: int, error_type: str, payload: dict[str, Any]) -> BackendResponse:
        return cls(
            status=status,
            body=json.dumps(payload).encode(),
            headers={"Content-Type": "application/json", "x-amzn-ErrorType": error_type},
        )


def select_integration_response(
    responses: list[dict[str, Any]], status: int, *, full_match: bool = True
) -> dict[str, Any]:
    """The integration response API Gateway picks for a backend status code."""
    matcher = re.fullmatch if full_match else re.search
    matching = [
        response
        for response in responses
        if "SelectionPattern" in response and matcher(response["SelectionPattern"], str(status))
    ]
    assert len(matching) <= 1, f"status {status} matches several patterns: {matching}"
    if matching:
        return matching[0]
    (default,) = [response for response in responses if "SelectionPattern" not in response]
    return default


INTERNAL_SERVER_ERROR = ClientResponse(
    status=500, headers={"Content-Type": "application/json"}, body=b'{"message": null}'
)
"""API Gateway's answer when it cannot convert a payload (an API configuration error)."""


def is_binary(media_type: str | None, binary_media_types: Sequence[str]) -> bool:
    """Whether a ``Content-Type`` or ``Accept`` value names one of the binary media types
    (only the first media type of a list counts, without parameters)."""
    if media_type is None:
        return False
    first = media_type.split(",")[0].split(";")[0].strip().lower()
    return any(fnmatch.fnmatchcase(first, pattern.lower()) for pattern in binary_media_types)


def convert_payload(
    payload: bytes, *, binary: bool, accept_binary: bool, content_handling: str | None
) -> bytes:
    """The method response payload, per "Content type conversions in API Gateway" (the table
    for an API with ``binaryMediaTypes`` set). Raises ``binascii.Error`` when text that is not
    base64 must be decoded."""
    as_text = content_handling == "CONVERT_TO_TEXT" or (
        content_handling is None and not accept_binary
    )
    if binary:
        return base64.b64encode(payload) if as_text else payload
    return payload if as_text else base64.b64decode(payload, validate=True)


def select_template(templates: dict[str, str], accept: str | None) -> str | None:
    """The response template for the request's ``Accept``: the one of its first media type,
    ``application/json`` without one, else the first template; ``None`` without templates."""
    key = accept.split(",")[0].split(";")[0].strip() if accept else "application/json"
    if key in templates:
        return templates[key]
    return next(iter(templates.values()), None)


def respond(
    method: dict[str, Any],
    backend: BackendResponse,
    *,
    accept: str | None = None,
    binary_media_types: Sequence[str] = DEFAULT_BINARY_MEDIA_TYPES,
) -> ClientResponse:
    """The client's view of one ``InvokeEndpoint`` answer through this method's integration,
    for a request with this ``Accept`` header to an API with these binary media types."""
    integration = method["Integration"]
    response = select_integration_response(integration["IntegrationResponses"], backend.status)
    status = int(response["StatusCode"])
    body = backend.body
    binary = is_binary(backend.headers.get("Content-Type"), binary_media_types)
    context: dict[str, Any] = {
        "requestId": REQUEST_ID,
        "responseOverride": {"status": None, "header": {}},
    }
    template = select_template(response.get("ResponseTemplates", {}), accept)
    if template is not None:
        rendered = airspeed.Template(template).merge(
            {"input": FakeInput(backend.body), "util": FakeUtil(), "context": context}
        )
        body, binary = rendered.strip().encode(), False
    try:
        body = convert_payload(
            body,
            binary=binary,
            accept_binary=is_binary(accept, binary_media_types),
            content_handling=response.get("ContentHandling"),
        )
    except binascii.Error:
        return INTERNAL_SERVER_ERROR
    headers: dict[str, str] = {}
    lowered = {name.lower(): value for name, value in backend.headers.items()}
    for target, source in response.get("ResponseParameters", {}).items():
        name = target.removeprefix("method.response.header.")
        if source.startswith("'") and source.endswith("'"):
            headers[name] = source[1:-1]
        elif source.startswith("integration.response.header."):
            value = lowered.get(source.removeprefix("integration.response.header.").lower())
            if value is not None:
                headers[name] = value
        else:
            raise AssertionError(f"unsupported mapping source {source}")
    override = context["responseOverride"]
    if override["status"] is not None:
        status = int(override["status"])
    headers.update({name: str(value) for name, value in override["header"].items()})
    declared = {r["StatusCode"] for r in method["MethodResponses"]}
    assert str(status) in declared, f"status {status} has no method response"
    return ClientResponse(status=status, headers=headers, body=body)


def render_gateway_response(template: str, *, message: str, response_type: str) -> str:
    """A gateway response template with API Gateway's ``$context`` values substituted."""
    context = {
        "requestId": REQUEST_ID,
        "error": {"messageString": json.dumps(message), "responseType": response_type},
    }
    return str(airspeed.Template(template).merge({"context": context}))


# --- fixtures ---------------------------------------------------------------------------------


@cache
def iam_api() -> tuple[InferenceApi, Template]:
    """The API most tests look at, synthesized once per session, checked by cdk-nag and
    cfn-lint: IAM auth (the default), CORS for one origin, two routes in front of two
    endpoints (max concurrency 5 and 3)."""
    stack = new_stack()
    first = ServerlessEndpoint(stack, "Endpoint", image=ContainerImage.hugging_face_inference())
    second = ServerlessEndpoint(
        stack, "Other", image=ContainerImage.hugging_face_inference(), max_concurrency=3
    )
    api = InferenceApi(stack, "Api", endpoint=first, cors_allow_origin="https://app.example.com")
    api.add_endpoint("models/other", second)
    return api, synth_checked(stack)


APP_DECISIONS: Final = {
    "AwsSolutions-APIG3": "Test app, synthesized and never deployed: no WAF in front of it",
    "AwsSolutions-COG4": "Test app: it tests an auth mode other than a Cognito authorizer",
}
"""The findings ``InferenceApi`` leaves to the app (WAF, authorizer), acknowledged here as a
user's app would after deciding (see tests/test_api_nag.py)."""


def synth_checked(stack: Stack) -> Template:
    """The stack's template after cdk-nag (synthesis raises on a finding that neither the
    library nor the app's decisions acknowledge) and cfn-lint."""
    for rule, reason in APP_DECISIONS.items():
        nag.acknowledge(stack, rule, reason)
    app = stack.node.root
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    assert isinstance(app, App)
    app.synth()
    return linted_template(stack)


@pytest.fixture(scope="module")
def template() -> Template:
    return iam_api()[1]


@pytest.fixture(scope="module")
def method(template: Template) -> dict[str, Any]:
    """The POST method of the route, as synthesized."""
    methods = template.find_resources(
        "AWS::ApiGateway::Method", {"Properties": {"HttpMethod": "POST"}}
    )
    return dict(next(iter(methods.values()))["Properties"])


def sagemaker_error(status: int, error_type: str, **payload: Any) -> BackendResponse:
    return BackendResponse.error(status, error_type, payload)


# --- success passes through ----------------------------------------------------------------


def test_success_body_and_content_type_pass_through(method: dict[str, Any]) -> None:
    body = b'[{"label": "POSITIVE", "score": 0.9998}]'
    got = respond(method, BackendResponse(200, body, {"Content-Type": "application/json"}))
    assert got.status == 200
    assert got.body == body
    assert got.headers["Content-Type"] == "application/json"


def test_binary_success_passes_through_byte_for_byte(method: dict[str, Any]) -> None:
    body = bytes(range(256))
    backend = BackendResponse(200, body, {"Content-Type": "application/x-npy"})
    got = respond(method, backend, accept="application/x-npy")
    assert (got.status, got.body, got.headers["Content-Type"]) == (200, body, "application/x-npy")
    # Without a binary Accept, API Gateway sends the bytes base64-encoded (docs/inference-api.md: Accept).
    assert respond(method, backend, accept="application/json").body == base64.b64encode(body)


# --- errors are JSON whatever the client accepts ----------------------------------------------

ERRORS: Final = (
    sagemaker_error(400, "ValidationError", message="inputs must be a list"),
    sagemaker_error(400, "ThrottlingException", message="Rate exceeded"),
    sagemaker_error(413, "ValidationError"),
    sagemaker_error(424, "ModelError", OriginalStatusCode=400, OriginalMessage="bad input"),
    sagemaker_error(429, "ModelNotReadyException", message="Model not ready"),
    sagemaker_error(503, "ServiceUnavailable", message="unavailable"),
    sagemaker_error(500, "InternalFailure", message="internal"),
)


@pytest.mark.parametrize(
    "error", ERRORS, ids=lambda e: f"{e.status}-{e.headers['x-amzn-ErrorType']}"
)
@pytest.mark.parametrize(
    "accept",
    ["audio/wav", "image/png", "application/octet-stream", "application/x-npy", "text/csv", None],
)
def test_errors_are_the_same_json_for_any_accept_header(
    method: dict[str, Any], error: BackendResponse, accept: str | None
) -> None:
    """A client asking for binary output (an ``Accept`` among the binary media types) gets the
    error's status and JSON body, not API Gateway's 500 for a failed base64 conversion."""
    expected = respond(method, error, accept="application/json")
    got = respond(method, error, accept=accept)
    assert (got.status, got.headers) == (expected.status, expected.headers)
    assert got.json() == expected.json()
    assert got.headers["Content-Type"] == "application/json"


def test_only_templated_error_responses_convert_to_text(method: dict[str, Any]) -> None:
    for response in method["Integration"]["IntegrationResponses"]:
        templated = "ResponseTemplates" in response
        assert response.get("ContentHandling") == ("CONVERT_TO_TEXT" if templated else None)


# --- SageMaker errors keep their meaning -----------------------------------------------------


def test_validation_error_is_400_with_the_message_as_valid_json(method: dict[str, Any]) -> None:
    message = 'Received client error: can\'t parse "inputs"\n\tat line 1 / col 2 \u2013 ünicode'
    got = respond(method, sagemaker_error(400, "ValidationError", message=message))
    assert got.status == 400
    assert got.json() == {"message": message, "type": "ValidationError", "requestId": REQUEST_ID}
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-SageMaker-Error-Type"] == "ValidationError"
    assert "Retry-After" not in got.headers


def test_validation_error_with_capitalised_message_key(method: dict[str, Any]) -> None:
    got = respond(method, sagemaker_error(400, "ValidationError", Message="Endpoint x not found"))
    assert (got.status, got.json()["message"]) == (400, "Endpoint x not found")


@pytest.mark.parametrize(
    "payload",
    [
        {"message": "Rate exceeded"},
        {"message": "Your invocation was throttled"},
        {"__type": "com.amazon.coral.availability#ThrottlingException", "message": "slow down"},
        {"message": None},
        {},
    ],
    ids=["rate-exceeded", "throttled", "type-field", "null-message", "empty-body"],
)
def test_throttling_exception_400_becomes_429_with_retry_after(
    method: dict[str, Any], payload: dict[str, Any]
) -> None:
    got = respond(method, sagemaker_error(400, "ThrottlingException", **payload))
    assert got.status == 429
    assert got.headers["Retry-After"] == "1"
    assert got.headers["X-SageMaker-Error-Type"] == "ThrottlingException"
    assert got.json()["type"] == "ThrottlingException"
    assert got.json()["requestId"] == REQUEST_ID


def test_model_error_is_424_with_the_models_message(method: dict[str, Any]) -> None:
    got = respond(
        method,
        sagemaker_error(
            424,
            "ModelError",
            message="Received server error (500) from primary with message ...",
            OriginalStatusCode=500,
            OriginalMessage='{"error": "CUDA out of memory"}',
            LogStreamArn="arn:aws:logs:eu-west-1:123456789012:log-group:/aws/sagemaker/x",
        ),
    )
    assert got.status == 424
    assert got.json() == {
        "message": '{"error": "CUDA out of memory"}',
        "type": "ModelError",
        "modelStatusCode": 500,
        "requestId": REQUEST_ID,
    }
    assert "123456789012" not in got.body.decode()


def test_model_error_without_original_message_uses_sagemakers(method: dict[str, Any]) -> None:
    got = respond(method, sagemaker_error(424, "ModelError", message="model crashed"))
    assert got.json()["message"] == "model crashed"
    assert got.json()["modelStatusCode"] is None


def test_model_not_ready_429_becomes_503_with_retry_after(method: dict[str, Any]) -> None:
    got = respond(method, sagemaker_error(429, "ModelNotReadyException", message="Model not ready"))
    assert got.status == 503
    assert got.headers["Retry-After"] == "10"
    assert got.json()["type"] == "ModelNotReadyException"
    assert got.json()["requestId"] == REQUEST_ID


def test_service_unavailable_stays_503_with_retry_after(method: dict[str, Any]) -> None:
    got = respond(method, sagemaker_error(503, "ServiceUnavailable", message="unavailable"))
    assert (got.status, got.headers["Retry-After"]) == (503, "5")
    assert got.json()["type"] == "ServiceUnavailable"


@pytest.mark.parametrize(
    ("status", "error_type"),
    [
        (500, "InternalFailure"),
        (530, "InternalDependencyException"),
        (403, "AccessDeniedException"),
        (404, "UnknownOperationException"),
    ],
)
def test_other_failures_are_502_without_sagemakers_details(
    method: dict[str, Any], status: int, error_type: str
) -> None:
    secret = "User: arn:aws:sts::123456789012:assumed-role/ApiRole is not authorized"
    got = respond(method, sagemaker_error(status, error_type, message=secret))
    assert got.status == 502
    assert got.json()["type"] == "BadGateway"
    assert got.json()["requestId"] == REQUEST_ID
    assert "123456789012" not in got.body.decode()


def test_payload_too_large_is_413(method: dict[str, Any]) -> None:
    got = respond(method, sagemaker_error(413, "ValidationError"))
    assert got.status == 413
    assert "4 MB" in got.json()["message"]


# --- passed-through messages never name an account or an ARN ----------------------------------

PASSED_THROUGH: Final = {
    "validation-400": lambda message: sagemaker_error(400, "ValidationError", message=message),
    "model-error-424": lambda message: sagemaker_error(
        424, "ModelError", OriginalStatusCode=400, OriginalMessage=message
    ),
    "payload-too-large-413": lambda message: sagemaker_error(
        413, "ValidationError", message=message
    ),
}
"""The responses whose body carries SageMaker's or the model's message, by a message."""


@pytest.mark.parametrize("response", PASSED_THROUGH.values(), ids=PASSED_THROUGH.keys())
@pytest.mark.parametrize(("message", "redacted"), REDACTION_CASES.values(), ids=REDACTION_CASES)
def test_passed_through_messages_redact_account_ids_and_arns(
    method: dict[str, Any], response: Any, message: str, redacted: str
) -> None:
    got = respond(method, response(message))
    assert got.json()["message"] == redacted  # still valid JSON, quotes and backslashes kept
    assert not re.search(r"arn:aws|(?<![0-9])123456789012(?![0-9])", got.body.decode())


BROWSER_HEADERS: Final = {
    "Access-Control-Allow-Origin": "https://app.example.com",
    "Access-Control-Expose-Headers": "Retry-After,X-SageMaker-Error-Type",
    "Vary": "Origin",
}


@pytest.mark.parametrize(
    "backend",
    [BackendResponse(200, b"[]", {"Content-Type": "application/json"}), *ERRORS],
    ids=lambda b: str(b.status) + "-" + b.headers.get("x-amzn-ErrorType", "success"),
)
def test_every_response_lets_the_browser_read_its_headers(
    method: dict[str, Any], backend: BackendResponse
) -> None:
    got = respond(method, backend)
    assert {name: got.headers[name] for name in BROWSER_HEADERS} == BROWSER_HEADERS


@pytest.mark.parametrize("full_match", [True, False], ids=["matches", "find"])
def test_no_failure_status_ever_reaches_the_client_as_200(
    method: dict[str, Any], full_match: bool
) -> None:
    """Each non-2xx status is selected by exactly one pattern, whether API Gateway matches
    the whole status or searches in it."""
    responses = method["Integration"]["IntegrationResponses"]
    for status in range(100, 600):
        chosen = select_integration_response(responses, status, full_match=full_match)
        if 200 <= status < 300:
            assert chosen["StatusCode"] == "200"
        else:
            assert chosen["StatusCode"] != "200", status
            assert "ResponseTemplates" in chosen, status


# --- API Gateway's own errors are JSON -------------------------------------------------------


def test_gateway_responses_render_to_json_with_message_and_request_id(
    template: Template,
) -> None:
    responses = template.find_resources("AWS::ApiGateway::GatewayResponse")
    assert len(responses) >= 9
    for resource in responses.values():
        properties = resource["Properties"]
        rendered = render_gateway_response(
            properties["ResponseTemplates"]["application/json"],
            message='Rate "exceeded"',
            response_type=properties["ResponseType"],
        )
        body = json.loads(rendered)
        assert body["requestId"] == REQUEST_ID
        assert body["type"] == properties["ResponseType"]
        assert body["message"]
        headers = properties["ResponseParameters"]
        for name, value in BROWSER_HEADERS.items():
            assert headers[f"gatewayresponse.header.{name}"] == f"'{value}'"


def test_integration_timeout_is_504_and_explains_cold_starts(template: Template) -> None:
    (resource,) = template.find_resources(
        "AWS::ApiGateway::GatewayResponse",
        {"Properties": {"ResponseType": "INTEGRATION_TIMEOUT"}},
    ).values()
    assert resource["Properties"]["StatusCode"] == "504"
    body = json.loads(
        render_gateway_response(
            resource["Properties"]["ResponseTemplates"]["application/json"],
            message="Endpoint request timed out",
            response_type="INTEGRATION_TIMEOUT",
        )
    )
    assert "cold start" in body["message"]


def test_escape_javascript_fake_matches_java() -> None:
    assert escape_javascript('it\'s "x"/\n') == 'it\\\'s \\"x\\"\\/\\n'
