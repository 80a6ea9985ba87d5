"""Load generation: send requests to an endpoint from N threads and time each one.

Requests go through SageMaker Runtime (a boto3 client created with retries off, so every error
is seen and counted by its kind) or through an API URL (the shared signed POST,
SigV4-signed for ``execute-api`` with ``--sigv4``). Errors no later request would survive (no
credentials, access denied, no such endpoint) stop the run with a :class:`CliError`.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    NoCredentialsError,
    ReadTimeoutError,
)
from botocore.exceptions import (
    ConnectionError as BotoConnectionError,
)

from serverless_inference_cli.aws import (
    error_code,
    error_message,
    is_access_denied,
    is_not_found,
    translate,
)
from serverless_inference_cli.benchmark.analysis import Sample
from serverless_inference_cli.errors import CliError
from serverless_inference_cli.signed_post import NoAnswer, Signer, post, timed_out


class InvocationError(Exception):
    """One failed request, with the kind it is counted under (e.g. ``ModelError``)."""

    def __init__(self, kind: str, message: str = "") -> None:
        super().__init__(f"{kind}: {message}" if message else kind)
        self.kind = kind


Invoker = Callable[[bytes], int]
"""Sends one request body; returns the response size in bytes or raises InvocationError."""


def runtime_invoker(
    client: Any,
    endpoint_name: str,
    content_type: str,
    accept: str | None = None,
    options: frozenset[str] = frozenset(),
) -> Invoker:
    """Invoke through a boto3 ``sagemaker-runtime`` client (created with retries off).

    ``options`` are the subcommand's option strings, for the hints of a fatal error.
    """
    extra = {"Accept": accept} if accept else {}
    action = f"invoke endpoint {endpoint_name!r}"

    def invoke(body: bytes) -> int:
        try:
            response = client.invoke_endpoint(
                EndpointName=endpoint_name, Body=body, ContentType=content_type, **extra
            )
            return len(response["Body"].read())
        except NoCredentialsError as exc:
            raise translate(exc, action, options) from exc
        except ClientError as exc:
            if is_access_denied(exc) or is_not_found(exc):
                raise translate(exc, action, options) from exc
            raise InvocationError(error_code(exc) or "ClientError", error_message(exc)) from exc
        except ReadTimeoutError as exc:
            raise InvocationError("Timeout", str(exc)) from exc
        except BotoConnectionError as exc:
            raise InvocationError("ConnectionError", str(exc)) from exc
        except BotoCoreError as exc:
            raise InvocationError(type(exc).__name__, str(exc)) from exc

    return invoke


def http_invoker(
    url: str,
    content_type: str,
    *,
    timeout_s: float,
    accept: str | None = None,
    signer: Signer | None = None,
) -> Invoker:
    """POST to an API URL. An error's kind is its ``x-amzn-ErrorType`` header (API Gateway
    and SageMaker both send it) or ``HTTP <status>``. Note: an API whose integration maps every
    backend answer to 200 hides errors from any client, this one included."""
    headers = {"Content-Type": content_type, **({"Accept": accept} if accept else {})}

    def invoke(body: bytes) -> int:
        try:
            answer = post(url, body, headers, timeout_s=timeout_s, signer=signer)
        except NoAnswer as exc:
            kind = "Timeout" if timed_out(exc) else "ConnectionError"
            raise InvocationError(kind, str(exc)) from exc
        if 200 <= answer.status < 300:
            return len(answer.body)
        kind = answer.error_type or f"HTTP {answer.status}"
        if answer.status == 403 and kind in {"AccessDeniedException", "ForbiddenException"}:
            raise CliError(f"The API at {url} denied access ({kind}): check --sigv4 and IAM.")
        raise InvocationError(kind, answer.body[:200].decode("utf-8", "replace"))

    return invoke


@dataclass
class LevelRun:
    """The samples of one level and its wall time."""

    concurrency: int
    samples: list[Sample]
    wall_s: float


def run_level(
    invoker: Invoker,
    body: bytes,
    concurrency: int,
    *,
    requests: int | None = None,
    duration_s: float | None = None,
    on_sample: Callable[[Sample], None] | None = None,
) -> LevelRun:
    """Send ``requests`` requests (or for ``duration_s`` seconds) from ``concurrency`` threads.

    ``Sample.index`` is the order in which requests were started. A :class:`CliError` in any
    worker stops the others and is re-raised here.
    """
    if (requests is None) == (duration_s is None):
        raise ValueError("give exactly one of requests and duration_s")
    lock = threading.Lock()
    stop = threading.Event()
    samples: list[Sample] = []
    failures: list[BaseException] = []
    next_index = 0
    start = time.perf_counter()
    deadline = start + duration_s if duration_s is not None else math.inf

    def take() -> int | None:
        nonlocal next_index
        with lock:
            if stop.is_set():
                return None
            if requests is not None and next_index >= requests:
                return None
            if time.perf_counter() >= deadline:
                return None
            index = next_index
            next_index += 1
            return index

    def worker() -> None:
        while (index := take()) is not None:
            began = time.perf_counter()
            error: str | None = None
            size = 0
            try:
                size = invoker(body)
            except InvocationError as exc:
                error = exc.kind
            except BaseException as exc:  # a CliError or a bug: stop everyone
                with lock:
                    failures.append(exc)
                stop.set()
                return
            sample = Sample(index, began - start, time.perf_counter() - began, error, size)
            with lock:
                samples.append(sample)
            if on_sample is not None:
                on_sample(sample)

    threads = [
        threading.Thread(target=worker, name=f"benchmark-{i}", daemon=True)
        for i in range(concurrency)
    ]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            while thread.is_alive():
                thread.join(timeout=0.1)
    except KeyboardInterrupt:
        stop.set()
        raise
    if failures:
        raise failures[0]
    wall = time.perf_counter() - start
    return LevelRun(concurrency, sorted(samples, key=lambda s: s.index), wall)


def warm_up(invoker: Invoker, body: bytes, count: int, concurrency: int) -> list[Sample]:
    """``count`` requests from up to ``concurrency`` threads, before measuring: each new
    environment meets its cold start here, not in the measured levels."""
    if count == 0:
        return []
    return run_level(invoker, body, min(count, concurrency), requests=count).samples
