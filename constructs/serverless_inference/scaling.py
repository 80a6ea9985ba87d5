"""Application Auto Scaling of a serverless variant's provisioned concurrency.

Created through ``auto_scale_provisioned_concurrency`` of an endpoint (built here or imported),
or directly on any ``IServerlessEndpoint``. AWS's SageMaker
guide says this autoscaling is "not supported on CloudFormation", while the CloudFormation
schemas and CDK accept it; a stack update may also reset the scaled value to the endpoint
config's. See docs/serverless-endpoint.md, "Provisioned concurrency and its autoscaling".
"""

import datetime
import typing
from typing import Any

from aws_cdk import Duration, Stack, TimeZone
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_iam as iam
from constructs import Construct

from serverless_inference.interfaces import IServerlessEndpoint
from serverless_inference.schedules import check_schedule_expression
from serverless_inference.validation import Problems, is_token
from serverless_inference_runtime.limits import MAX_CONCURRENCY_LIMIT

SCALABLE_DIMENSION = "sagemaker:variant:DesiredProvisionedConcurrency"
DEFAULT_TARGET_UTILIZATION = 0.5
"""AWS's example target for ``SageMakerVariantProvisionedConcurrencyUtilization``."""
SERVICE_LINKED_ROLE_NAME = (
    "aws-service-role/sagemaker.application-autoscaling.amazonaws.com/"
    "AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint"
)
"""The role Application Auto Scaling uses for SageMaker (it creates it when missing)."""


class ProvisionedConcurrencyScaling(Construct):
    """A scalable target on a variant's ``DesiredProvisionedConcurrency``, and its policies.

    :param endpoint: the endpoint, built here or imported; it must have provisioned
        concurrency (an imported endpoint: its ``provisioned_concurrency`` attribute).
    :param min_capacity: lowest provisioned concurrency, 1..``max_capacity``.
    :param max_capacity: highest provisioned concurrency, up to the endpoint's max concurrency.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: IServerlessEndpoint,
        min_capacity: int,
        max_capacity: int,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems("provisioned concurrency autoscaling")
        check_scaling_props(
            problems,
            provisioned_concurrency=endpoint.provisioned_concurrency,
            max_concurrency=endpoint.max_concurrency,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            variant_name=endpoint.variant_name,
        )
        problems.raise_if_any()
        self.endpoint = endpoint
        """The endpoint whose variant is scaled."""
        self.min_capacity = min_capacity
        """Lowest provisioned concurrency autoscaling may set."""
        self.max_capacity = max_capacity
        """Highest provisioned concurrency autoscaling may set."""
        self.utilization_policy: appscaling.TargetTrackingScalingPolicy | None = None
        """The target-tracking policy of ``scale_on_utilization``, or ``None``."""
        self.scheduled_action_ids: list[str] = []
        """Ids of the scheduled actions added by ``scale_on_schedule``, in order."""

        self.resource_id = f"endpoint/{endpoint.endpoint_name}/variant/{endpoint.variant_name}"
        """Application Auto Scaling's id of the variant: ``endpoint/<name>/variant/<variant>``."""
        role = iam.Role.from_role_arn(
            self,
            "ServiceLinkedRole",
            Stack.of(self).format_arn(
                service="iam", region="", resource="role", resource_name=SERVICE_LINKED_ROLE_NAME
            ),
            mutable=False,
        )
        self.scalable_target = appscaling.ScalableTarget(
            self,
            "Target",
            service_namespace=appscaling.ServiceNamespace.SAGEMAKER,
            scalable_dimension=SCALABLE_DIMENSION,
            resource_id=self.resource_id,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
            role=role,
        )
        """The scalable target of ``sagemaker:variant:DesiredProvisionedConcurrency``."""
        # The resource id names the endpoint (GetAtt): the target is registered after it.

    def scale_on_utilization(
        self,
        *,
        target_utilization: float = DEFAULT_TARGET_UTILIZATION,
        scale_in_cooldown: Duration | None = None,
        scale_out_cooldown: Duration | None = None,
        disable_scale_in: bool = False,
    ) -> appscaling.TargetTrackingScalingPolicy:
        """Track ``SageMakerVariantProvisionedConcurrencyUtilization`` at ``target_utilization``.

        :param target_utilization: provisioned concurrency in use / provisioned, in (0, 1].
            Default: 0.5 (AWS's example).
        :param scale_in_cooldown: Default: - Application Auto Scaling's default (300 s).
        :param scale_out_cooldown: Default: - Application Auto Scaling's default (300 s).
        :param disable_scale_in: only ever scale out. Default: false.
        """
        problems = Problems("scale_on_utilization props")
        check_target_utilization(problems, target_utilization)
        if self.utilization_policy is not None:
            problems.add(
                "scale_on_utilization", "a second call", "called once per endpoint variant"
            )
        problems.raise_if_any()
        self.utilization_policy = self.scalable_target.scale_to_track_metric(
            "Utilization",
            target_value=target_utilization,
            predefined_metric=appscaling.PredefinedMetric.SAGEMAKER_VARIANT_PROVISIONED_CONCURRENCY_UTILIZATION,
            scale_in_cooldown=scale_in_cooldown,
            scale_out_cooldown=scale_out_cooldown,
            disable_scale_in=disable_scale_in,
        )
        return self.utilization_policy

    def scale_on_schedule(
        self,
        id: str,
        *,
        schedule: appscaling.Schedule,
        min_capacity: int | None = None,
        max_capacity: int | None = None,
        time_zone: str | None = None,
        start_time: datetime.datetime | None = None,
        end_time: datetime.datetime | None = None,
    ) -> None:
        """Set the capacity range at the times of ``schedule`` (for example up at 07:00).

        :param id: construct id of the scheduled action (unique per scaling).
        :param schedule: when, e.g. ``Schedule.cron(hour="7", minute="0", week_day="MON-FRI")``.
        :param min_capacity: the new minimum, 1..the endpoint's max concurrency.
            Default: - unchanged.
        :param max_capacity: the new maximum, 1..the endpoint's max concurrency.
            Default: - unchanged.
        :param time_zone: IANA time zone of a cron schedule. Default: - UTC.
        """
        problems = Problems(f"scale_on_schedule {id!r} props")
        check_scheduled_capacity(
            problems,
            max_concurrency=self.endpoint.max_concurrency,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
        )
        check_schedule_expression(problems, "schedule", schedule.expression_string)
        if id in self.scheduled_action_ids:
            problems.add("id", id, "unique among this endpoint's scheduled actions")
        problems.raise_if_any()
        options: dict[str, Any] = {
            "schedule": schedule,
            "min_capacity": min_capacity,
            "max_capacity": max_capacity,
            "start_time": start_time,
            "end_time": end_time,
        }
        if time_zone is not None:
            options["time_zone"] = TimeZone.of(time_zone)
        self.scalable_target.scale_on_schedule(id, **options)
        self.scheduled_action_ids.append(id)


