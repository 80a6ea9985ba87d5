"""The ``model-directory`` example of docs/configuration.md, synthesized through the app's
loader exactly as written there: the reference handler packed once into a ``.tar.gz`` asset, the Model's
``ModelDataUrl`` on that asset's key, the execution role's read of exactly that object, the
same hash on every synthesis, cfn-lint and cdk-nag clean."""

import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App
from aws_cdk.assertions import Annotations, Match, Template

from serverless_inference.model_archive import CACHE_ENVIRONMENT_VARIABLE
from stacks.inference_stack import InferenceStack
from tests.cdk_helpers import build_default_app, linted_template, resources_of_type
from tests.test_readme_config import EXAMPLES

BUCKET = {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}


@dataclass(frozen=True)
class Synthesized:
    """One synthesis of the example: its template and its asset manifest."""

    stack: InferenceStack
    template: Template
    assembly: Path

    def model_assets(self) -> dict[str, Any]:
        """The manifest's ``.tar.gz`` file assets, by id."""
        manifest = json.loads((self.assembly / f"{self.stack.artifact_id}.assets.json").read_text())
        return {
            asset_id: entry
            for asset_id, entry in manifest["files"].items()
            if entry["source"]["path"].endswith(".tar.gz")
        }


def _synthesize(example: dict[str, Any], *, lint: bool = True) -> Synthesized:
    """The app built from cdk.json with ``example`` in it; synthesis runs cdk-nag, ``lint``
    cfn-lint too."""
    app, stacks = build_default_app(example)
    stack = stacks["dev"]
    assert isinstance(stack, InferenceStack)
    template = linted_template(stack) if lint else Template.from_stack(stack)
    assembly = Path(app.synth().directory)
    assert isinstance(stack.node.root, App)
    return Synthesized(stack, template, assembly)


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A cache of packed archives of this module's own (``$SERVERLESS_INFERENCE_CACHE``)."""
    root = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENVIRONMENT_VARIABLE, str(root))
        yield root / "model-archives"


@pytest.fixture(scope="module")
def dev(cache: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synthesized]:
    """The example, synthesized from another working directory than the app's folder."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(tmp_path_factory.mktemp("elsewhere"))
        yield _synthesize(EXAMPLES["model-directory"])


def _model(template: Template) -> dict[str, Any]:
    (model,) = resources_of_type(template, "AWS::SageMaker::Model").values()
    properties: dict[str, Any] = model["Properties"]
    return properties


def _key(template: Template) -> str:
    """The artifact's key, from ``s3://<bootstrap bucket>/<key>``."""
    url = _model(template)["PrimaryContainer"]["ModelDataUrl"]
    assert url["Fn::Join"][1][:2] == ["s3://", BUCKET]
    (key,) = url["Fn::Join"][1][2:]
    assert isinstance(key, str) and key.startswith("/")
    return key[1:]


def test_the_example_is_the_dev_environment_with_the_reference_handler() -> None:
    endpoint = EXAMPLES["model-directory"]["environments"]["dev"]["endpoint"]
    assert endpoint["model_directory"] == "docs/examples/batched-sentiment"
    assert endpoint["environment"] == {"MAX_BATCH_SIZE": "32"}


def test_the_model_data_url_is_the_key_of_the_one_staged_tar_gz_asset(dev: Synthesized) -> None:
    key = _key(dev.template)
    assert key.endswith(".tar.gz") and len(key) == 64 + len(".tar.gz")
    (asset,) = dev.model_assets().values()
    assert [d["objectKey"] for d in asset["destinations"].values()] == [key]
    assert [d["bucketName"] for d in asset["destinations"].values()] == [
        "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"
    ]
    # the reference handler at the archive's root, its README left out as the example says
    with tarfile.open(dev.assembly / asset["source"]["path"], "r:gz") as archive:
        assert archive.getnames() == ["code", "code/inference.py"]


def test_the_container_runs_the_hub_model_with_the_handler_and_its_batch_size(
    dev: Synthesized,
) -> None:
    assert _model(dev.template)["PrimaryContainer"]["Environment"] == {
        "HF_MODEL_ID": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
        "HF_TASK": "text-classification",
        "MAX_BATCH_SIZE": "32",
        # the app's default: one model-server worker in a serverless container
        "SAGEMAKER_MODEL_SERVER_WORKERS": "1",
    }


def test_the_execution_role_may_read_that_object_alone(dev: Synthesized) -> None:
    key = _key(dev.template)
    role = _model(dev.template)["ExecutionRoleArn"]["Fn::GetAtt"][0]
    reads = [
        statement
        for policy in resources_of_type(dev.template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if any(action.startswith("s3:") for action in _actions(statement))
    ]
    assert reads == [
        {
            "Action": "s3:GetObject",
            "Effect": "Allow",
            "Resource": {
                "Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", BUCKET, f"/{key}"]]
            },
        }
    ]
    dev.template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": role}],
            "PolicyDocument": {"Statement": Match.array_with([Match.object_like(reads[0])])},
        },
    )
    # The default synthesizer names no key for the assets bucket: its objects are encrypted
    # with the key `cdk bootstrap` chose, whose policy lets S3 decrypt for the account's
    # principals (docs/aws-behaviour.md), so the role gets no KMS statement for them.
    kms = [
        statement
        for policy in resources_of_type(dev.template, "AWS::IAM::Policy").values()
        if policy["Properties"]["Roles"] == [{"Ref": role}]
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if any(action.startswith("kms:") for action in _actions(statement))
    ]
    assert kms == []


def _actions(statement: dict[str, Any]) -> list[str]:
    actions = statement["Action"]
    return [actions] if isinstance(actions, str) else list(actions)


def test_the_handler_fits_the_memory_tier_without_a_warning(dev: Synthesized) -> None:
    warnings = Annotations.from_stack(dev.stack).find_warning(
        "*", Match.string_like_regexp("Model artifact")
    )
    assert warnings == []


def test_an_unchanged_directory_is_packed_once_and_keeps_its_hash(
    dev: Synthesized, cache: Path
) -> None:
    # GIVEN the archive packed by the first synthesis
    (archive,) = cache.glob("*.tar.gz")
    packed_at = archive.stat().st_mtime_ns
    # WHEN the app synthesizes again from the same directory
    again = _synthesize(EXAMPLES["model-directory"], lint=False)
    # THEN the same asset and key (nothing to upload or deploy), and no second packing
    assert again.model_assets().keys() == dev.model_assets().keys()
    assert _key(again.template) == _key(dev.template)
    assert _model(again.template) == _model(dev.template)
    assert list(cache.glob("*.tar.gz")) == [archive]
    assert archive.stat().st_mtime_ns == packed_at


def test_two_models_of_one_directory_share_one_asset(cache: Path) -> None:
    endpoint = EXAMPLES["model-directory"]["environments"]["dev"]["endpoint"]
    models = {
        "first": {"endpoint": endpoint},
        "second": {"endpoint": {**endpoint, "environment": {"MAX_BATCH_SIZE": "8"}}},
    }
    both = _synthesize({"environments": {"dev": {"models": models}}}, lint=False)
    keys = {
        json.dumps(model["Properties"]["PrimaryContainer"]["ModelDataUrl"])
        for model in resources_of_type(both.template, "AWS::SageMaker::Model").values()
    }
    assert len(keys) == 1
    assert len(both.model_assets()) == 1
