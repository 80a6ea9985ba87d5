"""A small evaluator of CloudWatch's alarm rule, run on synthetic metric histories.

It reads an alarm's settings from the synthesized template (metric or metric math, statistic,
period, threshold, comparison, M out of N, missing-data treatment) and answers the alarm's
state after each period, the way "Evaluating an alarm" in the CloudWatch user guide
describes it: the alarm is in ALARM when at least ``DatapointsToAlarm`` of the last
``EvaluationPeriods`` datapoints breach; with ``notBreaching`` a missing datapoint counts as
good, with ``breaching`` as bad.

Only what the constructs synthesize is understood; anything else raises, so a changed
template cannot pass unevaluated.
"""

import math
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

History = Mapping[str, Sequence[tuple[float, float]]]
"""Raw values per metric name: ``(seconds since the start, value)``."""

_RATE = re.compile(r"^IF\(requests >= (\d+), errors / MAX\(\[errors, requests\]\), 0\)$")
_COMPARE: dict[str, Callable[[float, float], bool]] = {
    "GreaterThanOrEqualToThreshold": operator.ge,
    "GreaterThanThreshold": operator.gt,
    "LessThanThreshold": operator.lt,
    "LessThanOrEqualToThreshold": operator.le,
}


def aggregate(
    samples: Sequence[tuple[float, float]], statistic: str, period: int, periods: int
) -> list[float | None]:
    """One datapoint per period, ``None`` where no value was published."""
    buckets: list[list[float]] = [[] for _ in range(periods)]
    for time, value in samples:
        index = int(time // period)
        if 0 <= index < periods:
            buckets[index].append(value)
    return [_statistic(bucket, statistic) if bucket else None for bucket in buckets]


def _statistic(values: list[float], statistic: str) -> float:
    if statistic == "Sum":
        return sum(values)
    if statistic == "SampleCount":
        return float(len(values))
    if statistic == "Average":
        return sum(values) / len(values)
    if statistic == "Maximum":
        return max(values)
    if statistic == "Minimum":
        return min(values)
    if re.match(r"^p\d+(\.\d+)?$", statistic):
        ordered = sorted(values)
        rank = math.ceil(float(statistic[1:]) / 100 * len(ordered))  # nearest rank
        return ordered[max(rank, 1) - 1]
    raise ValueError(f"statistic {statistic} is not understood")


def datapoints(alarm: Mapping[str, Any], history: History, periods: int) -> list[float | None]:
    """The alarm's datapoints over ``periods`` periods of the history."""
    if "MetricName" in alarm:
        statistic = alarm.get("ExtendedStatistic", alarm.get("Statistic"))
        return aggregate(history[alarm["MetricName"]], str(statistic), alarm["Period"], periods)
    queries = {query["Id"]: query for query in alarm["Metrics"]}
    expressions = [query for query in queries.values() if "Expression" in query]
    (expression,) = expressions
    match = _RATE.match(expression["Expression"])
    if match is None:
        raise ValueError(f"expression {expression['Expression']} is not understood")
    minimum = int(match.group(1))
    inputs = {
        query_id: aggregate(
            history[query["MetricStat"]["Metric"]["MetricName"]],
            query["MetricStat"]["Stat"],
            query["MetricStat"]["Period"],
            periods,
        )
        for query_id, query in queries.items()
        if "MetricStat" in query
    }
    rates: list[float | None] = []
    for errors, requests in zip(inputs["errors"], inputs["requests"], strict=True):
        if requests is None or errors is None:
            rates.append(None)
        else:
            rates.append(errors / max(errors, requests) if requests >= minimum else 0.0)
    return rates


def states(alarm: Mapping[str, Any], history: History, periods: int) -> list[str]:
    """The alarm's state after each period: ``ALARM`` or ``OK``."""
    compare = _COMPARE[alarm["ComparisonOperator"]]
    missing = alarm.get("TreatMissingData", "missing")
    if missing not in ("notBreaching", "breaching"):
        raise ValueError(f"TreatMissingData {missing} is not understood")
    breaching = [
        (missing == "breaching") if value is None else compare(value, alarm["Threshold"])
        for value in datapoints(alarm, history, periods)
    ]
    window, needed = (
        alarm["EvaluationPeriods"],
        alarm.get("DatapointsToAlarm", alarm["EvaluationPeriods"]),
    )
    return [
        "ALARM" if sum(breaching[max(0, end - window + 1) : end + 1]) >= needed else "OK"
        for end in range(periods)
    ]
