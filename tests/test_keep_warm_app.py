"""The default app: keep-warm on by default, off from cdk.json, scaling from cdk.json."""

from typing import Any

import pytest
from aws_cdk.assertions import Match, Template

from serverless_inference.endpoint import LOG_RETENTION_FUNCTION_ID
from stacks.config import load_config
from stacks.inference_stack import InferenceStack
from stacks.settings.keep_warm import KeepWarmSettings
from stacks.settings.scaling import ScalingSettings
from tests.cdk_helpers import (
    build_default_app,
    cdk_json_context,
    linted_template,
    logical_id,
    resources_of_type,
)
from tests.conftest import SynthesizedApp


def _dev_template(overrides: dict[str, Any]) -> Template:
    """The dev stack with ``-c`` style overrides, after cdk-nag ran on the app."""
    app, stacks = build_default_app({"env": "dev", **overrides})
    app.synth()  # raises on unacknowledged cdk-nag findings
    return linted_template(stacks["dev"])


@pytest.fixture(scope="module")
def keep_warm_disabled() -> Template:
    return _dev_template({"keep_warm.enabled": False})


@pytest.fixture(scope="module")
def scaled_and_windowed() -> Template:
    return _dev_template(
        {
            "endpoint.max_concurrency": 5,
            "endpoint.provisioned_concurrency": 2,
            "scaling.enabled": True,
            "scaling.min_capacity": 1,
            "scaling.max_capacity": 4,
            "scaling.target_utilization": 0.7,
            "scaling.time_zone": "Europe/Berlin",
            "scaling.scale_up": {"schedule": "cron(0 7 ? * MON-FRI *)", "min_capacity": 3},
            "scaling.scale_down": '{"schedule": "cron(0 20 ? * MON-FRI *)", "min_capacity": 1}',
            "keep_warm.concurrency": 3,
            "keep_warm.active_hours": "[7, 20]",
            "keep_warm.active_days": "MON-FRI",
            "keep_warm.time_zone": "Europe/Berlin",
        }
    )


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_default_app_keeps_its_endpoint_warm_every_5_minutes(
    default_app: SynthesizedApp, environment: str
) -> None:
    template = default_app.templates[environment]
    stack = default_app.stacks[environment]
    assert isinstance(stack, InferenceStack) and stack.keep_warm is not None
    template.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": "rate(5 minutes)",
            "State": "ENABLED",
            "Target": {
                "Arn": {"Fn::GetAtt": [logical_id(stack.keep_warm.function), "Arn"]},
                "RetryPolicy": {"MaximumRetryAttempts": 0, "MaximumEventAgeInSeconds": 60},
                "RoleArn": Match.any_value(),
            },
        },
    )
    template.resource_count_is("Custom::Trigger", 1)
    template.resource_count_is("AWS::ApplicationAutoScaling::ScalableTarget", 0)


def test_no_keep_warm_resources_when_disabled_in_cdk_json(keep_warm_disabled: Template) -> None:
    for resource_type in (
        "AWS::Scheduler::Schedule",
        "Custom::Trigger",
        "AWS::Lambda::EventInvokeConfig",
    ):
        keep_warm_disabled.resource_count_is(resource_type, 0)
    # the one function left is the endpoint's log retention (aws-cdk-lib's, one per stack)
    functions = resources_of_type(keep_warm_disabled, "AWS::Lambda::Function")
    assert [f.startswith(LOG_RETENTION_FUNCTION_ID) for f in functions] == [True]


def test_active_window_from_cdk_json(scaled_and_windowed: Template) -> None:
    scaled_and_windowed.has_resource_properties(
        "AWS::Scheduler::Schedule",
        {
            "ScheduleExpression": "cron(0/5 7-19 ? * MON-FRI *)",
            "ScheduleExpressionTimezone": "Europe/Berlin",
        },
    )


