"""The cdk.json configuration: defaults, -c overrides, environment selection and key-path errors."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from stacks.config import ConfigurationError, load_config
from stacks.settings.endpoint import EndpointSettings
from tests.cdk_helpers import ROOT, build_default_app, cdk_json_context, live_cdk_json_context

ENVIRONMENTS = {"dev": {"endpoint": {"memory_size_mb": 2048}}, "prod": {}}
CDK_OWN_CONTEXT = {
    "@aws-cdk/core:enablePartitionLiterals": True,
    "@aws-cdk/aws-ec2:restrictDefaultSecurityGroup": True,
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:version-reporting": False,
    "aws:cdk:bundling-stacks": ["**"],
    "cli-telemetry": False,
    "availability-zones:account=123456789012:region=eu-west-1": ["eu-west-1a", "eu-west-1b"],
    "hosted-zone:account=123456789012:domainName=example.com:region=us-east-1": {"Id": "/x"},
    "ami:account=123456789012:filters.image-type.0=machine:filters.name.0=al2023-*:region=eu-west-1": "ami-0123",
    "ssm:account=123456789012:parameterName=/app/v1.2:region=eu-west-1": "1.2",
}
"""Keys the CDK CLI and cdk.json put into the context: feature flags, the CLI's own keys, and
lookups cached in cdk.context.json, whose filters hold dots."""


def _load(**context: Any) -> Any:
    return load_config({"environments": ENVIRONMENTS, **context})


def test_cdk_json_holds_a_valid_configuration() -> None:
    # Whatever cdk.json holds (CI also runs the tests with the README's pipeline examples in it)
    load_config(live_cdk_json_context())


def test_tests_build_apps_from_cdk_json_flags_and_the_reference_configuration() -> None:
    live, context = live_cdk_json_context(), cdk_json_context()
    flags = {key for key in live if key.startswith("@aws-cdk")}
    assert flags and all(context[key] == live[key] for key in flags)
    assert set(load_config(context).environments) == {"dev", "prod"}


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
    config = _load(**{"environments.prod.endpoint.max_concurrency": "3"})
    assert config.environments["prod"].endpoint.max_concurrency == 3
    assert config.environments["dev"].endpoint.max_concurrency == 5


@pytest.mark.parametrize("order", [1, -1])
def test_an_environment_override_wins_over_one_of_every_environment(order: int) -> None:
    overrides = [
        ("environments.prod.endpoint.max_concurrency", "3"),
        ("endpoint.max_concurrency", "1"),
    ]
    config = _load(**dict(overrides[::order]))
    assert config.environments["prod"].endpoint.max_concurrency == 3
    assert config.environments["dev"].endpoint.max_concurrency == 1


@pytest.mark.parametrize("key", ["region", "account"])
def test_a_whole_setting_override_applies_to_every_environment(key: str) -> None:
    value = {"region": "eu-west-1", "account": "123456789012"}[key]
    config = _load(**{key: value})
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
        _load(**{key: "4096"})
    assert str(raised.value).splitlines()[1:] == [
        f"  - {key} is not a known key; known keys: environments.<name>.<key>, "
        "pipeline.<key>, account, region, endpoint.<key>, alarms.<key>, api.<key>, "
        "keep_warm.<key>, scaling.<key>"
    ]


def test_every_mistyped_override_is_reported_in_command_line_order() -> None:
    with pytest.raises(ConfigurationError) as raised:
        _load(**{"zeta.a": "1", "alpha.b": "2", "mid.c": "3"})
    lines = str(raised.value).splitlines()[1:]
    assert [line.split(" ")[3] for line in lines] == ["zeta.a", "alpha.b", "mid.c"]


def test_cdk_own_context_keys_are_never_overrides() -> None:
    config = _load(**CDK_OWN_CONTEXT)
    assert set(config.environments) == {"dev", "prod"}


@pytest.mark.parametrize(
    ("value", "expected"), [("bar", "bar"), ("123", "123"), ("true", "true"), ("{}", "{}")]
)
def test_an_override_of_one_container_variable_keeps_its_text(value: str, expected: str) -> None:
    config = _load(**{"endpoint.environment.FOO": value})
    for settings in config.environments.values():
        assert settings.endpoint.environment == {"FOO": expected}
        assert settings.endpoint.props()["environment"]["FOO"] == expected


def test_an_override_inside_the_smoke_test_payload_is_read_as_json_or_text() -> None:
    pipeline = {
        "repository": "o/r",
        "connection_arn": "arn:aws:codestar-connections:eu-west-1:123456789012:connection/a-1",
        "account": "123456789012",
        "region": "eu-west-1",
    }
    config = _load(
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
        _load(**{"environments.dev.endpoint.memory_size_mb.x": "1"})


def test_error_messages_show_command_line_values_as_text() -> None:
    with pytest.raises(ConfigurationError) as raised:
        _load(**{"endpoint.environment": "FOO=bar"})
    assert "endpoint.environment must be an object of strings, got 'FOO=bar'" in str(raised.value)
    assert "CliText" not in str(raised.value)


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


# --- what `cdk synth` shows ------------------------------------------------------------------

MEMORY_ERROR = (
    "environments.dev.endpoint.memory_size_mb must be one of 1024, 2048, 3072, 4096, 5120, "
    "6144, got 1500"
)
TYPO_ERROR = (
    "endpont.memory_size_mb is not a known key; known keys: environments.<name>.<key>, "
    "pipeline.<key>, account, region, endpoint.<key>, alarms.<key>, api.<key>, "
    "keep_warm.<key>, scaling.<key>"
)


def test_app_prints_the_configuration_error_without_a_traceback(tmp_path: Path) -> None:
    # GIVEN app.py run as the CDK CLI runs it: the context as JSON in CDK_CONTEXT_JSON
    context = {**cdk_json_context(), "environments.dev.endpoint.memory_size_mb": "1500"}
    env = {**os.environ, "CDK_CONTEXT_JSON": json.dumps(context), "CDK_OUTDIR": str(tmp_path)}
    run = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    # THEN it exits 1 with the loader's message alone, and writes no assembly
    assert (run.returncode, run.stdout) == (1, "")
    assert run.stderr == f"Invalid configuration (cdk.json context):\n  - {MEMORY_ERROR}\n"
    assert not (tmp_path / "manifest.json").exists()


CDK = ROOT / "node_modules" / ".bin" / "cdk"


@pytest.mark.skipif(not CDK.exists(), reason="needs the pinned CDK CLI (make .stamps/node)")
def test_cdk_synth_shows_only_the_users_mistakes(tmp_path: Path) -> None:
    # GIVEN a project whose cdk.context.json caches lookups (keys with dots) and the CLI's
    # own context keys, as the real CLI passes them
    (tmp_path / "cdk.json").write_text(
        json.dumps({"app": f"{sys.executable} {ROOT / 'app.py'}", "context": cdk_json_context()})
    )
    lookups = {key: value for key, value in CDK_OWN_CONTEXT.items() if "account=" in key}
    (tmp_path / "cdk.context.json").write_text(json.dumps(lookups))
    # WHEN `cdk synth` gets one bad value and one mistyped key
    overrides = ["environments.dev.endpoint.memory_size_mb=1500", "endpont.memory_size_mb=4096"]
    run = subprocess.run(
        [str(CDK), "synth", "--quiet", *(arg for o in overrides for arg in ("-c", o))],
        cwd=tmp_path,
        env={**os.environ, "CDK_DISABLE_CLI_TELEMETRY": "true"},
        capture_output=True,
        text=True,
        check=False,
    )
    # THEN it fails naming both, nothing about CDK's keys, and no Python traceback
    assert run.returncode != 0
    lines = run.stderr.splitlines()
    start = lines.index("Invalid configuration (cdk.json context):")
    assert lines[start + 1 : start + 3] == [f"  - {TYPO_ERROR}", f"  - {MEMORY_ERROR}"]
    assert not lines[start + 3].startswith("  - ")
    assert "Traceback" not in run.stderr


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
        _load(**{"environments.dev.endpoint.image_tag": tag})
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
    config = _load(**{"endpoint.image_tag": tag})
    assert {s.endpoint.image_tag for s in config.environments.values()} == {tag}


@pytest.mark.parametrize("tag", ["", "has space", "-leading-dash", "x" * 129])
def test_fails_when_the_image_tag_is_no_docker_tag(tag: str) -> None:
    with pytest.raises(
        ConfigurationError, match=r"environments\.dev\.endpoint\.image_tag must be an image tag"
    ):
        load_config({"environments": {"dev": {"endpoint": {"image_tag": tag}}}})
