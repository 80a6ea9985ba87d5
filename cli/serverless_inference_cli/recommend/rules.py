"""The rules of ``recommend``: settings that fit an endpoint's recorded traffic (pure functions).

:func:`recommend` applies these rules to hourly statistics of a window holding at least one
request, each setting reported with its numbers:

* **latency**: the mean request latency is ModelLatency + OverheadLatency, weighted by the
  requests of each hour; the same latency sizes the concurrency and prices the options (an
  upper bound of the billed duration: AWS documents billing "by the millisecond" of inference
  without saying which of the two metrics it bills);
* **memory tier**: peak memory in use = peak ``MemoryUtilization`` x the memory it is a
  percentage of (the serverless tier, or the instance's memory); the smallest tier that keeps
  it at or under 80% (``peak / 0.8``). Above 6144 MB serverless does not fit. Without memory
  data the current tier (or 2048 MB) stays, flagged as such;
* **max concurrency**: peak concurrent requests = peak
  ``ServerlessConcurrentExecutionsUtilization`` x ``MaxConcurrency`` (serverless), or by
  Little's law the busiest hour's requests per second x the latency x 3 for bursts within the
  hour (real-time); recommended ``ceil(1.5 x peak)`` within 1..200. A utilization peak of 0.9
  or more means throttling is likely: double the current value;
* **provisioned concurrency**: the median over active hours (hours with requests) of the
  hourly mean concurrency (requests/s x latency); if it is 1 or more, that many (rounded)
  environments are busy most of the time: provision them. Otherwise none;
* **keep-warm**: when cold starts (``ModelSetupTime`` sample count) hit 1% of requests or more
  and no provisioned concurrency is recommended: ping every 5 minutes during the active hours
  of day and days of week (those whose mean request count is at least 10% of the busiest
  hour-of-day's / weekday's), as an EventBridge cron expression in UTC, with as many parallel
  pings as the rounded-up mean concurrency of those hours (at least 1);
* **platform**: the monthly cost of serverless at the recommended settings (the cost model of
  ``cost``: requests of a 730-hour month, spread as the window's hours of the day were,
  provisioned concurrency billed all day and its spillover on demand, keep-warm pings)
  against the cheapest real-time instance with enough memory (or the current instances).
  When the instance is cheaper, utilization is steadily high: stay on (or move to) instances.
  Data processing costs the same on both and is left out.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from serverless_inference_cli.cost.model import (
    CostOption,
    Traffic,
    instance,
    keep_warm,
    on_demand,
    provisioned,
)
from serverless_inference_cli.output import count, money
from serverless_inference_cli.prices import Prices
from serverless_inference_runtime.limits import MAX_CONCURRENCY_LIMIT, MEMORY_SIZES_MB

PERIOD_S = 3600
MEMORY_TARGET = 0.8
BURST_FACTOR = 3.0
CONCURRENCY_HEADROOM = 1.5
THROTTLE_UTILIZATION = 0.9
COLD_START_SHARE = 0.01
ACTIVE_SHARE = 0.1
KEEP_WARM_MINUTES = 5
US = 1e-6
DAY_NAMES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


@dataclass(frozen=True)
class EndpointInfo:
    """What the endpoint runs on now, and since when."""

    name: str
    variant: str
    serverless: bool
    memory_mb: int | None = None
    max_concurrency: int | None = None
    provisioned_concurrency: int | None = None
    instance_type: str | None = None
    instance_count: int | None = None
    created: datetime | None = None


@dataclass(frozen=True)
class Metrics:
    """Hourly statistics over the window (index 0 = the oldest hour).

    Hourly lists have one value per hour; ``None`` where CloudWatch had no datapoint (counts
    are 0 there instead). ``datapoints`` counts every datapoint CloudWatch returned.
    """

    start: datetime
    invocations: list[float]
    model_latency_avg_us: list[float | None]
    overhead_latency_avg_us: list[float | None]
    cold_starts: list[float]
    model_setup_max_us: list[float | None]
    memory_utilization_max: list[float | None]
    concurrency_utilization_max: list[float | None]
    errors_4xx: list[float]
    errors_5xx: list[float]
    datapoints: int = 0

    @property
    def hours(self) -> int:
        return len(self.invocations)

    def hour_at(self, index: int) -> datetime:
        return self.start + timedelta(hours=index)


def _weighted_mean(values: Sequence[float | None], weights: Sequence[float]) -> float | None:
    pairs = [(v, w) for v, w in zip(values, weights, strict=True) if v is not None and w > 0]
    total = sum(w for _, w in pairs)
    if not total:
        return None
    return sum(v * w for v, w in pairs) / total


def _peak(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def mean_by(metrics: Metrics, bucket: Callable[[datetime], int], buckets: int) -> list[float]:
    """Mean requests per hour in each bucket of the hours (hour of day, day of week...)."""
    sums = [0.0] * buckets
    hours = [0] * buckets
    for i, value in enumerate(metrics.invocations):
        b = bucket(metrics.hour_at(i))
        sums[b] += value
        hours[b] += 1
    return [s / h if h else 0.0 for s, h in zip(sums, hours, strict=True)]


def active(means: Sequence[float]) -> list[int]:
    """Buckets whose mean is at least 10% of the busiest bucket's (none without requests)."""
    busiest = max(means, default=0.0)
    if busiest <= 0:
        return []
    return [b for b, mean in enumerate(means) if mean >= ACTIVE_SHARE * busiest]


