"""Model artifacts in the CDK: a ``.tar.gz`` file asset whose S3 key ends in ``.tar.gz``, the
layout check of a model directory, and the size warnings.

CDK's file assets keep only the last extension of the file in the S3 key: an
``s3_assets.Asset`` of ``model.tar.gz`` is uploaded as ``<hash>.gz`` (aws-cdk-lib 2.273 and 2.275:
``AssetManifestBuilder.defaultAddFileAsset`` appends ``path.extname`` of the staged file to
the source hash). SageMaker's ``ModelDataUrl`` is documented as "a single gzip compressed tar
archive (.tar.gz suffix)", so :func:`tar_gz_asset` registers the staged archive with
``<hash>.tar`` as its source hash: the key becomes ``<hash>.tar.gz``, with no custom resource.
"""

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from aws_cdk import (
    Annotations,
    AssetHashType,
    AssetStaging,
    FileAssetPackaging,
    Names,
    Stack,
)
from aws_cdk import aws_kms as kms
from aws_cdk import aws_s3 as s3
from constructs import Construct

from serverless_inference.validation import Problems
from serverless_inference_runtime.artifact_contents import ModelDirectory, read_directory
from serverless_inference_runtime.artifact_rules import (
    DISK,
    MEMORY,
    START_UP,
    SettingNames,
    Status,
    check_artifact_size,
    check_layout,
)

TAR_SUFFIX: Final = ".tar"
"""Added to the asset's source hash; CDK adds the staged file's last extension, ``.gz``."""
SETTING_NAMES: Final = SettingNames(
    memory="memory_size_mb={}", handler_optional="require_handler=False"
)
WARNING_IDS: Final = {
    DISK: "serverless-inference:model-artifact-disk",
    START_UP: "serverless-inference:model-artifact-start-up",
    MEMORY: "serverless-inference:model-artifact-memory",
}
"""The id of each size warning (``cdk synth`` acknowledgments and ``--strict`` name them)."""


def tar_gz_asset(
    scope: Construct, construct_id: str, path: Path, *, content_digest: str | None = None
) -> tuple[s3.IBucket, str]:
    """Stage ``path`` (a ``.tar.gz``) as a file asset; return its bucket and its S3 key,
    ``<hash>.tar.gz``.

    :param content_digest: the asset hash. Default: - a hash of the file's bytes.
    """
    holder = Construct(scope, construct_id)
    staging = AssetStaging(
        holder,
        "Stage",
        source_path=str(path),
        asset_hash=content_digest,
        asset_hash_type=AssetHashType.CUSTOM if content_digest is not None else None,
    )
    stack = Stack.of(holder)
    location = stack.synthesizer.add_file_asset(
        source_hash=staging.asset_hash + TAR_SUFFIX,
        file_name=staging.relative_staged_path(stack),
        packaging=FileAssetPackaging.FILE,
        display_name=Names.stack_relative_construct_path(holder),
    )
    key = (
        kms.Key.from_key_arn(holder, "Key", location.kms_key_arn)
        if location.kms_key_arn is not None
        else None
    )
    bucket = s3.Bucket.from_bucket_attributes(
        holder, "AssetBucket", bucket_name=location.bucket_name, encryption_key=key
    )
    return bucket, location.object_key


def check_model_directory(
    problems: Problems,
    path: str,
    *,
    exclude: Sequence[str],
    require_handler: bool,
    names: SettingNames = SETTING_NAMES,
) -> ModelDirectory | None:
    """Record in ``problems``, as ``path`` and ``exclude``, why ``path`` cannot be packed: no
    directory, patterns that are not globs, a layout the inference toolkits cannot serve (a fix
    names the caller's settings as ``names`` spell them); return the files
    ``ModelData.from_directory`` packs, or ``None`` after recording a problem."""
    patterns_valid = not isinstance(exclude, str) and all(isinstance(p, str) and p for p in exclude)
    if not patterns_valid:
        problems.add(
            "exclude",
            exclude,
            "a list of glob patterns: names ('*.ckpt', 'optimizer.pt') or paths ('checkpoints/*')",
        )
    root = Path(path)
    if not root.is_dir():
        problems.add("path", path, "an existing directory")
        return None
    if not patterns_valid:
        return None
    directory = read_directory(root, exclude)
    failures = [
        finding
        for finding in check_layout(
            directory.contents, require_handler=require_handler, names=names
        )
        if finding.status is Status.FAIL
    ]
    for finding in failures:
        problems.add(
            "path",
            path,
            f"a model directory the inference toolkits can serve ({finding.item}: "
            f"{finding.value}: {finding.reason}; {finding.fix})",
        )
    return None if failures else directory


def read_model_directory(
    path: str, *, exclude: Sequence[str], require_handler: bool
) -> ModelDirectory:
    """The files ``ModelData.from_directory`` packs; a ``ValueError`` when the path is no
    directory or its layout is one the inference toolkits cannot serve."""
    problems = Problems("ModelData.from_directory props")
    directory = check_model_directory(
        problems, path, exclude=exclude, require_handler=require_handler
    )
    problems.raise_if_any()
    assert directory is not None  # no problem recorded: the directory was read
    return directory


def warn_about_size(
    scope: Construct,
    *,
    archive_bytes: int | None,
    unpacked_bytes: int | None,
    memory_size_mb: int | None,
) -> None:
    """A warning on ``scope`` for each size line that fails or warns."""
    for finding in check_artifact_size(
        archive_bytes, unpacked_bytes, memory_mb=memory_size_mb, names=SETTING_NAMES
    ):
        if finding.status in (Status.WARN, Status.FAIL):
            Annotations.of(scope).add_warning_v2(
                WARNING_IDS[finding.item],
                f"Model artifact, {finding.item}: {finding.value}: {finding.reason}. "
                f"Fix: {finding.fix}.",
            )
