"""The benchmark's analysis: percentiles, cold starts, cost per 1,000 requests, gates."""

from __future__ import annotations

import math

import pytest

from serverless_inference_cli.benchmark.analysis import (
    ColdStartRule,
    Gates,
    Sample,
    analyse,
    cold_starts,
    cost_per_thousand,
    percentile,
)
from tests.cli.helpers import PRICES


def test_percentiles_interpolate_linearly() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == pytest.approx(50.5)
    assert percentile(values, 90) == pytest.approx(90.1)
    assert percentile(values, 99) == pytest.approx(99.01)
    assert percentile(values, 100) == 100
    assert percentile([7.0], 99) == 7.0
    assert math.isnan(percentile([], 50))
    with pytest.raises(ValueError, match=r"0\.\.100"):
        percentile(values, 101)


def test_cold_start_rule_is_max_of_factor_and_extra() -> None:
    rule = ColdStartRule()
    assert rule.threshold(0.1) == pytest.approx(1.1)  # median + 1 s wins for fast models
    assert rule.threshold(2.0) == pytest.approx(6.0)  # 3 x median wins for slow ones


def test_cold_starts_only_counts_successful_outliers() -> None:
    samples = [Sample(i, 0, 0.1) for i in range(10)]
    samples[2] = Sample(2, 0, 1.3)
    samples[5] = Sample(5, 0, 5.0, error="ModelError")
    indices, threshold = cold_starts(samples, ColdStartRule())
    assert indices == [2]
    assert threshold == pytest.approx(1.1)


def test_analyse_counts_errors_and_throughput_and_cost() -> None:
    samples = [Sample(i, 0, 0.2, response_bytes=1024) for i in range(8)]
    samples.append(Sample(8, 0, 0.01, error="ModelError"))
    samples.append(Sample(9, 0, 0.01, error="ThrottlingException"))
    stats = analyse(
        samples,
        concurrency=2,
        wall_s=4.0,
        rule=ColdStartRule(),
        memory_mb=2048,
        request_bytes=1024,
        prices=PRICES,
    )
    assert stats.requests == 10
    assert stats.succeeded == 8
    assert stats.error_rate == pytest.approx(0.2)
    assert stats.errors == {"ModelError": 1, "ThrottlingException": 1}
    assert stats.p50_s == pytest.approx(0.2)
    assert stats.throughput_rps == pytest.approx(2.0)
    # 1,000 x (0.2 s x 2 GB x $0.00002 + 2 KB x $0.016/GB)
    expected = 1000 * (0.2 * 2 * 0.00002 + 2048 / 1024**3 * 0.016)
    assert stats.cost_per_1000 == pytest.approx(expected)
    assert cost_per_thousand(0.2, 2048, 2048, PRICES) == pytest.approx(expected)


def test_a_level_whose_every_request_failed_fails_without_any_gate() -> None:
    stats = analyse(
        [Sample(i, 0, 0.01, "ModelError") for i in range(5)],
        concurrency=1,
        wall_s=1,
        rule=ColdStartRule(),
    )
    assert Gates().failures(stats) == ["every request failed (5)"]


@pytest.mark.parametrize(
    ("gates", "errors", "expected"),
    [
        (Gates(max_error_rate=0.2), 2, []),  # 2 of 10 = 20%: at the gate passes
        (Gates(max_error_rate=0.1), 2, ["error rate 20.0% > --max-error-rate 0.1"]),
        (Gates(max_p99_s=0.5), 0, []),
        # nine 0.1 s and one 0.3 s: p99 = 0.1 + 0.2 x 0.91 (rank 8.91) = 282 ms
        (Gates(max_p99_s=0.1), 0, ["p99 282 ms > --max-p99-ms 100"]),
        (Gates(), 9, []),  # without gates, failures alone do not fail a level
    ],
)
def test_gates_fail_a_level_with_the_reason(gates: Gates, errors: int, expected: list[str]) -> None:
    stats = analyse(
        [Sample(i, 0, 0.1 + 0.2 * (i == 7)) for i in range(10 - errors)]
        + [Sample(10 - errors + i, 0, 0.01, "ModelError") for i in range(errors)],
        concurrency=1,
        wall_s=1,
        rule=ColdStartRule(),
    )
    assert gates.failures(stats) == expected
