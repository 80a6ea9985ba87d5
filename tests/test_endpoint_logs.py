"""The endpoint's log group: a retention, and deleted with the stack (CDK's LogRetention)."""

from typing import Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from serverless_inference import ContainerImage, ServerlessEndpoint
from tests.cdk_helpers import linted_template, logical_id, new_stack, resources_of_type

IMAGE_URI = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-model:1.0"
FUNCTION_TYPE = "AWS::Lambda::Function"


def _endpoint(stack: Stack, construct_id: str = "Endpoint", **props: Any) -> ServerlessEndpoint:
    return ServerlessEndpoint(
        stack, construct_id, image=ContainerImage.from_ecr_uri(IMAGE_URI), **props
    )


def _log_group_name(endpoint: ServerlessEndpoint) -> dict[str, Any]:
    return {
        "Fn::Join": [
            "",
            [
                "/aws/sagemaker/Endpoints/",
                {"Fn::GetAtt": [logical_id(endpoint.endpoint), "EndpointName"]},
            ],
        ]
    }


@pytest.fixture(scope="module")
def two_endpoints() -> tuple[list[ServerlessEndpoint], Template]:
    """Two endpoints in one stack, in an app checked by cdk-nag."""
    app = App()
    stack = Stack(app, "Logs")
    endpoints = [_endpoint(stack, "One"), _endpoint(stack, "Two")]
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on unacknowledged cdk-nag findings
    return endpoints, linted_template(stack)


def test_log_group_gets_a_month_of_retention_and_is_deleted_with_the_stack(
    two_endpoints: tuple[list[ServerlessEndpoint], Template],
) -> None:
    endpoints, template = two_endpoints
    retentions = resources_of_type(template, "Custom::LogRetention")
    assert sorted(
        (r["Properties"]["LogGroupName"]["Fn::Join"][1][1]["Fn::GetAtt"][0], r["Properties"])
        for r in retentions.values()
    ) == sorted(
        (
            logical_id(endpoint.endpoint),
            {
                "ServiceToken": {"Fn::GetAtt": [_function_id(template), "Arn"]},
                "LogGroupName": _log_group_name(endpoint),
                "RetentionInDays": 30,
                "RemovalPolicy": "destroy",
            },
        )
        for endpoint in endpoints
    )


def _function_id(template: Template) -> str:
    (function_id,) = resources_of_type(template, FUNCTION_TYPE)
    return function_id


def test_one_function_per_stack_may_delete_exactly_the_endpoints_log_groups(
    two_endpoints: tuple[list[ServerlessEndpoint], Template],
) -> None:
    endpoints, template = two_endpoints
    function = resources_of_type(template, FUNCTION_TYPE)[_function_id(template)]
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    (policy_id,) = [
        policy_id
        for policy_id, policy in resources_of_type(template, "AWS::IAM::Policy").items()
        if policy["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    # the policy must be in force before the first call; the role is ordered by its GetAtt
    assert function["DependsOn"] == [policy_id]
    statements = resources_of_type(template, "AWS::IAM::Policy")[policy_id]["Properties"][
        "PolicyDocument"
    ]["Statement"]
    deletes = [
        s["Resource"]["Fn::Join"] for s in statements if s["Action"] == "logs:DeleteLogGroup"
    ]
    # each endpoint's own group in this account and region, nothing else
    assert [parts[6:] for _, parts in deletes] == [
        [
            ":log-group:/aws/sagemaker/Endpoints/",
            {"Fn::GetAtt": [logical_id(endpoint.endpoint), "EndpointName"]},
            ":*",
        ]
        for endpoint in endpoints
    ]
    assert all(parts[:6] == LOGS_ARN_HEAD for _, parts in deletes)


PARTITION, REGION, ACCOUNT = (
    {"Ref": f"AWS::{name}"} for name in ("Partition", "Region", "AccountId")
)
LOGS_ARN_HEAD = ["arn:", PARTITION, ":logs:", REGION, ":", ACCOUNT]


def test_log_group_name_names_the_endpoint(
    two_endpoints: tuple[list[ServerlessEndpoint], Template],
) -> None:
    endpoints, _ = two_endpoints
    for endpoint in endpoints:
        assert Stack.of(endpoint).resolve(endpoint.log_group_name) == _log_group_name(endpoint)


@pytest.mark.parametrize(
    ("retention", "days"),
    [(logs.RetentionDays.ONE_WEEK, 7), (logs.RetentionDays.ONE_YEAR, 365)],
)
def test_retention_is_a_prop(retention: logs.RetentionDays, days: int) -> None:
    stack = new_stack()
    _endpoint(stack, log_retention=retention)
    linted_template(stack).has_resource_properties(
        "Custom::LogRetention", {"RetentionInDays": days, "RemovalPolicy": "destroy"}
    )


def test_infinite_retention_keeps_events_but_still_deletes_the_group_with_the_stack() -> None:
    stack = new_stack()
    _endpoint(stack, log_retention=logs.RetentionDays.INFINITE)
    (retention,) = resources_of_type(linted_template(stack), "Custom::LogRetention").values()
    assert "RetentionInDays" not in retention["Properties"]
    assert retention["Properties"]["RemovalPolicy"] == "destroy"


def test_no_retention_leaves_the_group_to_sagemaker() -> None:
    stack = new_stack()
    endpoint = _endpoint(stack, log_retention=None)
    template = linted_template(stack)
    assert endpoint.log_group_retention is None
    template.resource_count_is("Custom::LogRetention", 0)
    template.resource_count_is(FUNCTION_TYPE, 0)
