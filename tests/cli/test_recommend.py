"""``recommend``: the rules on hand-made metrics, and end to end on moto's CloudWatch, including
windows with nothing to size."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.sagemaker import models as moto_sagemaker

from serverless_inference_cli.recommend.cloudwatch import QUERIES
from serverless_inference_cli.recommend.rules import (
    EndpointInfo,
    Metrics,
    Recommendation,
    active_days_of_week,
    active_hours_of_day,
    cron_hours,
    keep_warm_cron,
    recommend,
)
from serverless_inference_runtime.limits import METRIC_STATISTICS, MetricName, metric_namespace
from tests.cli.helpers import PRICES, run_cli

END = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 7
HOURS = DAYS * 24
START = END - timedelta(days=DAYS)
SERVERLESS = EndpointInfo("sentiment", "AllTraffic", True, memory_mb=2048, max_concurrency=10)
BUSINESS = range(9, 18)  # 09:00-17:59 UTC
MONTH_DAYS = 730 / 24


def _metrics(
    invocations: Callable[[int], float],
    *,
    start: datetime = START,
    latency_us: float = 200_000,
    overhead_us: float = 20_000,
    cold: Callable[[int], float] = lambda hour: 0,
    memory: float | None = 40.0,
    concurrency: float | None = 0.3,
) -> Metrics:
    hours = [(start + timedelta(hours=i)).hour for i in range(HOURS)]
    calls = [invocations(h) for h in hours]
    return Metrics(
        start=start,
        invocations=calls,
        model_latency_avg_us=[latency_us if c else None for c in calls],
        overhead_latency_avg_us=[overhead_us if c else None for c in calls],
        cold_starts=[cold(h) for h in hours],
        model_setup_max_us=[4_000_000.0 if cold(h) else None for h in hours],
        memory_utilization_max=[memory if c else None for c in calls],
        concurrency_utilization_max=[concurrency if c else None for c in calls],
        errors_4xx=[0.0] * HOURS,
        errors_5xx=[0.0] * HOURS,
        datapoints=sum(1 for c in calls if c),
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


def test_active_hours_are_those_with_10_percent_of_the_busiest() -> None:
    metrics = _metrics(lambda h: 600.0 if h in BUSINESS else (59.0 if h == 8 else 60.0 * (h == 18)))
    assert active_hours_of_day(metrics) == [*BUSINESS, 18]  # 8 has 59 < 60 = 10% of 600


def test_weekday_traffic_gives_a_weekday_schedule() -> None:
    base = _metrics(_business_hours, cold=lambda h: 60.0 if h == 9 else 0.0)
    hours = [START + timedelta(hours=i) for i in range(HOURS)]
    calls = [600.0 if t.weekday() < 5 and t.hour in BUSINESS else 0.0 for t in hours]
    metrics = Metrics(**{**base.__dict__, "invocations": calls})
    assert active_days_of_week(metrics) == [0, 1, 2, 3, 4]
    rec = recommend(SERVERLESS, metrics, PRICES)
    assert rec.keep_warm_days == [0, 1, 2, 3, 4]
    assert _setting(rec, "keep-warm").endswith("cron(0/5 9-17 ? * MON-FRI *)")


def test_spiky_business_hours_traffic() -> None:
    # 600 requests an hour 09-17 UTC; 60 cold starts a day (1.1% of requests);
    # 40% of 2048 MB used at peak; concurrency utilization 0.3 of 10
    metrics = _metrics(_business_hours, cold=lambda h: 60.0 if h == 9 else 0.0)
    rec = recommend(SERVERLESS, metrics, PRICES)
    assert rec.latency_s == pytest.approx(0.22)  # model 200 ms + overhead 20 ms
    # 0.4 x 2048 = 819.2 MB / 0.8 = 1024 MB
    assert rec.memory_mb == 1024
    # 0.3 x 10 = 3 concurrent x 1.5 = 4.5 -> 5
    assert rec.max_concurrency == 5
    # 600/3600 req/s x 0.22 s = 0.037 concurrent: no PC
    assert rec.provisioned_concurrency == 0
    assert rec.keep_warm_hours == list(BUSINESS)
    assert rec.keep_warm_concurrency == 1
    assert _setting(rec, "keep-warm").endswith("cron(0/5 9-17 * * ? *)")
    # the same 0.22 s is billed: 5,400 a day x 30.42 days = 164,250 requests x 0.22 s x 1 GB
    # x $0.00002 = $0.72270, plus 9 h x 12 pings x 30.42 days = 3,285 pings x 0.22 s x 1 GB
    # x $0.00002 = $0.014454
    assert rec.monthly_requests == pytest.approx(5400 * MONTH_DAYS)
    assert rec.serverless_monthly == pytest.approx(0.7227 + 0.014454)
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
    # median hourly concurrency 10/s x 0.2 s = 2 -> PC 2, which serves exactly 36,000 an hour
    assert rec.provisioned_concurrency == 2
    # 2 x 2 GB x 2,628,000 s x $0.000005 + 26.28M x 0.2 s x 2 GB x $0.00001 = $157.68
    assert rec.serverless_monthly == pytest.approx(52.56 + 105.12)
    assert rec.instance_monthly == pytest.approx(74.46)
    assert rec.platform == "instance"
    assert _setting(rec, "platform") == "stay on ml.c5.large x1"
    # Little's law: 10/s x 0.2 s x 3 burst = 6 x 1.5 = 9
    assert rec.max_concurrency == 9


def test_a_window_without_requests_is_refused_not_read_as_an_idle_endpoint() -> None:
    with pytest.raises(ValueError, match="at least one request"):
        recommend(SERVERLESS, _metrics(lambda h: 0.0), PRICES)


# ---------------------------------------------------------------- end to end on moto


def _seed(endpoint: str, metrics: Metrics, region: str = "us-east-1") -> None:
    cloudwatch = boto3.client("cloudwatch", region_name=region)
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


def _endpoint(
    monkeypatch: pytest.MonkeyPatch,
    name: str,
    variant: dict[str, Any],
    created: datetime,
    region: str = "us-east-1",
) -> None:
    """An endpoint in moto's SageMaker created at ``created`` (moto stamps "now" otherwise)."""
    sagemaker = boto3.client("sagemaker", region_name=region)
    sagemaker.create_model(
        ModelName=f"{name}-model",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/model",
        PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:latest"},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=f"{name}-config",
        ProductionVariants=[{"VariantName": "AllTraffic", "ModelName": f"{name}-model", **variant}],
    )
    with monkeypatch.context() as patch:
        patch.setattr(moto_sagemaker, "utcnow", lambda: created)
        sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config")


