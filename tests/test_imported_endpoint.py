"""An endpoint defined elsewhere: imported by attributes, then fronted, warmed, scaled and
alarmed like one built here; and both kinds work where aws-cdk-lib takes an ``IEndpoint``."""

import json
import re
from dataclasses import dataclass
from typing import Any

import pytest
from aws_cdk import App, CfnParameter, Stack, Validations
from aws_cdk import aws_apigateway as apigw
from aws_cdk.assertions import Annotations, Match, Template
from cdk_nag import AwsSolutionsChecks

from serverless_inference import (
    ContainerImage,
    EndpointAlarms,
    InferenceApi,
    IServerlessEndpoint,
    KeepWarm,
    ProvisionedConcurrencyScaling,
    ServerlessEndpoint,
    nag,
)
from tests.cdk_helpers import (
    linted_template,
    logical_id,
    new_stack,
    region_agnostic_arn,
    resources_of_type,
)

NAME = "shared-sentiment"
ARN = region_agnostic_arn("sagemaker", f"endpoint/{NAME}")
"""The endpoint's ARN as the consumer stack's policies must name it."""
INVOKE = {"Action": "sagemaker:InvokeEndpoint", "Effect": "Allow", "Resource": ARN}


def _import(scope: Stack, **attributes: Any) -> IServerlessEndpoint:
    attributes.setdefault("endpoint_name", NAME)
    attributes.setdefault("max_concurrency", 6)
    attributes.setdefault("memory_size_mb", 3072)
    return ServerlessEndpoint.from_endpoint_attributes(scope, "Shared", **attributes)


@dataclass(frozen=True)
class Consumer:
    """The producer's endpoint imported by name into a second stack that fronts, warms, scales
    and alarms it; the app ran cdk-nag."""

    app: App
    producer: Stack
    stack: Stack
    endpoint: IServerlessEndpoint
    api: InferenceApi
    keep_warm: KeepWarm
    template: Template


@pytest.fixture(scope="module")
def consumer() -> Consumer:
    app = App()
    producer = Stack(app, "Producer")
    ServerlessEndpoint(
        producer,
        "Endpoint",
        image=ContainerImage.hugging_face_inference(),
        endpoint_name=NAME,
        memory_size_mb=3072,
        max_concurrency=6,
        provisioned_concurrency=2,
    )
    stack = Stack(app, "Consumer")
    endpoint = _import(stack, provisioned_concurrency=2)
    api = InferenceApi(stack, "Api", endpoint=endpoint)
    keep_warm = KeepWarm(stack, "KeepWarm", endpoint=endpoint, concurrency=3)
    scaling = ProvisionedConcurrencyScaling(
        stack, "Scaling", endpoint=endpoint, min_capacity=1, max_capacity=4
    )
    scaling.scale_on_utilization()
    EndpointAlarms(stack, "Alarms", endpoint=endpoint, api=api, keep_warm=keep_warm)
    # The library leaves these two to the app, as stacks/inference_stack.py does.
    nag.acknowledge(api, "AwsSolutions-APIG3", "a test API: no WAF web ACL to associate")
    nag.acknowledge(api, "AwsSolutions-COG4", "a test API: IAM (SigV4) auth, no user pool")
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on unacknowledged cdk-nag findings
    return Consumer(app, producer, stack, endpoint, api, keep_warm, linted_template(stack))


def _policy_statements(template: Template, role_logical_id: str) -> list[Any]:
    statements: list[Any] = []
    for policy in resources_of_type(template, "AWS::IAM::Policy").values():
        roles = policy["Properties"]["Roles"]
        if {"Ref": role_logical_id} in roles:
            statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def test_the_import_creates_no_sagemaker_resource_and_references_no_other_stack(
    consumer: Consumer,
) -> None:
    resources = consumer.template.to_json()["Resources"].values()
    assert not [r for r in resources if r["Type"].startswith("AWS::SageMaker::")]
    assert "Fn::ImportValue" not in str(consumer.template.to_json())
    assert Template.from_stack(consumer.producer).to_json().get("Outputs") is None


def test_the_api_invokes_exactly_the_imported_endpoint(consumer: Consumer) -> None:
    role_id = logical_id(consumer.api.role)
    assert _policy_statements(consumer.template, role_id) == [INVOKE]
    (method,) = [
        m
        for m in resources_of_type(consumer.template, "AWS::ApiGateway::Method").values()
        if m["Properties"]["HttpMethod"] == "POST"
    ]
    uri = consumer.stack.resolve(method["Properties"]["Integration"]["Uri"])
    assert uri["Fn::Join"][1][-1] == f":runtime.sagemaker:path/endpoints/{NAME}/invocations"


