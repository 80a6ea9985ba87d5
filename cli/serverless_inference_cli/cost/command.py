"""The ``cost`` command line: options, their parsing, and the report.

Shows the monthly cost of every option at the given volume (cheapest first), the volume above
which each instance type becomes cheaper, the prices used with their provenance, the model's
assumptions, warnings (provisioned concurrency that cannot serve the traffic), and the chart.
"""

from __future__ import annotations

import argparse

from serverless_inference_cli.cost.chart import plot_costs
from serverless_inference_cli.cost.model import (
    DAYS_PER_MONTH,
    HOURS_PER_MONTH,
    INSTANCE,
    PROVISIONED,
    CostInputs,
    CostOption,
    Traffic,
    build_options,
    crossover,
    spillover,
)
from serverless_inference_cli.errors import EXIT_OK, CliError
from serverless_inference_cli.options import (
    add_chart_options,
    add_prices_option,
    int_within,
    non_negative_float,
    one_of,
    positive_float,
)
from serverless_inference_cli.output import Column, Report, Sheet, cell, count, money
from serverless_inference_cli.prices import (
    Prices,
    free_tier_note,
    load_prices,
    prices_sheet,
)
from serverless_inference_runtime.limits import MEMORY_SIZES_MB


def parse_durations(text: str) -> dict[int, float]:
    """``--duration-ms``: ``"300"`` (every tier) or ``"1024:900,2048:450"``; seconds out."""
    text = text.strip()
    try:
        if ":" not in text:
            return dict.fromkeys(MEMORY_SIZES_MB, float(text) / 1000)
        result: dict[int, float] = {}
        for item in text.split(","):
            tier, _, ms = item.partition(":")
            result[int(tier)] = float(ms) / 1000
        return result
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be milliseconds ('300') or TIER:MS pairs ('1024:900,2048:450'), got {text!r}"
        ) from None


def parse_hourly(text: str) -> list[float]:
    """``--requests-per-hour``: one value for every hour or 24 comma-separated values."""
    values = [non_negative_float(v) for v in text.split(",")]
    if len(values) == 1:
        return values * 24
    if len(values) != 24:
        raise argparse.ArgumentTypeError(f"needs 1 or 24 values, got {len(values)}")
    return values


def parse_hours(text: str) -> float | list[int]:
    """A count of hours a day (``"10"``) or a UTC window ``"8-18"`` (its hours, 8..17)."""
    try:
        if "-" in text:
            start_text, _, end_text = text.partition("-")
            start, end = int(start_text), int(end_text)
            if not (0 <= start <= 23 and 0 <= end <= 24):
                raise ValueError
            length = (end - start) % 24 or 24
            return [(start + i) % 24 for i in range(length)]
        hours = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be hours a day ('10') or a UTC window START-END ('8-18'), got {text!r}"
        ) from None
    if not 0 < hours <= 24:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 24 hours, got {text!r}")
    return hours