def test_provisioned_concurrency_scaling_from_cdk_json(scaled_and_windowed: Template) -> None:
    scaled_and_windowed.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ScalableDimension": "sagemaker:variant:DesiredProvisionedConcurrency",
            "MinCapacity": 1,
            "MaxCapacity": 4,
            "ScheduledActions": [
                {
                    "ScheduledActionName": "ScaleUp",
                    "Schedule": "cron(0 7 ? * MON-FRI *)",
                    "Timezone": "Europe/Berlin",
                    "ScalableTargetAction": {"MinCapacity": 3},
                },
                {
                    "ScheduledActionName": "ScaleDown",
                    "Schedule": "cron(0 20 ? * MON-FRI *)",
                    "Timezone": "Europe/Berlin",
                    "ScalableTargetAction": {"MinCapacity": 1},
                },
            ],
        },
    )
    scaled_and_windowed.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "TargetTrackingScalingPolicyConfiguration": {
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantProvisionedConcurrencyUtilization"
                },
                "TargetValue": 0.7,
            }
        },
    )


# --- configuration -----------------------------------------------------------------------


def test_cdk_json_defaults() -> None:
    dev = load_config(cdk_json_context()).environments["dev"]
    assert dev.keep_warm == KeepWarmSettings(enabled=True, concurrency=1, rate_minutes=5)
    assert dev.scaling == ScalingSettings()
    assert dev.scaling.enabled is False
    assert KeepWarmSettings().pre_warm_on_deploy is True
    assert KeepWarmSettings().log_retention_days == 30


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"keep_warm.concurrency": 6},
            "environments.dev.keep_warm.concurrency must be a whole number from 1 to 2, got 6",
        ),
        (
            {"keep_warm.rate_minutes": 0},
            "environments.dev.keep_warm.rate_minutes must be a whole number from 1 to 1440",
        ),
        (
            {"keep_warm.active_hours": [20, 7]},
            r"environments.dev.keep_warm.active_hours must be \(start, end\) whole hours",
        ),
        (
            {"keep_warm.active_hours": "mornings"},
            "environments.dev.keep_warm.active_hours must be a list of a whole number",
        ),
        (
            {"keep_warm.time_zone": "Mars/Olympus_Mons"},
            "environments.dev.keep_warm.time_zone must be an IANA time zone name",
        ),
        (
            {"keep_warm.log_retention_days": 31},
            "environments.dev.keep_warm.log_retention_days must be one of 1, 3, 5",
        ),
        (
            {"keep_warm.ping_timeout_seconds": 0},
            "environments.dev.keep_warm.ping_timeout_seconds must be from 1 to 840 seconds",
        ),
        (
            {"keep_warm.cold_start_threshold_ms": 0},
            "environments.dev.keep_warm.cold_start_threshold_ms must be at least 1 ms",
        ),
        ({"keep_warm.rate": 5}, "environments.dev.keep_warm.rate is not a known key"),
        (
            {"scaling.enabled": True, "scaling.max_capacity": 2},
            "environments.dev.scaling.enabled must be false unless "
            "endpoint.provisioned_concurrency is set",
        ),
        (
            {"endpoint.provisioned_concurrency": 1, "scaling.enabled": True},
            "environments.dev.scaling.max_capacity must be a whole number from min_capacity",
        ),
        (
            {
                "endpoint.provisioned_concurrency": 1,
                "scaling.enabled": True,
                "scaling.max_capacity": 6,
            },
            "environments.dev.scaling.max_capacity must be a whole number from 1 to 2, got 6",
        ),
        (
            {
                "endpoint.provisioned_concurrency": 1,
                "scaling.enabled": True,
                "scaling.max_capacity": 2,
                "scaling.target_utilization": 1.5,
            },
            r"environments.dev.scaling.target_utilization must be a number in \(0, 1\]",
        ),
        (
            {
                "endpoint.provisioned_concurrency": 1,
                "scaling.enabled": True,
                "scaling.max_capacity": 2,
                "scaling.scale_up": {"schedule": "cron(0 7 * * ?)", "min_capacity": 2},
            },
            r"environments.dev.scaling.scale_up.schedule must be cron\(",
        ),
        (
            {
                "endpoint.provisioned_concurrency": 1,
                "scaling.enabled": True,
                "scaling.max_capacity": 2,
                "scaling.scale_down": {"schedule": "cron(0 20 * * ? *)"},
            },
            "environments.dev.scaling.scale_down.min_capacity must be set, or max_capacity set",
        ),
    ],
)
def test_fails_when_a_config_key_is_invalid(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_config({**cdk_json_context(), "env": "dev", **overrides})
