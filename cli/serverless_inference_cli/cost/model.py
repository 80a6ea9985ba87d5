"""The cost model: each way of hosting the model as a monthly cost of the request volume ``N``.

Every option costs ``fixed + the sum of its per-request prices up to N``; the per-request price
only ever rises with ``N`` (:class:`Segment` s), so costs are convex, piecewise linear:

* serverless on demand at memory ``M`` GB with inference duration ``d`` s:
  ``fixed = 0``, ``per request = d x M x compute + data GB x data price``;
* provisioned concurrency ``PC`` during ``H`` hours a day: ``fixed = PC x M x H x 3,600 s x
  days a month x provisioned rate`` (billed while provisioned, used or not). In a provisioned
  hour ``PC x 3,600 / d`` requests are served at the inference rate of provisioned
  concurrency; the requests beyond that, and every request outside the provisioned hours, are
  billed on demand (:func:`spillover` counts them for the warning);
* keep-warm every ``k`` minutes during ``h`` hours a day, ``c`` pings at a time, each lasting
  ``p`` s: ``fixed = days a month x h x 60 / k x c x p x M x compute``; requests on demand;
* real-time instances: ``fixed = per hour x 730 x count``, ``per request = data`` (real-time
  endpoints pay the same data processing rate).

Conventions: a month is 730 hours everywhere (AWS's convention for monthly prices), so a day of
traffic or of a schedule counts ``730 / 24 = 30.42`` times; 1 GB of memory is 1024 MB; 1 KB is
1024 bytes and 1 GB of data 1024**3 bytes. Traffic given as a monthly volume is spread evenly
over the hours of the day; ``--requests-per-hour`` gives a daily profile instead. AWS's free
tier is left out (the output says so). The crossover against an instance is exact.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from serverless_inference_cli.errors import CliError
from serverless_inference_cli.prices import Prices
from serverless_inference_runtime.limits import (
    INVOCATION_TIMEOUT_SECONDS,
    MAX_CONCURRENCY_LIMIT,
    MAX_PAYLOAD_BYTES,
    MEMORY_SIZES_MB,
)

HOURS_PER_MONTH = 730
DAYS_PER_MONTH = HOURS_PER_MONTH / 24
SECONDS_PER_HOUR = 3600
BYTES_PER_GB = 1024**3

ON_DEMAND = "serverless"
PROVISIONED = "provisioned"
KEEP_WARM = "keep-warm"
INSTANCE = "instance"


@dataclass(frozen=True)
class Traffic:
    """Requests a month, how they spread over the hours of the day (UTC), and their sizes."""

    requests_per_month: float
    hourly_shares: tuple[float, ...] = (1 / 24,) * 24
    request_bytes: float = 1024
    response_bytes: float = 1024
    profiled: bool = False

    @classmethod
    def from_hourly(
        cls, per_hour: Sequence[float], request_bytes: float = 1024, response_bytes: float = 1024
    ) -> Traffic:
        """From the requests in each hour of the day (24 values), every day of the month."""
        if len(per_hour) != 24:
            raise CliError(f"An hourly profile needs 24 values (hour 0..23), got {len(per_hour)}.")
        total = sum(per_hour)
        shares = tuple(v / total for v in per_hour) if total > 0 else (1 / 24,) * 24
        return cls(total * DAYS_PER_MONTH, shares, request_bytes, response_bytes, profiled=True)

    @property
    def data_gb_per_request(self) -> float:
        return (self.request_bytes + self.response_bytes) / BYTES_PER_GB

    @property
    def peak_per_second(self) -> float:
        """Requests per second in the busiest hour of the day."""
        return self.requests_per_month * max(self.hourly_shares) / DAYS_PER_MONTH / 3600

    def busiest_hours(self, count: int) -> list[int]:
        """The ``count`` busiest hours of the day (earlier first among equals), in order."""
        ranked = sorted(range(24), key=lambda h: (-self.hourly_shares[h], h))
        return sorted(ranked[:count])


@dataclass(frozen=True)
class Segment:
    """From ``start`` requests a month on, each further request costs ``per_request``."""

    start: float
    per_request: float


@dataclass(frozen=True)
class CostOption:
    """One way to host the model: a fixed monthly cost plus rising per-request prices."""

    name: str
    kind: str
    fixed_monthly: float
    segments: tuple[Segment, ...]
    memory_mb: int | None = None
    notes: tuple[str, ...] = field(default=())

    def monthly(self, requests: float) -> float:
        total = self.fixed_monthly
        for segment, following in zip(self.segments, (*self.segments[1:], None), strict=True):
            end = following.start if following is not None else math.inf
            if requests <= segment.start:
                break
            total += (min(requests, end) - segment.start) * segment.per_request
        return total

    def marginal(self, requests: float) -> float:
        """The price of one more request at ``requests`` a month."""
        return next(s.per_request for s in reversed(self.segments) if s.start <= requests)

    def per_thousand(self, requests: float) -> float:
        """Average cost of 1,000 requests at ``requests`` a month (infinite at 0)."""
        if requests <= 0:
            return math.inf
        return self.monthly(requests) / requests * 1000

    def same_cost_as(self, other: CostOption) -> bool:
        """Whether both options cost the same at every volume."""
        return (
            math.isclose(self.fixed_monthly, other.fixed_monthly, abs_tol=1e-12)
            and len(self.segments) == len(other.segments)
            and all(
                math.isclose(a.start, b.start) and math.isclose(a.per_request, b.per_request)
                for a, b in zip(self.segments, other.segments, strict=True)
            )
        )


def _gb(memory_mb: int) -> float:
    return memory_mb / 1024


def _data(traffic: Traffic, prices: Prices) -> float:
    return traffic.data_gb_per_request * prices.data_processing_per_gb.value


def on_demand(memory_mb: int, duration_s: float, traffic: Traffic, prices: Prices) -> CostOption:
    """Serverless billed per inference GB-second plus data processed."""
    per_request = duration_s * _gb(memory_mb) * prices.compute_per_gb_second.value
    return CostOption(
        f"serverless {memory_mb} MB",
        ON_DEMAND,
        0.0,
        (Segment(0.0, per_request + _data(traffic, prices)),),
        memory_mb,
    )


def provisioned_capacity(concurrency: int, duration_s: float) -> float:
    """Requests a month that ``concurrency`` environments serve in one provisioned hour of
    the day (each environment serves one request at a time)."""
    return concurrency * SECONDS_PER_HOUR / duration_s * DAYS_PER_MONTH


def provisioned(
    memory_mb: int,
    duration_s: float,
    concurrency: int,
    traffic: Traffic,
    prices: Prices,
    hours: Sequence[int] = tuple(range(24)),
) -> CostOption:
    """Serverless with ``concurrency`` environments provisioned during ``hours`` (UTC)."""
    gb = _gb(memory_mb)
    provisioned_s = len(hours) * SECONDS_PER_HOUR * DAYS_PER_MONTH
    fixed = concurrency * gb * provisioned_s * prices.pc_provisioned_per_gb_second.value
    data = _data(traffic, prices)
    warm = duration_s * gb * prices.pc_inference_per_gb_second.value + data
    cold = duration_s * gb * prices.compute_per_gb_second.value + data
    capacity = provisioned_capacity(concurrency, duration_s)
    shares = traffic.hourly_shares
    full_at = {h: capacity / shares[h] for h in hours if shares[h] > 0}
    starts = [0.0, *sorted(set(full_at.values()))]

    def slope(volume: float) -> float:
        return sum(
            share * (warm if h in full_at and volume < full_at[h] else cold)
            for h, share in enumerate(shares)
            if share > 0
        )

    schedule = "" if len(hours) == 24 else f", {len(hours)} h/day"
    return CostOption(
        f"serverless {memory_mb} MB + PC {concurrency}{schedule}",
        PROVISIONED,
        fixed,
        tuple(Segment(start, slope(start)) for start in starts),
        memory_mb,
        (f"serves {capacity / DAYS_PER_MONTH:,.0f} an hour",),
    )


def spillover(
    concurrency: int, duration_s: float, traffic: Traffic, hours: Sequence[int]
) -> tuple[float, float]:
    """Requests a month billed on demand: beyond the provisioned capacity in the provisioned
    hours, and in the other hours."""
    capacity = provisioned_capacity(concurrency, duration_s)
    n = traffic.requests_per_month
    beyond = sum(max(0.0, n * traffic.hourly_shares[h] - capacity) for h in hours)
    outside = n * sum(s for h, s in enumerate(traffic.hourly_shares) if h not in hours)
    return beyond, outside


def pings_per_month(interval_minutes: float, active_hours: float = 24) -> float:
    """Keep-warm pings a month: every ``interval_minutes`` during ``active_hours`` a day."""
    return DAYS_PER_MONTH * active_hours * 60 / interval_minutes


def keep_warm(
    memory_mb: int,
    duration_s: float,
    traffic: Traffic,
    prices: Prices,
    *,
    interval_minutes: float = 5,
    concurrency: int = 1,
    ping_s: float | None = None,
    active_hours: float = 24,
) -> CostOption:
    """On demand plus scheduled pings (each billed like a request of ``ping_s`` seconds)."""
    ping = duration_s if ping_s is None else ping_s
    pings = pings_per_month(interval_minutes, active_hours)
    fixed = pings * concurrency * ping * _gb(memory_mb) * prices.compute_per_gb_second.value
    base = on_demand(memory_mb, duration_s, traffic, prices)
    hours = "" if active_hours == 24 else f", {active_hours:g} h/day"
    return CostOption(
        f"serverless {memory_mb} MB + keep-warm {interval_minutes:g} min x{concurrency}{hours}",
        KEEP_WARM,
        fixed,
        base.segments,
        memory_mb,
        (f"{pings * concurrency:,.0f} pings/month",),
    )


def instance(name: str, count: int, traffic: Traffic, prices: Prices) -> CostOption:
    """A real-time endpoint on ``count`` instances of type ``name``, always on."""
    price = prices.instance(name)
    fixed = price.per_hour.value * HOURS_PER_MONTH * count
    return CostOption(
        f"{name} x{count}",
        INSTANCE,
        fixed,
        (Segment(0.0, _data(traffic, prices)),),
        int(price.memory_gib * 1024),
    )


def crossover(serverless: CostOption, always_on: CostOption) -> float | None:
    """Requests a month above which ``always_on`` (one price per request) is cheaper.

    ``None`` when it never is, ``0.0`` when it already is at zero requests. Exact: the
    difference of the two costs is piecewise linear and only ever rises faster.
    """
    (flat,) = always_on.segments
    gap = serverless.fixed_monthly - always_on.fixed_monthly
    if gap >= 0:
        return 0.0
    for segment, following in zip(
        serverless.segments, (*serverless.segments[1:], None), strict=True
    ):
        slope = segment.per_request - flat.per_request
        end = following.start if following is not None else math.inf
        if slope > 0 and gap + slope * (end - segment.start) >= 0:
            return segment.start - gap / slope
        gap += slope * (end - segment.start) if math.isfinite(end) else 0.0
    return None


@dataclass(frozen=True)
class CostInputs:
    """What the ``cost`` subcommand was asked to compare."""

    traffic: Traffic
    durations_s: Mapping[int, float]
    memory_mb: int
    provisioned_concurrency: int = 1
    pc_hours: Sequence[int] = tuple(range(24))
    keep_warm_minutes: float = 5
    keep_warm_concurrency: int = 1
    keep_warm_hours: float = 24
    ping_s: float | None = None
    instance_types: Sequence[str] = ()
    instance_count: int = 1


def problems_with(inputs: CostInputs) -> list[str]:
    """Every input AWS would refuse or the model cannot price, one phrase each."""
    problems: list[str] = []
    traffic = inputs.traffic
    if traffic.requests_per_month < 0:
        problems.append("requests per month must not be negative")
    if not inputs.durations_s:
        problems.append("give at least one inference duration (--duration-ms)")
    for tier, duration in sorted(inputs.durations_s.items()):
        if tier not in MEMORY_SIZES_MB:
            problems.append(f"memory tier must be one of {MEMORY_SIZES_MB}, got {tier}")
        if not 0 < duration <= INVOCATION_TIMEOUT_SECONDS:
            problems.append(
                f"--duration-ms at {tier} MB must be more than 0 and at most "
                f"{INVOCATION_TIMEOUT_SECONDS * 1000:,} ms (SageMaker ends an invocation after "
                f"{INVOCATION_TIMEOUT_SECONDS} s), got {duration * 1000:g}"
            )
            continue
        needed = traffic.peak_per_second * duration
        if needed > MAX_CONCURRENCY_LIMIT:
            problems.append(
                f"{traffic.requests_per_month:,.0f} requests/month ({traffic.peak_per_second:.3g}"
                f"/s in the busiest hour) x {duration:g} s at {tier} MB need {needed:,.0f} "
                f"concurrent executions, over the {MAX_CONCURRENCY_LIMIT} MaxConcurrency of one "
                "serverless endpoint: leave the tier out or spread the traffic"
            )
    if inputs.durations_s and inputs.memory_mb not in inputs.durations_s:
        problems.append(f"--memory {inputs.memory_mb} has no duration (--duration-ms)")
    if not 0 <= inputs.provisioned_concurrency <= MAX_CONCURRENCY_LIMIT:
        problems.append(
            f"--provisioned-concurrency must be within 0..{MAX_CONCURRENCY_LIMIT}, got "
            f"{inputs.provisioned_concurrency}"
        )
    if not 0 < len(inputs.pc_hours) <= 24:
        problems.append("--pc-hours-per-day must cover 1 to 24 hours")
    if inputs.keep_warm_minutes != 0 and inputs.keep_warm_minutes < 1:
        problems.append(
            f"--keep-warm-minutes must be 0 (no keep-warm) or at least 1 (schedules have "
            f"1-minute resolution), got {inputs.keep_warm_minutes:g}"
        )
    if not 1 <= inputs.keep_warm_concurrency <= MAX_CONCURRENCY_LIMIT:
        problems.append(
            f"--keep-warm-concurrency must be within 1..{MAX_CONCURRENCY_LIMIT}, got "
            f"{inputs.keep_warm_concurrency}"
        )
    if not 0 < inputs.keep_warm_hours <= 24:
        problems.append(f"--keep-warm-hours must be in (0, 24], got {inputs.keep_warm_hours:g}")
    if inputs.instance_count < 1:
        problems.append("--instance-count must be at least 1")
    sizes = ((traffic.request_bytes, "--request-kb"), (traffic.response_bytes, "--response-kb"))
    for size, option in sizes:
        if size > MAX_PAYLOAD_BYTES:
            problems.append(
                f"{option} {size / 1024:,.0f} exceeds the serverless limit of "
                f"{MAX_PAYLOAD_BYTES // 1024:,} KB"
            )
    return problems


def build_options(inputs: CostInputs, prices: Prices) -> list[CostOption]:
    """The options to compare: on demand at each tier with a duration, PC and keep-warm at
    ``memory_mb`` (when enabled), and each instance type. Bad inputs: one :class:`CliError`."""
    problems = problems_with(inputs)
    if problems:
        raise CliError("Invalid cost inputs:\n  - " + "\n  - ".join(problems))
    traffic = inputs.traffic
    options = [
        on_demand(tier, inputs.durations_s[tier], traffic, prices)
        for tier in sorted(inputs.durations_s)
    ]
    duration = inputs.durations_s[inputs.memory_mb]
    if inputs.provisioned_concurrency > 0:
        options.append(
            provisioned(
                inputs.memory_mb,
                duration,
                inputs.provisioned_concurrency,
                traffic,
                prices,
                inputs.pc_hours,
            )
        )
    if inputs.keep_warm_minutes > 0:
        options.append(
            keep_warm(
                inputs.memory_mb,
                duration,
                traffic,
                prices,
                interval_minutes=inputs.keep_warm_minutes,
                concurrency=inputs.keep_warm_concurrency,
                ping_s=inputs.ping_s,
                active_hours=inputs.keep_warm_hours,
            )
        )
    names = inputs.instance_types or sorted(
        prices.instances, key=lambda n: prices.instances[n].per_hour.value
    )
    options.extend(instance(name, inputs.instance_count, traffic, prices) for name in names)
    return options
