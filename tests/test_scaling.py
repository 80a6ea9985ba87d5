"""Provisioned concurrency autoscaling: scalable target, policies, scheduled actions, validation."""

from typing import Any

import pytest
from aws_cdk import App, CfnParameter, Stack, Validations
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk.assertions import Match, Template
from cdk_nag import AwsSolutionsChecks

from serverless_inference import (
    ContainerImage,
    ProvisionedConcurrencyScaling,
    ServerlessEndpoint,
)
from tests.cdk_helpers import linted_template, logical_id, new_stack, resources_of_type

IMAGE_URI = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-model:1.0"


def _endpoint(stack: Stack | None = None, **props: Any) -> ServerlessEndpoint:
    props.setdefault("image", ContainerImage.from_ecr_uri(IMAGE_URI))
    props.setdefault("provisioned_concurrency", 1)
    props.setdefault("max_concurrency", 10)
    return ServerlessEndpoint(stack or new_stack(), "Endpoint", **props)


@pytest.fixture(scope="module")
def scaled() -> tuple[ServerlessEndpoint, ProvisionedConcurrencyScaling, Template]:
    """Utilization tracking plus business hours up / nights down, checked by cdk-nag."""
    app = App()
    stack = Stack(app, "Scaling")
    endpoint = _endpoint(stack, variant_name="Blue")
    scaling = endpoint.auto_scale_provisioned_concurrency(min_capacity=1, max_capacity=4)
    scaling.scale_on_utilization(target_utilization=0.6)
    scaling.scale_on_schedule(
        "BusinessHours",
        schedule=appscaling.Schedule.cron(minute="0", hour="7", week_day="MON-FRI"),
        min_capacity=2,
        max_capacity=4,
        time_zone="Europe/Berlin",
    )
    scaling.scale_on_schedule(
        "Nights",
        schedule=appscaling.Schedule.expression("cron(0 20 ? * MON-FRI *)"),
        min_capacity=1,
        max_capacity=1,
        time_zone="Europe/Berlin",
    )
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()
    return endpoint, scaling, linted_template(stack)


def test_scalable_target_is_the_variants_provisioned_concurrency(
    scaled: tuple[ServerlessEndpoint, ProvisionedConcurrencyScaling, Template],
) -> None:
    endpoint, _, template = scaled
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ServiceNamespace": "sagemaker",
            "ScalableDimension": "sagemaker:variant:DesiredProvisionedConcurrency",
            "ResourceId": {
                "Fn::Join": [
                    "",
                    [
                        "endpoint/",
                        {"Fn::GetAtt": [logical_id(endpoint.endpoint), "EndpointName"]},
                        "/variant/Blue",
                    ],
                ]
            },
            "MinCapacity": 1,
            "MaxCapacity": 4,
        },
    )


def test_scalable_target_uses_the_service_linked_role_and_creates_no_role(
    scaled: tuple[ServerlessEndpoint, ProvisionedConcurrencyScaling, Template],
) -> None:
    _, _, template = scaled
    (target,) = resources_of_type(template, "AWS::ApplicationAutoScaling::ScalableTarget").values()
    role_arn = target["Properties"]["RoleARN"]["Fn::Join"][1]
    assert role_arn[-1] == (
        ":role/aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
        "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
    )
    # the model's role and the log retention function's: none for Application Auto Scaling
    assert {
        role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["Service"]
        for role in resources_of_type(template, "AWS::IAM::Role").values()
    } == {"sagemaker.amazonaws.com", "lambda.amazonaws.com"}
    assert len(resources_of_type(template, "AWS::IAM::Role")) == 2


def test_target_tracking_on_provisioned_concurrency_utilization(
    scaled: tuple[ServerlessEndpoint, ProvisionedConcurrencyScaling, Template],
) -> None:
    _, scaling, template = scaled
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {
            "PolicyType": "TargetTrackingScaling",
            "ScalingTargetId": {"Ref": logical_id(scaling.scalable_target)},
            "TargetTrackingScalingPolicyConfiguration": {
                "PredefinedMetricSpecification": {
                    "PredefinedMetricType": "SageMakerVariantProvisionedConcurrencyUtilization"
                },
                "TargetValue": 0.6,
            },
        },
    )


