"""Keep-warm pings of a SageMaker serverless endpoint (the function's handler).

Each run sends ``PING_CONCURRENCY`` InvokeEndpoint calls at the same moment, so that
many execution environments are busy at once and stay warm. It then prints one JSON
line: the per-ping outcomes and latencies, plus CloudWatch embedded metrics (EMF) that
CloudWatch Logs turns into the custom metrics ``PingsSent``, ``FailedPings``,
``PingLatency`` and ``SuspectedColdStarts`` (dimension ``EndpointName``). EMF allows 100
values in one metric's array: each further 100 successful pings add one line that carries
only their ``PingLatency`` values.

The run fails (so the function's ``Errors`` metric shows it) only when every ping
failed. A bad configuration fails with an error naming the environment variable.
Settings (environment variables, named in :mod:`.contract`):

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
import os
import threading
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any

from serverless_inference_runtime import emf, sagemaker_runtime
from serverless_inference_runtime.env_settings import read_float, read_int, read_namespace
from serverless_inference_runtime.keep_warm import contract
from serverless_inference_runtime.limits import MAX_CONCURRENCY_LIMIT
from serverless_inference_runtime.sagemaker_runtime import OK, OUTCOMES, TIMEOUT

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
        """The ping as an entry of the run's JSON log line (``error``, ``message`` if any)."""
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
    endpoint_name = environ.get(contract.ENV_ENDPOINT_NAME, "").strip()
    if not endpoint_name:
        problems.append(
            f"{contract.ENV_ENDPOINT_NAME} must be the name of the endpoint to ping, "
            f"got {endpoint_name!r}"
        )
    concurrency = read_int(
        environ,
        contract.ENV_CONCURRENCY,
        contract.DEFAULT_CONCURRENCY,
        1,
        MAX_CONCURRENCY_LIMIT,
        problems,
    )
    payload = environ.get(contract.ENV_PAYLOAD, contract.DEFAULT_PAYLOAD)
    content_type = environ.get(contract.ENV_CONTENT_TYPE, contract.DEFAULT_CONTENT_TYPE).strip()
    if not content_type:
        problems.append(f"{contract.ENV_CONTENT_TYPE} must be a media type, got {content_type!r}")
    ping_timeout = read_float(
        environ,
        contract.ENV_PING_TIMEOUT,
        contract.DEFAULT_PING_TIMEOUT_SECONDS,
        0.01,
        900.0,
        problems,
    )
    connect_timeout = read_float(
        environ,
        contract.ENV_CONNECT_TIMEOUT,
        contract.DEFAULT_CONNECT_TIMEOUT_SECONDS,
        0.01,
        60.0,
        problems,
    )
    threshold = read_float(
        environ,
        contract.ENV_COLD_START_THRESHOLD,
        contract.DEFAULT_COLD_START_THRESHOLD_MS,
        1.0,
        900_000.0,
        problems,
    )
    namespace = read_namespace(
        environ, contract.ENV_METRIC_NAMESPACE, contract.DEFAULT_METRIC_NAMESPACE, problems
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


def client_for(settings: Settings) -> Any:
    """The process's SageMaker Runtime client for ``settings``."""
    return sagemaker_runtime.client(
        settings.connect_timeout_s, settings.ping_timeout_s, max(10, settings.concurrency)
    )


def _ping(client: Any, settings: Settings, index: int, start: threading.Barrier) -> Ping:
    with contextlib.suppress(threading.BrokenBarrierError):  # a late thread pings anyway
        start.wait()
    began = time.perf_counter()
    try:
        sagemaker_runtime.invoke(
            client,
            endpoint_name=settings.endpoint_name,
            body=settings.payload,
            content_type=settings.content_type,
        )
    except Exception as error:  # every failure is classified and logged, never raised
        outcome, name = sagemaker_runtime.classify(error)
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
                outcome, name = sagemaker_runtime.classify(
                    future.exception() or RuntimeError("unknown")
                )
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


@dataclass(frozen=True)
class Tally:
    """What a run's pings add up to."""

    sent: int
    failed: int
    suspected_cold_starts: int
    latencies_ms: list[float]
    """Latency of each successful ping, rounded to 0.1 ms."""
    outcomes: dict[str, int]
    """Pings per outcome, every outcome listed."""


def tally(settings: Settings, pings: list[Ping]) -> Tally:
    """Count ``pings``: a successful ping at least the threshold slow is a suspected cold start."""
    succeeded = [ping for ping in pings if ping.outcome == OK]
    return Tally(
        sent=len(pings),
        failed=len(pings) - len(succeeded),
        suspected_cold_starts=sum(
            ping.latency_ms >= settings.cold_start_threshold_ms for ping in succeeded
        ),
        latencies_ms=[round(ping.latency_ms, 1) for ping in succeeded],
        outcomes={outcome: sum(p.outcome == outcome for p in pings) for outcome in OUTCOMES},
    )


def run_documents(
    settings: Settings, pings: list[Ping], duration_ms: float
) -> list[dict[str, Any]]:
    """The run's log lines: per-ping outcomes and the embedded metrics (EMF).

    The first line holds the counts, up to 100 latencies and the run's details; each further
    100 latencies make one more line (EMF's limit of values per metric).
    """
    counted = tally(settings, pings)
    return emf.documents(
        namespace=settings.metric_namespace,
        dimensions={contract.DIMENSION_ENDPOINT_NAME: settings.endpoint_name},
        metrics=[
            emf.Metric(contract.METRIC_PINGS_SENT, "Count", counted.sent),
            emf.Metric(contract.METRIC_FAILED_PINGS, "Count", counted.failed),
            emf.Metric(
                contract.METRIC_SUSPECTED_COLD_STARTS, "Count", counted.suspected_cold_starts
            ),
            emf.Metric(contract.METRIC_PING_LATENCY, "Milliseconds", counted.latencies_ms),
        ],
        timestamp_ms=int(time.time() * 1000),
        fields={
            "level": "ERROR" if pings and counted.failed == counted.sent else "INFO",
            "message": "keep-warm run",
            "outcomes": counted.outcomes,
            "cold_start_threshold_ms": settings.cold_start_threshold_ms,
            "duration_ms": round(duration_ms, 1),
            "pings": [ping.as_log() for ping in pings],
        },
    )


def run(settings: Settings, client: Any, deadline_s: float | None = None) -> dict[str, Any]:
    """Ping, print the run's log lines, and fail when every ping failed; the run's summary."""
    began = time.perf_counter()
    pings = send_pings(client, settings, deadline_s)
    duration_ms = (time.perf_counter() - began) * 1000
    for document in run_documents(settings, pings, duration_ms):
        print(json.dumps(document, separators=(",", ":")), flush=True)
    counted = tally(settings, pings)
    if counted.failed == counted.sent:
        raise AllPingsFailedError(
            f"all {counted.sent} keep-warm pings of {settings.endpoint_name} failed: "
            + ", ".join(f"{k}={v}" for k, v in counted.outcomes.items() if v)
        )
    return {
        "endpoint_name": settings.endpoint_name,
        "pings_sent": counted.sent,
        "failed_pings": counted.failed,
        "suspected_cold_starts": counted.suspected_cold_starts,
        "outcomes": counted.outcomes,
    }


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
