"""Both distributions as users get them: two wheels, their metadata, a fresh venv, a synth, the command.

`pip wheel` builds the library (the repository root) and the command (``cli/``), and
`python -m build` the library's sdist (each carries the licence; the sdist the changelog); a new
virtual environment in an empty folder installs the library alone (which must not bring the
command's plotting, terminal or AWS SDK libraries), synthesizes an app with it, then installs
the ``[cli]`` extra from the same wheels and runs ``serverless-inference``. Slow (it installs
aws-cdk-lib into a new virtual environment), so it runs in `make test-wheel` (CI runs it after
`make test`), not in `make test`.
"""

import json
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from dataclasses import dataclass
from email.parser import Parser
from pathlib import Path

import pytest

from serverless_inference.runtime_code import runtime_code
from tests.support.runtime_asset import asset_object_key, import_handler_from_asset

pytestmark = pytest.mark.wheel

ROOT = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
CLI_LIBRARIES = {"boto3", "botocore", "rich", "matplotlib", "numpy"}
"""What the command needs and the library must not install."""

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


@dataclass(frozen=True)
class Wheels:
    folder: Path
    library: Path
    command: Path
    sdist: Path


@dataclass(frozen=True)
class Venv:
    bin: Path
    installed_with_the_library_alone: frozenset[str]


def _metadata(wheel: Path) -> tuple[list[str], str]:
    """``Requires-Dist`` lines and ``entry_points.txt`` ("" when absent) of a wheel."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        requires = Parser().parsestr(archive.read(metadata).decode()).get_all("Requires-Dist")
        entry_points = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
        scripts = archive.read(entry_points[0]).decode() if entry_points else ""
    return list(requires or []), scripts


def _license_metadata(wheel: Path) -> tuple[str | None, list[str], bytes]:
    """A wheel's ``License-Expression``, its ``License-File`` entries and the licence file."""
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        (metadata,) = [n for n in names if n.endswith(".dist-info/METADATA")]
        message = Parser().parsestr(archive.read(metadata).decode())
        (license_file,) = [n for n in names if n.endswith(".dist-info/licenses/LICENSE")]
        return (
            message.get("License-Expression"),
            message.get_all("License-File") or [],
            archive.read(license_file),
        )


def _name(requirement: str) -> str:
    for separator in "<>=!~;[ (":
        requirement = requirement.split(separator)[0]
    return requirement.strip().lower()


def _pip(python: Path, *args: str) -> None:
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *args], check=True)


LIBRARY_SOURCES = (
    "pyproject.toml",
    "README.md",
    "LICENSE",
    "CHANGELOG.md",
    "MANIFEST.in",
    "constructs",
    "lambda",
)
"""What the library's wheel is built from; the command's is built from ``cli/``."""
BUILD_LEFTOVERS = shutil.ignore_patterns("build", "*.egg-info", "__pycache__", "*.pyc")


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> Wheels:
    """Both wheels, built from clean copies of the sources: setuptools' in-tree ``build/``
    folder keeps modules deleted since the last build and would ship them."""
    sources = tmp_path_factory.mktemp("sources")
    for name in LIBRARY_SOURCES:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, sources / name, ignore=BUILD_LEFTOVERS)
        else:
            shutil.copy2(source, sources / name)
    # cli/LICENSE is a link to the repository's LICENSE: the copy holds the file itself
    shutil.copytree(ROOT / "cli", sources / "cli", ignore=BUILD_LEFTOVERS)
    out = tmp_path_factory.mktemp("wheels")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out)]
    for project in (sources, sources / "cli"):
        subprocess.run([*build, str(project)], check=True)
    sdist = [sys.executable, "-m", "build", "--sdist", "--outdir", str(out)]
    subprocess.run([*sdist, str(sources)], check=True, capture_output=True)
    (library,) = out.glob(f"cdk_serverless_inference-{VERSION}-*.whl")
    (command,) = out.glob(f"cdk_serverless_inference_cli-{VERSION}-*.whl")
    (source,) = out.glob(f"cdk_serverless_inference-{VERSION}.tar.gz")
    return Wheels(out, library, command, source)


@pytest.fixture(scope="module")
def venv(wheels: Wheels, tmp_path_factory: pytest.TempPathFactory) -> Venv:
    """A fresh venv: the library alone first (what it installed is recorded), then ``[cli]``."""
    root = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
    python = root / "bin" / "python"
    find_links = ["--find-links", str(wheels.folder)]
    _pip(python, *find_links, f"cdk-serverless-inference=={VERSION}")
    listed = subprocess.run(
        [str(python), "-m", "pip", "list", "--format", "json"],
        capture_output=True,
        text=True,
        check=True,
    )
    installed = frozenset(package["name"].lower() for package in json.loads(listed.stdout))
    _pip(python, *find_links, f"cdk-serverless-inference[cli]=={VERSION}")
    return Venv(root / "bin", installed)


def _sources(folder: Path, package: str, suffixes: set[str]) -> set[str]:
    return {
        f"{package}/{path.relative_to(folder).as_posix()}"
        for path in folder.rglob("*")
        if path.suffix in suffixes and "__pycache__" not in path.parts
    }


def test_library_wheel_holds_the_constructs_the_runtime_and_type_information(
    wheels: Wheels,
) -> None:
    names = set(zipfile.ZipFile(wheels.library).namelist())
    constructs = _sources(
        ROOT / "constructs" / "serverless_inference",
        "serverless_inference",
        {".py", ".typed", ".json"},
    )
    runtime = _sources(ROOT / "lambda", "serverless_inference_runtime", {".py", ".typed"})
    packaged = {n for n in names if not n.startswith("cdk_serverless_inference-")}
    assert packaged == constructs | runtime, "every module of both packages, and nothing else"
    assert {
        "serverless_inference/py.typed",
        "serverless_inference_runtime/py.typed",
        "serverless_inference_runtime/limits.py",
        "serverless_inference_runtime/artifact_rules.py",
        "serverless_inference_runtime/keep_warm/handler.py",
        "serverless_inference_runtime/fan_out/handler.py",
    } <= names


