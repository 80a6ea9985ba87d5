"""ServerlessEndpoint: resources, least-privilege role, grants, metrics and validation."""

from typing import Any

import pytest
from aws_cdk import App, CfnParameter, Duration, Environment, Stack, Token
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Match, Template
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from serverless_inference import ContainerImage, ModelData, ServerlessEndpoint
from serverless_inference_runtime.limits import MEMORY_SIZES_MB
from tests.cdk_helpers import (
    linted_template,
    logical_id,
    new_stack,
    region_agnostic_arn,
    resources_of_type,
)

IMAGE_URI = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/my-model:1.0"
ENDPOINT_DEPLOYMENT_PROPS = (
    "DeploymentConfig",
    "ExcludeRetainedVariantProperties",
    "RetainAllVariantProperties",
    "RetainDeploymentConfig",
)
"""Settings of how ``UpdateEndpoint`` deploys a new config (the library sets none)."""


def _endpoint(**props: Any) -> ServerlessEndpoint:
    stack = new_stack()
    props.setdefault("image", ContainerImage.from_ecr_uri(IMAGE_URI))
    return ServerlessEndpoint(stack, "Endpoint", **props)


def _role_policies(template: Template, role: iam.IRole) -> dict[str, Any]:
    """The policies attached to ``role`` (the stack also holds the log retention function's)."""
    return {
        policy_id: policy
        for policy_id, policy in resources_of_type(template, "AWS::IAM::Policy").items()
        if {"Ref": logical_id(role)} in policy["Properties"]["Roles"]
    }


def _policy_statements(template: Template, role: iam.IRole) -> list[dict[str, Any]]:
    statements: list[dict[str, Any]] = []
    for policy in _role_policies(template, role).values():
        statements.extend(policy["Properties"]["PolicyDocument"]["Statement"])
    return statements


def _actions(statement: dict[str, Any]) -> list[str]:
    action = statement["Action"]
    return action if isinstance(action, list) else [action]


@pytest.fixture(scope="module")
def full() -> tuple[ServerlessEndpoint, Template]:
    """An endpoint with every prop set, model data in S3 and a KMS key."""
    stack = new_stack()
    bucket = s3.Bucket(stack, "Models", encryption=s3.BucketEncryption.KMS)
    key = kms.Key(stack, "Key", enable_key_rotation=True)
    endpoint = ServerlessEndpoint(
        stack,
        "Endpoint",
        image=ContainerImage.from_ecr_uri(IMAGE_URI),
        model_data=ModelData.from_s3(bucket, "models/sentiment/model.tar.gz"),
        environment={"SAGEMAKER_PROGRAM": "inference.py"},
        memory_size_mb=4096,
        max_concurrency=20,
        provisioned_concurrency=2,
        kms_key=key,
        variant_name="Blue",
        endpoint_name="sentiment-prod",
    )
    return endpoint, linted_template(stack)


def test_serverless_config_carries_memory_and_concurrency(
    full: tuple[ServerlessEndpoint, Template],
) -> None:
    _, template = full
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {
            "ProductionVariants": [
                {
                    "VariantName": "Blue",
                    "ServerlessConfig": {
                        "MemorySizeInMB": 4096,
                        "MaxConcurrency": 20,
                        "ProvisionedConcurrency": 2,
                    },
                    "InitialInstanceCount": Match.absent(),
                    "InstanceType": Match.absent(),
                }
            ],
            "KmsKeyId": {"Fn::GetAtt": [Match.string_like_regexp("^Key"), "Arn"]},
        },
    )


def test_model_and_config_names_are_left_to_cloudformation(
    full: tuple[ServerlessEndpoint, Template],
) -> None:
    _, template = full
    template.has_resource_properties("AWS::SageMaker::Model", {"ModelName": Match.absent()})
    template.has_resource_properties(
        "AWS::SageMaker::EndpointConfig", {"EndpointConfigName": Match.absent()}
    )
    template.has_resource_properties(
        "AWS::SageMaker::Endpoint",
        {
            "EndpointName": "sentiment-prod",
            "EndpointConfigName": {
                "Fn::GetAtt": [Match.string_like_regexp("EndpointConfig"), "EndpointConfigName"]
            },
        },
    )


