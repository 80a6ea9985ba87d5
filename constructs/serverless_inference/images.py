"""Where a model's container image and artifact come from, and the grants to read them."""

import re
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from aws_cdk import Aws, CfnMapping, Stack, Token
from aws_cdk import aws_ecr as ecr
from aws_cdk import aws_ecr_assets as ecr_assets
from aws_cdk import aws_iam as iam
from aws_cdk import aws_s3 as s3
from constructs import Construct

from serverless_inference.model_archive import packed_model
from serverless_inference.model_artifacts import read_model_directory, tar_gz_asset, warn_about_size
from serverless_inference.registries import (
    hugging_face_registry,
    hugging_face_registry_accounts,
    hugging_face_repository,
)
from serverless_inference_runtime.artifact_contents import ModelDirectory
from serverless_inference_runtime.image_uri import FORM, parse_ecr_image_uri

HUGGING_FACE_DEFAULT_CPU_TAG = "2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04"
"""A CPU tag of AWS's Hugging Face PyTorch inference image (serverless endpoints have no GPU)."""


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
        """An image in a private ECR registry, by its full URI.

        ``<account>.dkr.ecr.<region>.amazonaws.com/<repository>`` followed by ``:<tag>`` or
        ``@sha256:<digest>`` (neither: the tag ``latest``); the FIPS host ``dkr.ecr-fips`` and
        ``amazonaws.com.cn`` in the China regions too. ``serverless-inference check`` accepts
        exactly the same URIs.
        """
        parsed = parse_ecr_image_uri(uri) if not Token.is_unresolved(uri) else None
        if parsed is None:
            raise ValueError(
                f"ContainerImage.from_ecr_uri: uri must be a literal ECR image URI {FORM}, "
                f"got {uri!r}; for a repository of this app use from_ecr_repository"
            )
        return _EcrUriImage(uri, parsed.account, parsed.region, parsed.repository)

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
    def hugging_face_inference(
        tag: str = HUGGING_FACE_DEFAULT_CPU_TAG, *, registry_account: str | None = None
    ) -> "ContainerImage":
        """AWS's Hugging Face PyTorch inference image (a Deep Learning Container).

        The registry account differs by region; it comes from the library's table
        (``serverless_inference.registries``, built from AWS's SageMaker Python SDK). A
        region-pinned stack gets the literal account, and a region the table does not know is
        a ``ValueError`` at synthesis; a region-agnostic stack looks the account up at deploy
        time in a CfnMapping of the table.

        :param tag: the image tag. Default: ``2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04``.
        :param registry_account: the registry's 12-digit account, for a region newer than the
            table. Default: - the table's account for the stack's region.
        """
        if (
            registry_account is not None
            and not Token.is_unresolved(registry_account)
            and not re.fullmatch(r"\d{12}", registry_account)
        ):
            raise ValueError(
                "ContainerImage.hugging_face_inference: registry_account must be a 12-digit "
                f"AWS account id, got {registry_account!r}"
            )
        return _HuggingFaceImage(tag, registry_account)


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


class _HuggingFaceImage(ContainerImage):
    def __init__(self, tag: str, registry_account: str | None) -> None:
        self._tag = tag
        self._registry_account = registry_account

    def bind(self, scope: Construct, role: iam.IGrantable) -> str:
        stack = Stack.of(scope)
        region = stack.region
        if self._registry_account is not None:
            account = self._registry_account
            host = f"{account}.dkr.ecr.{region}.{stack.url_suffix}"
        elif Token.is_unresolved(region):
            # Known at deploy time only: CloudFormation picks the account and the domain.
            account = _registry_account_mapping(stack).find_in_map(Aws.REGION, REGISTRY_ACCOUNT_KEY)
            host = f"{account}.dkr.ecr.{region}.{stack.url_suffix}"
        else:
            registry = hugging_face_registry(region)
            account, host = registry.account, registry.host
        repository = hugging_face_repository()
        _grant_pull(scope, role, repository, account=account, region=region)
        return f"{host}/{repository}:{self._tag}"


REGISTRY_ACCOUNT_MAPPING_ID = "HuggingFaceRegistryAccounts"
REGISTRY_ACCOUNT_KEY = "account"


