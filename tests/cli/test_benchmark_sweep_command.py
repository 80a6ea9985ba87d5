"""``benchmark --memory-sweep`` end to end: moto's SageMaker, the fake runtime, stubbed
Service Quotas. Tiers within the memory quota, one warm-up per tier, a failing tier reported
with the others, results written after each tier, the winner in the table and the JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from moto import mock_aws

from serverless_inference_cli.benchmark import command, load
from tests.cli.helpers import (
    QUOTAS,
    assert_png,
    create_model,
    leftovers,
    quotas_client,
    run_cli,
    stubbed,
)
from tests.support.fake_runtime import FakeSageMakerRuntime, RecordedRequest, Reply

LATENCY_S = {1024: 0.1, 2048: 0.03, 3072: 0.025, 4096: 0.02, 5120: 0.02, 6144: 0.02}


def _tier(request: RecordedRequest) -> int:
    return int(request.endpoint_name.split("-")[2])


def _by_tier(index: int, request: RecordedRequest) -> Reply:
    return Reply(delay_s=LATENCY_S[_tier(request)])


def _sweep(
    capsys: pytest.CaptureFixture[str], fake: FakeSageMakerRuntime, payload: Path, *argv: str
) -> Any:
    return run_cli(
        capsys,
        "benchmark",
        "--memory-sweep",
        "--model-name",
        "sentiment-model",
        "--endpoint-url",
        fake.url,
        "--payload",
        str(payload),
        "--requests",
        "5",
        "--poll-interval",
        "0",
        *argv,
    )


def test_default_tiers_stop_at_the_account_memory_quota_and_each_gets_a_warm_up(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    payload: Path,
) -> None:
    chart = tmp_path / "sweep.png"
    output = tmp_path / "sweep.json"
    with (
        mock_aws(),
        FakeSageMakerRuntime(_by_tier) as fake,
        stubbed(monkeypatch, service_quotas=quotas_client(QUOTAS)),
    ):
        sagemaker = create_model()
        result = _sweep(
            capsys,
            fake,
            payload,
            "--concurrency",
            "2",
            "--output",
            str(output),
            "--chart",
            str(chart),
        )
        assert leftovers(sagemaker) == ([], [])
    assert result.code == 0, result.err
    # the quota is 3072 MB: 4096..6144 are not swept
    tiers = [_tier(r) for r in fake.requests]
    assert sorted(set(tiers)) == [1024, 2048, 3072]
    # per tier: 2 warm-up requests (the concurrency level) then the 5 measured ones
    assert [tiers.count(t) for t in (1024, 2048, 3072)] == [7, 7, 7]
    assert "Tiers up to the account's serverless memory quota of 3072 MB." in result.out
    assert "deleted endpoint si-sweep-1024-" in result.err
    data = json.loads(output.read_text())
    assert data["complete"] is True
    assert [t["memory_mb"] for t in data["tiers"]] == [1024, 2048, 3072]
    assert all(len(t["warmup"]) == 2 for t in data["tiers"])
    # cost per 1,000 at 100/30/25 ms x 1/2/3 GB: 2048 MB is cheapest, the default strategy
    assert data["winner_memory_mb"] == 2048
    assert "2048 MB" in result.out and "<- winner" in result.out
    assert "Winner (cost: the lowest cost per 1,000 requests" in result.out
    assert_png(chart)


def test_a_tier_that_cannot_be_created_is_reported_with_the_others_and_exits_2(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    payload: Path,
) -> None:
    output = tmp_path / "sweep.json"
    with mock_aws(), FakeSageMakerRuntime(_by_tier) as fake:
        sagemaker = create_model()
        real_create = sagemaker.create_endpoint

        def create_endpoint(**kwargs: Any) -> Any:
            if "-2048-" in kwargs["EndpointName"]:
                from botocore.exceptions import ClientError

                raise ClientError(
                    {"Error": {"Code": "ResourceLimitExceeded", "Message": "over quota"}},
                    "CreateEndpoint",
                )
            return real_create(**kwargs)

        with stubbed(monkeypatch, sagemaker=sagemaker):
            monkeypatch.setattr(sagemaker, "create_endpoint", create_endpoint)
            result = _sweep(
                capsys,
                fake,
                payload,
                "--tiers",
                "1024,2048,3072",
                "--output",
                str(output),
                "--no-chart",
            )
        assert leftovers(sagemaker) == ([], [])
    assert result.code == 2
    assert "warning: tier 2048 MB was not measured: Cannot create endpoint" in result.out
    data = json.loads(output.read_text())
    assert [t["memory_mb"] for t in data["tiers"]] == [1024, 2048, 3072]
    assert data["tiers"][1]["error"].startswith("Cannot create endpoint")
    assert data["tiers"][2]["stats"]["succeeded"] == 5
    assert data["winner_memory_mb"] == 3072  # 25 ms x 3 GB < 100 ms x 1 GB


def test_ctrl_c_keeps_the_finished_tiers_and_deletes_the_endpoint(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    payload: Path,
) -> None:
    output = tmp_path / "sweep.json"
    real_warm_up = load.warm_up

    def warm_up(invoker: Any, body: bytes, count: int, concurrency: int) -> Any:
        samples = real_warm_up(invoker, body, count, concurrency)
        if len(fake.requests) > 6:  # the second tier (6 requests a tier: 1 warm-up + 5)
            raise KeyboardInterrupt
        return samples

    monkeypatch.setattr(command, "warm_up", warm_up)
    with mock_aws(), FakeSageMakerRuntime(_by_tier) as fake:
        sagemaker = create_model()
        result = _sweep(
            capsys,
            fake,
            payload,
            "--tiers",
            "1024,2048,3072",
            "--output",
            str(output),
            "--no-chart",
        )
        assert leftovers(sagemaker) == ([], [])
    assert result.code == 130
    data = json.loads(output.read_text())
    assert data["complete"] is False
    assert [t["memory_mb"] for t in data["tiers"]] == [1024]


def test_quota_that_cannot_be_read_sweeps_every_tier_with_a_warning(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, payload: Path
) -> None:
    with (
        mock_aws(),
        FakeSageMakerRuntime(_by_tier) as fake,
        stubbed(monkeypatch, service_quotas=quotas_client(error="AccessDeniedException")),
    ):
        create_model()
        result = _sweep(capsys, fake, payload, "--no-chart", "--warmup", "0")
    assert result.code == 0, result.err
    assert sorted({_tier(r) for r in fake.requests}) == [1024, 2048, 3072, 4096, 5120, 6144]
    assert "warning: could not read the serverless memory quota" in result.out
    assert "new accounts often stop at 3072 MB" in result.out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--concurrency", "1,2"], "--concurrency: a memory sweep measures one level, got 1,2"),
        (
            ["--concurrency", "6"],
            "--concurrency 6 is above --max-concurrency 5 of the temporary endpoints",
        ),
        (["--memory", "2048"], "--memory: a memory sweep prices each tier at its own memory"),
    ],
)
def test_sweep_options_are_refused_before_anything_is_created(
    capsys: pytest.CaptureFixture[str], payload: Path, argv: list[str], message: str
) -> None:
    with mock_aws(), FakeSageMakerRuntime() as fake:
        sagemaker = create_model()
        result = _sweep(capsys, fake, payload, "--tiers", "1024", *argv)
        assert leftovers(sagemaker) == ([], [])
    assert result.code == 2
    assert message in result.err
    assert fake.requests == []


def test_sweep_needs_a_model_name(capsys: pytest.CaptureFixture[str], payload: Path) -> None:
    result = run_cli(capsys, "benchmark", "--memory-sweep", "--payload", str(payload))
    assert result.code == 2
    assert "--memory-sweep needs --model-name" in result.err
