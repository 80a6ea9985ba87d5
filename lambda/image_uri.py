"""Amazon ECR image URIs as SageMaker takes them for a model's container image.

One parser for ``ContainerImage.from_ecr_uri`` and ``serverless-inference check``. A URI is
``<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:<tag> | @sha256:<digest>]``:

- the host is a private ECR registry: ``dkr.ecr``, or its FIPS host ``dkr.ecr-fips``, under
  ``amazonaws.com``; ``amazonaws.com.cn`` in the China regions (which have no FIPS host);
- the repository name follows ECR's pattern: lowercase letters and digits, joined by ``.``,
  ``_``, ``__`` or hyphens, parts separated by ``/``, 2 to 256 characters;
- a tag follows the OCI distribution spec: ``[A-Za-z0-9_][A-Za-z0-9._-]{0,127}``. No tag and no
  digest means the tag ``latest``, as SageMaker (``registry/repository[:tag]``) and Docker read it;
- a tag and a digest together are refused: SageMaker documents ``registry/repository[:tag]``
  and ``registry/repository[@digest]``, not both (Docker would ignore the tag);
- SageMaker takes an image path of at most 255 characters.

docs/aws-behaviour.md ("Container images and model artifacts") gives the source of each rule.
"""

import re
from dataclasses import dataclass
from typing import Final

FORM: Final = "<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:<tag> or @sha256:<digest>]"
"""How messages describe a valid URI."""

DEFAULT_TAG: Final = "latest"
"""The tag of a URI that names neither a tag nor a digest."""

MAX_URI_LENGTH: Final = 255
"""Longest image path SageMaker accepts (``ContainerDefinition.Image``)."""

REPOSITORY_NAME_LENGTH: Final = (2, 256)
"""Shortest and longest ECR repository name."""

_PART = r"[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*"
_URI: Final = re.compile(
    r"(?P<account>\d{12})\.dkr\.(?P<service>ecr|ecr-fips)"
    r"\.(?P<region>[a-z]{2}(?:-[a-z]+)+-\d+)\.(?P<domain>amazonaws\.com(?:\.cn)?)"
    rf"/(?P<repository>{_PART}(?:/{_PART})*)"
    r"(?::(?P<tag>[A-Za-z0-9_][A-Za-z0-9._-]{0,127})|@(?P<digest>sha256:[a-f0-9]{64}))?"
)
_CHINA_DOMAIN = "amazonaws.com.cn"


@dataclass(frozen=True)
class EcrImageUri:
    """The parts of a valid ECR image URI."""

    account: str
    region: str
    repository: str
    tag: str | None
    """The tag (``latest`` when the URI names none); ``None`` for a digest."""
    digest: str | None
    """``sha256:<64 hex digits>``, or ``None`` for a tag."""

    @property
    def image_identifier(self) -> dict[str, str]:
        """The image as ECR's API names it (an ``ImageIdentifier``: the digest, else the tag)."""
        if self.digest is not None:
            return {"imageDigest": self.digest}
        return {"imageTag": self.tag if self.tag is not None else DEFAULT_TAG}


def parse_ecr_image_uri(uri: str) -> EcrImageUri | None:
    """The parts of ``uri``, or ``None`` when it is not an image URI SageMaker can pull."""
    match = _URI.fullmatch(uri)
    if match is None or len(uri) > MAX_URI_LENGTH:
        return None
    china = match["region"].startswith("cn-")
    if (match["domain"] == _CHINA_DOMAIN) != china or (china and match["service"] == "ecr-fips"):
        return None
    low, high = REPOSITORY_NAME_LENGTH
    if not low <= len(match["repository"]) <= high:
        return None
    digest = match["digest"]
    tag = match["tag"] if match["tag"] is not None or digest is not None else DEFAULT_TAG
    return EcrImageUri(match["account"], match["region"], match["repository"], tag, digest)
