"""The benchmark's charts: every series distinguishable, failures visible, axes from zero,
the sweep's winner starred."""

from __future__ import annotations

from pathlib import Path

import pytest

from serverless_inference_cli.benchmark.analysis import ColdStartRule, Gates, Sample, analyse
from serverless_inference_cli.benchmark.charts import (
    COLD_LABEL,
    FAILED_LABEL,
    plot_benchmark,
    plot_sweep,
)
from serverless_inference_cli.benchmark.load import LevelRun
from serverless_inference_cli.benchmark.report import BenchmarkResult
from serverless_inference_cli.benchmark.sweep import Strategy, TierResult, pick
from serverless_inference_cli.charts import series_styles
from tests.cli.helpers import PRICES, assert_png, labelled_lines, xdata, ydata


def _result() -> BenchmarkResult:
    samples = [Sample(i, 0, 0.05) for i in range(10)] + [Sample(10, 0, 2.0)]
    samples.append(Sample(11, 0, 0.3, error="ModelError"))
    result = BenchmarkResult("e", 2048, 2, ColdStartRule(), Gates())
    for concurrency in (1, 4, 8):
        stats = analyse(samples, concurrency=concurrency, wall_s=1.0, rule=ColdStartRule())
        result.levels.append((LevelRun(concurrency, samples, 1.0), stats, []))
    return result


def test_benchmark_chart_shows_levels_cold_starts_and_failed_requests(tmp_path: Path) -> None:
    path = tmp_path / "b.png"
    figure = plot_benchmark(_result(), path)
    scatter, percentiles = figure.axes
    labels = [str(line.get_label()) for line in scatter.get_lines()]
    assert labels == ["concurrency 1", "concurrency 4", "concurrency 8", COLD_LABEL, FAILED_LABEL]
    levels = scatter.get_lines()[:3]
    assert len({(line.get_color(), line.get_marker()) for line in levels}) == 3
    failed = scatter.get_lines()[4]
    assert ydata(failed) == pytest.approx([300.0] * 3), "each failed request at its latency"
    assert len(xdata(scatter.get_lines()[3])) == 3  # one cold start per level
    assert [str(line.get_label()) for line in percentiles.get_lines()] == ["p50", "p90", "p99"]
    assert xdata(percentiles.get_lines()[0]) == [1, 4, 8]
    assert percentiles.get_ylim()[0] == 0
    assert_png(path)


def test_series_styles_are_unique_beyond_the_palette() -> None:
    styles = series_styles(14)
    assert len({(s["color"], s["linestyle"]) for s in styles}) == 14


def _tier(memory: int, latency_s: float) -> TierResult:
    stats = analyse(
        [Sample(0, 0, latency_s)],
        concurrency=1,
        wall_s=1,
        rule=ColdStartRule(),
        memory_mb=memory,
        prices=PRICES,
    )
    return TierResult(memory, f"e-{memory}", stats)


def test_sweep_chart_from_zero_with_the_winner_and_the_tiers_not_measured(tmp_path: Path) -> None:
    tiers = [_tier(1024, 0.40), _tier(2048, 0.19), _tier(3072, 0.15)]
    tiers.append(TierResult(4096, "e-4096", error="quota"))
    winner = pick(tiers, Strategy.COST)
    path = tmp_path / "sweep.png"
    figure = plot_sweep(tiers, winner, Strategy.COST, path)
    axes = figure.axes[0]
    p50, _, star = labelled_lines(figure)
    assert xdata(p50) == pytest.approx([400, 190, 150])
    assert ydata(p50) == pytest.approx([0.008, 0.0076, 0.009])  # latency x GB x $0.02
    assert str(star.get_label()) == "winner (cost): 2048 MB"
    assert xdata(star) == pytest.approx([190])
    assert axes.get_xlim()[0] == 0 and axes.get_ylim()[0] == 0
    assert "not measured: 4096 MB" in axes.get_title()
    assert_png(path)
