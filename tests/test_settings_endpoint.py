"""``environments.<name>.endpoint``: defaults, key-path errors, the image and its registry, the
endpoint's log retention."""

from typing import Any

import pytest

from stacks.config import ConfigurationError, load_config
from stacks.settings.endpoint import EndpointSettings
from tests.support.config import load_with, problems_of


def test_missing_keys_take_the_documented_defaults() -> None:
    assert load_with().environments["prod"].endpoint == EndpointSettings()
    assert EndpointSettings().memory_size_mb == 2048
    assert EndpointSettings().max_concurrency == 5
    assert EndpointSettings().provisioned_concurrency is None


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        (
            {"memory_size_mb": 1500},
            r"environments\.dev\.endpoint\.memory_size_mb must be one of 1024, 2048, 3072, 4096, 5120, 6144, got 1500",
        ),
        (
            {"memory_size_mb": "big"},
            r"environments\.dev\.endpoint\.memory_size_mb must be a whole number, got 'big'",
        ),
        (
            {"max_concurrency": 0},
            r"environments\.dev\.endpoint\.max_concurrency must be a whole number from 1 to 200, got 0",
        ),
        (
            {"max_concurrency": True},
            r"environments\.dev\.endpoint\.max_concurrency must be a whole number, got True",
        ),
        (
            {"provisioned_concurrency": 9, "max_concurrency": 5},
            r"environments\.dev\.endpoint\.provisioned_concurrency must be at most max_concurrency \(5\), got 9",
        ),
        (
            {"endpoint_name": "Upper"},
            r"environments\.dev\.endpoint\.endpoint_name must be at most 63 characters",
        ),
        (
            {"environment": {"A": 1}},
            r"environments\.dev\.endpoint\.environment must be an object of strings",
        ),
        (
            {"memroy_size_mb": 4096},
            r"environments\.dev\.endpoint\.memroy_size_mb is not a known key; known keys: model_id, ",
        ),
    ],
)
def test_fails_naming_the_key_path(endpoint: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_config({"environments": {"dev": {"endpoint": endpoint}}})


# --- the image -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        "2.1.0-transformers4.37.0-gpu-py310-cu118-ubuntu20.04",
        "2.6.0-transformers4.49.0-gpu-py312-cu124-ubuntu22.04",
        "1.13.1-transformers4.34.1-neuronx-py310-sdk2.15.0-ubuntu20.04",
        "1.13.1-transformers4.36.2-neuron-py310-sdk2.16.1-ubuntu20.04",
    ],
)
def test_fails_when_the_image_tag_is_a_gpu_or_inferentia_build(tag: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_with(**{"environments.dev.endpoint.image_tag": tag})
    assert str(raised.value).splitlines()[1:] == [
        "  - environments.dev.endpoint.image_tag must be a CPU tag of "
        "huggingface-pytorch-inference such as 2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04 "
        "(serverless endpoints have no GPUs nor Inferentia chips; -gpu-, -cuNNN- and -neuronx- "
        f"tags are builds for them), got {tag!r}"
    ]


@pytest.mark.parametrize(
    "tag",
    [
        "2.1.0-transformers4.37.0-cpu-py310-ubuntu22.04",
        "2.6.0-transformers4.49.0-cpu-py312-ubuntu22.04",
        "4.1-cuda-free",  # "cu" alone names no CUDA build
    ],
)
def test_cpu_image_tags_are_accepted(tag: str) -> None:
    config = load_with(**{"endpoint.image_tag": tag})
    assert {s.endpoint.image_tag for s in config.environments.values()} == {tag}


@pytest.mark.parametrize("tag", ["", "has space", "-leading-dash", "x" * 129])
def test_fails_when_the_image_tag_is_no_docker_tag(tag: str) -> None:
    with pytest.raises(
        ConfigurationError, match=r"environments\.dev\.endpoint\.image_tag must be an image tag"
    ):
        load_config({"environments": {"dev": {"endpoint": {"image_tag": tag}}}})


# --- the registry of the image, and the endpoint's log group ----------------------------------


def test_new_keys_default_to_the_table_registry_and_thirty_days() -> None:
    endpoint = load_with().environments["dev"].endpoint
    assert (endpoint.registry_account, endpoint.log_retention_days) == (None, 30)


@pytest.mark.parametrize("account", ["1234", "76310435188x", 763104351884])
def test_fails_when_the_registry_account_is_no_account_id(account: Any) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_config({"environments": {"dev": {"endpoint": {"registry_account": account}}}})
    allowed = "an AWS account id of 12 digits" if isinstance(account, str) else "a string"
    assert problems_of(raised) == [
        f"environments.dev.endpoint.registry_account must be {allowed}, got {account!r}"
    ]


@pytest.mark.parametrize("days", [0, 2, 31, 3650])
def test_fails_when_the_log_retention_is_no_cloudwatch_period(days: int) -> None:
    with pytest.raises(
        ConfigurationError,
        match=rf"environments\.dev\.endpoint\.log_retention_days must be one of 1, 3, 5, 7, "
        rf"14, 30, .*, 3653, got {days}$",
    ):
        load_config({"environments": {"dev": {"endpoint": {"log_retention_days": days}}}})


def test_a_null_log_retention_is_never_expire() -> None:
    config = load_with(**{"endpoint.log_retention_days": "null"})
    assert config.environments["dev"].endpoint.log_retention_days is None
    assert config.environments["dev"].endpoint.props()["log_retention"] is None
