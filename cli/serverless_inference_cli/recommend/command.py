"""The ``recommend`` command line: read the endpoint and its metrics, apply the rules, report.

A window without data (an ``--end`` before the endpoint existed, a wrong ``--region``) or
without requests has nothing to size: the command says so and exits 1, and never reads an
empty window as an idle endpoint to delete.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from typing import Any

from serverless_inference_cli.aws import AwsContext
from serverless_inference_cli.errors import EXIT_FAILED, EXIT_OK
from serverless_inference_cli.options import add_prices_option, int_within
from serverless_inference_cli.output import Column, Report, Sheet
from serverless_inference_cli.prices import (
    free_tier_note,
    load_prices,
    prices_sheet,
    region_warning,
)
from serverless_inference_cli.recommend.cloudwatch import describe_endpoint, fetch_metrics, window
from serverless_inference_cli.recommend.rules import EndpointInfo, Recommendation, recommend

RETENTION_DAYS = 455
"""CloudWatch keeps hourly statistics for 455 days."""


def _parse_end(text: str) -> datetime:
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be an ISO time like 2026-11-01T00:00 (UTC unless it has an offset), got {text!r}"
        ) from None
    value = value if value.tzinfo else value.replace(tzinfo=UTC)
    if value > datetime.now(UTC) + timedelta(minutes=5):
        raise argparse.ArgumentTypeError(
            f"must not be in the future (CloudWatch has no data after now), got {text!r}"
        )
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--endpoint", required=True, metavar="NAME", help="endpoint to size (required)"
    )
    parser.add_argument(
        "--days",
        type=int_within(1, RETENTION_DAYS),
        default=30,
        metavar="N",
        help=f"days of metrics to read, 1..{RETENTION_DAYS} (default: 30)",
    )
    parser.add_argument(
        "--end",
        type=_parse_end,
        metavar="ISO-TIME",
        help="end of the window, e.g. 2026-11-01T00:00, UTC unless it has an offset (default: now)",
    )
    add_prices_option(parser)


def _current(info: EndpointInfo) -> str:
    if info.serverless:
        return f"serverless {info.memory_mb} MB, max concurrency {info.max_concurrency}" + (
            f", provisioned {info.provisioned_concurrency}" if info.provisioned_concurrency else ""
        )
    return f"real-time {info.instance_type} x{info.instance_count}"


def _sheets(rec: Recommendation) -> tuple[Sheet, Sheet]:
    evidence = Sheet(
        "evidence",
        "What the metrics say",
        (Column("metric", "metric"), Column("value", "value", numeric=True)),
    )
    for name, value in rec.evidence:
        evidence.add_row(name, value)
    settings = Sheet(
        "settings",
        "Recommendation",
        (Column("setting", "setting"), Column("value", "value"), Column("because", "because")),
    )
    for s in rec.settings:
        settings.add_row(s.name, s.value, s.because)
    return evidence, settings


def _no_data(report: Report, document: dict[str, Any], reason: str) -> int:
    report.warn(f"{reason}: nothing to recommend")
    report.finish({**document, "recommendation": None})
    return EXIT_FAILED


def run(args: argparse.Namespace, report: Report) -> int:
    ctx = AwsContext.from_args(args)
    region = ctx.ready()
    prices = load_prices(args.prices)
    info = describe_endpoint(ctx, args.endpoint)
    end = args.end if args.end is not None else datetime.now(UTC)
    start, end = window(info, args.days, end)
    report.line(f"Endpoint {info.name} (variant {info.variant}) in {region}: {_current(info)}")
    document: dict[str, Any] = {
        "endpoint": info.name,
        "variant": info.variant,
        "region": region,
        "current": _current(info),
        "window": {"start": start.isoformat(), "end": end.isoformat()},
    }
    if start >= end:
        created = f"{info.created:%Y-%m-%d %H:%M} UTC" if info.created else "later"
        return _no_data(
            report,
            document,
            f"no data: endpoint {info.name} was created at {created}, after the window's end "
            f"({end:%Y-%m-%d %H:%M} UTC); pass a later --end",
        )
    if end - start < timedelta(days=args.days):
        report.line(
            f"The window starts at {start:%Y-%m-%d %H:%M} UTC, when the endpoint was created "
            f"({(end - start) / timedelta(days=1):.1f} of the {args.days} days asked for)."
        )
    metrics = fetch_metrics(ctx, info, start, end)
    span = f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC"
    if metrics.datapoints == 0:
        return _no_data(
            report,
            document,
            f"no data: CloudWatch has no datapoint for {info.name} (variant {info.variant}) in "
            f"{region} from {span}; check --end, --days and --region",
        )
    if sum(metrics.invocations) == 0:
        return _no_data(report, document, f"no requests: {info.name} served no request from {span}")
    if (warning := region_warning(prices, region)) is not None:
        report.warn(warning)
    rec = recommend(info, metrics, prices)
    evidence, settings = _sheets(rec)
    report.table(evidence)
    report.table(settings, main=True)
    report.line(free_tier_note(prices))
    rates = ["serverless_compute_per_gb_second"]
    if rec.provisioned_concurrency:
        rates += ["provisioned_concurrency_per_gb_second", "provisioned_inference_per_gb_second"]
    instance_name = (rec.instance_name or "").split(" x")[0]
    report.table(prices_sheet(prices, rates, [instance_name] if instance_name else []))
    report.finish(
        {
            **document,
            "recommendation": {
                "platform": rec.platform,
                "memory_mb": rec.memory_mb,
                "max_concurrency": rec.max_concurrency,
                "provisioned_concurrency": rec.provisioned_concurrency,
                "keep_warm_hours": rec.keep_warm_hours,
                "keep_warm_days": rec.keep_warm_days,
                "keep_warm_concurrency": rec.keep_warm_concurrency,
                "latency_ms": rec.latency_s * 1000,
                "monthly_requests": rec.monthly_requests,
                "serverless_monthly": rec.serverless_monthly,
                "instance_monthly": rec.instance_monthly,
                "instance": rec.instance_name,
            },
        }
    )
    return EXIT_OK
