"""The library as another CDK app gets it: `pip wheel .`, a fresh venv in an empty folder, a synth.

Slow (it installs aws-cdk-lib into a new virtual environment), so it runs in `make test-wheel`
(CI runs it after `make test`), not in `make test`.
"""

import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.cdk_helpers import ROOT

pytestmark = pytest.mark.wheel

APP = """
from aws_cdk import App, Stack
from serverless_inference import ContainerImage, ServerlessInference

app = App(outdir="cdk.out")
stack = Stack(app, "Reuse")
ServerlessInference(
    stack,
    "Sentiment",
    image=ContainerImage.hugging_face_inference(),
    environment={"HF_MODEL_ID": "distilbert/distilbert-base-uncased-finetuned-sst-2-english",
                 "HF_TASK": "text-classification"},
)
app.synth()
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
    )
    (built,) = out.glob("cdk_serverless_inference-*.whl")
    return built


def test_wheel_holds_the_library_the_handler_and_type_information(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "serverless_inference/__init__.py" in names
    assert "serverless_inference/py.typed" in names
    assert "serverless_inference/_lambda/keep_warm/index.py" in names
    assert not any("__pycache__" in name or name.startswith("tests/") for name in names)


def test_app_in_a_fresh_venv_synthesizes_with_a_working_keep_warm_asset(
    wheel: Path, tmp_path: Path
) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python = venv / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel)], check=True)
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(APP)
    subprocess.run([str(python), "app.py"], cwd=project, check=True)

    template = json.loads((project / "cdk.out" / "Reuse.template.json").read_text())
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    # the Python one: aws-cdk-lib's log retention function (Node.js) has the same handler name
    keep_warm = [f for f in functions if f["Properties"]["Runtime"].startswith("python")]
    assert len(keep_warm) == 1
    asset_key = keep_warm[0]["Properties"]["Code"]["S3Key"]
    asset_dir = project / "cdk.out" / f"asset.{asset_key.removesuffix('.zip')}"
    handler = (asset_dir / "index.py").read_text()
    assert "def handler(" in handler
