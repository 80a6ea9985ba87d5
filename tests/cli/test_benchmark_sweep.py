"""The memory sweep on moto's SageMaker: one temporary endpoint per tier, a failing tier does
not stop the others, everything is deleted, results reach the caller after each tier; and
the strategies that pick the winner."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws

from serverless_inference_cli.benchmark.analysis import ColdStartRule, LevelStats, Sample, analyse
from serverless_inference_cli.benchmark.sweep import (
    Strategy,
    SweepResult,
    TierResult,
    memory_sweep,
    pick,
    sweep_endpoint_name,
)
from serverless_inference_cli.errors import CliError
from tests.cli.helpers import PRICES, create_model, leftovers


def _stats(latency_s: float, memory_mb: int, errors: int = 0) -> LevelStats:
    samples = [Sample(i, 0, latency_s) for i in range(10 - errors)]
    samples += [Sample(10 - errors + i, 0, 0.01, "ModelError") for i in range(errors)]
    return analyse(
        samples, concurrency=1, wall_s=1, rule=ColdStartRule(), memory_mb=memory_mb, prices=PRICES
    )


def _measured(memory_mb: int) -> tuple[list[Sample], LevelStats, list[str]]:
    return [Sample(0, 0, 2.0)], _stats(0.1, memory_mb), []


def test_sweep_names_are_valid_endpoint_names() -> None:
    name = sweep_endpoint_name("My-Sweep-" + "x" * 80, 6144, "abc123")
    assert len(name) <= 63
    assert name.endswith("-6144-abc123")
    assert name == name.lower()


def test_a_failing_tier_is_recorded_and_the_others_are_still_measured() -> None:
    with mock_aws():
        sagemaker = create_model()
        seen: list[int] = []
        partial: list[list[int]] = []

        def benchmark_tier(name: str, memory: int) -> Any:
            seen.append(memory)
            if memory == 2048:
                raise CliError("Cannot invoke endpoint: ModelError everywhere")
            return _measured(memory)

        result = memory_sweep(
            sagemaker,
            "sentiment-model",
            [1024, 2048, 3072],
            benchmark_tier,
            max_concurrency=2,
            poll_s=0,
            on_tier=lambda sweep: partial.append([t.memory_mb for t in sweep.tiers]),
        )
        assert leftovers(sagemaker) == ([], [])
    assert seen == [1024, 2048, 3072]
    assert [t.memory_mb for t in result.tiers] == [1024, 2048, 3072]
    failed = result.tiers[1]
    assert failed.stats is None and failed.error == "Cannot invoke endpoint: ModelError everywhere"
    assert result.tiers[2].stats is not None
    assert partial == [[1024], [1024, 2048], [1024, 2048, 3072]], "results after every tier"


def test_a_tier_whose_endpoint_cannot_be_created_fails_alone() -> None:
    with mock_aws():
        real = create_model()

        class QuotaAt4096:
            def __getattr__(self, name: str) -> Any:
                return getattr(real, name)

            def create_endpoint(self, **kwargs: Any) -> None:
                if "-4096-" in kwargs["EndpointName"]:
                    raise ClientError(
                        {"Error": {"Code": "ResourceLimitExceeded", "Message": "memory quota"}},
                        "CreateEndpoint",
                    )
                real.create_endpoint(**kwargs)

        result = memory_sweep(
            QuotaAt4096(),
            "sentiment-model",
            [3072, 4096],
            lambda name, memory: _measured(memory),
            max_concurrency=1,
            poll_s=0,
        )
        assert leftovers(real) == ([], []), "the 4096 MB config is deleted too"
    assert result.tiers[0].stats is not None
    assert result.tiers[1].error is not None and "quota is exhausted" in result.tiers[1].error


@pytest.mark.parametrize("failure", [RuntimeError("benchmark broke"), KeyboardInterrupt()])
def test_an_interruption_deletes_what_was_created_and_keeps_earlier_tiers(
    failure: BaseException,
) -> None:
    with mock_aws():
        sagemaker = create_model()
        partial: list[SweepResult] = []

        def benchmark_tier(name: str, memory: int) -> Any:
            assert leftovers(sagemaker) == ([name], [name])
            if memory == 2048:
                raise failure
            return _measured(memory)

        with pytest.raises(type(failure)):
            memory_sweep(
                sagemaker,
                "sentiment-model",
                [1024, 2048, 3072],
                benchmark_tier,
                max_concurrency=2,
                poll_s=0,
                on_tier=partial.append,
            )
        assert leftovers(sagemaker) == ([], [])
    assert [t.memory_mb for t in partial[-1].tiers] == [1024], "tier 1 was handed over"


def test_what_cannot_be_deleted_is_named() -> None:
    with mock_aws():
        real = create_model()

        class FailingDelete:
            def __getattr__(self, name: str) -> Any:
                return getattr(real, name)

            def delete_endpoint(self, **kwargs: Any) -> None:
                raise ClientError(
                    {"Error": {"Code": "AccessDeniedException", "Message": "no"}}, "DeleteEndpoint"
                )

        logged: list[str] = []
        result = memory_sweep(
            FailingDelete(),
            "sentiment-model",
            [1024],
            lambda name, memory: _measured(memory),
            max_concurrency=1,
            poll_s=0,
            log=logged.append,
        )
    assert [entry.split("-1024-")[0] for entry in result.leftovers] == ["endpoint si-sweep"]
    assert any(line.startswith("deleted config si-sweep-1024-") for line in logged)
    assert any(line.startswith("Delete these by hand") for line in logged)


def test_an_unknown_model_stops_before_anything_is_created() -> None:
    with mock_aws():
        sagemaker = boto3.client("sagemaker", region_name="us-east-1")
        with pytest.raises(CliError, match="Cannot describe model 'missing'"):
            memory_sweep(sagemaker, "missing", [1024], lambda n, m: _measured(m), max_concurrency=1)
        assert leftovers(sagemaker) == ([], [])


def _tier(
    memory: int, latency_s: float, errors: int = 0, gates: tuple[str, ...] = ()
) -> TierResult:
    return TierResult(memory, f"e-{memory}", _stats(latency_s, memory, errors), (), None, gates)


# cost per 1,000 = latency x GB x $0.02: 1024 MB at 0.40 s $0.0080, 2048 at 0.19 s $0.0076,
# 3072 at 0.13 s $0.0078, 4096 at 0.11 s $0.0088
TIERS = [_tier(1024, 0.40), _tier(2048, 0.19), _tier(3072, 0.13), _tier(4096, 0.11)]


@pytest.mark.parametrize(
    ("strategy", "weight", "winner"),
    [
        (Strategy.COST, 0.5, 2048),
        (Strategy.SPEED, 0.5, 4096),
        # balanced: 0.5 x cost/0.0088 + 0.5 x mean/0.40: 1024 0.955, 2048 0.669, 3072 0.606,
        # 4096 0.6375
        (Strategy.BALANCED, 0.5, 3072),
        (Strategy.BALANCED, 1.0, 2048),  # all cost
        (Strategy.BALANCED, 0.0, 4096),  # all latency
    ],
)
def test_strategies_pick_like_power_tuning(strategy: Strategy, weight: float, winner: int) -> None:
    picked = pick(TIERS, strategy, weight)
    assert picked is not None and picked.memory_mb == winner


def test_tiers_that_failed_or_broke_a_gate_cannot_win() -> None:
    tiers = [
        TierResult(1024, "e-1024", error="quota"),
        _tier(2048, 0.19, gates=("p99 190 ms > --max-p99-ms 100",)),
        _tier(3072, 0.13, errors=10),  # every request failed
        _tier(4096, 0.11),
    ]
    picked = pick(tiers, Strategy.COST)
    assert picked is not None and picked.memory_mb == 4096
    assert pick(tiers[:3], Strategy.COST) is None
