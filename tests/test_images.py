"""ContainerImage and ModelData: image URIs, artifact URLs and the pull/read grants they bring."""

from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template

from serverless_inference import ContainerImage, ModelData, ServerlessEndpoint
from serverless_inference.images import HUGGING_FACE_DEFAULT_CPU_TAG
from serverless_inference.registries import hugging_face_registry_accounts
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


REPOSITORY = "huggingface-pytorch-inference"


def _pull_arn(account: Any, region: Any) -> dict[str, Any]:
    """The ECR repository ARN as CloudFormation joins it (adjacent literals merged)."""
    parts: list[Any] = ["arn:", {"Ref": "AWS::Partition"}]
    for part in (":ecr:", region, ":", account, f":repository/{REPOSITORY}"):
        if isinstance(part, str) and isinstance(parts[-1], str):
            parts[-1] += part
        else:
            parts.append(part)
    return {"Fn::Join": ["", parts]}


def test_hugging_face_image_in_a_region_agnostic_stack_maps_the_registry_account() -> None:
    stack = new_stack()
    ServerlessEndpoint(stack, "Endpoint", image=ContainerImage.hugging_face_inference())
    template = linted_template(stack)
    mapping = template.to_json()["Mappings"]["HuggingFaceRegistryAccounts"]
    assert mapping == {
        region: {"account": account} for region, account in hugging_face_registry_accounts().items()
    }
    # regions aws-cdk-lib's region facts have no DLC account for
    assert mapping["af-south-1"] == {"account": "626614931356"}
    assert mapping["ap-northeast-3"] == {"account": "364406365360"}
    assert mapping["il-central-1"] == {"account": "780543022126"}
    assert mapping["ca-west-1"] == {"account": "204538143572"}
    assert mapping["us-gov-west-1"] == {"account": "442386744353"}
    account = {"Fn::FindInMap": ["HuggingFaceRegistryAccounts", {"Ref": "AWS::Region"}, "account"]}
    assert _model(template)["Image"] == {
        "Fn::Join": [
            "",
            [
                account,
                ".dkr.ecr.",
                {"Ref": "AWS::Region"},
                ".",
                {"Ref": "AWS::URLSuffix"},
                f"/{REPOSITORY}:{HUGGING_FACE_DEFAULT_CPU_TAG}",
            ],
        ]
    }
    assert _pull_resources(template) == [_pull_arn(account, {"Ref": "AWS::Region"})]


def test_one_mapping_serves_every_hugging_face_image_of_a_stack() -> None:
    stack = new_stack()
    for name in ("One", "Two"):
        ServerlessEndpoint(stack, name, image=ContainerImage.hugging_face_inference())
    assert list(linted_template(stack).to_json()["Mappings"]) == ["HuggingFaceRegistryAccounts"]


@pytest.mark.parametrize(
    ("region", "uri"),
    [
        ("eu-west-1", "763104351884.dkr.ecr.eu-west-1.amazonaws.com"),
        ("me-south-1", "217643126080.dkr.ecr.me-south-1.amazonaws.com"),
        ("af-south-1", "626614931356.dkr.ecr.af-south-1.amazonaws.com"),
        ("ap-northeast-3", "364406365360.dkr.ecr.ap-northeast-3.amazonaws.com"),
        ("ca-west-1", "204538143572.dkr.ecr.ca-west-1.amazonaws.com"),
        ("il-central-1", "780543022126.dkr.ecr.il-central-1.amazonaws.com"),
        ("us-gov-west-1", "442386744353.dkr.ecr.us-gov-west-1.amazonaws.com"),
        ("us-gov-east-1", "446045086412.dkr.ecr.us-gov-east-1.amazonaws.com"),
        ("cn-north-1", "727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn"),
    ],
)
def test_hugging_face_image_in_a_regional_stack_names_the_registry(region: str, uri: str) -> None:
    stack = new_stack(region=region)
    ServerlessEndpoint(stack, "Endpoint", image=ContainerImage.hugging_face_inference("custom-tag"))
    template = linted_template(stack)
    assert "Mappings" not in template.to_json()
    assert _model(template)["Image"] == f"{uri}/{REPOSITORY}:custom-tag"
    account = uri.split(".")[0]
    assert _pull_resources(template) == [_pull_arn(account, region)]


@pytest.mark.parametrize("region", ["us-esat-1", "ap-southeast-5"])
def test_fails_clearly_in_a_region_the_table_does_not_know(region: str) -> None:
    stack = new_stack(region=region)
    with pytest.raises(
        ValueError,
        match=rf"No registry of AWS's Hugging Face inference images is known for region '{region}'"
        r".*registry_account='<12-digit account>'",
    ):
        ServerlessEndpoint(stack, "Endpoint", image=ContainerImage.hugging_face_inference())


def test_registry_account_override_serves_a_region_newer_than_the_table() -> None:
    stack = new_stack(region="ap-southeast-5")
    image = ContainerImage.hugging_face_inference(registry_account="550225433462")
    ServerlessEndpoint(stack, "Endpoint", image=image)
    template = linted_template(stack)
    assert _model(template)["Image"] == {
        "Fn::Join": [
            "",
            [
                "550225433462.dkr.ecr.ap-southeast-5.",
                {"Ref": "AWS::URLSuffix"},
                f"/{REPOSITORY}:{HUGGING_FACE_DEFAULT_CPU_TAG}",
            ],
        ]
    }
    assert _pull_resources(template) == [_pull_arn("550225433462", "ap-southeast-5")]


def test_registry_account_override_replaces_the_mapping_of_a_region_agnostic_stack() -> None:
    stack = new_stack()
    image = ContainerImage.hugging_face_inference(registry_account="550225433462")
    ServerlessEndpoint(stack, "Endpoint", image=image)
    template = linted_template(stack)
    assert "Mappings" not in template.to_json()
    assert _model(template)["Image"]["Fn::Join"][1][0] == "550225433462.dkr.ecr."


@pytest.mark.parametrize("account", ["1234", "12345678901a", "7631043518840", ""])
def test_fails_when_registry_account_is_not_an_account_id(account: str) -> None:
    with pytest.raises(
        ValueError,
        match=rf"registry_account must be a 12-digit AWS account id, got '{account}'",
    ):
        ContainerImage.hugging_face_inference(registry_account=account)


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
