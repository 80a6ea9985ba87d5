"""ModelFanOut and InferenceApi.add_fan_out: the function, its exact grants, the route (Lambda
proxy, permission scoped to the method, throttle of its own, CORS), redeployment, and every
bad prop."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pytest
from aws_cdk import App, Duration, Stack
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match, Template

from serverless_inference import (
    ApiAuth,
    ContainerImage,
    InferenceApi,
    ModelFanOut,
    ServerlessEndpoint,
    nag,
)
from serverless_inference_runtime.fan_out import contract
from tests.cdk_helpers import linted_template, logical_id, new_stack
from tests.test_api_nag import cdk_nag_findings

CONCURRENCY = {"sentiment": 2, "entities": 3, "topic": 4}
ORIGIN = "https://app.example.com"


@dataclass
class Built:
    stack: Stack
    endpoints: dict[str, ServerlessEndpoint]
    api: InferenceApi
    fan_out: ModelFanOut
    lint: bool

    @cached_property
    def template(self) -> Template:
        """The stack's template (linted unless built with ``lint=False``); synthesizes."""
        return linted_template(self.stack) if self.lint else Template.from_stack(self.stack)

    def resources(self, resource_type: str) -> dict[str, Any]:
        return dict(self.template.find_resources(resource_type))


def endpoints_in(stack: Stack) -> dict[str, ServerlessEndpoint]:
    image = ContainerImage.hugging_face_inference()
    return {
        name: ServerlessEndpoint(stack, name.capitalize(), image=image, max_concurrency=c)
        for name, c in CONCURRENCY.items()
    }


def build(
    stack: Stack | None = None,
    *,
    fan_out_id: str = "Ticket",
    path: str = "ticket",
    lint: bool = True,
    **api_options: Any,
) -> Built:
    stack = stack if stack is not None else new_stack()
    endpoints = endpoints_in(stack)
    api = InferenceApi(
        stack, "Api", endpoint=endpoints["sentiment"], path="sentiment", **api_options
    )
    fan_out = ModelFanOut(
        stack,
        fan_out_id,
        required={"sentiment": endpoints["sentiment"], "entities": endpoints["entities"]},
        optional={"topic": endpoints["topic"]},
    )
    api.add_fan_out(path, fan_out)
    return Built(stack, endpoints, api, fan_out, lint)


@pytest.fixture(scope="module")
def built() -> Built:
    return build(cors_allow_origin=ORIGIN)


# --- the function --------------------------------------------------------------------------


def test_the_function_runs_the_fan_out_handler_with_its_members(built: Built) -> None:
    (function,) = [
        r["Properties"]
        for r in built.resources("AWS::Lambda::Function").values()
        if r["Properties"].get("Handler") == contract.HANDLER
    ]
    assert function["Runtime"] == "python3.14"
    assert function["MemorySize"] == 512
    assert function["Timeout"] == 27  # the 25 s deadline + 2 s
    variables = function["Environment"]["Variables"]
    assert (variables["DEADLINE_SECONDS"], variables["MEMBER_TIMEOUT_SECONDS"]) == ("25", "25")
    # the route's integration timeout: the answer leaves before API Gateway gives up
    assert variables[contract.ENV_INTEGRATION_TIMEOUT] == "29"
    resolved = variables[contract.ENV_MEMBERS]["Fn::Join"][1]
    text = "".join(
        part if isinstance(part, str) else "<" + part["Fn::GetAtt"][0] + ">" for part in resolved
    )
    assert json.loads(text) == [
        {
            "name": name,
            "endpoint": f"<{logical_id(built.endpoints[name])}>",
            "required": name != "topic",
        }
        for name in ("sentiment", "entities", "topic")
    ]
    assert json.loads(variables[contract.ENV_RESPONSE_HEADERS])["Access-Control-Allow-Origin"] == (
        ORIGIN
    )


def test_the_function_logs_to_its_own_group_with_a_retention(built: Built) -> None:
    group_id = logical_id(built.fan_out.log_group)
    group = built.resources("AWS::Logs::LogGroup")[group_id]
    assert group["Properties"]["RetentionInDays"] == 30
    assert group["DeletionPolicy"] == "Delete"
    built.template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Handler": contract.HANDLER, "LoggingConfig": {"LogGroup": {"Ref": group_id}}},
    )


