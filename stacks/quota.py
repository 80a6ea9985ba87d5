"""Checks across environments: SageMaker's quota on serverless concurrency.

SageMaker's quota on the total ``MaxConcurrency`` of all serverless endpoints holds per
account and region, so the loader adds up the endpoints that may meet in one: an endpoint
whose account (or region) is left out may meet any other (the conservative reading: one
workstation may deploy them all), two that name different accounts (or regions) never meet.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from serverless_inference.validation import Problems
from stacks.placement import Placement

DEFAULT_SERVERLESS_CONCURRENCY_QUOTA = 10
"""What new accounts are often given for "Maximum total concurrency that can be allocated
across all serverless endpoints" (the documented default is far higher)."""


@dataclass(frozen=True)
class QuotaEntry:
    """One endpoint's claim on the quota: where it may deploy, and its ``max_concurrency``."""

    account: str | None
    """``None``: the account of the CLI's credentials, which can be any."""
    region: str | None
    """``None``: the region of the CLI's credentials, which can be any."""
    name: str
    """The environment that deploys it (``dev``), or one model of it (``dev.models.topic``),
    unique among the entries."""
    max_concurrency: int
    environment: str | None = None
    """The environment, when ``name`` is one of its models. Default: - ``name``."""

    @property
    def placement(self) -> Placement:
        return Placement(self.account, self.region)


@dataclass(frozen=True)
class QuotaWarning:
    """Endpoints that fit the quota with too little room left to update the largest."""

    environments: tuple[str, ...]
    message: str


def check_concurrency_quota(
    problems: Problems, entries: Sequence[QuotaEntry], quota: int
) -> list[QuotaWarning]:
    """The ``max_concurrency`` of the entries that may deploy to one account and region must
    add up to at most ``quota``: the CreateEndpoint that goes beyond fails with
    ResourceLimitExceeded. One problem per largest group over the quota.

    Returned: the largest groups that fit but leave less room than their largest endpoint.
    UpdateEndpoint deploys the new endpoint config next to the old one and removes the old
    one once the new one serves; whether the quota counts both meanwhile AWS does not say, so
    this is a warning, not an error. (Stacks deploy one at a time: ``cdk deploy``, the
    pipeline's stages; one update at a time is what is checked.)
    """
    placements = {entry.name: entry.placement for entry in entries}
    environments = {
        entry.name: entry.environment if entry.environment is not None else entry.name
        for entry in entries
    }
    shares = {entry.name: entry.max_concurrency for entry in entries}
    accounts = {entry.account for entry in entries if entry.account} | {None}
    regions = {entry.region for entry in entries if entry.region} | {None}
    groups = {
        frozenset(name for name, p in placements.items() if p.holds(account, region))
        for account in accounts
        for region in regions
    } - {frozenset()}
    over = _largest([g for g in groups if _total(g, shares) > quota])
    for group in over:
        problems.add(
            f"{_describe(group, placements)}, where a CreateEndpoint beyond the quota fails with "
            f"ResourceLimitExceeded: {_their(group)} endpoint.max_concurrency "
            + " + ".join(str(shares[name]) for name in sorted(group)),
            _total(group, shares),
            f"at most serverless_concurrency_quota ({quota}; raise it in Service Quotas first "
            "to set more)",
        )
    tight = _largest(
        [
            group
            for group in groups
            if _total(group, shares) <= quota
            and _total(group, shares) + _largest_share(group, shares) > quota
        ]
    )
    return [
        QuotaWarning(
            tuple(sorted({environments[name] for name in group})),
            f"{_describe(group, placements)}: {_their(group)} endpoint.max_concurrency add up "
            f"to {_total(group, shares)} of serverless_concurrency_quota ({quota}), "
            f"leaving less than the {_largest_share(group, shares)} an update of the "
            "largest endpoint may need while its old and new endpoint configs both run (AWS "
            "does not document whether the quota counts both). If an update fails with "
            "ResourceLimitExceeded, lower max_concurrency or raise the quota.",
        )
        for group in tight
    ]


def _total(group: frozenset[str], shares: Mapping[str, int]) -> int:
    return sum(shares[name] for name in group)


def _largest_share(group: frozenset[str], shares: Mapping[str, int]) -> int:
    return max(shares[name] for name in group)


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
