"""Where a model's container image and artifact come from, and the grants to read them."""

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Stack, Token, region_info
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_assets as s3_assets
from constructs import Construct

HUGGING_FACE_PYTORCH_INFERENCE_REPOSITORY = "huggingface-pytorch-inference"
HUGGING_FACE_DEFAULT_CPU_TAG = "2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04"
"""A CPU tag of AWS's Hugging Face PyTorch inference image (serverless endpoints have no GPU)."""

_ECR_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?"
    r"/(?P<repository>[a-z0-9._/-]+)(?::(?P<tag>[\w.-]+)|@(?P<digest>sha256:[a-f0-9]{64}))$"
)


class ContainerImage(ABC):
    """The inference container image of a model.

    Binding an image to a model's execution role grants that role exactly the
    ECR pull of the image's repository (plus ``ecr:GetAuthorizationToken``).
    """

    @abstractmethod
    def bind(self, scope: Construct, role: iam.IGrantable) -> str:
        """Grant ``role`` the pull of this image; return its URI."""

    @staticmethod
    def from_ecr_uri(uri: str) -> "ContainerImage":
        """An image in any ECR registry, by its full URI (``<account>.dkr.ecr.<region>...:tag``)."""
        match = _ECR_URI.match(uri) if not Token.is_unresolved(uri) else None
        if match is None:
            raise ValueError(
                f"ContainerImage.from_ecr_uri: uri must be a literal ECR image URI "
                f"<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag> (or @sha256:...), "
                f"got {uri!r}; for a repository of this app use from_ecr_repository"
            )
        return _EcrUriImage(uri, match["account"], match["region"], match["repository"])

    @staticmethod
    def from_ecr_repository(repository: ecr.IRepository, tag: str = "latest") -> "ContainerImage":
        """An image in an ECR repository. Default tag: ``latest``."""
        return _EcrRepositoryImage(repository, tag)

    @staticmethod
    def from_asset(
        directory: str,
        *,
        platform: ecr_assets.Platform | None = None,
        build_args: Mapping[str, str] | None = None,
    ) -> "ContainerImage":
        """An image built from a local Dockerfile when the app is deployed (Docker needed then).

        Default platform: ``linux/amd64`` (what SageMaker runs); default build args: none.
        """
        if not Path(directory, "Dockerfile").is_file():
            raise ValueError(
                f"ContainerImage.from_asset: directory must hold a Dockerfile, got {directory!r}"
            )
        return _AssetImage(
            directory, platform or ecr_assets.Platform.LINUX_AMD64, dict(build_args or {})
        )

    @staticmethod
    def hugging_face_inference(tag: str = HUGGING_FACE_DEFAULT_CPU_TAG) -> "ContainerImage":
        """AWS's Hugging Face PyTorch inference image (a Deep Learning Container).

        The registry account differs by region; in a region-agnostic stack it is
        looked up at deploy time through a CfnMapping. Default tag:
        ``2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04``.
        """
        return _DeepLearningContainerImage(HUGGING_FACE_PYTORCH_INFERENCE_REPOSITORY, tag)


class _EcrUriImage(ContainerImage):
    def __init__(self, uri: str, account: str, region: str, repository_name: str) -> None:
        self._uri = uri
        self._account = account
        self._region = region
        self._repository_name = repository_name

    def bind(self, scope: Construct, role: iam.IGrantable) -> str:
        _grant_pull(scope, role, self._repository_name, account=self._account, region=self._region)
        return self._uri


class _EcrRepositoryImage(ContainerImage):
    def __init__(self, repository: ecr.IRepository, tag: str) -> None:
        self._repository = repository
        self._tag = tag

    def bind(self, scope: Construct, role: iam.IGrantable) -> str:
        self._repository.grant_pull(role)
        return self._repository.repository_uri_for_tag(self._tag)


