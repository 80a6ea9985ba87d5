"""One request to several SageMaker endpoints at once, one answer (the fan-out function).

API Gateway invokes it through a Lambda proxy integration. It sends the request body, as it
came (JSON, text or binary), with the client's ``Content-Type``, ``Accept`` and
``X-Amzn-SageMaker-Custom-Attributes``, to every member endpoint in parallel, and answers with
one JSON document:

- ``200``: every required member answered (and at least one member did).
  ``{"requestId", "partial", "latencyMs", "members": {<name>: <entry>}}``; an entry is
  ``{"status": "ok", "latencyMs", "contentType", "answer" | "text" | "base64"}`` (the answer
  parsed when the member answered JSON, else its text, else its bytes in base64) or, for an
  optional member that failed, ``{"status": "error", "latencyMs", "statusCode", "error"}``
  (``retryAfterSeconds`` too when waiting helps), and ``partial`` is true.
- otherwise the status the API gives that failure on the member's own route
  (:mod:`..error_answers`: throttled 429 and not ready 503 with ``Retry-After``, model error
  424, timeout 504...), with the API's error body ``{"message", "type", "requestId"}`` plus
  ``member`` (whose failure it is) and ``members`` (every entry, without the answers). A
  failure is never a 200.

Nothing is retried (a retry is a second, billed invocation): the SDK makes one attempt per
member. A member gets ``MEMBER_TIMEOUT_SECONDS`` to answer and the request as a whole
``DEADLINE_SECONDS`` (less when the function has less time left). Each request prints one
JSON log line with every member's outcome and latency, and embedded metrics
``FailedRequests`` and ``PartialAnswers`` (dimension ``FunctionName``). A bad configuration
fails with an error naming the environment variable (:mod:`.contract` names them).
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Final

from serverless_inference_runtime import emf, sagemaker_runtime
from serverless_inference_runtime.env_settings import read_float, read_namespace
from serverless_inference_runtime.error_answers import (
    ERROR_TYPE_HEADER,
    FORWARDED_REQUEST_HEADERS,
    MODEL_ERROR,
    MODEL_TIMEOUT,
    PAYLOAD_TOO_LARGE,
    ErrorKind,
)
from serverless_inference_runtime.fan_out import contract
from serverless_inference_runtime.limits import (
    INVOCATION_TIMEOUT_SECONDS,
    LAMBDA_SYNC_PAYLOAD_BYTES,
    MAX_PAYLOAD_BYTES,
)
from serverless_inference_runtime.sagemaker_runtime import (
    TIMEOUT,
    Answer,
    Failure,
    timeout_message,
)

RESPONSE_TOO_LARGE: Final = ErrorKind(
    "ResponseTooLarge",
    502,
    "The members' answers together are larger than the 6 MB a Lambda function may return. "
    "Send a smaller request, or call the models' own routes.",
)
DEADLINE: Final = "Deadline"
"""The error name of a member still running when the request's deadline passed."""
_LAMBDA_SAFETY_SECONDS: Final = 1.0
_MIN_SECONDS: Final = 0.01
_MAX_SECONDS: Final = 900
"""The longest a Lambda function runs, and so the longest integration timeout that matters."""
_MESSAGE_LIMIT: Final = 300
_JSON_TYPE: Final = re.compile(r"^application/([\w.+-]+\+)?json\s*(;|$)", re.IGNORECASE)
_TEXT_TYPE: Final = re.compile(
    r"^(text/[\w.+-]+|application/([\w.+-]+\+)?(xml|csv|x-ndjson|jsonlines))\s*(;|$)", re.IGNORECASE
)


class ConfigurationError(ValueError):
    """The function's environment variables are missing or invalid."""


@dataclass(frozen=True)
class Member:
    """One endpoint of the fan-out."""

    name: str
    endpoint_name: str
    required: bool