def test_the_api_throttle_follows_the_imported_max_concurrency(consumer: Consumer) -> None:
    consumer.template.has_resource_properties(
        "AWS::ApiGateway::Stage",
        {
            "MethodSettings": Match.array_with(
                [Match.object_like({"ThrottlingRateLimit": 12, "ThrottlingBurstLimit": 6})]
            )
        },
    )


def test_the_keep_warm_function_pings_exactly_the_imported_endpoint(consumer: Consumer) -> None:
    role_id = logical_id(consumer.keep_warm.role)
    assert INVOKE in _policy_statements(consumer.template, role_id)
    consumer.template.has_resource_properties(
        "AWS::Lambda::Function",
        {"Environment": {"Variables": Match.object_like({"ENDPOINT_NAME": NAME})}},
    )


def test_no_pre_warm_for_an_endpoint_this_stack_does_not_deploy(consumer: Consumer) -> None:
    assert consumer.keep_warm.pre_warm is None
    consumer.template.resource_count_is("Custom::Trigger", 0)
    Annotations.from_stack(consumer.stack).has_info(
        "/Consumer/KeepWarm",
        Match.string_like_regexp("no pre-warm on deploy: the endpoint is not defined"),
    )


def test_the_imported_variant_is_scaled(consumer: Consumer) -> None:
    consumer.template.has_resource_properties(
        "AWS::ApplicationAutoScaling::ScalableTarget",
        {
            "ResourceId": f"endpoint/{NAME}/variant/AllTraffic",
            "ScalableDimension": "sagemaker:variant:DesiredProvisionedConcurrency",
            "MinCapacity": 1,
            "MaxCapacity": 4,
        },
    )
    consumer.template.resource_count_is("AWS::ApplicationAutoScaling::ScalingPolicy", 1)


def test_the_imported_endpoint_is_alarmed_with_its_own_settings(consumer: Consumer) -> None:
    alarms = resources_of_type(consumer.template, "AWS::CloudWatch::Alarm").values()
    names = {consumer.stack.resolve(a["Properties"]["AlarmName"]) for a in alarms}
    # provisioned concurrency given: its two alarms; 3072 MB: the right-sizing alarm
    assert {
        "Consumer-provisioned_concurrency_spillover",
        "Consumer-provisioned_concurrency_utilization_low",
        "Consumer-memory_utilization_low",
        "Consumer-api_latency",
        "Consumer-keep_warm_failed_pings",
    } <= names
    consumer.template.has_resource_properties(
        "AWS::CloudWatch::Alarm",
        {
            "MetricName": "ModelLatency",
            "Dimensions": [
                {"Name": "EndpointName", "Value": NAME},
                {"Name": "VariantName", "Value": "AllTraffic"},
            ],
        },
    )


# --- the ARN ---------------------------------------------------------------------------------


def test_the_arn_holds_the_name_lowercased_as_sagemaker_writes_it() -> None:
    stack = new_stack()
    endpoint = _import(stack, endpoint_name="Shared-Sentiment")
    assert stack.resolve(endpoint.endpoint_arn) == ARN
    assert stack.resolve(endpoint.endpoint_ref.endpoint_arn) == ARN
    assert endpoint.endpoint_name == "Shared-Sentiment"


def test_a_name_known_only_at_deploy_time_goes_into_the_arn_as_it_is() -> None:
    stack = new_stack()
    name = CfnParameter(stack, "EndpointName").value_as_string
    endpoint = _import(stack, endpoint_name=name)
    arn = stack.resolve(endpoint.endpoint_arn)
    assert arn["Fn::Join"][1][-1] == {"Ref": "EndpointName"}
    assert arn["Fn::Join"][1][-2] == ":endpoint/"


def test_an_api_deployment_follows_the_imported_name() -> None:
    def deployment_id(name: str) -> str:
        stack = new_stack()
        InferenceApi(stack, "Api", endpoint=_import(stack, endpoint_name=name))
        (deployment,) = resources_of_type(Template.from_stack(stack), "AWS::ApiGateway::Deployment")
        return deployment

    assert deployment_id("blue") != deployment_id("green")


# --- aws-cdk-lib's IEndpoint -----------------------------------------------------------------


