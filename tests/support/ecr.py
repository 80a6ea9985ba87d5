"""An image of a given size in moto's ECR (moto reports the manifest's config size as
``imageSizeInBytes``)."""

import json
from typing import Any


def put_fake_image(ecr: Any, repository: str, tag: str, size_bytes: int) -> None:
    """Create ``repository`` in moto's ECR and push a manifest whose image is ``size_bytes``."""
    ecr.create_repository(repositoryName=repository)
    manifest = {
        "schemaVersion": 2,
        "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
        "config": {
            "mediaType": "application/vnd.docker.container.image.v1+json",
            "size": size_bytes,
            "digest": "sha256:" + "a" * 64,
        },
        "layers": [],
    }
    ecr.put_image(repositoryName=repository, imageManifest=json.dumps(manifest), imageTag=tag)


ACCOUNT = "123456789012"
_HOST = f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com"
_DIGEST = "sha256:" + "0123456789abcdef" * 4

VALID_IMAGE_URIS = {
    "tag": f"{_HOST}/sentiment:v1",
    "no tag or digest (latest)": f"{_HOST}/sentiment",
    "digest": f"{_HOST}/sentiment@{_DIGEST}",
    "FIPS host": f"{ACCOUNT}.dkr.ecr-fips.us-east-1.amazonaws.com/sentiment:v1",
    "GovCloud FIPS host": f"{ACCOUNT}.dkr.ecr-fips.us-gov-west-1.amazonaws.com/sentiment:v1",
    "China": f"{ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com.cn/sentiment:v1",
    "namespaces and separators": f"{_HOST}/team-a/sentiment__model--x.y:v1.2_3-RC",
    "128-character tag": f"{_HOST}/sentiment:{'v' * 128}",
}
"""Image URIs SageMaker can pull, which ``from_ecr_uri`` and ``check`` both accept."""

INVALID_IMAGE_URIS = {
    "upper-case repository": f"{_HOST}/Sentiment:v1",
    "character outside ECR's names": f"{_HOST}/senti+ment:v1",
    "separator at the end": f"{_HOST}/sentiment/:v1",
    "two dots": f"{_HOST}/senti..ment:v1",
    "tag and digest": f"{_HOST}/sentiment:v1@{_DIGEST}",
    "character outside OCI tags": f"{_HOST}/sentiment:v1+build",
    "tag starting with a dot": f"{_HOST}/sentiment:.v1",
    "empty tag": f"{_HOST}/sentiment:",
    "129-character tag": f"{_HOST}/sentiment:{'v' * 129}",
    "upper-case digest": f"{_HOST}/sentiment@{_DIGEST.upper()}",
    "China domain outside China": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com.cn/sentiment:v1",
    "China region on the global domain": f"{ACCOUNT}.dkr.ecr.cn-north-1.amazonaws.com/sentiment:v1",
    "FIPS host in China": f"{ACCOUNT}.dkr.ecr-fips.cn-north-1.amazonaws.com.cn/sentiment:v1",
    "short account": "12345.dkr.ecr.us-east-1.amazonaws.com/sentiment:v1",
    "another registry": "docker.io/library/python:3.12",
    "no registry": "sentiment:v1",
    "over 255 characters": f"{_HOST}/{'a' * 200}/{'b' * 20}:v1",
}
"""Image URIs SageMaker cannot pull or ECR cannot hold, which both refuse."""
