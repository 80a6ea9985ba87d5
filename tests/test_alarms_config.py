"""The ``alarms`` section of cdk.json and the alarms of the default app."""

import dataclasses
from typing import Any

import pytest
from aws_cdk.assertions import Template

from serverless_inference import AlarmThresholds
from serverless_inference.alarm_thresholds import duration_field_names
from stacks.config import ConfigurationError, load_config
from stacks.settings.alarms import AlarmsSettings, AlarmThresholdsSettings
from tests.cdk_helpers import build_default_app, linted_template
from tests.support.config import ACCOUNT_A, PIPELINE, load_environments, problems_of

ENVIRONMENTS: dict[str, Any] = {"dev": {}, "prod": {}}


def _alarms(environment: str = "dev", **context: Any) -> AlarmsSettings:
    config = load_config({"environments": ENVIRONMENTS, **context})
    return config.environments[environment].alarms


def _load_dev(alarms: dict[str, Any]) -> None:
    load_config({"environments": {"dev": {"alarms": alarms}}})


def _alarm_names(template: Template) -> set[str]:
    return {
        alarm["Properties"]["AlarmName"]
        for alarm in template.find_resources("AWS::CloudWatch::Alarm").values()
    }


def test_missing_alarms_section_takes_the_construct_defaults() -> None:
    settings = _alarms()
    assert settings == AlarmsSettings()
    assert settings.enabled is True
    assert settings.dashboard is True
    assert settings.thresholds.to_thresholds().as_numbers() == AlarmThresholds().as_numbers()


def test_threshold_keys_mirror_the_construct_thresholds() -> None:
    """Every AlarmThresholds field has one config key (``_ms`` for durations), no more."""
    durations = duration_field_names()
    expected = {
        f"{f.name}_ms" if f.name in durations else f.name
        for f in dataclasses.fields(AlarmThresholds)
    }
    assert {f.name for f in dataclasses.fields(AlarmThresholdsSettings)} == expected


def test_millisecond_keys_become_durations() -> None:
    settings = AlarmThresholdsSettings(model_latency_ms=1500, api_latency_ms=4000)
    thresholds = settings.to_thresholds()
    assert thresholds.model_latency.to_milliseconds() == 1500
    assert thresholds.api_latency.to_milliseconds() == 4000
    assert thresholds.overhead_latency.to_milliseconds() == 10_000


def test_context_override_retunes_one_alarm_in_every_environment() -> None:
    settings = _alarms(**{"alarms.thresholds.model_latency_ms": "3000"})
    assert settings.thresholds.model_latency_ms == 3000
    assert settings.thresholds.to_thresholds().model_latency.to_milliseconds() == 3000


def test_context_override_disables_alarms_in_one_environment() -> None:
    context = {"environments.prod.alarms.disabled": '["memory_utilization_low"]'}
    assert _alarms("prod", **context).disabled == ["memory_utilization_low"]
    assert _alarms("dev", **context).disabled == []


