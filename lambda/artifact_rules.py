"""Is a model artifact ready for a serverless endpoint? Its layout, and its size against the
disk, the start-up window and the memory tier (pure functions, CDK-free).

One implementation for the constructs and the command: ``ModelData.from_directory`` raises a
``ValueError`` for a failing layout line and annotates the size lines that fail or warn;
``serverless-inference check`` prints every line. Each :class:`Finding` is one line: pass,
warn, fail (or unknown), with the reason and the fix. The numbers and their sources are in
docs/aws-behaviour.md, "Container images and model artifacts":

* layout: the model files at the root, the handler at ``code/inference.py`` and an optional
  ``code/requirements.txt`` (the Hugging Face and PyTorch inference toolkits' layout); no
  symbolic links (SageMaker cannot extract them) and no path outside the root;
* disk: the archive and its unpacked copy within the 5 GB ephemeral disk;
* start-up: downloading and unpacking the archive at every cold start (an estimate) within
  API Gateway's default 29 s timeout, and within half of the 3 minutes in which the model
  must download and ``/ping`` answer;
* memory: the memory tier at least twice the model's size in memory (the unpacked size,
  else the archive's size, stands for it), at least once or it fails.
"""

import ast
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from serverless_inference_runtime.artifact_contents import HANDLER, REQUIREMENTS, ArtifactContents
from serverless_inference_runtime.limits import (
    EPHEMERAL_DISK_BYTES,
    MEMORY_SIZES_MB,
    STARTUP_TIMEOUT_SECONDS,
)

MB: Final = 1024**2
SAFE_MEMORY_FACTOR: Final = 2.0
"""A tier of at least twice the model's size in memory passes; at least once warns."""
DOWNLOAD_BYTES_PER_SECOND: Final = 85_000_000
"""Estimated download rate of the artifact: one S3 connection (AWS's S3 performance guide:
85-90 MB/s per connection; how SageMaker downloads model data is not documented)."""
UNPACK_BYTES_PER_SECOND: Final = 100_000_000
"""Estimated gunzip-and-write rate (measured here: ``tar xzf`` of 260 MB of float32 weights
writes 130 MB/s on 2 cores; a serverless environment's CPU share is not documented)."""
STARTUP_SHARE: Final = 0.5
"""Share of the start-up window that downloading and unpacking may take: the rest is for
starting the model server, importing the framework and loading the model."""
API_GATEWAY_TIMEOUT_SECONDS: Final = 29
"""API Gateway's default integration timeout (the maximum for edge-optimized APIs): a request
that meets a longer cold start through an API gets a 504."""

LAYOUT: Final = "model layout"
HANDLER_ITEM: Final = "model handler"
DISK: Final = "model artifact"
START_UP: Final = "model start-up"
MEMORY: Final = "model fits memory"


