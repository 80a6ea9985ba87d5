"""``pipeline``: the CDK Pipelines deployment of the environments."""

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from serverless_inference.validation import Problems
from stacks.placement import Placement, check_account, check_region
from stacks.settings.environment import EnvironmentSettings

_CONNECTION_ARN = (
    r"arn:aws[-a-z]*:(codestar-connections|codeconnections):[a-z]{2}(-[a-z]+)+-[0-9]:"
    r"[0-9]{12}:connection/[A-Za-z0-9-]+"
)
_REPOSITORY = r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"
SMOKE_TEST_API_AUTHS = ("iam", "none")


@dataclass(frozen=True)
class PipelineSettings:
    """``pipeline``: the CDK Pipelines deployment of the environments.

    Absent or null (the default): no pipeline stack. ``repository``, ``connection_arn``,
    ``account`` and ``region`` are required once it is configured.
    """

    repository: str | None = None
    """The source repository as ``owner/name``, reached through the CodeStar connection."""
    connection_arn: str | None = None
    """The CodeStar (CodeConnections) connection, created and activated beforehand."""
    account: str | None = None
    """The account of the pipeline stack (12 digits)."""
    region: str | None = None
    """The region of the pipeline stack."""
    branch: str = "main"
    stages: list[str] = field(default_factory=lambda: ["dev", "prod"])
    """Environments deployed in order; a manual approval precedes every stage after the first."""
    smoke_test_payload: dict[str, Any] = field(default_factory=lambda: {"inputs": "I love this"})
    """The JSON body the smoke test POSTs to each stage's API."""
    smoke_test_expect: str = "label"
    """A substring or regular expression the API's answer must contain."""

    def stage_placement(self, settings: EnvironmentSettings) -> Placement:
        """Where a stage deploys: its environment's ``account``/``region``, else the
        pipeline's (CDK Pipelines needs both for every stage)."""
        return Placement(
            settings.account if settings.account is not None else self.account,
            settings.region if settings.region is not None else self.region,
        )

    def check(
        self,
        problems: Problems,
        environments: Collection[str],
        settings: Mapping[str, EnvironmentSettings],
    ) -> None:
        """Record bad or missing keys, and stages that name no configured environment or
        one whose API the smoke test cannot call (``settings``: the valid environments)."""
        required = (
            ("repository", _REPOSITORY, "a repository as owner/name"),
            (
                "connection_arn",
                _CONNECTION_ARN,
                "a CodeStar connection ARN "
                "(arn:aws:codestar-connections:<region>:<account>:connection/<id>)",
            ),
        )
        for name, pattern, allowed in required:
            value = getattr(self, name)
            if value is None:
                problems.add(name, value, allowed + " (required)")
            elif not re.fullmatch(pattern, value):
                problems.add(name, value, allowed)
        if self.account is None:
            problems.add("account", None, "an AWS account id of 12 digits (required)")
        check_account(problems, "account", self.account)
        if self.region is None:
            problems.add("region", None, "an AWS region such as eu-west-1 (required)")
        check_region(problems, "region", self.region)
        if not self.branch.strip():
            problems.add("branch", self.branch, "a branch name")
        if not self.smoke_test_expect:
            problems.add("smoke_test_expect", self.smoke_test_expect, "a non-empty string")
        if not self.stages:
            problems.add("stages", self.stages, "a non-empty list of environment names")
        for index, stage in enumerate(self.stages):
            if stage not in environments:
                known = ", ".join(environments)
                problems.add(f"stages[{index}]", stage, f"a configured environment: {known}")
            elif stage in self.stages[:index]:
                problems.add(f"stages[{index}]", stage, "listed once")
            elif stage in settings and not settings[stage].api.enabled:
                problems.add(
                    f"stages[{index}]",
                    stage,
                    f"an environment with its API enabled (the smoke test calls it; "
                    f"environments.{stage}.api.enabled is false)",
                )
            elif stage in settings and settings[stage].api.auth not in SMOKE_TEST_API_AUTHS:
                problems.add(
                    f"stages[{index}]",
                    stage,
                    "an environment whose API auth is iam or none (the smoke test signs with "
                    f"SigV4; environments.{stage}.api.auth is {settings[stage].api.auth})",
                )
