"""matplotlib set-up shared by the charts: the Agg backend (no display), PNG output, and a
style per series that no other series of the chart shares (colour, line style, marker)."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from serverless_inference_cli.errors import CliError

_COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
"""matplotlib's tab10 palette."""
_LINES = ("-", "--", "-.", ":")
_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*")


def series_styles(count: int) -> list[dict[str, Any]]:
    """``count`` styles, each a distinct colour while the palette lasts, then the colours
    again with another line style; every style also has its own marker."""
    styles = itertools.product(_LINES, _COLOURS)
    return [
        {"color": colour, "linestyle": line, "marker": _MARKERS[i % len(_MARKERS)]}
        for i, (line, colour) in zip(range(count), styles, strict=False)
    ]


def new_figure(width: float = 9.0, height: float = 5.5) -> Figure:
    """A figure not registered with pyplot, so it is freed with its last reference."""
    return Figure(figsize=(width, height), layout="constrained")


def save_png(figure: Figure, path: Path) -> Path:
    """Write ``figure`` to ``path`` as PNG, creating the folder; a :class:`CliError` if not."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format="png", dpi=110)
    except OSError as exc:
        raise CliError(f"Cannot write chart {path}: {exc.strerror or exc}.") from exc
    return path