@dataclass(frozen=True)
class Settings:
    """What the function does, read from the environment."""

    members: tuple[Member, ...]
    member_timeout_s: float
    deadline_s: float
    connect_timeout_s: float
    integration_timeout_s: float | None
    response_headers: dict[str, str]
    metric_namespace: str
    function_name: str


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Read the settings; raise one ``ConfigurationError`` naming every bad variable."""
    problems: list[str] = []
    members = _read_members(environ.get(contract.ENV_MEMBERS, ""), problems)
    member_timeout, deadline, connect_timeout = (
        read_float(environ, name, default, _MIN_SECONDS, INVOCATION_TIMEOUT_SECONDS, problems)
        for name, default in (
            (contract.ENV_MEMBER_TIMEOUT, contract.DEFAULT_DEADLINE_SECONDS),
            (contract.ENV_DEADLINE, contract.DEFAULT_DEADLINE_SECONDS),
            (contract.ENV_CONNECT_TIMEOUT, contract.DEFAULT_CONNECT_TIMEOUT_SECONDS),
        )
    )
    integration_timeout = (
        read_float(
            environ, contract.ENV_INTEGRATION_TIMEOUT, 0, _MIN_SECONDS, _MAX_SECONDS, problems
        )
        if contract.ENV_INTEGRATION_TIMEOUT in environ
        else None
    )
    headers = _read_headers(environ.get(contract.ENV_RESPONSE_HEADERS, "{}"), problems)
    namespace = read_namespace(
        environ, contract.ENV_METRIC_NAMESPACE, contract.DEFAULT_METRIC_NAMESPACE, problems
    )
    if problems:
        raise ConfigurationError("Invalid fan-out configuration: " + "; ".join(problems))
    return Settings(
        members=members,
        member_timeout_s=member_timeout,
        deadline_s=deadline,
        connect_timeout_s=connect_timeout,
        integration_timeout_s=integration_timeout,
        response_headers=headers,
        metric_namespace=namespace,
        function_name=environ.get(contract.ENV_FUNCTION_NAME, "fan-out"),
    )


def _read_members(raw: str, problems: list[str]) -> tuple[Member, ...]:
    allowed = (
        f"{contract.ENV_MEMBERS} must be a JSON list of 2 to {contract.MAX_MEMBERS} "
        '{"name", "endpoint", "required"} objects with distinct names'
    )
    try:
        items = json.loads(raw)
        members = tuple(
            Member(str(item["name"]), str(item["endpoint"]), item["required"] is True)
            for item in items
        )
    except (ValueError, TypeError, KeyError):
        problems.append(f"{allowed}, got {raw!r}")
        return ()
    names = [member.name for member in members]
    if not 2 <= len(members) <= contract.MAX_MEMBERS or len(set(names)) != len(names):
        problems.append(f"{allowed}, got {raw!r}")
    return members


def _read_headers(raw: str, problems: list[str]) -> dict[str, str]:
    try:
        headers = json.loads(raw)
    except ValueError:
        headers = None
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        problems.append(
            f"{contract.ENV_RESPONSE_HEADERS} must be a JSON object of strings, got {raw!r}"
        )
        return {}
    return headers


@dataclass(frozen=True)
class Request:
    """The client's request, as the members get it."""

    body: bytes
    content_type: str | None
    accept: str | None
    custom_attributes: str | None
    request_id: str


def read_request(event: Mapping[str, Any]) -> Request:
    """The body (decoded from base64 when API Gateway encoded it), the forwarded headers and
    API Gateway's request id (the ``requestId`` of the API's other answers)."""
    raw = str(event.get("body") or "")
    body = base64.b64decode(raw) if event.get("isBase64Encoded") else raw.encode("utf-8")
    headers = {str(k).lower(): str(v) for k, v in (event.get("headers") or {}).items()}
    content_type, accept, custom_attributes = (
        headers.get(name.lower()) for name in FORWARDED_REQUEST_HEADERS
    )
    context = event.get("requestContext") or {}
    return Request(
        body=body,
        content_type=content_type,
        accept=accept,
        custom_attributes=custom_attributes,
        request_id=str(context.get("requestId") or ""),
    )


@dataclass(frozen=True)
class Result:
    """What one member did."""

    member: Member
    latency_ms: float
    answer: Answer | None = None
    failure: Failure | None = None


def client_for(settings: Settings) -> Any:
    """The process's SageMaker Runtime client for ``settings``: one attempt, a read timeout of
    the member timeout, a connection per member."""
    return sagemaker_runtime.client(
        settings.connect_timeout_s, settings.member_timeout_s, max(10, len(settings.members))
    )


def _call(client: Any, member: Member, request: Request, read_timeout_s: float) -> Result:
    began = time.perf_counter()
    try:
        answer = sagemaker_runtime.invoke(
            client,
            endpoint_name=member.endpoint_name,
            body=request.body,
            content_type=request.content_type,
            accept=request.accept,
            custom_attributes=request.custom_attributes,
        )
    except Exception as error:  # every failure becomes the member's answer, never raised
        latency = (time.perf_counter() - began) * 1000
        return Result(member, latency, failure=sagemaker_runtime.failure(error, read_timeout_s))
    return Result(member, (time.perf_counter() - began) * 1000, answer=answer)


