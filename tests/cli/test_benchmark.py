"""Benchmark analysis, the load generator against the fake runtime, and the memory sweep."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from moto import mock_aws

from serverless_inference_cli.aws import CliError
from serverless_inference_cli.benchmark import (
    BenchmarkResult,
    ColdStartRule,
    LevelRun,
    LevelStats,
    Sample,
    TierResult,
    analyse,
    cold_starts,
    cost_per_thousand,
    http_invoker,
    memory_sweep,
    percentile,
    plot_benchmark,
    plot_sweep,
    run_level,
    runtime_invoker,
    sigv4_signer,
    sweep_endpoint_name,
)
from serverless_inference_cli.charts import option_lines
from tests.cli.helpers import PRICES, assert_png, run_cli, xdata, ydata
from tests.support.fake_runtime import FakeSageMakerRuntime, RecordedRequest, Reply

FAST_RULE = ColdStartRule(factor=3.0, extra_s=0.15)


def _runtime(url: str) -> Any:
    return boto3.client(
        "sagemaker-runtime",
        endpoint_url=url,
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=20),
    )


# ---------------------------------------------------------------- pure analysis


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
    assert stats.errors == {"ModelError": 1, "ThrottlingException": 1}
    assert stats.p50_s == pytest.approx(0.2)
    assert stats.throughput_rps == pytest.approx(2.0)
    # 1,000 x (0.2 s x 2 GB x $0.00002 + 2 KB x $0.016/GB)
    expected = 1000 * (0.2 * 2 * 0.00002 + 2048 / 1024**3 * 0.016)
    assert stats.cost_per_1000 == pytest.approx(expected)
    assert cost_per_thousand(0.2, 2048, 2048, PRICES) == pytest.approx(expected)


def test_sweep_names_are_valid_endpoint_names() -> None:
    name = sweep_endpoint_name("My-Sweep-" + "x" * 80, 6144, "abc123")
    assert len(name) <= 63
    assert name.endswith("-6144-abc123")
    assert name == name.lower()


# ---------------------------------------------------------------- against the fake runtime


def test_cold_starts_are_detected_at_the_injected_indices() -> None:
    cold = {0, 12}

    def behaviour(index: int, request: RecordedRequest) -> Reply:
        return Reply(delay_s=0.3) if index in cold else Reply(delay_s=0.005)

    with FakeSageMakerRuntime(behaviour) as fake:
        invoker = runtime_invoker(_runtime(fake.url), "my-endpoint", "application/json")
        level = run_level(invoker, b'{"text": "hi"}', 1, requests=20)
    stats = analyse(level.samples, concurrency=1, wall_s=level.wall_s, rule=FAST_RULE)
    assert stats.cold_start_indices == [0, 12]
    assert stats.requests == 20 and stats.succeeded == 20
    assert 0.005 <= stats.p50_s < 0.1
    assert stats.max_s >= 0.3
    assert stats.p99_s >= 0.2  # two slow requests among 20 pull the tail up
    assert all(r.endpoint_name == "my-endpoint" for r in fake.requests)


def test_errors_are_classified_by_kind_under_concurrency() -> None:
    def behaviour(index: int, request: RecordedRequest) -> Reply:
        if index % 10 == 3:
            return Reply.error("ModelError", "bad tensor")
        if index % 10 == 7:
            return Reply.error("ThrottlingException", "slow down")
        if index == 9:
            return Reply.error("ModelNotReadyException", "warming")
        return Reply(delay_s=0.02)

    with FakeSageMakerRuntime(behaviour) as fake:
        invoker = runtime_invoker(_runtime(fake.url), "e", "application/json")
        level = run_level(invoker, b"{}", 4, requests=30)
    stats = analyse(level.samples, concurrency=4, wall_s=level.wall_s, rule=FAST_RULE)
    assert stats.errors == {"ModelError": 3, "ModelNotReadyException": 1, "ThrottlingException": 3}
    assert stats.succeeded == 23
    assert len(fake.requests) == 30, "no retries: each error is one request"
    # 4 workers on 20 ms requests beat the 50/s a single worker could at best reach
    assert stats.throughput_rps > 50


def test_duration_mode_stops_on_time() -> None:
    with FakeSageMakerRuntime(Reply(delay_s=0.02)) as fake:
        invoker = runtime_invoker(_runtime(fake.url), "e", "application/json")
        level = run_level(invoker, b"{}", 2, duration_s=0.3)
    assert 0.3 <= level.wall_s < 1.5
    assert 10 <= len(level.samples) <= 40


def test_endpoint_not_found_stops_with_a_clear_error() -> None:
    reply = Reply.error("ValidationError", "Endpoint nope of account 123456789012 not found.")
    with FakeSageMakerRuntime(reply) as fake:
        invoker = runtime_invoker(_runtime(fake.url), "nope", "application/json")
        with pytest.raises(CliError, match="not found"):
            run_level(invoker, b"{}", 3, requests=50)
    assert len(fake.requests) < 50


def test_http_invoker_posts_and_reads_error_type_header() -> None:
    def behaviour(index: int, request: RecordedRequest) -> Reply:
        return Reply.error("ModelError") if index == 1 else Reply(body=b"12345")

    with FakeSageMakerRuntime(behaviour) as fake:
        invoker = http_invoker(fake.url + "/endpoints/api-endpoint/invocations", "text/csv")
        level = run_level(invoker, b"1,2,3", 1, requests=3)
    assert [s.error for s in level.samples] == [None, "ModelError", None]
    assert level.samples[0].response_bytes == 5
    assert fake.requests[0].headers["Content-Type"] == "text/csv"
    assert fake.requests[0].body == b"1,2,3"


def test_sigv4_signs_api_requests() -> None:
    credentials = boto3.Session(
        aws_access_key_id="AKIDTEST", aws_secret_access_key="secret"
    ).get_credentials()
    with FakeSageMakerRuntime() as fake:
        invoker = http_invoker(
            fake.url + "/endpoints/e/invocations",
            "application/json",
            signer=sigv4_signer(credentials, "us-east-1"),
        )
        invoker(b"{}")
    headers = {k.lower(): v for k, v in fake.requests[0].headers.items()}
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDTEST/")
    assert "/us-east-1/execute-api/aws4_request" in headers["authorization"]
    assert "x-amz-date" in headers


def test_benchmark_chart_lines(tmp_path: Path) -> None:
    samples = [Sample(i, 0, 0.05) for i in range(10)] + [Sample(10, 0, 2.0)]
    result = BenchmarkResult("e", 2048, 2, ColdStartRule())
    for concurrency in (1, 4):
        stats = analyse(samples, concurrency=concurrency, wall_s=1.0, rule=ColdStartRule())
        result.levels.append((LevelRun(concurrency, samples, 1.0), stats))
    path = tmp_path / "b.png"
    figure = plot_benchmark(result, path)
    scatter, percentiles = figure.axes
    assert [str(line.get_label()) for line in percentiles.get_lines()] == ["p50", "p90", "p99"]
    assert xdata(percentiles.get_lines()[0]) == [1, 4]
    assert [str(line.get_label()) for line in scatter.get_lines()] == [
        "concurrency 1",
        "concurrency 4",
        "suspected cold start",
    ]
    assert len(xdata(scatter.get_lines()[2])) == 2  # one cold start per level
    assert_png(path)


# ---------------------------------------------------------------- the command


def test_benchmark_command_end_to_end(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    payload = tmp_path / "payload.json"
    payload.write_text('{"inputs": "I love this"}')

    def behaviour(index: int, request: RecordedRequest) -> Reply:
        if index == 0:
            return Reply(delay_s=0.4)  # the warm-up meets the cold start
        if index == 5:
            return Reply.error("ModelError", "boom")
        return Reply(delay_s=0.01)

    output = tmp_path / "out" / "result.json"
    chart = tmp_path / "bench.png"
    with FakeSageMakerRuntime(behaviour) as fake:
        result = run_cli(
            capsys,
            "benchmark",
            "--endpoint",
            "sentiment",
            "--endpoint-url",
            fake.url,
            "--payload",
            str(payload),
            "--concurrency",
            "1,2",
            "--requests",
            "10",
            "--warmup",
            "1",
            "--memory",
            "2048",
            "--cold-start-extra-ms",
            "200",
            "--output",
            str(output),
            "--chart",
            str(chart),
        )
    assert result.code == 0, result.err
    assert len(fake.requests) == 21
    assert "Warm-up (1 requests, not counted)" in result.out
    assert "ModelError 1" in result.out
    data = json.loads(output.read_text())
    assert data["target"] == "sentiment"
    assert data["memory_mb"] == 2048
    assert data["warmup"][0]["latency_s"] >= 0.4
    assert [level["concurrency"] for level in data["levels"]] == [1, 2]
    assert data["levels"][0]["errors"] == {"ModelError": 1}
    assert data["levels"][0]["cold_start_indices"] == []
    assert len(data["levels"][0]["samples"]) == 10
    assert data["levels"][1]["cost_per_1000"] > 0
    assert_png(chart)


def test_benchmark_reads_memory_from_the_endpoint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    payload = tmp_path / "p.json"
    payload.write_text("{}")
    with mock_aws(), FakeSageMakerRuntime() as fake:
        _create_model_and_endpoint("ep-3072", memory_mb=3072)
        result = run_cli(
            capsys,
            "benchmark",
            "--endpoint",
            "ep-3072",
            "--endpoint-url",
            fake.url,
            "--payload",
            str(payload),
            "--requests",
            "3",
            "--no-chart",
        )
    assert result.code == 0, result.err
    assert "at 3072 MB" in result.out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--concurrency", "0"], "--concurrency levels must be within 1..200"),
        (["--concurrency", "a"], "comma-separated integers"),
        (["--memory", "1500"], "--memory must be one of"),
        (["--requests", "0"], "--requests must be at least 1"),
    ],
)
def test_benchmark_bad_options_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, argv: list[str], message: str
) -> None:
    payload = tmp_path / "p.json"
    payload.write_text("{}")
    result = run_cli(
        capsys,
        "benchmark",
        "--endpoint",
        "e",
        "--endpoint-url",
        "http://127.0.0.1:9",
        "--payload",
        str(payload),
        *argv,
    )
    assert result.code == 2
    assert message in result.err


def test_benchmark_payload_over_4_mb_or_missing_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (4 * 1024 * 1024 + 1))
    common = ["benchmark", "--endpoint", "e", "--memory", "1024"]
    result = run_cli(capsys, *common, "--payload", str(big))
    assert result.code == 2
    assert "over the serverless limit of 4,194,304" in result.err
    result = run_cli(capsys, *common, "--payload", str(tmp_path / "none.json"))
    assert result.code == 2
    assert "Cannot read payload" in result.err


def test_benchmark_endpoint_not_found_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    payload = tmp_path / "p.json"
    payload.write_text("{}")
    reply = Reply.error("ValidationError", "Endpoint nope of account 123456789012 not found.")
    with FakeSageMakerRuntime(reply) as fake:
        result = run_cli(
            capsys,
            "benchmark",
            "--endpoint",
            "nope",
            "--endpoint-url",
            fake.url,
            "--memory",
            "1024",
            "--payload",
            str(payload),
            "--no-chart",
        )
    assert result.code == 2
    assert "Cannot invoke endpoint 'nope'" in result.err
    assert "not found" in result.err


def test_benchmark_without_credentials_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    payload = tmp_path / "p.json"
    payload.write_text("{}")
    with FakeSageMakerRuntime() as fake:
        result = run_cli(
            capsys,
            "benchmark",
            "--endpoint",
            "e",
            "--endpoint-url",
            fake.url,
            "--memory",
            "1024",
            "--payload",
            str(payload),
            "--no-chart",
        )
    assert result.code == 2
    assert "no AWS credentials found" in result.err
    assert fake.requests == []


# ---------------------------------------------------------------- memory sweep


def _create_model_and_endpoint(name: str | None = None, memory_mb: int = 2048) -> None:
    sagemaker = boto3.client("sagemaker", region_name="us-east-1")
    sagemaker.create_model(
        ModelName="sentiment-model",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/model",
        PrimaryContainer={
            "Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/sentiment:latest",
            "ModelDataUrl": "s3://models-bucket/model.tar.gz",
        },
    )
    if name is not None:
        sagemaker.create_endpoint_config(
            EndpointConfigName=f"{name}-config",
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": "sentiment-model",
                    "ServerlessConfig": {"MemorySizeInMB": memory_mb, "MaxConcurrency": 5},
                }
            ],
        )
        sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=f"{name}-config")


def _leftovers() -> tuple[list[str], list[str]]:
    sagemaker = boto3.client("sagemaker", region_name="us-east-1")
    endpoints = [e["EndpointName"] for e in sagemaker.list_endpoints()["Endpoints"]]
    configs = [
        c["EndpointConfigName"] for c in sagemaker.list_endpoint_configs()["EndpointConfigs"]
    ]
    return endpoints, configs


def test_memory_sweep_benchmarks_each_tier_and_deletes_everything(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    payload = tmp_path / "p.json"
    payload.write_text("{}")

    def behaviour(index: int, request: RecordedRequest) -> Reply:
        # more memory, more vCPU, faster inference
        return Reply(delay_s=0.06 if "-1024-" in request.endpoint_name else 0.02)

    chart = tmp_path / "sweep.png"
    output = tmp_path / "sweep.json"
    with mock_aws(), FakeSageMakerRuntime(behaviour) as fake:
        _create_model_and_endpoint()
        result = run_cli(
            capsys,
            "benchmark",
            "--memory-sweep",
            "--model-name",
            "sentiment-model",
            "--tiers",
            "1024,3072",
            "--endpoint-url",
            fake.url,
            "--payload",
            str(payload),
            "--requests",
            "5",
            "--poll-interval",
            "0",
            "--output",
            str(output),
            "--chart",
            str(chart),
        )
        assert _leftovers() == ([], [])
    assert result.code == 0, result.err
    names = sorted({r.endpoint_name for r in fake.requests})
    assert len(names) == 2
    assert names[0].startswith("si-sweep-1024-") and names[1].startswith("si-sweep-3072-")
    assert "deleted endpoint si-sweep-1024-" in result.out
    assert "deleted config si-sweep-3072-" in result.out
    data = json.loads(output.read_text())
    assert [d["memory_mb"] for d in data] == [1024, 3072]
    assert data[0]["p50_s"] > data[1]["p50_s"]
    assert_png(chart)


@pytest.mark.parametrize("failure", [RuntimeError("benchmark broke"), KeyboardInterrupt()])
def test_memory_sweep_deletes_what_it_created_when_the_benchmark_fails(
    failure: BaseException,
) -> None:
    with mock_aws():
        _create_model_and_endpoint()
        sagemaker = boto3.client("sagemaker", region_name="us-east-1")
        seen: list[str] = []

        def benchmark_tier(endpoint_name: str, memory_mb: int) -> LevelStats:
            seen.append(endpoint_name)
            assert _leftovers() == ([endpoint_name], [endpoint_name])
            raise failure

        with pytest.raises(type(failure)):
            memory_sweep(
                sagemaker,
                "sentiment-model",
                [1024, 2048],
                benchmark_tier,
                max_concurrency=2,
                poll_s=0,
            )
        assert len(seen) == 1, "the sweep stops at the first failure"
        assert _leftovers() == ([], [])


def test_memory_sweep_names_what_it_could_not_delete() -> None:
    with mock_aws():
        _create_model_and_endpoint()
        real = boto3.client("sagemaker", region_name="us-east-1")

        class FailingDelete:
            def __getattr__(self, name: str) -> Any:
                return getattr(real, name)

            def delete_endpoint(self, **kwargs: Any) -> None:
                raise ClientError(
                    {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "DeleteEndpoint"
                )

        logged: list[str] = []
        with pytest.raises(CliError, match="Delete these by hand") as caught:
            memory_sweep(
                FailingDelete(),
                "sentiment-model",
                [1024],
                lambda name, memory: analyse([], concurrency=1, wall_s=1, rule=FAST_RULE),
                max_concurrency=1,
                poll_s=0,
                log=logged.append,
            )
        assert "endpoint si-sweep-1024-" in caught.value.message
        assert any(line.startswith("deleted config si-sweep-1024-") for line in logged)


def test_memory_sweep_unknown_model_is_a_clear_error() -> None:
    with mock_aws():
        sagemaker = boto3.client("sagemaker", region_name="us-east-1")
        with pytest.raises(CliError, match="Cannot describe model 'missing'"):
            memory_sweep(
                sagemaker,
                "missing",
                [1024],
                lambda name, memory: analyse([], concurrency=1, wall_s=1, rule=FAST_RULE),
                max_concurrency=1,
            )
        assert _leftovers() == ([], [])


def test_sweep_chart_plots_cost_against_latency(tmp_path: Path) -> None:
    results = [
        TierResult(
            tier,
            f"e-{tier}",
            analyse(
                [Sample(0, 0, latency)],
                concurrency=1,
                wall_s=1,
                rule=FAST_RULE,
                memory_mb=tier,
                prices=PRICES,
            ),
        )
        for tier, latency in ((1024, 0.4), (2048, 0.2), (3072, 0.15))
    ]
    path = tmp_path / "sweep.png"
    figure = plot_sweep(results, path)
    assert option_lines(figure) == ["p50 latency", "p90 latency"]
    line = figure.axes[0].get_lines()[0]
    assert xdata(line) == pytest.approx([400, 200, 150])
    assert ydata(line) == pytest.approx(
        [
            cost_per_thousand(lat, tier, 0, PRICES)
            for tier, lat in ((1024, 0.4), (2048, 0.2), (3072, 0.15))
        ]
    )
    assert_png(path)