def add_arguments(parser: argparse.ArgumentParser) -> None:
    traffic = parser.add_mutually_exclusive_group(required=True)
    traffic.add_argument(
        "--requests-per-month",
        type=non_negative_float,
        metavar="N",
        help="requests a month, spread evenly over the day (required, or --requests-per-hour)",
    )
    traffic.add_argument(
        "--requests-per-hour",
        type=parse_hourly,
        metavar="N[,N...]",
        help="requests in each hour of the day, 1 value or 24 (hours 0..23 UTC), every day of "
        "a 730-hour month (required, or --requests-per-month)",
    )
    parser.add_argument(
        "--duration-ms",
        type=parse_durations,
        required=True,
        metavar="MS|TIER:MS,...",
        help="mean inference duration in milliseconds, one value for every tier or per tier "
        "('1024:900,2048:450'), at most 60,000 (required)",
    )
    parser.add_argument(
        "--memory",
        type=one_of(MEMORY_SIZES_MB),
        metavar="MB",
        help="tier of the provisioned-concurrency and keep-warm options (default: 2048 if it "
        "has a duration, else the smallest tier given)",
    )
    parser.add_argument(
        "--request-kb",
        type=non_negative_float,
        default=1.0,
        metavar="KB",
        help="request body size in KB, for data processing (default: 1)",
    )
    parser.add_argument(
        "--response-kb",
        type=non_negative_float,
        default=1.0,
        metavar="KB",
        help="response body size in KB, for data processing (default: 1)",
    )
    parser.add_argument(
        "--provisioned-concurrency",
        type=int_within(0, 200),
        default=1,
        metavar="N",
        help="environments of the provisioned-concurrency option, 0 leaves it out (default: 1)",
    )
    parser.add_argument(
        "--pc-hours-per-day",
        type=parse_hours,
        default="24",
        metavar="H|START-END",
        help="hours a day provisioned concurrency is provisioned (billed): a count (the "
        "busiest hours) or a UTC window '8-18', as a schedule would (default: 24)",
    )
    parser.add_argument(
        "--keep-warm-minutes",
        type=non_negative_float,
        default=5.0,
        metavar="MIN",
        help="minutes between keep-warm pings, 0 leaves the option out (default: 5)",
    )
    parser.add_argument(
        "--keep-warm-concurrency",
        type=int_within(1, 200),
        default=1,
        metavar="N",
        help="parallel pings each time (default: 1)",
    )
    parser.add_argument(
        "--keep-warm-hours",
        type=parse_hours,
        default="24",
        metavar="H|START-END",
        help="hours a day the keep-warm schedule runs: a count or a UTC window '8-18' "
        "(default: 24)",
    )
    parser.add_argument(
        "--ping-ms",
        type=positive_float,
        metavar="MS",
        help="duration of one ping in milliseconds (default: --duration-ms at --memory)",
    )
    parser.add_argument(
        "--instance-types",
        metavar="TYPE[,TYPE...]",
        help="real-time instance types to compare (default: every type in the price file)",
    )
    parser.add_argument(
        "--instance-count",
        type=int_within(1, 1000),
        default=1,
        metavar="N",
        help="instances of each real-time option (default: 1)",
    )
    add_prices_option(parser)
    add_chart_options(parser, "serverless-inference-cost.png")


def inputs_from_args(args: argparse.Namespace) -> CostInputs:
    request_bytes = args.request_kb * 1024
    response_bytes = args.response_kb * 1024
    if args.requests_per_hour is not None:
        traffic = Traffic.from_hourly(args.requests_per_hour, request_bytes, response_bytes)
    else:
        traffic = Traffic(
            args.requests_per_month, request_bytes=request_bytes, response_bytes=response_bytes
        )
    durations = args.duration_ms
    if args.memory is not None:
        memory = args.memory
    elif 2048 in durations:
        memory = 2048
    else:
        memory = min(durations)
    pc_hours = args.pc_hours_per_day
    if not isinstance(pc_hours, list):
        if pc_hours != int(pc_hours):
            raise CliError(f"--pc-hours-per-day must be whole hours, got {pc_hours:g}")
        pc_hours = traffic.busiest_hours(int(pc_hours))
    keep_warm_hours = args.keep_warm_hours
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
        pc_hours=tuple(pc_hours),
        keep_warm_minutes=args.keep_warm_minutes,
        keep_warm_concurrency=args.keep_warm_concurrency,
        keep_warm_hours=float(
            len(keep_warm_hours) if isinstance(keep_warm_hours, list) else keep_warm_hours
        ),
        ping_s=args.ping_ms / 1000 if args.ping_ms is not None else None,
        instance_types=instance_types,
        instance_count=args.instance_count,
    )


def _hours_text(hours: tuple[int, ...]) -> str:
    if len(hours) == 24:
        return "all day"
    return f"{len(hours)} h/day (UTC hours {', '.join(map(str, hours))})"


def options_sheet(options: list[CostOption], requests: float) -> Sheet:
    """Every option at ``requests`` a month, cheapest first."""
    sheet = Sheet(
        "options",
        "Monthly cost",
        (
            Column("option", "option"),
            Column("kind", "kind", in_table=False),
            Column("monthly", "monthly", numeric=True),
            Column("per_1000", "per 1,000", numeric=True),
            Column("fixed_monthly", "fixed / month", numeric=True),
            Column("marginal_per_1000", "next 1,000", numeric=True),
            Column("cheapest", "cheapest", in_table=False),
            Column("note", "note"),
        ),
    )
    ranked = sorted(options, key=lambda o: o.monthly(requests))
    for option in ranked:
        cheapest = option is ranked[0]
        monthly = option.monthly(requests)
        per_1000 = option.per_thousand(requests)
        marginal = option.marginal(requests) * 1000
        sheet.add_row(
            option.name,
            option.kind,
            cell(monthly, money(monthly)),
            cell(per_1000, money(per_1000)),
            cell(option.fixed_monthly, money(option.fixed_monthly)),
            cell(marginal, money(marginal)),
            cheapest,
            "; ".join((*(("cheapest",) if cheapest else ()), *option.notes)),
        )
    return sheet


