"""The rules of ``check``: is a model ready for a serverless endpoint? (pure functions)

Each line of the report is a :class:`Finding` (pass / warn / fail / unknown) with the reason
and the fix. The rules, all against :mod:`serverless_inference_runtime.limits` and the account
quotas:

* memory tier: ``--memory`` must be one of 1024..6144 MB in 1 GB steps;
* model fits memory: ``memory >= 2 x`` the model's size in memory passes, ``>= 1 x`` warns,
  less fails. The size in memory is ``--model-memory-mb`` or, failing that, the artifact size
  (a compressed artifact usually needs more: pass ``--model-memory-mb`` when you know it);
* artifact and disk: the artifact is downloaded and unpacked on the 5 GB ephemeral disk: over
  5 GB fails, over half of it (both copies must fit) warns;
* container image: over 10 GB fails, over 500 MB warns (cold starts grow with the image;
  ECR reports the compressed size); an image outside ECR fails (serverless endpoints
  cannot pull from other registries);
* payload: over 4 MB fails, over 3 MB warns (the response has the same limit);
* concurrency: ``MaxConcurrency`` 1..200 and within the account's total serverless
  concurrency quota; provisioned concurrency 1..MaxConcurrency;
* memory quota: ``--memory`` within the account's max memory per serverless endpoint;
* endpoint name: lowercase SageMaker pattern, <= 63 characters.

A quota line is "unknown" only with ``--skip-quotas`` or when Service Quotas lists no such
quota; a quota that cannot be read is an error (:mod:`serverless_inference_cli.quotas`).
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

from serverless_inference_cli.errors import EXIT_FAILED, EXIT_OK
from serverless_inference_cli.quotas import Quotas
from serverless_inference_runtime.limits import (
    ENDPOINT_NAME_MAX_LENGTH,
    ENDPOINT_NAME_PATTERN,
    EPHEMERAL_DISK_BYTES,
    MAX_CONCURRENCY_LIMIT,
    MAX_IMAGE_BYTES,
    MAX_PAYLOAD_BYTES,
    MEMORY_SIZES_MB,
)

MB = 1024**2
IMAGE_WARN_BYTES = 500 * MB
PAYLOAD_WARN_BYTES = 3 * MB
SAFE_MEMORY_FACTOR = 2.0


class Status(enum.Enum):
    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Finding:
    """One line of the report."""

    item: str
    status: Status
    value: str
    reason: str
    fix: str = ""


def _size(n: float) -> str:
    if n >= 1024**3:
        return f"{n / 1024**3:,.2f} GB"
    if n >= MB:
        return f"{n / MB:,.1f} MB"
    return f"{n / 1024:,.1f} KB"


def smallest_tier(needed_mb: float) -> int | None:
    """The smallest memory tier of at least ``needed_mb`` (None when above 6144)."""
    return next((tier for tier in MEMORY_SIZES_MB if tier >= needed_mb), None)


def check_memory_tier(memory_mb: int) -> Finding:
    if memory_mb in MEMORY_SIZES_MB:
        return Finding("memory tier", Status.PASS, f"{memory_mb} MB", "a valid MemorySizeInMB")
    return Finding(
        "memory tier",
        Status.FAIL,
        f"{memory_mb} MB",
        f"MemorySizeInMB must be one of {', '.join(map(str, MEMORY_SIZES_MB))}",
        f"use {smallest_tier(memory_mb) or max(MEMORY_SIZES_MB)} MB",
    )


def check_model_fits(
    memory_mb: int, artifact_bytes: int | None, model_memory_mb: float | None
) -> Finding:
    """Memory against ``SAFE_MEMORY_FACTOR`` x the model's size in memory."""
    if model_memory_mb is not None:
        needed = model_memory_mb
        basis = "model size in memory (--model-memory-mb)"
    elif artifact_bytes is not None:
        needed = artifact_bytes / MB
        basis = "artifact size, taken as the size in memory"
    else:
        return Finding(
            "model fits memory",
            Status.UNKNOWN,
            "-",
            "no model size given",
            "pass --model or --model-memory-mb",
        )
    value = f"{memory_mb} MB for a {needed:,.0f} MB model ({memory_mb / max(needed, 1e-9):.1f}x)"
    safe = smallest_tier(needed * SAFE_MEMORY_FACTOR)
    if memory_mb >= needed * SAFE_MEMORY_FACTOR:
        return Finding("model fits memory", Status.PASS, value, f"at least 2x the {basis}")
    if safe is None:
        fix = (
            "no tier has 2x headroom: shrink the model (quantize to INT8/FP16) or use a "
            "real-time instance"
        )
    else:
        fix = f"use --memory {safe} (2x headroom)"
    if memory_mb >= needed:
        return Finding(
            "model fits memory",
            Status.WARN,
            value,
            f"less than 2x the {basis}: out-of-memory risk under load",
            fix,
        )
    return Finding("model fits memory", Status.FAIL, value, f"less memory than the {basis}", fix)


def check_artifact_disk(artifact_bytes: int) -> Finding:
    value = _size(artifact_bytes)
    disk = _size(EPHEMERAL_DISK_BYTES)
    if artifact_bytes > EPHEMERAL_DISK_BYTES:
        return Finding(
            "model artifact",
            Status.FAIL,
            value,
            f"larger than the {disk} ephemeral disk",
            "shrink the model or use a real-time instance",
        )
    if artifact_bytes > EPHEMERAL_DISK_BYTES / 2:
        return Finding(
            "model artifact",
            Status.WARN,
            value,
            f"the archive and its unpacked copy may not both fit on the {disk} disk",
            "ship an uncompressed model (ModelDataSource S3Prefix) or shrink it",
        )
    return Finding("model artifact", Status.PASS, value, f"fits the {disk} ephemeral disk")


