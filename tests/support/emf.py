"""What "Specification: Embedded metric format" (CloudWatch user guide) requires of a document.

https://docs.aws.amazon.com/AmazonCloudWatch/latest/monitoring/CloudWatch_Embedded_Metric_Format_Specification.html
"""

from __future__ import annotations

from typing import Any

MAX_VALUES = 100
"""Numeric array metric targets MUST NOT have more than 100 members."""
MAX_METRICS = 100
"""A directive's Metrics array MUST NOT contain more than 100 MetricDefinition objects."""
MAX_DIMENSION_KEYS = 9
"""A DimensionSet MUST NOT contain more than 9 dimension keys (the older, stricter figure)."""
UNITS = frozenset(
    [
        "Seconds",
        "Microseconds",
        "Milliseconds",
        "Bytes",
        "Kilobytes",
        "Megabytes",
        "Gigabytes",
        "Terabytes",
        "Bits",
        "Kilobits",
        "Megabits",
        "Gigabits",
        "Terabits",
        "Percent",
        "Count",
        "Bytes/Second",
        "Kilobytes/Second",
        "Megabytes/Second",
        "Gigabytes/Second",
        "Terabytes/Second",
        "Bits/Second",
        "Kilobits/Second",
        "Megabits/Second",
        "Gigabits/Second",
        "Terabits/Second",
        "Count/Second",
        "None",
    ]
)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def specification_problems(document: Any) -> list[str]:
    """Every way ``document`` breaks the specification (empty when it keeps to it)."""
    if not isinstance(document, dict):
        return ["the document is not a JSON object"]
    metadata = document.get("_aws")
    if not isinstance(metadata, dict):
        return ["no _aws metadata object"]
    problems: list[str] = []
    if not isinstance(metadata.get("Timestamp"), int):
        problems.append("_aws.Timestamp is not a whole number of milliseconds")
    directives = metadata.get("CloudWatchMetrics")
    if not isinstance(directives, list):
        return [*problems, "_aws.CloudWatchMetrics is not an array"]
    for number, directive in enumerate(directives):
        problems += [f"directive {number}: {p}" for p in _directive_problems(document, directive)]
    return problems


def _directive_problems(document: dict[str, Any], directive: Any) -> list[str]:
    if not isinstance(directive, dict):
        return ["not an object"]
    problems: list[str] = []
    namespace = directive.get("Namespace")
    if not isinstance(namespace, str) or not 1 <= len(namespace) <= 255:
        problems.append(f"Namespace {namespace!r} is not a string of 1 to 255 characters")
    dimension_sets = directive.get("Dimensions")
    if not isinstance(dimension_sets, list) or not dimension_sets:
        problems.append("Dimensions is not a non-empty array of dimension sets")
    else:
        for dimension_set in dimension_sets:
            if not isinstance(dimension_set, list) or len(dimension_set) > MAX_DIMENSION_KEYS:
                problems.append(f"dimension set {dimension_set!r} has over 9 keys")
                continue
            problems += [
                f"dimension {key!r} has no string value at the root"
                for key in dimension_set
                if not isinstance(document.get(key), str)
            ]
    metrics = directive.get("Metrics")
    if not isinstance(metrics, list):
        return [*problems, "Metrics is not an array"]
    if len(metrics) > MAX_METRICS:
        problems.append(f"{len(metrics)} metric definitions, over {MAX_METRICS}")
    for definition in metrics:
        problems += _metric_problems(document, definition)
    return problems


def _metric_problems(document: dict[str, Any], definition: Any) -> list[str]:
    if not isinstance(definition, dict) or not isinstance(definition.get("Name"), str):
        return [f"metric definition {definition!r} has no Name"]
    name = definition["Name"]
    problems: list[str] = []
    if "Unit" in definition and definition["Unit"] not in UNITS:
        problems.append(f"metric {name}: unit {definition['Unit']!r} is not a CloudWatch unit")
    value = document.get(name)
    if isinstance(value, list):
        if not value or not all(_is_number(item) for item in value):
            problems.append(f"metric {name}: {value!r} is not a non-empty array of numbers")
        elif len(value) > MAX_VALUES:
            problems.append(f"metric {name}: {len(value)} values, over {MAX_VALUES}")
    elif not _is_number(value):
        problems.append(f"metric {name}: no numeric value at the root (got {value!r})")
    return problems
