"""``serverless-inference cost``: monthly cost of serverless options against instances.

Every option is linear in the monthly request count ``N``::

    monthly(N) = fixed + per_request * N

* serverless on demand at memory ``M`` GB with inference duration ``d`` s:
  ``fixed = 0``, ``per_request = d * M * compute_per_gb_second + data_gb * data_per_gb``;
* provisioned concurrency ``PC``: ``fixed = PC * M * SECONDS_PER_MONTH * pc_provisioned``,
  ``per_request = d * M * pc_inference + data``; all requests are assumed to be served by the
  provisioned environments (spill-over would be billed on demand);
* keep-warm every ``k`` minutes during ``h`` hours a day, ``c`` pings at a time, each ping
  lasting ``p`` s: ``fixed = DAYS_PER_MONTH * h * 60 / k * c * p * M * compute``,
  ``per_request`` as on demand (every 5 minutes all day = 8,640 pings a month);
* real-time instances: ``fixed = per_hour * HOURS_PER_MONTH * count``, ``per_request = data``
  (real-time endpoints pay the same data processing rate).

The crossover against an instance is the exact solution of ``monthly_s(N) = monthly_i(N)``.
Conventions: a month is 730 hours for always-on capacity (instances, provisioned concurrency,
as AWS prices them) and 30 days for schedules and hour-of-day profiles; 1 GB of memory is
1024 MB; 1 KB of payload is 1024 bytes and 1 GB of data 1024**3 bytes.
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure
from rich.console import Console

from serverless_inference_cli.aws import CliError
from serverless_inference_cli.charts import new_figure, save_png
from serverless_inference_cli.limits import MAX_PAYLOAD_BYTES, MEMORY_SIZES_MB
from serverless_inference_cli.prices import Prices, load_prices
from serverless_inference_cli.render import count, money, table

HOURS_PER_MONTH = 730
SECONDS_PER_MONTH = HOURS_PER_MONTH * 3600
DAYS_PER_MONTH = 30
BYTES_PER_GB = 1024**3

ON_DEMAND = "serverless"
PROVISIONED = "provisioned"
KEEP_WARM = "keep-warm"
INSTANCE = "instance"


@dataclass(frozen=True)
class Traffic:
    """A traffic profile: requests per month and the bytes each moves in and out."""

    requests_per_month: float
    request_bytes: float = 1024
    response_bytes: float = 1024

    @classmethod
    def from_hourly(
        cls, per_hour: Sequence[float], request_bytes: float = 1024, response_bytes: float = 1024
    ) -> Traffic:
        """From requests in each hour of the day (24 values), every day of a 30-day month."""
        if len(per_hour) != 24:
            raise CliError(f"An hourly profile needs 24 values (hour 0..23), got {len(per_hour)}.")
        return cls(sum(per_hour) * DAYS_PER_MONTH, request_bytes, response_bytes)

    @property
    def data_gb_per_request(self) -> float:
        return (self.request_bytes + self.response_bytes) / BYTES_PER_GB


@dataclass(frozen=True)
class CostOption:
    """One way to host the model, as a linear monthly cost ``fixed + per_request * N``."""

    name: str
    kind: str
    fixed_monthly: float
    per_request: float
    memory_mb: int | None = None
    note: str = ""

    def monthly(self, requests: float) -> float:
        return self.fixed_monthly + self.per_request * requests

    def per_thousand(self, requests: float) -> float:
        """Average cost of 1,000 requests at ``requests`` a month (infinite at 0)."""
        if requests <= 0:
            return math.inf
        return self.monthly(requests) / requests * 1000


def _gb(memory_mb: int) -> float:
    return memory_mb / 1024


def on_demand(memory_mb: int, duration_s: float, traffic: Traffic, prices: Prices) -> CostOption:
    """Serverless billed per inference GB-second plus data processed."""
    per_request = (
        duration_s * _gb(memory_mb) * prices.compute_per_gb_second
        + traffic.data_gb_per_request * prices.data_processing_per_gb
    )
    return CostOption(f"serverless {memory_mb} MB", ON_DEMAND, 0.0, per_request, memory_mb)


def provisioned(
    memory_mb: int, duration_s: float, concurrency: int, traffic: Traffic, prices: Prices
) -> CostOption:
    """Serverless with ``concurrency`` provisioned environments serving every request."""
    fixed = concurrency * _gb(memory_mb) * SECONDS_PER_MONTH * prices.pc_provisioned_per_gb_second
    per_request = (
        duration_s * _gb(memory_mb) * prices.pc_inference_per_gb_second
        + traffic.data_gb_per_request * prices.data_processing_per_gb
    )
    note = "" if prices.pc_verified else "PC rates unverified"
    return CostOption(
        f"serverless {memory_mb} MB + PC {concurrency}",
        PROVISIONED,
        fixed,
        per_request,
        memory_mb,
        note,
    )


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
    fixed = pings * concurrency * ping * _gb(memory_mb) * prices.compute_per_gb_second
    base = on_demand(memory_mb, duration_s, traffic, prices)
    hours = "" if active_hours == 24 else f", {active_hours:g} h/day"
    return CostOption(
        f"serverless {memory_mb} MB + keep-warm {interval_minutes:g} min x{concurrency}{hours}",
        KEEP_WARM,
        fixed,
        base.per_request,
        memory_mb,
        f"{pings:,.0f} pings/month",
    )


def instance(name: str, count: int, traffic: Traffic, prices: Prices) -> CostOption:
    """A real-time endpoint on ``count`` instances of type ``name``, always on."""
    price = prices.instance(name)
    fixed = price.per_hour * HOURS_PER_MONTH * count
    per_request = traffic.data_gb_per_request * prices.data_processing_per_gb
    return CostOption(
        f"{name} x{count}", INSTANCE, fixed, per_request, int(price.memory_gib * 1024)
    )


def crossover(serverless: CostOption, always_on: CostOption) -> float | None:
    """Requests a month above which ``always_on`` is cheaper than ``serverless``.

    ``None`` when it never is (serverless costs no more per request), ``0.0`` when it already
    is at zero requests.
    """
    slope = serverless.per_request - always_on.per_request
    if slope <= 0:
        return None
    return max(0.0, (always_on.fixed_monthly - serverless.fixed_monthly) / slope)


@dataclass(frozen=True)
class CostInputs:
    """What the ``cost`` subcommand was asked to compare."""

    traffic: Traffic
    durations_s: Mapping[int, float]
    memory_mb: int
    provisioned_concurrency: int = 1
    keep_warm_minutes: float = 5
    keep_warm_concurrency: int = 1
    keep_warm_hours: float = 24
    ping_s: float | None = None
    instance_types: Sequence[str] = ()
    instance_count: int = 1


def validate_inputs(inputs: CostInputs) -> None:
    """Raise one :class:`CliError` listing every bad input."""
    problems: list[str] = []
    if inputs.traffic.requests_per_month < 0:
        problems.append("requests per month must not be negative")
    for tier, duration in inputs.durations_s.items():
        if tier not in MEMORY_SIZES_MB:
            problems.append(f"memory tier must be one of {MEMORY_SIZES_MB}, got {tier}")
        if not duration > 0:
            problems.append(f"duration at {tier} MB must be positive, got {duration * 1000:g} ms")
    if not inputs.durations_s:
        problems.append("give at least one inference duration (--duration-ms)")
    if inputs.memory_mb not in inputs.durations_s:
        problems.append(f"--memory {inputs.memory_mb} has no duration (--duration-ms)")
    if inputs.provisioned_concurrency < 0:
        problems.append("provisioned concurrency must not be negative")
    if inputs.keep_warm_minutes < 0:
        problems.append("keep-warm interval must not be negative")
    if not 0 < inputs.keep_warm_hours <= 24:
        problems.append(f"keep-warm hours must be in (0, 24], got {inputs.keep_warm_hours:g}")
    if inputs.instance_count < 1:
        problems.append("instance count must be at least 1")
    for size, label in (
        (inputs.traffic.request_bytes, "request"),
        (inputs.traffic.response_bytes, "response"),
    ):
        if size < 0:
            problems.append(f"{label} size must not be negative")
        elif size > MAX_PAYLOAD_BYTES:
            problems.append(
                f"{label} size {size / 1024:,.0f} KB exceeds the serverless limit of "
                f"{MAX_PAYLOAD_BYTES // 1024:,} KB"
            )
    if problems:
        raise CliError("Invalid cost inputs:\n  - " + "\n  - ".join(problems))


def build_options(inputs: CostInputs, prices: Prices) -> list[CostOption]:
    """The options to compare: on demand at each tier with a duration, PC and keep-warm at
    ``memory_mb`` (when enabled), and each instance type."""
    validate_inputs(inputs)
    traffic = inputs.traffic
    options = [
        on_demand(tier, inputs.durations_s[tier], traffic, prices)
        for tier in sorted(inputs.durations_s)
    ]
    duration = inputs.durations_s[inputs.memory_mb]
    if inputs.provisioned_concurrency > 0:
        options.append(
            provisioned(inputs.memory_mb, duration, inputs.provisioned_concurrency, traffic, prices)
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
        prices.instances, key=lambda n: prices.instances[n].per_hour
    )
    options.extend(instance(name, inputs.instance_count, traffic, prices) for name in names)
    return options


def chart_range(options: Sequence[CostOption], requests: float) -> tuple[float, float]:
    """Monthly request counts the chart spans: the user's volume and every crossover."""
    points = [requests] if requests > 0 else []
    serverless = [o for o in options if o.kind != INSTANCE]
    for s in serverless:
        for i in (o for o in options if o.kind == INSTANCE):
            x = crossover(s, i)
            if x is not None and x > 0:
                points.append(x)
    high = max(points) * 10 if points else 1e7
    low = min(points) / 10 if points else 1e3
    return max(low, 100.0), max(high, 1e4)


