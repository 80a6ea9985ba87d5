"""``serverless-inference benchmark``: load-test an endpoint and analyse the latencies.

Requests go through SageMaker Runtime (``--endpoint NAME``, with ``--endpoint-url`` to point
at another runtime URL) or through an API URL (``--url``, a plain HTTP POST, SigV4-signed for
``execute-api`` with ``--sigv4``). Each concurrency level sends ``--requests`` requests (or
runs ``--duration`` seconds) from that many threads, after ``--warmup`` sequential requests
that are reported but not counted. Retries are off, so every error is seen and classified.

Analysis (pure functions, unit-tested):

* percentiles interpolate linearly between closest ranks (numpy's default "linear" method):
  for 1..100, p50 = 50.5, p90 = 90.1, p99 = 99.01;
* a *suspected cold start* is a successful request whose latency exceeds
  ``max(3 x median, median + 1 s)`` of the level's successful requests (:class:`ColdStartRule`;
  both numbers are options). SageMaker sends no "cold" header, so this is an inference from the
  client side; ``ModelNotReadyException`` errors are another cold-start signal and are counted
  with the errors;
* cost per 1,000 requests = ``1000 x (mean latency x memory GB x price per GB-second + data)``:
  an upper bound, since the client-side latency includes network and SageMaker overhead, which
  are not billed.

``--memory-sweep`` creates one temporary endpoint per memory tier from ``--model-name``
(``ServerlessConfig`` with that memory), waits until it is ``InService``, benchmarks it and
deletes the endpoint and its config in a ``finally`` block (also on Ctrl-C and errors), one tier
at a time so that at most one temporary endpoint exists.
"""

from __future__ import annotations

import argparse
import json
import math
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
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
from matplotlib.figure import Figure
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from serverless_inference_cli.aws import (
    _ACCESS_CODES,
    AwsContext,
    CliError,
    aws_errors,
    error_code,
    error_message,
    is_not_found,
    translate,
)
from serverless_inference_cli.charts import new_figure, save_png
from serverless_inference_cli.limits import (
    ENDPOINT_NAME_MAX_LENGTH,
    INVOCATION_TIMEOUT_SECONDS,
    MAX_CONCURRENCY_LIMIT,
    MAX_PAYLOAD_BYTES,
    MEMORY_SIZES_MB,
)
from serverless_inference_cli.prices import Prices, load_prices
from serverless_inference_cli.render import money, table

BYTES_PER_GB = 1024**3


class InvocationError(Exception):
    """One failed request, with the kind it is counted under (e.g. ``ModelError``)."""

    def __init__(self, kind: str, message: str = "") -> None:
        super().__init__(f"{kind}: {message}" if message else kind)
        self.kind = kind


Invoker = Callable[[bytes], int]
"""Sends one request body; returns the response size in bytes or raises InvocationError."""


# ---------------------------------------------------------------- pure analysis


def percentile(values: Sequence[float], p: float) -> float:
    """The ``p``-th percentile (0..100), linear interpolation between closest ranks."""
    if not values:
        return math.nan
    if not 0 <= p <= 100:
        raise ValueError(f"percentile must be within 0..100, got {p}")
    ordered = sorted(values)
    rank = p / 100 * (len(ordered) - 1)
    low = math.floor(rank)
    high = math.ceil(rank)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass(frozen=True)
class ColdStartRule:
    """A request is a suspected cold start when its latency exceeds
    ``max(factor x median, median + extra_s)``."""

    factor: float = 3.0
    extra_s: float = 1.0

    def threshold(self, median_s: float) -> float:
        return max(self.factor * median_s, median_s + self.extra_s)


@dataclass(frozen=True)
class Sample:
    """One measured request."""

    index: int
    started_s: float
    latency_s: float
    error: str | None = None
    response_bytes: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


def cold_starts(samples: Sequence[Sample], rule: ColdStartRule) -> tuple[list[int], float]:
    """Indices of the suspected cold starts and the threshold used (NaN without successes)."""
    ok = [s.latency_s for s in samples if s.ok]
    if not ok:
        return [], math.nan
    threshold = rule.threshold(percentile(ok, 50))
    return [s.index for s in samples if s.ok and s.latency_s > threshold], threshold


