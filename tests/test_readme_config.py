"""The cdk.json examples of the README and docs/: the pipeline's build the app the page says,
and CI writes each example into cdk.json (scripts/readme_config.py, .ci/run) and puts
cdk.json back. (tests/test_docs_configuration.py loads every example and builds its app.)"""

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App

from stacks import PIPELINE_STACK_ID, build_app
from stacks.config import load_config
from stacks.pipeline_stack import PipelineStack
from tests.cdk_helpers import ROOT, cdk_json_context
from tests.support.modules import load_module

SCRIPT = ROOT / "scripts" / "readme_config.py"
CI = ROOT / ".ci" / "run"


README_CONFIG = load_module("readme_config", SCRIPT)
EXAMPLES: dict[str, dict[str, Any]] = README_CONFIG.documented_examples()


def test_the_docs_have_the_examples_of_each_feature() -> None:
    assert {
        "model-directory",
        "three-models",
        "pipeline",
        "pipeline-cross-account",
        "api-key",
        "office-hours",
        "alarms",
    } <= set(EXAMPLES)


@pytest.mark.parametrize(
    ("name", "prod_account"),
    [("pipeline", "111111111111"), ("pipeline-cross-account", "222222222222")],
)
def test_pipeline_example_builds_the_pipeline_and_no_stack_of_its_own(
    name: str, prod_account: str
) -> None:
    # GIVEN cdk.json with the page's example in it, and no -c env
    app = App(context={**cdk_json_context(), **EXAMPLES[name]})
    # THEN the app is the pipeline, whose stages deploy where docs/pipeline.md says
    assert build_app(app) == {}
    pipeline = app.node.find_child(PIPELINE_STACK_ID)
    assert isinstance(pipeline, PipelineStack)
    where = {stage: (s.account, s.region) for stage, s in pipeline.stages.items()}
    assert where == {"dev": ("111111111111", "eu-west-1"), "prod": (prod_account, "eu-west-1")}
    assert pipeline.cross_account is (prod_account != "111111111111")


def test_writing_an_example_sets_its_keys_and_keeps_the_rest(tmp_path: Path) -> None:
    cdk_json = tmp_path / "cdk.json"
    shutil.copy(ROOT / "cdk.json", cdk_json)
    before = json.loads(cdk_json.read_text())
    assert README_CONFIG.main(["pipeline-cross-account", "--cdk-json", str(cdk_json)]) == 0
    after = json.loads(cdk_json.read_text())
    example = EXAMPLES["pipeline-cross-account"]
    assert {key: after["context"][key] for key in example} == example
    unchanged = {key: value for key, value in after["context"].items() if key not in example}
    assert unchanged == {k: v for k, v in before["context"].items() if k not in example}
    assert {k: v for k, v in after.items() if k != "context"} == {
        k: v for k, v in before.items() if k != "context"
    }
    load_config(after["context"])


def test_an_unknown_example_is_a_usage_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert README_CONFIG.main(["nope", "--cdk-json", str(tmp_path / "cdk.json")]) == 2
    assert "no cdk.json example 'nope'" in capsys.readouterr().err


def test_two_examples_of_one_name_are_refused(tmp_path: Path) -> None:
    block = "<!-- cdk.json example: x -->\n```json\n{}\n```\n"
    with pytest.raises(ValueError, match=r"two cdk\.json examples named 'x'"):
        README_CONFIG.examples(block + block)
    # also on two pages
    (tmp_path / "docs").mkdir()
    (tmp_path / "README.md").write_text(block)
    (tmp_path / "docs" / "page.md").write_text(block)
    with pytest.raises(ValueError, match=r"docs/page\.md: a cdk\.json example named 'x'"):
        README_CONFIG.documented_examples(tmp_path)


FAKE_MAKE = """#!/usr/bin/env bash
# Records each call with the cdk.json it saw; fails `make unit ...` when FAIL_UNIT is set.
echo "$*" >> "$LOG/calls"
cp cdk.json "$LOG/cdk.json.$(wc -l < "$LOG/calls" | tr -d ' ')"
if [[ "$1" == unit && -n "${FAIL_UNIT:-}" ]]; then exit 1; fi
"""


@pytest.fixture()
def ci_copy(tmp_path: Path) -> Path:
    """.ci/run in a copy of the files it touches, with a `make` that only records its calls."""
    project = tmp_path / "project"
    for path in (".ci/run", "README.md", "cdk.json", "scripts/readme_config.py"):
        (project / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, project / path)
    shutil.copytree(ROOT / "docs", project / "docs", ignore=shutil.ignore_patterns("*.png"))
    (project / ".venv" / "bin").mkdir(parents=True)
    (project / ".venv" / "bin" / "python").symlink_to(sys.executable)
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "make").write_text(FAKE_MAKE)
    (bin_dir / "make").chmod(stat.S_IRWXU)
    (tmp_path / "log").mkdir()
    return project


def _run_ci(project: Path, **env: str) -> subprocess.CompletedProcess[str]:
    log = project.parent / "log"
    path = f"{project.parent / 'bin'}{os.pathsep}{os.environ['PATH']}"
    return subprocess.run(
        ["bash", str(project / ".ci" / "run")],
        env={**os.environ, "PATH": path, "LOG": str(log), **env},
        capture_output=True,
        text=True,
        check=False,
    )


def test_ci_runs_the_suite_with_each_documented_example_then_restores_cdk_json(
    ci_copy: Path,
) -> None:
    original = (ci_copy / "cdk.json").read_text()
    run = _run_ci(ci_copy)
    assert run.returncode == 0, run.stderr
    log = ci_copy.parent / "log"
    assert (log / "calls").read_text().splitlines() == [
        "test",
        "test-wheel",
        *[
            "unit synth" if README_CONFIG.configures_pipeline(example) else "synth"
            for example in EXAMPLES.values()
        ],
    ]
    # the pipeline examples, whose Build step runs the tests, get the suite
    assert {"pipeline", "pipeline-cross-account"} <= {
        name for name, example in EXAMPLES.items() if README_CONFIG.configures_pipeline(example)
    }
    for call, name in enumerate(EXAMPLES, start=3):
        seen = json.loads((log / f"cdk.json.{call}").read_text())["context"]
        assert {key: seen[key] for key in EXAMPLES[name]} == EXAMPLES[name]
    assert (ci_copy / "cdk.json").read_text() == original


def test_ci_restores_cdk_json_when_a_run_fails(ci_copy: Path) -> None:
    original = (ci_copy / "cdk.json").read_text()
    run = _run_ci(ci_copy, FAIL_UNIT="1")
    assert run.returncode != 0
    assert (ci_copy.parent / "log" / "calls").read_text().splitlines()[-1] == "unit synth"
    assert (ci_copy / "cdk.json").read_text() == original