class _AssetImage(ContainerImage):
    def __init__(
        self, directory: str, platform: ecr_assets.Platform, build_args: dict[str, str]
    ) -> None:
        self._directory = directory
        self._platform = platform
        self._build_args = build_args

    def bind(self, scope: Construct, role: iam.IGrantable) -> str:
        asset = ecr_assets.DockerImageAsset(
            scope,
            "ImageAsset",
            directory=self._directory,
            platform=self._platform,
            build_args=self._build_args or None,
            exclude=[".git", "**/__pycache__", "**/*.pyc"],
        )
        asset.repository.grant_pull(role)
        return asset.image_uri


class _DeepLearningContainerImage(ContainerImage):
    def __init__(self, repository_name: str, tag: str) -> None:
        self._repository_name = repository_name
        self._tag = tag

    def bind(self, scope: Construct, role: iam.IGrantable) -> str:
        stack = Stack.of(scope)
        account = stack.regional_fact(region_info.FactName.DLC_REPOSITORY_ACCOUNT)
        _grant_pull(scope, role, self._repository_name, account=account, region=stack.region)
        registry = f"{account}.dkr.ecr.{stack.region}.{stack.url_suffix}"
        return f"{registry}/{self._repository_name}:{self._tag}"


def _grant_pull(
    scope: Construct, role: iam.IGrantable, repository_name: str, *, account: str, region: str
) -> None:
    """Grant ``role`` the pull of one repository, which may be in another account (AWS's)."""
    repository = ecr.Repository.from_repository_attributes(
        scope,
        "ImageRepository",
        repository_name=repository_name,
        repository_arn=Stack.of(scope).format_arn(
            service="ecr",
            resource="repository",
            resource_name=repository_name,
            account=account,
            region=region,
        ),
    )
    repository.grant_pull(role)


@dataclass(frozen=True)
class ModelArtifact:
    """Where a bound model artifact lives."""

    bucket: s3.IBucket
    key: str

    @property
    def url(self) -> str:
        """The ``s3://`` URL SageMaker downloads the artifact from."""
        return self.bucket.s3_url_for_object(self.key)


class ModelData(ABC):
    """The model artifact (``model.tar.gz``) a container loads.

    Binding grants the model's execution role ``s3:GetObject`` on exactly this
    object (and decrypt with the bucket's KMS key, when it has one).
    """

    @abstractmethod
    def _locate(self, scope: Construct) -> ModelArtifact: ...

    def bind(self, scope: Construct, role: iam.IGrantable) -> str:
        """Grant ``role`` the read of this artifact; return its S3 URL."""
        artifact = self._locate(scope)
        iam.Grant.add_to_principal(
            grantee=role,
            actions=["s3:GetObject"],
            resource_arns=[artifact.bucket.arn_for_objects(artifact.key)],
        )
        if artifact.bucket.encryption_key is not None:
            artifact.bucket.encryption_key.grant_decrypt(role)
        return artifact.url

    @staticmethod
    def from_s3(bucket: s3.IBucket, key: str) -> "ModelData":
        """An artifact already in S3."""
        if not Token.is_unresolved(key) and (not key or key.endswith("/")):
            raise ValueError(f"ModelData.from_s3: key must name an object, got {key!r}")
        return _S3ModelData(bucket, key)

    @staticmethod
    def from_asset(path: str) -> "ModelData":
        """A local ``model.tar.gz``, uploaded as a CDK asset at deploy time."""
        if not path.endswith(".tar.gz") or not Path(path).is_file():
            raise ValueError(
                f"ModelData.from_asset: path must be an existing .tar.gz file, got {path!r}"
            )
        return _AssetModelData(path)


class _S3ModelData(ModelData):
    def __init__(self, bucket: s3.IBucket, key: str) -> None:
        self._bucket = bucket
        self._key = key

    def _locate(self, scope: Construct) -> ModelArtifact:
        return ModelArtifact(self._bucket, self._key)


class _AssetModelData(ModelData):
    def __init__(self, path: str) -> None:
        self._path = path

    def _locate(self, scope: Construct) -> ModelArtifact:
        asset = s3_assets.Asset(scope, "ModelDataAsset", path=self._path)
        return ModelArtifact(asset.bucket, asset.s3_object_key)
