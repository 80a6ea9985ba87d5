"""What ``check`` reads: the size of a model artifact (a local file or an S3 object) and of a
container image in ECR. A missing artifact or image is a failing line, not an error; any
other AWS error is (exit status 2).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from botocore.exceptions import BotoCoreError, ClientError

from serverless_inference_cli.aws import AwsContext, is_not_found
from serverless_inference_cli.check.rules import Finding, Status
from serverless_inference_runtime.image_uri import FORM, parse_ecr_image_uri

_S3_URI = re.compile(r"^s3://([^/]+)/(.+)$")


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


def artifact_size(ctx: AwsContext, location: str) -> tuple[int | None, Finding | None]:
    """Size of a local file or an S3 object; a failing finding when it does not exist."""
    match = _S3_URI.match(location)
    if match is None:
        path = Path(location)
        if not path.is_file():
            return None, Finding(
                "model artifact",
                Status.FAIL,
                location,
                "no such file",
                "pass the path of model.tar.gz or its s3:// URI",
            )
        return path.stat().st_size, None
    bucket, key = match.groups()
    s3 = ctx.client("s3")
    missing = Finding(
        "model artifact",
        Status.FAIL,
        location,
        "no such S3 object (or bucket)",
        "upload the artifact or fix the URI",
    )
    return _size(
        ctx,
        f"read s3://{bucket}/{key}",
        lambda: int(s3.head_object(Bucket=bucket, Key=key)["ContentLength"]),
        missing,
    )


def image_size(ctx: AwsContext, uri: str) -> tuple[int | None, Finding | None]:
    """``imageSizeInBytes`` of an ECR image; failing findings for non-ECR or missing ones."""
    image = parse_ecr_image_uri(uri)
    if image is None:
        return None, Finding(
            "container image",
            Status.FAIL,
            uri,
            f"not an ECR image URI ({FORM})",
            "push the image to ECR: serverless endpoints cannot use other registries",
        )
    ecr = ctx.client("ecr", region=image.region)

    def size() -> int:
        images = ecr.describe_images(
            registryId=image.account,
            repositoryName=image.repository,
            imageIds=[image.image_identifier],
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
