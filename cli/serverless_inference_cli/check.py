"""``serverless-inference check``: is a model ready for a serverless endpoint?

Each line of the report is a :class:`Finding` (pass / warn / fail / unknown) with the reason
and the fix. The rules, all against :mod:`serverless_inference_cli.limits` and the account quotas:

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

Quotas are read from Service Quotas (service code ``sagemaker``) and matched by name
(``serverless`` + ``concurrency`` + ``total``/``across``, and ``serverless`` + ``memory``);
when they cannot be read the line is "unknown" with the reason: check them in the console.
Exit status 1 when any line fails.
"""

from __future__ import annotations

import argparse
import enum
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError
from rich.console import Console
from rich.text import Text

from serverless_inference_cli.aws import (
    EXIT_CHECK_FAILED,
    EXIT_OK,
    AwsContext,
    CliError,
    aws_errors,
    is_not_found,
    translate,
)
from serverless_inference_cli.limits import (
    ENDPOINT_NAME_MAX_LENGTH,
    ENDPOINT_NAME_PATTERN,
    EPHEMERAL_DISK_BYTES,
    MAX_CONCURRENCY_LIMIT,
    MAX_IMAGE_BYTES,
    MAX_PAYLOAD_BYTES,
    MEMORY_SIZES_MB,
)
from serverless_inference_cli.render import table

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


@dataclass(frozen=True)
class Quotas:
    """Account quotas; ``None`` when unknown, with ``error`` saying why."""

    total_concurrency: int | None = None
    max_memory_mb: int | None = None
    error: str | None = None


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
            f"account quota unknown ({quotas.error or 'not found'})",
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
            f"account quota unknown ({quotas.error or 'not found'})",
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
    return EXIT_CHECK_FAILED if any(f.status is Status.FAIL for f in findings) else EXIT_OK


# ---------------------------------------------------------------- AWS look-ups


_S3_URI = re.compile(r"^s3://([^/]+)/(.+)$")
_ECR_URI = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com(?:\.cn)?/"
    r"(?P<repo>[^:@]+)(?::(?P<tag>[^@]+))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$"
)


def artifact_size(ctx: AwsContext, location: str) -> tuple[int | None, Finding | None]:
    """Size of a local file or an S3 object; a failing finding when it does not exist."""
    match = _S3_URI.match(location)
    if match is None:
        path = Path(location)
        if not path.is_file():
            return None, Finding(
                "model artifact",
                Status.FAIL,
                location,
                "no such file",
                "pass the path of model.tar.gz or its s3:// URI",
            )
        return path.stat().st_size, None
    bucket, key = match.groups()
    s3 = ctx.client("s3")
    try:
        head = s3.head_object(Bucket=bucket, Key=key)
    except ClientError as exc:
        if is_not_found(exc):
            return None, Finding(
                "model artifact",
                Status.FAIL,
                location,
                "no such S3 object (or bucket)",
                "upload the artifact or fix the URI",
            )
        raise translate(exc, f"read s3://{bucket}/{key}") from exc
    except BotoCoreError as exc:
        raise translate(exc, f"read s3://{bucket}/{key}") from exc
    return int(head["ContentLength"]), None


def image_size(ctx: AwsContext, uri: str) -> tuple[int | None, Finding | None]:
    """``imageSizeInBytes`` of an ECR image; failing findings for non-ECR or missing ones."""
    match = _ECR_URI.match(uri)
    if match is None:
        return None, Finding(
            "container image",
            Status.FAIL,
            uri,
            "not an ECR image URI (<account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag>)",
            "push the image to ECR: serverless endpoints cannot use other registries",
        )
    image_id = (
        {"imageDigest": match["digest"]}
        if match["digest"]
        else {"imageTag": match["tag"] or "latest"}
    )
    ecr = ctx.client("ecr", region=match["region"])
    try:
        images = ecr.describe_images(
            registryId=match["account"], repositoryName=match["repo"], imageIds=[image_id]
        )
    except ClientError as exc:
        if is_not_found(exc):
            return None, Finding(
                "container image",
                Status.FAIL,
                uri,
                "no such repository or image in ECR",
                "push the image or fix the URI",
            )
        raise translate(exc, f"describe ECR image {uri}") from exc
    except BotoCoreError as exc:
        raise translate(exc, f"describe ECR image {uri}") from exc
    return int(images["imageDetails"][0]["imageSizeInBytes"]), None


