"""The runtime package as a function's code asset, seen from outside: its hash, and whether
Lambda's import of the handler string finds the function in it."""

import json
import subprocess
from pathlib import Path

from aws_cdk import aws_lambda as lambda_

from serverless_inference_runtime.keep_warm.contract import HANDLER
from tests.cdk_helpers import new_stack

IMPORT_FROM_THE_ASSET_ONLY = """
import importlib, json, sys
asset, site_packages = sys.argv[1:]
sys.path[:] = [asset, site_packages, *[p for p in sys.path if "site-packages" not in p]]
module_name, function_name = HANDLER.rsplit(".", 1)
module = importlib.import_module(module_name)
assert module.__file__.startswith(asset), module.__file__
assert callable(getattr(module, function_name))
print(json.dumps(sorted(m for m in sys.modules if m.startswith("serverless_inference"))))
"""
"""Run with ``python -S``: no site-packages .pth file is read, so the editable install of the
runtime package is out of reach and only the asset can provide it (boto3 comes from
site-packages, as Lambda's runtime provides it)."""


def import_handler_from_asset(python: str, asset_dir: Path, site_packages: str) -> list[str]:
    """Import the function's handler from ``asset_dir`` alone; the runtime modules it loaded."""
    code = IMPORT_FROM_THE_ASSET_ONLY.replace("HANDLER", repr(HANDLER))
    imported = subprocess.run(
        [python, "-S", "-c", code, str(asset_dir), site_packages],
        capture_output=True,
        text=True,
        check=False,
    )
    assert imported.returncode == 0, imported.stderr
    loaded: list[str] = json.loads(imported.stdout)
    return loaded


def asset_object_key(code: lambda_.Code) -> str:
    """The S3 key of ``code`` bound in a new stack: ``<content hash>.zip``."""
    location = code.bind(new_stack()).s3_location
    assert location is not None
    return location.object_key
