"""The ``benchmark`` options, their defaults, and how they combine (:func:`plan`).

Each value is checked while the command line is parsed (:mod:`serverless_inference_cli.options`);
:func:`plan` checks the combinations and reads the payload, listing every problem in one
error, before anything is sent.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

from serverless_inference_cli.benchmark.analysis import ColdStartRule, Gates
from serverless_inference_cli.benchmark.sweep import Strategy
from serverless_inference_cli.errors import CliError
from serverless_inference_cli.options import (
    add_chart_options,
    add_prices_option,
    fraction,
    http_url,
    int_within,
    list_of,
    non_negative_float,
    one_of,
    output_file,
    positive_float,
    readable_file,
)
from serverless_inference_runtime.limits import (
    INVOCATION_TIMEOUT_SECONDS,
    MAX_CONCURRENCY_LIMIT,
    MAX_PAYLOAD_BYTES,
    MEMORY_SIZES_MB,
)

DEFAULT_REQUESTS = 50
DEFAULT_TIMEOUT_S = INVOCATION_TIMEOUT_SECONDS + 10.0
SWEEP_DEFAULTS: dict[str, Any] = {
    "tiers": None,
    "max_concurrency": 5,
    "strategy": Strategy.COST,
    "balanced_weight": 0.5,
    "sweep_prefix": "si-sweep",
    "wait_timeout": 900.0,
    "poll_interval": 15.0,
}


def _prefix(text: str) -> str:
    if not text or len(text) > 40 or not all(c.isalnum() or c == "-" for c in text):
        raise argparse.ArgumentTypeError(
            f"must be 1-40 letters, digits and hyphens (endpoint names), got {text!r}"
        )
    return text


def add_arguments(parser: argparse.ArgumentParser) -> None:
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument(
        "--endpoint",
        metavar="NAME",
        help="endpoint to invoke through SageMaker Runtime (required: this, --url or "
        "--memory-sweep)",
    )
    target.add_argument(
        "--url",
        type=http_url,
        help="API URL to POST to, e.g. an API Gateway stage's route (required: this, --endpoint or "
        "--memory-sweep)",
    )
    target.add_argument(
        "--memory-sweep",
        action="store_true",
        help="benchmark --model-name at each memory tier on a temporary endpoint, deleted after "
        "(required: this, --endpoint or --url)",
    )
    parser.add_argument(
        "--payload",
        type=readable_file,
        required=True,
        metavar="FILE",
        help=f"request body sent every time, at most {MAX_PAYLOAD_BYTES:,} bytes (required)",
    )
    parser.add_argument(
        "--content-type",
        default="application/json",
        metavar="TYPE",
        help="Content-Type header (default: application/json)",
    )
    parser.add_argument("--accept", metavar="TYPE", help="Accept header (default: none sent)")
    parser.add_argument(
        "--concurrency",
        type=list_of(int_within(1, MAX_CONCURRENCY_LIMIT)),
        default=[1],
        metavar="N[,N...]",
        help=f"parallel requests of each level, 1..{MAX_CONCURRENCY_LIMIT}; one level with "
        "--memory-sweep, at most --max-concurrency (default: 1)",
    )
    amount = parser.add_mutually_exclusive_group()
    amount.add_argument(
        "--requests",
        type=int_within(1, 1_000_000),
        metavar="N",
        help=f"requests per level (default: {DEFAULT_REQUESTS})",
    )
    amount.add_argument(
        "--duration",
        type=positive_float,
        metavar="SECONDS",
        help="seconds per level, instead of a number of requests (default: --requests)",
    )
    parser.add_argument(
        "--warmup",
        type=int_within(0, 10_000),
        metavar="N",
        help="requests sent first at the level's concurrency, reported apart (default: 0; "
        "with --memory-sweep the concurrency level, so every environment starts first)",
    )
    parser.add_argument(
        "--memory",
        type=one_of(MEMORY_SIZES_MB),
        metavar="MB",
        help="memory the cost per 1,000 requests is priced at (default: the endpoint's, read "
        "from SageMaker; no cost for --url)",
    )
    parser.add_argument(
        "--cold-start-factor",
        type=positive_float,
        default=3.0,
        metavar="X",
        help="a success slower than X times the median and than median + --cold-start-extra-ms "
        "is a suspected cold start (default: 3)",
    )
    parser.add_argument(
        "--cold-start-extra-ms",
        type=non_negative_float,
        default=1000.0,
        metavar="MS",
        help="see --cold-start-factor, in milliseconds (default: 1000)",
    )
    parser.add_argument(
        "--timeout",
        type=positive_float,
        default=DEFAULT_TIMEOUT_S,
        metavar="SECONDS",
        help=f"seconds to wait for each answer (default: {DEFAULT_TIMEOUT_S:g}, SageMaker's "
        f"{INVOCATION_TIMEOUT_SECONDS} s limit plus network)",
    )
    parser.add_argument(
        "--max-error-rate",
        type=fraction,
        metavar="FRACTION",
        help="exit 1 when a level's share of failed requests is above this, 0..1 (default: no "
        "gate; a level whose every request failed always fails)",
    )
    parser.add_argument(
        "--max-p99-ms",
        type=positive_float,
        metavar="MS",
        help="exit 1 when a level's p99 latency is above this many milliseconds (default: no gate)",
    )
    parser.add_argument(
        "--sigv4",
        action="store_true",
        help="sign --url requests with SigV4 for execute-api (default: unsigned)",
    )
    parser.add_argument(
        "--endpoint-url",
        type=http_url,
        metavar="URL",
        help="SageMaker Runtime URL for --endpoint and --memory-sweep (default: the region's)",
    )
    add_prices_option(parser)
    parser.add_argument(
        "--output",
        type=output_file,
        metavar="FILE",
        help="write every measurement as JSON, rewritten after each level or tier (default: none)",
    )
    add_chart_options(parser, "serverless-inference-benchmark.png")
    sweep = parser.add_argument_group("memory sweep (--memory-sweep)")
    sweep.add_argument(
        "--model-name",
        metavar="NAME",
        help="existing SageMaker model deployed at each tier (required with --memory-sweep)",
    )
    sweep.add_argument(
        "--tiers",
        type=list_of(one_of(MEMORY_SIZES_MB)),
        metavar="MB[,MB...]",
        help="memory tiers to sweep (default: every tier up to the account's serverless memory "
        "quota; every tier when the quota cannot be read)",
    )
    sweep.add_argument(
        "--max-concurrency",
        type=int_within(1, MAX_CONCURRENCY_LIMIT),
        metavar="N",
        help=f"MaxConcurrency of the temporary endpoints (default: "
        f"{SWEEP_DEFAULTS['max_concurrency']})",
    )
    sweep.add_argument(
        "--strategy",
        type=Strategy,
        choices=list(Strategy),
        help="how the winning tier is picked: lowest cost per 1,000 requests, lowest mean "
        "latency, or both weighted by --balanced-weight (default: cost)",
    )
    sweep.add_argument(
        "--balanced-weight",
        type=fraction,
        metavar="FRACTION",
        help="weight of cost against latency for --strategy balanced, 0..1 (default: 0.5)",
    )
    sweep.add_argument(
        "--sweep-prefix",
        type=_prefix,
        metavar="NAME",
        help="name prefix of the temporary endpoints (default: si-sweep)",
    )
    sweep.add_argument(
        "--wait-timeout",
        type=positive_float,
        metavar="SECONDS",
        help="seconds to wait for each endpoint to be InService (default: 900)",
    )
    sweep.add_argument(
        "--poll-interval",
        type=non_negative_float,
        metavar="SECONDS",
        help="seconds between status checks of a new endpoint (default: 15)",
    )


@dataclass(frozen=True)
class Plan:
    levels: list[int]
    requests: int | None
    duration_s: float | None
    body: bytes
    rule: ColdStartRule
    gates: Gates


def plan(args: argparse.Namespace) -> Plan:
    """Check how the options combine (each value was checked when parsed); one error lists
    every problem."""
    problems: list[str] = []
    given = [f"--{key.replace('_', '-')}" for key in SWEEP_DEFAULTS if getattr(args, key)]
    if args.memory_sweep:
        if not args.model_name:
            problems.append("--memory-sweep needs --model-name")
        if len(args.concurrency) > 1:
            problems.append(
                "--concurrency: a memory sweep measures one level, got "
                + ",".join(map(str, args.concurrency))
            )
        for key, default in SWEEP_DEFAULTS.items():
            if getattr(args, key) is None:
                setattr(args, key, default)
        if args.concurrency[0] > args.max_concurrency:
            problems.append(
                f"--concurrency {args.concurrency[0]} is above --max-concurrency "
                f"{args.max_concurrency} of the temporary endpoints: requests beyond it would "
                "be throttled"
            )
        if args.memory is not None:
            problems.append("--memory: a memory sweep prices each tier at its own memory")
    else:
        problems += [f"{option} needs --memory-sweep" for option in given]
        if args.model_name:
            problems.append("--model-name needs --memory-sweep")
    if args.sigv4 and not args.url:
        problems.append("--sigv4 signs --url requests only")
    if args.endpoint_url and args.url:
        problems.append("--endpoint-url is for SageMaker Runtime, not --url")
    try:
        body = args.payload.read_bytes()
    except OSError as exc:
        raise CliError(f"Cannot read payload {args.payload}: {exc.strerror}.") from exc
    if len(body) > MAX_PAYLOAD_BYTES:
        problems.append(
            f"--payload is {len(body):,} bytes, over the serverless limit of {MAX_PAYLOAD_BYTES:,}"
        )
    if problems:
        raise CliError("Invalid benchmark options:\n  - " + "\n  - ".join(problems))
    requests = args.requests if args.duration is None else None
    if requests is None and args.duration is None:
        requests = DEFAULT_REQUESTS
    rule = ColdStartRule(args.cold_start_factor, args.cold_start_extra_ms / 1000)
    gates = Gates(
        args.max_error_rate, args.max_p99_ms / 1000 if args.max_p99_ms is not None else None
    )
    return Plan(args.concurrency, requests, args.duration, body, rule, gates)