class Status(enum.Enum):
    """How a finding judges the artifact: within the limits, at risk, over them, or not known."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Finding:
    """One line of a report."""

    item: str
    status: Status
    value: str
    reason: str
    fix: str = ""


@dataclass(frozen=True)
class SettingNames:
    """How the caller spells the settings a fix points at."""

    memory: str
    """The memory tier, ``{}`` standing for the number: ``--memory {}``, ``memory_size_mb={}``."""
    handler_optional: str
    """What declares that the container needs no ``code/inference.py``."""


def format_size(n: float) -> str:
    """``1.2 GB``, ``3.0 MB``, ``0.5 KB``."""
    if n >= 1024**3:
        return f"{n / 1024**3:,.2f} GB"
    if n >= MB:
        return f"{n / MB:,.1f} MB"
    return f"{n / 1024:,.1f} KB"


def smallest_tier(needed_mb: float) -> int | None:
    """The smallest memory tier of at least ``needed_mb`` (None when above 6144)."""
    return next((tier for tier in MEMORY_SIZES_MB if tier >= needed_mb), None)


def _names(paths: Sequence[str]) -> str:
    shown = ", ".join(sorted(paths)[:3])
    return shown if len(paths) <= 3 else f"{shown} and {len(paths) - 3} more"


def check_layout(
    contents: ArtifactContents, *, require_handler: bool, names: SettingNames
) -> list[Finding]:
    """The layout lines (one per problem, or one pass) and the handler line."""
    findings: list[Finding] = []
    if contents.outside:
        findings.append(
            Finding(
                LAYOUT,
                Status.FAIL,
                _names(contents.outside),
                "paths outside the archive's root (absolute, or with ..)",
                "pack paths relative to the model directory: tar -czf model.tar.gz -C <dir> .",
            )
        )
    if contents.links:
        findings.append(
            Finding(
                LAYOUT,
                Status.FAIL,
                _names(contents.links),
                "symbolic links: SageMaker cannot extract an archive that holds them "
                "(links to folders and broken links cannot be packed)",
                "replace each link with a copy of what it points to",
            )
        )
    files = contents.files
    if not files:
        findings.append(
            Finding(
                LAYOUT,
                Status.FAIL,
                "no files",
                "the artifact holds no file (after the excluded ones)",
                "point at the model directory: model files at its root, the handler in code/",
            )
        )
        return findings
    tops = {path.split("/")[0] for path in files}
    nested = len(tops) == 1 and all("/" in path for path in files) and tops != {"code"}
    if nested:
        (folder,) = tops
        findings.append(
            Finding(
                LAYOUT,
                Status.FAIL,
                f"everything is in {folder}/",
                "SageMaker unpacks the archive into /opt/ml/model, where the toolkits look "
                f"for the model files and code/ at the top, not in {folder}/",
                f"pack the content of {folder}/, not the folder itself",
            )
        )
        return findings
    for name, kept in (("inference.py", HANDLER), ("requirements.txt", REQUIREMENTS)):
        if name in files and kept not in files:
            findings.append(
                Finding(
                    LAYOUT,
                    Status.FAIL,
                    name,
                    f"{name} is at the root: the toolkits read {kept} only",
                    f"move it to {kept}",
                )
            )
    if not findings:
        model_files = tops != {"code"}
        findings.append(
            Finding(
                LAYOUT,
                Status.PASS,
                "files at the root, code in code/" if model_files else "code/ only",
                "the layout of the Hugging Face and PyTorch inference toolkits"
                if model_files
                else "the container loads the model from elsewhere (HF_MODEL_ID)",
            )
        )
    findings.append(_check_handler(contents, require_handler=require_handler, names=names))
    return findings


def _check_handler(
    contents: ArtifactContents, *, require_handler: bool, names: SettingNames
) -> Finding:
    if HANDLER not in contents.files:
        if not require_handler:
            return Finding(
                HANDLER_ITEM, Status.PASS, "none", "the container's own handler serves the model"
            )
        return Finding(
            HANDLER_ITEM,
            Status.FAIL,
            f"no {HANDLER}",
            f"the Hugging Face and PyTorch inference toolkits load the handler from {HANDLER}",
            f"add {HANDLER} (model_fn, input_fn, predict_fn, output_fn), or pass "
            f"{names.handler_optional} when the image serves the model without one",
        )
    if contents.handler_source is not None:
        problem = _parse_problem(contents.handler_source)
        if problem is not None:
            return Finding(
                HANDLER_ITEM,
                Status.FAIL,
                HANDLER,
                f"it does not parse ({problem})",
                "fix it: the model server imports it at start-up and fails",
            )
    requirements = REQUIREMENTS in contents.files
    return Finding(
        HANDLER_ITEM,
        Status.PASS,
        HANDLER + (f" and {REQUIREMENTS}" if requirements else ""),
        "the toolkits load this handler"
        + (", and pip-install the requirements at every cold start" if requirements else ""),
    )


def _parse_problem(source: bytes) -> str | None:
    """Why Python cannot parse ``source``; ``None`` when it can."""
    try:
        ast.parse(source, filename=HANDLER)
    except SyntaxError as error:
        return f"line {error.lineno}: {error.msg}"
    except ValueError as error:  # null bytes
        return str(error)
    return None


def check_artifact_disk(archive_bytes: int | None, unpacked_bytes: int | None = None) -> Finding:
    """The archive and its unpacked copy against the ephemeral disk.

    Without the unpacked size (an S3 object), the archive alone: over the disk fails, over
    half of it warns (both copies must fit).
    """
    disk = format_size(EPHEMERAL_DISK_BYTES)
    if unpacked_bytes is not None:
        archive = archive_bytes if archive_bytes is not None else unpacked_bytes
        needed = archive + unpacked_bytes
        value = f"{format_size(archive)} + {format_size(unpacked_bytes)} unpacked"
        if needed > EPHEMERAL_DISK_BYTES:
            return Finding(
                DISK,
                Status.FAIL,
                value,
                f"the archive and its unpacked copy do not fit on the {disk} ephemeral disk",
                "shrink the model (quantize to INT8/FP16, drop unused files) or use a "
                "real-time instance",
            )
        return Finding(
            DISK, Status.PASS, value, f"the archive and its unpacked copy fit the {disk} disk"
        )
    archive = archive_bytes if archive_bytes is not None else 0
    value = format_size(archive)
    if archive > EPHEMERAL_DISK_BYTES:
        return Finding(
            DISK,
            Status.FAIL,
            value,
            f"larger than the {disk} ephemeral disk",
            "shrink the model or use a real-time instance",
        )
    if archive > EPHEMERAL_DISK_BYTES / 2:
        return Finding(
            DISK,
            Status.WARN,
            value,
            f"the archive and its unpacked copy may not both fit on the {disk} disk",
            "ship an uncompressed model (ModelDataSource S3Prefix) or shrink it",
        )
    return Finding(DISK, Status.PASS, value, f"fits the {disk} ephemeral disk")


def start_up_seconds(archive_bytes: int, unpacked_bytes: int) -> float:
    """Estimated time to download and unpack the archive at each cold start."""
    return archive_bytes / DOWNLOAD_BYTES_PER_SECOND + unpacked_bytes / UNPACK_BYTES_PER_SECOND


def check_start_up(archive_bytes: int | None, unpacked_bytes: int | None) -> Finding:
    """Downloading and unpacking, at every cold start, against half of the start-up window and
    against API Gateway's default timeout (the unpacked size, when unknown, is taken as the
    archive's: a lower bound)."""
    archive = archive_bytes if archive_bytes is not None else unpacked_bytes or 0
    unpacked = unpacked_bytes if unpacked_bytes is not None else archive
    seconds = start_up_seconds(archive, unpacked)
    value = f"~{seconds:,.0f} s to download and unpack (estimate)"
    budget = STARTUP_TIMEOUT_SECONDS * STARTUP_SHARE
    shrink = "shrink the artifact (quantize to INT8/FP16, drop files the handler does not load)"
    if seconds > budget:
        return Finding(
            START_UP,
            Status.WARN,
            value,
            f"over {budget:.0f} s, half of the {STARTUP_TIMEOUT_SECONDS} s in which the model "
            "must download and /ping answer: the server start and the model load get the rest",
            f"{shrink}, or use a real-time instance",
        )
    if seconds > API_GATEWAY_TIMEOUT_SECONDS:
        return Finding(
            START_UP,
            Status.WARN,
            value,
            f"over API Gateway's default {API_GATEWAY_TIMEOUT_SECONDS} s timeout before the "
            "model even loads: a request through an API that meets a cold start gets a 504",
            f"{shrink}, or keep environments warm (KeepWarm, provisioned concurrency)",
        )
    return Finding(
        START_UP,
        Status.PASS,
        value,
        f"within API Gateway's {API_GATEWAY_TIMEOUT_SECONDS} s and the "
        f"{STARTUP_TIMEOUT_SECONDS} s start-up window",
    )


