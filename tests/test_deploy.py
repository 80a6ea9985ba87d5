"""The default dev stack deployed into moto's CloudFormation: it creates, and the endpoint is right."""

import io
import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tests.conftest import SynthesizedApp

ACCOUNT = "123456789012"
REGION = "us-east-1"
STACK = "ServerlessInference-dev"
NOT_IN_MOTO = {
    "AWS::CloudWatch::Alarm",
    "AWS::CloudWatch::CompositeAlarm",
    "AWS::CloudWatch::Dashboard",
    "Custom::Trigger",
    "Custom::LogRetention",
}
"""Resource types moto's CloudFormation cannot create; the test leaves them (and what needs them) out."""

# moto skips the stage, gateway responses, schedule and topic policy with a warning each and
# still creates the stack: the endpoint, the API and the function are what is checked here.
pytestmark = pytest.mark.filterwarnings("ignore:Tried to parse .* not supported:UserWarning")


def _substitute(value: str) -> str:
    return value.replace("${AWS::AccountId}", ACCOUNT).replace("${AWS::Region}", REGION)


def _packaged(source: Path, packaging: str) -> bytes:
    if packaging == "file":
        return source.read_bytes()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(source.rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(source).as_posix())
    return buffer.getvalue()


def _publish_file_assets(assembly_dir: Path, s3: Any) -> None:
    """Upload the stack's file assets (Lambda code...) like `cdk deploy` would."""
    manifest = json.loads((assembly_dir / f"{STACK}.assets.json").read_text())
    for asset in manifest["files"].values():
        source = assembly_dir / asset["source"]["path"]
        body = _packaged(source, asset["source"].get("packaging", "file"))
        for destination in asset["destinations"].values():
            bucket = _substitute(destination["bucketName"])
            s3.put_object(Bucket=bucket, Key=_substitute(destination["objectKey"]), Body=body)


def _references(node: Any) -> set[str]:
    if isinstance(node, dict):
        found = {node["Ref"]} if isinstance(node.get("Ref"), str) else set()
        if isinstance(node.get("Fn::GetAtt"), list):
            found.add(node["Fn::GetAtt"][0])
        for value in node.values():
            found |= _references(value)
        return found
    if isinstance(node, list):
        return set().union(*map(_references, node)) if node else set()
    return set()


def _without_unsupported(template: dict[str, Any]) -> dict[str, Any]:
    """The template minus the resource types moto lacks and everything that refers to them."""
    resources = template["Resources"]
    dropped = {name for name, r in resources.items() if r["Type"] in NOT_IN_MOTO}
    while True:
        more = {
            name
            for name, resource in resources.items()
            if name not in dropped
            and (_references(resource) | set(resource.get("DependsOn", []))) & dropped
        }
        if not more:
            break
        dropped |= more
    kept = {name: r for name, r in resources.items() if name not in dropped}
    outputs = {k: o for k, o in template.get("Outputs", {}).items() if not _references(o) & dropped}
    return {**template, "Resources": kept, "Outputs": outputs}


@pytest.fixture(scope="module")
def deployed(default_app: SynthesizedApp) -> Iterator[dict[str, Any]]:
    """The dev stack created in moto's CloudFormation, after a bootstrap-like setup."""
    env = {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        with mock_aws():
            boto3.client("ssm").put_parameter(
                Name="/cdk-bootstrap/hnb659fds/version", Value="30", Type="String"
            )
            s3 = boto3.client("s3")
            s3.create_bucket(Bucket=f"cdk-hnb659fds-assets-{ACCOUNT}-{REGION}")
            s3.create_bucket(Bucket="templates")
            _publish_file_assets(Path(default_app.assembly.directory), s3)
            template = _without_unsupported(default_app.template_json("dev"))
            s3.put_object(Bucket="templates", Key="dev.json", Body=json.dumps(template))
            cloudformation = boto3.client("cloudformation")
            cloudformation.create_stack(
                StackName=STACK,
                TemplateURL="https://templates.s3.amazonaws.com/dev.json",
                Capabilities=["CAPABILITY_IAM"],
            )
            (stack,) = cloudformation.describe_stacks(StackName=STACK)["Stacks"]
            resources = cloudformation.list_stack_resources(StackName=STACK)
            yield {
                "stack": stack,
                "resource_types": {r["ResourceType"] for r in resources["StackResourceSummaries"]},
                "sagemaker": boto3.client("sagemaker"),
            }


def test_stack_creates(deployed: dict[str, Any]) -> None:
    assert deployed["stack"]["StackStatus"] == "CREATE_COMPLETE"


def test_api_and_keep_warm_function_are_created_with_the_endpoint(
    deployed: dict[str, Any],
) -> None:
    assert {
        "AWS::SageMaker::Endpoint",
        "AWS::ApiGateway::RestApi",
        "AWS::ApiGateway::Method",
        "AWS::Lambda::Function",
        "AWS::SNS::Topic",
    } <= deployed["resource_types"]


def test_endpoint_config_has_the_configured_serverless_settings(deployed: dict[str, Any]) -> None:
    outputs = {o["OutputKey"]: o["OutputValue"] for o in deployed["stack"]["Outputs"]}
    sagemaker = deployed["sagemaker"]
    endpoint = sagemaker.describe_endpoint(EndpointName=outputs["EndpointName"])
    config = sagemaker.describe_endpoint_config(EndpointConfigName=endpoint["EndpointConfigName"])
    (variant,) = config["ProductionVariants"]
    assert variant["VariantName"] == "AllTraffic"
    assert variant["ServerlessConfig"] == {"MemorySizeInMB": 2048, "MaxConcurrency": 2}
    model = sagemaker.describe_model(ModelName=variant["ModelName"])
    assert model["PrimaryContainer"]["Image"].startswith(
        f"763104351884.dkr.ecr.{REGION}.amazonaws.com/huggingface-pytorch-inference:"
    )
    assert outputs["EndpointArn"] == endpoint["EndpointArn"]
