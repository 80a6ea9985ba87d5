"""The cost model against hand-computed cases: on demand, provisioned concurrency billed for
its hours with its spillover on demand, keep-warm, instances, exact crossovers, AWS's limits."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from serverless_inference_cli.cost.model import (
    DAYS_PER_MONTH,
    CostInputs,
    Traffic,
    build_options,
    crossover,
    instance,
    keep_warm,
    on_demand,
    pings_per_month,
    provisioned,
    spillover,
)
from serverless_inference_cli.errors import CliError
from serverless_inference_cli.prices import Rate
from tests.cli.helpers import PRICES

NO_DATA = Traffic(1_000_000, request_bytes=0, response_bytes=0)
MONTH_S = 730 * 3600  # 2,628,000 s


def test_a_month_is_730_hours_for_requests_and_instances_alike() -> None:
    assert pytest.approx(730 / 24) == DAYS_PER_MONTH
    # 100 requests every hour of a 730-hour month
    assert Traffic.from_hourly([100.0] * 24).requests_per_month == pytest.approx(73_000)
    assert instance("ml.c5.large", 1, NO_DATA, PRICES).fixed_monthly == pytest.approx(0.102 * 730)
    assert pings_per_month(5) == pytest.approx(8_760)  # 12 an hour x 730 hours


def test_on_demand_is_duration_times_memory_times_price() -> None:
    # 0.5 s x 2 GB x $0.00002 = $0.00002 per request; 1,000,000 requests = $20
    option = on_demand(2048, 0.5, NO_DATA, PRICES)
    assert option.fixed_monthly == 0
    assert option.marginal(0) == pytest.approx(0.00002)
    assert option.monthly(1_000_000) == pytest.approx(20.0)
    assert option.per_thousand(1_000_000) == pytest.approx(0.02)


def test_data_processing_adds_per_gb() -> None:
    # 512 KB in + 512 KB out = 1 MB = 1/1024 GB at $0.016/GB
    traffic = Traffic(1000, request_bytes=512 * 1024, response_bytes=512 * 1024)
    option = on_demand(1024, 0.0001, traffic, PRICES)
    assert option.marginal(0) == pytest.approx(0.0001 * 0.00002 + 0.016 / 1024)


def test_provisioned_concurrency_all_day_bills_every_provisioned_second() -> None:
    # 1 x 2 GB x 2,628,000 s x $0.000005 = $26.28; 0.5 s x 2 GB x $0.00001 a request
    option = provisioned(2048, 0.5, 1, NO_DATA, PRICES)
    assert option.fixed_monthly == pytest.approx(2 * MONTH_S * 0.000005)
    assert option.fixed_monthly == pytest.approx(26.28)
    assert option.marginal(0) == pytest.approx(0.00001)


def test_provisioned_concurrency_on_a_schedule_bills_only_its_hours() -> None:
    # 10 hours a day: 10 x 3,600 x 30.42 days x 2 GB x $0.000005 = $10.95, not $26.28
    business = list(range(8, 18))
    option = provisioned(2048, 0.5, 1, NO_DATA, PRICES, business)
    assert option.fixed_monthly == pytest.approx(10 * 3600 * 730 / 24 * 2 * 0.000005)
    assert option.fixed_monthly == pytest.approx(10.95)
    assert option.name == "serverless 2048 MB + PC 1, 10 h/day"


def test_requests_beyond_what_provisioned_environments_serve_are_billed_on_demand() -> None:
    # 1 environment x 3,600 s / 0.5 s = 7,200 requests an hour; all day that is
    # 7,200 x 730 = 5,256,000 a month at the PC rate, the rest at the on-demand rate
    traffic = Traffic(6_000_000, request_bytes=0, response_bytes=0)
    option = provisioned(2048, 0.5, 1, traffic, PRICES)
    capacity = 7200 * 730
    warm, cold = 0.5 * 2 * 0.00001, 0.5 * 2 * 0.00002
    assert [s.start for s in option.segments] == pytest.approx([0, capacity])
    assert option.marginal(capacity - 1) == pytest.approx(warm)
    assert option.marginal(capacity + 1) == pytest.approx(cold)
    expected = 26.28 + capacity * warm + (6_000_000 - capacity) * cold
    assert option.monthly(6_000_000) == pytest.approx(expected)
    beyond, outside = spillover(1, 0.5, traffic, range(24))
    assert beyond == pytest.approx(6_000_000 - capacity)
    assert outside == 0


def test_requests_outside_the_provisioned_hours_are_billed_on_demand() -> None:
    # traffic spread over 24 hours, PC only 12 of them: half the requests are on demand
    traffic = Traffic(100_000, request_bytes=0, response_bytes=0)
    hours = list(range(12))
    option = provisioned(2048, 0.5, 1, traffic, PRICES, hours)
    warm, cold = 0.5 * 2 * 0.00001, 0.5 * 2 * 0.00002
    assert option.marginal(0) == pytest.approx(0.5 * warm + 0.5 * cold)
    beyond, outside = spillover(1, 0.5, traffic, hours)
    assert beyond == 0
    assert outside == pytest.approx(50_000)


def test_a_daily_profile_fills_the_busy_hours_first() -> None:
    # 20,000 requests in hour 9, 1,000 in the others; PC 1 at 0.5 s serves 7,200 an hour
    profile = [1000.0] * 24
    profile[9] = 20_000.0
    traffic = Traffic.from_hourly(profile, 0, 0)
    assert traffic.busiest_hours(1) == [9]
    beyond, _ = spillover(1, 0.5, traffic, range(24))
    assert beyond == pytest.approx((20_000 - 7200) * 730 / 24)


def test_keep_warm_pings_are_billed_like_requests() -> None:
    option = keep_warm(2048, 0.5, NO_DATA, PRICES, interval_minutes=5, ping_s=0.1)
    # 8,760 x 0.1 s x 2 GB x $0.00002 = $0.03504
    assert option.fixed_monthly == pytest.approx(0.03504)
    assert option.marginal(0) == pytest.approx(0.00002)
    two = keep_warm(2048, 0.5, NO_DATA, PRICES, interval_minutes=5, ping_s=0.1, concurrency=2)
    assert two.fixed_monthly == pytest.approx(2 * 0.03504)
    assert two.notes == ("17,520 pings/month",)


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


def test_crossover_of_provisioned_concurrency_follows_its_spillover() -> None:
    # PC all day: $26.28 + $0.00001 a request up to 5,256,000, then $0.00002.
    # Against ml.m5.large ($83.95): 26.28 + 5,256,000 x 0.00001 = $78.84 at capacity,
    # then (83.95 - 78.84) / 0.00002 = 255,500 more: 5,511,500 a month
    option = provisioned(2048, 0.5, 1, NO_DATA, PRICES)
    m5 = instance("ml.m5.large", 1, NO_DATA, PRICES)
    x = crossover(option, m5)
    assert x is not None
    assert x == pytest.approx(5_511_500)
    assert option.monthly(x) == pytest.approx(m5.monthly(x))


def test_crossover_none_when_serverless_is_never_dearer_and_zero_when_always() -> None:
    cheap_instance = instance("ml.c5.large", 1, NO_DATA, PRICES)
    free = on_demand(2048, 0.0, NO_DATA, PRICES)
    assert crossover(free, cheap_instance) is None
    huge_pc = provisioned(6144, 0.5, 10, NO_DATA, PRICES)  # fixed $788.40 > instance
    assert crossover(huge_pc, cheap_instance) == 0.0


def test_data_cost_cancels_in_the_crossover() -> None:
    traffic = Traffic(1, request_bytes=100_000, response_bytes=100_000)
    x = crossover(
        on_demand(2048, 0.5, traffic, PRICES), instance("ml.c5.large", 1, traffic, PRICES)
    )
    assert x == pytest.approx(3_723_000)


def test_identical_costs_are_recognised() -> None:
    # 1024 MB at 900 ms and 2048 MB at 450 ms bill the same GB-seconds
    assert on_demand(1024, 0.9, NO_DATA, PRICES).same_cost_as(
        on_demand(2048, 0.45, NO_DATA, PRICES)
    )
    assert not on_demand(1024, 0.9, NO_DATA, PRICES).same_cost_as(
        on_demand(3072, 0.32, NO_DATA, PRICES)
    )


@pytest.mark.parametrize(
    ("inputs", "message"),
    [
        (
            CostInputs(traffic=NO_DATA, durations_s={2048: 61.0}, memory_mb=2048),
            "--duration-ms at 2048 MB must be more than 0 and at most 60,000 ms (SageMaker ends "
            "an invocation after 60 s), got 61000",
        ),
        (
            CostInputs(
                traffic=NO_DATA,
                durations_s={2048: 0.5},
                memory_mb=2048,
                provisioned_concurrency=201,
            ),
            "--provisioned-concurrency must be within 0..200, got 201",
        ),
        (
            # 500M a month = 190/s at 1.5 s: 285 concurrent executions
            CostInputs(
                traffic=Traffic(500_000_000, request_bytes=0, response_bytes=0),
                durations_s={2048: 1.5},
                memory_mb=2048,
            ),
            "500,000,000 requests/month (190/s in the busiest hour) x 1.5 s at 2048 MB need 285 "
            "concurrent executions, over the 200 MaxConcurrency of one serverless endpoint",
        ),
        (
            CostInputs(traffic=NO_DATA, durations_s={1500: 0.3}, memory_mb=1500),
            "memory tier must be one of (1024, 2048, 3072, 4096, 5120, 6144), got 1500",
        ),
        (
            CostInputs(traffic=NO_DATA, durations_s={2048: 0.3}, memory_mb=1024),
            "--memory 1024 has no duration (--duration-ms)",
        ),
        (
            CostInputs(
                traffic=NO_DATA, durations_s={2048: 0.3}, memory_mb=2048, keep_warm_minutes=0.5
            ),
            "--keep-warm-minutes must be 0 (no keep-warm) or at least 1",
        ),
        (
            CostInputs(
                traffic=Traffic(1, request_bytes=5 * 1024**2),
                durations_s={2048: 0.3},
                memory_mb=2048,
            ),
            "--request-kb 5,120 exceeds the serverless limit of 4,096 KB",
        ),
    ],
)
def test_inputs_beyond_aws_limits_are_refused(inputs: CostInputs, message: str) -> None:
    with pytest.raises(CliError) as caught:
        build_options(inputs, PRICES)
    assert message in caught.value.message
    assert caught.value.exit_code == 2


def test_every_problem_is_listed_at_once() -> None:
    inputs = CostInputs(
        traffic=NO_DATA,
        durations_s={2048: 61.0, 4096: 0.3},
        memory_mb=2048,
        provisioned_concurrency=300,
        keep_warm_hours=30,
        instance_count=0,
    )
    with pytest.raises(CliError) as caught:
        build_options(inputs, PRICES)
    assert caught.value.message.count("\n  - ") == 4


def test_the_documented_provisioned_concurrency_example_agrees_with_the_model() -> None:
    page = (Path(__file__).parents[2] / "docs" / "keep-warm.md").read_text()
    example = re.search(
        r"one 2 GB\s+environment all month is 2 GB x ([\d,]+) s \(730 hours\) = ([\d,]+) GB-s"
        r".*?a tenth of the\s+on-demand \$([\d.]+) that is about \$([\d.]+) a month",
        page,
        re.DOTALL,
    )
    assert example is not None, "the provisioned-concurrency example of docs/keep-warm.md moved"
    seconds, gb_seconds, on_demand_rate, monthly = example.groups()
    rate = float(on_demand_rate) / 10
    provisioned_rate = {
        "provisioned_concurrency_per_gb_second": Rate(rate, "docs/keep-warm.md", False)
    }
    tenth = replace(PRICES, rates={**PRICES.rates, **provisioned_rate})
    option = provisioned(2048, 0.1, 1, NO_DATA, tenth)
    assert int(seconds.replace(",", "")) == MONTH_S
    assert int(gb_seconds.replace(",", "")) == 2 * MONTH_S
    assert option.fixed_monthly == pytest.approx(float(monthly), abs=0.005)
