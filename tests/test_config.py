"""The cdk.json configuration: defaults, -c overrides, environment selection and key-path errors."""

from typing import Any

import pytest

from stacks.config import EndpointSettings, load_config
from tests.cdk_helpers import build_default_app, cdk_json_context

ENVIRONMENTS = {"dev": {"endpoint": {"memory_size_mb": 2048}}, "prod": {}}


def _load(**context: Any) -> Any:
    return load_config({"environments": ENVIRONMENTS, **context})


def test_cdk_json_defines_dev_and_prod() -> None:
    config = load_config(cdk_json_context())
    assert set(config.environments) == {"dev", "prod"}


def test_missing_keys_take_the_documented_defaults() -> None:
    assert _load().environments["prod"].endpoint == EndpointSettings()
    assert EndpointSettings().memory_size_mb == 2048
    assert EndpointSettings().max_concurrency == 5
    assert EndpointSettings().provisioned_concurrency is None


def test_cdk_nag_is_off_unless_configured() -> None:
    assert load_config(cdk_json_context()).cdk_nag is False
    assert _load(cdk_nag=True).cdk_nag is True
    assert _load(cdk_nag="true").cdk_nag is True  # -c cdk_nag=true


def test_fails_when_cdk_nag_is_not_a_boolean() -> None:
    with pytest.raises(ValueError, match=r"cdk_nag must be true or false, got 'yes'"):
        _load(cdk_nag="yes")


def test_env_picks_one_environment() -> None:
    assert list(_load(env="prod").environments) == ["prod"]


def test_fails_when_env_is_unknown() -> None:
    with pytest.raises(ValueError, match=r"env must be one of dev, prod, got 'staging'"):
        _load(env="staging")


def test_dotted_override_applies_to_every_environment_as_json() -> None:
    config = _load(**{"endpoint.memory_size_mb": "4096", "endpoint.endpoint_name": "my-model"})
    for settings in config.environments.values():
        assert settings.endpoint.memory_size_mb == 4096
        assert settings.endpoint.endpoint_name == "my-model"


def test_environment_override_applies_to_that_environment_only() -> None:
    config = _load(**{"environments.prod.endpoint.max_concurrency": "20"})
    assert config.environments["prod"].endpoint.max_concurrency == 20
    assert config.environments["dev"].endpoint.max_concurrency == 5


def test_fails_when_override_names_an_unknown_environment() -> None:
    with pytest.raises(
        ValueError,
        match=r"environments\.qa\.endpoint\.memory_size_mb must be an override of a known environment",
    ):
        _load(**{"environments.qa.endpoint.memory_size_mb": "4096"})


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


def test_fails_on_unknown_section_and_reports_every_problem_at_once() -> None:
    with pytest.raises(ValueError) as raised:
        load_config(
            {
                "environments": {
                    "dev": {"endpiont": {}, "endpoint": {"memory_size_mb": 1}},
                    "prod": {"endpoint": {"max_concurrency": 500}},
                }
            }
        )
    message = str(raised.value)
    assert "environments.dev.endpiont is not a known key" in message
    assert "environments.dev.endpoint.memory_size_mb must be one of" in message
    assert (
        "environments.prod.endpoint.max_concurrency must be a whole number from 1 to 200" in message
    )


@pytest.mark.parametrize("environments", [None, {}, [], "dev"])
def test_fails_without_environments(environments: Any) -> None:
    with pytest.raises(
        ValueError, match="environments must be an object with one entry per environment"
    ):
        load_config({"environments": environments})


def test_fails_when_an_environment_is_not_an_object() -> None:
    with pytest.raises(ValueError, match=r"environments\.dev must be an object, got 3"):
        load_config({"environments": {"dev": 3}})


def test_bad_cli_override_fails_app_synthesis_before_any_template() -> None:
    with pytest.raises(
        ValueError, match=r"environments\.dev\.endpoint\.memory_size_mb must be one of .* got 7168"
    ):
        build_default_app({"environments.dev.endpoint.memory_size_mb": "7168"})


def test_override_of_a_string_setting_keeps_digits_as_text() -> None:
    config = _load(**{"environments.prod.account": "210987654321", "endpoint.model_id": "1234"})
    assert config.environments["prod"].account == "210987654321"
    assert config.environments["dev"].endpoint.model_id == "1234"


def test_override_null_clears_an_optional_setting() -> None:
    config = load_config(
        {
            "environments": {"dev": {"endpoint": {"endpoint_name": "named"}}},
            "endpoint.endpoint_name": "null",
        }
    )
    assert config.environments["dev"].endpoint.endpoint_name is None
