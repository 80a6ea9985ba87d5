"""Keep-warm pings of a SageMaker serverless endpoint.

Each run sends ``PING_CONCURRENCY`` InvokeEndpoint calls at the same moment, so that
many execution environments are busy at once and stay warm. It then prints ONE JSON
line: the per-ping outcomes and latencies, plus CloudWatch embedded metrics (EMF) that
CloudWatch Logs turns into the custom metrics ``PingsSent``, ``FailedPings``,
``PingLatency`` and ``SuspectedColdStarts`` (dimension ``EndpointName``).

The run fails (so the function's ``Errors`` metric shows it) only when every ping
failed. A bad configuration fails with an error naming the environment variable.
Settings (environment variables):

- ``ENDPOINT_NAME`` (required): the endpoint to ping.
- ``PING_CONCURRENCY``: pings sent in parallel, 1..200. Default: 1.
- ``PING_PAYLOAD``: request body. Default: ``{"inputs": "keep warm"}``.
- ``PING_CONTENT_TYPE``: its ``Content-Type``. Default: ``application/json``.
- ``PING_TIMEOUT_SECONDS``: socket read timeout of a ping (covers a cold start). Default: 90.
- ``CONNECT_TIMEOUT_SECONDS``: connect timeout of a ping. Default: 3.
- ``COLD_START_THRESHOLD_MS``: a successful ping at least this slow counts as a
  suspected cold start (SageMaker has no cold-start signal in its reply). Default: 1000.
- ``METRIC_NAMESPACE``: namespace of the embedded metrics.
  Default: ``ServerlessInference/KeepWarm``.

Pings are never retried (a retry is a duplicate ping): the SDK makes one attempt.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from functools import cache
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError

ENV_ENDPOINT_NAME = "ENDPOINT_NAME"
ENV_CONCURRENCY = "PING_CONCURRENCY"
ENV_PAYLOAD = "PING_PAYLOAD"
ENV_CONTENT_TYPE = "PING_CONTENT_TYPE"
ENV_PING_TIMEOUT = "PING_TIMEOUT_SECONDS"
ENV_CONNECT_TIMEOUT = "CONNECT_TIMEOUT_SECONDS"
ENV_COLD_START_THRESHOLD = "COLD_START_THRESHOLD_MS"
ENV_METRIC_NAMESPACE = "METRIC_NAMESPACE"

DEFAULT_PAYLOAD = '{"inputs": "keep warm"}'
DEFAULT_CONTENT_TYPE = "application/json"
DEFAULT_PING_TIMEOUT_SECONDS = 90.0
DEFAULT_CONNECT_TIMEOUT_SECONDS = 3.0
DEFAULT_COLD_START_THRESHOLD_MS = 1000.0
DEFAULT_METRIC_NAMESPACE = "ServerlessInference/KeepWarm"
MAX_CONCURRENCY = 200

DIMENSION_ENDPOINT_NAME = "EndpointName"
METRIC_PINGS_SENT = "PingsSent"
METRIC_FAILED_PINGS = "FailedPings"
METRIC_PING_LATENCY = "PingLatency"
METRIC_SUSPECTED_COLD_STARTS = "SuspectedColdStarts"

OK = "ok"
THROTTLED = "throttled"
MODEL_ERROR = "model_error"
NOT_READY = "not_ready"
TIMEOUT = "timeout"
OTHER = "other"
OUTCOMES = (OK, THROTTLED, MODEL_ERROR, NOT_READY, TIMEOUT, OTHER)

_ERROR_OUTCOMES = {
    "ThrottlingException": THROTTLED,
    "ModelError": MODEL_ERROR,
    "ModelNotReadyException": NOT_READY,
}
_MESSAGE_LIMIT = 300
_START_BARRIER_TIMEOUT_SECONDS = 5.0
_DEADLINE_MARGIN_SECONDS = 1.0
_LAMBDA_SAFETY_SECONDS = 2.0


class ConfigurationError(ValueError):
    """The function's environment variables are missing or invalid."""


class AllPingsFailedError(RuntimeError):
    """No ping of the run succeeded."""


@dataclass(frozen=True)
class Settings:
    """What one run does, read from the environment."""

    endpoint_name: str
    concurrency: int
    payload: bytes
    content_type: str
    ping_timeout_s: float
    connect_timeout_s: float
    cold_start_threshold_ms: float
    metric_namespace: str


