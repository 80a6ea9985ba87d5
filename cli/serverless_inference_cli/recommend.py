"""``serverless-inference recommend``: settings that fit an endpoint's recorded traffic.

Reads ``--days`` (default 30) of hourly CloudWatch statistics of an existing endpoint
(serverless or real-time; metric names from :mod:`serverless_inference_cli.limits`) and applies
these rules (:func:`recommend`, pure and unit-tested), each reported with its numbers:

* **memory tier**: peak memory in use = peak ``MemoryUtilization`` x the memory it is a
  percentage of (the serverless tier, or the instance's memory); the smallest tier that keeps
  it at or under 80% (``peak / 0.8``). Above 6144 MB serverless does not fit. Without memory
  data the current tier (or 2048 MB) stays, flagged as such;
* **max concurrency**: peak concurrent requests = peak
  ``ServerlessConcurrentExecutionsUtilization`` x ``MaxConcurrency`` (serverless), or by
  Little's law the busiest hour's requests per second x the mean latency (model + overhead)
  x 3 for bursts within the hour (real-time); recommended ``ceil(1.5 x peak)`` within 1..200.
  A utilization peak of 0.9 or more means throttling is likely: double the current value;
* **provisioned concurrency**: the median over active hours (hours with requests) of the
  hourly mean concurrency (requests/s x mean latency); if it is 1 or more, that many (rounded)
  environments are busy most of the time: provision them. Otherwise none;
* **keep-warm**: when cold starts (``ModelSetupTime`` sample count) hit 1% of requests or more
  and no provisioned concurrency is recommended: ping every 5 minutes during the active hours
  of day and days of week (those whose mean request count is at least 10% of the busiest
  hour-of-day's / weekday's), as an EventBridge cron expression in UTC, with
  as many parallel pings as the rounded-up mean concurrency of those hours (at least 1);
* **platform**: the monthly serverless cost at the recommended tier (requests a month x mean
  model latency x GB x price; plus provisioned concurrency or keep-warm when recommended)
  against the cheapest real-time instance with enough memory (or the current instances). When
  the instance is cheaper, utilization is steadily high: stay on (or move to) instances.
  Data processing costs the same on both and is left out.
"""

from __future__ import annotations

import argparse
import math
import statistics
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console

from serverless_inference_cli.aws import AwsContext, CliError, aws_errors
from serverless_inference_cli.cost import DAYS_PER_MONTH, HOURS_PER_MONTH, pings_per_month
from serverless_inference_cli.limits import (
    MAX_CONCURRENCY_LIMIT,
    MEMORY_SIZES_MB,
    MetricName,
    metric_namespace,
)
from serverless_inference_cli.prices import Prices, load_prices
from serverless_inference_cli.render import count, money, table

PERIOD_S = 3600
MEMORY_TARGET = 0.8
BURST_FACTOR = 3.0
CONCURRENCY_HEADROOM = 1.5
THROTTLE_UTILIZATION = 0.9
COLD_START_SHARE = 0.01
ACTIVE_HOUR_SHARE = 0.1
KEEP_WARM_MINUTES = 5
US = 1e-6


@dataclass(frozen=True)
class EndpointInfo:
    """What the endpoint runs on now."""

    name: str
    variant: str
    serverless: bool
    memory_mb: int | None = None
    max_concurrency: int | None = None
    provisioned_concurrency: int | None = None
    instance_type: str | None = None
    instance_count: int | None = None


@dataclass(frozen=True)
class Metrics:
    """Hourly statistics over the window (index 0 = the oldest hour).

    Hourly lists have one value per hour; ``None`` where CloudWatch had no datapoint (counts
    are 0 there instead).
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

    @property
    def hours(self) -> int:
        return len(self.invocations)


def _weighted_mean(values: Sequence[float | None], weights: Sequence[float]) -> float | None:
    pairs = [(v, w) for v, w in zip(values, weights, strict=True) if v is not None and w > 0]
    total = sum(w for _, w in pairs)
    if not total:
        return None
    return sum(v * w for v, w in pairs) / total


def _peak(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return max(present) if present else None


def active_hours_of_day(metrics: Metrics) -> list[int]:
    """UTC hours of day whose mean request count is >= 10% of the busiest hour-of-day's."""
    sums = [0.0] * 24
    days = [0] * 24
    for i, value in enumerate(metrics.invocations):
        hour = (metrics.start + timedelta(hours=i)).hour
        sums[hour] += value
        days[hour] += 1
    means = [s / d if d else 0.0 for s, d in zip(sums, days, strict=True)]
    busiest = max(means)
    if busiest <= 0:
        return []
    return [h for h in range(24) if means[h] >= ACTIVE_HOUR_SHARE * busiest]


