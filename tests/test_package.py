"""The two distributions: the library's public names, the command's version and imports.

The library (``pyproject.toml``) and the command (``cli/pyproject.toml``) are released
together: one version, each pinning the other. The command imports only the library's
CDK-free half (``serverless_inference_runtime``), so it never starts the CDK's JavaScript
runtime; the constructs import nothing of the command.
"""

import ast
import hashlib
import json
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest

import serverless_inference
from serverless_inference_cli.main import main

ROOT = Path(__file__).resolve().parents[1]


def _project(path: str) -> dict[str, Any]:
    project: dict[str, Any] = tomllib.loads((ROOT / path).read_text())["project"]
    return project


def test_every_public_name_is_importable_with_a_docstring() -> None:
    for name in serverless_inference.__all__:
        value = getattr(serverless_inference, name)
        assert value.__name__ == name
        assert value.__doc__, f"{name} has no docstring"


def test_the_library_and_the_command_have_one_version_and_pin_each_other() -> None:
    core = _project("pyproject.toml")
    cli = _project("cli/pyproject.toml")
    assert core["version"] == cli["version"]
    assert core["optional-dependencies"]["cli"] == [
        f"cdk-serverless-inference-cli=={core['version']}"
    ]
    assert f"cdk-serverless-inference=={cli['version']}" in cli["dependencies"]


def test_the_library_depends_on_the_cdk_only_and_has_no_console_script() -> None:
    core = _project("pyproject.toml")
    names = sorted(dependency.split(">")[0].split("=")[0] for dependency in core["dependencies"])
    assert names == ["aws-cdk-lib", "constructs"]
    assert "scripts" not in core


APACHE_2_0_SHA256 = "cfc7749b96f63bd31c3c42b5c471bf756814053e847c10f3eb003417bc523d30"
"""SHA-256 of the Apache License 2.0 as the ASF publishes it
(https://www.apache.org/licenses/LICENSE-2.0.txt): the full text, unchanged."""


@pytest.mark.parametrize("project", [".", "cli"])
def test_each_distribution_declares_apache_2_0_and_ships_the_full_license_text(
    project: str,
) -> None:
    metadata = _project(f"{project}/pyproject.toml")
    assert metadata["license"] == "Apache-2.0"
    assert metadata["license-files"] == ["LICENSE"]
    text = (ROOT / project / "LICENSE").read_bytes()
    assert hashlib.sha256(text).hexdigest() == APACHE_2_0_SHA256


def test_the_sdist_includes_the_changelog() -> None:
    assert "include CHANGELOG.md" in (ROOT / "MANIFEST.in").read_text().splitlines()
    assert (ROOT / "CHANGELOG.md").is_file()


def test_version_option_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    version = _project("cli/pyproject.toml")["version"]
    assert capsys.readouterr().out == f"serverless-inference {version}\n"


def _modules_after_importing(code: str) -> set[str]:
    """The modules a fresh interpreter has loaded after running ``code``."""
    code += "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded: list[str] = json.loads(out.stdout.splitlines()[-1])
    return set(loaded)


def _top_level(modules: set[str]) -> set[str]:
    return {name.split(".")[0] for name in modules}


def test_the_command_imports_no_construct_module_and_does_not_start_the_cdk() -> None:
    # GIVEN a fresh interpreter WHEN every module of the command is imported
    loaded = _modules_after_importing(
        "import importlib, pkgutil, serverless_inference_cli\n"
        "for module in pkgutil.walk_packages(serverless_inference_cli.__path__,\n"
        "                                    'serverless_inference_cli.'):\n"
        "    importlib.import_module(module.name)\n"
    )
    # THEN every subpackage was reached, the runtime half of the library (its limits and the
    # model-artifact rules) is used, and neither the constructs nor the CDK are loaded
    assert "serverless_inference_cli.benchmark.sweep" in loaded
    assert {
        "serverless_inference_runtime.limits",
        "serverless_inference_runtime.artifact_contents",
        "serverless_inference_runtime.artifact_rules",
    } <= loaded
    assert not {"serverless_inference", "aws_cdk", "jsii"} & _top_level(loaded)


def test_the_constructs_import_no_module_of_the_command_or_its_libraries() -> None:
    loaded = _modules_after_importing("import serverless_inference")
    assert "serverless_inference.keep_warm" in loaded  # the public names are imported eagerly
    assert not {
        "serverless_inference_cli",
        "rich",
        "matplotlib",
        "numpy",
        "boto3",
        "botocore",
    } & _top_level(loaded)


def test_the_runtime_package_never_loads_the_cdk_and_only_its_aws_side_loads_boto3() -> None:
    # what the constructs and the command read: no AWS SDK (the core wheel does not declare it)
    shared = _modules_after_importing(
        "import serverless_inference_runtime.limits, serverless_inference_runtime.image_uri\n"
        "import serverless_inference_runtime.artifact_contents\n"
        "import serverless_inference_runtime.artifact_rules\n"
        "import serverless_inference_runtime.emf\n"
        "import serverless_inference_runtime.keep_warm.contract\n"
        "import serverless_inference_runtime.fan_out.contract\n"
        "import serverless_inference_runtime.error_answers\n"
    )
    assert not {"aws_cdk", "jsii", "boto3", "botocore"} & _top_level(shared)
    # the code that runs in AWS uses the SDK Lambda provides, and still no CDK
    in_aws = _modules_after_importing(
        "import serverless_inference_runtime.keep_warm.handler\n"
        "import serverless_inference_runtime.fan_out.handler\n"
    )
    assert "boto3" in _top_level(in_aws)
    assert not {"aws_cdk", "jsii"} & _top_level(in_aws)


def _imports(path: Path, package: str) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(package):
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names if a.name.startswith(package))
    return names


def test_the_command_has_no_import_cycle_and_no_module_over_500_lines() -> None:
    package = "serverless_inference_cli"
    root = ROOT / "cli" / package
    modules = {
        ".".join((package, *path.relative_to(root).with_suffix("").parts)).removesuffix(
            ".__init__"
        ): path
        for path in root.rglob("*.py")
    }
    graph = {
        name: {m for m in _imports(path, package) if m in modules and m != name}
        for name, path in modules.items()
    }
    sizes = {name: len(path.read_text().splitlines()) for name, path in modules.items()}
    assert {name: n for name, n in sizes.items() if n > 500} == {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        assert name not in trail, " -> ".join((*trail, name))
        for imported in graph[name]:
            visit(imported, (*trail, name))

    for name in graph:
        visit(name, ())