@pytest.mark.parametrize(
    ("resource_type", "updatable"),
    [
        ("AWS::SageMaker::Model", {"Tags"}),
        ("AWS::SageMaker::EndpointConfig", {"Tags"}),
        ("AWS::SageMaker::Endpoint", {"EndpointConfigName", "Tags", *ENDPOINT_DEPLOYMENT_PROPS}),
    ],
)
def test_every_model_and_endpoint_config_property_but_tags_is_create_only(
    resource_type: str, updatable: set[str]
) -> None:
    # What the generated names and the API's redeployment rely on: any change but a tag
    # replaces the Model and the EndpointConfig; the Endpoint only by its EndpointName.
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", resource_type).schema
    properties = set(schema["properties"])
    create_only = {path.removeprefix("/properties/") for path in schema["createOnlyProperties"]}
    read_only = {path.removeprefix("/properties/") for path in schema.get("readOnlyProperties", [])}
    assert properties - create_only - read_only == updatable


def test_endpoint_name_is_generated_when_not_given() -> None:
    endpoint = _endpoint()
    template = linted_template(Stack.of(endpoint))
    template.has_resource_properties("AWS::SageMaker::Endpoint", {"EndpointName": Match.absent()})
    assert Stack.of(endpoint).resolve(endpoint.endpoint_name) == {
        "Fn::GetAtt": [logical_id(endpoint.endpoint), "EndpointName"]
    }
    assert Stack.of(endpoint).resolve(endpoint.endpoint_arn) == {
        "Ref": logical_id(endpoint.endpoint)
    }


def test_container_gets_image_artifact_and_environment(
    full: tuple[ServerlessEndpoint, Template],
) -> None:
    _, template = full
    template.has_resource_properties(
        "AWS::SageMaker::Model",
        {
            "PrimaryContainer": {
                "Image": IMAGE_URI,
                "ModelDataUrl": {
                    "Fn::Join": [
                        "",
                        [
                            "s3://",
                            {"Ref": Match.string_like_regexp("^Models")},
                            "/models/sentiment/model.tar.gz",
                        ],
                    ]
                },
                "Environment": {"SAGEMAKER_PROGRAM": "inference.py"},
            }
        },
    )


def test_role_reads_exactly_the_model_artifact(full: tuple[ServerlessEndpoint, Template]) -> None:
    endpoint, template = full
    bucket_id = logical_id(Stack.of(endpoint).node.find_child("Models"))
    s3_statements = [
        s
        for s in _policy_statements(template, endpoint.role)
        if any(a.startswith("s3:") for a in _actions(s))
    ]
    assert s3_statements == [
        {
            "Action": "s3:GetObject",
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": [
                    "",
                    [{"Fn::GetAtt": [bucket_id, "Arn"]}, "/models/sentiment/model.tar.gz"],
                ]
            },
        }
    ]


def test_role_pulls_only_the_image_repository(full: tuple[ServerlessEndpoint, Template]) -> None:
    endpoint, template = full
    statements = _policy_statements(template, endpoint.role)
    pull = [s for s in statements if "ecr:BatchGetImage" in _actions(s)]
    assert len(pull) == 1
    assert sorted(_actions(pull[0])) == [
        "ecr:BatchCheckLayerAvailability",
        "ecr:BatchGetImage",
        "ecr:GetDownloadUrlForLayer",
    ]
    assert pull[0]["Resource"] == {
        "Fn::Join": [
            "",
            ["arn:", {"Ref": "AWS::Partition"}, ":ecr:eu-west-1:123456789012:repository/my-model"],
        ]
    }
    token = [s for s in statements if "ecr:GetAuthorizationToken" in _actions(s)]
    assert token == [{"Action": "ecr:GetAuthorizationToken", "Effect": "Allow", "Resource": "*"}]