DAY_NAMES = ("MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN")


def active_days_of_week(metrics: Metrics) -> list[int]:
    """Weekdays (0 = Monday) whose mean request count is >= 10% of the busiest weekday's."""
    sums = [0.0] * 7
    hours = [0] * 7
    for i, value in enumerate(metrics.invocations):
        day = (metrics.start + timedelta(hours=i)).weekday()
        sums[day] += value
        hours[day] += 1
    means = [s / h if h else 0.0 for s, h in zip(sums, hours, strict=True)]
    busiest = max(means)
    if busiest <= 0:
        return []
    return [d for d in range(7) if means[d] >= ACTIVE_HOUR_SHARE * busiest]


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


def keep_warm_cron(hours: Sequence[int], days: Sequence[int], minutes: int = 5) -> str:
    """An EventBridge cron expression (UTC) pinging every ``minutes`` in those hours/days."""
    hour_field = cron_hours(hours)
    if len(days) == 7:
        return f"cron(0/{minutes} {hour_field} * * ? *)"
    return f"cron(0/{minutes} {hour_field} ? * {_ranges(days, lambda d: DAY_NAMES[d])} *)"


def cron_hours(hours: Sequence[int]) -> str:
    """``[8, 9, 10, 14]`` -> ``"8-10,14"`` for a cron hour field (``*`` for all 24)."""
    if len(hours) == 24:
        return "*"
    return _ranges(hours, str)


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
    serverless_monthly: float | None = None
    instance_monthly: float | None = None
    instance_name: str | None = None