def match_quotas(quotas: list[dict[str, Any]]) -> Quotas:
    """Pick the serverless concurrency and memory quotas out of Service Quotas' list."""
    total: int | None = None
    memory: int | None = None
    for quota in quotas:
        name = str(quota.get("QuotaName", "")).lower()
        value = quota.get("Value")
        if "serverless" not in name or not isinstance(value, int | float):
            continue
        if "concurrency" in name and ("total" in name or "across" in name):
            if "provisioned" not in name:
                total = int(value)
        elif "memory" in name:
            memory = int(value)
    missing = [n for n, v in (("concurrency", total), ("memory", memory)) if v is None]
    return Quotas(total, memory, f"no {' or '.join(missing)} quota listed" if missing else None)


def read_quotas(client: Any) -> Quotas:
    """The account's serverless quotas; never raises: an unreadable quota is unknown."""
    try:
        quotas: list[dict[str, Any]] = []
        for page in client.get_paginator("list_service_quotas").paginate(ServiceCode="sagemaker"):
            quotas.extend(page.get("Quotas", []))
    except (ClientError, BotoCoreError) as exc:
        return Quotas(error=translate(exc, "read Service Quotas").message)
    except Exception as exc:  # e.g. an emulator without Service Quotas
        return Quotas(error=f"Service Quotas unavailable: {exc}")
    return match_quotas(quotas)


def service_quotas_client(ctx: AwsContext) -> Any:
    return ctx.client("service-quotas")


# ---------------------------------------------------------------- command line


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--memory", type=int, required=True, metavar="MB", help="chosen tier")
    parser.add_argument("--model", metavar="PATH|s3://BUCKET/KEY", help="model artifact")
    parser.add_argument(
        "--model-memory-mb",
        type=float,
        metavar="MB",
        help="the model's size once loaded (default: the artifact size)",
    )
    parser.add_argument("--image", metavar="ECR_URI", help="inference container image in ECR")
    parser.add_argument("--payload", type=Path, metavar="FILE", help="a sample request body")
    parser.add_argument("--max-concurrency", type=int, metavar="N")
    parser.add_argument("--provisioned-concurrency", type=int, metavar="N")
    parser.add_argument("--endpoint-name", metavar="NAME")
    parser.add_argument(
        "--skip-quotas", action="store_true", help="do not read Service Quotas (offline)"
    )


def collect(args: argparse.Namespace, ctx: AwsContext) -> list[Finding]:
    """Every finding for the given arguments, in report order."""
    findings: list[Finding] = [check_memory_tier(args.memory)]
    artifact: int | None = None
    if args.model:
        artifact, missing = artifact_size(ctx, args.model)
        findings.append(missing or check_artifact_disk(artifact or 0))
    if args.model or args.model_memory_mb is not None:
        findings.append(check_model_fits(args.memory, artifact, args.model_memory_mb))
    if args.image:
        size, missing = image_size(ctx, args.image)
        findings.append(missing or check_image(size or 0))
    if args.payload is not None:
        try:
            findings.append(check_payload(args.payload.stat().st_size))
        except OSError as exc:
            raise CliError(f"Cannot read payload {args.payload}: {exc.strerror}.") from exc
    if args.skip_quotas:
        quotas = Quotas(error="--skip-quotas")
    else:
        with aws_errors("create a Service Quotas client"):
            quotas = read_quotas(service_quotas_client(ctx))
    if args.max_concurrency is not None:
        findings.append(check_concurrency(args.max_concurrency, quotas))
    if args.provisioned_concurrency is not None:
        findings.append(check_provisioned(args.provisioned_concurrency, args.max_concurrency))
    findings.append(check_memory_quota(args.memory, quotas))
    if args.endpoint_name:
        findings.append(check_endpoint_name(args.endpoint_name))
    return findings


_STYLE = {
    Status.PASS: "green",
    Status.WARN: "yellow",
    Status.FAIL: "bold red",
    Status.UNKNOWN: "cyan",
}


def render(findings: list[Finding], console: Console) -> None:
    report = table("Serverless readiness", "check", "status", "value", "reason", "fix")
    for f in findings:
        report.add_row(
            f.item,
            Text(f.status.value.upper(), style=_STYLE[f.status]),
            Text(f.value),
            Text(f.reason),
            Text(f.fix),
        )
    console.print(report)
    counts = {s: sum(1 for f in findings if f.status is s) for s in Status}
    console.print(
        f"{counts[Status.PASS]} passed, {counts[Status.WARN]} warnings, "
        f"{counts[Status.FAIL]} failed, {counts[Status.UNKNOWN]} unknown"
    )


def run(args: argparse.Namespace, console: Console) -> int:
    if args.model_memory_mb is not None and (
        math.isnan(args.model_memory_mb) or args.model_memory_mb <= 0
    ):
        raise CliError("--model-memory-mb must be positive.")
    findings = collect(args, AwsContext.from_args(args))
    render(findings, console)
    return exit_code(findings)
