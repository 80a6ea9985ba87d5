"""The loader of cdk.json's configuration: top-level keys, environment selection, every problem
at once with its key path, and what `cdk synth` shows of it."""

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from stacks.config import load_config
from tests.cdk_helpers import ROOT, cdk_json_context, live_cdk_json_context
from tests.support.config import CDK_OWN_CONTEXT, load_with


def test_cdk_json_holds_a_valid_configuration() -> None:
    # Whatever cdk.json holds (CI also runs the tests with the docs' cdk.json examples in it)
    load_config(live_cdk_json_context())


def test_tests_build_apps_from_cdk_json_flags_and_the_reference_configuration() -> None:
    live, context = live_cdk_json_context(), cdk_json_context()
    flags = {key for key in live if key.startswith("@aws-cdk")}
    assert flags and all(context[key] == live[key] for key in flags)
    assert set(load_config(context).environments) == {"dev", "prod"}


def test_cdk_nag_is_off_unless_configured() -> None:
    assert load_config(cdk_json_context()).cdk_nag is False
    assert load_with(cdk_nag=True).cdk_nag is True
    assert load_with(cdk_nag="true").cdk_nag is True  # -c cdk_nag=true


def test_fails_when_cdk_nag_is_not_a_boolean() -> None:
    with pytest.raises(ValueError, match=r"cdk_nag must be true or false, got 'yes'"):
        load_with(cdk_nag="yes")


def test_env_picks_one_environment() -> None:
    assert list(load_with(env="prod").environments) == ["prod"]


def test_fails_when_env_is_unknown() -> None:
    with pytest.raises(ValueError, match=r"env must be one of dev, prod, got 'staging'"):
        load_with(env="staging")


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