def active_hours_of_day(metrics: Metrics) -> list[int]:
    """UTC hours of day whose mean request count is >= 10% of the busiest hour-of-day's."""
    return active(mean_by(metrics, lambda t: t.hour, 24))


def active_days_of_week(metrics: Metrics) -> list[int]:
    """Weekdays (0 = Monday) whose mean request count is >= 10% of the busiest weekday's."""
    return active(mean_by(metrics, lambda t: t.weekday(), 7))


def _ranges(values: Sequence[int], name: Callable[[int], str]) -> str:
    parts: list[str] = []
    ordered = sorted(values)
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        first, last = name(ordered[i]), name(ordered[j])
        parts.append(first if i == j else f"{first}-{last}")
        i = j + 1
    return ",".join(parts)


def cron_hours(hours: Sequence[int]) -> str:
    """``[8, 9, 10, 14]`` -> ``"8-10,14"`` for a cron hour field (``*`` for all 24)."""
    if len(hours) == 24:
        return "*"
    return _ranges(hours, str)


def keep_warm_cron(hours: Sequence[int], days: Sequence[int], minutes: int = 5) -> str:
    """An EventBridge cron expression (UTC) pinging every ``minutes`` in those hours/days."""
    hour_field = cron_hours(hours)
    if len(days) == 7:
        return f"cron(0/{minutes} {hour_field} * * ? *)"
    return f"cron(0/{minutes} {hour_field} ? * {_ranges(days, lambda d: DAY_NAMES[d])} *)"


@dataclass(frozen=True)
class Setting:
    """One recommended setting, with the numbers that led there."""

    name: str
    value: str
    because: str


@dataclass
class Recommendation:
    platform: str  # "serverless" or "instance"
    settings: list[Setting] = field(default_factory=list)
    evidence: list[tuple[str, str]] = field(default_factory=list)
    memory_mb: int | None = None
    max_concurrency: int | None = None
    provisioned_concurrency: int = 0
    keep_warm_hours: list[int] = field(default_factory=list)
    keep_warm_days: list[int] = field(default_factory=list)
    keep_warm_concurrency: int = 0
    latency_s: float = 0.0
    monthly_requests: float = 0.0
    serverless_monthly: float | None = None
    instance_monthly: float | None = None
    instance_name: str | None = None


def _clamp(value: int) -> int:
    return max(1, min(MAX_CONCURRENCY_LIMIT, value))