def check_scaling_props(
    problems: Problems,
    *,
    provisioned_concurrency: int | None,
    max_concurrency: int,
    min_capacity: Any,
    max_capacity: Any,
    variant_name: str | None = None,
) -> None:
    """Record problems with the capacity range of provisioned concurrency autoscaling.

    With ``variant_name``, also what later updates of the autoscaled variant need
    (``check_scaled_variant``).
    """
    if provisioned_concurrency is None:
        problems.add(
            "endpoint.provisioned_concurrency",
            None,
            "set: only provisioned concurrency can be autoscaled (for an imported endpoint, "
            "pass its provisioned_concurrency to from_endpoint_attributes)",
        )
    high = max_concurrency if not is_token(max_concurrency) else MAX_CONCURRENCY_LIMIT
    min_ok = problems.check_int_range("min_capacity", min_capacity, 1, high)
    max_ok = problems.check_int_range("max_capacity", max_capacity, 1, high)
    if (
        min_ok
        and max_ok
        and not is_token(min_capacity)
        and not is_token(max_capacity)
        and min_capacity > max_capacity
    ):
        problems.add("min_capacity", min_capacity, f"at most max_capacity ({max_capacity})")
    if variant_name is not None:
        check_scaled_variant(
            problems,
            provisioned_concurrency=provisioned_concurrency,
            variant_name=variant_name,
            min_capacity=min_capacity,
            max_capacity=max_capacity,
        )


def check_scaled_variant(
    problems: Problems,
    *,
    provisioned_concurrency: int | None,
    variant_name: str,
    min_capacity: Any,
    max_capacity: Any,
) -> None:
    """What later updates of an autoscaled variant need, as far as synthesis can know it.

    ``UpdateEndpoint`` fails when it removes a variant registered as a scalable target, and
    renaming ``variant_name`` removes it: a name only known at deploy time (a token) would hide
    such a rename from ``cdk diff``. A deploy that creates a new endpoint config applies the
    config's provisioned concurrency (unverified: AWS does not say), so that value must lie in
    the autoscaling range.
    """
    if is_token(variant_name):
        problems.add(
            "endpoint.variant_name",
            variant_name,
            "a literal name when its provisioned concurrency is autoscaled (renaming an "
            "autoscaled variant makes UpdateEndpoint fail: see docs/serverless-endpoint.md, "
            "Updating an autoscaled endpoint)",
        )
    literal = [provisioned_concurrency, min_capacity, max_capacity]
    if (
        all(isinstance(v, int) and not isinstance(v, bool) for v in literal)
        and min_capacity <= max_capacity
        and not min_capacity <= typing.cast(int, provisioned_concurrency) <= max_capacity
    ):
        problems.add(
            "endpoint.provisioned_concurrency",
            provisioned_concurrency,
            f"from min_capacity ({min_capacity}) to max_capacity ({max_capacity}): each deploy "
            "that creates a new endpoint config starts the variant at this value",
        )


def check_target_utilization(problems: Problems, target_utilization: Any) -> None:
    """Target utilization must be a number in (0, 1]."""
    if is_token(target_utilization):
        return
    if (
        isinstance(target_utilization, bool)
        or not isinstance(target_utilization, (int, float))
        or not 0 < target_utilization <= 1
    ):
        problems.add("target_utilization", target_utilization, "a number in (0, 1]")


def check_scheduled_capacity(
    problems: Problems, *, max_concurrency: int, min_capacity: Any, max_capacity: Any
) -> None:
    """A scheduled action sets a new min and/or max, each 1..max concurrency, min <= max."""
    high = max_concurrency if not is_token(max_concurrency) else MAX_CONCURRENCY_LIMIT
    if min_capacity is None and max_capacity is None:
        problems.add("min_capacity", None, "set, or max_capacity set (the action changes one)")
        return
    min_ok = min_capacity is None or problems.check_int_range("min_capacity", min_capacity, 1, high)
    max_ok = max_capacity is None or problems.check_int_range("max_capacity", max_capacity, 1, high)
    if (
        min_capacity is not None
        and max_capacity is not None
        and min_ok
        and max_ok
        and not is_token(min_capacity)
        and not is_token(max_capacity)
        and min_capacity > max_capacity
    ):
        problems.add("min_capacity", min_capacity, f"at most max_capacity ({max_capacity})")