@pytest.mark.parametrize(
    ("alarms", "message"),
    [
        (
            {"thresholds": {"model_latency_ms": 0}},
            r"environments\.dev\.alarms\.thresholds\.model_latency_ms must be a duration "
            r"from 1 to 60000 milliseconds, got 0",
        ),
        (
            {"thresholds": {"model_latency_ms": 1.5}},
            r"environments\.dev\.alarms\.thresholds\.model_latency_ms must be a whole number, "
            r"got 1\.5",
        ),
        (
            {"thresholds": {"endpoint_4xx_error_rate": 5}},
            r"environments\.dev\.alarms\.thresholds\.endpoint_4xx_error_rate must be a ratio "
            r"greater than 0 and at most 1, got 5\.0",
        ),
        (
            {"thresholds": {"model_latency": 2000}},
            r"environments\.dev\.alarms\.thresholds\.model_latency is not a known key; "
            r"known keys: endpoint_5xx_error_rate, .*model_latency_ms",
        ),
        (
            # Renamed in this release: the old key is refused with the new ones listed.
            {"thresholds": {"api_latency_p99_ms": 2000}},
            r"environments\.dev\.alarms\.thresholds\.api_latency_p99_ms is not a known key; "
            r"known keys: .*api_5xx_error_rate, api_4xx_error_rate, api_latency_ms",
        ),
        (
            {"disabled": ["memory_low"]},
            r"environments\.dev\.alarms\.disabled must be a list of alarm kinds, each one of "
            r"endpoint_5xx_error_rate, .*memory_utilization_low.*, got 'memory_low'",
        ),
        (
            {"email_addresses": ["oncall"]},
            r"environments\.dev\.alarms\.email_addresses must be a list of e-mail addresses",
        ),
        (
            {"pager_topic_arn": "pager"},
            r"environments\.dev\.alarms\.pager_topic_arn must be at most 1024 characters matching",
        ),
        (
            {"topic_arn": "arn:aws:sns:eu-west-1:123456789012:alerts.fifo"},
            r"environments\.dev\.alarms\.topic_arn must be the ARN of a standard SNS topic: a "
            r"FIFO topic delivers to SQS queues only \(never e-mail\) and needs a message group "
            r"ID that CloudWatch alarm actions do not send, got "
            r"'arn:aws:sns:eu-west-1:123456789012:alerts\.fifo'",
        ),
        (
            {"pager_topic_arn": "arn:aws:sns:eu-west-1:123456789012:pager.fifo"},
            r"environments\.dev\.alarms\.pager_topic_arn must be the ARN of a standard SNS topic",
        ),
        (
            {"price_per_gb_second": -1},
            r"environments\.dev\.alarms\.price_per_gb_second must be a price in USD per GB-second",
        ),
        (
            {"dashboard": "yes"},
            r"environments\.dev\.alarms\.dashboard must be true or false, got 'yes'",
        ),
    ],
)
def test_fails_when_alarm_settings_are_invalid(alarms: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _load_dev(alarms)


US_TOPIC = "arn:aws:sns:us-east-1:123456789012:alerts"
EU_TOPIC = "arn:aws:sns:eu-west-1:123456789012:pager"


def test_fails_when_a_topic_is_not_in_the_environments_pinned_region() -> None:
    environment = {
        "account": ACCOUNT_A,
        "region": "eu-west-1",
        "alarms": {"topic_arn": US_TOPIC, "pager_topic_arn": EU_TOPIC},
    }
    with pytest.raises(ConfigurationError) as raised:
        load_environments({"dev": environment})
    assert problems_of(raised) == [
        "environments.dev.alarms.topic_arn must be a topic in eu-west-1, where this environment "
        "deploys (environments.dev.region): a CloudWatch alarm action must name a topic in the "
        f"alarm's own region, got '{US_TOPIC}'"
    ]


def test_fails_when_a_topic_is_not_in_the_region_the_pipeline_deploys_a_stage_to() -> None:
    # GIVEN dev, a stage without a region of its own, in a pipeline in eu-west-1
    pipeline = {**PIPELINE, "stages": ["dev"]}
    with pytest.raises(ConfigurationError) as raised:
        load_environments({"dev": {"alarms": {"pager_topic_arn": US_TOPIC}}}, pipeline=pipeline)
    assert problems_of(raised) == [
        "environments.dev.alarms.pager_topic_arn must be a topic in eu-west-1, where this "
        "environment deploys (pipeline.region): a CloudWatch alarm action must name a topic in "
        f"the alarm's own region, got '{US_TOPIC}'"
    ]


def test_topics_anywhere_are_left_to_the_template_where_the_region_is_open_or_alarms_off() -> None:
    # region-agnostic: the template's rule refuses another region at deploy time
    load_environments({"dev": {"alarms": {"topic_arn": US_TOPIC}}})
    # alarms off: the topic is not used
    off = {"region": "eu-west-1", "alarms": {"enabled": False, "topic_arn": US_TOPIC}}
    load_environments({"dev": {"account": ACCOUNT_A, **off}})


def test_default_app_region_agnostic_with_a_topic_deploys_only_to_its_region() -> None:
    app, stacks = build_default_app({"env": "dev", "environments.dev.alarms.topic_arn": US_TOPIC})
    app.synth()
    rules = linted_template(stacks["dev"]).to_json()["Rules"]
    (topic_rule,) = [rule for name, rule in rules.items() if name != "CheckBootstrapVersion"]
    assert topic_rule["Assertions"][0]["Assert"] == {
        "Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]
    }


# --- the default app ------------------------------------------------------------------------


def test_default_app_deploys_alarms_topic_composite_and_dashboard(dev_template: Template) -> None:
    names = _alarm_names(dev_template)
    assert "ServerlessInference-dev-model_latency" in names
    assert "ServerlessInference-dev-endpoint_5xx_error_rate" in names
    assert "ServerlessInference-dev-api_5xx_error_rate" in names
    assert "ServerlessInference-dev-keep_warm_failed_pings" in names
    dev_template.resource_count_is("AWS::CloudWatch::CompositeAlarm", 1)
    dev_template.resource_count_is("AWS::CloudWatch::Dashboard", 1)
    (topic,) = dev_template.find_resources("AWS::SNS::Topic").values()
    assert "KmsMasterKeyId" in topic["Properties"]


def test_default_app_alarms_can_be_retuned_and_disabled_from_context() -> None:
    _, stacks = build_default_app(
        {
            "env": "dev",
            "alarms.thresholds.model_latency_ms": "1500",
            "alarms.disabled": '["memory_utilization_low", "api_4xx_error_rate"]',
            "alarms.dashboard": "false",
            "alarms.email_addresses": '["oncall@example.com"]',
            "alarms.pager_topic_arn": "arn:aws:sns:eu-west-1:123456789012:pager",
        }
    )
    template = linted_template(stacks["dev"])
    names = _alarm_names(template)
    assert "ServerlessInference-dev-memory_utilization_low" not in names
    assert "ServerlessInference-dev-api_4xx_error_rate" not in names
    latency = next(
        alarm["Properties"]
        for alarm in template.find_resources("AWS::CloudWatch::Alarm").values()
        if alarm["Properties"]["AlarmName"].endswith("-model_latency")
    )
    assert latency["Threshold"] == 1_500_000
    template.resource_count_is("AWS::CloudWatch::Dashboard", 0)
    template.has_resource_properties(
        "AWS::SNS::Subscription", {"Protocol": "email", "Endpoint": "oncall@example.com"}
    )
    template.has_resource_properties(
        "AWS::CloudWatch::CompositeAlarm",
        {"AlarmActions": ["arn:aws:sns:eu-west-1:123456789012:pager"]},
    )


def test_default_app_can_turn_alarms_off() -> None:
    _, stacks = build_default_app({"env": "dev", "alarms.enabled": "false"})
    template = Template.from_stack(stacks["dev"])
    template.resource_count_is("AWS::CloudWatch::Alarm", 0)
    template.resource_count_is("AWS::SNS::Topic", 0)