def test_the_role_may_invoke_exactly_the_members_and_write_its_logs(built: Built) -> None:
    role_id = logical_id(built.fan_out.role)
    role = built.resources("AWS::IAM::Role")[role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
        }
    ]
    assert "ManagedPolicyArns" not in role and "Policies" not in role
    policies = [
        p["Properties"]
        for p in built.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
    ]
    (policy,) = policies
    statements = policy["PolicyDocument"]["Statement"]
    assert statements == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [logical_id(built.fan_out.log_group), "Arn"]},
        },
        *[
            {
                "Action": "sagemaker:InvokeEndpoint",
                "Effect": "Allow",
                "Resource": {"Ref": logical_id(built.endpoints[name])},
            }
            for name in ("sentiment", "entities", "topic")
        ],
    ]
    assert "*" not in json.dumps(statements)


def test_the_function_starts_after_its_policy(built: Built) -> None:
    function_id = logical_id(built.fan_out.function)
    depends = built.template.to_json()["Resources"][function_id]["DependsOn"]
    assert depends == [logical_id(built.fan_out.role.node.find_child("DefaultPolicy"))]


def test_a_fan_out_passes_cdk_nag_without_acknowledgments() -> None:
    app = App()
    stack = Stack(app, "TestStack")
    built = build(stack, lint=False)
    for rule in ("AwsSolutions-APIG3", "AwsSolutions-COG4"):  # the app's choices
        nag.acknowledge(built.api, rule, "deployment choice, outside this test")
    assert cdk_nag_findings(app) == set()


# --- the route -----------------------------------------------------------------------------


def test_the_route_is_a_lambda_proxy_with_the_apis_auth_and_validation(built: Built) -> None:
    built.template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "HttpMethod": "POST",
            "ResourceId": {"Ref": Match.string_like_regexp("^Apiticket")},
            "AuthorizationType": "AWS_IAM",
            "RequestValidatorId": {"Ref": logical_id(built.api.request_validator)},
            "Integration": {
                "Type": "AWS_PROXY",
                "IntegrationHttpMethod": "POST",
                "TimeoutInMillis": 29000,
                "Uri": {
                    "Fn::Join": [
                        "",
                        Match.array_with(
                            [{"Fn::GetAtt": [logical_id(built.fan_out.function), "Arn"]}]
                        ),
                    ]
                },
            },
        },
    )
    assert built.fan_out.route_url is not None
    assert built.api.route_urls["ticket"] == built.fan_out.route_url


def test_api_gateway_may_invoke_the_function_through_this_method_and_stage_only(
    built: Built,
) -> None:
    function = {"Fn::GetAtt": [logical_id(built.fan_out.function), "Arn"]}
    permissions = [
        p["Properties"]
        for p in built.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["FunctionName"] == function
    ]
    (permission,) = permissions  # no test-invoke permission either
    assert permission["Principal"] == "apigateway.amazonaws.com"
    assert permission["Action"] == "lambda:InvokeFunction"
    parts = permission["SourceArn"]["Fn::Join"][1]
    assert parts[-4:] == [
        {"Ref": logical_id(built.api.rest_api)},
        "/",
        {"Ref": logical_id(built.api.stage)},
        "/POST/ticket",
    ]


def test_the_route_is_throttled_by_its_smallest_member(built: Built) -> None:
    smallest = min(CONCURRENCY.values())
    stage = built.resources("AWS::ApiGateway::Stage")[logical_id(built.api.stage)]
    settings = stage["Properties"]["MethodSettings"]
    assert settings[2] == {
        "ResourcePath": "/~1ticket",
        "HttpMethod": "POST",
        "ThrottlingRateLimit": 2 * smallest,
        "ThrottlingBurstLimit": smallest,
        "LoggingLevel": "ERROR",
        "MetricsEnabled": False,
        "DataTraceEnabled": False,
    }
    assert built.api.route_throttles["ticket"] == (2.0 * smallest, smallest)
    # the stage-wide default is the smallest route's
    assert settings[0]["ResourcePath"] == "/*" and settings[0]["ThrottlingBurstLimit"] == 2


