"""``serverless-inference cost`` end to end, its chart and its price file."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from serverless_inference_cli.cost.chart import cheapest_changes, plot_costs
from serverless_inference_cli.cost.model import CostInputs, Traffic, build_options, crossover
from serverless_inference_cli.errors import CliError
from serverless_inference_cli.prices import load_prices, region_warning
from tests.cli.helpers import PRICES, assert_png, labelled_lines, run_cli, xdata

BUNDLED = Path(__file__).parents[2] / "cli/serverless_inference_cli/prices.json"
MILLION_AT_2048_MB = [
    *("--requests-per-month", "1000000", "--duration-ms", "2048:500"),
    *("--request-kb", "0", "--response-kb", "0"),
]
"""1,000,000 requests a month of 500 ms at 2048 MB, no data processing."""


def _cost(capsys: pytest.CaptureFixture[str], *argv: str) -> Any:
    return run_cli(capsys, "cost", *argv)


def test_cost_command_prints_costs_crossover_prices_and_assumptions(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    chart = tmp_path / "cost.png"
    result = _cost(
        capsys,
        *MILLION_AT_2048_MB,
        "--ping-ms",
        "100",
        "--instance-types",
        "ml.c5.large",
        "--chart",
        str(chart),
    )
    assert result.code == 0, result.err
    out = result.out
    assert "│ serverless 2048 MB " in out and "│ cheapest" in out
    assert "$20.00" in out  # on demand: 1M x 0.5 s x 2 GB x $0.00002
    assert "$74.46" in out  # ml.c5.large x1: $0.102 x 730 h
    assert "3.72M" in out  # crossover, on demand against ml.c5.large
    assert "4.82M" in out  # crossover, PC 1 all day: (74.46 - 26.28) / $0.00001
    assert "8,760 pings/month" in out
    assert "A month is 730 hours (30.42 days)" in out
    assert "Free tier left out: 150,000 s of on-demand serverless inference a month" in out
    assert "Provisioned concurrency 1 is billed all day" in out
    # every price used, with its provenance
    assert "placeholder: AWS bills the memory configured" in out
    assert "third-party price tables, us-east-1, 2026-11 (unverified)" in out
    assert "Chart:" in out and "(4 lines)" in out
    assert_png(chart)


def test_provisioned_concurrency_on_a_schedule_and_its_spillover_warning(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # 8,000 requests an hour 08-17 UTC (a 24-value profile), 0.5 s: one environment serves
    # 7,200 an hour, so 800 an hour x 10 h x 30.42 days = 243,333 a month spill on demand
    profile = ",".join("8000" if 8 <= h < 18 else "0" for h in range(24))
    result = _cost(
        capsys,
        "--requests-per-hour",
        profile,
        "--duration-ms",
        "2048:500",
        "--pc-hours-per-day",
        "8-18",
        "--no-chart",
    )
    assert result.code == 0, result.err
    assert "serverless 2048 MB + PC 1, 10 h/day" in result.out
    assert "$10.95" in result.out  # 1 x 2 GB x 10 h x 3,600 s x 30.42 days x $0.000005
    assert "warning: 243,333 requests/month (10.0%) are more than 1 provisioned" in result.out
    assert "outside the provisioned hours" not in result.out


def test_a_count_of_pc_hours_takes_the_busiest_hours(capsys: pytest.CaptureFixture[str]) -> None:
    profile = ",".join("100" if h in (9, 14) else "1" for h in range(24))
    result = _cost(
        capsys,
        "--requests-per-hour",
        profile,
        "--duration-ms",
        "300",
        "--pc-hours-per-day",
        "2",
        "--no-chart",
    )
    assert result.code == 0, result.err
    assert "billed 2 h/day (UTC hours 9, 14)" in result.out


@pytest.mark.parametrize("output_format", ["json", "csv"])
def test_machine_formats(capsys: pytest.CaptureFixture[str], output_format: str) -> None:
    result = _cost(
        capsys,
        *MILLION_AT_2048_MB,
        "--instance-types",
        "ml.c5.large",
        "--no-chart",
        "--format",
        output_format,
    )
    assert result.code == 0, result.err
    if output_format == "json":
        document = json.loads(result.out)
        monthly = {o["option"]: o["monthly"] for o in document["options"]}
        assert monthly["serverless 2048 MB"] == pytest.approx(20.0)
        assert monthly["ml.c5.large x1"] == pytest.approx(74.46)
        assert document["crossover"][0]["ml.c5.large x1"] == pytest.approx(3_723_000)
        assert document["traffic"]["requests_per_month"] == 1_000_000
        assert any("Free tier left out" in a for a in document["assumptions"])
        assert {p["price"] for p in document["prices"]} >= {"serverless compute", "ml.c5.large"}
    else:
        rows = list(csv.DictReader(io.StringIO(result.out)))
        assert rows[0]["option"] == "serverless 2048 MB"
        assert float(rows[0]["monthly"]) == pytest.approx(20.0)
        assert rows[0]["cheapest"] == "True"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--requests-per-month", "10", "--duration-ms", "1500:300"], "got 1500"),
        (["--requests-per-month", "10", "--duration-ms", "abc"], "argument --duration-ms: must be"),
        (["--requests-per-hour", "1,2,3", "--duration-ms", "300"], "needs 1 or 24 values, got 3"),
        (["--requests-per-month", "-5", "--duration-ms", "300"], "must be a number of 0 or more"),
        (["--requests-per-month", "10", "--duration-ms", "300", "--request-kb", "5000"], "4,096"),
        (["--requests-per-month", "10", "--duration-ms", "70000"], "at most 60,000 ms"),
        (
            ["--requests-per-month", "10", "--duration-ms", "300", "--pc-hours-per-day", "25"],
            "at most 24 hours",
        ),
        (
            [
                "--requests-per-month",
                "10",
                "--duration-ms",
                "300",
                "--provisioned-concurrency",
                "201",
            ],
            "must be within 0..200",
        ),
        (
            ["--requests-per-month", "10", "--duration-ms", "300", "--instance-types", "ml.x"],
            "No price for instance type 'ml.x'",
        ),
    ],
)
def test_bad_input_exits_2_with_the_option_named(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    try:
        result = _cost(capsys, *argv, "--no-chart")
        code, err = result.code, result.err
    except SystemExit as exit:
        code, err = int(str(exit.code)), capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err


def test_hourly_profile_and_own_prices(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = json.loads(BUNDLED.read_text())
    data["rates"]["serverless_compute_per_gb_second"]["value"] = 0.00004
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps(data))
    result = _cost(
        capsys,
        "--requests-per-hour",
        "100",
        "--duration-ms",
        "1000",
        "--memory",
        "1024",
        "--request-kb",
        "0",
        "--response-kb",
        "0",
        "--prices",
        str(prices),
        "--no-chart",
    )
    assert result.code == 0, result.err
    assert "73,000 requests/month" in result.out  # 100 x 730 hours
    # 73,000 x 1 s x 1 GB x $0.00004 = $2.92
    assert "$2.92" in result.out
    assert not (tmp_path / "serverless-inference-cost.png").exists()


def test_chart_lines_distinct_twins_named_and_crossovers_marked(tmp_path: Path) -> None:
    inputs = CostInputs(
        traffic=Traffic(500_000, request_bytes=0, response_bytes=0),
        durations_s={1024: 0.9, 2048: 0.45, 3072: 0.32},
        memory_mb=2048,
    )
    options = build_options(inputs, PRICES)
    path = tmp_path / "cost.png"
    figure = plot_costs(options, 500_000, path)
    lines = labelled_lines(figure)
    labels = [str(line.get_label()) for line in lines]
    assert labels[:2] == ["serverless 1024 MB", "serverless 2048 MB (= serverless 1024 MB)"]
    assert len(labels) == len(options) == 7
    assert len({(line.get_color(), line.get_linestyle()) for line in lines}) == 7
    # the twins' markers sit at different points, so both stay visible
    assert lines[0].get_markevery() != lines[1].get_markevery()
    # dots where the cheapest option changes: on demand ($0.000018 a request) gives way to
    # PC 1 ($26.28 + $0.000009) at 26.28 / 0.000009 = 2,920,000 a month, PC to ml.c5.large
    # ($74.46) at (74.46 - 26.28) / 0.000009 = 5,353,333 (within PC's 5.84M capacity)
    axes = figure.axes[0]
    dots = [line for line in axes.get_lines() if line.get_label() == "_crossover"]
    pc = next(o for o in options if o.kind == "provisioned")
    c5 = next(o for o in options if o.name == "ml.c5.large x1")
    assert [xdata(dot)[0] for dot in dots] == pytest.approx(
        [2_920_000, crossover(pc, c5)], rel=1e-6
    )
    assert crossover(pc, c5) == pytest.approx(5_353_333.3)
    assert_png(path)


def test_cheapest_changes_are_exact_crossovers() -> None:
    inputs = CostInputs(
        traffic=Traffic(1, request_bytes=0, response_bytes=0),
        durations_s={2048: 0.5},
        memory_mb=2048,
        provisioned_concurrency=0,
        keep_warm_minutes=0,
    )
    on_demand, c5, m5 = build_options(inputs, PRICES)
    assert cheapest_changes([on_demand, c5, m5], 1e5, 1e8) == pytest.approx(
        [crossover(on_demand, c5)], rel=1e-6
    )


def test_bundled_prices_carry_their_provenance() -> None:
    prices = load_prices()
    assert prices.region == "us-east-1"
    assert prices.compute_per_gb_second.value == 0.00002
    assert prices.instance("ml.t2.medium").per_hour.value == 0.056
    assert "placeholder" in prices.pc_provisioned_per_gb_second.provenance
    assert all(rate.source for rate in prices.rates.values())
    assert prices.free_tier.seconds_per_month == 150_000
    with pytest.raises(CliError, match=r"known: ml\.c5\.large"):
        prices.instance("ml.p5.48xlarge")


def test_a_price_file_for_another_region_is_a_warning() -> None:
    assert region_warning(PRICES, "us-east-1") is None
    assert region_warning(PRICES, "eu-west-1") == (
        "the price file is for us-east-1, the endpoint is in eu-west-1: every figure uses "
        "us-east-1 rates; pass --prices with eu-west-1's rates"
    )


def test_bad_price_file_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(
        json.dumps(
            {
                "region": "eu-west-1",
                "currency": "EUR",
                "checked": "",
                "rates": {
                    "serverless_compute_per_gb_second": {
                        "value": "cheap",
                        "source": "x",
                        "verified": True,
                    },
                    "data_processing_per_gb": {"value": -1, "source": "", "verified": "yes"},
                },
                "instances": {"ml.c5.large": {"per_hour": 0.1, "source": "x", "verified": False}},
            }
        )
    )
    with pytest.raises(CliError) as caught:
        load_prices(path)
    message = caught.value.message
    assert "checked must be a non-empty string" in message
    assert "rates.serverless_compute_per_gb_second.value must be a number, got 'cheap'" in message
    assert "rates.data_processing_per_gb.value must not be negative" in message
    assert "rates.data_processing_per_gb.source must say where the price comes from" in message
    assert "rates.data_processing_per_gb.verified must be true or false, got 'yes'" in message
    assert "rates.provisioned_concurrency_per_gb_second must be an object" in message
    assert "free_tier must be an object" in message
    assert "instances.ml.c5.large.memory_gib must be a number" in message
    path.write_text("{not json")
    with pytest.raises(CliError, match="not JSON"):
        load_prices(path)
