"""``recommend``: the decision rules on hand-made metrics, and end to end on moto CloudWatch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws

from serverless_inference_cli.limits import MetricName, metric_namespace
from serverless_inference_cli.recommend import (
    EndpointInfo,
    Metrics,
    Recommendation,
    active_days_of_week,
    active_hours_of_day,
    cron_hours,
    keep_warm_cron,
    recommend,
)
from tests.cli.helpers import PRICES, run_cli

END = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 7
HOURS = DAYS * 24
START = END - timedelta(days=DAYS)
SERVERLESS = EndpointInfo("sentiment", "AllTraffic", True, memory_mb=2048, max_concurrency=10)
BUSINESS = range(9, 18)  # 09:00-17:59 UTC


def _metrics(
    invocations: Callable[[int], float],
    *,
    latency_us: float = 200_000,
    overhead_us: float = 20_000,
    cold: Callable[[int], float] = lambda hour: 0,
    memory: float | None = 40.0,
    concurrency: float | None = 0.3,
) -> Metrics:
    hours = [(START + timedelta(hours=i)).hour for i in range(HOURS)]
    calls = [invocations(h) for h in hours]
    return Metrics(
        start=START,
        invocations=calls,
        model_latency_avg_us=[latency_us if c else None for c in calls],
        overhead_latency_avg_us=[overhead_us if c else None for c in calls],
        cold_starts=[cold(h) for h in hours],
        model_setup_max_us=[4_000_000.0 if cold(h) else None for h in hours],
        memory_utilization_max=[memory if c else None for c in calls],
        concurrency_utilization_max=[concurrency if c else None for c in calls],
        errors_4xx=[0.0] * HOURS,
        errors_5xx=[0.0] * HOURS,
    )


def _business_hours(hour: int) -> float:
    return 600.0 if hour in BUSINESS else 0.0


def _setting(rec: Recommendation, name: str) -> str:
    return next(s.value for s in rec.settings if s.name == name)


def test_cron_hours_compacts_ranges() -> None:
    assert cron_hours([9, 10, 11, 12, 14, 20, 21]) == "9-12,14,20-21"
    assert cron_hours(list(range(24))) == "*"
    assert cron_hours([7]) == "7"


def test_keep_warm_cron_uses_weekday_names_when_not_every_day() -> None:
    assert keep_warm_cron([8, 9, 10], list(range(7))) == "cron(0/5 8-10 * * ? *)"
    assert keep_warm_cron([8, 9, 10], [0, 1, 2, 3, 4]) == "cron(0/5 8-10 ? * MON-FRI *)"
    assert keep_warm_cron([9], [0, 2, 6], minutes=10) == "cron(0/10 9 ? * MON,WED,SUN *)"


def test_weekday_traffic_gives_a_weekday_schedule() -> None:
    hours = [(START + timedelta(hours=i)) for i in range(HOURS)]
    calls = [600.0 if t.weekday() < 5 and t.hour in BUSINESS else 0.0 for t in hours]
    base = _metrics(_business_hours, cold=lambda h: 60.0 if h == 9 else 0.0)
    metrics = Metrics(
        start=base.start,
        invocations=calls,
        model_latency_avg_us=base.model_latency_avg_us,
        overhead_latency_avg_us=base.overhead_latency_avg_us,
        cold_starts=base.cold_starts,
        model_setup_max_us=base.model_setup_max_us,
        memory_utilization_max=base.memory_utilization_max,
        concurrency_utilization_max=base.concurrency_utilization_max,
        errors_4xx=base.errors_4xx,
        errors_5xx=base.errors_5xx,
    )
    assert active_days_of_week(metrics) == [0, 1, 2, 3, 4]
    rec = recommend(SERVERLESS, metrics, PRICES)
    assert rec.keep_warm_days == [0, 1, 2, 3, 4]
    assert _setting(rec, "keep-warm").endswith("cron(0/5 9-17 ? * MON-FRI *)")


def test_active_hours_are_those_with_10_percent_of_the_busiest() -> None:
    metrics = _metrics(lambda h: 600.0 if h in BUSINESS else (59.0 if h == 8 else 60.0 * (h == 18)))
    assert active_hours_of_day(metrics) == [*BUSINESS, 18]  # 8 has 59 < 60 = 10% of 600


def test_spiky_business_hours_traffic() -> None:
    # 600 requests an hour 09-17 UTC; 60 cold starts a day (1.1% of requests);
    # 40% of 2048 MB used at peak; concurrency utilization 0.3 of 10
    metrics = _metrics(_business_hours, cold=lambda h: 60.0 if h == 9 else 0.0)
    rec = recommend(SERVERLESS, metrics, PRICES)
    # 0.4 x 2048 = 819.2 MB / 0.8 = 1024 MB
    assert rec.memory_mb == 1024
    # 0.3 x 10 = 3 concurrent x 1.5 = 4.5 -> 5
    assert rec.max_concurrency == 5
    # 600/3600 req/s x 0.22 s = 0.037 concurrent: no PC
    assert rec.provisioned_concurrency == 0
    assert rec.keep_warm_hours == list(BUSINESS)
    assert rec.keep_warm_concurrency == 1
    assert _setting(rec, "keep-warm").endswith("cron(0/5 9-17 * * ? *)")
    # 37,800 requests in 7 days = 162,000 a month x 0.2 s x 1 GB x $0.00002 = $0.648
    # + 3,240 pings (30 days x 9 h x 12) x 0.2 s x 1 GB x $0.00002 = $0.01296
    assert rec.serverless_monthly == pytest.approx(0.648 + 0.01296)
    assert rec.instance_monthly == pytest.approx(74.46)
    assert rec.platform == "serverless"
    assert _setting(rec, "platform") == "stay on serverless"


def test_few_cold_starts_need_no_keep_warm() -> None:
    metrics = _metrics(_business_hours, cold=lambda h: 10.0 if h == 9 else 0.0)  # 0.19%
    rec = recommend(SERVERLESS, metrics, PRICES)
    assert rec.keep_warm_hours == []
    assert _setting(rec, "keep-warm") == "none"


def test_throttling_doubles_max_concurrency() -> None:
    rec = recommend(SERVERLESS, _metrics(_business_hours, concurrency=0.95), PRICES)
    assert rec.max_concurrency == 20
    assert "likely throttled" in next(
        s.because for s in rec.settings if s.name == "max concurrency"
    )


def test_model_too_big_for_serverless_goes_to_instances() -> None:
    big = EndpointInfo("big", "AllTraffic", True, memory_mb=6144, max_concurrency=5)
    rec = recommend(big, _metrics(_business_hours, memory=95.0), PRICES)
    assert rec.memory_mb is None
    assert rec.platform == "instance"
    assert _setting(rec, "memory") == "does not fit serverless"
    assert _setting(rec, "platform") == "move to ml.m5.large x1"


def test_steady_high_traffic_stays_on_instances() -> None:
    # 36,000 requests every hour (10/s) x 0.2 s = 2 busy environments all the time
    instance = EndpointInfo(
        "scoring", "AllTraffic", False, instance_type="ml.c5.large", instance_count=1
    )
    metrics = _metrics(lambda h: 36_000.0, overhead_us=0, memory=30.0, concurrency=None)
    rec = recommend(instance, metrics, PRICES)
    # 30% of 4 GiB = 1,229 MB / 0.8 = 1,536 MB -> 2048
    assert rec.memory_mb == 2048
    # median hourly concurrency 10/s x 0.2 s = 2 -> PC 2
    assert rec.provisioned_concurrency == 2
    # 2 x 2 GB x 2,628,000 s x $0.000005 + 25.92M x 0.2 s x 2 GB x $0.00001 = $156.24
    assert rec.serverless_monthly == pytest.approx(52.56 + 103.68)
    assert rec.instance_monthly == pytest.approx(74.46)
    assert rec.platform == "instance"
    assert _setting(rec, "platform") == "stay on ml.c5.large x1"
    # Little's law: 10/s x 0.2 s x 3 burst = 6 x 1.5 = 9
    assert rec.max_concurrency == 9


def test_no_traffic_says_so() -> None:
    rec = recommend(SERVERLESS, _metrics(lambda h: 0.0), PRICES)
    assert "no requests in the window" in rec.settings[0].because


# ---------------------------------------------------------------- end to end on moto


def _seed(endpoint: str, metrics: Metrics) -> None:
    cloudwatch = boto3.client("cloudwatch", region_name="us-east-1")
    dimensions = [
        {"Name": "EndpointName", "Value": endpoint},
        {"Name": "VariantName", "Value": "AllTraffic"},
    ]
    series: list[tuple[str, list[float | None], str]] = [
        (MetricName.INVOCATIONS, [v or None for v in metrics.invocations], "Count"),
        (MetricName.MODEL_LATENCY, metrics.model_latency_avg_us, "Microseconds"),
        (MetricName.OVERHEAD_LATENCY, metrics.overhead_latency_avg_us, "Microseconds"),
        (MetricName.MEMORY_UTILIZATION, metrics.memory_utilization_max, "Percent"),
        (MetricName.CONCURRENT_EXECUTIONS_UTILIZATION, metrics.concurrency_utilization_max, "None"),
    ]
    data: list[tuple[str, dict[str, Any]]] = []
    for name, values, unit in series:
        for i, value in enumerate(values):
            if value is not None:
                data.append(
                    (
                        metric_namespace(name),
                        {
                            "MetricName": name,
                            "Dimensions": dimensions,
                            "Timestamp": metrics.start + timedelta(hours=i, minutes=5),
                            "Value": value,
                            "Unit": unit,
                        },
                    )
                )
    for i, cold in enumerate(metrics.cold_starts):
        if cold:
            data.append(
                (
                    metric_namespace(MetricName.MODEL_SETUP_TIME),
                    {
                        "MetricName": MetricName.MODEL_SETUP_TIME,
                        "Dimensions": dimensions,
                        "Timestamp": metrics.start + timedelta(hours=i, minutes=5),
                        "StatisticValues": {
                            "SampleCount": cold,
                            "Sum": cold * 3_000_000,
                            "Minimum": 2_000_000,
                            "Maximum": 4_000_000,
                        },
                        "Unit": "Microseconds",
                    },
                )
            )
    for namespace in {ns for ns, _ in data}:
        items = [d for ns, d in data if ns == namespace]
        for chunk in range(0, len(items), 500):
            cloudwatch.put_metric_data(Namespace=namespace, MetricData=items[chunk : chunk + 500])


def _endpoint(name: str, variant: dict[str, Any]) -> None:
    sagemaker = boto3.client("sagemaker", region_name="us-east-1")
    sagemaker.create_model(
        ModelName=f"{name}-model",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/model",
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:latest"},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=f"{name}-config",
        ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": f"{name}-model", **variant}],
    )
    sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config")


def test_recommend_command_on_a_serverless_endpoint(capsys: pytest.CaptureFixture[str]) -> None:
    metrics = _metrics(_business_hours, cold=lambda h: 60.0 if h == 9 else 0.0)
    with mock_aws():
        _endpoint("sentiment", {"ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 10}})
        _seed("sentiment", metrics)
        result = run_cli(
            capsys, "recommend", "--endpoint", "sentiment", "--days", "7", "--end", END.isoformat()
        )
    assert result.code == 0, result.err
    out = result.out
    assert "serverless 2048 MB, max concurrency 10" in out
    assert "37,800 (5,400 a day)" in out
    assert "420 (1.1% of requests), longest setup 4.0 s" in out
    assert "819 MB (40% of 2,048 MB)" in out
    assert "1024 MB" in out
    assert "cron(0/5 9-17 * * ? *)" in out
    assert "stay on serverless" in out


def test_recommend_command_on_a_busy_real_time_endpoint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    metrics = _metrics(lambda h: 36_000.0, overhead_us=0, memory=30.0, concurrency=None)
    with mock_aws():
        _endpoint(
            "scoring",
            {"InstanceType": "ml.c5.large", "InitialInstanceCount": 1, "InitialVariantWeight": 1.0},
        )
        _seed("scoring", metrics)
        result = run_cli(
            capsys, "recommend", "--endpoint", "scoring", "--days", "7", "--end", END.isoformat()
        )
    assert result.code == 0, result.err
    assert "real-time ml.c5.large x1" in result.out
    assert "stay on ml.c5.large x1" in result.out
    assert "$74.46" in result.out


def test_recommend_unknown_endpoint_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with mock_aws():
        result = run_cli(capsys, "recommend", "--endpoint", "nope")
    assert result.code == 2
    assert "Cannot describe endpoint 'nope': not found" in result.err


def test_recommend_bad_days_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "recommend", "--endpoint", "x", "--days", "0")
    assert result.code == 2
    assert "--days must be within 1..455" in result.err
