"""The endpoint's log group: a retention, and deleted with the stack (CDK's LogRetention)."""

import re
from typing import Any

import pytest
from aws_cdk import App, Stack, Validations
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Template
from cdk_nag import AwsSolutionsChecks

from serverless_inference import ContainerImage, ServerlessEndpoint
from tests.cdk_helpers import (
    linted_template,
    logical_id,
    new_stack,
    region_agnostic_arn,
    resources_of_type,
)

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


def _delete_log_group_resources(template: Template) -> list[Any]:
    """The ``Resource`` of every statement of the retention function's role that allows
    ``logs:DeleteLogGroup``, after checking the function waits for that policy."""
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
    return [s["Resource"] for s in statements if s["Action"] == "logs:DeleteLogGroup"]


def test_one_function_per_stack_may_delete_the_endpoint_log_groups_by_prefix(
    two_endpoints: tuple[list[ServerlessEndpoint], Template],
) -> None:
    _, template = two_endpoints
    # one statement for both endpoints: every endpoint log group of this account and region,
    # and no resource that names one endpoint (GetAtt EndpointName)
    assert _delete_log_group_resources(template) == [
        region_agnostic_arn("logs", "log-group:/aws/sagemaker/Endpoints/*")
    ]


PSEUDO = {"AWS::Partition": "aws", "AWS::Region": "eu-west-1", "AWS::AccountId": "123456789012"}


def _render(value: Any, attributes: dict[tuple[str, str], str]) -> str:
    """A template value as CloudFormation resolves it, given the pseudo parameters of
    ``PSEUDO`` and the ``Fn::GetAtt`` values of ``attributes``."""
    if isinstance(value, str):
        return value
    if "Ref" in value:
        return PSEUDO[value["Ref"]]
    if "Fn::GetAtt" in value:
        return attributes[tuple(value["Fn::GetAtt"])]
    delimiter, parts = value["Fn::Join"]
    return str(delimiter).join(_render(part, attributes) for part in parts)


def _iam_matches(pattern: str, arn: str) -> bool:
    """IAM's ``Resource`` matching: ``*`` any characters, ``?`` one, case-sensitive."""
    regex = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.fullmatch(regex, arn) is not None


def _named_endpoint_template(name: str) -> tuple[ServerlessEndpoint, Template]:
    stack = new_stack()
    return _endpoint(stack, endpoint_name=name), linted_template(stack)


@pytest.mark.parametrize("group_arn_suffix", ["", ":*"])
def test_a_replaced_endpoints_old_log_group_may_be_deleted_with_the_new_policy(
    group_arn_suffix: str,
) -> None:
    # GIVEN the stack deployed with endpoint "a", then updated to endpoint "b": CloudFormation
    # sends the Delete for group "a" in the cleanup phase, when the policy of "b" is in force
    _, template_a = _named_endpoint_template("a")
    endpoint_b, template_b = _named_endpoint_template("b")
    old_group = _render(
        resources_of_type(template_a, "Custom::LogRetention").popitem()[1]["Properties"][
            "LogGroupName"
        ],
        {(logical_id(endpoint_b.endpoint), "EndpointName"): "a"},
    )
    arn = f"arn:aws:logs:eu-west-1:123456789012:log-group:{old_group}{group_arn_suffix}"
    allowed = [
        _render(resource, {(logical_id(endpoint_b.endpoint), "EndpointName"): "b"})
        for resource in _delete_log_group_resources(template_b)
    ]
    # THEN the retention function of "b" may delete group "a"
    assert old_group == "/aws/sagemaker/Endpoints/a"
    assert any(_iam_matches(pattern, arn) for pattern in allowed), allowed
    # and no other account's, region's or service's groups
    for other in (
        arn.replace("123456789012", "210987654321"),
        arn.replace("eu-west-1", "us-east-1"),
        arn.replace("/aws/sagemaker/Endpoints/", "/aws/lambda/"),
    ):
        assert not any(_iam_matches(pattern, other) for pattern in allowed)


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


def test_no_retention_keeps_the_same_resource_never_expiring_and_retained() -> None:
    # A deployed endpoint switched from a retention to None: removing the retention resource
    # would make CloudFormation delete it, and its handler the group. The same resource (same
    # logical id) is updated instead: no expiry, and kept on deletion.
    templates = {}
    for retention in (logs.RetentionDays.ONE_MONTH, None):
        stack = new_stack()
        endpoint = _endpoint(stack, log_retention=retention)
        templates[retention] = resources_of_type(linted_template(stack), "Custom::LogRetention")
        assert logical_id(endpoint.log_group_retention) in templates[retention]
    month, never = (templates[r] for r in (logs.RetentionDays.ONE_MONTH, None))
    assert list(month) == list(never)
    (properties,) = (resource["Properties"] for resource in never.values())
    assert "RetentionInDays" not in properties
    assert properties["RemovalPolicy"] == "retain"
    assert properties["LogGroupName"] == next(iter(month.values()))["Properties"]["LogGroupName"]
