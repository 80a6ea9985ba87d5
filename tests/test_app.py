"""The default app: what `make synth` deploys, checked by cdk-nag, cfn-lint and one snapshot."""

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk.assertions import Match, Template
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

from stacks import build_app
from tests.cdk_helpers import (
    build_default_app,
    cdk_default_rego_rule_types,
    cdk_json_context,
    linted_template,
    resources_of_type,
    types_inspected_by,
)
from tests.conftest import SynthesizedApp

ASSET_HASH = re.compile(r"[0-9a-f]{64}")


def test_one_stack_per_environment(default_app: SynthesizedApp) -> None:
    names = sorted(stack.stack_name for stack in default_app.assembly.stacks)
    assert names == ["ServerlessInference-dev", "ServerlessInference-prod"]


def test_stacks_are_region_agnostic_by_default(default_app: SynthesizedApp) -> None:
    for stack in default_app.assembly.stacks:
        assert stack.environment.region == "unknown-region"
        assert stack.environment.account == "unknown-account"


def test_cdk_nag_reports_nothing_unacknowledged(default_app: SynthesizedApp) -> None:
    report = json.loads(Path(default_app.assembly.directory, "validation-report.json").read_text())
    assert report["pluginReports"] == []


def test_cdk_nag_would_fail_synthesis_on_a_finding() -> None:
    app, stacks = build_default_app({"env": "dev"})
    s3.Bucket(stacks["dev"], "UnencryptedOpenBucket")
    with pytest.raises(RuntimeError, match="ValidationFailed"):
        app.synth()


def test_cdk_synth_runs_cdk_nag_only_when_configured() -> None:
    app = App(context={**cdk_json_context(), "env": "dev"})
    stacks = build_app(app)
    s3.Bucket(stacks["dev"], "UnencryptedOpenBucket")
    report = Path(app.synth().directory, "validation-report.json")
    assert json.loads(report.read_text())["pluginReports"] == []


def test_cloudformation_validate_would_fail_synthesis_on_a_schema_error() -> None:
    app, stacks = build_default_app({"env": "dev"})
    serverless = sagemaker.CfnEndpointConfig.ServerlessConfigProperty(
        max_concurrency=500, memory_size_in_mb=2048
    )
    sagemaker.CfnEndpointConfig(
        stacks["dev"],
        "RawEndpointConfig",
        production_variants=[
            sagemaker.CfnEndpointConfig.ProductionVariantProperty(
                variant_name="AllTraffic", model_name="model", serverless_config=serverless
            )
        ],
    )
    with pytest.raises(RuntimeError, match="ValidationFailed") as failure:
        app.synth()
    report_path = re.search(r"can be found in: (\S+validation-report\.json)", str(failure.value))
    assert report_path is not None
    (report,) = json.loads(Path(report_path[1]).read_text())["pluginReports"]
    assert (report["pluginName"], report["conclusion"]) == ("CloudFormation Validate", "failure")
    (violation,) = report["violations"]
    assert violation["severity"] == "error"
    assert violation["description"].endswith(
        "MaxConcurrency: 500 is greater than the maximum of 200"
    )
    (construct,) = violation["violatingConstructs"]
    assert construct["constructPath"] == "ServerlessInference-dev/RawEndpointConfig"


def test_cdk_rego_rules_left_out_inspect_none_of_our_resource_types(
    default_app: SynthesizedApp,
) -> None:
    rules = cdk_default_rego_rule_types()
    assert rules, "aws-cdk-lib ships no Rego rules any more: include_default_rules is moot"
    ours = {
        resource["Type"]
        for environment in default_app.templates
        for resource in default_app.template_json(environment)["Resources"].values()
    }
    assert types_inspected_by(rules, ours) == {}


def test_reference_model_on_the_hugging_face_cpu_image(dev_template: Template) -> None:
    dev_template.has_resource_properties(
        "AWS::SageMaker::Model",
        {
            "PrimaryContainer": {
                "Environment": {
                    "HF_MODEL_ID": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
                    "HF_TASK": "text-classification",
                },
                "Image": {
                    "Fn::Join": [
                        "",
                        Match.array_with(
                            [Match.string_like_regexp("/huggingface-pytorch-inference:.*-cpu-")]
                        ),
                    ]
                },
            }
        },
    )


def _model_environment(template: Template) -> dict[str, str]:
    (model,) = resources_of_type(template, "AWS::SageMaker::Model").values()
    environment: dict[str, str] = model["Properties"]["PrimaryContainer"]["Environment"]
    return environment


def test_reference_model_runs_one_model_server_worker(dev_template: Template) -> None:
    # AWS recommends one worker, and so one copy of the model, in a serverless container; the
    # Hugging Face image would start one worker per vCPU, each loading the model
    assert _model_environment(dev_template) == {
        "HF_MODEL_ID": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
        "HF_TASK": "text-classification",
        "SAGEMAKER_MODEL_SERVER_WORKERS": "1",
    }


def test_the_environment_key_overrides_the_model_server_workers() -> None:
    app, stacks = build_default_app(
        {"env": "dev", "endpoint.environment.SAGEMAKER_MODEL_SERVER_WORKERS": "2"}
    )
    app.synth()
    assert _model_environment(linted_template(stacks["dev"]))["SAGEMAKER_MODEL_SERVER_WORKERS"] == (
        "2"
    )


def test_environments_carry_their_own_serverless_settings(default_app: SynthesizedApp) -> None:
    expected = {"dev": (2048, 2), "prod": (3072, 4)}
    for name, (memory, concurrency) in expected.items():
        default_app.templates[name].has_resource_properties(
            "AWS::SageMaker::EndpointConfig",
            {
                "ProductionVariants": [
                    {
                        "ServerlessConfig": {
                            "MemorySizeInMB": memory,
                            "MaxConcurrency": concurrency,
                        }
                    }
                ]
            },
        )


def test_context_override_changes_the_synthesized_config() -> None:
    _, stacks = build_default_app({"env": "dev", "endpoint.memory_size_mb": "6144"})
    linted_template(stacks["dev"]).has_resource_properties(
        "AWS::SageMaker::EndpointConfig",
        {"ProductionVariants": [{"ServerlessConfig": {"MemorySizeInMB": 6144}}]},
    )


def test_outputs_name_the_endpoint(dev_template: Template) -> None:
    outputs = dev_template.to_json()["Outputs"]
    assert outputs["EndpointName"]["Value"]["Fn::GetAtt"][1] == "EndpointName"
    assert "Ref" in outputs["EndpointArn"]["Value"]


def _normalised(template: dict[str, Any]) -> dict[str, Any]:
    """The template with asset hashes replaced, so unrelated file changes do not break it."""
    text = ASSET_HASH.sub("<asset-hash>", json.dumps(template, sort_keys=True))
    normalised: dict[str, Any] = json.loads(text)
    return normalised


def test_default_stack_snapshot(default_app: SynthesizedApp, snapshot: SnapshotAssertion) -> None:
    template = _normalised(default_app.template_json("dev"))
    assert template == snapshot(extension_class=JSONSnapshotExtension)