def call_members(
    client: Any, settings: Settings, request: Request, deadline_s: float
) -> list[Result]:
    """Every member's result, in member order: all invoked at once, each waited for until
    ``deadline_s`` seconds have passed (a member still running then is a timeout)."""
    began = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=len(settings.members), thread_name_prefix="member")
    try:
        futures = [
            pool.submit(_call, client, member, request, settings.member_timeout_s)
            for member in settings.members
        ]
        wait(futures, timeout=deadline_s)
        elapsed = (time.perf_counter() - began) * 1000
        late = Failure(TIMEOUT, DEADLINE, MODEL_TIMEOUT, timeout_message(round(deadline_s, 2)))
        return [
            future.result() if future.done() else Result(member, elapsed, failure=late)
            for member, future in zip(settings.members, futures, strict=True)
        ]
    finally:
        # A member still running finishes (or times out) on its own; nothing waits for it.
        pool.shutdown(wait=False, cancel_futures=True)


def answer_entry(answer: Answer) -> dict[str, Any]:
    """A member's answer: parsed JSON, else text, else base64, with its content type."""
    entry: dict[str, Any] = {"contentType": answer.content_type}
    content_type = answer.content_type or ""
    if _JSON_TYPE.match(content_type):
        try:
            entry["answer"] = json.loads(answer.body)
            return entry
        except ValueError:
            pass
    if _TEXT_TYPE.match(content_type) or _JSON_TYPE.match(content_type):
        try:
            entry["text"] = answer.body.decode("utf-8")
            return entry
        except UnicodeDecodeError:
            pass
    entry["base64"] = base64.b64encode(answer.body).decode("ascii")
    return entry


def error_entry(failure: Failure, request_id: str) -> dict[str, Any]:
    """A member's failure in the API's error shape, with the status its route would give."""
    extra = {"modelStatusCode": failure.model_status_code} if failure.kind is MODEL_ERROR else {}
    entry: dict[str, Any] = {
        "statusCode": failure.kind.status,
        "error": failure.kind.answer(failure.message, request_id, **extra),
    }
    if failure.kind.retry_after_seconds is not None:
        entry["retryAfterSeconds"] = failure.kind.retry_after_seconds
    return entry


def _entry(result: Result, request_id: str, *, with_answer: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "status": "ok" if result.failure is None else "error",
        "latencyMs": round(result.latency_ms, 1),
    }
    if result.failure is not None:
        entry.update(error_entry(result.failure, request_id))
    elif with_answer and result.answer is not None:
        entry.update(answer_entry(result.answer))
    return entry


def deciding_failure(results: Sequence[Result]) -> tuple[Result, int | None] | None:
    """The failure that fails the request, and its ``Retry-After``; ``None`` when the request
    succeeds (every required member and at least one member answered).

    Of the failed required members (of every member when none answered), the first whose
    failure waiting cannot fix (no ``Retry-After``), in member order; when waiting may fix
    every one, the first, with the longest ``Retry-After`` among them.
    """
    failed = [r for r in results if r.failure is not None]
    answered = len(failed) < len(results)
    deciding = [r for r in failed if r.member.required] if answered else failed
    if not deciding:
        return None
    for result in deciding:
        assert result.failure is not None
        if result.failure.kind.retry_after_seconds is None:
            return result, None
    waits = [r.failure.kind.retry_after_seconds for r in deciding if r.failure is not None]
    return deciding[0], max(w for w in waits if w is not None)


def _proxy_response(
    settings: Settings, status: int, body: Mapping[str, Any], headers: Mapping[str, str]
) -> dict[str, Any]:
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json", **settings.response_headers, **headers},
        "body": json.dumps(body, separators=(",", ":")),
        "isBase64Encoded": False,
    }


def _error_response(
    settings: Settings, kind: ErrorKind, body: Mapping[str, Any], retry_after: int | None
) -> dict[str, Any]:
    headers = {ERROR_TYPE_HEADER: kind.type}
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return _proxy_response(settings, kind.status, body, headers)


def respond(
    settings: Settings, request: Request, results: Sequence[Result], latency_ms: float
) -> dict[str, Any]:
    """The Lambda proxy response for ``results``: the combined answer, or the failure."""
    rid = request.request_id
    decision = deciding_failure(results)
    if decision is not None:
        result, retry_after = decision
        assert result.failure is not None
        body = {
            **error_entry(result.failure, rid)["error"],
            "member": result.member.name,
            "members": {r.member.name: _entry(r, rid, with_answer=False) for r in results},
        }
        return _error_response(settings, result.failure.kind, body, retry_after)
    answer = {
        "requestId": rid,
        "partial": any(r.failure is not None for r in results),
        "latencyMs": round(latency_ms, 1),
        "members": {r.member.name: _entry(r, rid, with_answer=True) for r in results},
    }
    response = _proxy_response(settings, 200, answer, {})
    if len(json.dumps(response).encode("utf-8")) > LAMBDA_SYNC_PAYLOAD_BYTES:
        return _error_response(
            settings, RESPONSE_TOO_LARGE, RESPONSE_TOO_LARGE.answer("", rid), None
        )
    return response


