"""The rules of ``check``: is a model ready for a serverless endpoint? (pure functions)

Each line of the report is a :class:`Finding` (pass / warn / fail / unknown) with the reason
and the fix. The rules, all against :mod:`serverless_inference_cli.limits` and the account quotas:

* memory tier: ``--memory`` must be one of 1024..6144 MB in 1 GB steps;
* model fits memory: ``memory >= 2 x`` the model's size in memory passes, ``>= 1 x`` warns,
  less fails. The size in memory is ``--model-memory-mb`` or, failing that, the unpacked size
  of a local artifact, else the artifact's size (a compressed artifact usually needs more:
  pass ``--model-memory-mb`` when you know it);
* the model artifact's layout, handler, disk and start-up lines, the same rules
  ``ModelData.from_directory`` applies (:mod:`serverless_inference_cli.artifacts`);
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

import re

from serverless_inference_cli.artifacts import (
    Finding,
    SettingNames,
    Status,
    artifact_memory,
    check_memory_fit,
    format_size,
    smallest_tier,
)
from serverless_inference_cli.errors import EXIT_FAILED, EXIT_OK
from serverless_inference_cli.limits import (
    ENDPOINT_NAME_MAX_LENGTH,
    ENDPOINT_NAME_PATTERN,
    MAX_CONCURRENCY_LIMIT,
    MAX_IMAGE_BYTES,
    MAX_PAYLOAD_BYTES,
    MEMORY_SIZES_MB,
)
from serverless_inference_cli.quotas import Quotas

MB = 1024**2
IMAGE_WARN_BYTES = 500 * MB
PAYLOAD_WARN_BYTES = 3 * MB
SETTING_NAMES = SettingNames(memory="--memory {}", handler_optional="--handler-optional")
"""How the command's fixes name its options."""


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
    memory_mb: int,
    artifact_bytes: int | None,
    model_memory_mb: float | None,
    unpacked_bytes: int | None = None,
) -> Finding:
    """The memory tier against the model's size in memory: ``--model-memory-mb``, else the
    artifact's unpacked size, else its size."""
    if model_memory_mb is not None:
        basis = model_memory_mb, "model size in memory (--model-memory-mb)"
    else:
        found = artifact_memory(artifact_bytes, unpacked_bytes)
        if found is None:
            return Finding(
                "model fits memory",
                Status.UNKNOWN,
                "-",
                "no model size given",
                "pass --model or --model-memory-mb",
            )
        basis = found
    return check_memory_fit(memory_mb, *basis, SETTING_NAMES)


def check_image(image_bytes: int) -> Finding:
    value = format_size(image_bytes) + " (compressed, as ECR reports it)"
    if image_bytes > MAX_IMAGE_BYTES:
        return Finding(
            "container image",
            Status.FAIL,
            value,
            f"over the {format_size(MAX_IMAGE_BYTES)} serverless image limit",
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
    value = format_size(payload_bytes)
    limit = format_size(MAX_PAYLOAD_BYTES)
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
