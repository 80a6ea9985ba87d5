"""``-c`` overrides: dotted paths for every environment, one environment or the pipeline; values
read as each setting needs; keys that name no setting; CDK's own context keys."""

import json

import pytest

from stacks.config import ConfigurationError, load_config
from tests.cdk_helpers import build_default_app
from tests.support.config import CDK_OWN_CONTEXT, load_with


def test_dotted_override_applies_to_every_environment_as_json() -> None:
    config = load_with(**{"endpoint.memory_size_mb": "4096", "endpoint.endpoint_name": "my-model"})
    for settings in config.environments.values():
        assert settings.endpoint.memory_size_mb == 4096
        assert settings.endpoint.endpoint_name == "my-model"


def test_environment_override_applies_to_that_environment_only() -> None:
    config = load_with(**{"environments.prod.endpoint.max_concurrency": "3"})
    assert config.environments["prod"].endpoint.max_concurrency == 3
    assert config.environments["dev"].endpoint.max_concurrency == 5


@pytest.mark.parametrize("order", [1, -1])
def test_an_environment_override_wins_over_one_of_every_environment(order: int) -> None:
    overrides = [
        ("environments.prod.endpoint.max_concurrency", "3"),
        ("endpoint.max_concurrency", "2"),
    ]
    config = load_with(**dict(overrides[::order]))
    assert config.environments["prod"].endpoint.max_concurrency == 3
    assert config.environments["dev"].endpoint.max_concurrency == 2


@pytest.mark.parametrize("key", ["region", "account"])
def test_a_whole_setting_override_applies_to_every_environment(key: str) -> None:
    value = {"region": "eu-west-1", "account": "123456789012"}[key]
    config = load_with(**{key: value})
    assert {getattr(s, key) for s in config.environments.values()} == {value}


def test_an_override_may_replace_a_whole_environment_or_the_tree() -> None:
    config = load_config(
        {
            "environments": json.dumps({"dev": {}, "prod": {}}),
            "environments.dev": '{"endpoint": {"memory_size_mb": 4096}}',
        }
    )
    assert config.environments["dev"].endpoint.memory_size_mb == 4096
    assert config.environments["prod"].endpoint.memory_size_mb == 2048


@pytest.mark.parametrize(
    "key", ["endpont.memory_size_mb", "keep-warm.enabled", "cdk_nag.x", "env.name"]
)
def test_fails_when_a_dotted_override_names_no_setting(key: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_with(**{key: "4096"})
    assert str(raised.value).splitlines()[1:] == [
        f"  - {key} is not a known key; known keys: environments.<name>.<key>, "
        "pipeline.<key>, account, region, endpoint.<key>, alarms.<key>, api.<key>, "
        "keep_warm.<key>, scaling.<key>"
    ]


def test_every_mistyped_override_is_reported_in_command_line_order() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_with(**{"zeta.a": "1", "alpha.b": "2", "mid.c": "3"})
    lines = str(raised.value).splitlines()[1:]
    assert [line.split(" ")[3] for line in lines] == ["zeta.a", "alpha.b", "mid.c"]


def test_cdk_own_context_keys_are_never_overrides() -> None:
    config = load_with(**CDK_OWN_CONTEXT)
    assert set(config.environments) == {"dev", "prod"}


@pytest.mark.parametrize(
    ("value", "expected"), [("bar", "bar"), ("123", "123"), ("true", "true"), ("{}", "{}")]
)
def test_an_override_of_one_container_variable_keeps_its_text(value: str, expected: str) -> None:
    config = load_with(**{"endpoint.environment.FOO": value})
    for settings in config.environments.values():
        assert settings.endpoint.environment == {"FOO": expected}
        container = settings.endpoint.props().get("environment")
        assert container is not None and container["FOO"] == expected


def test_an_override_inside_the_smoke_test_payload_is_read_as_json_or_text() -> None:
    pipeline = {
        "repository": "o/r",
        "connection_arn": "arn:aws:codestar-connections:eu-west-1:123456789012:connection/a-1",
        "account": "123456789012",
        "region": "eu-west-1",
    }
    config = load_with(
        pipeline=pipeline,
        **{
            "pipeline.smoke_test_payload.inputs": "I love this",
            "pipeline.smoke_test_payload.n": "2",
        },
    )
    assert config.pipeline is not None
    assert config.pipeline.smoke_test_payload == {"inputs": "I love this", "n": 2}


def test_fails_when_an_override_goes_through_a_value() -> None:
    with pytest.raises(
        ConfigurationError,
        match=r"environments\.dev\.endpoint\.memory_size_mb\.x must be a path through objects "
        r"\(endpoint\.memory_size_mb is 2048\), got '1'",
    ):
        load_with(**{"environments.dev.endpoint.memory_size_mb.x": "1"})


def test_error_messages_show_command_line_values_as_text() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_with(**{"endpoint.environment": "FOO=bar"})
    assert "endpoint.environment must be an object of strings, got 'FOO=bar'" in str(raised.value)
    assert "CliText" not in str(raised.value)


def test_fails_when_override_names_an_unknown_environment() -> None:
    with pytest.raises(
        ValueError,
        match=r"environments\.qa\.endpoint\.memory_size_mb must be an override of a known environment",
    ):
        load_with(**{"environments.qa.endpoint.memory_size_mb": "4096"})


def test_bad_cli_override_fails_app_synthesis_before_any_template() -> None:
    with pytest.raises(
        ValueError, match=r"environments\.dev\.endpoint\.memory_size_mb must be one of .* got 7168"
    ):
        build_default_app({"environments.dev.endpoint.memory_size_mb": "7168"})


def test_override_of_a_string_setting_keeps_digits_as_text() -> None:
    config = load_with(**{"environments.prod.account": "210987654321", "endpoint.model_id": "1234"})
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
