"""Where each environment deploys, and what one account and region can hold.

An environment names an ``account`` and a ``region``, or leaves either out: then it deploys
to the account or region of the credentials the CDK CLI runs with, which can be any.
SageMaker's quota on the total ``MaxConcurrency`` of all serverless endpoints holds per
account and region, so the loader adds up the environments that may meet in one: an
environment whose account (or region) is left out may meet any other (the conservative
reading: one workstation may deploy them all), two that name different accounts (or
regions) never meet.
"""

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache

from aws_cdk.region_info import RegionInfo

from serverless_inference.validation import Problems

ACCOUNT_PATTERN = r"[0-9]{12}"
REGION_PATTERN = r"[a-z]{2,4}(-[a-z]+)+-[0-9]+"
DEFAULT_SERVERLESS_CONCURRENCY_QUOTA = 10
"""What new accounts are often given for "Maximum total concurrency that can be allocated
across all serverless endpoints" (the documented default is far higher)."""


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


@dataclass(frozen=True)
class QuotaWarning:
    """Environments that fit the quota with too little room left to update the largest."""

    environments: tuple[str, ...]
    message: str


def check_concurrency_quota(
    problems: Problems,
    max_concurrency: Mapping[str, int],
    placements: Mapping[str, Placement],
    quota: int,
) -> list[QuotaWarning]:
    """The ``max_concurrency`` of the environments that may deploy to one account and region
    must add up to at most ``quota``: the CreateEndpoint that goes beyond fails with
    ResourceLimitExceeded. One problem per largest group over the quota.

    Returned: the largest groups that fit but leave less room than their largest endpoint.
    UpdateEndpoint deploys the new endpoint config next to the old one and removes the old
    one once the new one serves; whether the quota counts both meanwhile AWS does not say, so
    this is a warning, not an error. (Stacks deploy one at a time: ``cdk deploy``, the
    pipeline's stages; one update at a time is what is checked.)
    """
    accounts = {p.account for p in placements.values() if p.account} | {None}
    regions = {p.region for p in placements.values() if p.region} | {None}
    groups = {
        frozenset(name for name, p in placements.items() if p.holds(account, region))
        for account in accounts
        for region in regions
    } - {frozenset()}
    over = _largest([g for g in groups if _total(g, max_concurrency) > quota])
    for group in over:
        problems.add(
            f"{_describe(group, placements)}, where a CreateEndpoint beyond the quota fails with "
            f"ResourceLimitExceeded: {_their(group)} endpoint.max_concurrency "
            + " + ".join(str(max_concurrency[name]) for name in sorted(group)),
            _total(group, max_concurrency),
            f"at most serverless_concurrency_quota ({quota}; raise it in Service Quotas first "
            "to set more)",
        )
    tight = _largest(
        [
            group
            for group in groups
            if _total(group, max_concurrency) <= quota
            and _total(group, max_concurrency) + _largest_share(group, max_concurrency) > quota
        ]
    )
    return [
        QuotaWarning(
            tuple(sorted(group)),
            f"{_describe(group, placements)}: {_their(group)} endpoint.max_concurrency add up "
            f"to {_total(group, max_concurrency)} of serverless_concurrency_quota ({quota}), "
            f"leaving less than the {_largest_share(group, max_concurrency)} an update of the "
            "largest endpoint may need while its old and new endpoint configs both run (AWS "
            "does not document whether the quota counts both). If an update fails with "
            "ResourceLimitExceeded, lower max_concurrency or raise the quota.",
        )
        for group in tight
    ]


def _total(group: frozenset[str], max_concurrency: Mapping[str, int]) -> int:
    return sum(max_concurrency[name] for name in group)


def _largest_share(group: frozenset[str], max_concurrency: Mapping[str, int]) -> int:
    return max(max_concurrency[name] for name in group)


def _largest(groups: list[frozenset[str]]) -> list[frozenset[str]]:
    """The groups that are no part of another, in name order."""
    return sorted((g for g in groups if not any(g < other for other in groups)), key=sorted)


def _their(group: frozenset[str]) -> str:
    return "its" if len(group) == 1 else "their"


def _describe(group: frozenset[str], placements: Mapping[str, Placement]) -> str:
    """``environments dev, prod may deploy to one account and region (dev: ...; prod: ...)``,
    environments placed alike named together."""
    names = sorted(group)
    if len(names) == 1:
        return f"environment {names[0]} ({placements[names[0]].describe()})"
    alike: dict[str, list[str]] = {}
    for name in names:
        alike.setdefault(placements[name].describe(), []).append(name)
    where = "; ".join(f"{', '.join(members)}: {place}" for place, members in alike.items())
    return f"environments {', '.join(names)} may deploy to one account and region ({where})"
