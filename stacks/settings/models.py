"""``environments.<name>.models.<model>``: one model of an environment with several.

Each model has the sections a single-model environment has for its one endpoint (``endpoint``,
``keep_warm``, ``scaling``, with the same keys and defaults) and a route of its own on the
environment's API (``path``, default: the model's name). The API (``api``) and the alarms'
topic, thresholds and dashboard (``alarms``) are the environment's, shared by every model.
"""

from dataclasses import dataclass, field

from serverless_inference.api_options import check_route_path
from serverless_inference.validation import Problems
from stacks.settings.endpoint import EndpointSettings
from stacks.settings.keep_warm import KeepWarmSettings
from stacks.settings.scaling import ScalingSettings

MODEL_SECTIONS = ("endpoint", "keep_warm", "scaling")
"""The sections each model has of its own, which an environment with models leaves out."""


@dataclass(frozen=True)
class ModelSettings:
    """``environments.<name>.models.<model>``: one model, its endpoint and its route."""

    path: str | None = None
    """The model's route below the stage (``POST /v1/<path>``). Default: - the model's name."""
    endpoint: EndpointSettings = field(default_factory=EndpointSettings)
    keep_warm: KeepWarmSettings = field(default_factory=KeepWarmSettings)
    scaling: ScalingSettings = field(default_factory=ScalingSettings)

    def route(self, name: str) -> str:
        """The model's route path."""
        return self.path if self.path is not None else name

    def check(self, problems: Problems) -> None:
        """Record problems of the model's sections (``problems`` is the model's)."""
        if self.path is not None:
            check_route_path(problems, "path", self.path)
        self.endpoint.check(problems.under("endpoint."))
        self.keep_warm.check(problems.under("keep_warm."), self.endpoint)
        self.scaling.check(problems, self.endpoint)