def test_scheduled_actions_set_capacity_in_their_time_zone(
    scaled: tuple[ServerlessEndpoint, ProvisionedConcurrencyScaling, Template],
) -> None:
    _, _, template = scaled
    template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ScheduledActions": [
                {
                    "ScheduledActionName": "BusinessHours",
                    "Schedule": "cron(0 7 ? * MON-FRI *)",
                    "Timezone": "Europe/Berlin",
                    "ScalableTargetAction": {"MinCapacity": 2, "MaxCapacity": 4},
                },
                {
                    "ScheduledActionName": "Nights",
                    "Schedule": "cron(0 20 ? * MON-FRI *)",
                    "Timezone": "Europe/Berlin",
                    "ScalableTargetAction": {"MinCapacity": 1, "MaxCapacity": 1},
                },
            ]
        },
    )


def test_default_target_utilization_is_half() -> None:
    endpoint = _endpoint()
    scaling = endpoint.auto_scale_provisioned_concurrency(min_capacity=1, max_capacity=2)
    scaling.scale_on_utilization()
    Template.from_stack(Stack.of(endpoint)).has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalingPolicy",
        {"TargetTrackingScalingPolicyConfiguration": Match.object_like({"TargetValue": 0.5})},
    )


def test_scheduled_action_may_change_only_the_maximum() -> None:
    endpoint = _endpoint()
    scaling = endpoint.auto_scale_provisioned_concurrency(min_capacity=1, max_capacity=2)
    scaling.scale_on_schedule(
        "Peak", schedule=appscaling.Schedule.cron(minute="0", hour="12"), max_capacity=10
    )
    Template.from_stack(Stack.of(endpoint)).has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ScheduledActions": [
                {
                    "ScheduledActionName": "Peak",
                    "Schedule": "cron(0 12 * * ? *)",
                    "Timezone": Match.absent(),
                    "ScalableTargetAction": {"MaxCapacity": 10},
                }
            ]
        },
    )


# --- validation --------------------------------------------------------------------------


def test_fails_when_the_endpoint_has_no_provisioned_concurrency() -> None:
    endpoint = _endpoint(provisioned_concurrency=None)
    with pytest.raises(ValueError, match=r"endpoint\.provisioned_concurrency must be set"):
        endpoint.auto_scale_provisioned_concurrency(min_capacity=1, max_capacity=2)


@pytest.mark.parametrize(
    ("min_capacity", "max_capacity", "message"),
    [
        (0, 2, "min_capacity must be a whole number from 1 to 10, got 0"),
        (1, 11, "max_capacity must be a whole number from 1 to 10, got 11"),
        (3, 2, r"min_capacity must be at most max_capacity \(2\), got 3"),
        (1.5, 2, "min_capacity must be a whole number from 1 to 10, got 1.5"),
    ],
)
def test_fails_when_capacities_are_out_of_range(
    min_capacity: Any, max_capacity: Any, message: str
) -> None:
    endpoint = _endpoint()
    with pytest.raises(ValueError, match=message):
        endpoint.auto_scale_provisioned_concurrency(
            min_capacity=min_capacity, max_capacity=max_capacity
        )


def test_capacities_may_span_one_to_max_concurrency() -> None:
    endpoint = _endpoint(max_concurrency=10)
    scaling = endpoint.auto_scale_provisioned_concurrency(min_capacity=1, max_capacity=10)
    assert (scaling.min_capacity, scaling.max_capacity) == (1, 10)


@pytest.mark.parametrize("target", [0, 0.0, -0.5, 1.01, 2, True, "0.5"])
def test_fails_when_target_utilization_is_outside_0_to_1(target: Any) -> None:
    scaling = _endpoint().auto_scale_provisioned_concurrency(min_capacity=1, max_capacity=2)
    with pytest.raises(ValueError, match=r"target_utilization must be a number in \(0, 1\]"):
        scaling.scale_on_utilization(target_utilization=target)


