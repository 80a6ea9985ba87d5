"""``serverless_inference_runtime.emf``: documents within the EMF specification's limits."""

from typing import Any

import pytest

from serverless_inference_runtime.emf import Metric, documents
from tests.support.emf import specification_problems

DIMENSIONS = {"EndpointName": "e"}


def _documents(*metrics: Metric, fields: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    found = documents(
        namespace="Test/Space",
        dimensions=DIMENSIONS,
        metrics=metrics,
        timestamp_ms=1_700_000_000_000,
        fields=fields if fields is not None else {"message": "run"},
    )
    for document in found:
        assert specification_problems(document) == []
    return found


def _declared(document: dict[str, Any]) -> list[str]:
    return [m["Name"] for m in document["_aws"]["CloudWatchMetrics"][0]["Metrics"]]


@pytest.mark.parametrize(("count", "lines"), [(0, 1), (1, 1), (100, 1), (101, 2), (250, 3)])
def test_values_are_split_into_arrays_of_at_most_100(count: int, lines: int) -> None:
    values = [float(n) for n in range(count)]
    found = _documents(Metric("Count", "Count", 7), Metric("Latency", "Milliseconds", values))
    assert len(found) == lines
    assert [v for d in found for v in d.get("Latency", [])] == values
    # the single number and the caller's fields are in the first document only
    assert [d.get("Count") for d in found] == [7] + [None] * (lines - 1)
    assert [d.get("message") for d in found] == ["run"] + [None] * (lines - 1)


def test_a_metric_without_values_is_not_declared() -> None:
    (document,) = _documents(Metric("Count", "Count", 0), Metric("Latency", "Milliseconds", []))
    assert _declared(document) == ["Count"]
    assert document["Count"] == 0 and "Latency" not in document


def test_over_100_metrics_make_more_directives_each_within_the_limit() -> None:
    metrics = [Metric(f"M{n}", "Count", n) for n in range(150)]
    found = _documents(*metrics)
    assert [len(_declared(d)) for d in found] == [100, 50]
    assert sorted(name for d in found for name in _declared(d)) == sorted(m.name for m in metrics)


def test_the_dimension_and_namespace_are_in_every_document() -> None:
    found = _documents(Metric("Latency", "Milliseconds", [1.0] * 201))
    for document in found:
        (directive,) = document["_aws"]["CloudWatchMetrics"]
        assert directive["Namespace"] == "Test/Space"
        assert directive["Dimensions"] == [["EndpointName"]]
        assert document["EndpointName"] == "e"
        assert document["_aws"]["Timestamp"] == 1_700_000_000_000


def test_the_checker_reports_what_the_specification_forbids() -> None:
    document = {
        "_aws": {
            "Timestamp": 1,
            "CloudWatchMetrics": [
                {
                    "Namespace": "N",
                    "Dimensions": [["Missing"]],
                    "Metrics": [{"Name": "Many", "Unit": "Count"}, {"Name": "Absent"}],
                }
            ],
        },
        "Many": list(range(101)),
    }
    assert specification_problems(document) == [
        "directive 0: dimension 'Missing' has no string value at the root",
        "directive 0: metric Many: 101 values, over 100",
        "directive 0: metric Absent: no numeric value at the root (got None)",
    ]