def test_role_writes_only_endpoint_logs_and_decrypts_with_the_key(
    full: tuple[ServerlessEndpoint, Template],
) -> None:
    endpoint, template = full
    statements = _policy_statements(template, endpoint.role)
    (logs,) = [s for s in statements if any(a.startswith("logs:") for a in _actions(s))]
    assert logs["Resource"] == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":logs:",
                {"Ref": "AWS::Region"},
                ":",
                {"Ref": "AWS::AccountId"},
                ":log-group:/aws/sagemaker/Endpoints/*",
            ],
        ]
    }
    kms_statements = [s for s in statements if any(a.startswith("kms:") for a in _actions(s))]
    assert kms_statements, "the role must be able to decrypt with the given key"
    for statement in kms_statements:
        assert _actions(statement) == ["kms:Decrypt"]
        assert statement["Resource"]["Fn::GetAtt"][1] == "Arn"


def test_no_managed_policies_and_no_wildcard_actions(
    full: tuple[ServerlessEndpoint, Template],
) -> None:
    endpoint, template = full
    role = resources_of_type(template, "AWS::IAM::Role")[logical_id(endpoint.role)]
    assert "ManagedPolicyArns" not in role["Properties"]
    wildcard_resources = []
    for statement in _policy_statements(template, endpoint.role):
        assert all("*" not in action for action in _actions(statement)), statement
        if statement["Resource"] == "*":
            wildcard_resources.append(statement)
    # the two actions AWS only grants on *; metrics only into the endpoints' namespace
    assert sorted(wildcard_resources, key=lambda statement: statement["Action"]) == [
        METRICS_STATEMENT,
        {"Action": "ecr:GetAuthorizationToken", "Effect": "Allow", "Resource": "*"},
    ]


METRICS_STATEMENT = {
    "Sid": "EndpointMetrics",
    "Action": "cloudwatch:PutMetricData",
    "Effect": "Allow",
    "Resource": "*",
    "Condition": {"StringEquals": {"cloudwatch:namespace": "/aws/sagemaker/Endpoints"}},
}


def test_role_may_publish_memory_utilization_into_the_endpoints_namespace_only(
    full: tuple[ServerlessEndpoint, Template],
) -> None:
    # AWS's CreateModel execution-role permissions include cloudwatch:PutMetricData; without it
    # MemoryUtilization (namespace /aws/sagemaker/Endpoints) may never appear.
    endpoint, template = full
    assert endpoint.metric_memory_utilization().namespace == "/aws/sagemaker/Endpoints"
    metrics = [
        s
        for s in _policy_statements(template, endpoint.role)
        if "cloudwatch:PutMetricData" in _actions(s)
    ]
    assert metrics == [METRICS_STATEMENT]


def test_only_sagemaker_acting_for_this_account_and_region_may_assume_the_role(
    full: tuple[ServerlessEndpoint, Template],
) -> None:
    # AWS's confused-deputy template for SageMaker real-time, serverless and asynchronous
    # inference: ArnLike aws:SourceArn arn:<partition>:sagemaker:<region>:<account>:*
    endpoint, template = full
    roles = resources_of_type(template, "AWS::IAM::Role")
    trust = roles[logical_id(endpoint.role)]["Properties"]["AssumeRolePolicyDocument"]
    assert trust["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "sagemaker.amazonaws.com"},
            "Condition": {"ArnLike": {"aws:SourceArn": region_agnostic_arn("sagemaker", "*")}},
        }
    ]


def test_role_trust_names_the_literal_account_and_region_of_a_pinned_stack() -> None:
    stack = Stack(App(), "Pinned", env=Environment(account="111122223333", region="eu-west-1"))
    endpoint = ServerlessEndpoint(stack, "Endpoint", image=ContainerImage.from_ecr_uri(IMAGE_URI))
    trust = stack.resolve(endpoint.role.assume_role_policy.to_json())  # type: ignore[union-attr]
    (statement,) = trust["Statement"]
    source_arn = statement["Condition"]["ArnLike"]["aws:SourceArn"]
    assert source_arn == {
        "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":sagemaker:eu-west-1:111122223333:*"]]
    }


def test_model_waits_for_the_role_policy(full: tuple[ServerlessEndpoint, Template]) -> None:
    endpoint, template = full
    (model,) = resources_of_type(template, "AWS::SageMaker::Model").values()
    (policy_id,) = _role_policies(template, endpoint.role)
    assert model["DependsOn"] == [policy_id]


