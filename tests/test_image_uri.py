"""``serverless_inference_runtime.image_uri``: the one ECR image URI parser of the library and
the command (the cases are shared with ``test_images.py`` and ``tests/cli/test_check.py``)."""

import pytest

from serverless_inference_runtime.image_uri import (
    DEFAULT_TAG,
    MAX_URI_LENGTH,
    EcrImageUri,
    parse_ecr_image_uri,
)
from tests.support.ecr import INVALID_IMAGE_URIS, VALID_IMAGE_URIS


@pytest.mark.parametrize("uri", VALID_IMAGE_URIS.values(), ids=VALID_IMAGE_URIS.keys())
def test_accepts_what_sagemaker_can_pull(uri: str) -> None:
    assert parse_ecr_image_uri(uri) is not None


@pytest.mark.parametrize("uri", INVALID_IMAGE_URIS.values(), ids=INVALID_IMAGE_URIS.keys())
def test_refuses_what_ecr_or_sagemaker_would_not_take(uri: str) -> None:
    assert parse_ecr_image_uri(uri) is None


def test_parts_of_a_tagged_uri() -> None:
    assert parse_ecr_image_uri(VALID_IMAGE_URIS["China"]) == EcrImageUri(
        account="123456789012", region="cn-north-1", repository="sentiment", tag="v1", digest=None
    )


def test_a_uri_without_tag_or_digest_names_the_latest_tag() -> None:
    image = parse_ecr_image_uri(VALID_IMAGE_URIS["no tag or digest (latest)"])
    assert image is not None
    assert image.tag == DEFAULT_TAG == "latest"
    assert image.image_identifier == {"imageTag": "latest"}


def test_a_digest_uri_is_identified_by_its_digest() -> None:
    image = parse_ecr_image_uri(VALID_IMAGE_URIS["digest"])
    assert image is not None
    assert (image.tag, image.repository) == (None, "sentiment")
    assert image.image_identifier == {"imageDigest": "sha256:" + "0123456789abcdef" * 4}


def test_the_fips_host_names_the_same_registry() -> None:
    fips = parse_ecr_image_uri(VALID_IMAGE_URIS["FIPS host"])
    plain = parse_ecr_image_uri(VALID_IMAGE_URIS["tag"])
    assert fips == plain


@pytest.mark.parametrize("extra", [0, 1])
def test_sagemaker_takes_image_paths_of_at_most_255_characters(extra: int) -> None:
    head = "123456789012.dkr.ecr.us-east-1.amazonaws.com/"
    uri = head + "r" * (MAX_URI_LENGTH - len(head) - len(":v1") + extra) + ":v1"
    assert len(uri) == 255 + extra
    assert (parse_ecr_image_uri(uri) is not None) is (extra == 0)
