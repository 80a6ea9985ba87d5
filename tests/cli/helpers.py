"""Helpers of the command tests: run ``main`` with captured output, known prices, PNG checks."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from matplotlib.lines import Line2D
from rich.console import Console

from serverless_inference_cli.main import main
from serverless_inference_cli.prices import InstancePrice, Prices

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

PRICES = Prices(
    region="us-east-1",
    currency="USD",
    checked="test",
    source="hand-made for tests",
    compute_per_gb_second=0.00002,
    data_processing_per_gb=0.016,
    pc_provisioned_per_gb_second=0.000005,
    pc_inference_per_gb_second=0.00001,
    pc_verified=False,
    instances={
        "ml.c5.large": InstancePrice("ml.c5.large", 0.102, 4, 2),
        "ml.m5.large": InstancePrice("ml.m5.large", 0.115, 8, 2),
    },
)


@dataclass
class Run:
    code: int
    out: str
    err: str


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> Run:
    """``serverless-inference *argv`` with a wide plain console; stdout/stderr captured."""
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, color_system=None, force_terminal=False)
    code = main(list(argv), console=console)
    captured = capsys.readouterr()
    return Run(code, buffer.getvalue() + captured.out, captured.err)


def assert_png(path: Path) -> None:
    assert path.is_file(), f"{path} was not written"
    data = path.read_bytes()
    assert data.startswith(PNG_SIGNATURE), f"{path} is not a PNG"
    assert len(data) > 10_000, f"{path} is suspiciously small ({len(data)} bytes)"


def xdata(line: Line2D) -> list[float]:
    return [float(v) for v in np.asarray(line.get_xdata())]


def ydata(line: Line2D) -> list[float]:
    return [float(v) for v in np.asarray(line.get_ydata())]
