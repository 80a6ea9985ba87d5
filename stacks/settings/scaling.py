"""``environments.<name>.scaling``: autoscaling of the endpoint's provisioned concurrency."""

from dataclasses import dataclass

from aws_cdk import aws_applicationautoscaling as appscaling

from serverless_inference.endpoint import ServerlessEndpoint
from serverless_inference.scaling import (
    DEFAULT_TARGET_UTILIZATION,
    ProvisionedConcurrencyScaling,
    check_scaling_props,
    check_scheduled_capacity,
    check_target_utilization,
)
from serverless_inference.schedules import check_schedule_expression, check_time_zone
from serverless_inference.validation import Problems
from stacks.settings.endpoint import EndpointSettings

SECTION = "scaling."


@dataclass(frozen=True)
class ScheduledCapacitySettings:
    """``environments.<name>.scaling.scale_up`` / ``scale_down``: one scheduled action."""

    schedule: str = ""
    min_capacity: int | None = None
    max_capacity: int | None = None


@dataclass(frozen=True)
class ScalingSettings:
    """``environments.<name>.scaling``: autoscaling of provisioned concurrency.

    Off by default (the default endpoint has no provisioned concurrency). When enabled,
    ``endpoint.provisioned_concurrency`` must be set and ``max_capacity`` given.
    ``target_utilization`` null turns target tracking off; ``scale_up`` / ``scale_down``
    are optional scheduled actions (``{"schedule": "cron(0 7 ? * MON-FRI *)",
    "min_capacity": 2}``) in ``time_zone``.
    """

    enabled: bool = False
    min_capacity: int = 1
    max_capacity: int | None = None
    target_utilization: float | None = DEFAULT_TARGET_UTILIZATION
    time_zone: str | None = None
    scale_up: ScheduledCapacitySettings | None = None
    scale_down: ScheduledCapacitySettings | None = None

    def apply(self, endpoint: ServerlessEndpoint) -> ProvisionedConcurrencyScaling | None:
        """Autoscale the endpoint's provisioned concurrency as configured (``None``: off)."""
        if not self.enabled:
            return None
        assert self.max_capacity is not None  # checked with the config
        scaling = endpoint.auto_scale_provisioned_concurrency(
            min_capacity=self.min_capacity, max_capacity=self.max_capacity
        )
        if self.target_utilization is not None:
            scaling.scale_on_utilization(target_utilization=self.target_utilization)
        for action_id, action in (("ScaleUp", self.scale_up), ("ScaleDown", self.scale_down)):
            if action is not None:
                scaling.scale_on_schedule(
                    action_id,
                    schedule=appscaling.Schedule.expression(action.schedule),
                    min_capacity=action.min_capacity,
                    max_capacity=action.max_capacity,
                    time_zone=self.time_zone,
                )
        return scaling

    def check(self, problems: Problems, endpoint: EndpointSettings) -> None:
        """Record problems the autoscaling would refuse. ``problems`` is the environment's:
        this section's keys are ``scaling.<key>``, and what scaling requires of the endpoint
        is named by the ``endpoint.<key>`` it concerns."""
        if not self.enabled:
            return
        section = problems.under(SECTION)
        pc = endpoint.provisioned_concurrency
        if pc is None:
            section.add(
                "enabled",
                True,
                "false unless endpoint.provisioned_concurrency is set (only provisioned "
                "concurrency is autoscaled)",
            )
        if self.max_capacity is None:
            section.add(
                "max_capacity",
                None,
                f"a whole number from min_capacity to {endpoint.max_concurrency} when enabled",
            )
        else:
            check_scaling_props(
                problems.renamed(
                    {
                        "min_capacity": SECTION + "min_capacity",
                        "max_capacity": SECTION + "max_capacity",
                    }
                ),
                # Unset, it is reported above as enabled; the range's own minimum stands in
                # for it, which lies in the range whenever the range is valid, so nothing is
                # reported of a value the configuration does not hold.
                provisioned_concurrency=pc if pc is not None else self.min_capacity,
                max_concurrency=endpoint.max_concurrency,
                min_capacity=self.min_capacity,
                max_capacity=self.max_capacity,
                variant_name=endpoint.variant_name,
            )
        if self.target_utilization is not None:
            check_target_utilization(section, self.target_utilization)
        if self.time_zone is not None:
            check_time_zone(section, "time_zone", self.time_zone)
        for name, action in (("scale_up", self.scale_up), ("scale_down", self.scale_down)):
            if action is not None:
                action_problems = section.under(f"{name}.")
                check_schedule_expression(action_problems, "schedule", action.schedule)
                check_scheduled_capacity(
                    action_problems,
                    max_concurrency=endpoint.max_concurrency,
                    min_capacity=action.min_capacity,
                    max_capacity=action.max_capacity,
                )