def plot_costs(options: Sequence[CostOption], requests: float, path: Path | None = None) -> Figure:
    """Monthly cost against monthly requests, one line per option (log-log), saved as PNG."""
    low, high = chart_range(options, requests)
    xs = np.geomspace(low, high, 200)
    figure = new_figure()
    axes = figure.add_subplot()
    for option in options:
        style = "--" if option.kind == INSTANCE else "-"
        ys = option.fixed_monthly + option.per_request * xs
        axes.plot(xs, np.maximum(ys, 1e-4), style, label=option.name)
    if requests > 0:
        axes.axvline(requests, color="grey", linestyle=":", label="_your traffic")
        axes.annotate(
            f"your traffic\n{requests:,.0f}/month",
            (requests, axes.get_ylim()[1]),
            textcoords="offset points",
            xytext=(4, -24),
            fontsize=8,
            color="grey",
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("requests per month")
    axes.set_ylabel("monthly cost (USD)")
    axes.set_title("Serverless options against real-time instances")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7, loc="lower right")
    if path is not None:
        save_png(figure, path)
    return figure


def parse_durations(text: str) -> dict[int, float]:
    """``--duration-ms``: ``"300"`` (every tier) or ``"1024:900,2048:450"``; seconds out."""
    text = text.strip()
    if not text:
        raise CliError("--duration-ms is empty.")
    try:
        if ":" not in text:
            value = float(text) / 1000
            return dict.fromkeys(MEMORY_SIZES_MB, value)
        result: dict[int, float] = {}
        for item in text.split(","):
            tier, _, ms = item.partition(":")
            result[int(tier)] = float(ms) / 1000
        return result
    except ValueError:
        raise CliError(
            f"--duration-ms must be milliseconds ('300') or TIER:MS pairs "
            f"('1024:900,2048:450'), got {text!r}."
        ) from None


