"""EndpointAlarms for several models and a fan-out: one topic, one composite alarm (one page),
one dashboard with a section per model and fan-out."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk.assertions import Template

from serverless_inference import (
    AlarmThresholds,
    ContainerImage,
    EndpointAlarms,
    ModelFanOut,
    ServerlessEndpoint,
)
from serverless_inference.alarm_specs import CRITICAL_KINDS
from tests.cdk_helpers import linted_template, logical_id, new_stack
from tests.metric_fakes import FakeApi, FakeKeepWarm
from tests.test_dashboard import _widgets

PREFIX = "Support"
FAN_OUT_KINDS = ("fan_out_error_rate", "fan_out_throttles", "fan_out_duration")


@dataclass
class Watched:
    stack: Stack
    alarms: EndpointAlarms
    fan_out: ModelFanOut
    endpoints: dict[str, ServerlessEndpoint]

    @cached_property
    def template(self) -> Template:
        return linted_template(self.stack)

    def alarm(self, key: str) -> dict[str, Any]:
        found = self.template.find_resources(
            "AWS::CloudWatch::Alarm",
            {"Properties": {"AlarmName": f"{PREFIX}-{key}"}},
        )
        (alarm,) = found.values()
        return dict(alarm["Properties"])


def watch(**options: Any) -> Watched:
    stack = new_stack()
    image = ContainerImage.hugging_face_inference()
    endpoints = {
        name: ServerlessEndpoint(stack, name.capitalize(), image=image, max_concurrency=2)
        for name in ("sentiment", "entities", "topic")
    }
    alarms = EndpointAlarms(
        stack,
        "Alarms",
        endpoint=endpoints["sentiment"],
        name="sentiment",
        api=FakeApi(),
        keep_warm=FakeKeepWarm(),
        alarm_name_prefix=PREFIX,
        **options,
    )
    alarms.add_endpoint("entities", endpoints["entities"], keep_warm=FakeKeepWarm())
    alarms.add_endpoint(
        "topic",
        endpoints["topic"],
        thresholds=AlarmThresholds(model_latency=Duration.seconds(5)),
        disabled=["memory_utilization_low"],
    )
    fan_out = ModelFanOut(
        stack,
        "Ticket",
        required={"sentiment": endpoints["sentiment"], "entities": endpoints["entities"]},
        optional={"topic": endpoints["topic"]},
        deadline=Duration.seconds(20),
    )
    alarms.add_fan_out("ticket", fan_out)
    return Watched(stack, alarms, fan_out, endpoints)


@pytest.fixture(scope="module")
def watched() -> Watched:
    return watch()


def test_every_model_and_the_fan_out_get_their_alarms_on_one_topic(watched: Watched) -> None:
    keys = set(watched.alarms.alarms)
    for model in ("sentiment", "entities", "topic"):
        assert f"{model}-model_latency" in keys
    assert {"sentiment-keep_warm_errors", "entities-keep_warm_errors"} <= keys
    assert "topic-keep_warm_errors" not in keys and "topic-memory_utilization_low" not in keys
    assert {"api_5xx_error_rate", "api_latency"} <= keys  # the shared API's, once
    assert {f"ticket-{kind}" for kind in FAN_OUT_KINDS} <= keys
    topic = {"Ref": logical_id(watched.alarms.topic)}
    for alarm in watched.template.find_resources("AWS::CloudWatch::Alarm").values():
        assert alarm["Properties"]["AlarmActions"] == [topic]
        assert alarm["Properties"]["OKActions"] == [topic]
    watched.template.resource_count_is("AWS::SNS::Topic", 1)
    watched.template.resource_count_is("AWS::CloudWatch::Dashboard", 1)


def test_one_composite_alarm_pages_for_every_critical_alarm(watched: Watched) -> None:
    (composite,) = watched.template.find_resources("AWS::CloudWatch::CompositeAlarm").values()
    children = {
        part["Fn::GetAtt"][0]
        for part in composite["Properties"]["AlarmRule"]["Fn::Join"][1]
        if isinstance(part, dict)
    }
    critical = {
        logical_id(alarm)
        for key, alarm in watched.alarms.alarms.items()
        if key.split("-")[-1] in {kind.value for kind in CRITICAL_KINDS}
    }
    assert children == critical
    assert {logical_id(watched.alarms.alarms[f"ticket-{kind}"]) for kind in FAN_OUT_KINDS} <= (
        children
    )
    description = composite["Properties"]["AlarmDescription"]
    assert "ticket-fan_out_duration" in description and "topic-model_latency" in description


def test_the_fan_outs_alarms_watch_its_function(watched: Watched) -> None:
    function = {"Name": "FunctionName", "Value": {"Ref": logical_id(watched.fan_out.function)}}
    throttles = watched.alarm("ticket-fan_out_throttles")
    assert (throttles["Namespace"], throttles["MetricName"], throttles["Statistic"]) == (
        "AWS/Lambda",
        "Throttles",
        "Sum",
    )
    assert throttles["Dimensions"] == [function]
    assert (throttles["EvaluationPeriods"], throttles["DatapointsToAlarm"]) == (3, 3)
    duration = watched.alarm("ticket-fan_out_duration")
    assert (duration["MetricName"], duration["ExtendedStatistic"]) == ("Duration", "p99")
    assert duration["Threshold"] == 0.8 * 20_000  # a share of the deadline, in ms
    assert duration["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    assert "deadline 20000 ms" in duration["AlarmDescription"]
    rate = watched.alarm("ticket-fan_out_error_rate")
    metrics = {m["Id"]: m for m in rate["Metrics"]}
    assert metrics["expr_1"]["Expression"].startswith("IF(requests >= 10, errors / MAX(")
    assert metrics["errors"]["MetricStat"]["Metric"]["MetricName"] == "Errors"
    assert metrics["requests"]["MetricStat"]["Metric"]["MetricName"] == "Invocations"


def test_each_model_keeps_its_own_thresholds(watched: Watched) -> None:
    assert watched.alarm("topic-model_latency")["Threshold"] == 5_000_000
    assert watched.alarm("entities-model_latency")["Threshold"] == 2_000_000
    assert watched.alarm("sentiment-model_latency")["Threshold"] == 2_000_000


def test_one_dashboard_has_a_section_per_model_and_fan_out(watched: Watched) -> None:
    widgets = _widgets(watched.template)
    texts = [w["properties"]["markdown"] for w in widgets if w["type"] == "text"]
    assert texts[0].startswith("# Serverless inference: model sentiment, endpoint ")
    assert [t.split(":")[0] for t in texts[1:]] == [
        "## Model entities",
        "## Model topic",
        "## Fan-out ticket",
    ]
    (duration,) = [w for w in widgets if w["properties"].get("title", "").startswith("Duration")]
    lines = {a["label"]: a["value"] for a in duration["properties"]["annotations"]["horizontal"]}
    assert lines == {"Deadline": 20_000, "Duration p99 alarm": 16_000}
    statuses = [w["properties"]["title"] for w in widgets if w["type"] == "alarm"]
    assert statuses == [
        "Alarm status",
        "Alarm status: Model entities: endpoint TOKEN",
        "Alarm status: Model topic: endpoint TOKEN",
        "Alarm status: Fan-out ticket",
    ]


def test_a_disabled_fan_out_kind_is_left_out() -> None:
    watched = watch(disabled=["fan_out_throttles"])
    assert "ticket-fan_out_throttles" not in watched.alarms.alarms
    assert "ticket-fan_out_duration" in watched.alarms.alarms


def test_without_a_dashboard_more_models_add_only_alarms() -> None:
    watched = watch(dashboard=False)
    watched.template.resource_count_is("AWS::CloudWatch::Dashboard", 0)
    assert "ticket-fan_out_duration" in watched.alarms.alarms


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("entities", "name must be a name not used yet (entities, sentiment, ticket, topic)"),
        ("Topic", "name must be a name matching ^[a-z][a-z0-9-]{0,31}$, got 'Topic'"),
    ],
)
def test_fails_when_a_name_is_taken_or_malformed(watched: Watched, name: str, message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        watched.alarms.add_fan_out(name, watched.fan_out)
    with pytest.raises(ValueError, match=re.escape(message)):
        watched.alarms.add_endpoint(name, watched.endpoints["topic"])
