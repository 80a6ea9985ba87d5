"""``ModelData.from_directory`` and the local artifacts' S3 keys and size warnings: the reference
example deploys as ``<hash>.tar.gz`` with a grant on exactly that object, an unchanged directory
keeps its key, a bad layout is a ``ValueError``, a risky size a warning."""

import json
import os
import shutil
import tarfile
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template
from constructs import Construct

from serverless_inference import (
    ContainerImage,
    ModelData,
    ServerlessEndpoint,
    ServerlessInference,
    images,
)
from serverless_inference.images import ModelArtifact
from serverless_inference.model_artifacts import WARNING_IDS
from tests.cdk_helpers import linted_template, new_stack, resources_of_type
from tests.support.model_files import HANDLER, write_files
from tests.test_api_vtl import synth_checked

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "batched-sentiment"
BUCKET = {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}
GB = 1024**3


def _model_data_url(template: Template) -> Any:
    (model,) = resources_of_type(template, "AWS::SageMaker::Model").values()
    return model["Properties"]["PrimaryContainer"]["ModelDataUrl"]


def _key(template: Template) -> str:
    """The artifact's S3 key, from ``s3://<bootstrap bucket>/<key>``."""
    url = _model_data_url(template)
    assert url["Fn::Join"][1][:2] == ["s3://", BUCKET]
    (key,) = url["Fn::Join"][1][2:]
    assert isinstance(key, str) and key.startswith("/")
    return key[1:]