def log_documents(
    settings: Settings, request: Request, results: Sequence[Result], response: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The request's log line: each member's outcome and latency, and the embedded metrics."""
    status = int(response["statusCode"])
    partial = status == 200 and any(r.failure is not None for r in results)
    members = []
    for result in results:
        entry: dict[str, Any] = {
            "member": result.member.name,
            "endpoint": result.member.endpoint_name,
            "outcome": sagemaker_runtime.OK if result.failure is None else result.failure.outcome,
            "latency_ms": round(result.latency_ms, 1),
        }
        if result.failure is not None:
            entry["error"] = result.failure.error
            entry["message"] = result.failure.message[:_MESSAGE_LIMIT]
        members.append(entry)
    return emf.documents(
        namespace=settings.metric_namespace,
        dimensions={contract.DIMENSION_FUNCTION_NAME: settings.function_name},
        metrics=[
            emf.Metric(contract.METRIC_FAILED_REQUESTS, "Count", int(status != 200)),
            emf.Metric(contract.METRIC_PARTIAL_ANSWERS, "Count", int(partial)),
        ],
        timestamp_ms=int(time.time() * 1000),
        fields={
            "level": "ERROR" if status >= 500 else "WARN" if status != 200 else "INFO",
            "message": "fan-out request",
            "requestId": request.request_id,
            "status": status,
            "members": members,
        },
    )


def fan_out(settings: Settings, client: Any, request: Request, deadline_s: float) -> dict[str, Any]:
    """Answer ``request``: call every member, print the log line, return the proxy response."""
    began = time.perf_counter()
    if len(request.body) > MAX_PAYLOAD_BYTES:
        response = _error_response(
            settings, PAYLOAD_TOO_LARGE, PAYLOAD_TOO_LARGE.answer("", request.request_id), None
        )
        results: list[Result] = []
    else:
        results = call_members(client, settings, request, deadline_s)
        response = respond(settings, request, results, (time.perf_counter() - began) * 1000)
    for document in log_documents(settings, request, results, response):
        print(json.dumps(document, separators=(",", ":")), flush=True)
    return response


def request_deadline(
    settings: Settings, event: Mapping[str, Any], remaining_ms: float | None, now_s: float
) -> float:
    """Seconds from ``now_s`` (epoch seconds) the request may wait for its members: the
    configured deadline, less when the function has less time left (``remaining_ms``) or when
    API Gateway's integration timeout, counted from when it received the request
    (``requestContext.requestTimeEpoch``, epoch milliseconds), would pass first; each keeps
    :data:`_LAMBDA_SAFETY_SECONDS` for the answer. A cold start's Init phase and a slow first
    client thus shorten the wait instead of making API Gateway answer 504 while the function
    runs on."""
    limits = [settings.deadline_s]
    if remaining_ms is not None:
        limits.append(remaining_ms / 1000 - _LAMBDA_SAFETY_SECONDS)
    received_ms = (event.get("requestContext") or {}).get("requestTimeEpoch")
    if settings.integration_timeout_s is not None and isinstance(received_ms, int | float):
        gateway_gives_up_s = received_ms / 1000 + settings.integration_timeout_s
        limits.append(gateway_gives_up_s - now_s - _LAMBDA_SAFETY_SECONDS)
    return max(_MIN_SECONDS, min(limits))


def _prepare(environ: Mapping[str, str]) -> tuple[Settings, Any]:
    """The settings and the SageMaker Runtime client (one per process and settings)."""
    settings = load_settings(environ)
    return settings, client_for(settings)


# Lambda runs this in the execution environment's Init phase, with the function's full CPU
# and before any request's clock starts: the client is ready for the first request. A bad
# configuration is raised by every invocation instead, naming the variable (handler).
with contextlib.suppress(ConfigurationError):
    _prepare(os.environ)


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (API Gateway's Lambda proxy integration)."""
    settings, client = _prepare(os.environ)
    # The deadline counts from now, once the client exists.
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    deadline_s = request_deadline(
        settings, event, remaining() if callable(remaining) else None, time.time()
    )
    return fan_out(settings, client, read_request(event), deadline_s)
