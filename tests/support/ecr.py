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
