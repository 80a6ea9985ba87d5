"""The memory sweep: one temporary serverless endpoint per tier, benchmarked, then deleted.

For each tier an endpoint config + endpoint named ``<prefix>-<memory>-<token>`` is created from
an existing model, awaited until ``InService``, warmed up, benchmarked, and deleted (endpoint,
then config) in a ``finally`` block, also on Ctrl-C and errors, one tier at a time so that at
most one temporary endpoint exists. A tier that fails (quota, image, timeout, endpoint
``Failed``) is recorded with its reason and the sweep goes on; after every tier the caller
gets all results so far (``--output`` is rewritten then), so an interruption keeps them.

The winner is picked like aws-lambda-power-tuning picks a memory size (:func:`pick`), among
the tiers that were measured and passed the gates:

* ``cost``: the lowest cost per 1,000 requests (then the lower mean latency);
* ``speed``: the lowest mean latency (then the lower cost);
* ``balanced``: the lowest ``w x cost / max cost + (1 - w) x mean / max mean`` with
  ``--balanced-weight w`` (default 0.5), maxima over the eligible tiers.

Ties go to the smaller memory.
"""

from __future__ import annotations

import enum
import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from serverless_inference_cli.aws import aws_errors
from serverless_inference_cli.benchmark.analysis import LevelStats, Sample
from serverless_inference_cli.errors import CliError
from serverless_inference_runtime.limits import ENDPOINT_NAME_MAX_LENGTH


class Strategy(enum.StrEnum):
    COST = "cost"
    SPEED = "speed"
    BALANCED = "balanced"


@dataclass(frozen=True)
class TierResult:
    """One tier of a memory sweep: measured (``stats``) or failed (``error``)."""

    memory_mb: int
    endpoint_name: str
    stats: LevelStats | None = None
    warmup: tuple[Sample, ...] = ()
    error: str | None = None
    gate_failures: tuple[str, ...] = ()

    @property
    def eligible(self) -> bool:
        """Measured, at least one success, a cost, and no gate failed."""
        return (
            self.stats is not None
            and self.stats.succeeded > 0
            and self.stats.cost_per_1000 is not None
            and not self.gate_failures
        )


@dataclass
class SweepResult:
    """Every tier attempted, and what could not be deleted."""

    tiers: list[TierResult] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)


TierBenchmark = Callable[[str, int], tuple[list[Sample], LevelStats, list[str]]]
"""``(endpoint name, memory)`` -> the warm-up samples, the measured level, its gate failures."""


def sweep_endpoint_name(prefix: str, memory_mb: int, token: str) -> str:
    """``<prefix>-<memory>-<token>``, lowercase and within SageMaker's 63 characters."""
    suffix = f"-{memory_mb}-{token}"
    return (prefix.lower()[: ENDPOINT_NAME_MAX_LENGTH - len(suffix)] + suffix).strip("-")


