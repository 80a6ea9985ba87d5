"""The code asset of the library's Lambda functions: the ``serverless_inference_runtime`` package.

Every function gets the whole package (a few kilobytes) and names its handler inside it, so
the code that runs in AWS imports its contract, limits and shared modules the way the tests do.
The package is copied once per process, from wherever Python imports it (this source checkout
or an installed wheel), into ``<temporary folder>/serverless_inference_runtime``; that folder
is the asset (CDK hashes its content, not its path) and is removed when the process exits.
"""

import atexit
import shutil
import tempfile
from functools import cache
from pathlib import Path

from aws_cdk import aws_lambda as lambda_

import serverless_inference_runtime

PACKAGE_NAME = serverless_inference_runtime.__name__
_LEFT_OUT = shutil.ignore_patterns("__pycache__", "*.pyc", ".DS_Store")


@cache
def staged_runtime_directory() -> Path:
    """A folder holding a clean copy of the runtime package (made once per process)."""
    staging = Path(tempfile.mkdtemp(prefix="serverless-inference-runtime-"))
    atexit.register(shutil.rmtree, staging, ignore_errors=True)
    stage_package(Path(serverless_inference_runtime.__file__).resolve().parent, staging)
    return staging


def stage_package(source: Path, staging: Path) -> None:
    """Copy the package folder ``source`` to ``staging/serverless_inference_runtime``, without
    bytecode caches and Finder files (they would change the asset hash, not the code)."""
    shutil.copytree(source, staging / PACKAGE_NAME, ignore=_LEFT_OUT)


def runtime_code() -> lambda_.Code:
    """The runtime package as a function's code (a new ``Code`` per function: CDK binds an
    asset code to one stack)."""
    return lambda_.Code.from_asset(str(staged_runtime_directory()))