SERVERLESS_VARIANT = {"ServerlessConfig": {"MemorySizeInMB": 2048, "MaxConcurrency": 10}}


def _recent_end() -> datetime:
    return datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=1)


def test_recommend_command_on_a_serverless_endpoint(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    end = _recent_end()
    metrics = _metrics(
        _business_hours, start=end - timedelta(days=DAYS), cold=lambda h: 60.0 if h == 9 else 0.0
    )
    with mock_aws():
        _endpoint(monkeypatch, "sentiment", SERVERLESS_VARIANT, end - timedelta(days=60))
        _seed("sentiment", metrics)
        result = run_cli(
            capsys, "recommend", "--endpoint", "sentiment", "--days", "7", "--end", end.isoformat()
        )
    assert result.code == 0, result.err
    out = result.out
    assert "serverless 2048 MB, max concurrency 10" in out
    assert "37,800 (5,400 a day)" in out
    assert "420 (1.1% of requests), longest setup 4.0 s" in out
    assert "819 MB (40% of 2,048 MB)" in out
    assert "220 ms (model + overhead)" in out
    assert "1024 MB" in out
    assert "cron(0/5 9-17 * * ? *)" in out
    assert "stay on serverless" in out
    assert "Free tier left out" in out


def test_recommend_command_on_a_busy_real_time_endpoint_as_json(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    end = _recent_end()
    metrics = _metrics(
        lambda h: 36_000.0,
        start=end - timedelta(days=DAYS),
        overhead_us=0,
        memory=30.0,
        concurrency=None,
    )
    instance = {
        "InstanceType": "ml.c5.large",
        "InitialInstanceCount": 1,
        "InitialVariantWeight": 1.0,
    }
    with mock_aws():
        _endpoint(monkeypatch, "scoring", instance, end - timedelta(days=60))
        _seed("scoring", metrics)
        result = run_cli(
            capsys,
            "recommend",
            "--endpoint",
            "scoring",
            "--days",
            "7",
            "--end",
            end.isoformat(),
            "--format",
            "json",
        )
    assert result.code == 0, result.err
    document = json.loads(result.out)
    assert document["current"] == "real-time ml.c5.large x1"
    assert document["recommendation"]["platform"] == "instance"
    assert document["recommendation"]["instance_monthly"] == pytest.approx(74.46)
    settings = {s["setting"]: s["value"] for s in document["settings"]}
    assert settings["platform"] == "stay on ml.c5.large x1"


def test_a_window_with_no_data_says_so_and_exits_1(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    end = _recent_end()
    with mock_aws():
        _endpoint(monkeypatch, "sentiment", SERVERLESS_VARIANT, end - timedelta(days=60))
        result = run_cli(capsys, "recommend", "--endpoint", "sentiment", "--end", end.isoformat())
    assert result.code == 1
    assert (
        "no data: CloudWatch has no datapoint for sentiment (variant AllTraffic) in us-east-1"
        in result.out
    )
    assert "check --end, --days and --region: nothing to recommend" in result.out
    assert "delete" not in result.out.lower()
    assert "Recommendation" not in result.out


def test_a_window_without_requests_says_so_and_never_advises_deleting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    end = _recent_end()
    idle = _metrics(lambda h: 0.0, start=end - timedelta(days=DAYS))
    idle = Metrics(**{**idle.__dict__, "memory_utilization_max": [12.0] * HOURS})
    with mock_aws():
        _endpoint(monkeypatch, "sentiment", SERVERLESS_VARIANT, end - timedelta(days=60))
        _seed("sentiment", idle)
        result = run_cli(
            capsys, "recommend", "--endpoint", "sentiment", "--days", "7", "--end", end.isoformat()
        )
    assert result.code == 1
    assert "no requests: sentiment served no request from" in result.out
    assert "delete" not in result.out.lower()


def test_a_window_before_the_endpoint_existed_has_no_data(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    end = _recent_end()
    created = end - timedelta(days=2)
    with mock_aws():
        _endpoint(monkeypatch, "sentiment", SERVERLESS_VARIANT, created)
        result = run_cli(
            capsys,
            "recommend",
            "--endpoint",
            "sentiment",
            "--end",
            (created - timedelta(days=1)).isoformat(),
        )
    assert result.code == 1
    assert f"was created at {created:%Y-%m-%d %H:%M} UTC, after the window's end" in result.out


def test_the_window_starts_when_the_endpoint_was_created(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # 3 days old, 30 days asked for: the traffic is that of 3 days, not of 30
    end = _recent_end()
    created = end - timedelta(days=3)
    metrics = _metrics(_business_hours, start=created)
    with mock_aws():
        _endpoint(monkeypatch, "sentiment", SERVERLESS_VARIANT, created)
        _seed("sentiment", metrics)
        result = run_cli(capsys, "recommend", "--endpoint", "sentiment", "--end", end.isoformat())
    assert result.code == 0, result.err
    assert "(3.0 of the 30 days asked for)" in result.out
    assert "3 days (72 hours)" in result.out
    assert "(5,400 a day)" in result.out


def test_an_end_in_the_future_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    later = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    with pytest.raises(SystemExit) as caught:
        run_cli(capsys, "recommend", "--endpoint", "e", "--end", later)
    assert caught.value.code == 2
    assert "argument --end: must not be in the future" in capsys.readouterr().err


def test_a_price_file_for_another_region_is_a_warning(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    end = _recent_end()
    metrics = _metrics(_business_hours, start=end - timedelta(days=DAYS))
    with mock_aws():
        _endpoint(
            monkeypatch, "sentiment", SERVERLESS_VARIANT, end - timedelta(days=60), "eu-west-1"
        )
        _seed("sentiment", metrics, "eu-west-1")
        result = run_cli(
            capsys,
            "recommend",
            "--endpoint",
            "sentiment",
            "--days",
            "7",
            "--end",
            end.isoformat(),
            "--region",
            "eu-west-1",
        )
    assert result.code == 0, result.err
    assert "warning: the price file is for us-east-1, the endpoint is in eu-west-1" in result.out


def test_recommend_unknown_endpoint_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with mock_aws():
        result = run_cli(capsys, "recommend", "--endpoint", "nope")
    assert result.code == 2
    assert "Cannot describe endpoint 'nope': not found" in result.err


def test_recommend_bad_days_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        run_cli(capsys, "recommend", "--endpoint", "x", "--days", "0")
    assert caught.value.code == 2
    assert "argument --days: must be within 1..455, got '0'" in capsys.readouterr().err


def test_every_statistic_recommend_reads_is_documented_for_its_metric() -> None:
    # a statistic a metric does not support returns no data: the window would look empty
    for _, metric, statistic in QUERIES:
        documented = METRIC_STATISTICS[(metric_namespace(metric), metric)]
        assert documented.allows(statistic), f"{metric} {statistic}"
