"""Where AWS publishes its Hugging Face PyTorch inference images, region by region.

The table (``hugging_face_registries.json``, shipped in the package) is built from the data of
AWS's SageMaker Python SDK; the file names its source commit and the date it was taken. This
module reads it without starting the CDK, so the app's configuration loader and the command-line
tool can check a region against it.
"""

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

REGISTRIES_FILE = "hugging_face_registries.json"


@dataclass(frozen=True)
class Registry:
    """The ECR registry of AWS's Hugging Face images in one region."""

    account: str
    region: str
    domain: str

    @property
    def host(self) -> str:
        """``<account>.dkr.ecr.<region>.<domain>``, the registry part of an image URI."""
        return f"{self.account}.dkr.ecr.{self.region}.{self.domain}"


@cache
def _table() -> dict[str, Any]:
    text = resources.files("serverless_inference").joinpath(REGISTRIES_FILE).read_text()
    table: dict[str, Any] = json.loads(text)
    return table


@cache
def _registries() -> dict[str, Registry]:
    return {
        region: Registry(account=account, region=region, domain=partition["domain"])
        for partition in _table()["partitions"].values()
        for region, account in partition["accounts"].items()
    }


def hugging_face_repository() -> str:
    """The repository name of the images in every registry (``huggingface-pytorch-inference``)."""
    repository: str = _table()["repository"]
    return repository


def hugging_face_registry_regions() -> tuple[str, ...]:
    """Every region the table knows, sorted."""
    return tuple(sorted(_registries()))


def hugging_face_registry(region: str) -> Registry:
    """The registry of AWS's Hugging Face PyTorch inference images in ``region``.

    Raises ``ValueError`` naming the region and the ``registry_account`` override of
    ``ContainerImage.hugging_face_inference`` when the table has no entry for it.
    """
    registry = _registries().get(region)
    if registry is None:
        raise ValueError(
            f"No registry of AWS's Hugging Face inference images is known for region {region!r} "
            f"(the table of aws/sagemaker-python-sdk, commit {_table()['source']['commit'][:12]}, "
            f"lists {', '.join(hugging_face_registry_regions())}). If AWS publishes the image "
            "there, pass its account: ContainerImage.hugging_face_inference(..., "
            "registry_account='<12-digit account>')"
        )
    return registry


def hugging_face_registry_account(region: str) -> str:
    """The account of the registry of AWS's Hugging Face inference images in ``region``."""
    return hugging_face_registry(region).account


def hugging_face_registry_accounts() -> dict[str, str]:
    """Account by region, for every region of the table."""
    return {region: registry.account for region, registry in sorted(_registries().items())}