def recommend(info: EndpointInfo, metrics: Metrics, prices: Prices) -> Recommendation:
    """Apply the module's rules to the metrics; see the module docstring."""
    days = metrics.hours / 24
    total = sum(metrics.invocations)
    rec = Recommendation(platform="serverless")
    ev = rec.evidence
    ev.append(("window", f"{days:g} days ({metrics.hours} hours)"))
    ev.append(("requests", f"{total:,.0f} ({total / max(days, 1e-9):,.0f} a day)"))
    if total <= 0:
        rec.settings.append(
            Setting(
                "platform",
                "serverless (smallest settings)",
                "no requests in the window: nothing to size; delete the endpoint if unused",
            )
        )
        return rec

    idle = sum(1 for v in metrics.invocations if v == 0)
    peak_hour = max(metrics.invocations)
    mean_hour = total / metrics.hours
    cv = statistics.pstdev(metrics.invocations) / mean_hour
    ev.append(("busiest hour", f"{peak_hour:,.0f} requests ({peak_hour / PERIOD_S:.3g}/s)"))
    ev.append(("idle hours", f"{idle} of {metrics.hours} ({idle / metrics.hours:.0%})"))
    ev.append(("hourly variation (CV)", f"{cv:.2f}"))

    model_s = (_weighted_mean(metrics.model_latency_avg_us, metrics.invocations) or 0.0) * US
    overhead_s = (_weighted_mean(metrics.overhead_latency_avg_us, metrics.invocations) or 0.0) * US
    latency_s = model_s + overhead_s
    ev.append(("mean model latency", f"{model_s * 1000:,.0f} ms"))
    ev.append(("mean overhead latency", f"{overhead_s * 1000:,.0f} ms"))
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
    busy_fraction = total * latency_s / (metrics.hours * PERIOD_S)
    ev.append(("mean concurrency (utilization)", f"{busy_fraction:.3f}"))

    # -- memory
    memory_peak = _peak(metrics.memory_utilization_max)
    base_memory: float | None
    if info.serverless:
        base_memory = float(info.memory_mb) if info.memory_mb else None
    else:
        inst = prices.instances.get(info.instance_type or "")
        base_memory = inst.memory_gib * 1024 if inst else None
    fits = True
    needed_mb: float | None = None
    if memory_peak is not None and base_memory is not None:
        used_mb = memory_peak / 100 * base_memory
        needed = used_mb / MEMORY_TARGET
        needed_mb = needed
        tier = next((t for t in MEMORY_SIZES_MB if t >= needed), None)
        ev.append(
            (
                "peak memory in use",
                f"{used_mb:,.0f} MB ({memory_peak:.0f}% of {base_memory:,.0f} MB)",
            )
        )
        if tier is None:
            fits = False
            rec.memory_mb = None
            rec.settings.append(
                Setting(
                    "memory",
                    "does not fit serverless",
                    f"peak {used_mb:,.0f} MB / {MEMORY_TARGET:.0%} = {needed:,.0f} MB > "
                    f"{max(MEMORY_SIZES_MB)} MB",
                )
            )
        else:
            rec.memory_mb = tier
            rec.settings.append(
                Setting(
                    "memory",
                    f"{tier} MB",
                    f"peak {used_mb:,.0f} MB in use / {MEMORY_TARGET:.0%} target = "
                    f"{needed:,.0f} MB -> smallest tier {tier} MB",
                )
            )
    else:
        rec.memory_mb = info.memory_mb or 2048
        rec.settings.append(
            Setting(
                "memory",
                f"{rec.memory_mb} MB (unchanged)",
                "no MemoryUtilization data (or unknown instance memory): benchmark the tiers "
                "with `benchmark --memory-sweep`",
            )
        )

    # -- max concurrency
    util_peak = _peak(metrics.concurrency_utilization_max)
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
        peak_concurrent = peak_hour / PERIOD_S * latency_s * BURST_FACTOR
        value = _clamp(math.ceil(CONCURRENCY_HEADROOM * peak_concurrent))
        because = (
            f"busiest hour {peak_hour / PERIOD_S:.3g} req/s x {latency_s * 1000:,.0f} ms x "
            f"{BURST_FACTOR:g} burst = {peak_concurrent:.2f} concurrent, x {CONCURRENCY_HEADROOM} "
            "headroom"
        )
    rec.max_concurrency = value
    rec.settings.append(Setting("max concurrency", str(value), because))

    # -- provisioned concurrency
    active = [v for v in metrics.invocations if v > 0]
    hourly_concurrency = [v / PERIOD_S * latency_s for v in active]
    median_concurrency = statistics.median(hourly_concurrency) if hourly_concurrency else 0.0
    if median_concurrency >= 1:
        rec.provisioned_concurrency = min(round(median_concurrency), value)
        rec.settings.append(
            Setting(
                "provisioned concurrency",
                str(rec.provisioned_concurrency),
                f"median hourly concurrency {median_concurrency:.2f} over {len(active)} active "
                "hours: that many environments are busy most of the time",
            )
        )
    else:
        rec.settings.append(
            Setting(
                "provisioned concurrency",
                "none",
                f"median hourly concurrency {median_concurrency:.3f} < 1: a provisioned "
                "environment would idle most of the time",
            )
        )

    # -- keep-warm
    hours = active_hours_of_day(metrics)
    weekdays = active_days_of_week(metrics)
    if cold_share >= COLD_START_SHARE and rec.provisioned_concurrency == 0:
        in_hours = [
            v
            for i, v in enumerate(metrics.invocations)
            if (metrics.start + timedelta(hours=i)).hour in hours
            and (metrics.start + timedelta(hours=i)).weekday() in weekdays
        ]
        mean_in_hours = sum(in_hours) / len(in_hours) / PERIOD_S * latency_s if in_hours else 0
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
    else:
        reason = (
            "provisioned concurrency keeps environments warm"
            if rec.provisioned_concurrency
            else f"cold starts {cold_share:.1%} of requests (< {COLD_START_SHARE:.0%})"
        )
        rec.settings.append(Setting("keep-warm", "none", reason))

    # -- platform
    monthly_requests = total / days * DAYS_PER_MONTH
    memory_for_cost = rec.memory_mb or max(MEMORY_SIZES_MB)
    gb = memory_for_cost / 1024
    serverless = monthly_requests * model_s * gb * prices.compute_per_gb_second
    if rec.provisioned_concurrency:
        serverless = (
            rec.provisioned_concurrency
            * gb
            * HOURS_PER_MONTH
            * 3600
            * prices.pc_provisioned_per_gb_second
            + monthly_requests * model_s * gb * prices.pc_inference_per_gb_second
        )
    if rec.keep_warm_hours:
        pings = (
            pings_per_month(KEEP_WARM_MINUTES, len(rec.keep_warm_hours))
            * len(rec.keep_warm_days)
            / 7
        )
        serverless += (
            pings * rec.keep_warm_concurrency * model_s * gb * prices.compute_per_gb_second
        )
    rec.serverless_monthly = serverless
    if not info.serverless and info.instance_type in prices.instances:
        name = info.instance_type or ""
        instance_count = info.instance_count or 1
        instance_cost = prices.instances[name].per_hour * HOURS_PER_MONTH * instance_count
        label = f"current {name} x{instance_count}"
    else:
        need_gib = (needed_mb if needed_mb is not None else rec.memory_mb or 0) / 1024
        candidates = [p for p in prices.instances.values() if p.memory_gib >= need_gib]
        if not candidates:
            candidates = list(prices.instances.values())
        cheapest = min(candidates, key=lambda p: p.per_hour)
        name, instance_count = cheapest.name, 1
        instance_cost = cheapest.per_hour * HOURS_PER_MONTH
        label = f"cheapest fitting instance {name} x1"
    rec.instance_monthly = instance_cost
    rec.instance_name = f"{name} x{instance_count}"
    ev.append(("requests a month (30 days)", count(monthly_requests)))
    if not fits or instance_cost < serverless:
        rec.platform = "instance"
        why = (
            "the model needs more memory than serverless offers"
            if not fits
            else f"serverless would cost {money(serverless)}/month against {money(instance_cost)} "
            f"for the {label}: utilization is steadily high (mean concurrency "
            f"{busy_fraction:.3f}, {idle / metrics.hours:.0%} idle hours)"
        )
        verb = "stay on" if not info.serverless else "move to"
        rec.settings.append(Setting("platform", f"{verb} {name} x{instance_count}", why))
    else:
        verb = "stay on" if info.serverless else "move to"
        rec.settings.append(
            Setting(
                "platform",
                f"{verb} serverless",
                f"serverless {money(serverless)}/month against {money(instance_cost)} for the "
                f"{label} (mean concurrency {busy_fraction:.3f}, "
                f"{idle / metrics.hours:.0%} idle hours)",
            )
        )
    return rec


