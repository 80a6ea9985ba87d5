"""What ``check`` reads: a model artifact (a local directory, a local ``model.tar.gz`` or an
S3 object) and the size of a container image in ECR. A missing artifact or image, or a local
file that is not a gzip-compressed tarball, is a failing line, not an error; any other AWS
error is (exit status 2).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from serverless_inference_cli.artifacts import (
    ArtifactContents,
    Finding,
    NotATarballError,
    Status,
    read_directory,
    read_tarball,
)
from serverless_inference_cli.aws import AwsContext, is_not_found

_S3_URI = re.compile(r"^s3://([^/]+)/(.+)$")
_ECR_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repo>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


def _size(
    ctx: AwsContext, action: str, read: Callable[[], int], missing: Finding
) -> tuple[int | None, Finding | None]:
    """``read()``; ``missing`` when AWS says there is no such thing; other errors raise."""
    try:
        return read(), None
    except ClientError as exc:
        if is_not_found(exc):
            return None, missing
        raise ctx.translate(exc, action) from exc
    except BotoCoreError as exc:
        raise ctx.translate(exc, action) from exc


@dataclass(frozen=True)
class Artifact:
    """What ``check`` knows of a model artifact."""

    archive_bytes: int | None
    """The archive's size; ``None`` for a directory, not packed yet."""
    contents: ArtifactContents | None = None
    """Its files, for a local artifact; ``None`` for an S3 object."""


def find_artifact(
    ctx: AwsContext, location: str, exclude: Sequence[str] = ()
) -> Artifact | Finding:
    """A local directory (without the excluded files, as ``ModelData.from_directory`` packs
    it), a local ``model.tar.gz`` or an S3 object; a failing finding when there is none."""
    match = _S3_URI.match(location)
    if match is None:
        return _local_artifact(Path(location), exclude)
    bucket, key = match.groups()
    s3 = ctx.client("s3")
    missing = Finding(
        "model artifact",
        Status.FAIL,
        location,
        "no such S3 object (or bucket)",
        "upload the artifact or fix the URI",
    )
    size, failed = _size(
        ctx,
        f"read s3://{bucket}/{key}",
        lambda: int(s3.head_object(Bucket=bucket, Key=key)["ContentLength"]),
        missing,
    )
    return Artifact(size) if failed is None else failed


def _local_artifact(path: Path, exclude: Sequence[str]) -> Artifact | Finding:
    if path.is_dir():
        return Artifact(None, read_directory(path, exclude).contents)
    if not path.is_file():
        return Finding(
            "model artifact",
            Status.FAIL,
            str(path),
            "no such file or directory",
            "pass the model directory, its model.tar.gz or its s3:// URI",
        )
    try:
        contents = read_tarball(path)
    except NotATarballError:
        return Finding(
            "model artifact",
            Status.FAIL,
            str(path),
            "not a gzip-compressed tar archive: SageMaker cannot unpack it",
            "pack the model directory's content: tar -czf model.tar.gz -C <model dir> .",
        )
    return Artifact(contents.archive_bytes, contents)


def image_size(ctx: AwsContext, uri: str) -> tuple[int | None, Finding | None]:
    """``imageSizeInBytes`` of an ECR image; failing findings for non-ECR or missing ones."""
    match = _ECR_URI.match(uri)
    if match is None:
        return None, Finding(
            "container image",
            Status.FAIL,
            uri,
            "not an ECR image URI (<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>)",
            "push the image to ECR: serverless endpoints cannot use other registries",
        )
    image_id = (
        {"imageDigest": match["digest"]}
        if match["digest"]
        else {"imageTag": match["tag"] or "latest"}
    )
    ecr = ctx.client("ecr", region=match["region"])

    def size() -> int:
        images = ecr.describe_images(
            registryId=match["account"], repositoryName=match["repo"], imageIds=[image_id]
        )
        return int(images["imageDetails"][0]["imageSizeInBytes"])

    missing = Finding(
        "container image",
        Status.FAIL,
        uri,
        "no such repository or image in ECR",
        "push the image or fix the URI",
    )
    return _size(ctx, f"describe ECR image {uri}", size, missing)