def wait_in_service(sagemaker: Any, endpoint_name: str, *, timeout_s: float, poll_s: float) -> None:
    """Poll until ``InService``; :class:`CliError` on ``Failed`` or after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while True:
        with aws_errors(f"describe endpoint {endpoint_name!r}"):
            description = sagemaker.describe_endpoint(EndpointName=endpoint_name)
        status = description["EndpointStatus"]
        if status == "InService":
            return
        if status in {"Failed", "OutOfService", "Deleting"}:
            reason = description.get("FailureReason", "no reason given")
            raise CliError(f"Endpoint {endpoint_name!r} became {status}: {reason}")
        if time.monotonic() >= deadline:
            raise CliError(
                f"Endpoint {endpoint_name!r} not InService after {timeout_s:.0f} s "
                f"(status {status})."
            )
        time.sleep(poll_s)


@contextmanager
def temporary_endpoint(
    sagemaker: Any,
    model_name: str,
    memory_mb: int,
    max_concurrency: int,
    name: str,
    *,
    timeout_s: float,
    poll_s: float,
    log: Callable[[str], None],
    leftovers: list[str],
) -> Iterator[str]:
    """A serverless endpoint + config named ``name``, deleted on exit whatever happens.

    What cannot be deleted is appended to ``leftovers`` (and logged) so the caller can tell the
    user to delete it by hand.
    """
    created: list[tuple[str, str]] = []
    try:
        with aws_errors(f"create endpoint config {name!r}"):
            sagemaker.create_endpoint_config(
                EndpointConfigName=name,
                ProductionVariants=[
                    {
                        "VariantName": "AllTraffic",
                        "ModelName": model_name,
                        "ServerlessConfig": {
                            "MemorySizeInMB": memory_mb,
                            "MaxConcurrency": max_concurrency,
                        },
                    }
                ],
                Tags=[{"Key": "created-by", "Value": "serverless-inference-benchmark"}],
            )
        created.append(("config", name))
        with aws_errors(f"create endpoint {name!r}"):
            sagemaker.create_endpoint(EndpointName=name, EndpointConfigName=name)
        created.append(("endpoint", name))
        log(f"created endpoint {name} ({memory_mb} MB), waiting for InService")
        wait_in_service(sagemaker, name, timeout_s=timeout_s, poll_s=poll_s)
        yield name
    finally:
        for kind, resource in reversed(created):
            try:
                if kind == "endpoint":
                    sagemaker.delete_endpoint(EndpointName=resource)
                else:
                    sagemaker.delete_endpoint_config(EndpointConfigName=resource)
                log(f"deleted {kind} {resource}")
            except (ClientError, BotoCoreError) as exc:
                leftovers.append(f"{kind} {resource}")
                log(f"could NOT delete {kind} {resource}: {exc}")


def memory_sweep(
    sagemaker: Any,
    model_name: str,
    tiers: Sequence[int],
    benchmark_tier: TierBenchmark,
    *,
    max_concurrency: int,
    prefix: str = "si-sweep",
    timeout_s: float = 900,
    poll_s: float = 15,
    log: Callable[[str], None] = lambda _: None,
    on_tier: Callable[[SweepResult], None] = lambda _: None,
) -> SweepResult:
    """Benchmark ``model_name`` at each tier on a temporary endpoint, one at a time.

    A :class:`CliError` in a tier (creating, waiting, invoking) fails that tier only; anything
    else (Ctrl-C, a bug) stops the sweep after deleting what it created. ``on_tier`` gets the
    results after every tier. An unknown model stops the sweep before it creates anything.
    """
    with aws_errors(f"describe model {model_name!r}"):
        sagemaker.describe_model(ModelName=model_name)
    token = secrets.token_hex(3)
    result = SweepResult()
    try:
        for tier in tiers:
            name = sweep_endpoint_name(prefix, tier, token)
            try:
                with temporary_endpoint(
                    sagemaker,
                    model_name,
                    tier,
                    max_concurrency,
                    name,
                    timeout_s=timeout_s,
                    poll_s=poll_s,
                    log=log,
                    leftovers=result.leftovers,
                ):
                    warmup, stats, failures = benchmark_tier(name, tier)
                measured = TierResult(tier, name, stats, tuple(warmup), None, tuple(failures))
            except CliError as exc:
                log(f"tier {tier} MB failed: {exc.message}")
                measured = TierResult(tier, name, error=exc.message)
            result.tiers.append(measured)
            on_tier(result)
    finally:
        if result.leftovers:
            log("Delete these by hand (the sweep could not): " + ", ".join(result.leftovers))
    return result


def pick(tiers: Sequence[TierResult], strategy: Strategy, weight: float = 0.5) -> TierResult | None:
    """The winning tier for ``strategy`` among the eligible ones (None when none is)."""
    eligible = sorted((t for t in tiers if t.eligible), key=lambda t: t.memory_mb)
    if not eligible:
        return None

    def cost(tier: TierResult) -> float:
        assert tier.stats is not None and tier.stats.cost_per_1000 is not None
        return tier.stats.cost_per_1000

    def mean(tier: TierResult) -> float:
        assert tier.stats is not None
        return tier.stats.mean_s

    if strategy is Strategy.COST:
        return min(eligible, key=lambda t: (cost(t), mean(t)))
    if strategy is Strategy.SPEED:
        return min(eligible, key=lambda t: (mean(t), cost(t)))
    top_cost = max(cost(t) for t in eligible) or 1.0
    top_mean = max(mean(t) for t in eligible) or 1.0
    return min(
        eligible, key=lambda t: weight * cost(t) / top_cost + (1 - weight) * mean(t) / top_mean
    )