def test_given_role_is_used_instead_of_a_new_one() -> None:
    stack = new_stack()
    role = iam.Role(stack, "Mine", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    endpoint = ServerlessEndpoint(
        stack, "Endpoint", image=ContainerImage.from_ecr_uri(IMAGE_URI), role=role
    )
    template = linted_template(stack)
    assert endpoint.role is role
    sagemaker_roles = [
        role_id
        for role_id, resource in resources_of_type(template, "AWS::IAM::Role").items()
        if resource["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
        == {"Service": "sagemaker.amazonaws.com"}
    ]
    assert sagemaker_roles == [logical_id(role)]
    template.has_resource_properties(
        "AWS::SageMaker::Model",
        {"ExecutionRoleArn": {"Fn::GetAtt": [logical_id(role), "Arn"]}},
    )


def test_grant_invoke_allows_invoke_on_this_endpoint_only() -> None:
    endpoint = _endpoint()
    stack = Stack.of(endpoint)
    caller = iam.Role(stack, "Caller", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    grant = endpoint.grant_invoke(caller)
    assert grant.success
    template = linted_template(stack)
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": logical_id(caller)}],
            "PolicyDocument": {
                "Statement": [
                    {
                        "Action": "sagemaker:InvokeEndpoint",
                        "Effect": "Allow",
                        "Resource": {"Ref": logical_id(endpoint.endpoint)},
                    }
                ]
            },
        },
    )


METRICS = [
    ("metric_invocations", "Invocations", "AWS/SageMaker", "Sum"),
    ("metric_invocation_4xx_errors", "Invocation4XXErrors", "AWS/SageMaker", "Sum"),
    ("metric_invocation_5xx_errors", "Invocation5XXErrors", "AWS/SageMaker", "Sum"),
    ("metric_model_latency", "ModelLatency", "AWS/SageMaker", "Average"),
    ("metric_overhead_latency", "OverheadLatency", "AWS/SageMaker", "Average"),
    ("metric_model_setup_time", "ModelSetupTime", "AWS/SageMaker", "Average"),
    ("metric_memory_utilization", "MemoryUtilization", "/aws/sagemaker/Endpoints", "Maximum"),
    (
        "metric_concurrent_executions_utilization",
        "ServerlessConcurrentExecutionsUtilization",
        "AWS/SageMaker",
        "Maximum",
    ),
    (
        "metric_provisioned_concurrency_executions",
        "ServerlessProvisionedConcurrencyExecutions",
        "AWS/SageMaker",
        "Maximum",
    ),
    (
        "metric_provisioned_concurrency_utilization",
        "ServerlessProvisionedConcurrencyUtilization",
        "AWS/SageMaker",
        "Average",
    ),
    (
        "metric_provisioned_concurrency_invocations",
        "ServerlessProvisionedConcurrencyInvocations",
        "AWS/SageMaker",
        "Maximum",
    ),
    (
        "metric_provisioned_concurrency_spillover_invocations",
        "ServerlessProvisionedConcurrencySpilloverInvocations",
        "AWS/SageMaker",
        "Maximum",
    ),
]


@pytest.mark.parametrize(("method", "name", "namespace", "statistic"), METRICS)
def test_metric_helpers_use_exact_names_namespaces_and_dimensions(
    method: str, name: str, namespace: str, statistic: str
) -> None:
    endpoint = _endpoint(variant_name="Blue")
    metric = getattr(endpoint, method)()
    assert metric.metric_name == name
    assert metric.namespace == namespace
    assert metric.statistic == statistic
    assert metric.period.to_seconds() == 60
    dimensions = Stack.of(endpoint).resolve(metric.dimensions)
    assert dimensions == {
        "EndpointName": {"Fn::GetAtt": [logical_id(endpoint.endpoint), "EndpointName"]},
        "VariantName": "Blue",
    }


def test_metric_options_win_over_defaults() -> None:
    metric = _endpoint().metric_model_latency(statistic="p99", period=Duration.minutes(5))
    assert (metric.statistic, metric.period.to_seconds()) == ("p99", 300)


@pytest.mark.parametrize("memory", [1024, 6144, *MEMORY_SIZES_MB])
def test_accepts_every_memory_tier(memory: int) -> None:
    assert _endpoint(memory_size_mb=memory).memory_size_mb == memory


@pytest.mark.parametrize("concurrency", [1, 200])
def test_accepts_concurrency_bounds(concurrency: int) -> None:
    endpoint = _endpoint(max_concurrency=concurrency, provisioned_concurrency=concurrency)
    assert endpoint.provisioned_concurrency == concurrency


@pytest.mark.parametrize("memory", [0, 1023, 1500, 7168, -1024])
def test_fails_when_memory_is_not_a_tier(memory: int) -> None:
    with pytest.raises(
        ValueError,
        match=rf"memory_size_mb must be one of 1024, 2048, 3072, 4096, 5120, 6144, got {memory}",
    ):
        _endpoint(memory_size_mb=memory)


@pytest.mark.parametrize("concurrency", [0, 201, -1])
def test_fails_when_max_concurrency_out_of_range(concurrency: int) -> None:
    with pytest.raises(
        ValueError,
        match=rf"max_concurrency must be a whole number from 1 to 200, got {concurrency}",
    ):
        _endpoint(max_concurrency=concurrency)


@pytest.mark.parametrize("concurrency", [0, 201])
def test_fails_when_provisioned_concurrency_out_of_range(concurrency: int) -> None:
    with pytest.raises(
        ValueError,
        match=rf"provisioned_concurrency must be a whole number from 1 to 200, got {concurrency}",
    ):
        _endpoint(provisioned_concurrency=concurrency)


def test_fails_when_provisioned_concurrency_exceeds_max() -> None:
    with pytest.raises(
        ValueError, match=r"provisioned_concurrency must be at most max_concurrency \(5\), got 6"
    ):
        _endpoint(max_concurrency=5, provisioned_concurrency=6)


@pytest.mark.parametrize(
    "name",
    ["Sentiment", "-leading-dash", "trailing-", "has_underscore", "a" * 64, "", "dots.are.bad"],
)
def test_fails_when_endpoint_name_is_invalid(name: str) -> None:
    with pytest.raises(ValueError, match=r"endpoint_name must be at most 63 characters matching"):
        _endpoint(endpoint_name=name)


@pytest.mark.parametrize("name", ["a", "sentiment-prod-1", "a--b", "a" * 63])
def test_accepts_valid_endpoint_names(name: str) -> None:
    _endpoint(endpoint_name=name)


def test_fails_when_environment_holds_non_strings() -> None:
    with pytest.raises(
        ValueError,
        match=r"environment\['WORKERS'\] must be a string value under a string key, got 2",
    ):
        _endpoint(environment={"WORKERS": 2})


def test_reports_every_problem_at_once() -> None:
    with pytest.raises(ValueError) as raised:
        _endpoint(memory_size_mb=1500, max_concurrency=0, endpoint_name="Bad_Name")
    message = str(raised.value)
    assert message.startswith("Invalid ServerlessEndpoint props:")
    assert (
        "memory_size_mb" in message and "max_concurrency" in message and "endpoint_name" in message
    )


def test_tokens_are_not_validated() -> None:
    stack = new_stack()
    memory = CfnParameter(stack, "Memory", type="Number").value_as_number
    endpoint = ServerlessEndpoint(
        stack,
        "Endpoint",
        image=ContainerImage.from_ecr_uri(IMAGE_URI),
        memory_size_mb=memory,  # type: ignore[arg-type]
        endpoint_name=CfnParameter(stack, "Name").value_as_string,
    )
    assert Token.is_unresolved(endpoint.memory_size_mb)


@pytest.mark.parametrize("memory", [float("inf"), float("-inf"), float("nan"), 10**400])
def test_fails_cleanly_on_numbers_the_cdk_runtime_cannot_take(memory: Any) -> None:
    with pytest.raises(ValueError, match="memory_size_mb must be one of"):
        _endpoint(memory_size_mb=memory)
