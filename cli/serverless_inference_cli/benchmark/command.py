"""The ``benchmark`` runs: one target at each concurrency level, or the memory sweep.

``--endpoint NAME`` (SageMaker Runtime, ``--endpoint-url`` to point at another runtime URL) or
``--url URL`` (a plain HTTP POST, SigV4-signed with ``--sigv4``) is benchmarked at each
``--concurrency`` level: ``--requests`` requests (or ``--duration`` seconds) from that many
threads, after ``--warmup`` requests that are reported but not counted. Retries are off, so
every error is seen and classified. ``--memory-sweep`` benchmarks ``--model-name`` at each
memory tier (:mod:`.sweep`).

Exit status: 0 when every level (or, in a sweep, the winner) passed its gates; 1 when a level
failed a gate (every request failed, ``--max-error-rate``, ``--max-p99-ms``) or no tier of a
sweep qualified; 2 for bad options and AWS errors, including a sweep tier that could not be
measured or a temporary endpoint that could not be deleted.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from serverless_inference_cli.aws import AwsContext
from serverless_inference_cli.benchmark.analysis import LevelStats, Sample, analyse
from serverless_inference_cli.benchmark.arguments import Plan, plan
from serverless_inference_cli.benchmark.charts import plot_benchmark, plot_sweep
from serverless_inference_cli.benchmark.load import (
    Invoker,
    LevelRun,
    http_invoker,
    run_level,
    runtime_invoker,
    warm_up,
)
from serverless_inference_cli.benchmark.report import (
    BenchmarkResult,
    levels_sheet,
    sweep_document,
    tiers_sheet,
    write_json,
)
from serverless_inference_cli.benchmark.sweep import (
    Strategy,
    SweepResult,
    TierResult,
    memory_sweep,
    pick,
)
from serverless_inference_cli.errors import EXIT_ERROR, EXIT_FAILED, EXIT_OK, CliError
from serverless_inference_cli.output import Report, milliseconds
from serverless_inference_cli.prices import Prices, load_prices, prices_sheet, region_warning
from serverless_inference_cli.quotas import read_quotas
from serverless_inference_cli.signed_post import sigv4_signer
from serverless_inference_runtime.limits import (
    MEMORY_SIZES_MB,
)

COST_RATES = ("serverless_compute_per_gb_second", "data_processing_per_gb")


def _endpoint_memory(ctx: AwsContext, endpoint_name: str) -> int | None:
    """``MemorySizeInMB`` of a serverless endpoint (None for instance-backed)."""
    sagemaker = ctx.client("sagemaker")
    with ctx.errors(f"describe endpoint {endpoint_name!r}"):
        endpoint = sagemaker.describe_endpoint(EndpointName=endpoint_name)
        config = sagemaker.describe_endpoint_config(
            EndpointConfigName=endpoint["EndpointConfigName"]
        )
    for variant in config.get("ProductionVariants", []):
        serverless = variant.get("ServerlessConfig")
        if serverless:
            return int(serverless["MemorySizeInMB"])
    return None


def _progress(report: Report) -> Progress:
    """A progress bar on standard error, shown only on a terminal."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=report.err,
        transient=True,
        disable=not report.err.is_terminal,
    )


def _advance(progress: Progress, task: TaskID) -> Callable[[Sample], None]:
    def advance(_sample: Sample) -> None:
        progress.advance(task)

    return advance


def _runtime(ctx: AwsContext, args: argparse.Namespace, plan: Plan) -> Any:
    return ctx.client(
        "sagemaker-runtime",
        retries=1,
        read_timeout=args.timeout,
        max_pool_connections=max(plan.levels) + 2,
    )


def _invoker(
    args: argparse.Namespace, plan: Plan, ctx: AwsContext, report: Report, prices: Prices
) -> tuple[Invoker, str, int | None]:
    """The invoker of ``--url`` or ``--endpoint``, the target's name and its memory."""
    if args.url:
        signer = None
        if args.sigv4:
            region = ctx.ready()
            signer = sigv4_signer(ctx.session.get_credentials(), region)
        invoker = http_invoker(
            args.url, args.content_type, accept=args.accept, timeout_s=args.timeout, signer=signer
        )
        return invoker, args.url, args.memory
    region = ctx.ready()
    invoker = runtime_invoker(
        _runtime(ctx, args, plan), args.endpoint, args.content_type, args.accept, ctx.options.flags
    )
    memory = args.memory if args.memory is not None else _endpoint_memory(ctx, args.endpoint)
    if (warning := region_warning(prices, region)) is not None:
        report.warn(warning)
    return invoker, args.endpoint, memory


