"""The benchmark's results as tables (one row per concurrency level or per tier) and as the
JSON document ``--output`` holds, rewritten after every level or tier so nothing measured
is lost when a later one fails or the run is interrupted (``complete`` says whether the run
finished)."""

from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from serverless_inference_cli.benchmark.analysis import ColdStartRule, Gates, LevelStats, Sample
from serverless_inference_cli.benchmark.load import LevelRun
from serverless_inference_cli.benchmark.sweep import Strategy, SweepResult, TierResult
from serverless_inference_cli.errors import CliError
from serverless_inference_cli.output import (
    Cell,
    Column,
    Sheet,
    cell,
    json_safe,
    milliseconds,
    money,
)


@dataclass
class BenchmarkResult:
    """Everything a benchmark of one target measured."""

    target: str
    memory_mb: int | None
    request_bytes: int
    rule: ColdStartRule
    gates: Gates
    warmup: list[Sample] = field(default_factory=list)
    levels: list[tuple[LevelRun, LevelStats, list[str]]] = field(default_factory=list)

    def to_json(self, *, complete: bool) -> dict[str, Any]:
        """The ``--output`` document: settings, every level with its samples."""
        return {
            "target": self.target,
            "memory_mb": self.memory_mb,
            "request_bytes": self.request_bytes,
            "cold_start_rule": {
                "description": "latency > max(factor x median, median + extra_s)",
                **asdict(self.rule),
            },
            "gates": asdict(self.gates),
            "complete": complete,
            "warmup": [asdict(s) for s in self.warmup],
            "levels": [
                {
                    **asdict(stats),
                    "gate_failures": failures,
                    "samples": [asdict(s) for s in run.samples],
                }
                for run, stats, failures in self.levels
            ],
        }


def write_json(path: Path, document: dict[str, Any]) -> None:
    """Write ``document`` to ``path`` atomically (a reader never sees half a file)."""
    temporary = path.with_name(f".{path.name}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_text(json.dumps(json_safe(document), indent=2) + "\n")
        os.replace(temporary, path)
    except OSError as exc:
        raise CliError(f"Cannot write {path}: {exc.strerror or exc}.") from exc


def _ms(seconds: float) -> Cell:
    return cell(seconds * 1000 if math.isfinite(seconds) else None, milliseconds(seconds))


def _errors(stats: LevelStats) -> Cell:
    text = ", ".join(f"{kind} {n}" for kind, n in stats.errors.items())
    return cell(text, text or "none")


def _cost(stats: LevelStats) -> Cell:
    value = stats.cost_per_1000
    return cell(value, money(value) if value is not None else "-")


_LEVEL_COLUMNS = (
    Column("concurrency", "concurrency", numeric=True),
    Column("requests", "requests", numeric=True),
    Column("succeeded", "ok", numeric=True),
    Column("p50_ms", "p50", numeric=True),
    Column("p90_ms", "p90", numeric=True),
    Column("p99_ms", "p99", numeric=True),
    Column("max_ms", "max", numeric=True),
    Column("throughput_rps", "req/s", numeric=True),
    Column("cold_starts", "cold", numeric=True),
    Column("cost_per_1000", "$/1,000", numeric=True),
    Column("errors", "errors"),
    Column("gate", "gate"),
)


def levels_sheet(result: BenchmarkResult) -> Sheet:
    """One row per concurrency level."""
    memory = f" at {result.memory_mb} MB" if result.memory_mb else ""
    sheet = Sheet("levels", f"Benchmark of {result.target}{memory}", _LEVEL_COLUMNS)
    for _, stats, failures in result.levels:
        sheet.add_row(
            stats.concurrency,
            stats.requests,
            stats.succeeded,
            _ms(stats.p50_s),
            _ms(stats.p90_s),
            _ms(stats.p99_s),
            _ms(stats.max_s),
            cell(stats.throughput_rps, f"{stats.throughput_rps:,.1f}"),
            len(stats.cold_start_indices),
            _cost(stats),
            _errors(stats),
            cell("; ".join(failures) or "pass"),
        )
    return sheet


def tiers_sheet(
    sweep: SweepResult, model_name: str, concurrency: int, winner: TierResult | None
) -> Sheet:
    """One row per tier of a memory sweep; the winner and failed tiers say so."""
    sheet = Sheet(
        "tiers",
        f"Memory sweep of model {model_name} at concurrency {concurrency}",
        (
            Column("memory_mb", "memory", numeric=True),
            Column("warmup_max_ms", "warm-up max", numeric=True),
            Column("p50_ms", "p50", numeric=True),
            Column("p90_ms", "p90", numeric=True),
            Column("p99_ms", "p99", numeric=True),
            Column("mean_ms", "mean", numeric=True),
            Column("throughput_rps", "req/s", numeric=True),
            Column("cost_per_1000", "$/1,000", numeric=True),
            Column("errors", "errors"),
            Column("result", "result"),
            Column("winner", "winner"),
        ),
    )
    for tier in sweep.tiers:
        warm = [s.latency_s for s in tier.warmup if s.ok]
        warmup_max = _ms(max(warm) if warm else math.nan)
        is_winner = winner is not None and tier is winner
        stats = tier.stats
        if stats is None:
            none = cell(None)
            sheet.add_row(
                cell(tier.memory_mb, f"{tier.memory_mb} MB"),
                warmup_max,
                *(none,) * 6,
                cell("", "-"),
                cell(f"failed: {tier.error}"),
                cell(False, ""),
            )
            continue
        outcome = "; ".join(tier.gate_failures) or "pass"
        sheet.add_row(
            cell(tier.memory_mb, f"{tier.memory_mb} MB"),
            warmup_max,
            _ms(stats.p50_s),
            _ms(stats.p90_s),
            _ms(stats.p99_s),
            _ms(stats.mean_s),
            cell(stats.throughput_rps, f"{stats.throughput_rps:,.1f}"),
            _cost(stats),
            _errors(stats),
            cell(outcome),
            cell(is_winner, "<- winner" if is_winner else ""),
        )
    return sheet


def sweep_document(
    sweep: SweepResult,
    *,
    model_name: str,
    concurrency: int,
    strategy: Strategy,
    balanced_weight: float,
    winner: TierResult | None,
    complete: bool,
) -> dict[str, Any]:
    """The ``--output`` document of a memory sweep (every tier, with its warm-up)."""
    return {
        "model_name": model_name,
        "concurrency": concurrency,
        "strategy": strategy.value,
        "balanced_weight": balanced_weight,
        "complete": complete,
        "winner_memory_mb": winner.memory_mb if winner is not None else None,
        "tiers": [
            {
                "memory_mb": tier.memory_mb,
                "endpoint_name": tier.endpoint_name,
                "error": tier.error,
                "gate_failures": list(tier.gate_failures),
                "warmup": [asdict(s) for s in tier.warmup],
                "stats": asdict(tier.stats) if tier.stats is not None else None,
            }
            for tier in sweep.tiers
        ],
        "leftovers": sweep.leftovers,
    }