def _clamp(value: int) -> int:
    return max(1, min(MAX_CONCURRENCY_LIMIT, value))


# ---------------------------------------------------------------- AWS


def describe_endpoint(sagemaker: Any, name: str) -> EndpointInfo:
    """Serverless or instance settings of the endpoint's first variant."""
    with aws_errors(f"describe endpoint {name!r}"):
        endpoint = sagemaker.describe_endpoint(EndpointName=name)
        config = sagemaker.describe_endpoint_config(
            EndpointConfigName=endpoint["EndpointConfigName"]
        )
    variants = config.get("ProductionVariants") or []
    if not variants:
        raise CliError(f"Endpoint {name!r} has no production variant.")
    variant = variants[0]
    serverless = variant.get("ServerlessConfig")
    if serverless:
        return EndpointInfo(
            name,
            variant["VariantName"],
            True,
            memory_mb=int(serverless["MemorySizeInMB"]),
            max_concurrency=int(serverless["MaxConcurrency"]),
            provisioned_concurrency=serverless.get("ProvisionedConcurrency"),
        )
    return EndpointInfo(
        name,
        variant["VariantName"],
        False,
        instance_type=variant.get("InstanceType"),
        instance_count=variant.get("InitialInstanceCount"),
    )


_QUERIES: list[tuple[str, str, str]] = [
    ("invocations", MetricName.INVOCATIONS, "Sum"),
    ("model_latency_avg_us", MetricName.MODEL_LATENCY, "Average"),
    ("overhead_latency_avg_us", MetricName.OVERHEAD_LATENCY, "Average"),
    ("cold_starts", MetricName.MODEL_SETUP_TIME, "SampleCount"),
    ("model_setup_max_us", MetricName.MODEL_SETUP_TIME, "Maximum"),
    ("memory_utilization_max", MetricName.MEMORY_UTILIZATION, "Maximum"),
    ("concurrency_utilization_max", MetricName.CONCURRENT_EXECUTIONS_UTILIZATION, "Maximum"),
    ("errors_4xx", MetricName.INVOCATION_4XX_ERRORS, "Sum"),
    ("errors_5xx", MetricName.INVOCATION_5XX_ERRORS, "Sum"),
]
_COUNTS = {"invocations", "cold_starts", "errors_4xx", "errors_5xx"}


