"""The cost model against hand-computed cases, the chart and the ``cost`` command."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from serverless_inference_cli.aws import CliError
from serverless_inference_cli.charts import option_lines
from serverless_inference_cli.cost import (
    CostInputs,
    Traffic,
    build_options,
    crossover,
    instance,
    keep_warm,
    on_demand,
    parse_durations,
    parse_hourly,
    parse_hours,
    pings_per_month,
    plot_costs,
    provisioned,
)
from serverless_inference_cli.prices import load_prices
from tests.cli.helpers import PRICES, assert_png, run_cli

NO_DATA = Traffic(1_000_000, request_bytes=0, response_bytes=0)


def test_on_demand_is_duration_times_memory_times_price() -> None:
    # 0.5 s x 2 GB x $0.00002 = $0.00002 per request; 1,000,000 requests = $20
    option = on_demand(2048, 0.5, NO_DATA, PRICES)
    assert option.fixed_monthly == 0
    assert option.per_request == pytest.approx(0.00002)
    assert option.monthly(1_000_000) == pytest.approx(20.0)
    assert option.per_thousand(1_000_000) == pytest.approx(0.02)


def test_data_processing_adds_per_gb() -> None:
    # 512 KB in + 512 KB out = 1 MB = 1/1024 GB at $0.016/GB
    traffic = Traffic(1000, request_bytes=512 * 1024, response_bytes=512 * 1024)
    option = on_demand(1024, 0.0001, traffic, PRICES)
    compute = 0.0001 * 1 * 0.00002
    assert option.per_request == pytest.approx(compute + 0.016 / 1024)


def test_instance_is_hourly_times_730_times_count() -> None:
    option = instance("ml.c5.large", 2, NO_DATA, PRICES)
    assert option.fixed_monthly == pytest.approx(0.102 * 730 * 2)  # $148.92
    assert option.per_request == 0


def test_crossover_on_demand_against_an_instance_is_exact() -> None:
    # $74.46 a month / $0.00002 a request = 3,723,000 requests a month
    serverless = on_demand(2048, 0.5, NO_DATA, PRICES)
    c5 = instance("ml.c5.large", 1, NO_DATA, PRICES)
    x = crossover(serverless, c5)
    assert x is not None
    assert x == pytest.approx(3_723_000)
    assert serverless.monthly(x) == pytest.approx(c5.monthly(x))
    assert serverless.monthly(x * 0.99) < c5.monthly(x * 0.99)
    assert serverless.monthly(x * 1.01) > c5.monthly(x * 1.01)


def test_data_cost_cancels_in_the_crossover() -> None:
    traffic = Traffic(1, request_bytes=100_000, response_bytes=100_000)
    x = crossover(
        on_demand(2048, 0.5, traffic, PRICES), instance("ml.c5.large", 1, traffic, PRICES)
    )
    assert x == pytest.approx(3_723_000)


def test_provisioned_concurrency_fixed_and_inference_rates() -> None:
    # 1 x 2 GB x 2,628,000 s x $0.000005 = $26.28; 0.5 s x 2 GB x $0.00001 = $0.00001 a request
    option = provisioned(2048, 0.5, 1, NO_DATA, PRICES)
    assert option.fixed_monthly == pytest.approx(26.28)
    assert option.per_request == pytest.approx(0.00001)
    assert option.note == "PC rates unverified"
    # crossover with ml.c5.large: (74.46 - 26.28) / 0.00001 = 4,818,000
    assert crossover(option, instance("ml.c5.large", 1, NO_DATA, PRICES)) == pytest.approx(
        4_818_000
    )


def test_keep_warm_every_5_minutes_is_8640_pings() -> None:
    assert pings_per_month(5) == 8640
    assert pings_per_month(5, active_hours=10) == 3600
    option = keep_warm(2048, 0.5, NO_DATA, PRICES, interval_minutes=5, ping_s=0.1)
    # 8,640 x 0.1 s x 2 GB x $0.00002 = $0.03456
    assert option.fixed_monthly == pytest.approx(0.03456)
    assert option.per_request == pytest.approx(0.00002)
    two = keep_warm(2048, 0.5, NO_DATA, PRICES, interval_minutes=5, ping_s=0.1, concurrency=2)
    assert two.fixed_monthly == pytest.approx(2 * 0.03456)


def test_crossover_none_when_serverless_is_never_dearer_and_zero_when_always() -> None:
    cheap_instance = instance("ml.c5.large", 1, NO_DATA, PRICES)
    free = on_demand(2048, 0.0, NO_DATA, PRICES)
    assert crossover(free, cheap_instance) is None
    huge_pc = provisioned(6144, 0.5, 10, NO_DATA, PRICES)  # fixed $788.4 > instance
    assert crossover(huge_pc, cheap_instance) == 0.0


def test_hourly_profile_is_summed_over_30_days() -> None:
    traffic = Traffic.from_hourly([100.0] * 24)
    assert traffic.requests_per_month == 72_000
    with pytest.raises(CliError, match="24 values"):
        Traffic.from_hourly([1.0] * 23)


def test_parsers() -> None:
    assert parse_durations("300") == dict.fromkeys((1024, 2048, 3072, 4096, 5120, 6144), 0.3)
    assert parse_durations("1024:900,2048:450") == {1024: 0.9, 2048: 0.45}
    with pytest.raises(CliError, match="TIER:MS"):
        parse_durations("fast")
    assert parse_hourly("5") == [5.0] * 24
    with pytest.raises(CliError, match="1 or 24"):
        parse_hourly("1,2")
    assert parse_hours("8-18") == 10
    assert parse_hours("24") == 24
    assert parse_hours("22-6") == 8


def test_invalid_inputs_are_all_listed() -> None:
    inputs = CostInputs(
        traffic=Traffic(-1),
        durations_s={1500: 0.3},
        memory_mb=2048,
        keep_warm_hours=30,
        instance_count=0,
    )
    with pytest.raises(CliError) as caught:
        build_options(inputs, PRICES)
    message = caught.value.message
    for expected in (
        "must not be negative",
        "must be one of (1024, 2048, 3072, 4096, 5120, 6144), got 1500",
        "--memory 2048 has no duration",
        "keep-warm hours",
        "instance count",
    ):
        assert expected in message


def test_chart_has_one_line_per_option(tmp_path: Path) -> None:
    inputs = CostInputs(
        traffic=Traffic(500_000),
        durations_s=parse_durations("1024:900,2048:450,3072:320"),
        memory_mb=2048,
    )
    options = build_options(inputs, PRICES)
    assert len(options) == 3 + 1 + 1 + 2
    path = tmp_path / "cost.png"
    figure = plot_costs(options, 500_000, path)
    assert option_lines(figure) == [o.name for o in options]
    assert_png(path)


def test_bundled_prices_load_and_match_aws_facts() -> None:
    prices = load_prices()
    assert prices.region == "us-east-1"
    assert prices.compute_per_gb_second == 0.00002
    assert prices.instance("ml.t2.medium").per_hour == 0.056
    assert prices.instance("ml.c5.xlarge").per_hour == 0.204
    assert not prices.pc_verified
    with pytest.raises(CliError, match=r"known: ml\.c5\.large"):
        prices.instance("ml.p5.48xlarge")


def test_bad_price_file_lists_every_problem(tmp_path: Path) -> None:
    path = tmp_path / "prices.json"
    path.write_text(
        json.dumps(
            {
                "region": "eu-west-1",
                "currency": "EUR",
                "checked": "",
                "serverless": {"compute_per_gb_second": "cheap", "data_processing_per_gb": -1},
                "provisioned_concurrency": {},
                "instances": {"ml.c5.large": {"per_hour": 0.1}},
            }
        )
    )
    with pytest.raises(CliError) as caught:
        load_prices(path)
    message = caught.value.message
    assert "checked must be a non-empty string" in message
    assert "serverless.compute_per_gb_second must be a number, got 'cheap'" in message
    assert "serverless.data_processing_per_gb must not be negative" in message
    assert "provisioned_concurrency.provisioned_per_gb_second must be a number" in message
    assert "instances.ml.c5.large.memory_gib must be a number" in message
    path.write_text("{not json")
    with pytest.raises(CliError, match="not JSON"):
        load_prices(path)
    with pytest.raises(CliError, match="Cannot read price file"):
        load_prices(tmp_path / "missing.json")


def test_cost_command_prints_costs_crossover_and_writes_the_chart(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    chart = tmp_path / "cost.png"
    result = run_cli(
        capsys,
        "cost",
        "--requests-per-month",
        "1000000",
        "--duration-ms",
        "2048:500",
        "--request-kb",
        "0",
        "--response-kb",
        "0",
        "--ping-ms",
        "100",
        "--instance-types",
        "ml.c5.large",
        "--chart",
        str(chart),
    )
    assert result.code == 0, result.err
    out = result.out
    assert "serverless 2048 MB (cheapest)" in out
    assert "$20.00" in out  # on demand
    assert "$74.46" in out  # ml.c5.large x1
    assert "3.72M" in out  # crossover, on demand against ml.c5.large
    assert "4.82M" in out  # crossover, PC 1 against ml.c5.large
    assert "8,640 pings/month" in out
    assert "Chart:" in out and "(4 lines)" in out
    assert_png(chart)


def test_cost_command_with_hourly_profile_and_own_prices(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    data = json.loads(
        (Path(__file__).parents[2] / "cli/serverless_inference_cli/prices.json").read_text()
    )
    data["serverless"]["compute_per_gb_second"] = 0.00004
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps(data))
    result = run_cli(
        capsys,
        "cost",
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
    assert "72,000 requests/month" in result.out
    # 72,000 x 1 s x 1 GB x $0.00004 = $2.88
    assert "$2.88" in result.out
    assert not (tmp_path / "serverless-inference-cost.png").exists()


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--requests-per-month", "10", "--duration-ms", "1500:300"], "got 1500"),
        (["--requests-per-month", "10", "--duration-ms", "abc"], "--duration-ms must be"),
        (["--requests-per-hour", "1,2,3", "--duration-ms", "300"], "1 or 24 values"),
        (["--requests-per-month", "10", "--duration-ms", "300", "--request-kb", "5000"], "4,096"),
        (
            ["--requests-per-month", "10", "--duration-ms", "300", "--instance-types", "ml.x"],
            "No price for instance type 'ml.x'",
        ),
    ],
)
def test_cost_command_fails_on_bad_input_with_exit_2(
    capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    result = run_cli(capsys, "cost", *argv, "--no-chart")
    assert result.code == 2
    assert message in result.err


def test_cost_command_usage_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        run_cli(capsys, "cost", "--duration-ms", "300")
    assert caught.value.code == 2
    assert "one of the arguments" in capsys.readouterr().err