@dataclass(frozen=True)
class Ping:
    """The outcome of one InvokeEndpoint call."""

    index: int
    outcome: str
    latency_ms: float
    error: str | None = None
    message: str | None = None

    def as_log(self) -> dict[str, Any]:
        entry: dict[str, Any] = {
            "ping": self.index,
            "outcome": self.outcome,
            "latency_ms": round(self.latency_ms, 1),
        }
        if self.error is not None:
            entry["error"] = self.error
        if self.message is not None:
            entry["message"] = self.message
        return entry


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Read the settings; raise one ``ConfigurationError`` naming every bad variable."""
    problems: list[str] = []
    endpoint_name = environ.get(ENV_ENDPOINT_NAME, "").strip()
    if not endpoint_name:
        problems.append(
            f"{ENV_ENDPOINT_NAME} must be the name of the endpoint to ping, got {endpoint_name!r}"
        )
    concurrency = _read_int(environ, ENV_CONCURRENCY, 1, 1, MAX_CONCURRENCY, problems)
    payload = environ.get(ENV_PAYLOAD, DEFAULT_PAYLOAD)
    content_type = environ.get(ENV_CONTENT_TYPE, DEFAULT_CONTENT_TYPE).strip()
    if not content_type:
        problems.append(f"{ENV_CONTENT_TYPE} must be a media type, got {content_type!r}")
    ping_timeout = _read_float(
        environ, ENV_PING_TIMEOUT, DEFAULT_PING_TIMEOUT_SECONDS, 0.01, 900.0, problems
    )
    connect_timeout = _read_float(
        environ, ENV_CONNECT_TIMEOUT, DEFAULT_CONNECT_TIMEOUT_SECONDS, 0.01, 60.0, problems
    )
    threshold = _read_float(
        environ, ENV_COLD_START_THRESHOLD, DEFAULT_COLD_START_THRESHOLD_MS, 1.0, 900_000.0, problems
    )
    namespace = environ.get(ENV_METRIC_NAMESPACE, DEFAULT_METRIC_NAMESPACE).strip()
    if not namespace or namespace.startswith("AWS/"):
        problems.append(
            f"{ENV_METRIC_NAMESPACE} must be a custom namespace (not AWS/...), got {namespace!r}"
        )
    if problems:
        raise ConfigurationError("Invalid keep-warm configuration: " + "; ".join(problems))
    return Settings(
        endpoint_name=endpoint_name,
        concurrency=concurrency,
        payload=payload.encode("utf-8"),
        content_type=content_type,
        ping_timeout_s=ping_timeout,
        connect_timeout_s=connect_timeout,
        cold_start_threshold_ms=threshold,
        metric_namespace=namespace,
    )


def _read_int(
    environ: Mapping[str, str], name: str, default: int, low: int, high: int, problems: list[str]
) -> int:
    raw = environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        problems.append(f"{name} must be a whole number from {low} to {high}, got {raw!r}")
        return default
    return value


def _read_float(
    environ: Mapping[str, str],
    name: str,
    default: float,
    low: float,
    high: float,
    problems: list[str],
) -> float:
    raw = environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # also refuses NaN
        problems.append(f"{name} must be a number from {low:g} to {high:g}, got {raw!r}")
        return default
    return value


@cache
def _client(connect_timeout_s: float, read_timeout_s: float, pool_size: int) -> Any:
    """One SageMaker Runtime client per process: short timeouts, exactly one attempt."""
    return boto3.client(
        "sagemaker-runtime",
        config=Config(
            connect_timeout=connect_timeout_s,
            read_timeout=read_timeout_s,
            retries={"total_max_attempts": 1, "mode": "standard"},
            max_pool_connections=pool_size,
        ),
    )


def client_for(settings: Settings) -> Any:
    """The cached client matching ``settings``."""
    return _client(
        settings.connect_timeout_s, settings.ping_timeout_s, max(10, settings.concurrency)
    )


def classify(error: BaseException) -> tuple[str, str]:
    """The outcome of a failed ping and the error's name."""
    if isinstance(error, ClientError):
        code = str(error.response.get("Error", {}).get("Code", "Unknown"))
        return _ERROR_OUTCOMES.get(code, OTHER), code
    if isinstance(error, (ReadTimeoutError, ConnectTimeoutError)):
        return TIMEOUT, type(error).__name__
    return OTHER, type(error).__name__


def _ping(client: Any, settings: Settings, index: int, start: threading.Barrier) -> Ping:
    with contextlib.suppress(threading.BrokenBarrierError):  # a late thread pings anyway
        start.wait()
    began = time.perf_counter()
    try:
        response = client.invoke_endpoint(
            EndpointName=settings.endpoint_name,
            Body=settings.payload,
            ContentType=settings.content_type,
        )
        response["Body"].read()
    except Exception as error:  # every failure is classified and logged, never raised
        outcome, name = classify(error)
        return Ping(
            index=index,
            outcome=outcome,
            latency_ms=(time.perf_counter() - began) * 1000,
            error=name,
            message=str(error)[:_MESSAGE_LIMIT],
        )
    return Ping(index=index, outcome=OK, latency_ms=(time.perf_counter() - began) * 1000)


