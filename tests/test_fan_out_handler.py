"""The fan-out handler against a fake SageMaker Runtime on 127.0.0.1, through boto3.

Timing assertions have generous bounds (the suite runs on a loaded 2-core machine); the figures
live in ``scripts/bench_fan_out.py``.
"""

from __future__ import annotations

import base64
import importlib
import json
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from serverless_inference.api_responses import ERROR_MAPPING
from serverless_inference_runtime import sagemaker_runtime
from serverless_inference_runtime.error_answers import BAD_GATEWAY, ERROR_TYPE_HEADER
from serverless_inference_runtime.fan_out import contract
from serverless_inference_runtime.fan_out import handler as fan_out
from serverless_inference_runtime.limits import MAX_PAYLOAD_BYTES
from tests.support.emf import specification_problems
from tests.support.fake_runtime import ERROR_STATUS, Reply
from tests.support.lambda_env import (
    FakeContext,
    SettableFake,
    fake_runtime_for,
    set_aws_test_environment,
)
from tests.support.redaction import REDACTION_CASES

REQUEST_ID = "c0ffee00-1234-5678-9abc-def012345678"
MEMBERS = [
    {"name": "sentiment", "endpoint": "sentiment-ep", "required": True},
    {"name": "entities", "endpoint": "entities-ep", "required": True},
    {"name": "topic", "endpoint": "topic-ep", "required": False},
]
ENDPOINT_OF = {str(member["name"]): str(member["endpoint"]) for member in MEMBERS}


@pytest.fixture(autouse=True)
def environment(monkeypatch: pytest.MonkeyPatch) -> None:
    set_aws_test_environment(
        monkeypatch,
        FAN_OUT_MEMBERS=json.dumps(MEMBERS),
        MEMBER_TIMEOUT_SECONDS="2",
        DEADLINE_SECONDS="3",
        CONNECT_TIMEOUT_SECONDS="1",
        AWS_LAMBDA_FUNCTION_NAME="stack-TicketFanOut-abc",
    )
    monkeypatch.delenv("RESPONSE_HEADERS", raising=False)


@pytest.fixture()
def fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[SettableFake]:
    with fake_runtime_for(monkeypatch) as running:
        yield running


def replying(replies: dict[str, Reply]) -> Any:
    """A behaviour answering each member's endpoint with its reply (``Reply()`` otherwise)."""
    by_endpoint = {ENDPOINT_OF[name]: reply for name, reply in replies.items()}
    return lambda _index, request: by_endpoint.get(request.endpoint_name, Reply())


def event(
    body: str | None = '{"inputs": "my parcel never arrived"}', **extra: Any
) -> dict[str, Any]:
    """A Lambda proxy event as API Gateway sends it."""
    return {
        "httpMethod": "POST",
        "resource": "/ticket",
        "headers": {"Content-Type": "application/json", "Accept": "application/json"},
        "body": body,
        "isBase64Encoded": False,
        "requestContext": {"requestId": REQUEST_ID, "stage": "v1"},
        **extra,
    }


def invoke(evt: dict[str, Any] | None = None, remaining_ms: int = 120_000) -> dict[str, Any]:
    return fan_out.handler(evt if evt is not None else event(), FakeContext(remaining_ms))


def body_of(response: dict[str, Any]) -> Any:
    assert response["isBase64Encoded"] is False
    return json.loads(response["body"])


# --- parallelism -------------------------------------------------------------------------


def test_members_are_called_in_parallel(fake: SettableFake) -> None:
    # GIVEN a warm function (its client made) and members answering in 100, 200 and 300 ms
    invoke()
    delays = {"sentiment": 0.1, "entities": 0.2, "topic": 0.3}
    fake.set_behaviour(replying({name: Reply(delay_s=d) for name, d in delays.items()}))
    # WHEN one request fans out
    began = time.perf_counter()
    response = invoke()
    elapsed = time.perf_counter() - began
    # THEN they were all asked at once and the answer took about the slowest, not the sum
    assert response["statusCode"] == 200
    arrivals = [request.received_at for request in fake.requests[3:]]
    assert max(arrivals) - min(arrivals) < 0.1
    assert elapsed < sum(delays.values()) - 0.05
    latencies = {name: m["latencyMs"] for name, m in body_of(response)["members"].items()}
    assert all(latencies[name] >= delay * 1000 for name, delay in delays.items())


# --- success and the answer's shape --------------------------------------------------------