def _memory(
    info: EndpointInfo, metrics: Metrics, prices: Prices, rec: Recommendation
) -> float | None:
    """Sets the memory tier; the memory needed (MB), when known."""
    memory_peak = _peak(metrics.memory_utilization_max)
    base_memory: float | None
    if info.serverless:
        base_memory = float(info.memory_mb) if info.memory_mb else None
    else:
        inst = prices.instances.get(info.instance_type or "")
        base_memory = inst.memory_gib * 1024 if inst else None
    if memory_peak is None or base_memory is None:
        rec.memory_mb = info.memory_mb or 2048
        rec.settings.append(
            Setting(
                "memory",
                f"{rec.memory_mb} MB (unchanged)",
                "no MemoryUtilization data (or unknown instance memory): measure the tiers "
                "with `serverless-inference benchmark --memory-sweep`",
            )
        )
        return None
    used_mb = memory_peak / 100 * base_memory
    needed = used_mb / MEMORY_TARGET
    tier = next((t for t in MEMORY_SIZES_MB if t >= needed), None)
    rec.evidence.append(
        ("peak memory in use", f"{used_mb:,.0f} MB ({memory_peak:.0f}% of {base_memory:,.0f} MB)")
    )
    rec.memory_mb = tier
    if tier is None:
        value = "does not fit serverless"
        because = (
            f"peak {used_mb:,.0f} MB / {MEMORY_TARGET:.0%} = {needed:,.0f} MB > "
            f"{max(MEMORY_SIZES_MB)} MB"
        )
    else:
        value = f"{tier} MB"
        because = (
            f"peak {used_mb:,.0f} MB in use / {MEMORY_TARGET:.0%} target = {needed:,.0f} MB -> "
            f"smallest tier {tier} MB"
        )
    rec.settings.append(Setting("memory", value, because))
    return needed


def _max_concurrency(info: EndpointInfo, metrics: Metrics, rec: Recommendation) -> None:
    util_peak = _peak(metrics.concurrency_utilization_max)
    peak_hour = max(metrics.invocations)
    if info.serverless and util_peak is not None and info.max_concurrency:
        peak_concurrent = util_peak * info.max_concurrency
        if util_peak >= THROTTLE_UTILIZATION:
            value = min(MAX_CONCURRENCY_LIMIT, info.max_concurrency * 2)
            because = (
                f"utilization peaked at {util_peak:.2f} of {info.max_concurrency}: requests were "
                f"likely throttled; double it to {value} and watch again"
            )
        else:
            value = _clamp(math.ceil(CONCURRENCY_HEADROOM * peak_concurrent))
            because = (
                f"peak {peak_concurrent:.1f} concurrent ({util_peak:.2f} x "
                f"{info.max_concurrency}) x {CONCURRENCY_HEADROOM} headroom"
            )
    else:
        peak_concurrent = peak_hour / PERIOD_S * rec.latency_s * BURST_FACTOR
        value = _clamp(math.ceil(CONCURRENCY_HEADROOM * peak_concurrent))
        because = (
            f"busiest hour {peak_hour / PERIOD_S:.3g} req/s x {rec.latency_s * 1000:,.0f} ms x "
            f"{BURST_FACTOR:g} burst = {peak_concurrent:.2f} concurrent, x {CONCURRENCY_HEADROOM} "
            "headroom"
        )
    rec.max_concurrency = value
    rec.settings.append(Setting("max concurrency", str(value), because))


def _provisioned(metrics: Metrics, rec: Recommendation) -> None:
    busy = [v for v in metrics.invocations if v > 0]
    hourly_concurrency = [v / PERIOD_S * rec.latency_s for v in busy]
    median = statistics.median(hourly_concurrency) if hourly_concurrency else 0.0
    if median >= 1:
        rec.provisioned_concurrency = min(round(median), rec.max_concurrency or 1)
        rec.settings.append(
            Setting(
                "provisioned concurrency",
                str(rec.provisioned_concurrency),
                f"median hourly concurrency {median:.2f} over {len(busy)} active "
                "hours: that many environments are busy most of the time",
            )
        )
    else:
        rec.settings.append(
            Setting(
                "provisioned concurrency",
                "none",
                f"median hourly concurrency {median:.3f} < 1: a provisioned "
                "environment would idle most of the time",
            )
        )