def artifact_memory(
    archive_bytes: int | None, unpacked_bytes: int | None
) -> tuple[float, str] | None:
    """The size in MB that stands for the model's size in memory, and what it is."""
    if unpacked_bytes is not None:
        return unpacked_bytes / MB, "unpacked size, taken as the size in memory"
    if archive_bytes is not None:
        return archive_bytes / MB, "artifact size, taken as the size in memory"
    return None


def check_memory_fit(memory_mb: int, needed_mb: float, basis: str, names: SettingNames) -> Finding:
    """The memory tier against ``SAFE_MEMORY_FACTOR`` x the model's size in memory."""
    ratio = memory_mb / max(needed_mb, 1e-9)
    model = f"{needed_mb:,.0f} MB" if needed_mb >= 1 else "< 1 MB"
    times = f"{ratio:.1f}x" if ratio < 100 else "over 100x"
    value = f"{memory_mb} MB for a {model} model ({times})"
    if memory_mb >= needed_mb * SAFE_MEMORY_FACTOR:
        return Finding(MEMORY, Status.PASS, value, f"at least 2x the {basis}")
    safe = smallest_tier(needed_mb * SAFE_MEMORY_FACTOR)
    if safe is None:
        fix = (
            "no tier has 2x headroom: shrink the model (quantize to INT8/FP16) or use a "
            "real-time instance"
        )
    else:
        fix = f"use {names.memory.format(safe)} (2x headroom)"
    if memory_mb >= needed_mb:
        return Finding(
            MEMORY,
            Status.WARN,
            value,
            f"less than 2x the {basis}: out-of-memory risk under load",
            fix,
        )
    return Finding(MEMORY, Status.FAIL, value, f"less memory than the {basis}", fix)


def check_artifact_size(
    archive_bytes: int | None,
    unpacked_bytes: int | None,
    *,
    memory_mb: int | None,
    names: SettingNames,
) -> list[Finding]:
    """The disk, start-up and (with a memory tier) memory lines of an artifact."""
    findings = [
        check_artifact_disk(archive_bytes, unpacked_bytes),
        check_start_up(archive_bytes, unpacked_bytes),
    ]
    basis = artifact_memory(archive_bytes, unpacked_bytes)
    if memory_mb is not None and basis is not None:
        findings.append(check_memory_fit(memory_mb, *basis, names))
    return findings
