"""The account's serverless quotas, read from Service Quotas (service code ``sagemaker``).

``check`` compares a planned endpoint with them; the memory sweep keeps its default tiers
within the memory quota. Quotas are matched by name, as Service Quotas lists them:
``serverless`` + ``concurrency`` + ``total``/``across`` (not ``provisioned``) is the total
concurrency shared by all serverless endpoints of the region, ``serverless`` + ``memory`` the
largest memory size of one endpoint. New accounts often get far less than the documented
defaults (reports of 10 total concurrency and 3072 MB).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from serverless_inference_cli.aws import AwsContext
from serverless_inference_cli.errors import CliError


@dataclass(frozen=True)
class Quotas:
    """Account quotas; ``None`` when not known, with ``missing`` saying why."""

    total_concurrency: int | None = None
    max_memory_mb: int | None = None
    missing: str | None = None


def match_quotas(quotas: Iterable[Mapping[str, Any]]) -> Quotas:
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


def read_quotas(ctx: AwsContext) -> Quotas:
    """The account's serverless quotas in the session's region.

    An AWS error (no credentials, access denied...) is a :class:`CliError`: an unread quota
    is never reported as met. With ``--skip-quotas`` the caller does not call this.
    """
    client = ctx.client("service-quotas")
    action = "read the SageMaker quotas (Service Quotas ListServiceQuotas)"
    quotas: list[dict[str, Any]] = []
    try:
        with ctx.errors(action):
            for page in client.get_paginator("list_service_quotas").paginate(
                ServiceCode="sagemaker"
            ):
                quotas.extend(page.get("Quotas", []))
    except CliError as exc:
        if "--skip-quotas" in ctx.options.flags:
            raise CliError(
                f"{exc.message} Pass --skip-quotas to check without the account's quotas."
            ) from exc
        raise
    return match_quotas(quotas)