def test_every_answer_comes_back_in_one_document(fake: SettableFake) -> None:
    fake.set_behaviour(
        replying(
            {
                "sentiment": Reply(body=b'[{"label": "NEGATIVE", "score": 0.98}]'),
                "entities": Reply(body=b"[]"),
                "topic": Reply(body=b'{"labels": ["shipping"]}'),
            }
        )
    )
    response = invoke()
    assert response["statusCode"] == 200
    assert response["headers"]["Content-Type"] == "application/json"
    body = body_of(response)
    assert body["requestId"] == REQUEST_ID and body["partial"] is False
    assert list(body["members"]) == ["sentiment", "entities", "topic"]
    assert body["members"]["sentiment"] == {
        "status": "ok",
        "latencyMs": body["members"]["sentiment"]["latencyMs"],
        "contentType": "application/json",
        "answer": [{"label": "NEGATIVE", "score": 0.98}],
    }
    assert body["members"]["entities"]["answer"] == []
    assert body["members"]["topic"]["answer"] == {"labels": ["shipping"]}
    assert body["latencyMs"] >= max(m["latencyMs"] for m in body["members"].values())


@pytest.mark.parametrize(
    ("reply", "entry"),
    [
        (Reply(body=b"a,b\n1,2\n", content_type="text/csv"), {"text": "a,b\n1,2\n"}),
        (
            Reply(body=b"not json", content_type="application/json"),
            {"text": "not json"},
        ),
        (
            Reply(body=b'{"x": 1}', content_type="application/vnd.model+json; charset=utf-8"),
            {"answer": {"x": 1}},
        ),
        (
            Reply(body=b"\x89PNG\r\n\x1a\n\x00\xff", content_type="image/png"),
            {"base64": base64.b64encode(b"\x89PNG\r\n\x1a\n\x00\xff").decode()},
        ),
        (
            Reply(body=b"\xff\xfe broken", content_type="text/plain"),
            {"base64": base64.b64encode(b"\xff\xfe broken").decode()},
        ),
    ],
    ids=["csv-text", "invalid-json-as-text", "json-suffix", "binary", "undecodable-text"],
)
def test_non_json_answers_come_back_as_text_or_base64(
    fake: SettableFake, reply: Reply, entry: dict[str, Any]
) -> None:
    fake.set_behaviour(replying({"entities": reply}))
    member = body_of(invoke())["members"]["entities"]
    assert {k: v for k, v in member.items() if k in ("answer", "text", "base64")} == entry
    assert member["contentType"] == reply.content_type


# --- payload passthrough -------------------------------------------------------------------


def test_the_body_and_headers_reach_every_member_unchanged(fake: SettableFake) -> None:
    body = '{"inputs": "Ünïcode \\"quoted\\" text"}'
    headers = {
        "content-type": "application/json; charset=utf-8",
        "accept": "application/jsonlines",
        "x-amzn-sagemaker-custom-attributes": "trace=1",
        "Authorization": "AWS4-HMAC-SHA256 Credential=...",
    }
    invoke(event(body, headers=headers))
    assert sorted(r.endpoint_name for r in fake.requests) == sorted(ENDPOINT_OF.values())
    for request in fake.requests:
        assert request.body == body.encode("utf-8")
        assert request.headers["Content-Type"] == "application/json; charset=utf-8"
        assert request.headers["Accept"] == "application/jsonlines"
        assert request.headers["X-Amzn-SageMaker-Custom-Attributes"] == "trace=1"
        assert not request.headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=...")


def test_a_binary_body_reaches_every_member_byte_for_byte(fake: SettableFake) -> None:
    image = bytes(range(256)) * 4
    invoke(
        event(
            base64.b64encode(image).decode(),
            isBase64Encoded=True,
            headers={"Content-Type": "image/png"},
        )
    )
    assert len(fake.requests) == 3
    assert all(r.body == image and r.headers["Content-Type"] == "image/png" for r in fake.requests)


def test_a_request_without_headers_or_body_is_sent_as_is(fake: SettableFake) -> None:
    invoke(event(headers=None, body=None))
    assert all(r.body == b"" and "Accept" not in r.headers for r in fake.requests)


def test_a_body_over_what_an_endpoint_accepts_is_refused_before_any_call(
    fake: SettableFake,
) -> None:
    response = invoke(event("x" * (MAX_PAYLOAD_BYTES + 1)))
    assert response["statusCode"] == 413
    assert body_of(response) == {
        "message": "The request body is larger than the endpoint accepts (4 MB).",
        "type": "PayloadTooLarge",
        "requestId": REQUEST_ID,
    }
    assert fake.requests == []


