"""The benchmark's charts.

* :func:`plot_benchmark`: left, the latency of every request in the order sent, one colour
  and marker per concurrency level, suspected cold starts circled and failed requests as red
  crosses (at the time they took to fail); right, p50/p90/p99 against concurrency on an axis
  that starts at 0.
* :func:`plot_sweep`: cost per 1,000 requests against latency, one point per tier (p50 and
  p90), both axes from 0 so a small difference looks small, the winner starred and named.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from matplotlib.figure import Figure

from serverless_inference_cli.benchmark.report import BenchmarkResult
from serverless_inference_cli.benchmark.sweep import Strategy, TierResult
from serverless_inference_cli.charts import new_figure, save_png, series_styles

FAILED_LABEL = "failed request"
COLD_LABEL = "suspected cold start"


def plot_benchmark(result: BenchmarkResult, path: Path | None = None) -> Figure:
    """Latency per request and percentiles per level (see the module docstring)."""
    figure = new_figure(11, 4.8)
    scatter, percentiles = figure.subplots(1, 2)
    cold_x: list[float] = []
    cold_y: list[float] = []
    failed_x: list[float] = []
    failed_y: list[float] = []
    offset = 0
    styles = series_styles(len(result.levels))
    for (run, stats, _), style in zip(result.levels, styles, strict=True):
        ok = [s for s in run.samples if s.ok]
        scatter.plot(
            [offset + s.index for s in ok],
            [s.latency_s * 1000 for s in ok],
            linestyle="none",
            marker=style["marker"],
            markersize=4,
            color=style["color"],
            label=f"concurrency {run.concurrency}",
        )
        cold = set(stats.cold_start_indices)
        cold_x += [offset + s.index for s in ok if s.index in cold]
        cold_y += [s.latency_s * 1000 for s in ok if s.index in cold]
        failed_x += [offset + s.index for s in run.samples if not s.ok]
        failed_y += [s.latency_s * 1000 for s in run.samples if not s.ok]
        offset += len(run.samples)
    if cold_x:
        scatter.plot(
            cold_x, cold_y, "o", mfc="none", color="black", markersize=11, label=COLD_LABEL
        )
    if failed_x:
        scatter.plot(failed_x, failed_y, "x", color="red", markersize=8, mew=2, label=FAILED_LABEL)
    scatter.set_xlabel("request (in order sent)")
    scatter.set_ylabel("latency (ms, log scale)")
    scatter.set_yscale("log")
    scatter.set_title(f"Latency per request: {result.target}")
    scatter.legend(fontsize=7)
    levels = [stats.concurrency for _, stats, _ in result.levels]
    for (name, attr), style in zip(
        (("p50", "p50_s"), ("p90", "p90_s"), ("p99", "p99_s")), series_styles(3), strict=True
    ):
        values = [getattr(stats, attr) * 1000 for _, stats, _ in result.levels]
        percentiles.plot(levels, values, label=name, **style)
    percentiles.set_xlabel("concurrency")
    percentiles.set_ylabel("latency (ms)")
    percentiles.set_title("Latency percentiles (successful requests)")
    percentiles.set_xticks(levels)
    percentiles.set_ylim(bottom=0)
    percentiles.grid(True, alpha=0.3)
    percentiles.legend(fontsize=7)
    if path is not None:
        save_png(figure, path)
    return figure


def plot_sweep(
    tiers: Sequence[TierResult],
    winner: TierResult | None,
    strategy: Strategy,
    path: Path | None = None,
) -> Figure:
    """Cost per 1,000 requests against latency per tier (see the module docstring)."""
    figure = new_figure(8, 5)
    axes = figure.add_subplot()
    usable = [t for t in tiers if t.stats is not None and t.stats.cost_per_1000 is not None]
    costs = [t.stats.cost_per_1000 or 0.0 for t in usable if t.stats is not None]
    for (name, attr), style in zip(
        (("p50", "p50_s"), ("p90", "p90_s")), series_styles(2), strict=True
    ):
        xs = [getattr(t.stats, attr) * 1000 for t in usable]
        axes.plot(xs, costs, label=f"{name} latency", **style)
    for tier, cost in zip(usable, costs, strict=True):
        assert tier.stats is not None
        axes.annotate(
            f"{tier.memory_mb} MB",
            (tier.stats.p50_s * 1000, cost),
            textcoords="offset points",
            xytext=(6, 6),
            fontsize=8,
        )
    if winner is not None and winner.stats is not None:
        axes.plot(
            [winner.stats.p50_s * 1000],
            [winner.stats.cost_per_1000 or 0.0],
            "*",
            color="gold",
            markeredgecolor="black",
            markersize=20,
            label=f"winner ({strategy.value}): {winner.memory_mb} MB",
            zorder=5,
        )
    failed = [t.memory_mb for t in tiers if t not in usable]
    title = "Memory sweep: cost against latency per tier"
    if failed:
        title += "\nnot measured: " + ", ".join(f"{m} MB" for m in failed)
    axes.set_title(title)
    axes.set_xlabel("latency (ms)")
    axes.set_ylabel("cost per 1,000 requests (USD)")
    if costs:  # from 0, with room above and right of the highest and slowest tier's label
        axes.set_xlim(0, max(t.stats.p90_s * 1000 for t in usable if t.stats) * 1.15)
        axes.set_ylim(0, max(costs) * 1.2)
    axes.grid(True, alpha=0.3)
    axes.legend(fontsize=8)
    if path is not None:
        save_png(figure, path)
    return figure
