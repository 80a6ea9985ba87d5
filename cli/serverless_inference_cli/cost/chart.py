"""The cost chart: monthly cost against monthly requests, one line per option (log-log).

Every option has its own colour, line style and marker; an option that costs exactly what an
earlier one costs (1024 MB at 900 ms and 2048 MB at 450 ms bill the same GB-seconds) says so
in the legend, and its markers sit between the other's so both stay visible. The points
where the cheapest option changes are marked and labelled with the request volume, and a
dotted line marks the volume the estimate is for.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from serverless_inference_cli.charts import new_figure, save_png, series_styles
from serverless_inference_cli.cost.model import INSTANCE, CostOption, crossover
from serverless_inference_cli.output import count

POINTS = 200
MARKERS_PER_LINE = 8


def chart_range(options: Sequence[CostOption], requests: float) -> tuple[float, float]:
    """Monthly request counts the chart spans: the volume asked about and every crossover."""
    points = [requests] if requests > 0 else []
    for s in (o for o in options if o.kind != INSTANCE):
        for i in (o for o in options if o.kind == INSTANCE):
            x = crossover(s, i)
            if x is not None and x > 0:
                points.append(x)
    high = max(points) * 10 if points else 1e7
    low = min(points) / 10 if points else 1e3
    return max(low, 100.0), max(high, 1e4)


def cheapest_changes(options: Sequence[CostOption], low: float, high: float) -> list[float]:
    """Monthly volumes within ``low..high`` where the cheapest option changes."""
    if len(options) < 2:
        return []
    xs = np.geomspace(low, high, 2000)

    def cheapest(x: float) -> int:
        return min(range(len(options)), key=lambda i: (options[i].monthly(x), i))

    changes: list[float] = []
    previous = cheapest(float(xs[0]))
    for left, right in itertools.pairwise(xs):
        current = cheapest(float(right))
        if current != previous:
            a, b = float(left), float(right)
            for _ in range(60):  # bisect to where the two options cost the same
                middle = math.sqrt(a * b)
                if cheapest(middle) == previous:
                    a = middle
                else:
                    b = middle
            changes.append(b)
            previous = current
    return changes


def plot_costs(options: Sequence[CostOption], requests: float, path: Path | None = None) -> Figure:
    """The chart (see the module docstring), saved as PNG when ``path`` is given."""
    low, high = chart_range(options, requests)
    xs = np.geomspace(low, high, POINTS)
    figure = new_figure(12, 6)
    axes = figure.add_subplot()
    step = POINTS // MARKERS_PER_LINE
    drawn: list[CostOption] = []
    for option, style in zip(options, series_styles(len(options)), strict=True):
        twin = next((o for o in drawn if option.same_cost_as(o)), None)
        label = option.name if twin is None else f"{option.name} (= {twin.name})"
        shift = sum(1 for o in drawn if option.same_cost_as(o)) * step // 3
        ys = np.array([option.monthly(float(x)) for x in xs])
        axes.plot(
            xs,
            np.maximum(ys, 1e-4),
            label=label,
            markevery=(shift, step),
            markersize=5,
            **style,
        )
        drawn.append(option)
    for x in cheapest_changes(options, low, high):
        y = min(o.monthly(x) for o in options)
        axes.plot([x], [y], "o", color="black", markersize=7, zorder=5, label="_crossover")
        axes.annotate(
            f"{count(x)}/month",
            (x, y),
            textcoords="offset points",
            xytext=(6, -14),
            fontsize=8,
        )
    if requests > 0:
        axes.axvline(requests, color="grey", linestyle=":", label="_your traffic")
        axes.annotate(
            f"your traffic\n{requests:,.0f}/month",
            (requests, axes.get_ylim()[1]),
            textcoords="offset points",
            xytext=(4, -24),
            fontsize=8,
            color="grey",
        )
    axes.set_xscale("log")
    axes.set_yscale("log")
    axes.set_xlabel("requests per month (log scale)")
    axes.set_ylabel("monthly cost, USD (log scale)")
    axes.set_title("Serverless options against real-time instances (black dots: cheapest changes)")
    axes.grid(True, which="both", alpha=0.3)
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    if path is not None:
        save_png(figure, path)
    return figure