def test_answers_over_what_lambda_may_return_fail_the_request(fake: SettableFake) -> None:
    big = json.dumps(["x" * 1000] * 2500).encode()  # 2.5 MB each, 7.5 MB together
    fake.set_behaviour(lambda _i, _r: Reply(body=big))
    response = invoke()
    assert response["statusCode"] == 502
    assert body_of(response)["type"] == "ResponseTooLarge"
    assert len(json.dumps(response)) < 1000


# --- member outcomes -----------------------------------------------------------------------

OUTCOMES = {
    "validation-error": (Reply.error("ValidationError", "inputs must be a string"), 400),
    "model-error": (Reply.error("ModelError", "CUDA out of memory"), 424),
    "throttled": (Reply.error("ThrottlingException", "Rate exceeded"), 429),
    "not-ready": (Reply.error("ModelNotReadyException", "starting"), 503),
    "unavailable": (Reply.error("ServiceUnavailable", "down"), 503),
    "internal-failure": (Reply.error("InternalFailure", "oops"), 502),
    "payload-too-large": (Reply(status=413, body=b'{"message": "too big"}'), 413),
    "timeout": (Reply(delay_s=2.5), 504),
    "unreachable": (Reply(close_connection=True), 502),
}
"""Each failure of a member, and the status the request gets when the member is required."""
TYPES = {
    400: "ValidationError",
    424: "ModelError",
    429: "ThrottlingException",
    413: "PayloadTooLarge",
    504: "ModelTimeout",
}
RETRY_AFTER = {"throttled": 1, "not-ready": 10, "unavailable": 5}


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_a_failed_required_member_fails_the_request_with_its_routes_status(
    fake: SettableFake, outcome: str
) -> None:
    reply, status = OUTCOMES[outcome]
    fake.set_behaviour(replying({"entities": reply}))
    response = invoke()
    body = body_of(response)
    assert response["statusCode"] == status
    assert body["member"] == "entities" and body["requestId"] == REQUEST_ID
    assert response["headers"][ERROR_TYPE_HEADER] == body["type"]
    if status in TYPES:
        assert body["type"] == TYPES[status]
    assert response["headers"].get("Retry-After") == (
        str(RETRY_AFTER[outcome]) if outcome in RETRY_AFTER else None
    )
    # the other members' outcomes come along, never their answers
    assert body["members"]["sentiment"] == {
        "status": "ok",
        "latencyMs": body["members"]["sentiment"]["latencyMs"],
    }
    assert body["members"]["entities"]["status"] == "error"
    assert body["members"]["entities"]["statusCode"] == status
    # nothing retried: one call per member
    assert sorted(r.endpoint_name for r in fake.requests) == sorted(ENDPOINT_OF.values())


@pytest.mark.parametrize("outcome", OUTCOMES)
def test_a_failed_optional_member_leaves_a_partial_answer(fake: SettableFake, outcome: str) -> None:
    reply, status = OUTCOMES[outcome]
    fake.set_behaviour(replying({"topic": reply}))
    response = invoke()
    body = body_of(response)
    assert response["statusCode"] == 200 and body["partial"] is True
    assert "Retry-After" not in response["headers"]
    topic = body["members"]["topic"]
    assert topic["status"] == "error" and topic["statusCode"] == status
    assert topic["error"]["requestId"] == REQUEST_ID
    assert topic.get("retryAfterSeconds") == RETRY_AFTER.get(outcome)
    assert {body["members"][n]["status"] for n in ("sentiment", "entities")} == {"ok"}


LEAKY = ("amazonaws.com", "127.0.0.1", "http", "-ep", "Read timeout", "endpoint URL")
"""What botocore's timeout and connection errors hold: the runtime's URL and the endpoint."""


