"""CloudWatch embedded metric format (EMF) documents that keep to the specification's limits.

A function prints each document as one JSON line; CloudWatch Logs extracts the metrics. The
specification ("Specification: Embedded metric format", CloudWatch user guide) allows at most
100 values in a metric's array and 100 metric definitions in a directive, and every metric and
dimension a directive declares must have its value at the root. :func:`documents` splits what
does not fit into further documents: the first carries every metric's first 100 values and the
caller's other fields, each further one the next 100 values of the metrics that have more.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

MAX_VALUES_PER_METRIC: Final = 100
"""Numbers one metric's array may hold in one document."""

MAX_METRICS_PER_DIRECTIVE: Final = 100
"""Metric definitions one directive may declare."""


@dataclass(frozen=True)
class Metric:
    """One metric: a single number, or raw values (percentiles need the raw values)."""

    name: str
    unit: str
    value: float | Sequence[float]


def documents(
    *,
    namespace: str,
    dimensions: Mapping[str, str],
    metrics: Sequence[Metric],
    timestamp_ms: int,
    fields: Mapping[str, Any],
) -> list[dict[str, Any]]:
    """The EMF documents of ``metrics`` (one dimension set: every key of ``dimensions``).

    A metric with an empty sequence of values is left out (EMF needs a value for each declared
    metric). ``fields`` go into the first document; they must not reuse a metric's or a
    dimension's name.
    """
    rounds: list[list[tuple[Metric, float | list[float]]]] = []
    for metric in metrics:
        for index, chunk in enumerate(_chunks(metric.value)):
            if index == len(rounds):
                rounds.append([])
            rounds[index].append((metric, chunk))
    groups = [
        batch[start : start + MAX_METRICS_PER_DIRECTIVE]
        for batch in rounds
        for start in range(0, len(batch), MAX_METRICS_PER_DIRECTIVE)
    ]
    return [
        _document(namespace, dimensions, group, timestamp_ms, fields if index == 0 else {})
        for index, group in enumerate(groups or [[]])
    ]


def _chunks(value: float | Sequence[float]) -> list[float | list[float]]:
    if isinstance(value, int | float):
        return [value]
    return [
        list(value[start : start + MAX_VALUES_PER_METRIC])
        for start in range(0, len(value), MAX_VALUES_PER_METRIC)
    ]


def _document(
    namespace: str,
    dimensions: Mapping[str, str],
    group: Sequence[tuple[Metric, float | list[float]]],
    timestamp_ms: int,
    fields: Mapping[str, Any],
) -> dict[str, Any]:
    return {
        "_aws": {
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [
                {
                    "Namespace": namespace,
                    "Dimensions": [list(dimensions)],
                    "Metrics": [{"Name": metric.name, "Unit": metric.unit} for metric, _ in group],
                }
            ],
        },
        **dimensions,
        **{metric.name: values for metric, values in group},
        **fields,
    }
