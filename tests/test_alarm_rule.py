"""The composite alarm pages for sustained user-facing failure, never for one cold start.

The default app's composite children are evaluated, with the settings of the synthesized
template, against synthetic metric histories (``alarm_evaluator``): the worst a single cold
start after idle can do to every metric at once, starting at every offset within a period,
must not put any child in ALARM; the same failure lasting 20 minutes must put each in ALARM.
"""

from typing import Any

import pytest
from aws_cdk.assertions import Template

from serverless_inference.alarm_specs import (
    ALARM_SPECS,
    COLD_START_EPISODE_SECONDS,
    CRITICAL_KINDS,
    SUSTAINED_PERIOD,
    SUSTAINED_PERIODS,
)
from serverless_inference_runtime.limits import INVOCATION_TIMEOUT_SECONDS, STARTUP_TIMEOUT_SECONDS
from tests.alarm_evaluator import aggregate, states
from tests.cdk_helpers import build_default_app
from tests.test_readme_config import EXAMPLES

PERIOD = 300
HOURS = 2
PERIODS = HOURS * 3600 // PERIOD
IDLE_UNTIL = 1800
"""Nothing is published for the first half hour: the endpoint scaled to zero."""
REQUESTS_PER_MINUTE = 30


def _history(bad_from: float, bad_until: float) -> dict[str, list[tuple[float, float]]]:
    """Traffic from ``IDLE_UNTIL`` on, every request and every minute failing in every way
    at once between ``bad_from`` and ``bad_until``, healthy otherwise."""
    history: dict[str, list[tuple[float, float]]] = {}

    def publish(name: str, time: float, value: float) -> None:
        history.setdefault(name, []).append((time, value))

    requests = range(IDLE_UNTIL, HOURS * 3600, 60 // REQUESTS_PER_MINUTE)
    for time in requests:
        bad = bad_from <= time < bad_until
        publish("Count", time, 1)
        publish("5XXError", time, 1 if bad else 0)  # 504 after 29 s, 503 model not ready
        publish("4XXError", time, 0)
        publish("Latency", time, 29_000 if bad else 250)
        publish("Invocations", time, 1)
        publish("Invocation5XXErrors", time, 1 if bad else 0)
        publish("Invocation4XXErrors", time, 0)
        publish("ModelLatency", time, 60_000_000 if bad else 200_000)  # the 60 s limit
        publish("OverheadLatency", time, 180_000_000 if bad else 20_000)
        # a fan-out over the cold models: crashing, throttled, and running to its timeout
        publish("Errors", time, 1 if bad else 0)
        publish("Throttles", time, 1 if bad else 0)
        publish("Duration", time, 60_000 if bad else 400)
    for minute in range(IDLE_UNTIL, HOURS * 3600, 60):
        bad = bad_from <= minute < bad_until
        publish("ServerlessConcurrentExecutionsUtilization", minute, 1.0 if bad else 0.2)
        publish("MemoryUtilization", minute, 100.0 if bad else 50.0)
    return history


def _composite_children(template: Template) -> dict[str, dict[str, Any]]:
    (composite,) = template.find_resources("AWS::CloudWatch::CompositeAlarm").values()
    children = {
        part["Fn::GetAtt"][0]
        for part in composite["Properties"]["AlarmRule"]["Fn::Join"][1]
        if isinstance(part, dict)
    }
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    return {alarms[c]["Properties"]["AlarmName"]: alarms[c]["Properties"] for c in children}


def test_the_composite_watches_six_children_in_the_default_app(dev_template: Template) -> None:
    assert {
        name.removeprefix("ServerlessInference-dev-") for name in _composite_children(dev_template)
    } == {kind.value for kind in CRITICAL_KINDS if not kind.value.startswith("fan_out_")}


@pytest.fixture(scope="module")
def three_models_template() -> Template:
    """The three-model environment of docs/model-fan-out.md, whose composite also watches the
    fan-out."""
    _, stacks = build_default_app(EXAMPLES["three-models"])
    return Template.from_stack(stacks["support"])


def test_the_composite_watches_every_model_and_the_fan_out(
    three_models_template: Template,
) -> None:
    names = set(_composite_children(three_models_template))
    prefix = "ServerlessInference-support-"
    fan_out = {f"{prefix}ticket-{kind}" for kind in CRITICAL_KINDS if kind.startswith("fan_out_")}
    assert fan_out <= names
    for model in ("sentiment", "entities", "topic"):
        assert f"{prefix}{model}-model_latency" in names
    assert f"{prefix}api_latency" in names


@pytest.mark.parametrize("offset", range(0, PERIOD, 20))
def test_one_cold_start_after_idle_pages_nobody(dev_template: Template, offset: int) -> None:
    """GIVEN an idle endpoint; WHEN traffic arrives and, for as long as a cold start can last,
    every request fails and every metric is at its worst; THEN no child of the composite
    alarm leaves OK, whatever the cold start's offset within a period."""
    start = IDLE_UNTIL + offset
    history = _history(start, start + COLD_START_EPISODE_SECONDS)
    for name, alarm in _composite_children(dev_template).items():
        assert "ALARM" not in states(alarm, history, PERIODS), name


def test_twenty_minutes_of_failure_put_every_child_in_alarm(dev_template: Template) -> None:
    start = IDLE_UNTIL + 120
    history = _history(start, start + 20 * 60)
    deadline = (start + 20 * 60) // PERIOD  # the period in which the failure ends
    for name, alarm in _composite_children(dev_template).items():
        assert "ALARM" in states(alarm, history, PERIODS)[: deadline + 1], name


@pytest.mark.parametrize("offset", range(0, PERIOD, 60))
def test_a_cold_start_under_a_fan_out_pages_nobody_and_twenty_minutes_do(
    three_models_template: Template, offset: int
) -> None:
    start = IDLE_UNTIL + offset
    cold = _history(start, start + COLD_START_EPISODE_SECONDS)
    sustained = _history(start, start + 20 * 60)
    ends = (start + 20 * 60) // PERIOD
    for name, alarm in _composite_children(three_models_template).items():
        assert "ALARM" not in states(alarm, cold, PERIODS), name
        assert "ALARM" in states(alarm, sustained, PERIODS)[: ends + 1], name


def test_a_cold_start_touches_at_most_two_periods_and_paging_needs_three() -> None:
    """The arithmetic the rule rests on, from the limits AWS documents."""
    assert COLD_START_EPISODE_SECONDS == STARTUP_TIMEOUT_SECONDS + INVOCATION_TIMEOUT_SECONDS
    assert SUSTAINED_PERIOD.to_seconds() > COLD_START_EPISODE_SECONDS
    assert SUSTAINED_PERIODS == 3
    for kind in CRITICAL_KINDS:
        spec = ALARM_SPECS[kind]
        assert spec.period.to_seconds() == SUSTAINED_PERIOD.to_seconds(), kind
        assert spec.evaluation_periods == spec.datapoints_to_alarm == SUSTAINED_PERIODS, kind


# --- the evaluator itself ---------------------------------------------------------------------


def test_evaluator_aggregates_per_period() -> None:
    samples = [(0, 1.0), (10, 3.0), (310, 5.0)]
    assert aggregate(samples, "Sum", 300, 3) == [4.0, 5.0, None]
    assert aggregate(samples, "Average", 300, 2) == [2.0, 5.0]
    assert aggregate(samples, "SampleCount", 300, 2) == [2.0, 1.0]
    assert aggregate([(t, float(t)) for t in range(1, 101)], "p99", 300, 1) == [99.0]


def test_evaluator_applies_m_out_of_n_with_missing_data() -> None:
    alarm = {
        "MetricName": "X",
        "Statistic": "Maximum",
        "Period": 60,
        "Threshold": 1,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "EvaluationPeriods": 3,
        "DatapointsToAlarm": 2,
        "TreatMissingData": "notBreaching",
    }
    history = {"X": [(0, 1.0), (120, 1.0), (300, 1.0)]}  # minute 1, 3 and 4 are missing
    assert states(alarm, history, 6) == ["OK", "OK", "ALARM", "OK", "OK", "OK"]
    alarm["TreatMissingData"] = "breaching"
    assert states(alarm, history, 6) == ["OK", "ALARM", "ALARM", "ALARM", "ALARM", "ALARM"]