def cost_per_thousand(
    mean_latency_s: float, memory_mb: int, data_bytes: float, prices: Prices
) -> float:
    """Serverless on-demand cost of 1,000 requests of this latency and size (upper bound)."""
    per_request = (
        mean_latency_s * memory_mb / 1024 * prices.compute_per_gb_second
        + data_bytes / BYTES_PER_GB * prices.data_processing_per_gb
    )
    return 1000 * per_request


@dataclass(frozen=True)
class LevelStats:
    """The analysis of one concurrency level."""

    concurrency: int
    requests: int
    succeeded: int
    errors: dict[str, int]
    p50_s: float
    p90_s: float
    p99_s: float
    max_s: float
    mean_s: float
    wall_s: float
    throughput_rps: float
    cold_start_indices: list[int]
    cold_start_threshold_s: float
    cost_per_1000: float | None


def analyse(
    samples: Sequence[Sample],
    *,
    concurrency: int,
    wall_s: float,
    rule: ColdStartRule,
    memory_mb: int | None = None,
    request_bytes: int = 0,
    prices: Prices | None = None,
) -> LevelStats:
    """Percentiles and mean over successful requests, errors by kind, throughput (successes
    per second of wall time), suspected cold starts and the cost per 1,000 requests."""
    ok = [s for s in samples if s.ok]
    latencies = [s.latency_s for s in ok]
    indices, threshold = cold_starts(samples, rule)
    mean = sum(latencies) / len(latencies) if latencies else math.nan
    cost: float | None = None
    if memory_mb is not None and prices is not None and latencies:
        mean_response = sum(s.response_bytes for s in ok) / len(ok)
        cost = cost_per_thousand(mean, memory_mb, request_bytes + mean_response, prices)
    return LevelStats(
        concurrency=concurrency,
        requests=len(samples),
        succeeded=len(ok),
        errors=dict(sorted(Counter(s.error for s in samples if s.error).items())),
        p50_s=percentile(latencies, 50),
        p90_s=percentile(latencies, 90),
        p99_s=percentile(latencies, 99),
        max_s=max(latencies) if latencies else math.nan,
        mean_s=mean,
        wall_s=wall_s,
        throughput_rps=len(ok) / wall_s if wall_s > 0 else math.nan,
        cold_start_indices=indices,
        cold_start_threshold_s=threshold,
        cost_per_1000=cost,
    )


# ---------------------------------------------------------------- invokers


def runtime_invoker(
    client: Any, endpoint_name: str, content_type: str, accept: str | None = None
) -> Invoker:
    """Invoke through a boto3 ``sagemaker-runtime`` client (created with retries off).

    Errors that no other request would survive (no credentials, access denied, no such
    endpoint) raise :class:`CliError` and stop the benchmark; the others are counted by kind.
    """
    extra = {"Accept": accept} if accept else {}

    def invoke(body: bytes) -> int:
        try:
            response = client.invoke_endpoint(
                EndpointName=endpoint_name, Body=body, ContentType=content_type, **extra
            )
            return len(response["Body"].read())
        except NoCredentialsError as exc:
            raise translate(exc, f"invoke endpoint {endpoint_name!r}") from exc
        except ClientError as exc:
            code = error_code(exc)
            message = error_message(exc)
            fatal = code in _ACCESS_CODES or (
                code == "ValidationError" and "not found" in message.lower()
            )
            if fatal or is_not_found(exc):
                raise translate(exc, f"invoke endpoint {endpoint_name!r}") from exc
            raise InvocationError(code or "ClientError", message) from exc
        except ReadTimeoutError as exc:
            raise InvocationError("Timeout", str(exc)) from exc
        except BotoConnectionError as exc:
            raise InvocationError("ConnectionError", str(exc)) from exc
        except BotoCoreError as exc:
            raise InvocationError(type(exc).__name__, str(exc)) from exc

    return invoke


Signer = Callable[[str, bytes, dict[str, str]], dict[str, str]]