def test_the_routes_execution_logs_go_to_the_stages_group_of_the_stack(built: Built) -> None:
    """The route's own method setting logs errors too: API Gateway writes them to the stage's
    ``API-Gateway-Execution-Logs_<api id>/<stage>``, which the stack creates before the stage
    and deletes with it."""
    stage = built.resources("AWS::ApiGateway::Stage")[logical_id(built.api.stage)]
    (route,) = [
        s for s in stage["Properties"]["MethodSettings"] if s["ResourcePath"] == "/~1ticket"
    ]
    assert route["LoggingLevel"] == "ERROR"
    group_id = logical_id(built.api.execution_log_group)
    group = built.resources("AWS::Logs::LogGroup")[group_id]
    assert group["Properties"]["LogGroupName"] == {
        "Fn::Join": [
            "",
            ["API-Gateway-Execution-Logs_", {"Ref": logical_id(built.api.rest_api)}, "/v1"],
        ]
    }
    assert group["DeletionPolicy"] == "Delete"
    assert group_id in stage["DependsOn"]


def test_the_routes_preflight_allows_browser_sigv4_headers(built: Built) -> None:
    (preflight,) = [
        m["Properties"]
        for m in built.resources("AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "OPTIONS"
        and m["Properties"]["ResourceId"]["Ref"].startswith("Apiticket")
    ]
    headers = preflight["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
    allowed = headers["method.response.header.Access-Control-Allow-Headers"].strip("'")
    assert {"X-Amz-Content-Sha256", "X-Amz-User-Agent"} <= set(allowed.split(","))


def test_an_explicit_stage_throttle_caps_the_route_and_nested_paths_are_encoded() -> None:
    built = build(path="support/ticket", throttle_rate_limit=3, throttle_burst_limit=1)
    (stage,) = built.resources("AWS::ApiGateway::Stage").values()
    setting = stage["Properties"]["MethodSettings"][2]
    assert setting["ResourcePath"] == "/~1support~1ticket"
    assert (setting["ThrottlingRateLimit"], setting["ThrottlingBurstLimit"]) == (3, 1)


def test_a_second_fan_out_gets_a_setting_of_its_own() -> None:
    stack = new_stack()
    built = build(stack, lint=False)
    other = ModelFanOut(
        stack,
        "Other",
        required={"entities": built.endpoints["entities"], "topic": built.endpoints["topic"]},
    )
    built.api.add_fan_out("other", other)
    (stage,) = Template.from_stack(stack).find_resources("AWS::ApiGateway::Stage").values()
    paths = [s["ResourcePath"] for s in stage["Properties"]["MethodSettings"]]
    assert paths == ["/*", "/~1sentiment", "/~1ticket", "/~1other"]


def test_cors_adds_a_preflight_and_no_headers_without_it(built: Built) -> None:
    built.template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {"HttpMethod": "OPTIONS", "ResourceId": {"Ref": Match.string_like_regexp("^Apiticket")}},
    )
    without = build()
    variables = [
        r["Properties"]["Environment"]["Variables"]
        for r in without.resources("AWS::Lambda::Function").values()
        if r["Properties"].get("Handler") == contract.HANDLER
    ]
    assert [contract.ENV_RESPONSE_HEADERS in v for v in variables] == [False]


def test_the_route_takes_the_apis_api_key_auth() -> None:
    built = build(auth=ApiAuth.api_key(), lint=False)
    built.template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "HttpMethod": "POST",
            "ResourceId": {"Ref": Match.string_like_regexp("^Apiticket")},
            "ApiKeyRequired": True,
            "AuthorizationType": "NONE",
        },
    )


# --- redeployment --------------------------------------------------------------------------


def _stage_deployment(**kwargs: Any) -> str:
    built = build(lint=False, **kwargs)
    (stage,) = built.resources("AWS::ApiGateway::Stage").values()
    return str(stage["Properties"]["DeploymentId"]["Ref"])


def test_the_deployment_changes_with_the_route_and_its_function() -> None:
    base = _stage_deployment()
    assert base == _stage_deployment()
    assert base != _stage_deployment(path="tickets")
    assert base != _stage_deployment(fan_out_id="TicketV2")  # a new function


# --- bad props -----------------------------------------------------------------------------


