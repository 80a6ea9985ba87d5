"""The runtime package as the functions' code asset: staged once, clean, removed at exit, and
hashed by content (a source checkout and an installed wheel give the same asset)."""

import subprocess
import sys
from pathlib import Path

from aws_cdk import aws_lambda as lambda_

import serverless_inference_runtime
from serverless_inference.runtime_code import (
    PACKAGE_NAME,
    runtime_code,
    stage_package,
    staged_runtime_directory,
)
from tests.support.runtime_asset import asset_object_key

SOURCE = Path(serverless_inference_runtime.__file__).resolve().parent


def _files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_the_package_is_staged_once_per_process_as_it_is_in_the_source() -> None:
    staged = staged_runtime_directory()
    assert staged_runtime_directory() == staged
    assert [p.name for p in staged.iterdir()] == [PACKAGE_NAME]
    expected = {
        name
        for name in _files(SOURCE)
        if "__pycache__" not in name and not name.endswith((".pyc", ".DS_Store"))
    }
    assert _files(staged / PACKAGE_NAME) == expected
    assert {"keep_warm/handler.py", "keep_warm/contract.py", "limits.py", "py.typed"} <= expected


def test_staging_leaves_out_bytecode_caches_and_finder_files(tmp_path: Path) -> None:
    source = tmp_path / "lambda"
    (source / "keep_warm" / "__pycache__").mkdir(parents=True)
    for name in ("__init__.py", "keep_warm/handler.py", "keep_warm/__pycache__/handler.pyc"):
        (source / name).write_text("# code\n")
    (source / "stray.pyc").write_bytes(b"\0")
    (source / ".DS_Store").write_bytes(b"\0")
    stage_package(source, tmp_path / "staged")
    assert _files(tmp_path / "staged") == {
        f"{PACKAGE_NAME}/__init__.py",
        f"{PACKAGE_NAME}/keep_warm/handler.py",
    }


def test_the_asset_hash_depends_on_the_content_not_on_the_staging_path(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    stage_package(SOURCE, elsewhere)
    key = asset_object_key(runtime_code())
    assert key == asset_object_key(lambda_.Code.from_asset(str(elsewhere)))
    assert key.endswith(".zip")


def test_each_function_gets_its_own_code_so_two_stacks_can_use_it() -> None:
    # CDK binds an asset code to the first stack that uses it and refuses a second one
    assert asset_object_key(runtime_code()) == asset_object_key(runtime_code())


def test_the_staged_copy_is_removed_when_the_process_exits() -> None:
    code = (
        "from serverless_inference.runtime_code import staged_runtime_directory\n"
        "print(staged_runtime_directory())\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    staged = Path(run.stdout.strip())
    assert staged.name.startswith("serverless-inference-runtime-")
    assert not staged.exists()