def _analyse(run: LevelRun, plan: Plan, memory_mb: int | None, prices: Prices) -> LevelStats:
    return analyse(
        run.samples,
        concurrency=run.concurrency,
        wall_s=run.wall_s,
        rule=plan.rule,
        memory_mb=memory_mb,
        request_bytes=len(plan.body),
        prices=prices,
    )


def _warmup_line(samples: list[Sample], concurrency: int) -> str:
    latencies = ", ".join(
        milliseconds(s.latency_s) + (f" ({s.error})" if s.error else "") for s in samples
    )
    return (
        f"Warm-up ({len(samples)} requests at concurrency {concurrency}, not counted): {latencies}"
    )


def _run_target(args: argparse.Namespace, plan: Plan, prices: Prices, report: Report) -> int:
    ctx = AwsContext.from_args(args)
    invoker, target, memory = _invoker(args, plan, ctx, report, prices)
    result = BenchmarkResult(target, memory, len(plan.body), plan.rule, plan.gates)
    warmup = args.warmup if args.warmup is not None else 0
    result.warmup = warm_up(invoker, plan.body, warmup, plan.levels[0])

    def save(complete: bool) -> None:
        if args.output is not None:
            write_json(args.output, result.to_json(complete=complete))

    with _progress(report) as progress:
        for concurrency in plan.levels:
            task = progress.add_task(f"{target} x{concurrency}", total=plan.requests)
            run = run_level(
                invoker,
                plan.body,
                concurrency,
                requests=plan.requests,
                duration_s=plan.duration_s,
                on_sample=_advance(progress, task),
            )
            stats = _analyse(run, plan, memory, prices)
            result.levels.append((run, stats, plan.gates.failures(stats)))
            save(complete=False)
    save(complete=True)
    if result.warmup:
        report.line(_warmup_line(result.warmup, plan.levels[0]))
    report.table(levels_sheet(result), main=True)
    for _, stats, _ in result.levels:
        if stats.cold_start_indices:
            threshold = milliseconds(stats.cold_start_threshold_s)
            report.line(
                f"x{stats.concurrency}: suspected cold starts at requests "
                f"{stats.cold_start_indices} (latency > {threshold} = max({plan.rule.factor:g} x "
                f"median, median + {plan.rule.extra_s * 1000:g} ms))"
            )
    failed = [(stats.concurrency, f) for _, stats, f in result.levels if f]
    for concurrency, failures in failed:
        report.line(f"FAILED x{concurrency}: {'; '.join(failures)}")
    if memory is None:
        report.warn("no cost per 1,000 requests: pass --memory (the endpoint's is unknown)")
    else:
        report.table(prices_sheet(prices, COST_RATES))
    _outputs(args, report, lambda path: plot_benchmark(result, path))
    report.finish(
        {
            "target": target,
            "memory_mb": memory,
            "request_bytes": len(plan.body),
            "warmup_ms": [s.latency_s * 1000 for s in result.warmup],
            "passed": not failed,
        }
    )
    return EXIT_FAILED if failed else EXIT_OK


def _outputs(args: argparse.Namespace, report: Report, plot: Callable[[Path], object]) -> None:
    if args.output is not None:
        report.line(f"Results: {args.output}")
    if not args.no_chart:
        plot(args.chart)
        report.line(f"Chart: {args.chart}")


def _default_tiers(ctx: AwsContext, report: Report) -> list[int]:
    """Every tier up to the account's memory quota (all tiers, with a warning, when unread)."""
    advice = (
        "sweeping every tier: those above the account's quota will fail (new accounts often "
        "stop at 3072 MB); pass --tiers to choose"
    )
    try:
        quota = read_quotas(ctx).max_memory_mb
    except CliError as exc:
        report.warn(f"could not read the serverless memory quota ({exc.message}); {advice}")
        return list(MEMORY_SIZES_MB)
    if quota is None:
        report.warn(f"Service Quotas lists no serverless memory quota; {advice}")
        return list(MEMORY_SIZES_MB)
    tiers = [tier for tier in MEMORY_SIZES_MB if tier <= quota]
    if not tiers:
        raise CliError(
            f"The account's serverless memory quota is {quota} MB, below the smallest tier "
            f"({MEMORY_SIZES_MB[0]} MB): request an increase in the Service Quotas console."
        )
    report.line(f"Tiers up to the account's serverless memory quota of {quota} MB.")
    return tiers