def test_target_utilization_of_one_is_allowed() -> None:
    scaling = _endpoint().auto_scale_provisioned_concurrency(min_capacity=1, max_capacity=2)
    assert scaling.scale_on_utilization(target_utilization=1) is scaling.utilization_policy


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({}, "min_capacity must be set, or max_capacity set"),
        ({"min_capacity": 0}, "min_capacity must be a whole number from 1 to 10, got 0"),
        ({"max_capacity": 11}, "max_capacity must be a whole number from 1 to 10, got 11"),
        (
            {"min_capacity": 3, "max_capacity": 2},
            r"min_capacity must be at most max_capacity \(2\), got 3",
        ),
        (
            {"min_capacity": 1, "schedule": appscaling.Schedule.expression("cron(0 7 * * ?)")},
            r"schedule must be cron\(<minute> <hour> <day> <month> <weekday> <year>\)",
        ),
    ],
)
def test_fails_when_a_scheduled_action_is_invalid(props: dict[str, Any], message: str) -> None:
    scaling = _endpoint().auto_scale_provisioned_concurrency(min_capacity=1, max_capacity=2)
    props.setdefault("schedule", appscaling.Schedule.cron(minute="0", hour="7"))
    with pytest.raises(ValueError, match=message):
        scaling.scale_on_schedule("Action", **props)


def test_fails_when_a_scheduled_action_id_repeats() -> None:
    scaling = _endpoint().auto_scale_provisioned_concurrency(min_capacity=1, max_capacity=2)
    schedule = appscaling.Schedule.cron(minute="0", hour="7")
    scaling.scale_on_schedule("Morning", schedule=schedule, min_capacity=2)
    with pytest.raises(ValueError, match="id must be unique"):
        scaling.scale_on_schedule("Morning", schedule=schedule, min_capacity=1)


def test_fails_when_utilization_scaling_is_added_twice() -> None:
    scaling = _endpoint().auto_scale_provisioned_concurrency(min_capacity=1, max_capacity=2)
    scaling.scale_on_utilization()
    with pytest.raises(ValueError, match="scale_on_utilization must be called once"):
        scaling.scale_on_utilization()


@pytest.mark.parametrize(("provisioned", "low", "high"), [(1, 2, 4), (5, 1, 4)])
def test_fails_when_provisioned_concurrency_is_outside_the_scaling_range(
    provisioned: int, low: int, high: int
) -> None:
    # a deploy that creates a new endpoint config starts the variant at the config's value
    endpoint = _endpoint(provisioned_concurrency=provisioned)
    with pytest.raises(
        ValueError,
        match=rf"endpoint.provisioned_concurrency must be from min_capacity \({low}\) to "
        rf"max_capacity \({high}\): each deploy that creates a new endpoint config starts the "
        rf"variant at this value, got {provisioned}",
    ):
        endpoint.auto_scale_provisioned_concurrency(min_capacity=low, max_capacity=high)


@pytest.mark.parametrize("provisioned", [2, 4])
def test_provisioned_concurrency_may_sit_on_either_end_of_the_range(provisioned: int) -> None:
    endpoint = _endpoint(provisioned_concurrency=provisioned)
    scaling = endpoint.auto_scale_provisioned_concurrency(min_capacity=2, max_capacity=4)
    assert scaling.min_capacity <= provisioned <= scaling.max_capacity


def test_fails_when_an_autoscaled_variant_is_named_at_deploy_time_only() -> None:
    # Renaming an autoscaled variant makes UpdateEndpoint fail; a token would hide the rename.
    stack = new_stack()
    endpoint = _endpoint(stack, variant_name=CfnParameter(stack, "Variant").value_as_string)
    with pytest.raises(
        ValueError,
        match=r"endpoint.variant_name must be a literal name when its provisioned concurrency "
        r"is autoscaled \(renaming an autoscaled variant makes UpdateEndpoint fail",
    ):
        endpoint.auto_scale_provisioned_concurrency(min_capacity=1, max_capacity=2)


def test_fails_when_autoscaling_is_set_up_twice() -> None:
    endpoint = _endpoint()
    endpoint.auto_scale_provisioned_concurrency(min_capacity=1, max_capacity=2)
    with pytest.raises(ValueError, match="called once per endpoint"):
        endpoint.auto_scale_provisioned_concurrency(min_capacity=1, max_capacity=3)
