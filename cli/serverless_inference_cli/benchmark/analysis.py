"""What the benchmark's latencies say: percentiles, suspected cold starts, cost, gates.

Pure functions, unit-tested:

* percentiles interpolate linearly between closest ranks (numpy's default "linear" method):
  for 1..100, p50 = 50.5, p90 = 90.1, p99 = 99.01;
* a *suspected cold start* is a successful request whose latency exceeds
  ``max(3 x median, median + 1 s)`` of the level's successful requests (:class:`ColdStartRule`;
  both numbers are options). SageMaker sends no "cold" header, so this is an inference from the
  client side; ``ModelNotReadyException`` errors are another cold-start signal and are counted
  with the errors;
* cost per 1,000 requests = ``1000 x (mean latency x memory GB x price per GB-second + data)``:
  an upper bound, since the client-side latency includes network and SageMaker overhead;
* :class:`Gates` fail a level when every request failed, when its error rate is over
  ``--max-error-rate`` or its p99 over ``--max-p99-ms``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from serverless_inference_cli.prices import Prices

BYTES_PER_GB = 1024**3


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
    """One measured request: when it started (seconds from the level's start), how long it
    took, the error kind it failed with (None: it succeeded) and the response size."""

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
        mean_latency_s * memory_mb / 1024 * prices.compute_per_gb_second.value
        + data_bytes / BYTES_PER_GB * prices.data_processing_per_gb.value
    )
    return 1000 * per_request


@dataclass(frozen=True)
class LevelStats:
    """The analysis of one concurrency level (latencies over successful requests)."""

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

    @property
    def error_rate(self) -> float:
        """Failed requests / requests (0 without requests)."""
        return (self.requests - self.succeeded) / self.requests if self.requests else 0.0


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


@dataclass(frozen=True)
class Gates:
    """What a level must meet (``None``: no gate). Every request failing always fails."""

    max_error_rate: float | None = None
    max_p99_s: float | None = None

    def failures(self, stats: LevelStats) -> list[str]:
        """Why ``stats`` fails, one phrase per broken gate (empty: it passes)."""
        if stats.requests == 0:
            return ["no request was sent"]
        if stats.succeeded == 0:
            return [f"every request failed ({stats.requests})"]
        problems: list[str] = []
        if self.max_error_rate is not None and stats.error_rate > self.max_error_rate:
            problems.append(
                f"error rate {stats.error_rate:.1%} > --max-error-rate {self.max_error_rate:g}"
            )
        if self.max_p99_s is not None and stats.p99_s > self.max_p99_s:
            problems.append(
                f"p99 {stats.p99_s * 1000:,.0f} ms > --max-p99-ms {self.max_p99_s * 1000:g}"
            )
        return problems
