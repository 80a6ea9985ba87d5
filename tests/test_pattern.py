"""ServerlessInference: the parts it composes, how each is turned off, and the keep-warm rule."""

from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Annotations, Match, Template

from serverless_inference import ContainerImage, ServerlessInference
from tests.cdk_helpers import linted_template, new_stack


def _pattern(**props: Any) -> tuple[ServerlessInference, Template]:
    stack = new_stack()
    pattern = ServerlessInference(
        stack, "Inference", image=ContainerImage.hugging_face_inference(), **props
    )
    return pattern, linted_template(stack)


@pytest.fixture(scope="module")
def full() -> tuple[ServerlessInference, Template]:
    return _pattern(api={"path": "classify"}, alarms={"dashboard": False})


def test_composes_endpoint_api_keep_warm_and_alarms(
    full: tuple[ServerlessInference, Template],
) -> None:
    pattern, template = full
    assert pattern.api is not None and pattern.keep_warm is not None and pattern.alarms is not None
    template.resource_count_is("AWS::SageMaker::Endpoint", 1)
    template.resource_count_is("AWS::ApiGateway::RestApi", 1)
    template.resource_count_is("AWS::Scheduler::Schedule", 1)
    template.has_resource_properties("AWS::ApiGateway::Resource", {"PathPart": "classify"})


def test_alarms_watch_the_api_and_the_keep_warm_of_the_pattern(
    full: tuple[ServerlessInference, Template],
) -> None:
    pattern, template = full
    assert pattern.alarms is not None
    assert {"api_5xx_error_rate", "keep_warm_failed_pings"} <= set(pattern.alarms.alarms)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"Namespace": "AWS/ApiGateway", "MetricName": "Latency"}
    )
    template.resource_count_is("AWS::CloudWatch::Dashboard", 0)


def test_optional_parts_can_be_turned_off() -> None:
    pattern, template = _pattern(api=False, keep_warm=False, alarms=False)
    assert (pattern.api, pattern.keep_warm, pattern.alarms) == (None, None, None)
    for resource_type in (
        "AWS::ApiGateway::RestApi",
        "AWS::Scheduler::Schedule",
        "AWS::Lambda::Function",
        "AWS::CloudWatch::Alarm",
        "AWS::SNS::Topic",
    ):
        template.resource_count_is(resource_type, 0)
    template.resource_count_is("AWS::SageMaker::Endpoint", 1)


def test_keep_warm_is_left_out_when_provisioned_concurrency_covers_it() -> None:
    pattern, template = _pattern(provisioned_concurrency=1, api=False, alarms=False)
    assert pattern.keep_warm is None
    template.resource_count_is("AWS::Scheduler::Schedule", 0)
    Annotations.from_stack(Stack.of(pattern)).has_info(
        "/TestStack/Inference",
        Match.string_like_regexp("KeepWarm left out: provisioned concurrency"),
    )


def test_keep_warm_stays_when_it_pings_more_environments_than_are_provisioned() -> None:
    pattern, _ = _pattern(
        provisioned_concurrency=1,
        max_concurrency=5,
        keep_warm={"concurrency": 2, "pre_warm_on_deploy": False},
        api=False,
        alarms=False,
    )
    assert pattern.keep_warm is not None


def test_unknown_part_props_are_refused() -> None:
    with pytest.raises(TypeError, match="throttle_rate"):
        _pattern(api={"throttle_rate": 10})