@pytest.mark.parametrize("kind", ["built here", "imported"])
def test_aws_cdk_libs_sagemaker_integration_takes_either_endpoint(kind: str) -> None:
    stack = new_stack()
    endpoint: IServerlessEndpoint = (
        ServerlessEndpoint(
            stack, "Endpoint", image=ContainerImage.hugging_face_inference(), endpoint_name=NAME
        )
        if kind == "built here"
        else _import(stack)
    )
    api = apigw.RestApi(stack, "Raw")
    api.root.add_method("POST", apigw.SagemakerIntegration(endpoint))
    template = Template.from_stack(stack)
    (method,) = resources_of_type(template, "AWS::ApiGateway::Method").values()
    parts = stack.resolve(method["Properties"]["Integration"]["Uri"])["Fn::Join"][1]
    uri = "".join(part if isinstance(part, str) else json.dumps(part) for part in parts)
    name = (
        json.dumps({"Fn::GetAtt": [logical_id(endpoint), "EndpointName"]})
        if kind == "built here"
        else NAME
    )
    assert uri.endswith(f":runtime.sagemaker:path/endpoints/{name}/invocations")
    # aws-cdk-lib's integration calls grant_invoke: its role may invoke this endpoint only
    (role,) = [c for c in api.node.find_all() if c.node.id == "SagemakerRole"]
    assert _policy_statements(template, logical_id(role)) == [
        {
            "Action": "sagemaker:InvokeEndpoint",
            "Effect": "Allow",
            "Resource": stack.resolve(endpoint.endpoint_arn),
        }
    ]


# --- validation ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({"memory_size_mb": 1500}, "memory_size_mb must be one of 1024, 2048"),
        ({"max_concurrency": 0}, "max_concurrency must be a whole number from 1 to 200, got 0"),
        (
            {"provisioned_concurrency": 7},
            "provisioned_concurrency must be at most max_concurrency (6), got 7",
        ),
        ({"endpoint_name": "shared_sentiment"}, "endpoint_name must be at most 63 characters"),
        ({"endpoint_name": "x" * 64}, "endpoint_name must be at most 63 characters"),
        ({"variant_name": "All Traffic"}, "variant_name must be at most 63 characters"),
    ],
)
def test_fails_when_an_attribute_is_invalid(attributes: dict[str, Any], message: str) -> None:
    with pytest.raises(
        ValueError,
        match=r"Invalid ServerlessEndpoint\.from_endpoint_attributes props:\n(.*\n)*.*"
        + re.escape(message),
    ):
        _import(new_stack(), **attributes)


def test_fails_to_scale_an_import_without_its_provisioned_concurrency() -> None:
    stack = new_stack()
    endpoint = _import(stack)
    with pytest.raises(
        ValueError,
        match=re.escape(
            "endpoint.provisioned_concurrency must be set: only provisioned concurrency can be "
            "autoscaled (for an imported endpoint, pass its provisioned_concurrency to "
            "from_endpoint_attributes), got None"
        ),
    ):
        ProvisionedConcurrencyScaling(
            stack, "Scaling", endpoint=endpoint, min_capacity=1, max_capacity=2
        )


# --- a ServerlessEndpoint of another stack of the app -------------------------------------------


def test_an_endpoint_of_another_stack_is_fronted_and_warmed_without_a_pre_warm() -> None:
    app = App()
    producer = Stack(app, "Producer")
    endpoint = ServerlessEndpoint(
        producer, "Endpoint", image=ContainerImage.hugging_face_inference()
    )
    consumer = Stack(app, "Consumer")
    InferenceApi(consumer, "Api", endpoint=endpoint)
    keep_warm = KeepWarm(consumer, "KeepWarm", endpoint=endpoint)
    template = Template.from_stack(consumer)
    # no trigger: it would reference the producer's endpoint config, whose export would then
    # block every update that replaces the config
    assert keep_warm.pre_warm is None
    template.resource_count_is("Custom::Trigger", 0)
    imports = [
        value["Fn::ImportValue"]
        for value in _values(template.to_json())
        if isinstance(value, dict) and "Fn::ImportValue" in value
    ]
    # the endpoint's name (route, pings, metrics) and ARN (grants), never its config
    assert {name.split("Endpoint", 1)[0] for name in imports} == {
        "Producer:ExportsOutputFnGetAtt",
        "Producer:ExportsOutputRef",
    }
    assert not [name for name in imports if "EndpointConfig" in name]


def _values(node: Any) -> list[Any]:
    """Every dict and list nested in ``node``, ``node`` included."""
    found = [node]
    children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else []
    for child in children:
        found.extend(_values(child))
    return found
