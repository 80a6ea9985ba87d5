"""matplotlib set-up shared by the charts: the Agg backend (no display), PNG output."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

from matplotlib.figure import Figure

from serverless_inference_cli.aws import CliError

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


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


def option_lines(figure: Figure) -> list[str]:
    """Labels of the plotted data lines (helper lines are labelled ``_...``)."""
    return [
        str(line.get_label())
        for axes in figure.axes
        for line in axes.get_lines()
        if not str(line.get_label()).startswith("_")
    ]