@pytest.mark.parametrize(
    ("reply", "deadline", "message"),
    [
        (Reply(delay_s=2.5), "3", "The model endpoint did not answer within 2 s."),
        (Reply(delay_s=2.0), "0.4", "The model endpoint did not answer within 0.4 s."),
        (Reply(close_connection=True), "3", BAD_GATEWAY.message),
    ],
    ids=["member-timeout", "deadline", "unreachable"],
)
def test_timeouts_and_unreachable_members_get_fixed_messages(
    fake: SettableFake,
    monkeypatch: pytest.MonkeyPatch,
    reply: Reply,
    deadline: str,
    message: str,
) -> None:
    """GIVEN a required and an optional member that time out (or cannot be reached); THEN
    both answers say so in a fixed message stating the seconds waited, never botocore's text
    (the runtime's URL, the endpoint's name)."""
    monkeypatch.setenv("DEADLINE_SECONDS", deadline)
    fake.set_behaviour(replying({"entities": reply, "topic": reply}))
    response = invoke()
    body = body_of(response)
    for answer in (body, body["members"]["topic"]["error"], body["members"]["entities"]["error"]):
        assert answer["message"] == message
    assert not [leak for leak in LEAKY if leak in response["body"]]


def test_botocores_timeout_text_never_reaches_the_client() -> None:
    url = "https://runtime.sagemaker.eu-west-1.amazonaws.com/endpoints/support-ticket/invocations"
    for error, expected in (
        (ReadTimeoutError(endpoint_url=url), "The model endpoint did not answer within 7.5 s."),
        (ConnectTimeoutError(endpoint_url=url), BAD_GATEWAY.message),
        (EndpointConnectionError(endpoint_url=url), BAD_GATEWAY.message),
    ):
        assert url in str(error)
        found = sagemaker_runtime.failure(error, 7.5)
        assert url not in found.message  # nor in the log line
        answer = found.kind.answer(found.message, REQUEST_ID)
        assert answer["message"] == expected
        assert "amazonaws.com" not in json.dumps(answer)
        assert "support-ticket" not in json.dumps(answer)


def test_a_model_error_carries_the_models_status_and_message(fake: SettableFake) -> None:
    fake.set_behaviour(replying({"sentiment": Reply.error("ModelError", "bad token")}))
    body = body_of(invoke())
    assert {k: body[k] for k in ("message", "type", "modelStatusCode")} == {
        "message": "bad token",
        "type": "ModelError",
        "modelStatusCode": 500,
    }


