"""ContainerImage and ModelData: image URIs, artifact URLs and the pull/read grants they bring."""

import tarfile
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from serverless_inference import ContainerImage, ModelData, ServerlessEndpoint
from serverless_inference.images import HUGGING_FACE_DEFAULT_CPU_TAG
from tests.cdk_helpers import linted_template, logical_id, new_stack, resources_of_type

PULL_ACTIONS = [
    "ecr:BatchCheckLayerAvailability",
    "ecr:BatchGetImage",
    "ecr:GetDownloadUrlForLayer",
]


def _model(template: Template) -> dict[str, Any]:
    (model,) = resources_of_type(template, "AWS::SageMaker::Model").values()
    container: dict[str, Any] = model["Properties"]["PrimaryContainer"]
    return container


def _pull_resources(template: Template) -> list[Any]:
    return [
        statement["Resource"]
        for policy in resources_of_type(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if sorted(statement["Action"]) == PULL_ACTIONS
    ]


def test_hugging_face_image_in_a_region_agnostic_stack_maps_the_registry_account() -> None:
    stack = new_stack()
    ServerlessEndpoint(stack, "Endpoint", image=ContainerImage.hugging_face_inference())
    template = linted_template(stack)
    mapping = template.to_json()["Mappings"]["DlcRepositoryAccountMap"]
    assert mapping["us-east-1"] == {"value": "763104351884"}
    assert mapping["ap-east-1"] == {"value": "871362719292"}
    account = {"Fn::FindInMap": ["DlcRepositoryAccountMap", {"Ref": "AWS::Region"}, "value"]}
    assert _model(template)["Image"] == {
        "Fn::Join": [
            "",
            [
                account,
                ".dkr.ecr.",
                {"Ref": "AWS::Region"},
                ".",
                {"Ref": "AWS::URLSuffix"},
                f"/huggingface-pytorch-inference:{HUGGING_FACE_DEFAULT_CPU_TAG}",
            ],
        ]
    }
    (resource,) = _pull_resources(template)
    assert resource == {
        "Fn::Join": [
            "",
            [
                "arn:",
                {"Ref": "AWS::Partition"},
                ":ecr:",
                {"Ref": "AWS::Region"},
                ":",
                account,
                ":repository/huggingface-pytorch-inference",
            ],
        ]
    }


@pytest.mark.parametrize(
    ("region", "account"), [("eu-west-1", "763104351884"), ("me-south-1", "217643126080")]
)
def test_hugging_face_image_in_a_regional_stack_names_the_account(
    region: str, account: str
) -> None:
    stack = new_stack(region=region)
    ServerlessEndpoint(stack, "Endpoint", image=ContainerImage.hugging_face_inference("custom-tag"))
    template = linted_template(stack)
    assert "Mappings" not in template.to_json()
    image = stack.resolve(_model(template)["Image"])
    assert image["Fn::Join"][1][0] == f"{account}.dkr.ecr.{region}."
    assert image["Fn::Join"][1][-1] == "/huggingface-pytorch-inference:custom-tag"
    (resource,) = _pull_resources(template)
    assert (
        resource["Fn::Join"][1][-1]
        == f":ecr:{region}:{account}:repository/huggingface-pytorch-inference"
    )


def test_ecr_repository_image_uses_the_tag_and_grants_pull_on_the_repository() -> None:
    stack = new_stack()
    repository = ecr.Repository(stack, "Repo")
    ServerlessEndpoint(
        stack, "Endpoint", image=ContainerImage.from_ecr_repository(repository, "v7")
    )
    template = linted_template(stack)
    image = _model(template)["Image"]["Fn::Join"][1]
    assert image[-1] == ":v7"
    repo_id = logical_id(repository)
    assert _pull_resources(template) == [{"Fn::GetAtt": [repo_id, "Arn"]}]


def test_asset_image_is_built_from_the_directory(tmp_path: Path) -> None:
    (tmp_path / "Dockerfile").write_text("FROM public.ecr.aws/docker/library/python:3.12-slim\n")
    stack = new_stack()
    ServerlessEndpoint(stack, "Endpoint", image=ContainerImage.from_asset(str(tmp_path)))
    template = linted_template(stack)
    image = stack.resolve(_model(template)["Image"])
    assert "container-assets" in str(image)
    assert len(_pull_resources(template)) == 1


def test_fails_when_asset_directory_has_no_dockerfile(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="directory must hold a Dockerfile"):
        ContainerImage.from_asset(str(tmp_path))


@pytest.mark.parametrize(
    "uri",
    [
        "my-model:latest",
        "docker.io/library/python:3.12",
        "123456789012.dkr.ecr.us-east-1.amazonaws.com/repo",
        "12345.dkr.ecr.us-east-1.amazonaws.com/repo:tag",
    ],
)
def test_fails_when_uri_is_not_an_ecr_image(uri: str) -> None:
    with pytest.raises(ValueError, match="uri must be a literal ECR image URI"):
        ContainerImage.from_ecr_uri(uri)


def test_ecr_uri_accepts_a_digest() -> None:
    digest = "sha256:" + "a" * 64
    image = ContainerImage.from_ecr_uri(
        f"123456789012.dkr.ecr.us-east-1.amazonaws.com/repo@{digest}"
    )
    stack = new_stack()
    role = iam.Role(stack, "Role", assumed_by=iam.ServicePrincipal("sagemaker.amazonaws.com"))
    assert image.bind(stack, role).endswith(digest)


def test_model_data_from_asset_uploads_the_archive(tmp_path: Path) -> None:
    archive = tmp_path / "model.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        source = tmp_path / "weights.bin"
        source.write_bytes(b"0" * 16)
        tar.add(source, arcname="weights.bin")
    stack = new_stack()
    ServerlessEndpoint(
        stack,
        "Endpoint",
        image=ContainerImage.hugging_face_inference(),
        model_data=ModelData.from_asset(str(archive)),
    )
    template = linted_template(stack)
    url = stack.resolve(_model(template)["ModelDataUrl"])
    assert url["Fn::Join"][1][0] == "s3://"
    assert str(url["Fn::Join"][1][-1]).endswith(".gz")
    get_object = [
        statement
        for policy in resources_of_type(template, "AWS::IAM::Policy").values()
        for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        if statement["Action"] == "s3:GetObject"
    ]
    assert len(get_object) == 1
    assert str(get_object[0]["Resource"]["Fn::Join"][1][-1]).endswith(".gz")


@pytest.mark.parametrize("name", ["model.zip", "missing.tar.gz"])
def test_fails_when_model_asset_is_not_an_existing_archive(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".zip"):
        path.write_bytes(b"PK")
    with pytest.raises(ValueError, match=r"path must be an existing \.tar\.gz file"):
        ModelData.from_asset(str(path))


@pytest.mark.parametrize("key", ["", "models/"])
def test_fails_when_s3_key_is_not_an_object(key: str) -> None:
    bucket = s3.Bucket(new_stack(), "Bucket")
    with pytest.raises(ValueError, match="key must name an object"):
        ModelData.from_s3(bucket, key)
