"""``environments.<name>``: one deployment of the app, made of the sections."""

from dataclasses import dataclass, field
from typing import Final

from serverless_inference.alarm_keep_warm import KIND as CONCURRENCY_ALARM
from serverless_inference.alarm_keep_warm import check_keep_warm_pings
from serverless_inference.keep_warm_options import provisioned_concurrency_covers
from serverless_inference.validation import Problems
from stacks.placement import check_account, check_region
from stacks.settings.alarms import AlarmsSettings
from stacks.settings.api import ApiSettings
from stacks.settings.endpoint import EndpointSettings
from stacks.settings.keep_warm import KeepWarmSettings
from stacks.settings.scaling import ScalingSettings

KEEP_WARM_ALARM_KEYS: Final = {
    "threshold": f"alarms.thresholds.{CONCURRENCY_ALARM.value}",
    "concurrency": "keep_warm.concurrency",
    "max_concurrency": "endpoint.max_concurrency",
    "interval": "keep_warm.rate_minutes",
    "disabled": "alarms.disabled",
}
"""The keys of the values the keep-warm pings and the concurrency alarm are checked with."""


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

    def check(self, problems: Problems) -> None:
        """Record problems of every section."""
        check_account(problems, "account", self.account)
        check_region(problems, "region", self.region)
        self.endpoint.check(problems.under("endpoint."))
        self.keep_warm.check(problems.under("keep_warm."), self.endpoint)
        self.scaling.check(problems, self.endpoint)
        self.alarms.check(problems.under("alarms."))
        self.api.check(problems.under("api."))
        self._check_keep_warm_against_alarms(problems)

    def _check_keep_warm_against_alarms(self, problems: Problems) -> None:
        """The keep-warm pings must not fire the critical concurrency alarm on their own (as
        ``EndpointAlarms`` refuses), named by key. No pings when keep-warm is off or
        provisioned concurrency covers it (the app then leaves ``KeepWarm`` out)."""
        keep_warm, alarms = self.keep_warm, self.alarms
        if (
            not (keep_warm.enabled and alarms.enabled)
            or CONCURRENCY_ALARM.value in alarms.disabled
            or provisioned_concurrency_covers(
                self.endpoint.provisioned_concurrency, keep_warm.concurrency
            )
        ):
            return
        check_keep_warm_pings(
            problems,
            threshold=alarms.thresholds.concurrency_utilization_high,
            concurrency=keep_warm.concurrency,
            max_concurrency=self.endpoint.max_concurrency,
            interval_minutes=keep_warm.rate_minutes,
            names=KEEP_WARM_ALARM_KEYS,
        )