def _get_object_grants(template: Template) -> list[Any]:
    return [
        statement["Resource"]
        for policy in resources_of_type(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if "s3:GetObject" in statement["Action"]
    ]


def _asset_manifest(app: App, stack: Stack) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads(
        (Path(app.synth().directory) / f"{stack.artifact_id}.assets.json").read_text()
    )
    return manifest


def _endpoint_with(model_data: ModelData, **props: Any) -> tuple[App, Stack]:
    app = App()
    stack = Stack(app, "TestStack")
    ServerlessEndpoint(
        stack,
        "Endpoint",
        image=ContainerImage.hugging_face_inference(),
        model_data=model_data,
        **props,
    )
    return app, stack


def test_the_reference_example_deploys_as_a_tar_gz_object_the_role_may_read_alone(
    tmp_path: Path,
) -> None:
    stack = new_stack()
    ServerlessInference(
        stack,
        "Inference",
        image=ContainerImage.hugging_face_inference(),
        model_data=ModelData.from_directory(str(EXAMPLE), cache_directory=str(tmp_path)),
    )
    template = synth_checked(stack)  # cdk-nag and cfn-lint
    key = _key(template)
    assert key.endswith(".tar.gz") and len(key) == 64 + len(".tar.gz")
    assert _get_object_grants(template) == [
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", BUCKET, f"/{key}"]]}
    ]
    template.has_resource_properties(
        "AWS::IAM::Policy",
        {
            "Roles": [{"Ref": Match.string_like_regexp("InferenceEndpointExecutionRole")}],
            "PolicyDocument": {
                "Statement": Match.array_with([Match.object_like({"Action": "s3:GetObject"})])
            },
        },
    )
    assert Annotations.from_stack(stack).find_warning("*", Match.any_value()) == []

    app = stack.node.root
    assert isinstance(app, App)
    assembly = Path(app.synth().directory)
    (asset,) = [
        entry
        for entry in json.loads((assembly / "TestStack.assets.json").read_text())["files"].values()
        if entry["source"]["path"].endswith(".tar.gz")
    ]
    assert [d["objectKey"] for d in asset["destinations"].values()] == [key]
    with tarfile.open(assembly / asset["source"]["path"], "r:gz") as archive:
        assert sorted(archive.getnames()) == ["README.md", "code", "code/inference.py"]


def _copy_example(tmp_path: Path) -> Path:
    model = tmp_path / "model"
    shutil.copytree(EXAMPLE, model, ignore=shutil.ignore_patterns("__pycache__"))
    return model


def _synthesized_key(model: Path, cache: Path) -> str:
    app, stack = _endpoint_with(ModelData.from_directory(str(model), cache_directory=str(cache)))
    manifest = _asset_manifest(app, stack)
    (key,) = [
        d["objectKey"]
        for entry in manifest["files"].values()
        for d in entry["destinations"].values()
        if d["objectKey"].endswith(".tar.gz")
    ]
    assert key == _key(Template.from_stack(stack))
    return str(key)


def test_an_unchanged_directory_keeps_its_key_and_a_changed_one_gets_a_new_one(
    tmp_path: Path,
) -> None:
    model = _copy_example(tmp_path)
    first = _synthesized_key(model, tmp_path / "cache")
    for path in [model, *model.rglob("*")]:
        os.utime(path, (1_600_000_000, 1_600_000_000))
    (model / "code" / "__pycache__").mkdir()
    (model / "code" / "__pycache__" / "inference.cpython-311.pyc").write_bytes(b"stray")
    # another machine: nothing in its cache
    assert _synthesized_key(model, tmp_path / "other-cache") == first
    (model / "code" / "inference.py").write_text("def model_fn(model_dir):\n    return 1\n")
    assert _synthesized_key(model, tmp_path / "cache") != first


def test_excluded_files_stay_out_of_the_deployed_archive(tmp_path: Path) -> None:
    model = _copy_example(tmp_path)
    (model / "checkpoint.ckpt").write_bytes(b"big")
    app, _ = _endpoint_with(
        ModelData.from_directory(
            str(model), exclude=["*.ckpt", "README.md"], cache_directory=str(tmp_path)
        )
    )
    (archive_path,) = Path(app.synth().directory).glob("asset.*.tar.gz")
    with tarfile.open(archive_path, "r:gz") as archive:
        assert archive.getnames() == ["code", "code/inference.py"]


def test_from_asset_deploys_a_tar_gz_key_too(tmp_path: Path) -> None:
    archive = tmp_path / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(EXAMPLE / "code" / "inference.py", arcname="code/inference.py")
    stack = new_stack()
    ServerlessEndpoint(
        stack,
        "Endpoint",
        image=ContainerImage.hugging_face_inference(),
        model_data=ModelData.from_asset(str(archive)),
    )
    template = linted_template(stack)
    key = _key(template)
    assert key.endswith(".tar.gz")
    assert _get_object_grants(template) == [
        {"Fn::Join": ["", ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", BUCKET, f"/{key}"]]}
    ]


def test_from_asset_stages_a_relative_path_from_the_apps_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The path is checked in Python and staged by the CDK's Node.js process, whose working
    directory is the one it started in: a relative path means the same file to both."""
    with tarfile.open(tmp_path / "model.tar.gz", "w:gz") as tar:
        tar.add(EXAMPLE / "code" / "inference.py", arcname="code/inference.py")
    stack = new_stack()
    monkeypatch.chdir(tmp_path)
    ServerlessEndpoint(
        stack,
        "Endpoint",
        image=ContainerImage.hugging_face_inference(),
        model_data=ModelData.from_asset("model.tar.gz"),
    )
    assert _key(Template.from_stack(stack)).endswith(".tar.gz")


# ------------------------------------------------------------------ layout errors


def _directory(tmp_path: Path, files: dict[str, bytes]) -> str:
    return str(write_files(tmp_path / "model", files))


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (
            {"config.json": b"{}"},
            r"model handler: no code/inference\.py: .*or pass require_handler=False",
        ),
        (
            {"model/config.json": b"{}", "model/code/inference.py": HANDLER},
            r"model layout: everything is in model/: .*pack the content of model/",
        ),
        (
            {"inference.py": HANDLER},
            r"model layout: inference\.py: inference\.py is at the root: .*move it to code/inference\.py",
        ),
        (
            {"code/inference.py": b"def model_fn(:\n"},
            r"model handler: code/inference\.py: it does not parse \(line 1",
        ),
        ({}, r"model layout: no files"),
    ],
)
def test_fails_when_the_layout_is_not_one_the_toolkits_serve(
    tmp_path: Path, files: dict[str, bytes], message: str
) -> None:
    path = _directory(tmp_path, files)
    with pytest.raises(
        ValueError,
        match=r"Invalid ModelData\.from_directory props:\n  - path must be a model directory the inference toolkits can serve \("
        + message,
    ):
        ModelData.from_directory(path, cache_directory=str(tmp_path / "cache"))


def test_fails_naming_every_problem_at_once(tmp_path: Path) -> None:
    path = _directory(tmp_path, {"requirements.txt": b"", "config.json": b"{}"})
    with pytest.raises(ValueError) as raised:
        ModelData.from_directory(path)
    lines = str(raised.value).splitlines()
    assert lines[0] == "Invalid ModelData.from_directory props:"
    assert [line.split(" (")[1].split(":")[0] for line in lines[1:]] == [
        "model layout",
        "model handler",
    ]
    assert all(line.endswith(f", got {path!r}") for line in lines[1:])


def test_fails_when_path_or_exclude_are_not_what_they_must_be(tmp_path: Path) -> None:
    with pytest.raises(ValueError) as raised:
        ModelData.from_directory(str(tmp_path / "missing"), exclude="*.ckpt")
    assert str(raised.value) == (
        "Invalid ModelData.from_directory props:\n"
        "  - exclude must be a list of glob patterns: names ('*.ckpt', 'optimizer.pt') or "
        "paths ('checkpoints/*'), got '*.ckpt'\n"
        f"  - path must be an existing directory, got {str(tmp_path / 'missing')!r}"
    )


def test_a_folder_link_is_refused(tmp_path: Path) -> None:
    path = _directory(tmp_path, {"code/inference.py": HANDLER})
    (tmp_path / "shared").mkdir()
    Path(path, "tokenizer").symlink_to(tmp_path / "shared")
    with pytest.raises(ValueError, match=r"model layout: tokenizer: symbolic links"):
        ModelData.from_directory(path)


def test_a_model_without_handler_is_accepted_when_the_image_brings_one(tmp_path: Path) -> None:
    path = _directory(tmp_path, {"config.json": b"{}", "model.safetensors": b"w"})
    model_data = ModelData.from_directory(
        path, require_handler=False, cache_directory=str(tmp_path / "cache")
    )
    _, stack = _endpoint_with(model_data)
    assert _key(Template.from_stack(stack)).endswith(".tar.gz")


# ------------------------------------------------------------------ size warnings


class _SizedModelData(ModelData):
    """An artifact of any size, without writing it: the sizes are injected."""

    def __init__(self, archive_bytes: int | None, unpacked_bytes: int | None) -> None:
        self._sizes = (archive_bytes, unpacked_bytes)

    def _locate(self, scope: Construct) -> ModelArtifact:
        bucket = s3.Bucket.from_bucket_name(scope, "Models", "models")
        return ModelArtifact(bucket, "model.tar.gz", *self._sizes)


def _warnings(model_data: ModelData, memory_size_mb: int = 2048) -> dict[str, str]:
    _, stack = _endpoint_with(model_data, memory_size_mb=memory_size_mb)
    messages = Annotations.from_stack(stack).find_warning("*", Match.any_value())
    warnings: dict[str, str] = {}
    for entry in messages:
        text = str(entry.entry.data)
        rule = next(i for i in WARNING_IDS.values() if i in text)
        warnings[rule] = text
    return warnings


def test_a_small_artifact_gets_no_warning() -> None:
    assert _warnings(_SizedModelData(300 * 1024**2, 400 * 1024**2)) == {}


def test_an_artifact_over_half_the_memory_tier_gets_a_memory_warning() -> None:
    warnings = _warnings(_SizedModelData(900 * 1024**2, 1100 * 1024**2))
    assert list(warnings) == [WARNING_IDS["model fits memory"]]
    message = warnings[WARNING_IDS["model fits memory"]]
    assert "2048 MB for a 1,100 MB model (1.9x)" in message
    assert "less than 2x the unpacked size" in message
    assert "Fix: use memory_size_mb=3072 (2x headroom)" in message
    assert _warnings(_SizedModelData(900 * 1024**2, 1100 * 1024**2), memory_size_mb=3072) == {}


def test_an_artifact_over_the_disk_gets_every_warning() -> None:
    warnings = _warnings(_SizedModelData(3 * GB, 3 * GB), memory_size_mb=4096)
    assert set(warnings) == set(WARNING_IDS.values())
    assert "do not fit on the 5.00 GB ephemeral disk" in warnings[WARNING_IDS["model artifact"]]
    assert "gets a 504" in warnings[WARNING_IDS["model start-up"]]


def test_an_uploaded_archive_is_judged_by_its_own_size(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    archive = tmp_path / "model.tar.gz"
    with archive.open("wb") as sparse:  # 3 GB on paper, nothing on disk
        sparse.truncate(3 * GB)

    def staged(scope: Construct, construct_id: str, path: Path, **_: Any) -> tuple[Any, str]:
        # the asset itself is tested above; staging 3 GB into cdk.out is not needed here
        assert path == archive
        return s3.Bucket.from_bucket_name(scope, construct_id, "models"), "model.tar.gz"

    monkeypatch.setattr(images, "tar_gz_asset", staged)
    warnings = _warnings(ModelData.from_asset(str(archive)), memory_size_mb=4096)
    assert set(warnings) == set(WARNING_IDS.values())
    assert "3.00 GB: larger than" not in warnings[WARNING_IDS["model artifact"]]
    assert "may not both fit on the 5.00 GB disk" in warnings[WARNING_IDS["model artifact"]]
