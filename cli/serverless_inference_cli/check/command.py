"""The ``check`` command line: gather the sizes and quotas, judge each item, report.

AWS is called only for what needs it (an ``s3://`` artifact, an ECR image, the quotas unless
``--skip-quotas``); before the first call the region and the credentials are checked, so a
check without credentials or in an unknown region is an error (exit status 2), never a pass
with unknown lines. Exit status 1 when any line fails.
"""

from __future__ import annotations

import argparse

from rich.text import Text

from serverless_inference_cli.artifacts import (
    Finding,
    Status,
    check_artifact_disk,
    check_layout,
    check_start_up,
)
from serverless_inference_cli.aws import AwsContext
from serverless_inference_cli.check.lookups import Artifact, find_artifact, image_size
from serverless_inference_cli.check.rules import (
    SETTING_NAMES,
    check_concurrency,
    check_endpoint_name,
    check_image,
    check_memory_quota,
    check_memory_tier,
    check_model_fits,
    check_payload,
    check_provisioned,
    exit_code,
)
from serverless_inference_cli.limits import MAX_PAYLOAD_BYTES
from serverless_inference_cli.options import positive_float, readable_file
from serverless_inference_cli.output import Column, Report, Sheet, cell
from serverless_inference_cli.quotas import Quotas, read_quotas


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--memory",
        type=int,
        required=True,
        metavar="MB",
        help="memory tier to check, in MB (required)",
    )
    parser.add_argument(
        "--model",
        metavar="DIR|PATH|s3://BUCKET/KEY",
        help="model artifact: a model directory (checked as ModelData.from_directory packs it), "
        "a local model.tar.gz, or an S3 object (default: not checked)",
    )
    parser.add_argument(
        "--exclude",
        action="append",
        default=[],
        metavar="GLOB",
        help="leave files of a model directory out, as from_directory(exclude=...) does: a name "
        "('*.ckpt') or a path ('checkpoints/*'); repeatable (default: only caches and "
        "version-control folders are left out)",
    )
    parser.add_argument(
        "--handler-optional",
        action="store_true",
        help="the image serves the model without code/inference.py (default: a local artifact "
        "must have it)",
    )
    parser.add_argument(
        "--model-memory-mb",
        type=positive_float,
        metavar="MB",
        help="the model's size once loaded, in MB (default: the artifact's size)",
    )
    parser.add_argument(
        "--image",
        metavar="ECR_URI",
        help="inference container image, <account>.dkr.ecr.<region>.amazonaws.com/<repo>:<tag> "
        "(default: not checked)",
    )
    parser.add_argument(
        "--payload",
        type=readable_file,
        metavar="FILE",
        help=f"a sample request body, at most {MAX_PAYLOAD_BYTES:,} bytes (default: not checked)",
    )
    parser.add_argument(
        "--max-concurrency",
        type=int,
        metavar="N",
        help="MaxConcurrency to check, 1..200 and the account's quota (default: not checked)",
    )
    parser.add_argument(
        "--provisioned-concurrency",
        type=int,
        metavar="N",
        help="ProvisionedConcurrency to check, 1..MaxConcurrency (default: not checked)",
    )
    parser.add_argument(
        "--endpoint-name", metavar="NAME", help="endpoint name to check (default: not checked)"
    )
    parser.add_argument(
        "--skip-quotas",
        action="store_true",
        help="do not read the account's quotas from Service Quotas; their lines are unknown "
        "(default: read them)",
    )


def _needs_aws(args: argparse.Namespace) -> bool:
    s3 = args.model is not None and args.model.startswith("s3://")
    return s3 or args.image is not None or not args.skip_quotas


def collect(args: argparse.Namespace, ctx: AwsContext) -> list[Finding]:
    """Every finding for the given arguments, in report order."""
    if _needs_aws(args):
        ctx.ready()
    findings: list[Finding] = [check_memory_tier(args.memory)]
    artifact: Artifact | None = None
    if args.model:
        found = find_artifact(ctx, args.model, args.exclude)
        if isinstance(found, Finding):
            findings.append(found)
        else:
            artifact = found
            findings += _artifact_lines(artifact, args)
    if args.model or args.model_memory_mb is not None:
        archive = artifact.archive_bytes if artifact is not None else None
        unpacked = _unpacked_bytes(artifact)
        findings.append(check_model_fits(args.memory, archive, args.model_memory_mb, unpacked))
    if args.image:
        size, missing = image_size(ctx, args.image)
        findings.append(missing or check_image(size or 0))
    if args.payload is not None:
        findings.append(check_payload(args.payload.stat().st_size))
    quotas = Quotas(missing="--skip-quotas") if args.skip_quotas else read_quotas(ctx)
    if args.max_concurrency is not None:
        findings.append(check_concurrency(args.max_concurrency, quotas))
    if args.provisioned_concurrency is not None:
        findings.append(check_provisioned(args.provisioned_concurrency, args.max_concurrency))
    findings.append(check_memory_quota(args.memory, quotas))
    if args.endpoint_name:
        findings.append(check_endpoint_name(args.endpoint_name))
    return findings


def _unpacked_bytes(artifact: Artifact | None) -> int | None:
    contents = artifact.contents if artifact is not None else None
    return contents.unpacked_bytes if contents is not None else None


def _artifact_lines(artifact: Artifact, args: argparse.Namespace) -> list[Finding]:
    """Layout and handler (a local artifact), disk and start-up lines of a found artifact."""
    lines: list[Finding] = []
    if artifact.contents is not None:
        lines += check_layout(
            artifact.contents, require_handler=not args.handler_optional, names=SETTING_NAMES
        )
    unpacked = _unpacked_bytes(artifact)
    lines.append(check_artifact_disk(artifact.archive_bytes, unpacked))
    lines.append(check_start_up(artifact.archive_bytes, unpacked))
    return lines


_STYLE = {
    Status.PASS: "green",
    Status.WARN: "yellow",
    Status.FAIL: "bold red",
    Status.UNKNOWN: "cyan",
}


def findings_sheet(findings: list[Finding]) -> Sheet:
    sheet = Sheet(
        "findings",
        "Serverless readiness",
        (
            Column("check", "check"),
            Column("status", "status"),
            Column("value", "value"),
            Column("reason", "reason"),
            Column("fix", "fix"),
        ),
    )
    for f in findings:
        status = f.status.value
        sheet.add_row(
            f.item,
            cell(status, Text(status.upper(), style=_STYLE[f.status])),
            cell(f.value, Text(f.value)),
            cell(f.reason, Text(f.reason)),
            cell(f.fix, Text(f.fix)),
        )
    return sheet


def run(args: argparse.Namespace, report: Report) -> int:
    findings = collect(args, AwsContext.from_args(args))
    report.table(findings_sheet(findings), main=True)
    counts = {s.value: sum(1 for f in findings if f.status is s) for s in Status}
    report.line(
        f"{counts['pass']} passed, {counts['warn']} warnings, {counts['fail']} failed, "
        f"{counts['unknown']} unknown"
    )
    code = exit_code(findings)
    report.finish({"counts": counts, "passed": counts["fail"] == 0})
    return code
