"""``environments.<name>``: one deployment of the app, made of the sections."""

from dataclasses import dataclass, field
from typing import Any

from serverless_inference.composite_rule import (
    alarm_arn_prefix_chars,
    check_children,
    critical_alarm_names,
)
from serverless_inference.names import NAME_PATTERN, check_name
from serverless_inference.validation import Problems
from stacks.placement import check_account, check_region, partition_of
from stacks.settings.alarms import AlarmsSettings
from stacks.settings.api import ApiSettings
from stacks.settings.endpoint import EndpointSettings
from stacks.settings.fan_outs import FanOutSettings
from stacks.settings.keep_warm import KeepWarmSettings
from stacks.settings.models import MODEL_SECTIONS, ModelSettings
from stacks.settings.scaling import ScalingSettings


@dataclass(frozen=True)
class EnvironmentSettings:
    """``environments.<name>``: one deployment of the app."""

    account: str | None = None
    region: str | None = None
    endpoint: EndpointSettings = field(default_factory=EndpointSettings)
    alarms: AlarmsSettings = field(default_factory=AlarmsSettings)
    api: ApiSettings = field(default_factory=ApiSettings)
    keep_warm: KeepWarmSettings = field(default_factory=KeepWarmSettings)
    scaling: ScalingSettings = field(default_factory=ScalingSettings)
    models: dict[str, ModelSettings] | None = None
    """Several models, by name, instead of ``endpoint``, ``keep_warm`` and ``scaling``.
    Default: - one model (those three sections)."""
    fan_outs: dict[str, FanOutSettings] = field(default_factory=dict)
    """Routes asking several of ``models`` at once, by name. Default: - none."""

    def check(self, problems: Problems) -> None:
        """Record problems of every section."""
        check_account(problems, "account", self.account)
        check_region(problems, "region", self.region)
        if self.models is None:
            self.endpoint.check(problems.under("endpoint."))
            self.keep_warm.check(problems.under("keep_warm."), self.endpoint)
            self.scaling.check(problems, self.endpoint)
        else:
            self._check_models(problems, self.models)
        self.alarms.check(problems.under("alarms."))
        self.api.check(problems.under("api."))

    def endpoints(self) -> dict[str, EndpointSettings]:
        """Every endpoint of the environment, by its key path below the environment
        (``endpoint``, or ``models.<name>.endpoint``)."""
        if self.models is None:
            return {"endpoint": self.endpoint}
        return {f"models.{name}.endpoint": model.endpoint for name, model in self.models.items()}

    def check_composite_alarm(
        self, problems: Problems, stack_name: str, region: str | None
    ) -> None:
        """The one composite alarm of an environment with models must hold the critical alarms
        of every model and fan-out (CloudWatch's limits on its rule); ``region``: where the
        stack deploys, ``None`` when it may deploy anywhere."""
        if self.models is None or not self.alarms.enabled:
            return
        names = critical_alarm_names(
            stack_name,
            list(self.models),
            list(self.fan_outs),
            api=self.api.enabled,
            disabled=self.alarms.disabled,
        )
        check_children(
            problems,
            "models",
            f"{len(self.models)} models and {len(self.fan_outs)} fan-outs",
            names,
            alarm_arn_prefix_chars(partition_of(region), region),
        )

    def _check_models(self, problems: Problems, models: dict[str, ModelSettings]) -> None:
        if not models:
            problems.add("models", {}, "an object with one entry per model (or left out)")
        for name, model in models.items():
            check_name(problems, f"models.{name}", name, ())
            model.check(problems.under(f"models.{name}."))
        routes: dict[str, str] = {}
        for name, model in models.items():
            _claim_route(problems, routes, model.route(name), f"models.{name}")
        if self.fan_outs and not self.api.enabled:
            problems.add(
                "api.enabled", False, "true when fan_outs are configured (each is a route)"
            )
        for name, fan_out in self.fan_outs.items():
            where = f"fan_outs.{name}"
            if name in models:
                problems.add(where, name, "a name no model has")
            else:
                check_name(problems, where, name, ())
            fan_out.check(
                problems.under(where + "."), list(models), self.api.integration_timeout_seconds
            )
            _claim_route(problems, routes, fan_out.route(name), where)


def _claim_route(problems: Problems, routes: dict[str, str], route: str, owner: str) -> None:
    """``route`` for ``owner`` (``models.<name>``, ``fan_outs.<name>``), unless taken."""
    if route in routes:
        problems.add(
            owner + ".path",
            route,
            f"a route of its own ({routes[route]} has it; the default path is the name)",
        )
    routes.setdefault(route, owner)


def check_sections_of_models(problems: Problems, raw: Any) -> None:
    """An environment with ``models`` has no ``endpoint``, ``keep_warm``, ``scaling`` or
    ``api.path`` of its own (``raw``: the environment as cdk.json and ``-c`` give it); a
    ``fan_outs`` needs ``models``."""
    if not isinstance(raw, dict):
        return
    if raw.get("models") is None:
        if raw.get("fan_outs"):
            problems.add("fan_outs", raw["fan_outs"], "left out unless models are configured")
        return
    for key in MODEL_SECTIONS:
        if key in raw:
            problems.add(
                key,
                raw[key],
                f"left out when models are configured: each model has its own "
                f"(models.<name>.{key}; names match {NAME_PATTERN})",
            )
    api = raw.get("api")
    if isinstance(api, dict) and "path" in api:
        problems.add(
            "api.path",
            api["path"],
            "left out when models are configured: each model and fan-out has its own route "
            "(models.<name>.path, fan_outs.<name>.path; default: the name)",
        )