def test_library_requires_only_the_cdk_and_has_no_console_script(wheels: Wheels) -> None:
    requires, entry_points = _metadata(wheels.library)
    unconditional = sorted(_name(r) for r in requires if "extra ==" not in r)
    assert unconditional == ["aws-cdk-lib", "constructs"]
    extras = [r for r in requires if "extra ==" in r]
    assert extras == [f'cdk-serverless-inference-cli=={VERSION}; extra == "cli"']
    assert "console_scripts" not in entry_points


def test_command_wheel_declares_the_console_script_and_its_libraries(wheels: Wheels) -> None:
    requires, entry_points = _metadata(wheels.command)
    assert "serverless-inference = serverless_inference_cli.main:main" in entry_points
    assert f"cdk-serverless-inference=={VERSION}" in requires
    assert {_name(r) for r in requires} >= CLI_LIBRARIES - {"botocore"}
    names = set(zipfile.ZipFile(wheels.command).namelist())
    sources = {
        f"serverless_inference_cli/{path.relative_to(ROOT / 'cli' / 'serverless_inference_cli')}"
        for path in (ROOT / "cli" / "serverless_inference_cli").rglob("*")
        if path.suffix in {".py", ".json", ".typed"}
    }
    packaged = {n for n in names if n.startswith("serverless_inference_cli/")}
    assert packaged == sources, "every module and data file of cli/, and nothing else"
    assert "serverless_inference_cli/prices.json" in names
    assert not any(name.startswith("serverless_inference/") for name in names)


@pytest.mark.parametrize("distribution", ["library", "command"])
def test_both_wheels_carry_the_apache_license_in_their_metadata(
    wheels: Wheels, distribution: str
) -> None:
    expression, files, text = _license_metadata(getattr(wheels, distribution))
    assert expression == "Apache-2.0"
    assert files == ["LICENSE"]
    assert text == (ROOT / "LICENSE").read_bytes()


def test_the_sdist_carries_the_license_and_the_changelog(wheels: Wheels) -> None:
    prefix = f"cdk_serverless_inference-{VERSION}/"
    with tarfile.open(wheels.sdist) as archive:
        names = set(archive.getnames())
        pkg_info = archive.extractfile(prefix + "PKG-INFO")
        assert pkg_info is not None
        metadata = Parser().parsestr(pkg_info.read().decode())
        for name in ("LICENSE", "CHANGELOG.md", "README.md"):
            member = archive.extractfile(prefix + name)
            assert member is not None, name
            assert member.read() == (ROOT / name).read_bytes(), name
    assert {prefix + "LICENSE", prefix + "CHANGELOG.md"} <= names
    assert metadata.get("License-Expression") == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]


def test_the_library_alone_installs_no_plotting_terminal_or_aws_sdk_library(venv: Venv) -> None:
    assert {"aws-cdk-lib", "constructs", "cdk-serverless-inference"} <= (
        venv.installed_with_the_library_alone
    )
    assert not CLI_LIBRARIES & venv.installed_with_the_library_alone
    assert "cdk-serverless-inference-cli" not in venv.installed_with_the_library_alone


def test_app_in_a_fresh_venv_synthesizes_with_a_working_keep_warm_asset(
    venv: Venv, tmp_path: Path
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "app.py").write_text(APP)
    subprocess.run([str(venv.bin / "python"), "app.py"], cwd=project, check=True)

    template = json.loads((project / "cdk.out" / "Reuse.template.json").read_text())
    functions = [r for r in template["Resources"].values() if r["Type"] == "AWS::Lambda::Function"]
    # the Python one: aws-cdk-lib's log retention function (Node.js) has the same handler name
    keep_warm = [f for f in functions if f["Properties"]["Runtime"].startswith("python")]
    assert len(keep_warm) == 1
    asset_key = keep_warm[0]["Properties"]["Code"]["S3Key"]
    asset_dir = project / "cdk.out" / f"asset.{asset_key.removesuffix('.zip')}"
    # the asset is the installed runtime package, and the handler string imports from it alone
    assert [p.name for p in asset_dir.iterdir()] == ["serverless_inference_runtime"]
    site_packages = subprocess.run(
        [
            str(venv.bin / "python"),
            "-c",
            "import sysconfig; print(sysconfig.get_paths()['purelib'])",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    loaded = import_handler_from_asset(str(venv.bin / "python"), asset_dir, site_packages)
    assert "serverless_inference_runtime.keep_warm.handler" in loaded
    # AND it is the asset the source checkout synthesizes: the same content, the same hash
    assert asset_key == asset_object_key(runtime_code())


def test_the_cli_extra_installs_a_working_command(venv: Venv, tmp_path: Path) -> None:
    command = str(venv.bin / "serverless-inference")
    version = subprocess.run([command, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout == f"serverless-inference {VERSION}\n"
    # the bundled price file is in the wheel: a cost estimate runs without AWS
    arguments = ["--requests-per-month", "1000", "--duration-ms", "100", "--format", "json"]
    cost = subprocess.run(
        [command, "cost", *arguments, "--no-chart"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert cost.returncode == 0, cost.stderr
    assert json.loads(cost.stdout)["options"]
