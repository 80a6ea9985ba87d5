"""Every Python example of the README and docs/ runs: after the documented prelude, every app
it makes is synthesized, linted (cfn-lint and the alarm checks) and checked by cdk-nag, where
only the findings a library leaves to its user may remain (docs/development.md, "The
documentation is tested")."""

import json
import re
from pathlib import Path
from typing import Any, ClassVar

import pytest
from aws_cdk import App, Stack, Validations
from cdk_nag import AwsSolutionsChecks

from tests.cdk_helpers import linted_template
from tests.support.markdown import ROOT, CodeBlock, code_blocks, pages
from tests.support.model_files import HANDLER, write_files, write_tarball

USER_DECISIONS = {"AwsSolutions-APIG3", "AwsSolutions-COG4"}
"""cdk-nag findings a library leaves to its user: no WAF web ACL, no Cognito authorizer
(docs/inference-api.md, "cdk-nag")."""
PARTIAL = re.compile(r"example: partial \(.+\)")
MARKERS = {"example: prelude", "example: client"}


def _python_blocks() -> list[CodeBlock]:
    return [block for page in pages() for block in code_blocks(page) if block.language == "python"]


PYTHON_BLOCKS = _python_blocks()
(PRELUDE,) = [block for block in PYTHON_BLOCKS if block.marker == "example: prelude"]
APP_EXAMPLES = [block for block in PYTHON_BLOCKS if block.marker is None]
(CLIENT,) = [block for block in PYTHON_BLOCKS if block.marker == "example: client"]


def test_every_python_block_is_run_or_marked_partial_with_a_reason() -> None:
    for block in PYTHON_BLOCKS:
        assert block.marker is None or block.marker in MARKERS or PARTIAL.fullmatch(block.marker), (
            f"{block.name}: unknown marker {block.marker!r}"
        )
    partial = [
        block.name for block in PYTHON_BLOCKS if block.marker and PARTIAL.match(block.marker)
    ]
    assert len(partial) <= 2, f"keep partial examples rare: {partial}"
    # the README's own snippet and an example of every construct page are among those run
    run = {block.path for block in APP_EXAMPLES}
    assert {
        "README.md",
        "docs/serverless-inference.md",
        "docs/serverless-endpoint.md",
        "docs/inference-api.md",
        "docs/keep-warm.md",
        "docs/alarms.md",
        "docs/model-fan-out.md",
    } <= run


@pytest.fixture()
def example_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The working folder of an example: ``model/``, ``model.tar.gz`` and the docs."""
    write_files(tmp_path / "model", {"config.json": b"{}", "code/inference.py": HANDLER})
    write_tarball(tmp_path / "model.tar.gz", {"config.json": b"{}", "code/inference.py": HANDLER})
    (tmp_path / "docs").symlink_to(ROOT / "docs")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SERVERLESS_INFERENCE_CACHE", str(tmp_path / "cache"))
    return tmp_path


def _nag_findings(app: App) -> set[str]:
    """The rules cdk-nag reports for an app already synthesized (re-synthesized with it)."""
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    try:
        app.synth(force=True)
    except RuntimeError as failure:
        # cdk-nag's errors fail the synthesis; the report is written first, into the outdir
        assert "validation-report.json" in str(failure), failure
    report = Path(app.outdir, "validation-report.json")
    return {
        violation["ruleName"]
        for plugin in json.loads(report.read_text())["pluginReports"]
        for violation in plugin["violations"]
    }


def _run(block: CodeBlock, namespace: dict[str, Any]) -> None:
    code = compile(block.text, block.name, "exec")
    exec(code, namespace)


@pytest.mark.parametrize("block", APP_EXAMPLES, ids=[block.name for block in APP_EXAMPLES])
def test_example_synthesizes_clean(block: CodeBlock, example_folder: Path) -> None:
    namespace: dict[str, Any] = {}
    _run(PRELUDE, namespace)
    _run(block, namespace)
    apps = {id(value): value for value in namespace.values() if isinstance(value, App)}
    assert namespace["app"] in apps.values()
    for app in apps.values():
        stacks = [child for child in app.node.children if isinstance(child, Stack)]
        assert stacks, f"{block.name}: an app without a stack"
        for stack in stacks:
            linted_template(stack)
        assert _nag_findings(app) <= USER_DECISIONS, block.name


class _Response:
    status_code = 200
    headers: ClassVar[dict[str, str]] = {}

    def raise_for_status(self) -> None:
        pass

    def json(self) -> Any:
        return [{"label": "POSITIVE", "score": 0.9998}]


def test_the_client_example_sends_a_signed_request(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import requests

    for name, value in {
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "secret",
        "AWS_SESSION_TOKEN": "session",
        "AWS_CONFIG_FILE": "/nonexistent",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent",
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    sent: list[tuple[str, dict[str, str], str]] = []

    def post(url: str, *, data: str, headers: dict[str, str], timeout: float) -> _Response:
        sent.append((url, headers, data))
        return _Response()

    monkeypatch.setattr(requests, "post", post)
    _run(CLIENT, {})
    ((url, headers, body),) = sent
    assert url.endswith("/v1/predict")
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/")
    assert "/eu-west-1/execute-api/aws4_request" in headers["Authorization"]
    assert headers["X-Amz-Security-Token"] == "session"
    assert json.loads(body) == {"inputs": "I love this product"}
    assert "POSITIVE" in capsys.readouterr().out