def parse_hourly(text: str) -> list[float]:
    """``--requests-per-hour``: one value for every hour or 24 comma-separated values."""
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise CliError(f"--requests-per-hour must be numbers, got {text!r}.") from None
    if len(values) == 1:
        return values * 24
    if len(values) != 24:
        raise CliError(f"--requests-per-hour needs 1 or 24 values, got {len(values)}.")
    if any(v < 0 for v in values):
        raise CliError("--requests-per-hour values must not be negative.")
    return values


def parse_hours(text: str) -> float:
    """``--keep-warm-hours``: a count (``"10"``) or a UTC window ``"8-18"``."""
    try:
        if "-" in text:
            start, _, end = text.partition("-")
            return float((int(end) - int(start)) % 24 or 24)
        return float(text)
    except ValueError:
        raise CliError(f"--keep-warm-hours must be '10' or '8-18', got {text!r}.") from None


# ---------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    traffic = parser.add_mutually_exclusive_group(required=True)
    traffic.add_argument(
        "--requests-per-month", type=float, metavar="N", help="monthly request volume"
    )
    traffic.add_argument(
        "--requests-per-hour",
        metavar="N[,N...]",
        help="requests in each hour of the day: 1 value or 24 (hour 0..23 UTC), 30-day month",
    )
    parser.add_argument(
        "--duration-ms",
        required=True,
        metavar="MS|TIER:MS,...",
        help="average inference duration: one value for every tier, or per tier "
        "('1024:900,2048:450,3072:320')",
    )
    parser.add_argument(
        "--memory",
        type=int,
        metavar="MB",
        help="tier for the provisioned-concurrency and keep-warm options "
        "(default: 2048 if it has a duration, else the smallest tier given)",
    )
    parser.add_argument("--request-kb", type=float, default=1.0, help="request size (default 1)")
    parser.add_argument("--response-kb", type=float, default=1.0, help="response size (default 1)")
    parser.add_argument(
        "--provisioned-concurrency",
        type=int,
        default=1,
        metavar="N",
        help="provisioned concurrency option (default 1; 0 leaves it out)",
    )
    parser.add_argument(
        "--keep-warm-minutes",
        type=float,
        default=5,
        metavar="MIN",
        help="keep-warm ping interval (default 5; 0 leaves it out)",
    )
    parser.add_argument(
        "--keep-warm-concurrency", type=int, default=1, metavar="N", help="pings at a time"
    )
    parser.add_argument(
        "--keep-warm-hours",
        default="24",
        metavar="H|START-END",
        help="hours a day the schedule runs: '24' or a UTC window '8-18' (default 24)",
    )
    parser.add_argument(
        "--ping-ms", type=float, metavar="MS", help="duration of a ping (default: --duration-ms)"
    )
    parser.add_argument(
        "--instance-types",
        metavar="TYPE,...",
        help="real-time instance types to compare (default: all in the price file)",
    )
    parser.add_argument("--instance-count", type=int, default=1, metavar="N")
    parser.add_argument("--prices", type=Path, metavar="FILE", help="price file (JSON)")
    parser.add_argument(
        "--chart",
        type=Path,
        default=Path("serverless-inference-cost.png"),
        metavar="PNG",
        help="where to write the chart (default serverless-inference-cost.png)",
    )
    parser.add_argument("--no-chart", action="store_true", help="do not write a chart")