def _registry_account_mapping(stack: Stack) -> CfnMapping:
    """The stack's one mapping of region to the Hugging Face images' registry account."""
    existing = stack.node.try_find_child(REGISTRY_ACCOUNT_MAPPING_ID)
    if isinstance(existing, CfnMapping):
        return existing
    return CfnMapping(
        stack,
        REGISTRY_ACCOUNT_MAPPING_ID,
        mapping={
            region: {REGISTRY_ACCOUNT_KEY: account}
            for region, account in hugging_face_registry_accounts().items()
        },
    )


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
    """Where a bound model artifact lives (and how large it is, when it is a local file)."""

    bucket: s3.IBucket
    key: str
    archive_bytes: int | None = None
    unpacked_bytes: int | None = None

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

    def bind(
        self, scope: Construct, role: iam.IGrantable, *, memory_size_mb: int | None = None
    ) -> str:
        """Grant ``role`` the read of this artifact; return its S3 URL.

        A local artifact (``from_asset``, ``from_directory``) whose size is a risk for the
        5 GB disk, the start-up window or the memory tier gets a warning on ``scope``.

        :param memory_size_mb: the memory tier the model is loaded into.
            Default: - the memory tier is not checked.
        """
        artifact = self._locate(scope)
        iam.Grant.add_to_principal(
            grantee=role,
            actions=["s3:GetObject"],
            resource_arns=[artifact.bucket.arn_for_objects(artifact.key)],
        )
        if artifact.bucket.encryption_key is not None:
            artifact.bucket.encryption_key.grant_decrypt(role)
        if artifact.archive_bytes is not None or artifact.unpacked_bytes is not None:
            warn_about_size(
                scope,
                archive_bytes=artifact.archive_bytes,
                unpacked_bytes=artifact.unpacked_bytes,
                memory_size_mb=memory_size_mb,
            )
        return artifact.url

    @staticmethod
    def from_s3(bucket: s3.IBucket, key: str) -> "ModelData":
        """An artifact already in S3."""
        if not Token.is_unresolved(key) and (not key or key.endswith("/")):
            raise ValueError(f"ModelData.from_s3: key must name an object, got {key!r}")
        return _S3ModelData(bucket, key)

    @staticmethod
    def from_asset(path: str) -> "ModelData":
        """A local ``model.tar.gz``, uploaded as a CDK asset at deploy time.

        Its S3 key ends in ``.tar.gz`` (``<hash>.tar.gz``), as ``ModelDataUrl`` is documented.
        """
        if not path.endswith(".tar.gz") or not Path(path).is_file():
            raise ValueError(
                f"ModelData.from_asset: path must be an existing .tar.gz file, got {path!r}"
            )
        return _AssetModelData(path)

    @staticmethod
    def from_directory(
        path: str,
        *,
        exclude: Sequence[str] = (),
        require_handler: bool = True,
        cache_directory: str | None = None,
    ) -> "ModelData":
        """A local model directory, packed into a reproducible ``model.tar.gz`` at synthesis.

        The same files always give the same archive and the same asset hash, so an unchanged
        model is never uploaded nor deployed again. The layout is checked first (a
        ``ValueError`` names every problem): model files at the root, the handler at
        ``code/inference.py`` (and an optional ``code/requirements.txt``), as the Hugging Face
        and PyTorch inference toolkits expect. Caches and version-control folders are left
        out (``serverless_inference_runtime.artifact_contents.DEFAULT_EXCLUDE``:
        ``__pycache__``, ``*.pyc``, ``.git``, ``.DS_Store``, ...).

        :param path: the model directory.
        :param exclude: more glob patterns to leave out: names at any depth (``*.ckpt``) or
            paths from the directory (``checkpoints/*``). Default: - only the defaults.
        :param require_handler: whether ``code/inference.py`` must be there; ``False`` for an
            image that serves the model with its own handler (the Hugging Face toolkit's
            default pipeline with ``HF_TASK``). Default: ``True``.
        :param cache_directory: where packed archives are kept, by content digest.
            Default: - ``$SERVERLESS_INFERENCE_CACHE/model-archives``, else
            ``~/.cache/cdk-serverless-inference/model-archives`` (``XDG_CACHE_HOME`` honoured).
        """
        directory = read_model_directory(path, exclude=exclude, require_handler=require_handler)
        return _DirectoryModelData(
            directory, Path(cache_directory) if cache_directory is not None else None
        )


class _S3ModelData(ModelData):
    def __init__(self, bucket: s3.IBucket, key: str) -> None:
        self._bucket = bucket
        self._key = key

    def _locate(self, scope: Construct) -> ModelArtifact:
        return ModelArtifact(self._bucket, self._key)


class _AssetModelData(ModelData):
    def __init__(self, path: str) -> None:
        # Absolute: the CDK's Node.js process resolves a relative path against its own
        # working directory, which need not be this process's (the one checked above).
        self._path = Path(path).resolve()

    def _locate(self, scope: Construct) -> ModelArtifact:
        bucket, key = tar_gz_asset(scope, "ModelDataAsset", self._path)
        return ModelArtifact(bucket, key, archive_bytes=self._path.stat().st_size)


class _DirectoryModelData(ModelData):
    def __init__(self, directory: ModelDirectory, cache_directory: Path | None) -> None:
        self._directory = directory
        self._cache_directory = cache_directory

    def _locate(self, scope: Construct) -> ModelArtifact:
        packed = packed_model(self._directory, self._cache_directory)
        bucket, key = tar_gz_asset(
            scope, "ModelDataAsset", packed.path, content_digest=packed.digest
        )
        return ModelArtifact(
            bucket, key, archive_bytes=packed.archive_bytes, unpacked_bytes=packed.unpacked_bytes
        )