def sigv4_signer(credentials: Any, region: str, service: str = "execute-api") -> Signer:
    """Headers signed with SigV4 for an API Gateway URL (IAM authorization)."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    def sign(url: str, body: bytes, headers: dict[str, str]) -> dict[str, str]:
        request = AWSRequest(method="POST", url=url, data=body, headers=dict(headers))
        SigV4Auth(credentials.get_frozen_credentials(), service, region).add_auth(request)
        return dict(request.headers.items())

    return sign


def http_invoker(
    url: str,
    content_type: str,
    *,
    accept: str | None = None,
    timeout_s: float = INVOCATION_TIMEOUT_SECONDS + 10,
    signer: Signer | None = None,
) -> Invoker:
    """POST to an API URL. An error's kind is its ``x-amzn-ErrorType`` header (API Gateway
    and SageMaker both send it) or ``HTTP <status>``. Note: an API whose integration maps every
    backend answer to 200 hides errors from any client, this one included."""

    def invoke(body: bytes) -> int:
        headers = {"Content-Type": content_type}
        if accept:
            headers["Accept"] = accept
        if signer is not None:
            headers = signer(url, body, headers)
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as response:
                return len(response.read())
        except urllib.error.HTTPError as exc:
            kind = exc.headers.get("x-amzn-ErrorType") if exc.headers else None
            kind = kind.split(":")[0] if kind else f"HTTP {exc.code}"
            exc.read()
            if exc.code == 403 and kind in {"AccessDeniedException", "ForbiddenException"}:
                raise CliError(
                    f"The API at {url} denied access ({kind}): check --sigv4 and IAM."
                ) from exc
            raise InvocationError(kind, str(exc)) from exc
        except TimeoutError as exc:
            raise InvocationError("Timeout", str(exc)) from exc
        except urllib.error.URLError as exc:
            if isinstance(exc.reason, TimeoutError):
                raise InvocationError("Timeout", str(exc)) from exc
            raise InvocationError("ConnectionError", str(exc.reason)) from exc

    return invoke


# ---------------------------------------------------------------- load generation


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


# ---------------------------------------------------------------- results and charts


def _json_safe(value: Any) -> Any:
    """NaN (no successful request) becomes null so the output stays valid JSON."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


