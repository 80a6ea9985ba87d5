"""Where each environment deploys: its account and region, checked.

An environment names an ``account`` and a ``region``, or leaves either out: then it deploys
to the account or region of the credentials the CDK CLI runs with, which can be any. A
region must be one aws-cdk-lib knows, and one where the image the app runs can be pulled.
"""

import re
from dataclasses import dataclass
from functools import cache

from aws_cdk.region_info import RegionInfo

from serverless_inference.registries import hugging_face_registry_regions
from serverless_inference.validation import Problems

ACCOUNT_PATTERN = r"[0-9]{12}"
REGION_PATTERN = r"[a-z]{2,4}(-[a-z]+)+-[0-9]+"


@cache
def known_regions() -> tuple[str, ...]:
    """The regions the installed aws-cdk-lib knows (its region facts)."""
    return tuple(sorted(region.name for region in RegionInfo.regions))


def check_account(problems: Problems, name: str, value: str | None) -> None:
    """``value`` must be an AWS account id, 12 digits (``None``: left to the CLI)."""
    if value is not None and not re.fullmatch(ACCOUNT_PATTERN, value):
        problems.add(name, value, "an AWS account id of 12 digits")


def check_region(problems: Problems, name: str, value: str | None) -> None:
    """``value`` must be a region aws-cdk-lib knows (``None``: left to the CLI)."""
    if value is None or value in known_regions():
        return
    distances = {region: _edit_distance(value, region) for region in known_regions()}
    closest = min(distances, key=lambda region: (distances[region], region))
    shape = "" if re.fullmatch(REGION_PATTERN, value) else ", lowercase like eu-west-1"
    hint = f"; did you mean {closest}?" if distances[closest] <= 2 else ""
    problems.add(
        name,
        value,
        f"a known AWS region (one of the {len(known_regions())} in aws-cdk-lib's region "
        f"facts{shape}{hint})",
    )


def check_image_region(
    problems: Problems,
    name: str,
    region: str | None,
    *,
    registry_account: str | None,
    registry_account_key: str,
) -> None:
    """AWS's Hugging Face inference image, which the app runs, must have a known registry in
    ``region`` (a known region; ``None``: left to the CLI, the template maps the registry at
    deploy time) unless ``registry_account`` names it."""
    if (
        region is None
        or registry_account is not None
        or region not in known_regions()
        or region in hugging_face_registry_regions()
    ):
        return
    problems.add(
        name,
        region,
        "a region where the registry of AWS's Hugging Face inference images, which the app "
        f"runs, is known (the {len(hugging_face_registry_regions())} regions of "
        f"serverless_inference.registries), or else set {registry_account_key} to that "
        f"registry's account in {region}",
    )


def _edit_distance(a: str, b: str) -> int:
    """Edits (insert, delete, replace, swap two neighbours) that turn ``a`` into ``b``."""
    d = [[i + j if i * j == 0 else 0 for j in range(len(b) + 1)] for i in range(len(a) + 1)]
    for i in range(1, len(a) + 1):
        for j in range(1, len(b) + 1):
            replace = d[i - 1][j - 1] + (a[i - 1] != b[j - 1])
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, replace)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    return d[len(a)][len(b)]


@dataclass(frozen=True)
class Placement:
    """Where an environment's stack deploys; ``None`` for what the CLI's credentials decide."""

    account: str | None
    region: str | None

    def holds(self, account: str | None, region: str | None) -> bool:
        """Whether this environment may deploy to ``account``/``region``, where ``None``
        stands for one that no environment names."""
        return self.account in (None, account) and self.region in (None, region)

    def describe(self) -> str:
        """``account 111111111111, region eu-west-1``; the CLI's for what is left out."""
        if self.account is None and self.region is None:
            return "region-agnostic, the CLI's account and region"
        account = f"account {self.account}" if self.account else "the CLI's account"
        region = f"region {self.region}" if self.region else "the CLI's region"
        return f"{account}, {region}"


def partition_of(region: str | None) -> str | None:
    """The partition of ``region`` (``aws``, ``aws-cn``...); ``None`` when not known."""
    if region is None:
        return None
    partition = RegionInfo.get(region).partition
    return str(partition) if partition is not None else None