def _fan_out(**props: Any) -> ModelFanOut:
    """A fan-out over sentiment (required) and topic (optional) with ``props``; a prop's
    value ``"<name>"`` stands for that endpoint."""
    stack = new_stack()
    endpoints = endpoints_in(stack)
    members = {
        "required": {"sentiment": endpoints["sentiment"]},
        "optional": {"topic": endpoints["topic"]},
    }

    def resolved(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: resolved(item) for key, item in value.items()}
        if isinstance(value, str) and value.startswith("<"):
            return endpoints[value.strip("<>")]
        return value

    return ModelFanOut(stack, "Ticket", **{**members, **resolved(props)})


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"optional": None},
            "required must be 2 to 10 members across required and optional (a fan-out over one "
            "model is its own route: InferenceApi.add_endpoint), got '1 member(s): sentiment'",
        ),
        (
            {"optional": {"1topic": "<topic>"}},
            "optional must be member names matching ^[A-Za-z][A-Za-z0-9_-]{0,63}$",
        ),
        (
            {"member_timeout": Duration.seconds(30), "deadline": Duration.seconds(20)},
            "member_timeout must be at most the deadline (20 s), got '30 s'",
        ),
        (
            {"member_timeout": Duration.seconds(61), "deadline": Duration.seconds(50)},
            "member_timeout must be from 100 ms to 60 s",
        ),
        (
            {"deadline": Duration.seconds(59)},
            "deadline must be from 100 ms to 58 s (the function, 2 s longer, must answer within "
            "API Gateway's longest integration timeout, 60 s), got '59 s'",
        ),
        ({"memory_size_mb": 64}, "memory_size_mb must be a whole number from 128 to 10240"),
        ({"timeout": Duration.seconds(1)}, "timeout is not a known prop; known props: deadline,"),
    ],
)
def test_fails_when_a_prop_is_invalid(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _fan_out(**props)


def test_fails_when_a_member_is_both_required_and_optional() -> None:
    stack = new_stack()
    endpoints = endpoints_in(stack)
    with pytest.raises(
        ValueError, match=re.escape("optional must be names that are not required members too")
    ):
        ModelFanOut(
            stack,
            "Ticket",
            required={"sentiment": endpoints["sentiment"], "topic": endpoints["topic"]},
            optional={"topic": endpoints["topic"]},
        )


def test_fails_when_one_endpoint_is_two_members() -> None:
    stack = new_stack()
    endpoints = endpoints_in(stack)
    imported = ServerlessEndpoint.from_endpoint_attributes(
        stack, "Imported", endpoint_name="shared", max_concurrency=2, memory_size_mb=1024
    )
    again = ServerlessEndpoint.from_endpoint_attributes(
        stack, "Again", endpoint_name="shared", max_concurrency=2, memory_size_mb=1024
    )
    for members in (
        {"a": endpoints["sentiment"], "b": endpoints["sentiment"]},
        {"a": imported, "b": again},
    ):
        with pytest.raises(ValueError, match="b must be an endpoint of its own, got 'the endpoint"):
            ModelFanOut(stack, f"F{len(stack.node.children)}", required=members)


def test_fails_when_the_api_cannot_wait_for_the_deadline() -> None:
    stack = new_stack()
    endpoints = endpoints_in(stack)
    api = InferenceApi(
        stack, "Api", endpoint=endpoints["sentiment"], integration_timeout=Duration.seconds(10)
    )
    fan_out = ModelFanOut(
        stack, "Ticket", required={"a": endpoints["entities"], "b": endpoints["topic"]}
    )
    with pytest.raises(
        ValueError,
        match=re.escape(
            "deadline must be at most 8 s: the function may run 27 s (the deadline rounded up "
            "plus 2 s), longer than the API's integration_timeout (10 s)"
        ),
    ):
        api.add_fan_out("ticket", fan_out)
    fits = ModelFanOut(
        stack,
        "Fits",
        required={"a": endpoints["entities"], "b": endpoints["topic"]},
        deadline=Duration.seconds(8),
    )
    api.add_fan_out("ticket", fits)
    assert fits.function_timeout.to_seconds() == 10


def test_fails_when_a_route_exists_or_the_fan_out_has_one() -> None:
    built = build(lint=False)
    with pytest.raises(ValueError, match=re.escape("path must be a route not added yet")):
        built.api.add_fan_out("sentiment", built.fan_out)
    with pytest.raises(
        ValueError, match=re.escape("fan_out must be a ModelFanOut without a route")
    ):
        built.api.add_fan_out("again", built.fan_out)


def test_log_retention_is_a_prop() -> None:
    fan_out = _fan_out(log_retention=logs.RetentionDays.ONE_WEEK)
    Template.from_stack(Stack.of(fan_out)).has_resource_properties(
        "AWS::Logs::LogGroup", {"RetentionInDays": 7}
    )