def test_every_member_failing_fails_the_request_even_when_all_are_optional(
    fake: SettableFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    optional = [{**member, "required": False} for member in MEMBERS]
    monkeypatch.setenv("FAN_OUT_MEMBERS", json.dumps(optional))
    fake.set_behaviour(lambda _i, _r: Reply.error("ModelError"))
    response = invoke()
    assert response["statusCode"] == 424
    assert body_of(response)["member"] == "sentiment"


def test_a_failure_waiting_cannot_fix_decides_before_one_it_can(fake: SettableFake) -> None:
    fake.set_behaviour(
        replying(
            {
                "sentiment": Reply.error("ThrottlingException"),
                "entities": Reply.error("ValidationError", "bad input"),
            }
        )
    )
    response = invoke()
    assert response["statusCode"] == 400 and body_of(response)["member"] == "entities"
    assert "Retry-After" not in response["headers"]


def test_when_waiting_may_fix_every_failure_retry_after_is_the_longest(
    fake: SettableFake,
) -> None:
    fake.set_behaviour(
        replying(
            {
                "sentiment": Reply.error("ThrottlingException"),
                "entities": Reply.error("ModelNotReadyException"),
            }
        )
    )
    response = invoke()
    assert response["statusCode"] == 429 and body_of(response)["member"] == "sentiment"
    assert response["headers"]["Retry-After"] == "10"


@pytest.mark.parametrize(
    "mapping",
    [m for m in ERROR_MAPPING if m.selection_pattern is not None],
    ids=lambda m: m.selection_pattern,
)
def test_statuses_are_the_apis_for_the_same_sagemaker_error(
    fake: SettableFake, mapping: Any
) -> None:
    # GIVEN a SageMaker error the API maps with this integration response
    sagemaker_status = next(
        s
        for s in (*ERROR_STATUS.values(), 413, 403)
        if re.fullmatch(mapping.selection_pattern, str(s))
    )
    error_type = next((t for t, s in ERROR_STATUS.items() if s == sagemaker_status), None)
    reply = (
        Reply.error(error_type, "m")
        if error_type is not None and error_type != "ThrottlingException"
        else Reply(status=sagemaker_status, body=b'{"message": "m"}')
    )
    fake.set_behaviour(replying({"sentiment": reply}))
    # THEN the fan-out answers with the status the API's route gives
    assert invoke()["statusCode"] == int(mapping.status_code)


@pytest.mark.parametrize(("message", "redacted"), REDACTION_CASES.values(), ids=REDACTION_CASES)
def test_passed_through_messages_redact_account_ids_and_arns(
    fake: SettableFake, message: str, redacted: str
) -> None:
    fake.set_behaviour(
        replying(
            {
                "sentiment": Reply.error("ValidationError", message),
                "topic": Reply.error("ModelError", message),
            }
        )
    )
    response = invoke()
    body = body_of(response)
    assert body["message"] == redacted
    assert body["members"]["topic"]["error"]["message"] == redacted
    assert not re.search(r"arn:aws|(?<![0-9])123456789012(?![0-9])", response["body"])


# --- time limits ---------------------------------------------------------------------------


def test_the_deadline_bounds_the_request_and_keeps_the_answers_in_time(
    fake: SettableFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN a deadline of 0.4 s, a member timeout beyond it, an optional member taking 2 s
    monkeypatch.setenv("DEADLINE_SECONDS", "0.4")
    monkeypatch.setenv("MEMBER_TIMEOUT_SECONDS", "5")
    fake.set_behaviour(replying({"topic": Reply(delay_s=2.0)}))
    began = time.perf_counter()
    response = invoke()
    # THEN the answer comes at the deadline, without the late member
    assert time.perf_counter() - began < 1.5
    body = body_of(response)
    assert response["statusCode"] == 200 and body["partial"] is True
    assert body["members"]["topic"]["statusCode"] == 504
    assert body["members"]["topic"]["error"]["type"] == "ModelTimeout"
    assert body["members"]["sentiment"]["status"] == "ok"


def test_a_required_member_past_the_deadline_is_a_504(
    fake: SettableFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DEADLINE_SECONDS", "0.4")
    fake.set_behaviour(replying({"sentiment": Reply(delay_s=2.0)}))
    began = time.perf_counter()
    response = invoke()
    assert time.perf_counter() - began < 1.5
    assert response["statusCode"] == 504 and body_of(response)["member"] == "sentiment"


def test_the_time_lambda_has_left_bounds_the_deadline(fake: SettableFake) -> None:
    # 1.5 s left, 1 s kept for the answer: the 3 s deadline becomes 0.5 s
    fake.set_behaviour(replying({"entities": Reply(delay_s=2.0)}))
    began = time.perf_counter()
    response = invoke(remaining_ms=1500)
    assert time.perf_counter() - began < 1.5
    assert response["statusCode"] == 504


def test_a_cold_start_shortens_the_deadline_to_answer_before_api_gateway_gives_up(
    fake: SettableFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN an integration timeout of 4 s, a request API Gateway received 1.5 s ago (the
    Init phase of a cold start), a client that takes 1 s to make, and a required member slower
    than the 3 s deadline; THEN the deadline counts from when the client exists and ends 1 s
    before API Gateway gives up: the handler answers 504 itself, in time, instead of API
    Gateway answering 504 while the function runs on."""
    integration_timeout_s, age_s, client_s = 4.0, 1.5, 1.0
    monkeypatch.setenv("INTEGRATION_TIMEOUT_SECONDS", f"{integration_timeout_s:g}")
    monkeypatch.setenv("MEMBER_TIMEOUT_SECONDS", "3")
    fake.set_behaviour(replying({"sentiment": Reply(delay_s=3.5)}))
    real_client_for = fan_out.client_for

    def slow_client_for(settings: fan_out.Settings) -> Any:
        time.sleep(client_s)
        return real_client_for(settings)

    monkeypatch.setattr(fan_out, "client_for", slow_client_for)
    stamped = event(requestContext={"requestId": REQUEST_ID, "requestTimeEpoch": 0})
    began = time.perf_counter()
    stamped["requestContext"]["requestTimeEpoch"] = int((time.time() - age_s) * 1000)
    response = invoke(stamped)
    elapsed = time.perf_counter() - began
    # answered 1 s (the margin for the answer) before the integration timeout, give or take
    assert elapsed < integration_timeout_s - age_s - 1.0 + 0.4, elapsed
    assert response["statusCode"] == 504
    waited = float(re.findall(r"within ([\d.]+) s", body_of(response)["message"])[0])
    assert waited == pytest.approx(integration_timeout_s - age_s - client_s - 1.0, abs=0.2)


def test_without_an_integration_timeout_or_a_stamp_the_deadline_is_the_configured_one() -> None:
    settings = fan_out.load_settings(
        {"FAN_OUT_MEMBERS": json.dumps(MEMBERS), "DEADLINE_SECONDS": "3"}
    )
    assert settings.integration_timeout_s is None
    stamped = event(requestContext={"requestTimeEpoch": 1_000})
    assert fan_out.request_deadline(settings, stamped, None, 100.0) == 3
    timed = fan_out.load_settings(
        {
            "FAN_OUT_MEMBERS": json.dumps(MEMBERS),
            "DEADLINE_SECONDS": "3",
            "INTEGRATION_TIMEOUT_SECONDS": "29",
        }
    )
    assert fan_out.request_deadline(timed, event(), None, 100.0) == 3  # no stamp
    # received at 80 s, API Gateway gives up at 109 s, 1 s kept for the answer
    late = event(requestContext={"requestTimeEpoch": 80_000})
    assert fan_out.request_deadline(timed, late, None, 106.5) == pytest.approx(1.5)
    assert fan_out.request_deadline(timed, late, 900.0, 106.5) == pytest.approx(0.01)


def test_the_client_is_made_when_lambda_loads_the_module(monkeypatch: pytest.MonkeyPatch) -> None:
    """Lambda imports the handler's module in the Init phase: the client is made there."""
    made: list[tuple[float, float, int]] = []

    def client(connect_timeout_s: float, read_timeout_s: float, pool_size: int) -> object:
        made.append((connect_timeout_s, read_timeout_s, pool_size))
        return object()

    monkeypatch.setattr(sagemaker_runtime, "client", client)
    importlib.reload(fan_out)
    try:
        assert made == [(1.0, 2.0, 10)]
    finally:
        monkeypatch.undo()
        importlib.reload(fan_out)


# --- headers, log line, configuration -------------------------------------------------------


def test_every_answer_carries_the_configured_headers(
    fake: SettableFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    cors = {"Access-Control-Allow-Origin": "https://app.example.com", "Vary": "Origin"}
    monkeypatch.setenv("RESPONSE_HEADERS", json.dumps(cors))
    ok = invoke()
    fake.set_behaviour(replying({"sentiment": Reply.error("ModelError")}))
    failed = invoke()
    too_large = invoke(event("x" * (MAX_PAYLOAD_BYTES + 1)))
    for response in (ok, failed, too_large):
        assert {k: response["headers"][k] for k in cors} == cors


def test_each_request_logs_its_members_and_embedded_metrics(
    fake: SettableFake, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.set_behaviour(replying({"topic": Reply.error("ThrottlingException")}))
    invoke()
    (record,) = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert specification_problems(record) == []
    (directive,) = record["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == contract.DEFAULT_METRIC_NAMESPACE
    assert directive["Dimensions"] == [["FunctionName"]]
    assert record["FunctionName"] == "stack-TicketFanOut-abc"
    assert (record["FailedRequests"], record["PartialAnswers"]) == (0, 1)
    assert record["requestId"] == REQUEST_ID and record["status"] == 200
    topic = record["members"][2]
    assert (topic["member"], topic["endpoint"], topic["outcome"]) == (
        "topic",
        "topic-ep",
        "throttled",
    )


def test_a_failed_request_counts_as_failed(
    fake: SettableFake, capsys: pytest.CaptureFixture[str]
) -> None:
    fake.set_behaviour(replying({"sentiment": Reply.error("ModelNotReadyException")}))
    invoke()
    record = json.loads(capsys.readouterr().out)
    assert (record["FailedRequests"], record["PartialAnswers"], record["level"]) == (1, 0, "ERROR")


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("FAN_OUT_MEMBERS", "[]", "FAN_OUT_MEMBERS must be a JSON list of 2 to 10"),
        ("FAN_OUT_MEMBERS", "not json", "FAN_OUT_MEMBERS must be a JSON list"),
        (
            "FAN_OUT_MEMBERS",
            json.dumps([MEMBERS[0], MEMBERS[0]]),
            "with distinct names",
        ),
        ("DEADLINE_SECONDS", "0", "DEADLINE_SECONDS must be a number from 0.01 to 60, got '0'"),
        ("MEMBER_TIMEOUT_SECONDS", "soon", "MEMBER_TIMEOUT_SECONDS must be a number"),
        ("RESPONSE_HEADERS", "[1]", "RESPONSE_HEADERS must be a JSON object of strings"),
        ("METRIC_NAMESPACE", "AWS/Lambda", "METRIC_NAMESPACE must be a custom namespace"),
    ],
)
def test_fails_when_the_configuration_is_invalid(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(fan_out.ConfigurationError, match=re.escape(message)):
        invoke()