def send_pings(client: Any, settings: Settings, deadline_s: float | None = None) -> list[Ping]:
    """Send ``settings.concurrency`` pings at once; each outcome, in ping order.

    A ping still running after ``deadline_s`` seconds counts as a timeout. Default deadline:
    the connect plus read timeouts and a one-second margin.
    """
    if deadline_s is None:
        deadline_s = settings.connect_timeout_s + settings.ping_timeout_s + _DEADLINE_MARGIN_SECONDS
    count = settings.concurrency
    start = threading.Barrier(count, timeout=_START_BARRIER_TIMEOUT_SECONDS)
    began = time.perf_counter()
    pool = ThreadPoolExecutor(max_workers=count, thread_name_prefix="ping")
    try:
        futures = [pool.submit(_ping, client, settings, index, start) for index in range(count)]
        wait(futures, timeout=deadline_s)
        pings: list[Ping] = []
        for index, future in enumerate(futures):
            if future.done() and future.exception() is None:
                pings.append(future.result())
            elif future.done():
                outcome, name = classify(future.exception() or RuntimeError("unknown"))
                pings.append(Ping(index, outcome, (time.perf_counter() - began) * 1000, name))
            else:
                pings.append(
                    Ping(
                        index,
                        TIMEOUT,
                        (time.perf_counter() - began) * 1000,
                        "Deadline",
                        f"no answer within {deadline_s:g} s",
                    )
                )
        return pings
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def run_record(settings: Settings, pings: list[Ping], duration_ms: float) -> dict[str, Any]:
    """The run's log line: per-ping outcomes and the embedded metrics (EMF)."""
    failed = [ping for ping in pings if ping.outcome != OK]
    latencies = [round(ping.latency_ms, 1) for ping in pings if ping.outcome == OK]
    cold = [
        ping
        for ping in pings
        if ping.outcome == OK and ping.latency_ms >= settings.cold_start_threshold_ms
    ]
    metrics = [
        {"Name": METRIC_PINGS_SENT, "Unit": "Count"},
        {"Name": METRIC_FAILED_PINGS, "Unit": "Count"},
        {"Name": METRIC_SUSPECTED_COLD_STARTS, "Unit": "Count"},
    ]
    values: dict[str, Any] = {
        METRIC_PINGS_SENT: len(pings),
        METRIC_FAILED_PINGS: len(failed),
        METRIC_SUSPECTED_COLD_STARTS: len(cold),
    }
    if latencies:  # EMF requires a value for each declared metric
        metrics.append({"Name": METRIC_PING_LATENCY, "Unit": "Milliseconds"})
        values[METRIC_PING_LATENCY] = latencies
    return {
        "_aws": {
            "Timestamp": int(time.time() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": settings.metric_namespace,
                    "Dimensions": [[DIMENSION_ENDPOINT_NAME]],
                    "Metrics": metrics,
                }
            ],
        },
        DIMENSION_ENDPOINT_NAME: settings.endpoint_name,
        **values,
        "level": "ERROR" if pings and len(failed) == len(pings) else "INFO",
        "message": "keep-warm run",
        "outcomes": {outcome: sum(p.outcome == outcome for p in pings) for outcome in OUTCOMES},
        "cold_start_threshold_ms": settings.cold_start_threshold_ms,
        "duration_ms": round(duration_ms, 1),
        "pings": [ping.as_log() for ping in pings],
    }


def run(settings: Settings, client: Any, deadline_s: float | None = None) -> dict[str, Any]:
    """Ping, print the run's log line, and fail when every ping failed; the run's summary."""
    began = time.perf_counter()
    pings = send_pings(client, settings, deadline_s)
    record = run_record(settings, pings, (time.perf_counter() - began) * 1000)
    print(json.dumps(record, separators=(",", ":")), flush=True)
    summary = {
        "endpoint_name": settings.endpoint_name,
        "pings_sent": record[METRIC_PINGS_SENT],
        "failed_pings": record[METRIC_FAILED_PINGS],
        "suspected_cold_starts": record[METRIC_SUSPECTED_COLD_STARTS],
        "outcomes": record["outcomes"],
    }
    if record[METRIC_FAILED_PINGS] == len(pings):
        raise AllPingsFailedError(
            f"all {len(pings)} keep-warm pings of {settings.endpoint_name} failed: "
            + ", ".join(f"{k}={v}" for k, v in record["outcomes"].items() if v)
        )
    return summary


def handler(event: Mapping[str, Any], context: Any) -> dict[str, Any]:
    """Lambda entry point (scheduled or triggered after a deploy; the event is ignored)."""
    settings = load_settings(os.environ)
    deadline_s = None
    remaining_ms = getattr(context, "get_remaining_time_in_millis", None)
    if callable(remaining_ms):
        budget = remaining_ms() / 1000 - _LAMBDA_SAFETY_SECONDS
        natural = settings.connect_timeout_s + settings.ping_timeout_s + _DEADLINE_MARGIN_SECONDS
        deadline_s = max(0.1, min(budget, natural))
    return run(settings, client_for(settings), deadline_s)