def _keep_warm(metrics: Metrics, cold_share: float, rec: Recommendation) -> None:
    hours = active_hours_of_day(metrics)
    weekdays = active_days_of_week(metrics)
    if cold_share < COLD_START_SHARE or rec.provisioned_concurrency:
        reason = (
            "provisioned concurrency keeps environments warm"
            if rec.provisioned_concurrency
            else f"cold starts {cold_share:.1%} of requests (< {COLD_START_SHARE:.0%})"
        )
        rec.settings.append(Setting("keep-warm", "none", reason))
        return
    in_hours = [
        v
        for i, v in enumerate(metrics.invocations)
        if metrics.hour_at(i).hour in hours and metrics.hour_at(i).weekday() in weekdays
    ]
    mean_in_hours = sum(in_hours) / len(in_hours) / PERIOD_S * rec.latency_s if in_hours else 0
    rec.keep_warm_concurrency = max(1, math.ceil(mean_in_hours))
    rec.keep_warm_hours = hours
    rec.keep_warm_days = weekdays
    rec.settings.append(
        Setting(
            "keep-warm",
            f"every {KEEP_WARM_MINUTES} min, {rec.keep_warm_concurrency} at a time: "
            + keep_warm_cron(hours, weekdays, KEEP_WARM_MINUTES),
            f"{cold_share:.1%} of requests met a cold start (>= {COLD_START_SHARE:.0%}); "
            f"traffic is in {len(hours)} hours of the day (UTC) on {len(weekdays)} days "
            "of the week",
        )
    )


def serverless_option(rec: Recommendation, traffic: Traffic, prices: Prices) -> CostOption:
    """The recommended serverless settings priced by the cost model."""
    memory = rec.memory_mb or max(MEMORY_SIZES_MB)
    if rec.provisioned_concurrency:
        return provisioned(memory, rec.latency_s, rec.provisioned_concurrency, traffic, prices)
    if rec.keep_warm_hours:
        return keep_warm(
            memory,
            rec.latency_s,
            traffic,
            prices,
            interval_minutes=KEEP_WARM_MINUTES,
            concurrency=rec.keep_warm_concurrency,
            active_hours=len(rec.keep_warm_hours) * len(rec.keep_warm_days) / 7,
        )
    return on_demand(memory, rec.latency_s, traffic, prices)


def _platform(
    info: EndpointInfo,
    metrics: Metrics,
    prices: Prices,
    rec: Recommendation,
    needed_mb: float | None,
) -> None:
    by_hour = mean_by(metrics, lambda t: t.hour, 24)
    traffic = Traffic.from_hourly(by_hour, request_bytes=0, response_bytes=0)
    rec.monthly_requests = traffic.requests_per_month
    serverless = serverless_option(rec, traffic, prices).monthly(rec.monthly_requests)
    rec.serverless_monthly = serverless
    if not info.serverless and info.instance_type in prices.instances:
        name = info.instance_type or ""
        instance_count = info.instance_count or 1
        label = f"current {name} x{instance_count}"
    else:
        need_gib = (needed_mb if needed_mb is not None else rec.memory_mb or 0) / 1024
        candidates = [p for p in prices.instances.values() if p.memory_gib >= need_gib]
        cheapest = min(candidates or prices.instances.values(), key=lambda p: p.per_hour.value)
        name, instance_count = cheapest.name, 1
        label = f"cheapest fitting instance {name} x1"
    instance_cost = instance(name, instance_count, traffic, prices).monthly(rec.monthly_requests)
    rec.instance_monthly = instance_cost
    rec.instance_name = f"{name} x{instance_count}"
    rec.evidence.append(("requests a month (730 h)", count(rec.monthly_requests)))
    idle = sum(1 for v in metrics.invocations if v == 0) / metrics.hours
    busy = sum(metrics.invocations) * rec.latency_s / (metrics.hours * PERIOD_S)
    if rec.memory_mb is None or instance_cost < serverless:
        rec.platform = "instance"
        why = (
            "the model needs more memory than serverless offers"
            if rec.memory_mb is None
            else f"serverless would cost {money(serverless)}/month against {money(instance_cost)} "
            f"for the {label}: utilization is steadily high (mean concurrency "
            f"{busy:.3f}, {idle:.0%} idle hours)"
        )
        verb = "stay on" if not info.serverless else "move to"
        rec.settings.append(Setting("platform", f"{verb} {name} x{instance_count}", why))
        return
    verb = "stay on" if info.serverless else "move to"
    rec.settings.append(
        Setting(
            "platform",
            f"{verb} serverless",
            f"serverless {money(serverless)}/month against {money(instance_cost)} for the "
            f"{label} (mean concurrency {busy:.3f}, {idle:.0%} idle hours)",
        )
    )