def inputs_from_args(args: argparse.Namespace) -> CostInputs:
    request_bytes = args.request_kb * 1024
    response_bytes = args.response_kb * 1024
    if args.requests_per_hour is not None:
        traffic = Traffic.from_hourly(
            parse_hourly(args.requests_per_hour), request_bytes, response_bytes
        )
    else:
        traffic = Traffic(args.requests_per_month, request_bytes, response_bytes)
    durations = parse_durations(args.duration_ms)
    if args.memory is not None:
        memory = args.memory
    elif 2048 in durations:
        memory = 2048
    else:
        memory = min(durations)
    instance_types = (
        tuple(t.strip() for t in args.instance_types.split(",") if t.strip())
        if args.instance_types
        else ()
    )
    return CostInputs(
        traffic=traffic,
        durations_s=durations,
        memory_mb=memory,
        provisioned_concurrency=args.provisioned_concurrency,
        keep_warm_minutes=args.keep_warm_minutes,
        keep_warm_concurrency=args.keep_warm_concurrency,
        keep_warm_hours=parse_hours(args.keep_warm_hours),
        ping_s=args.ping_ms / 1000 if args.ping_ms is not None else None,
        instance_types=instance_types,
        instance_count=args.instance_count,
    )


def run(args: argparse.Namespace, console: Console) -> int:
    prices = load_prices(args.prices)
    inputs = inputs_from_args(args)
    options = build_options(inputs, prices)
    requests = inputs.traffic.requests_per_month
    console.print(
        f"Prices: {prices.region}, {prices.currency}, checked {prices.checked}"
        + (" (provisioned-concurrency rates unverified)" if not prices.pc_verified else "")
    )
    console.print(
        f"Traffic: {requests:,.0f} requests/month "
        f"({requests / SECONDS_PER_MONTH:.3g}/s on average), "
        f"{inputs.traffic.request_bytes / 1024:g} KB in + "
        f"{inputs.traffic.response_bytes / 1024:g} KB out per request"
    )
    cheapest = min(options, key=lambda o: o.monthly(requests))
    costs = table(
        "Monthly cost",
        "option",
        "monthly",
        "per 1,000 requests",
        "fixed / month",
        "per 1,000 marginal",
        "note",
        numeric=("monthly", "per 1,000 requests", "fixed / month", "per 1,000 marginal"),
    )
    for option in sorted(options, key=lambda o: o.monthly(requests)):
        marker = " (cheapest)" if option is cheapest else ""
        costs.add_row(
            option.name + marker,
            money(option.monthly(requests)),
            money(option.per_thousand(requests)),
            money(option.fixed_monthly),
            money(option.per_request * 1000),
            option.note,
        )
    console.print(costs)
    instances = [o for o in options if o.kind == INSTANCE]
    serverless = [o for o in options if o.kind != INSTANCE]
    if instances:
        cross = table(
            "Crossover: requests/month above which the instance is cheaper",
            "serverless option",
            *(i.name for i in instances),
            numeric=tuple(i.name for i in instances),
        )
        for s in serverless:
            cells = []
            for i in instances:
                x = crossover(s, i)
                cells.append("never" if x is None else count(x))
            cross.add_row(s.name, *cells)
        console.print(cross)
    if not args.no_chart:
        plot_costs(options, requests, args.chart)
        console.print(f"Chart: {args.chart} ({len(options)} lines)")
    return 0
