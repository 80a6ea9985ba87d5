"""The two distributions: the library's public names, the command's version and imports.

The library (``pyproject.toml``) and the command (``cli/pyproject.toml``) are released
together: one version, each pinning the other. The command never imports a construct
module, so it never starts the CDK's JavaScript runtime.
"""

import ast
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


def test_unknown_names_raise_attribute_error() -> None:
    assert not hasattr(serverless_inference, "NoSuchConstruct")


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


def test_version_option_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["--version"])
    assert caught.value.code == 0
    version = _project("cli/pyproject.toml")["version"]
    assert capsys.readouterr().out == f"serverless-inference {version}\n"


def test_the_command_imports_no_construct_module_and_does_not_start_the_cdk() -> None:
    # GIVEN a fresh interpreter WHEN every module of the command is imported
    code = (
        "import pkgutil, importlib, sys, serverless_inference_cli\n"
        "for module in pkgutil.iter_modules(serverless_inference_cli.__path__):\n"
        "    importlib.import_module('serverless_inference_cli.' + module.name)\n"
        "print(sorted(m for m in sys.modules if m.startswith('serverless_inference.')))\n"
        "print('aws_cdk' in sys.modules, 'jsii' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    library_modules, runtime = out.stdout.splitlines()
    # THEN only the CDK-free limits and artifact rules of the library are loaded, no CDK at all
    assert library_modules == (
        "['serverless_inference.artifact_contents', 'serverless_inference.artifact_rules', "
        "'serverless_inference.limits']"
    )
    assert runtime == "False False"


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