def recommend(info: EndpointInfo, metrics: Metrics, prices: Prices) -> Recommendation:
    """Apply the module's rules to a window with requests (ValueError without any)."""
    total = sum(metrics.invocations)
    if total <= 0:
        raise ValueError("recommend needs a window with at least one request")
    days = metrics.hours / 24
    rec = Recommendation(platform="serverless")
    ev = rec.evidence
    ev.append(
        ("window", f"{days:g} days ({metrics.hours} hours) from {metrics.start:%Y-%m-%d %H:%M} UTC")
    )
    ev.append(("requests", f"{total:,.0f} ({total / days:,.0f} a day)"))
    idle = sum(1 for v in metrics.invocations if v == 0)
    peak_hour = max(metrics.invocations)
    mean_hour = total / metrics.hours
    cv = statistics.pstdev(metrics.invocations) / mean_hour
    ev.append(("busiest hour", f"{peak_hour:,.0f} requests ({peak_hour / PERIOD_S:.3g}/s)"))
    ev.append(("idle hours", f"{idle} of {metrics.hours} ({idle / metrics.hours:.0%})"))
    ev.append(("hourly variation (CV)", f"{cv:.2f}"))
    model_s = (_weighted_mean(metrics.model_latency_avg_us, metrics.invocations) or 0.0) * US
    overhead_s = (_weighted_mean(metrics.overhead_latency_avg_us, metrics.invocations) or 0.0) * US
    rec.latency_s = model_s + overhead_s
    ev.append(("mean model latency", f"{model_s * 1000:,.0f} ms"))
    ev.append(("mean overhead latency", f"{overhead_s * 1000:,.0f} ms"))
    ev.append(("latency sized and priced", f"{rec.latency_s * 1000:,.0f} ms (model + overhead)"))
    cold = sum(metrics.cold_starts)
    cold_share = cold / total
    setup_peak = _peak(metrics.model_setup_max_us)
    ev.append(
        (
            "cold starts",
            f"{cold:,.0f} ({cold_share:.1%} of requests)"
            + (f", longest setup {setup_peak * US:,.1f} s" if setup_peak else ""),
        )
    )
    ev.append(("errors", f"{sum(metrics.errors_4xx):,.0f} 4XX, {sum(metrics.errors_5xx):,.0f} 5XX"))
    busy = total * rec.latency_s / (metrics.hours * PERIOD_S)
    ev.append(("mean concurrency (utilization)", f"{busy:.3f}"))
    needed_mb = _memory(info, metrics, prices, rec)
    _max_concurrency(info, metrics, rec)
    _provisioned(metrics, rec)
    _keep_warm(metrics, cold_share, rec)
    _platform(info, metrics, prices, rec, needed_mb)
    return rec
