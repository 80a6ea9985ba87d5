"""``environments.<name>.fan_outs.<fan-out>``: one request to several of the environment's
models at once, on a route of the environment's API (``ModelFanOut``)."""

from collections.abc import Collection
from dataclasses import dataclass, field

from aws_cdk import Duration

from serverless_inference.api_options import check_route_path
from serverless_inference.fan_out_options import (
    DEFAULT_MEMORY_SIZE_MB,
    FanOutOptions,
    check_fan_out_props,
    check_members,
    check_route_timeout,
)
from serverless_inference.validation import Problems
from serverless_inference_runtime.fan_out import contract
from stacks.settings.retention import DEFAULT_LOG_RETENTION_DAYS, RETENTION_BY_DAYS


@dataclass(frozen=True)
class FanOutSettings:
    """``environments.<name>.fan_outs.<fan-out>``: which models answer together, and how long
    they may take."""

    required: list[str] = field(default_factory=list)
    """Models whose failure fails the request."""
    optional: list[str] = field(default_factory=list)
    """Models whose failure leaves a partial answer."""
    path: str | None = None
    """The route below the stage. Default: - the fan-out's name."""
    deadline_seconds: float = contract.DEFAULT_DEADLINE_SECONDS
    member_timeout_seconds: float | None = None
    """Default: - the deadline."""
    memory_size_mb: int = DEFAULT_MEMORY_SIZE_MB
    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS

    def route(self, name: str) -> str:
        """The fan-out's route path."""
        return self.path if self.path is not None else name

    def _member_timeout_seconds(self) -> float:
        return (
            self.member_timeout_seconds
            if self.member_timeout_seconds is not None
            else self.deadline_seconds
        )

    def props(self) -> FanOutOptions:
        """The ``ModelFanOut`` props besides the members (call after ``check``)."""
        return {
            "deadline": Duration.millis(round(self.deadline_seconds * 1000)),
            "member_timeout": Duration.millis(round(self._member_timeout_seconds() * 1000)),
            "memory_size_mb": self.memory_size_mb,
            "log_retention": RETENTION_BY_DAYS[self.log_retention_days],
        }

    def check(
        self, problems: Problems, models: Collection[str], integration_timeout_seconds: float
    ) -> None:
        """Record problems ``ModelFanOut`` and the API would refuse, and members that name no
        model of the environment (``models``)."""
        if self.path is not None:
            check_route_path(problems, "path", self.path)
        check_members(problems, self.required, self.optional)
        for group, names in (("required", self.required), ("optional", self.optional)):
            for index, name in enumerate(names):
                if name not in models:
                    problems.add(
                        f"{group}[{index}]",
                        name,
                        "the name of a model of this environment: " + ", ".join(models),
                    )
        renamed = problems.renamed(
            {"deadline": "deadline_seconds", "member_timeout": "member_timeout_seconds"}
        )
        check_fan_out_props(
            renamed,
            deadline_ms=self.deadline_seconds * 1000,
            member_timeout_ms=self._member_timeout_seconds() * 1000,
            memory_size_mb=self.memory_size_mb,
        )
        check_route_timeout(
            renamed,
            deadline_ms=self.deadline_seconds * 1000,
            integration_timeout_ms=integration_timeout_seconds * 1000,
        )
        problems.check_one_of("log_retention_days", self.log_retention_days, RETENTION_BY_DAYS)
