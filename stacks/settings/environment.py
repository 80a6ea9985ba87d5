"""``environments.<name>``: one deployment of the app, made of the sections."""

from dataclasses import dataclass, field

from serverless_inference.validation import Problems
from stacks.placement import check_account, check_region
from stacks.settings.alarms import AlarmsSettings
from stacks.settings.api import ApiSettings
from stacks.settings.endpoint import EndpointSettings
from stacks.settings.keep_warm import KeepWarmSettings
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

    def check(self, problems: Problems) -> None:
        """Record problems of every section."""
        check_account(problems, "account", self.account)
        check_region(problems, "region", self.region)
        self.endpoint.check(problems.under("endpoint."))
        self.keep_warm.check(problems.under("keep_warm."), self.endpoint)
        self.scaling.check(problems, self.endpoint)
        self.alarms.check(problems.under("alarms."))
        self.api.check(problems.under("api."))
