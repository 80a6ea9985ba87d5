"""``EndpointAlarms``: every alarm's metric and settings, the topic, the composite, validation."""

import dataclasses
from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk import App, Duration, Stack, Validations
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from serverless_inference import (
    AlarmKind,
    AlarmThresholds,
    ContainerImage,
    EndpointAlarms,
    ServerlessEndpoint,
)
from serverless_inference.alarm_specs import ALARM_SPECS, CRITICAL_KINDS
from serverless_inference.api import InferenceApi
from serverless_inference.interfaces import ApiMetrics, KeepWarmMetrics
from serverless_inference.keep_warm import KeepWarm
from tests.cdk_helpers import cfn_lint_findings, linted_template, new_stack
from tests.metric_fakes import FakeApi, FakeKeepWarm
from tests.observability_checks import observability_problems

PAGER_TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:pager"
EXISTING_TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:existing"
SAGEMAKER = "AWS/SageMaker"
ENDPOINT_INSTANCES = "/aws/sagemaker/Endpoints"
MAX_ALARM_WINDOW_SECONDS = 86_400
"""CloudWatch refuses alarms whose period x evaluation periods exceeds one day."""

ENDPOINT_KINDS = {
    "endpoint_5xx_error_rate",
    "endpoint_4xx_error_rate",
    "model_latency",
    "overhead_latency",
    "model_setup_time",
    "concurrency_utilization_high",
    "memory_utilization_high",
    "memory_utilization_low",
}

GTE = "GreaterThanOrEqualToThreshold"
LT = "LessThanThreshold"

# kind: (metric name, namespace, statistic, period s, threshold, comparison, evaluation
#        periods, datapoints to alarm, missing data) -- the documented defaults, written out.
EXPECTED_ENDPOINT_ALARMS: dict[str, tuple[str, str, str, int, float, str, int, int, str]] = {
    "model_latency": (
        "ModelLatency", SAGEMAKER, "Average", 300, 2_000_000, GTE, 3, 3, "notBreaching"
    ),
    "overhead_latency": (
        "OverheadLatency", SAGEMAKER, "Average", 300, 10_000_000, GTE, 3, 2, "notBreaching"
    ),
    "model_setup_time": (
        "ModelSetupTime", SAGEMAKER, "Maximum", 300, 60_000_000, GTE, 1, 1, "notBreaching"
    ),
    "concurrency_utilization_high": (
        "ServerlessConcurrentExecutionsUtilization", SAGEMAKER, "Maximum", 300, 0.8, GTE, 3, 3,
        "notBreaching",
    ),
    "memory_utilization_high": (
        "MemoryUtilization", ENDPOINT_INSTANCES, "Maximum", 300, 90, GTE, 3, 3, "notBreaching"
    ),
    "memory_utilization_low": (
        "MemoryUtilization", ENDPOINT_INSTANCES, "Maximum", 3600, 25, LT, 24, 6, "notBreaching"
    ),
}  # fmt: skip


@dataclass(frozen=True)
class Synthesized:
    construct: EndpointAlarms
    template: Template

    def alarms(self) -> dict[str, dict[str, Any]]:
        """Alarm properties keyed by alarm kind (the part of the name after the prefix)."""
        found = self.template.find_resources("AWS::CloudWatch::Alarm")
        return {
            props["Properties"]["AlarmName"].removeprefix("TestStack-"): props["Properties"]
            for props in found.values()
        }

    def composite(self) -> dict[str, Any]:
        (composite,) = self.template.find_resources("AWS::CloudWatch::CompositeAlarm").values()
        properties: dict[str, Any] = composite["Properties"]
        return properties

    def logical_id(self, construct: Any) -> str:
        return str(Stack.of(construct).get_logical_id(construct.node.default_child))


def _endpoint(stack: Stack, **props: Any) -> ServerlessEndpoint:
    return ServerlessEndpoint(
        stack, "Endpoint", image=ContainerImage.hugging_face_inference(), **props
    )


@pytest.fixture(scope="module")
def basic() -> Synthesized:
    """GIVEN an on-demand endpoint and the defaults, with one e-mail subscriber."""
    stack = new_stack()
    alarms = EndpointAlarms(
        stack,
        "Alarms",
        endpoint=_endpoint(stack),
        email_addresses=["oncall@example.com"],
    )
    return Synthesized(alarms, linted_template(stack))


