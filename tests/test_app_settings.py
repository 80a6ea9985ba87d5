"""The default app with the less common keys of each section set in cdk.json: each reaches the
construct it configures (synthesized, cdk-nag and cfn-lint clean)."""

from typing import Any

import pytest
from aws_cdk.assertions import Template

from stacks.inference_stack import InferenceStack
from tests.cdk_helpers import build_default_app, linted_template, logical_id, resources_of_type

SET = {
    "api.detailed_metrics": "true",
    "endpoint.log_retention_days": "90",
    "keep_warm.reserved_concurrency": "2",
}


def _dev(overrides: dict[str, Any]) -> tuple[InferenceStack, Template]:
    app, stacks = build_default_app({"env": "dev", **overrides})
    app.synth()  # raises on unacknowledged cdk-nag findings
    stack = stacks["dev"]
    assert isinstance(stack, InferenceStack)
    return stack, linted_template(stack)


@pytest.fixture(scope="module")
def configured() -> tuple[InferenceStack, Template]:
    return _dev(SET)


def test_api_detailed_metrics_turns_on_the_stages_per_method_metrics(
    configured: tuple[InferenceStack, Template],
) -> None:
    _, template = configured
    (stage,) = resources_of_type(template, "AWS::ApiGateway::Stage").values()
    for settings in stage["Properties"]["MethodSettings"]:  # the default and the route's
        assert settings["MetricsEnabled"] is True


def test_endpoint_log_retention_days_sets_the_endpoint_log_groups_retention(
    configured: tuple[InferenceStack, Template],
) -> None:
    stack, template = configured
    (retention,) = resources_of_type(template, "Custom::LogRetention").values()
    assert retention["Properties"]["RetentionInDays"] == 90
    group_name = retention["Properties"]["LogGroupName"]["Fn::Join"][1]
    assert group_name[0] == "/aws/sagemaker/Endpoints/"
    assert group_name[1] == {"Fn::GetAtt": [logical_id(stack.endpoint.endpoint), "EndpointName"]}


def test_keep_warm_reserved_concurrency_reserves_it_for_the_function(
    configured: tuple[InferenceStack, Template],
) -> None:
    stack, template = configured
    assert stack.keep_warm is not None
    function = resources_of_type(template, "AWS::Lambda::Function")[
        logical_id(stack.keep_warm.function)
    ]
    assert function["Properties"]["ReservedConcurrentExecutions"] == 2


def test_a_null_endpoint_log_retention_keeps_the_log_group_without_deleting_it(
    dev_template: Template,
) -> None:
    # GIVEN the default app deployed (30 days), WHEN endpoint.log_retention_days becomes null
    _, template = _dev({"endpoint.log_retention_days": "null"})
    thirty = resources_of_type(dev_template, "Custom::LogRetention")
    never = resources_of_type(template, "Custom::LogRetention")
    # THEN the same resource is updated (a removed one would delete the live group) ...
    assert list(never) == list(thirty)
    (logical,) = never
    assert thirty[logical]["Properties"]["RetentionInDays"] == 30
    assert thirty[logical]["Properties"]["RemovalPolicy"] == "destroy"
    # ... to never expire, and to keep the group when the stack or the endpoint goes
    assert "RetentionInDays" not in never[logical]["Properties"]
    assert never[logical]["Properties"]["RemovalPolicy"] == "retain"