def check_image(image_bytes: int) -> Finding:
    value = _size(image_bytes) + " (compressed, as ECR reports it)"
    if image_bytes > MAX_IMAGE_BYTES:
        return Finding(
            "container image",
            Status.FAIL,
            value,
            f"over the {_size(MAX_IMAGE_BYTES)} serverless image limit",
            "slim the image: multi-stage build, slim base, no build tools",
        )
    if image_bytes > IMAGE_WARN_BYTES:
        return Finding(
            "container image",
            Status.WARN,
            value,
            "over 500 MB: larger images make cold starts longer",
            "slim the image (multi-stage build, slim base) or accept slower cold starts",
        )
    return Finding("container image", Status.PASS, value, "under the 500 MB cold-start target")


def check_payload(payload_bytes: int) -> Finding:
    value = _size(payload_bytes)
    limit = _size(MAX_PAYLOAD_BYTES)
    if payload_bytes > MAX_PAYLOAD_BYTES:
        return Finding(
            "payload",
            Status.FAIL,
            value,
            f"over the {limit} serverless request limit",
            "send a reference (S3 URI) instead, compress, or use async inference",
        )
    if payload_bytes > PAYLOAD_WARN_BYTES:
        return Finding(
            "payload",
            Status.WARN,
            value,
            f"close to the {limit} limit (the response has the same limit)",
            "keep requests and responses small",
        )
    return Finding("payload", Status.PASS, value, f"within the {limit} request limit")


def check_concurrency(max_concurrency: int, quotas: Quotas) -> Finding:
    value = str(max_concurrency)
    if not 1 <= max_concurrency <= MAX_CONCURRENCY_LIMIT:
        return Finding(
            "max concurrency",
            Status.FAIL,
            value,
            f"MaxConcurrency must be within 1..{MAX_CONCURRENCY_LIMIT}",
            f"use 1..{MAX_CONCURRENCY_LIMIT}",
        )
    if quotas.total_concurrency is None:
        return Finding(
            "max concurrency",
            Status.UNKNOWN,
            value,
            f"account quota unknown ({quotas.missing or 'not found'})",
            "check 'total concurrency' of serverless endpoints in the Service Quotas console",
        )
    if max_concurrency > quotas.total_concurrency:
        return Finding(
            "max concurrency",
            Status.FAIL,
            f"{value} > quota {quotas.total_concurrency}",
            "over the account's total serverless concurrency (shared by all endpoints)",
            f"use at most {quotas.total_concurrency} or request a quota increase",
        )
    return Finding(
        "max concurrency",
        Status.PASS,
        f"{value} of quota {quotas.total_concurrency}",
        "within the account's total serverless concurrency (shared by all endpoints)",
    )


def check_provisioned(provisioned: int, max_concurrency: int | None) -> Finding:
    value = str(provisioned)
    if not 1 <= provisioned <= MAX_CONCURRENCY_LIMIT:
        return Finding(
            "provisioned concurrency",
            Status.FAIL,
            value,
            f"ProvisionedConcurrency must be within 1..{MAX_CONCURRENCY_LIMIT}",
            "use 1..MaxConcurrency or leave it out",
        )
    if max_concurrency is not None and provisioned > max_concurrency:
        return Finding(
            "provisioned concurrency",
            Status.FAIL,
            f"{value} > max {max_concurrency}",
            "ProvisionedConcurrency must not exceed MaxConcurrency",
            f"use at most {max_concurrency}",
        )
    return Finding(
        "provisioned concurrency", Status.PASS, value, "within 1..MaxConcurrency (billed always)"
    )


def check_memory_quota(memory_mb: int, quotas: Quotas) -> Finding:
    if quotas.max_memory_mb is None:
        return Finding(
            "memory quota",
            Status.UNKNOWN,
            f"{memory_mb} MB",
            f"account quota unknown ({quotas.missing or 'not found'})",
            "check the serverless memory quota in the Service Quotas console "
            "(new accounts report 3072 MB)",
        )
    if memory_mb > quotas.max_memory_mb:
        return Finding(
            "memory quota",
            Status.FAIL,
            f"{memory_mb} MB > quota {quotas.max_memory_mb} MB",
            "over the account's max memory per serverless endpoint",
            f"use at most {quotas.max_memory_mb} MB or request a quota increase",
        )
    return Finding(
        "memory quota",
        Status.PASS,
        f"{memory_mb} MB of quota {quotas.max_memory_mb} MB",
        "within the account's max memory per serverless endpoint",
    )


def check_endpoint_name(name: str) -> Finding:
    if len(name) > ENDPOINT_NAME_MAX_LENGTH:
        return Finding(
            "endpoint name",
            Status.FAIL,
            name,
            f"longer than {ENDPOINT_NAME_MAX_LENGTH} characters",
            "shorten it",
        )
    if not re.fullmatch(ENDPOINT_NAME_PATTERN, name):
        return Finding(
            "endpoint name",
            Status.FAIL,
            name,
            "not lowercase letters, digits and single hyphens (IAM matches ARNs lowercased)",
            f"use {re.sub('[^a-z0-9]+', '-', name.lower()).strip('-') or 'my-endpoint'}",
        )
    return Finding("endpoint name", Status.PASS, name, "a valid, lowercase endpoint name")


def exit_code(findings: list[Finding]) -> int:
    """1 when any line failed, else 0 (warnings and unknown lines do not fail the check)."""
    return EXIT_FAILED if any(f.status is Status.FAIL for f in findings) else EXIT_OK
