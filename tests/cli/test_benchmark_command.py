"""``serverless-inference benchmark`` end to end against the fake runtime (and moto for
SageMaker): exit codes, gates, options checked before the first request, results kept."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.cli.helpers import assert_png, run_cli
from tests.support.fake_runtime import FakeSageMakerRuntime, RecordedRequest, Reply


def _bench(
    capsys: pytest.CaptureFixture[str], fake: FakeSageMakerRuntime, payload: Path, *argv: str
) -> Any:
    return run_cli(
        capsys,
        "benchmark",
        "--endpoint",
        "sentiment",
        "--endpoint-url",
        fake.url,
        "--payload",
        str(payload),
        "--memory",
        "2048",
        *argv,
    )


def test_benchmark_command_end_to_end(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, payload: Path
) -> None:
    def behaviour(index: int, request: RecordedRequest) -> Reply:
        if index == 0:
            return Reply(delay_s=0.4)  # the warm-up meets the cold start
        if index == 5:
            return Reply.error("ModelError", "boom")
        return Reply(delay_s=0.01)

    output = tmp_path / "out" / "result.json"
    chart = tmp_path / "bench.png"
    with FakeSageMakerRuntime(behaviour) as fake:
        result = _bench(
            capsys,
            fake,
            payload,
            "--concurrency",
            "1,2",
            "--requests",
            "10",
            "--warmup",
            "1",
            "--cold-start-extra-ms",
            "200",
            "--output",
            str(output),
            "--chart",
            str(chart),
        )
    assert result.code == 0, result.err
    assert len(fake.requests) == 21
    assert "Warm-up (1 requests at concurrency 1, not counted)" in result.out
    assert "ModelError 1" in result.out
    data = json.loads(output.read_text())
    assert data["complete"] is True
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
    capsys: pytest.CaptureFixture[str], payload: Path
) -> None:
    with mock_aws(), FakeSageMakerRuntime() as fake:
        sagemaker = boto3.client("sagemaker", region_name="us-east-1")
        sagemaker.create_model(
            ModelName="m",
            ExecutionRoleArn="arn:aws:iam::123456789012:role/model",
            PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1"},
        )
        sagemaker.create_endpoint_config(
            EndpointConfigName="c",
            ProductionVariants=[
                {
                    "VariantName": "AllTraffic",
                    "ModelName": "m",
                    "ServerlessConfig": {"MemorySizeInMB": 3072, "MaxConcurrency": 5},
                }
            ],
        )
        sagemaker.create_endpoint(EndpointName="ep-3072", EndpointConfigName="c")
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


def test_a_runtime_that_refuses_every_request_fails_the_benchmark(
    capsys: pytest.CaptureFixture[str], payload: Path
) -> None:
    with FakeSageMakerRuntime(Reply.error("ServiceUnavailable", "down")) as fake:
        result = _bench(capsys, fake, payload, "--requests", "5", "--no-chart")
    assert result.code == 1
    assert "FAILED x1: every request failed (5)" in result.out


@pytest.mark.parametrize(
    ("gates", "code", "message"),
    [
        (["--max-error-rate", "0.2"], 0, None),  # 2 of 10 failed: 20%, at the gate
        (["--max-error-rate", "0.1"], 1, "FAILED x1: error rate 20.0% > --max-error-rate 0.1"),
        (["--max-p99-ms", "5000"], 0, None),
        (["--max-p99-ms", "50"], 1, "> --max-p99-ms 50"),
    ],
)
def test_gates_fail_the_run_with_exit_1(
    capsys: pytest.CaptureFixture[str],
    payload: Path,
    gates: list[str],
    code: int,
    message: str | None,
) -> None:
    def behaviour(index: int, request: RecordedRequest) -> Reply:
        if index in (3, 7):
            return Reply.error("ModelError", "boom")
        return Reply(delay_s=0.12 if index == 9 else 0.01)

    with FakeSageMakerRuntime(behaviour) as fake:
        result = _bench(capsys, fake, payload, "--requests", "10", "--no-chart", *gates)
    assert result.code == code, result.out + result.err
    if message is not None:
        assert message in result.out
    else:
        assert "FAILED" not in result.out


def test_results_of_finished_levels_are_kept_when_a_later_level_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, payload: Path
) -> None:
    def behaviour(index: int, request: RecordedRequest) -> Reply:
        if index < 4:
            return Reply(delay_s=0.01)
        return Reply.error("ValidationError", "Endpoint sentiment of account 1 not found.")

    output = tmp_path / "partial.json"
    with FakeSageMakerRuntime(behaviour) as fake:
        result = _bench(
            capsys,
            fake,
            payload,
            "--concurrency",
            "1,2",
            "--requests",
            "4",
            "--output",
            str(output),
            "--no-chart",
        )
    assert result.code == 2
    assert "Cannot invoke endpoint 'sentiment': not found" in result.err
    data = json.loads(output.read_text())
    assert data["complete"] is False
    assert [level["concurrency"] for level in data["levels"]] == [1]
    assert len(data["levels"][0]["samples"]) == 4


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--concurrency", "0"], "argument --concurrency: must be within 1..200, got '0'"),
        (["--concurrency", "a"], "argument --concurrency: must be a whole number, got 'a'"),
        (["--concurrency", "1,,2"], "argument --concurrency: must be comma-separated values"),
        (
            ["--memory", "1500"],
            "argument --memory: must be one of 1024, 2048, 3072, 4096, 5120, 6144, got '1500'",
        ),
        (["--requests", "0"], "argument --requests: must be within 1..1000000, got '0'"),
        (["--timeout", "0"], "argument --timeout: must be a number more than 0, got '0'"),
        (["--timeout", "nan"], "argument --timeout: must be a finite number, got 'nan'"),
        (
            ["--endpoint-url", "not-a-url"],
            "argument --endpoint-url: must be an http:// or https:// URL, got 'not-a-url'",
        ),
        (["--max-error-rate", "5"], "argument --max-error-rate: must be within 0..1, got '5'"),
        (["--warmup", "-1"], "argument --warmup: must be within 0..10000, got '-1'"),
        (["--tiers", "1024"], "--tiers needs --memory-sweep"),
        (["--strategy", "speed"], "--strategy needs --memory-sweep"),
        (["--model-name", "m"], "--model-name needs --memory-sweep"),
        (["--sigv4"], "--sigv4 signs --url requests only"),
    ],
)
def test_bad_options_are_usage_errors_before_any_request(
    capsys: pytest.CaptureFixture[str], payload: Path, argv: list[str], message: str
) -> None:
    with FakeSageMakerRuntime() as fake:
        try:
            result = _bench(capsys, fake, payload, "--no-chart", *argv)
            code, err = result.code, result.err
        except SystemExit as exit:
            code, err = int(str(exit.code)), capsys.readouterr().err
    assert code == 2
    assert message in err
    assert "Traceback" not in err
    assert fake.requests == []


def test_output_paths_are_checked_before_the_first_request(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, payload: Path
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    with FakeSageMakerRuntime() as fake:
        for option, path in (
            ("--output", blocker / "out.json"),
            ("--chart", tmp_path),
        ):
            with pytest.raises(SystemExit) as caught:
                _bench(capsys, fake, payload, option, str(path))
            assert caught.value.code == 2
            err = capsys.readouterr().err
            assert f"argument {option}:" in err
    assert fake.requests == []


def test_payload_over_4_mb_or_missing_exits_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(b"x" * (4 * 1024 * 1024 + 1))
    common = ["benchmark", "--endpoint", "e", "--memory", "1024", "--no-chart"]
    result = run_cli(capsys, *common, "--payload", str(big))
    assert result.code == 2
    assert "--payload is 4,194,305 bytes, over the serverless limit of 4,194,304" in result.err
    with pytest.raises(SystemExit) as caught:
        run_cli(capsys, *common, "--payload", str(tmp_path / "none.json"))
    assert caught.value.code == 2
    assert "argument --payload: no such file" in capsys.readouterr().err


def test_endpoint_not_found_exits_2(capsys: pytest.CaptureFixture[str], payload: Path) -> None:
    reply = Reply.error("ValidationError", "Endpoint nope of account 123456789012 not found.")
    with FakeSageMakerRuntime(reply) as fake:
        result = _bench(capsys, fake, payload, "--no-chart")
    assert result.code == 2
    assert "Cannot invoke endpoint 'sentiment'" in result.err
    assert "not found" in result.err


def test_without_credentials_exits_2_before_any_request(
    capsys: pytest.CaptureFixture[str], payload: Path, no_credentials: None
) -> None:
    with FakeSageMakerRuntime() as fake:
        result = _bench(capsys, fake, payload, "--no-chart")
    assert result.code == 2
    assert "no AWS credentials found" in result.err
    assert fake.requests == []


@pytest.mark.parametrize("output_format", ["json", "csv"])
def test_machine_formats_write_only_the_results_on_stdout(
    capsys: pytest.CaptureFixture[str], payload: Path, output_format: str
) -> None:
    with FakeSageMakerRuntime(Reply(delay_s=0.01)) as fake:
        result = _bench(
            capsys,
            fake,
            payload,
            "--concurrency",
            "1,2",
            "--requests",
            "4",
            "--no-chart",
            "--format",
            output_format,
        )
    assert result.code == 0, result.err
    if output_format == "json":
        document = json.loads(result.out)
        assert [level["concurrency"] for level in document["levels"]] == [1, 2]
        assert document["levels"][0]["succeeded"] == 4
        assert document["passed"] is True
        assert {p["price"] for p in document["prices"]} == {
            "serverless compute",
            "data processing (in + out)",
        }
    else:
        header, first, second = result.out.splitlines()
        assert header.startswith("concurrency,requests,succeeded,p50_ms,")
        assert first.startswith("1,4,4,") and second.startswith("2,4,4,")
