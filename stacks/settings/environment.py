"""``environments.<name>``: one deployment of the app, made of the sections."""

from dataclasses import dataclass, field
from typing import Any

from serverless_inference.alarm_keep_warm import KIND as CONCURRENCY_ALARM
from serverless_inference.alarm_keep_warm import check_keep_warm_pings
from serverless_inference.composite_rule import (
    alarm_arn_prefix_chars,
    check_children,
    critical_alarm_names,
)
from serverless_inference.keep_warm_options import provisioned_concurrency_covers
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


def keep_warm_alarm_keys(model: str) -> dict[str, str]:
    """The keys of the values a model's keep-warm pings and the concurrency alarm are checked
    with; ``model`` is the key path of the model's sections (``""``, or ``models.<name>.``)."""
    return {
        "threshold": f"alarms.thresholds.{CONCURRENCY_ALARM.value}",
        "concurrency": f"{model}keep_warm.concurrency",
        "max_concurrency": f"{model}endpoint.max_concurrency",
        "interval": f"{model}keep_warm.rate_minutes",
        "disabled": "alarms.disabled",
    }


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
        self._check_keep_warm_against_alarms(problems)

    def endpoints(self) -> dict[str, EndpointSettings]:
        """Every endpoint of the environment, by its key path below the environment
        (``endpoint``, or ``models.<name>.endpoint``)."""
        return {
            f"{model}endpoint": endpoint for model, (endpoint, _) in self.models_sections().items()
        }

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

    def models_sections(self) -> dict[str, tuple[EndpointSettings, KeepWarmSettings]]:
        """The endpoint and keep-warm sections of every model, by the key path of the model's
        sections (``""``, or ``models.<name>.``)."""
        if self.models is None:
            return {"": (self.endpoint, self.keep_warm)}
        return {
            f"models.{name}.": (model.endpoint, model.keep_warm)
            for name, model in self.models.items()
        }

    def _check_keep_warm_against_alarms(self, problems: Problems) -> None:
        """No model's keep-warm pings may fire the critical concurrency alarm on their own (as
        ``EndpointAlarms`` refuses), named by key. No pings when keep-warm is off or
        provisioned concurrency covers it (the app then leaves ``KeepWarm`` out)."""
        alarms = self.alarms
        if not alarms.enabled or CONCURRENCY_ALARM.value in alarms.disabled:
            return
        for model, (endpoint, keep_warm) in self.models_sections().items():
            if keep_warm.enabled and not provisioned_concurrency_covers(
                endpoint.provisioned_concurrency, keep_warm.concurrency
            ):
                check_keep_warm_pings(
                    problems,
                    threshold=alarms.thresholds.concurrency_utilization_high,
                    concurrency=keep_warm.concurrency,
                    max_concurrency=endpoint.max_concurrency,
                    interval_minutes=keep_warm.rate_minutes,
                    names=keep_warm_alarm_keys(model),
                )


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