def fetch_metrics(cloudwatch: Any, info: EndpointInfo, days: int, end: datetime) -> Metrics:
    """Hourly statistics of the last ``days`` days ending at the hour before ``end``."""
    end = end.astimezone(UTC).replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=days)
    hours = days * 24
    dimensions = [
        {"Name": "EndpointName", "Value": info.name},
        {"Name": "VariantName", "Value": info.variant},
    ]
    queries = [
        {
            "Id": f"m{i}",
            "MetricStat": {
                "Metric": {
                    "Namespace": metric_namespace(metric),
                    "MetricName": metric,
                    "Dimensions": dimensions,
                },
                "Period": PERIOD_S,
                "Stat": stat,
            },
            "ReturnData": True,
        }
        for i, (_, metric, stat) in enumerate(_QUERIES)
    ]
    series: dict[str, list[float | None]] = {key: [None] * hours for key, _, _ in _QUERIES}
    with aws_errors(f"read CloudWatch metrics of {info.name!r}"):
        paginator = cloudwatch.get_paginator("get_metric_data")
        for page in paginator.paginate(
            MetricDataQueries=queries, StartTime=start, EndTime=end, ScanBy="TimestampAscending"
        ):
            for result in page["MetricDataResults"]:
                key = _QUERIES[int(result["Id"][1:])][0]
                for stamp, value in zip(result["Timestamps"], result["Values"], strict=True):
                    index = int((stamp.astimezone(UTC) - start).total_seconds() // PERIOD_S)
                    if 0 <= index < hours:
                        series[key][index] = float(value)

    def counts(key: str) -> list[float]:
        return [v or 0.0 for v in series[key]]

    return Metrics(
        start=start,
        invocations=counts("invocations"),
        model_latency_avg_us=series["model_latency_avg_us"],
        overhead_latency_avg_us=series["overhead_latency_avg_us"],
        cold_starts=counts("cold_starts"),
        model_setup_max_us=series["model_setup_max_us"],
        memory_utilization_max=series["memory_utilization_max"],
        concurrency_utilization_max=series["concurrency_utilization_max"],
        errors_4xx=counts("errors_4xx"),
        errors_5xx=counts("errors_5xx"),
    )


# ---------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--endpoint", required=True, metavar="NAME")
    parser.add_argument("--days", type=int, default=30, help="window to read (default 30)")
    parser.add_argument(
        "--end",
        type=_parse_end,
        metavar="ISO-TIME",
        help="end of the window, UTC (default: now); e.g. 2026-11-01T00:00",
    )
    parser.add_argument("--prices", type=Path, metavar="FILE", help="price file (JSON)")


def _parse_end(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO time: {text!r}") from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def render(info: EndpointInfo, rec: Recommendation, console: Console) -> None:
    if info.serverless:
        current = f"serverless {info.memory_mb} MB, max concurrency {info.max_concurrency}" + (
            f", provisioned {info.provisioned_concurrency}" if info.provisioned_concurrency else ""
        )
    else:
        current = f"real-time {info.instance_type} x{info.instance_count}"
    console.print(f"Endpoint {info.name} (variant {info.variant}): {current}")
    evidence = table("What the metrics say", "metric", "value", numeric=("value",))
    for name, value in rec.evidence:
        evidence.add_row(name, value)
    console.print(evidence)
    settings = table("Recommendation", "setting", "value", "because")
    for s in rec.settings:
        settings.add_row(s.name, s.value, s.because)
    console.print(settings)


def run(args: argparse.Namespace, console: Console) -> int:
    if not 1 <= args.days <= 455:
        raise CliError("--days must be within 1..455 (CloudWatch keeps hourly data 455 days).")
    prices = load_prices(args.prices)
    ctx = AwsContext.from_args(args)
    info = describe_endpoint(ctx.client("sagemaker"), args.endpoint)
    end = args.end if args.end is not None else datetime.now(UTC)
    metrics = fetch_metrics(ctx.client("cloudwatch"), info, args.days, end)
    rec = recommend(info, metrics, prices)
    render(info, rec, console)
    return 0