def crossover_sheet(options: list[CostOption]) -> Sheet | None:
    """For each serverless option, the volume above which each instance type is cheaper."""
    instances = [o for o in options if o.kind == INSTANCE]
    if not instances:
        return None
    sheet = Sheet(
        "crossover",
        "Crossover: requests/month above which the instance is cheaper",
        (
            Column("option", "serverless option"),
            *(Column(i.name, i.name, numeric=True) for i in instances),
        ),
    )
    for s in (o for o in options if o.kind != INSTANCE):
        cells = []
        for i in instances:
            x = crossover(s, i)
            cells.append(cell(x, "never" if x is None else count(x)))
        sheet.add_row(s.name, *cells)
    return sheet


def _rates_used(options: list[CostOption]) -> list[str]:
    keys = ["serverless_compute_per_gb_second", "data_processing_per_gb"]
    if any(o.kind == PROVISIONED for o in options):
        keys += ["provisioned_concurrency_per_gb_second", "provisioned_inference_per_gb_second"]
    return keys


def run(args: argparse.Namespace, report: Report) -> int:
    prices: Prices = load_prices(args.prices)
    inputs = inputs_from_args(args)
    options = build_options(inputs, prices)
    traffic = inputs.traffic
    requests = traffic.requests_per_month
    spread = (
        "a daily profile (--requests-per-hour)"
        if traffic.profiled
        else "spread evenly over every hour"
    )
    report.line(
        f"Traffic: {requests:,.0f} requests/month ({spread}; {traffic.peak_per_second:.3g}/s in "
        f"the busiest hour), {traffic.request_bytes / 1024:g} KB in + "
        f"{traffic.response_bytes / 1024:g} KB out per request"
    )
    assumptions = [
        f"A month is {HOURS_PER_MONTH} hours ({DAYS_PER_MONTH:.2f} days) for requests, "
        "schedules, provisioned concurrency and instances alike.",
        free_tier_note(prices),
    ]
    if inputs.provisioned_concurrency:
        assumptions.append(
            f"Provisioned concurrency {inputs.provisioned_concurrency} is billed "
            f"{_hours_text(tuple(inputs.pc_hours))} (--pc-hours-per-day); each environment "
            "serves one request at a time, requests spread evenly within an hour, and the "
            "rest is billed on demand."
        )
    for line in assumptions:
        report.line(line)
    report.table(options_sheet(options, requests), main=True)
    if inputs.provisioned_concurrency:
        duration = inputs.durations_s[inputs.memory_mb]
        beyond, outside = spillover(
            inputs.provisioned_concurrency, duration, traffic, inputs.pc_hours
        )
        if beyond > 0:
            report.warn(
                f"{beyond:,.0f} requests/month ({beyond / requests:.1%}) are more than "
                f"{inputs.provisioned_concurrency} provisioned environment(s) serve in their "
                f"hours (environments x 3,600 s / {duration * 1000:g} ms an hour): the PC "
                "option bills them on demand; raise --provisioned-concurrency to cover them"
            )
        if outside > 0:
            report.line(
                f"{outside:,.0f} requests/month fall outside the provisioned hours and are "
                "billed on demand in the PC option."
            )
    if (crossovers := crossover_sheet(options)) is not None:
        report.table(crossovers)
    instances = [o.name.split(" x")[0] for o in options if o.kind == INSTANCE]
    report.table(prices_sheet(prices, _rates_used(options), instances))
    chart = None
    if not args.no_chart:
        plot_costs(options, requests, args.chart)
        chart = str(args.chart)
        report.line(f"Chart: {chart} ({len(options)} lines)")
    report.finish(
        {
            "traffic": {
                "requests_per_month": requests,
                "peak_per_second": traffic.peak_per_second,
                "hourly_shares": list(traffic.hourly_shares),
                "request_bytes": traffic.request_bytes,
                "response_bytes": traffic.response_bytes,
            },
            "assumptions": assumptions,
            "chart": chart,
        }
    )
    return EXIT_OK