@dataclass
class BenchmarkResult:
    """Everything the benchmark measured, as written to ``--output``."""

    target: str
    memory_mb: int | None
    request_bytes: int
    rule: ColdStartRule
    warmup: list[Sample] = field(default_factory=list)
    levels: list[tuple[LevelRun, LevelStats]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = _json_safe(
            {
                "target": self.target,
                "memory_mb": self.memory_mb,
                "request_bytes": self.request_bytes,
                "cold_start_rule": {
                    "description": "latency > max(factor x median, median + extra_s)",
                    **asdict(self.rule),
                },
                "warmup": [asdict(s) for s in self.warmup],
                "levels": [
                    {**asdict(stats), "samples": [asdict(s) for s in run.samples]}
                    for run, stats in self.levels
                ],
            }
        )
        return data


def plot_benchmark(result: BenchmarkResult, path: Path | None = None) -> Figure:
    """Left: latency of every request per level, suspected cold starts circled. Right:
    p50/p90/p99 against concurrency (3 lines)."""
    figure = new_figure(11, 4.8)
    scatter, percentiles = figure.subplots(1, 2)
    cold_x: list[float] = []
    cold_y: list[float] = []
    offset = 0
    for run, stats in result.levels:
        ok = [s for s in run.samples if s.ok]
        scatter.plot(
            [offset + s.index for s in ok],
            [s.latency_s * 1000 for s in ok],
            ".",
            label=f"concurrency {run.concurrency}",
        )
        cold = set(stats.cold_start_indices)
        cold_x += [offset + s.index for s in ok if s.index in cold]
        cold_y += [s.latency_s * 1000 for s in ok if s.index in cold]
        offset += len(run.samples)
    if cold_x:
        scatter.plot(
            cold_x,
            cold_y,
            "o",
            mfc="none",
            color="red",
            markersize=10,
            label="suspected cold start",
        )
    scatter.set_xlabel("request (in order sent)")
    scatter.set_ylabel("latency (ms)")
    scatter.set_yscale("log")
    scatter.set_title(f"Latency per request: {result.target}")
    scatter.legend(fontsize=7)
    levels = [stats.concurrency for _, stats in result.levels]
    for name, attr in (("p50", "p50_s"), ("p90", "p90_s"), ("p99", "p99_s")):
        values = [getattr(stats, attr) * 1000 for _, stats in result.levels]
        percentiles.plot(levels, values, "o-", label=name)
    percentiles.set_xlabel("concurrency")
    percentiles.set_ylabel("latency (ms)")
    percentiles.set_title("Latency percentiles")
    percentiles.set_xticks(levels)
    percentiles.grid(True, alpha=0.3)
    percentiles.legend(fontsize=7)
    if path is not None:
        save_png(figure, path)
    return figure


@dataclass(frozen=True)
class TierResult:
    """One tier of a memory sweep."""

    memory_mb: int
    endpoint_name: str
    stats: LevelStats


def plot_sweep(results: Sequence[TierResult], path: Path | None = None) -> Figure:
    """Cost per 1,000 requests against latency, one point per tier: a p50 and a p90 line."""
    figure = new_figure(8, 5)
    axes = figure.add_subplot()
    usable = [r for r in results if r.stats.cost_per_1000 is not None]
    costs = [r.stats.cost_per_1000 or 0.0 for r in usable]
    for name, attr in (("p50", "p50_s"), ("p90", "p90_s")):
        xs = [getattr(r.stats, attr) * 1000 for r in usable]
        axes.plot(xs, costs, "o-", label=f"{name} latency")
    for r, cost in zip(usable, costs, strict=True):
        axes.annotate(f"{r.memory_mb} MB", (r.stats.p50_s * 1000, cost), fontsize=8)
    axes.set_xlabel("latency (ms)")
    axes.set_ylabel("cost per 1,000 requests (USD)")
    axes.set_title("Memory sweep: cost against latency per tier")
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    if path is not None:
        save_png(figure, path)
    return figure


# ---------------------------------------------------------------- memory sweep


def sweep_endpoint_name(prefix: str, memory_mb: int, token: str) -> str:
    """``<prefix>-<memory>-<token>``, lowercase and within SageMaker's 63 characters."""
    suffix = f"-{memory_mb}-{token}"
    return (prefix.lower()[: ENDPOINT_NAME_MAX_LENGTH - len(suffix)] + suffix).strip("-")


def wait_in_service(sagemaker: Any, endpoint_name: str, *, timeout_s: float, poll_s: float) -> None:
    """Poll until ``InService``; :class:`CliError` on ``Failed`` or after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        with aws_errors(f"describe endpoint {endpoint_name!r}"):
            description = sagemaker.describe_endpoint(EndpointName=endpoint_name)
        status = description["EndpointStatus"]
        if status == "InService":
            return
        if status in {"Failed", "OutOfService", "Deleting"}:
            reason = description.get("FailureReason", "no reason given")
            raise CliError(f"Endpoint {endpoint_name!r} became {status}: {reason}")
        if time.monotonic() >= deadline:
            raise CliError(
                f"Endpoint {endpoint_name!r} not InService after {timeout_s:.0f} s "
                f"(status {status})."
            )
        time.sleep(poll_s)


@contextmanager
def temporary_endpoint(
    sagemaker: Any,
    model_name: str,
    memory_mb: int,
    max_concurrency: int,
    name: str,
    *,
    timeout_s: float,
    poll_s: float,
    log: Callable[[str], None],
    leftovers: list[str],
) -> Iterator[str]:
    """A serverless endpoint + config named ``name``, deleted on exit whatever happens.

    What cannot be deleted is appended to ``leftovers`` (and logged) so the caller can tell the
    user to delete it by hand.
    """
    created: list[tuple[str, str]] = []
    try:
        with aws_errors(f"create endpoint config {name!r}"):
            sagemaker.create_endpoint_config(
                EndpointConfigName=name,
                ProductionVariants=[
                    {
                        "VariantName": "AllTraffic",
                        "ModelName": model_name,
                        "ServerlessConfig": {
                            "MemorySizeInMB": memory_mb,
                            "MaxConcurrency": max_concurrency,
                        },
                    }
                ],
                Tags=[{"Key": "created-by", "Value": "serverless-inference-benchmark"}],
            )
        created.append(("config", name))
        with aws_errors(f"create endpoint {name!r}"):
            sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)
        created.append(("endpoint", name))
        log(f"created endpoint {name} ({memory_mb} MB), waiting for InService")
        wait_in_service(sagemaker, name, timeout_s=timeout_s, poll_s=poll_s)
        yield name
    finally:
        for kind, resource in reversed(created):
            try:
                if kind == "endpoint":
                    sagemaker.delete_endpoint(EndpointName=resource)
                else:
                    sagemaker.delete_endpoint_config(EndpointConfigName=resource)
                log(f"deleted {kind} {resource}")
            except (ClientError, BotoCoreError) as exc:
                leftovers.append(f"{kind} {resource}")
                log(f"could NOT delete {kind} {resource}: {exc}")


def memory_sweep(
    sagemaker: Any,
    model_name: str,
    tiers: Sequence[int],
    benchmark_tier: Callable[[str, int], LevelStats],
    *,
    max_concurrency: int,
    prefix: str = "si-sweep",
    timeout_s: float = 900,
    poll_s: float = 15,
    log: Callable[[str], None] = lambda _: None,
) -> list[TierResult]:
    """Benchmark ``model_name`` at each tier on a temporary endpoint, one at a time.

    ``benchmark_tier(endpoint_name, memory_mb)`` runs the load. Everything created is deleted
    (also on Ctrl-C and errors); if a deletion fails, a :class:`CliError` names what is left.
    """
    with aws_errors(f"describe model {model_name!r}"):
        sagemaker.describe_model(ModelName=model_name)
    token = secrets.token_hex(3)
    leftovers: list[str] = []
    results: list[TierResult] = []
    try:
        for tier in tiers:
            name = sweep_endpoint_name(prefix, tier, token)
            with temporary_endpoint(
                sagemaker,
                model_name,
                tier,
                max_concurrency,
                name,
                timeout_s=timeout_s,
                poll_s=poll_s,
                log=log,
                leftovers=leftovers,
            ):
                results.append(TierResult(tier, name, benchmark_tier(name, tier)))
    finally:
        if leftovers:
            message = "Delete these by hand (the sweep could not): " + ", ".join(leftovers)
            log(message)
            raise CliError(message)
    return results


# ---------------------------------------------------------------- command line


def _int_list(text: str, flag: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise CliError(f"{flag} must be comma-separated integers, got {text!r}.") from None
    if not values:
        raise CliError(f"{flag} is empty.")
    return values


def add_arguments(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--endpoint", metavar="NAME", help="endpoint, via SageMaker Runtime")
    target.add_argument("--url", help="API URL to POST to (e.g. an API Gateway stage URL)")
    target.add_argument(
        "--memory-sweep",
        action="store_true",
        help="benchmark --model-name on a temporary endpoint per tier, deleted afterwards",
    )
    parser.add_argument("--payload", type=Path, required=True, metavar="FILE")
    parser.add_argument("--content-type", default="application/json")
    parser.add_argument("--accept", help="Accept header")
    parser.add_argument("--concurrency", default="1", metavar="N[,N...]", help="levels (default 1)")
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument("--requests", type=int, metavar="N", help="per level (default 50)")
    amount.add_argument("--duration", type=float, metavar="SECONDS", help="per level")
    parser.add_argument(
        "--warmup", type=int, default=0, metavar="N", help="sequential requests first (default 0)"
    )
    parser.add_argument(
        "--memory", type=int, metavar="MB", help="memory for the cost (default: the endpoint's)"
    )
    parser.add_argument("--cold-start-factor", type=float, default=3.0, metavar="X")
    parser.add_argument("--cold-start-extra-ms", type=float, default=1000.0, metavar="MS")
    parser.add_argument("--timeout", type=float, default=INVOCATION_TIMEOUT_SECONDS + 10.0)
    parser.add_argument("--sigv4", action="store_true", help="sign --url requests (execute-api)")
    parser.add_argument(
        "--endpoint-url", metavar="URL", help="SageMaker Runtime URL (default: the regional one)"
    )
    parser.add_argument("--prices", type=Path, metavar="FILE", help="price file (JSON)")
    parser.add_argument("--output", type=Path, metavar="JSON", help="write the results as JSON")
    parser.add_argument(
        "--chart",
        type=Path,
        default=Path("serverless-inference-benchmark.png"),
        metavar="PNG",
        help="chart path (default serverless-inference-benchmark.png)",
    )
    parser.add_argument("--no-chart", action="store_true")
    sweep = parser.add_argument_group("memory sweep")
    sweep.add_argument("--model-name", help="existing SageMaker model to deploy per tier")
    sweep.add_argument(
        "--tiers",
        default=",".join(str(t) for t in MEMORY_SIZES_MB),
        metavar="MB,...",
        help="tiers to sweep (default: all)",
    )
    sweep.add_argument("--max-concurrency", type=int, default=5, metavar="N")
    sweep.add_argument("--sweep-prefix", default="si-sweep", metavar="NAME")
    sweep.add_argument("--wait-timeout", type=float, default=900.0, metavar="SECONDS")
    sweep.add_argument("--poll-interval", type=float, default=15.0, metavar="SECONDS")


@dataclass(frozen=True)
class _Plan:
    levels: list[int]
    requests: int | None
    duration_s: float | None
    body: bytes
    rule: ColdStartRule


def _plan(args: argparse.Namespace) -> _Plan:
    levels = _int_list(args.concurrency, "--concurrency")
    problems = []
    if any(not 1 <= c <= MAX_CONCURRENCY_LIMIT for c in levels):
        problems.append(f"--concurrency levels must be within 1..{MAX_CONCURRENCY_LIMIT}")
    if args.requests is not None and args.requests < 1:
        problems.append("--requests must be at least 1")
    if args.duration is not None and args.duration <= 0:
        problems.append("--duration must be positive")
    if args.warmup < 0:
        problems.append("--warmup must not be negative")
    if args.memory is not None and args.memory not in MEMORY_SIZES_MB:
        problems.append(f"--memory must be one of {MEMORY_SIZES_MB}")
    if args.memory_sweep and not args.model_name:
        problems.append("--memory-sweep needs --model-name")
    if args.url and not args.url.startswith(("http://", "https://")):
        problems.append("--url must start with http:// or https://")
    try:
        body = args.payload.read_bytes()
    except OSError as exc:
        raise CliError(f"Cannot read payload {args.payload}: {exc.strerror}.") from exc
    if len(body) > MAX_PAYLOAD_BYTES:
        problems.append(
            f"payload is {len(body):,} bytes, over the serverless limit of {MAX_PAYLOAD_BYTES:,}"
        )
    if problems:
        raise CliError("Invalid benchmark options:\n  - " + "\n  - ".join(problems))
    requests = args.requests if args.duration is None else None
    if requests is None and args.duration is None:
        requests = 50
    rule = ColdStartRule(args.cold_start_factor, args.cold_start_extra_ms / 1000)
    return _Plan(levels, requests, args.duration, body, rule)


def _endpoint_memory(ctx: AwsContext, endpoint_name: str) -> int | None:
    """``MemorySizeInMB`` of a serverless endpoint (None for instance-backed)."""
    sagemaker = ctx.client("sagemaker")
    with aws_errors(f"describe endpoint {endpoint_name!r}"):
        endpoint = sagemaker.describe_endpoint(EndpointName=endpoint_name)
        config = sagemaker.describe_endpoint_config(
            EndpointConfigName=endpoint["EndpointConfigName"]
        )
    for variant in config.get("ProductionVariants", []):
        serverless = variant.get("ServerlessConfig")
        if serverless:
            return int(serverless["MemorySizeInMB"])
    return None


def _benchmark(
    invoker: Invoker,
    plan: _Plan,
    target: str,
    memory_mb: int | None,
    prices: Prices,
    console: Console,
) -> BenchmarkResult:
    result = BenchmarkResult(target, memory_mb, len(plan.body), plan.rule)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=not console.is_terminal,
        disable=not console.is_terminal,
    ) as progress:
        for concurrency in plan.levels:
            total = plan.requests if plan.requests is not None else None
            task = progress.add_task(f"{target} x{concurrency}", total=total)
            run = run_level(
                invoker,
                plan.body,
                concurrency,
                requests=plan.requests,
                duration_s=plan.duration_s,
                on_sample=_advance(progress, task),
            )
            stats = analyse(
                run.samples,
                concurrency=concurrency,
                wall_s=run.wall_s,
                rule=plan.rule,
                memory_mb=memory_mb,
                request_bytes=len(plan.body),
                prices=prices,
            )
            result.levels.append((run, stats))
    return result


def _advance(progress: Progress, task: TaskID) -> Callable[[Sample], None]:
    def advance(_sample: Sample) -> None:
        progress.advance(task)

    return advance


def _warmup(invoker: Invoker, body: bytes, count: int) -> list[Sample]:
    if count == 0:
        return []
    return run_level(invoker, body, 1, requests=count).samples


def render(result: BenchmarkResult, console: Console) -> None:
    if result.warmup:
        latencies = ", ".join(
            f"{s.latency_s * 1000:,.0f} ms" + (f" ({s.error})" if s.error else "")
            for s in result.warmup
        )
        console.print(f"Warm-up ({len(result.warmup)} requests, not counted): {latencies}")
    numeric = ("requests", "ok", "p50", "p90", "p99", "max", "req/s", "cold", "$/1,000")
    out = table(
        f"Benchmark of {result.target}"
        + (f" at {result.memory_mb} MB" if result.memory_mb else ""),
        "concurrency",
        *numeric,
        "errors",
        numeric=("concurrency", *numeric),
    )
    for _, stats in result.levels:
        out.add_row(
            str(stats.concurrency),
            str(stats.requests),
            str(stats.succeeded),
            _ms(stats.p50_s),
            _ms(stats.p90_s),
            _ms(stats.p99_s),
            _ms(stats.max_s),
            f"{stats.throughput_rps:,.1f}",
            str(len(stats.cold_start_indices)),
            money(stats.cost_per_1000) if stats.cost_per_1000 is not None else "-",
            ", ".join(f"{k} {v}" for k, v in stats.errors.items()) or "none",
        )
    console.print(out)
    rule = result.rule
    for _, stats in result.levels:
        if stats.cold_start_indices:
            console.print(
                f"x{stats.concurrency}: suspected cold starts at requests "
                f"{stats.cold_start_indices} (latency > {_ms(stats.cold_start_threshold_s)} = "
                f"max({rule.factor:g} x median, median + {rule.extra_s * 1000:g} ms))"
            )
    if result.memory_mb is None:
        console.print("Cost per 1,000 requests needs --memory (the endpoint's was not found).")


def _ms(seconds: float) -> str:
    return "-" if math.isnan(seconds) else f"{seconds * 1000:,.0f} ms"


def run(args: argparse.Namespace, console: Console) -> int:
    plan = _plan(args)
    prices = load_prices(args.prices)
    ctx = AwsContext.from_args(args)
    if args.memory_sweep:
        return _run_sweep(args, plan, prices, ctx, console)
    if args.url:
        signer = None
        if args.sigv4:
            credentials = ctx.session.get_credentials()
            if credentials is None:
                raise CliError(
                    "--sigv4 needs AWS credentials: run `aws configure`, set AWS_PROFILE or "
                    "pass --profile."
                )
            signer = sigv4_signer(credentials, ctx.region)
        invoker = http_invoker(
            args.url, args.content_type, accept=args.accept, timeout_s=args.timeout, signer=signer
        )
        target = args.url
        memory = args.memory
    else:
        client = ctx.client(
            "sagemaker-runtime",
            retries=1,
            read_timeout=args.timeout,
            max_pool_connections=max(plan.levels) + 2,
        )
        invoker = runtime_invoker(client, args.endpoint, args.content_type, args.accept)
        target = args.endpoint
        memory = args.memory if args.memory is not None else _endpoint_memory(ctx, args.endpoint)
    warmup = _warmup(invoker, plan.body, args.warmup)
    result = _benchmark(invoker, plan, target, memory, prices, console)
    result.warmup = warmup
    render(result, console)
    _write_outputs(args, result, console)
    return 0


def _write_outputs(args: argparse.Namespace, result: BenchmarkResult, console: Console) -> None:
    if args.output is not None:
        try:
            args.output.parent.mkdir(parents=True, exist_ok=True)
            args.output.write_text(json.dumps(result.to_json(), indent=2) + "\n")
        except OSError as exc:
            raise CliError(f"Cannot write {args.output}: {exc.strerror}.") from exc
        console.print(f"Results: {args.output}")
    if not args.no_chart:
        plot_benchmark(result, args.chart)
        console.print(f"Chart: {args.chart}")


def _run_sweep(
    args: argparse.Namespace, plan: _Plan, prices: Prices, ctx: AwsContext, console: Console
) -> int:
    tiers = _int_list(args.tiers, "--tiers")
    bad = [t for t in tiers if t not in MEMORY_SIZES_MB]
    if bad:
        raise CliError(f"--tiers must be among {MEMORY_SIZES_MB}, got {bad}.")
    if not 1 <= args.max_concurrency <= MAX_CONCURRENCY_LIMIT:
        raise CliError(f"--max-concurrency must be within 1..{MAX_CONCURRENCY_LIMIT}.")
    sagemaker = ctx.client("sagemaker")
    runtime = ctx.client(
        "sagemaker-runtime",
        retries=1,
        read_timeout=args.timeout,
        max_pool_connections=max(plan.levels) + 2,
    )
    level = max(plan.levels)

    def benchmark_tier(endpoint_name: str, memory_mb: int) -> LevelStats:
        invoker = runtime_invoker(runtime, endpoint_name, args.content_type, args.accept)
        tier_plan = _Plan([level], plan.requests, plan.duration_s, plan.body, plan.rule)
        _warmup(invoker, plan.body, args.warmup)
        result = _benchmark(invoker, tier_plan, endpoint_name, memory_mb, prices, console)
        return result.levels[0][1]

    results = memory_sweep(
        sagemaker,
        args.model_name,
        tiers,
        benchmark_tier,
        max_concurrency=args.max_concurrency,
        prefix=args.sweep_prefix,
        timeout_s=args.wait_timeout,
        poll_s=args.poll_interval,
        log=lambda message: console.print(message, highlight=False),
    )
    out = table(
        f"Memory sweep of model {args.model_name} at concurrency {level}",
        "memory",
        "p50",
        "p90",
        "p99",
        "req/s",
        "cold",
        "$/1,000",
        "errors",
        numeric=("memory", "p50", "p90", "p99", "req/s", "cold", "$/1,000"),
    )
    for r in results:
        s = r.stats
        out.add_row(
            f"{r.memory_mb} MB",
            _ms(s.p50_s),
            _ms(s.p90_s),
            _ms(s.p99_s),
            f"{s.throughput_rps:,.1f}",
            str(len(s.cold_start_indices)),
            money(s.cost_per_1000) if s.cost_per_1000 is not None else "-",
            ", ".join(f"{k} {v}" for k, v in s.errors.items()) or "none",
        )
    console.print(out)
    if args.output is not None:
        payload = [{"memory_mb": r.memory_mb, **asdict(r.stats)} for r in results]
        try:
            args.output.write_text(json.dumps(_json_safe(payload), indent=2) + "\n")
        except OSError as exc:
            raise CliError(f"Cannot write {args.output}: {exc.strerror}.") from exc
        console.print(f"Results: {args.output}")
    if not args.no_chart:
        plot_sweep(results, args.chart)
        console.print(f"Chart: {args.chart}")
    return 0