@pytest.fixture(scope="module")
def full() -> Synthesized:
    """GIVEN provisioned concurrency, an API, keep-warm, tuned thresholds, a pager, disabled kinds."""
    app = App()
    stack = Stack(app, "TestStack")
    alarms = EndpointAlarms(
        stack,
        "Alarms",
        endpoint=_endpoint(stack, provisioned_concurrency=2, max_concurrency=10),
        api=FakeApi(),
        keep_warm=FakeKeepWarm(),
        thresholds=AlarmThresholds(
            model_latency=Duration.millis(1500),
            api_latency=Duration.seconds(3),
            endpoint_4xx_error_rate=0.2,
            api_5xx_error_rate=0.01,
            error_rate_min_requests=25,
        ),
        disabled=["memory_utilization_low", AlarmKind.OVERHEAD_LATENCY],
        pager_topic=sns.Topic.from_topic_arn(stack, "Pager", PAGER_TOPIC_ARN),
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    assembly = app.synth()  # raises on any unacknowledged cdk-nag finding
    template_json = assembly.get_stack_by_name("TestStack").template
    assert cfn_lint_findings(template_json) == []
    assert observability_problems(template_json) == []
    return Synthesized(alarms, Template.from_json(template_json))


@pytest.fixture(scope="module")
def existing_topic() -> Synthesized:
    """GIVEN an existing topic, no dashboard, the smallest memory tier."""
    stack = new_stack()
    alarms = EndpointAlarms(
        stack,
        "Alarms",
        endpoint=_endpoint(stack, memory_size_mb=1024),
        topic=sns.Topic.from_topic_arn(stack, "Existing", EXISTING_TOPIC_ARN),
        dashboard=False,
        alarm_name_prefix="my-team",
    )
    return Synthesized(alarms, linted_template(stack))


def test_on_demand_endpoint_gets_the_endpoint_alarms_only(basic: Synthesized) -> None:
    assert set(basic.alarms()) == ENDPOINT_KINDS
    assert set(basic.construct.alarms) == ENDPOINT_KINDS


@pytest.mark.parametrize("kind", sorted(EXPECTED_ENDPOINT_ALARMS))
def test_endpoint_alarm_watches_the_right_metric_with_its_settings(
    basic: Synthesized, kind: str
) -> None:
    name, namespace, statistic, period, threshold, comparison, evaluations, datapoints, missing = (
        EXPECTED_ENDPOINT_ALARMS[kind]
    )
    alarm = basic.alarms()[kind]
    endpoint_id = basic.logical_id(basic.construct.endpoint)
    assert alarm["MetricName"] == name
    assert alarm["Namespace"] == namespace
    assert alarm["Dimensions"] == [
        {"Name": "EndpointName", "Value": {"Fn::GetAtt": [endpoint_id, "EndpointName"]}},
        {"Name": "VariantName", "Value": "AllTraffic"},
    ]
    if statistic.startswith("p"):
        assert alarm["ExtendedStatistic"] == statistic
        assert "Statistic" not in alarm
    else:
        assert alarm["Statistic"] == statistic
    assert alarm["Period"] == period
    assert alarm["Threshold"] == threshold
    assert alarm["ComparisonOperator"] == comparison
    assert alarm["EvaluationPeriods"] == evaluations
    assert alarm["DatapointsToAlarm"] == datapoints
    assert alarm["TreatMissingData"] == missing


def test_latency_thresholds_are_converted_to_microseconds(
    basic: Synthesized, full: Synthesized
) -> None:
    assert basic.alarms()["model_latency"]["Threshold"] == 2_000_000  # default 2 s
    assert full.alarms()["model_latency"]["Threshold"] == 1_500_000  # Duration.millis(1500)
    assert (
        AlarmThresholds(model_setup_time=Duration.minutes(2)).threshold_of(
            AlarmKind.MODEL_SETUP_TIME
        )
        == 120_000_000
    )


def test_api_latency_threshold_stays_in_milliseconds(full: Synthesized) -> None:
    alarm = full.alarms()["api_latency"]
    assert (alarm["MetricName"], alarm["Namespace"]) == ("Latency", "AWS/ApiGateway")
    # API Gateway is among the services whose metrics support percentiles.
    assert alarm["ExtendedStatistic"] == "p99"
    assert alarm["Threshold"] == 3000
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (3, 3)
    assert alarm["Dimensions"] == [
        {"Name": "ApiName", "Value": "fake-api"},
        {"Name": "Stage", "Value": "v1"},
    ]


@pytest.mark.parametrize(
    ("fixture", "kind", "errors", "requests", "threshold", "minimum", "datapoints"),
    [
        ("basic", "endpoint_5xx_error_rate", "Invocation5XXErrors", "Invocations", 0.05, 10, 3),
        ("basic", "endpoint_4xx_error_rate", "Invocation4XXErrors", "Invocations", 0.05, 10, 2),
        ("full", "endpoint_4xx_error_rate", "Invocation4XXErrors", "Invocations", 0.2, 25, 2),
        ("full", "api_5xx_error_rate", "5XXError", "Count", 0.01, 25, 3),
        ("full", "api_4xx_error_rate", "4XXError", "Count", 0.1, 25, 2),
    ],
)
def test_error_rate_is_metric_math_guarded_against_zero_and_low_traffic(
    request: pytest.FixtureRequest,
    fixture: str,
    kind: str,
    errors: str,
    requests: str,
    threshold: float,
    minimum: int,
    datapoints: int,
) -> None:
    alarm = request.getfixturevalue(fixture).alarms()[kind]
    assert "MetricName" not in alarm
    assert alarm["Threshold"] == threshold
    assert alarm["ComparisonOperator"] == "GreaterThanThreshold"
    assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (3, datapoints)
    assert alarm["TreatMissingData"] == "notBreaching"
    queries = {query["Id"]: query for query in alarm["Metrics"]}
    expression = queries.pop("expr_1")
    assert expression["Expression"] == (
        f"IF(requests >= {minimum}, errors / MAX([errors, requests]), 0)"
    )
    assert expression.get("ReturnData", True) is True
    # The statistics AWS documents: Sum of the errors; Sum of Invocations, SampleCount of Count.
    requests_statistic = "SampleCount" if requests == "Count" else "Sum"
    assert {
        query_id: (
            query["MetricStat"]["Metric"]["MetricName"],
            query["MetricStat"]["Stat"],
            query["MetricStat"]["Period"],
            query["ReturnData"],
        )
        for query_id, query in queries.items()
    } == {
        "errors": (errors, "Sum", 300, False),
        "requests": (requests, requests_statistic, 300, False),
    }


def test_provisioned_concurrency_adds_spillover_and_idle_capacity_alarms(full: Synthesized) -> None:
    alarms = full.alarms()
    spillover = alarms["provisioned_concurrency_spillover"]
    assert spillover["MetricName"] == "ServerlessProvisionedConcurrencySpilloverInvocations"
    # AWS documents Average, Maximum and Minimum for it, not Sum: any spillover in a period.
    assert (spillover["Statistic"], spillover["Period"], spillover["Threshold"]) == (
        "Maximum",
        300,
        1,
    )
    assert (spillover["EvaluationPeriods"], spillover["DatapointsToAlarm"]) == (3, 2)
    assert spillover["TreatMissingData"] == "notBreaching"
    idle = alarms["provisioned_concurrency_utilization_low"]
    assert idle["MetricName"] == "ServerlessProvisionedConcurrencyUtilization"
    assert (idle["Statistic"], idle["Period"], idle["Threshold"]) == ("Average", 3600, 0.2)
    assert idle["ComparisonOperator"] == LT
    assert (idle["EvaluationPeriods"], idle["DatapointsToAlarm"]) == (24, 24)
    # No data from a provisioned endpoint means idle capacity: that is what this alarm is for.
    assert idle["TreatMissingData"] == "breaching"


def test_api_and_keep_warm_alarms_use_their_metrics(full: Synthesized) -> None:
    alarms = full.alarms()
    expected = {
        "keep_warm_errors": ("Errors", "AWS/Lambda", 1, 3, 2),
        "keep_warm_failed_pings": ("FailedPings", "Fake/KeepWarm", 1, 3, 2),
    }
    for kind, (name, namespace, threshold, evaluations, datapoints) in expected.items():
        alarm = alarms[kind]
        assert (alarm["MetricName"], alarm["Namespace"]) == (name, namespace), kind
        # The fakes default to Average over 1 minute: the alarm's own settings win.
        assert (alarm["Statistic"], alarm["Period"]) == ("Sum", 300), kind
        assert alarm["Threshold"] == threshold, kind
        assert (alarm["EvaluationPeriods"], alarm["DatapointsToAlarm"]) == (
            evaluations,
            datapoints,
        ), kind
        assert alarm["TreatMissingData"] == "notBreaching", kind


def test_disabled_alarms_are_not_created(full: Synthesized) -> None:
    expected = (ENDPOINT_KINDS - {"memory_utilization_low", "overhead_latency"}) | {
        "provisioned_concurrency_spillover",
        "provisioned_concurrency_utilization_low",
        "api_5xx_error_rate",
        "api_4xx_error_rate",
        "api_latency",
        "keep_warm_errors",
        "keep_warm_failed_pings",
    }
    assert set(full.alarms()) == expected
    assert set(full.construct.alarms) == expected


def test_smallest_memory_tier_has_nothing_to_right_size(existing_topic: Synthesized) -> None:
    assert "memory_utilization_low" not in existing_topic.construct.alarms


def test_every_alarm_notifies_the_topic_on_alarm_and_ok(basic: Synthesized) -> None:
    topic = {"Ref": basic.logical_id(basic.construct.topic)}
    for kind, alarm in basic.alarms().items():
        assert alarm["AlarmActions"] == [topic], kind
        assert alarm["OKActions"] == [topic], kind


def test_alarms_notify_an_existing_topic_and_create_none(existing_topic: Synthesized) -> None:
    template = existing_topic.template
    template.resource_count_is("AWS::SNS::Topic", 0)
    template.resource_count_is("AWS::KMS::Key", 0)
    template.resource_count_is("AWS::CloudWatch::Dashboard", 0)
    assert existing_topic.construct.dashboard is None
    alarms = existing_topic.template.find_resources("AWS::CloudWatch::Alarm")
    assert alarms
    for alarm in alarms.values():
        assert alarm["Properties"]["AlarmActions"] == [EXISTING_TOPIC_ARN]
        assert alarm["Properties"]["OKActions"] == [EXISTING_TOPIC_ARN]
        assert alarm["Properties"]["AlarmName"].startswith("my-team-")


def test_names_and_descriptions_tell_on_call_what_is_wrong(basic: Synthesized) -> None:
    for kind, alarm in basic.alarms().items():
        description = "".join(
            part if isinstance(part, str) else "<endpoint>"
            for part in alarm["AlarmDescription"]["Fn::Join"][1]
        )
        assert "Check first: " in description, kind
        assert "endpoint <endpoint>" in description, kind
        # In library terms: library users have no cdk.json.
        assert (
            f"Tune it with the AlarmThresholds field {kind}, or leave it out by passing {kind} "
            "in disabled."
        ) in description, kind
        assert "alarms." not in description, kind
        assert len(description) < 1024, kind
    latency = basic.alarms()["model_latency"]["AlarmDescription"]["Fn::Join"][1][0]
    assert latency.startswith("The model is slow")
    assert "Average >= 2000 ms in 3 of 3 periods of 5 min" in "".join(
        part
        for part in basic.alarms()["model_latency"]["AlarmDescription"]["Fn::Join"][1]
        if isinstance(part, str)
    )


def test_composite_alarm_is_any_critical_alarm(basic: Synthesized) -> None:
    composite = basic.composite()
    assert composite["AlarmName"] == "TestStack-service_unhealthy"
    assert "each after 15 minutes of sustained failure" in composite["AlarmDescription"]
    rule = composite["AlarmRule"]["Fn::Join"][1]
    referenced = {
        part["Fn::GetAtt"][0] for part in rule if isinstance(part, dict) and "Fn::GetAtt" in part
    }
    critical = {
        basic.logical_id(alarm)
        for kind, alarm in basic.construct.alarms.items()
        if kind in CRITICAL_KINDS
    }
    assert referenced == critical
    assert len(critical) == 4  # 5XX rate, model latency, concurrency, memory high
    text = "".join(part for part in rule if isinstance(part, str))
    assert text.count("ALARM(") == 4
    assert text.count(" OR ") == 3
    topic = {"Ref": basic.logical_id(basic.construct.topic)}
    assert composite["AlarmActions"] == [topic]
    assert composite["OKActions"] == [topic]


def test_composite_alarm_alone_pages_the_pager_topic(full: Synthesized) -> None:
    composite = full.composite()
    assert composite["AlarmActions"] == [PAGER_TOPIC_ARN]
    assert composite["OKActions"] == [PAGER_TOPIC_ARN]
    rule = "".join(p for p in composite["AlarmRule"]["Fn::Join"][1] if isinstance(p, str))
    assert rule.count("ALARM(") == 6  # + API 5XX rate and API latency
    for kind, alarm in full.alarms().items():
        assert PAGER_TOPIC_ARN not in alarm["AlarmActions"], kind


def test_new_topic_is_encrypted_and_deleted_with_the_stack(basic: Synthesized) -> None:
    """The key and topic policies CloudWatch needs: tests/test_alarm_delivery.py."""
    ((key_id, key_resource),) = basic.template.find_resources("AWS::KMS::Key").items()
    key = key_resource["Properties"]
    assert key["EnableKeyRotation"] is True
    # Deleted (after 7 days) with the stack, not retained and billed.
    assert key_resource["DeletionPolicy"] == "Delete"
    assert key["PendingWindowInDays"] == 7
    (topic,) = basic.template.find_resources("AWS::SNS::Topic").values()
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_email_addresses_are_subscribed(basic: Synthesized) -> None:
    basic.template.has_resource_properties(
        "AWS::SNS::Subscription",
        {
            "Protocol": "email",
            "Endpoint": "oncall@example.com",
            "TopicArn": {"Ref": basic.logical_id(basic.construct.topic)},
        },
    )


def test_the_protocols_accept_the_real_api_and_keep_warm() -> None:
    """The real classes satisfy the protocols (mypy checks these assignments too)."""
    stack = new_stack()
    endpoint = _endpoint(stack)
    api: ApiMetrics = InferenceApi(stack, "Api", endpoint=endpoint)
    keep_warm: KeepWarmMetrics = KeepWarm(
        stack, "KeepWarm", endpoint=endpoint, pre_warm_on_deploy=False
    )
    alarms = EndpointAlarms(stack, "Alarms", endpoint=endpoint, api=api, keep_warm=keep_warm)
    found = {
        props["Properties"]["AlarmName"].removeprefix("TestStack-"): props["Properties"]
        for props in Template.from_stack(stack).find_resources("AWS::CloudWatch::Alarm").values()
    }
    assert set(found) == set(alarms.alarms)
    api_5xx_inputs = {q["Id"]: q for q in found["api_5xx_error_rate"]["Metrics"]}
    assert api_5xx_inputs["errors"]["MetricStat"]["Metric"]["MetricName"] == "5XXError"
    assert api_5xx_inputs["requests"]["MetricStat"]["Metric"]["MetricName"] == "Count"
    assert found["api_latency"]["MetricName"] == "Latency"
    assert found["keep_warm_errors"]["MetricName"] == "Errors"
    assert found["keep_warm_errors"]["Namespace"] == "AWS/Lambda"
    assert found["keep_warm_failed_pings"]["MetricName"] == "FailedPings"


def test_every_alarm_kind_has_a_spec_cloudwatch_accepts() -> None:
    for kind, spec in ALARM_SPECS.items():
        window = spec.period.to_seconds() * spec.evaluation_periods
        assert window <= MAX_ALARM_WINDOW_SECONDS, kind
        assert 1 <= spec.datapoints_to_alarm <= spec.evaluation_periods, kind
        assert spec.what and spec.check_first, kind
    assert set(ALARM_SPECS) == set(AlarmKind)
    assert {f.name for f in dataclasses.fields(AlarmThresholds)} == {
        kind.value for kind in AlarmKind
    } | {"error_rate_min_requests"}


# --- validation ---------------------------------------------------------------------------


@pytest.fixture
def stack_with_endpoint() -> tuple[Stack, ServerlessEndpoint]:
    stack = new_stack()
    return stack, _endpoint(stack)


@pytest.mark.parametrize(
    ("thresholds", "message"),
    [
        (
            AlarmThresholds(model_latency=Duration.seconds(61)),
            r"thresholds\.model_latency must be a duration from 1 to 60000 milliseconds, "
            r"got 61000",
        ),
        (
            AlarmThresholds(api_latency=Duration.millis(0)),
            r"thresholds\.api_latency must be a duration from 1 to 300000 milliseconds, got 0",
        ),
        (
            AlarmThresholds(endpoint_4xx_error_rate=5),
            r"thresholds\.endpoint_4xx_error_rate must be a ratio greater than 0 and at most 1, "
            r"got 5",
        ),
        (
            AlarmThresholds(concurrency_utilization_high=0),
            r"thresholds\.concurrency_utilization_high must be a ratio greater than 0",
        ),
        (
            AlarmThresholds(endpoint_5xx_error_rate=0),
            r"thresholds\.endpoint_5xx_error_rate must be a ratio greater than 0 and at most 1, "
            r"got 0",
        ),
        (
            AlarmThresholds(api_5xx_error_rate=1.5),
            r"thresholds\.api_5xx_error_rate must be a ratio greater than 0 and at most 1, "
            r"got 1\.5",
        ),
        (
            AlarmThresholds(provisioned_concurrency_spillover=0),
            r"thresholds\.provisioned_concurrency_spillover must be a whole number from 1 to "
            r"1000000, got 0",
        ),
        (
            AlarmThresholds(keep_warm_errors=1.5),  # type: ignore[arg-type]
            r"thresholds\.keep_warm_errors must be a whole number",
        ),
        (
            AlarmThresholds(memory_utilization_high=100),
            r"thresholds\.memory_utilization_high must be a percentage greater than 0 and less "
            r"than 100, got 100",
        ),
        (
            AlarmThresholds(memory_utilization_low=95),
            r"thresholds\.memory_utilization_low must be less than memory_utilization_high "
            r"\(90\.0\), got 95",
        ),
        (
            AlarmThresholds(model_setup_time=60),  # type: ignore[arg-type]
            r"thresholds\.model_setup_time must be a Duration, for example Duration\.seconds\(2\), "
            r"got 60",
        ),
        (
            AlarmThresholds(error_rate_min_requests=0),
            r"thresholds\.error_rate_min_requests must be a whole number from 1",
        ),
    ],
)
def test_fails_when_a_threshold_is_invalid(
    stack_with_endpoint: tuple[Stack, ServerlessEndpoint],
    thresholds: AlarmThresholds,
    message: str,
) -> None:
    stack, endpoint = stack_with_endpoint
    with pytest.raises(ValueError, match=message):
        EndpointAlarms(stack, "Alarms", endpoint=endpoint, thresholds=thresholds)


def test_fails_when_disabled_names_an_unknown_kind(
    stack_with_endpoint: tuple[Stack, ServerlessEndpoint],
) -> None:
    stack, endpoint = stack_with_endpoint
    with pytest.raises(
        ValueError,
        match=r"disabled must be a list of alarm kinds, each one of endpoint_5xx_error_rate, "
        r"endpoint_4xx_error_rate, .*fan_out_duration, got 'model_latency_p99'",
    ):
        EndpointAlarms(stack, "Alarms", endpoint=endpoint, disabled=["model_latency_p99"])


def test_fails_listing_every_problem_at_once(
    stack_with_endpoint: tuple[Stack, ServerlessEndpoint],
) -> None:
    stack, endpoint = stack_with_endpoint
    with pytest.raises(ValueError) as error:
        EndpointAlarms(
            stack,
            "Alarms",
            endpoint=endpoint,
            thresholds=AlarmThresholds(endpoint_5xx_error_rate=0),
            email_addresses=["not-an-address"],
            price_per_gb_second=0,
        )
    message = str(error.value)
    assert message.startswith("Invalid EndpointAlarms props:")
    assert "thresholds.endpoint_5xx_error_rate must be" in message
    assert "email_addresses must be a list of e-mail addresses (name@domain.tld), got " in message
    assert "price_per_gb_second must be a price in USD per GB-second" in message
