"""The default statistic of every ``metric_*`` helper, taken from the statistics AWS documents.

A helper states what it means (a count, a typical value, a peak) as a list of statistics in
order of preference; its default is the first one ``limits.METRIC_STATISTICS`` lists for the
metric. A statistic a metric does not support returns no data, so a default outside that
table would give graphs and alarms with nothing in them.
"""

from collections.abc import Mapping, Sequence
from typing import Any, Final

from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch

from serverless_inference.limits import documented_statistics

COUNT: Final = ("Sum", "SampleCount", "Maximum")
"""A number of events: the total per period where AWS documents ``Sum``, else what it documents
for the metric (API Gateway's ``Count`` is read with ``SampleCount``; SageMaker's provisioned
concurrency invocation counts with ``Average``, ``Maximum``, ``Minimum`` only)."""
TYPICAL: Final = ("Average",)
"""A typical value: latencies, utilization over time."""
PEAK: Final = ("Maximum",)
"""The highest value: utilization near a limit."""


def default_statistic(namespace: str, metric_name: str, preferred: Sequence[str]) -> str:
    """The first of ``preferred`` that AWS documents for the metric (the first of
    ``preferred`` for an AWS metric the table does not list)."""
    documented = documented_statistics(namespace, metric_name)
    if documented is None:
        return preferred[0]
    for statistic in preferred:
        if documented.allows(statistic):
            return statistic
    raise ValueError(f"none of {', '.join(preferred)} is documented for {namespace} {metric_name}")


def new_metric(
    namespace: str,
    metric_name: str,
    dimensions: Mapping[str, str],
    *,
    period: Duration,
    preferred: Sequence[str],
    options: Mapping[str, Any],
) -> cloudwatch.Metric:
    """A metric with its helper's defaults: ``period`` and the first of ``preferred`` that AWS
    documents for it; ``options`` (``statistic``, ``period``, ``label``...) win."""
    settings: dict[str, Any] = {
        "period": period,
        "statistic": default_statistic(namespace, metric_name, preferred),
        **options,
    }
    return cloudwatch.Metric(
        namespace=namespace, metric_name=metric_name, dimensions_map=dimensions, **settings
    )
