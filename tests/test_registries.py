"""The table of AWS's Hugging Face image registries: its source, its coverage, its lookups."""

import fnmatch
import json
import re
import tomllib
from datetime import date
from importlib import resources
from typing import Any

import pytest

from serverless_inference.registries import (
    REGISTRIES_FILE,
    hugging_face_registry,
    hugging_face_registry_account,
    hugging_face_registry_accounts,
    hugging_face_registry_regions,
    hugging_face_repository,
)
from tests.cdk_helpers import ROOT

SERVERLESS_INFERENCE_REGIONS = (
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-north-1",
    "eu-south-1",
    "eu-south-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
)
"""Where SageMaker Serverless Inference is offered. Source: the SageMaker developer guide, "Deploy
models with Amazon SageMaker Serverless Inference" (https://docs.aws.amazon.com/sagemaker/latest/dg/
serverless-endpoints.html): "generally available in all AWS commercial Regions where SageMaker is
available (except the AWS China Regions)"; the commercial Regions where SageMaker is available are
the `aws` partition's endpoints of `api.sagemaker` in botocore 1.44.8's data/endpoints.json (the
same list as the General Reference page "Amazon SageMaker AI endpoints and quotas")."""

WITHOUT_HUGGING_FACE_IMAGES = {
    "ap-east-2": "975050140332",
    "ap-southeast-5": "550225433462",
    "ap-southeast-6": "633930458069",
    "ap-southeast-7": "590183813437",
    "mx-central-1": "637423239942",
}
"""Serverless regions where the SDK's huggingface.json (commit bec022e55096) lists no
huggingface-pytorch-inference registry in any version, so the SDK itself refuses them. The
account is where the SDK's other Deep Learning Container tables (pytorch.json, huggingface-llm.json)
place AWS's images in that region: a lead for `registry_account`, not a promise the image exists."""


def _table() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        resources.files("serverless_inference").joinpath(REGISTRIES_FILE).read_text()
    )
    return data


def test_every_serverless_region_has_a_registry_or_is_a_known_gap() -> None:
    known = set(hugging_face_registry_regions())
    missing = set(SERVERLESS_INFERENCE_REGIONS) - known
    assert missing == set(WITHOUT_HUGGING_FACE_IMAGES), (
        "a serverless region lost its entry, or the table learned a gap: update the list"
    )


@pytest.mark.parametrize("region", sorted(WITHOUT_HUGGING_FACE_IMAGES))
def test_a_gap_region_fails_naming_the_override(region: str) -> None:
    with pytest.raises(ValueError, match=rf"region '{region}'.*registry_account="):
        hugging_face_registry_account(region)


def test_the_table_names_its_source_and_date() -> None:
    source = _table()["source"]
    assert source["repository"] == "aws/sagemaker-python-sdk"
    assert source["path"].endswith("image_uri_config/huggingface.json")
    assert re.fullmatch(r"[0-9a-f]{40}", source["commit"])
    assert date.fromisoformat(source["committed"]) <= date.fromisoformat(source["retrieved"])


def test_registry_domain_per_partition() -> None:
    partitions = _table()["partitions"]
    assert {name: partition["domain"] for name, partition in partitions.items()} == {
        "aws": "amazonaws.com",
        "aws-cn": "amazonaws.com.cn",
        "aws-us-gov": "amazonaws.com",
    }
    assert set(partitions["aws-cn"]["accounts"]) == {"cn-north-1", "cn-northwest-1"}
    assert set(partitions["aws-us-gov"]["accounts"]) == {"us-gov-east-1", "us-gov-west-1"}


def test_every_account_is_an_account_id_and_every_region_is_listed_once() -> None:
    regions = [region for p in _table()["partitions"].values() for region in p["accounts"]]
    assert len(regions) == len(set(regions)) == len(hugging_face_registry_accounts())
    assert all(re.fullmatch(r"\d{12}", a) for a in hugging_face_registry_accounts().values())


@pytest.mark.parametrize(
    ("region", "host"),
    [
        ("us-east-1", "763104351884.dkr.ecr.us-east-1.amazonaws.com"),
        ("af-south-1", "626614931356.dkr.ecr.af-south-1.amazonaws.com"),
        ("cn-northwest-1", "727897471807.dkr.ecr.cn-northwest-1.amazonaws.com.cn"),
        ("us-gov-east-1", "446045086412.dkr.ecr.us-gov-east-1.amazonaws.com"),
    ],
)
def test_registry_host(region: str, host: str) -> None:
    assert hugging_face_registry(region).host == host
    assert hugging_face_registry_account(region) == host.split(".")[0]


def test_repository_is_the_pytorch_inference_image() -> None:
    assert hugging_face_repository() == "huggingface-pytorch-inference"


def test_the_table_ships_in_the_wheel() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text())
    patterns = pyproject["tool"]["setuptools"]["package-data"]["serverless_inference"]
    assert any(fnmatch.fnmatch(REGISTRIES_FILE, pattern) for pattern in patterns)