def _run_sweep(args: argparse.Namespace, plan: Plan, prices: Prices, report: Report) -> int:
    ctx = AwsContext.from_args(args)
    region = ctx.ready()
    if (warning := region_warning(prices, region)) is not None:
        report.warn(warning)
    level = plan.levels[0]
    tiers = args.tiers if args.tiers is not None else _default_tiers(ctx, report)
    sagemaker = ctx.client("sagemaker")
    runtime = _runtime(ctx, args, plan)
    warmup = args.warmup if args.warmup is not None else level

    def benchmark_tier(endpoint_name: str, memory_mb: int) -> tuple[list[Sample], Any, list[str]]:
        invoker = runtime_invoker(
            runtime, endpoint_name, args.content_type, args.accept, ctx.options.flags
        )
        warm = warm_up(invoker, plan.body, warmup, level)
        run = run_level(
            invoker, plan.body, level, requests=plan.requests, duration_s=plan.duration_s
        )
        stats = _analyse(run, plan, memory_mb, prices)
        return warm, stats, plan.gates.failures(stats)

    def document(sweep: SweepResult, winner: TierResult | None, complete: bool) -> dict[str, Any]:
        return sweep_document(
            sweep,
            model_name=args.model_name,
            concurrency=level,
            strategy=args.strategy,
            balanced_weight=args.balanced_weight,
            winner=winner,
            complete=complete,
        )

    def save(sweep: SweepResult) -> None:
        if args.output is not None:
            winner = pick(sweep.tiers, args.strategy, args.balanced_weight)
            write_json(args.output, document(sweep, winner, complete=False))

    sweep = memory_sweep(
        sagemaker,
        args.model_name,
        tiers,
        benchmark_tier,
        max_concurrency=args.max_concurrency,
        prefix=args.sweep_prefix,
        timeout_s=args.wait_timeout,
        poll_s=args.poll_interval,
        log=report.log,
        on_tier=save,
    )
    winner = pick(sweep.tiers, args.strategy, args.balanced_weight)
    if args.output is not None:
        write_json(args.output, document(sweep, winner, complete=True))
    report.table(tiers_sheet(sweep, args.model_name, level, winner), main=True)
    report.line(_strategy_line(args.strategy, args.balanced_weight, winner))
    failed = [tier for tier in sweep.tiers if tier.error is not None]
    for tier in failed:
        report.warn(f"tier {tier.memory_mb} MB was not measured: {tier.error}")
    if sweep.leftovers:
        report.warn("delete these by hand (the sweep could not): " + ", ".join(sweep.leftovers))
    report.table(prices_sheet(prices, COST_RATES))
    _outputs(args, report, lambda path: plot_sweep(sweep.tiers, winner, args.strategy, path))
    report.finish(document(sweep, winner, complete=True))
    if failed or sweep.leftovers:
        return EXIT_ERROR
    return EXIT_FAILED if winner is None else EXIT_OK


def _strategy_line(strategy: Strategy, weight: float, winner: TierResult | None) -> str:
    rule = {
        Strategy.COST: "the lowest cost per 1,000 requests",
        Strategy.SPEED: "the lowest mean latency",
        Strategy.BALANCED: f"the lowest {weight:g} x cost/max cost + {1 - weight:g} x "
        "mean/max mean",
    }[strategy]
    if winner is None:
        return f"No winner: no tier was measured with a success and passed the gates ({rule})."
    return f"Winner ({strategy.value}: {rule} among the tiers that passed): {winner.memory_mb} MB"


def run(args: argparse.Namespace, report: Report) -> int:
    checked = plan(args)
    prices = load_prices(args.prices)
    if args.memory_sweep:
        return _run_sweep(args, checked, prices, report)
    return _run_target(args, checked, prices, report)
