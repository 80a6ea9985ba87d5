"""``KeepWarm``: scheduled parallel pings that keep a serverless endpoint's environments warm."""

import math
import typing
from typing import Any, Unpack

from aws_cdk import (
    Annotations,
    CfnResource,
    Duration,
    RemovalPolicy,
    Stack,
    triggers,
)
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as scheduler_targets
from constructs import Construct

from serverless_inference import nag
from serverless_inference.functions import (
    depend_on_policy_only,
    environment_number,
    library_function,
)
from serverless_inference.interfaces import IServerlessEndpoint, endpoint_resource
from serverless_inference.keep_warm_options import (
    KeepWarmOptions,
    check_keep_warm_props,
    check_raw_schedule,
    provisioned_concurrency_covers,
    schedule_expression,
)
from serverless_inference.metric_statistics import COUNT, TYPICAL, default_statistic, new_metric
from serverless_inference.schedules import rate_minutes as rate_minutes_of
from serverless_inference.validation import Problems, is_token
from serverless_inference_runtime.keep_warm import contract
from serverless_inference_runtime.limits import LAMBDA_NAMESPACE

DEFAULT_RATE_MINUTES = 5
DEFAULT_PING_TIMEOUT = Duration.seconds(contract.DEFAULT_PING_TIMEOUT_SECONDS)
DEFAULT_COLD_START_THRESHOLD = Duration.millis(contract.DEFAULT_COLD_START_THRESHOLD_MS)
DEFAULT_LOG_RETENTION = logs.RetentionDays.ONE_MONTH
DEFAULT_METRIC_PERIOD = Duration.minutes(5)

MEMORY_SIZE_MB = 128
FUNCTION_TIMEOUT_MARGIN = Duration.seconds(30)
"""The function may run this much longer than one ping may wait (start-up, log, metrics)."""
WARNING_ID_COVERED = "serverless-inference:keep-warm-covered"


class KeepWarm(Construct):
    """Pings an endpoint on a schedule so its execution environments stay warm.

    An EventBridge Scheduler schedule invokes a small function that sends ``concurrency``
    InvokeEndpoint calls at the same moment (so that many environments are busy at once),
    logs one JSON line per run and publishes embedded metrics. Pings are real, billed
    invocations and show in the endpoint's ``Invocations`` metric.

    :param endpoint: the endpoint to keep warm, built here or imported
        (``ServerlessEndpoint.from_endpoint_attributes``).

    The other props are :class:`~serverless_inference.keep_warm_options.KeepWarmOptions`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: IServerlessEndpoint,
        **options: Unpack[KeepWarmOptions],
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems("KeepWarm props")
        problems.check_options(options, KeepWarmOptions)
        concurrency = options.get("concurrency", contract.DEFAULT_CONCURRENCY)
        schedule = options.get("schedule")
        rate_minutes = options.get("rate_minutes")
        active_hours = options.get("active_hours")
        active_days = options.get("active_days")
        time_zone = options.get("time_zone")
        payload = options.get("payload", contract.DEFAULT_PAYLOAD)
        content_type = options.get("content_type", contract.DEFAULT_CONTENT_TYPE)
        enabled = options.get("enabled", True)
        ping_timeout = options.get("ping_timeout", DEFAULT_PING_TIMEOUT)
        cold_start_threshold = options.get("cold_start_threshold", DEFAULT_COLD_START_THRESHOLD)
        metric_namespace = options.get("metric_namespace", contract.DEFAULT_METRIC_NAMESPACE)
        reserved_concurrency = options.get("reserved_concurrency")
        max_concurrency = endpoint.max_concurrency
        check_keep_warm_props(
            problems,
            concurrency=concurrency,
            max_concurrency=max_concurrency if not is_token(max_concurrency) else None,
            rate_minutes=rate_minutes,
            active_hours=active_hours,
            active_days=active_days,
            time_zone=time_zone,
            payload=payload,
            content_type=content_type,
            ping_timeout_seconds=ping_timeout.to_milliseconds() / 1000,
            cold_start_threshold_ms=cold_start_threshold.to_milliseconds(),
            metric_namespace=metric_namespace,
            reserved_concurrency=reserved_concurrency,
        )
        if schedule is not None:
            window = {
                "rate_minutes": rate_minutes,
                "active_hours": active_hours,
                "active_days": active_days,
                "time_zone": time_zone,
            }
            check_raw_schedule(problems, schedule, window)
        problems.raise_if_any()

        self.endpoint = endpoint
        """The endpoint kept warm."""
        self.concurrency = concurrency
        """Pings sent in parallel by each run."""
        self.metric_namespace = metric_namespace
        """Namespace of the function's custom metrics."""
        self.enabled = enabled
        """Whether the schedule (and the pre-warm) runs."""
        self._warn_when_covered(endpoint.provisioned_concurrency, concurrency)

        self._log_retention = options.get("log_retention", DEFAULT_LOG_RETENTION)
        function_timeout = Duration.seconds(
            math.ceil(ping_timeout.to_milliseconds() / 1000) + FUNCTION_TIMEOUT_MARGIN.to_seconds()
        )
        built = library_function(
            self,
            description="Sends keep-warm pings to a SageMaker serverless endpoint",
            role_description="Keep-warm function: writes its own logs and invokes one endpoint",
            handler=contract.HANDLER,
            memory_size_mb=MEMORY_SIZE_MB,
            timeout=function_timeout,
            log_retention=self._log_retention,
            environment={
                contract.ENV_ENDPOINT_NAME: endpoint.endpoint_name,
                contract.ENV_CONCURRENCY: str(concurrency),
                contract.ENV_PAYLOAD: payload,
                contract.ENV_CONTENT_TYPE: content_type,
                contract.ENV_PING_TIMEOUT: environment_number(
                    ping_timeout.to_milliseconds() / 1000
                ),
                contract.ENV_CONNECT_TIMEOUT: str(contract.DEFAULT_CONNECT_TIMEOUT_SECONDS),
                contract.ENV_COLD_START_THRESHOLD: environment_number(
                    cold_start_threshold.to_milliseconds()
                ),
                contract.ENV_METRIC_NAMESPACE: metric_namespace,
            },
            reserved_concurrent_executions=reserved_concurrency,
            retry_attempts=0,
            max_event_age=Duration.minutes(1),
            # the pre-warm trigger invokes the current version: same rules there
            current_version_options=lambda_.VersionOptions(
                retry_attempts=0, max_event_age=Duration.minutes(1)
            ),
        )
        self.log_group = built.log_group
        """The function's log group, deleted with the stack."""
        self.role = built.role
        """The function's role: its log group and ``sagemaker:InvokeEndpoint`` on the endpoint."""
        self.function = built.function
        """The Lambda function that sends the pings."""
        endpoint.grant_invoke(self.function)
        depend_on_policy_only(built)

        interval = rate_minutes if rate_minutes is not None else DEFAULT_RATE_MINUTES
        self.schedule_expression = (
            schedule
            if schedule is not None
            else schedule_expression(interval, active_hours, active_days, time_zone)
        )
        """When the schedule runs: built from the props, or the ``schedule`` given."""
        self.ping_interval_minutes: float | None = (
            interval if schedule is None else rate_minutes_of(schedule.expression_string)
        )
        """Minutes between runs (within the active window, if any); ``None`` for a raw
        ``schedule`` that is not a ``rate(...)`` expression."""
        self.schedule = scheduler.Schedule(
            self,
            "Schedule",
            schedule=self.schedule_expression,
            target=scheduler_targets.LambdaInvoke(
                self.function,
                role=self._scheduler_role(),
                retry_attempts=0,  # a retry is a duplicate ping
                max_event_age=Duration.minutes(1),
            ),
            enabled=enabled,
            description="Keep-warm pings of a SageMaker serverless endpoint",
        )
        """The EventBridge Scheduler schedule that invokes ``function``."""

        self.pre_warm: triggers.Trigger | None = None
        """The CDK trigger that pings once after a deploy that changes the endpoint or the
        function, or ``None`` (``pre_warm_on_deploy`` false, or an endpoint defined elsewhere)."""
        if enabled and options.get("pre_warm_on_deploy", True):
            self.pre_warm = self._pre_warm_trigger(endpoint)

    def _scheduler_role(self) -> iam.Role:
        """The role the schedule invokes the function with (else a stack-wide shared one)."""
        role = iam.Role(
            self,
            "SchedulerRole",
            assumed_by=iam.ServicePrincipal(
                "scheduler.amazonaws.com",
                conditions={"StringEquals": {"aws:SourceAccount": Stack.of(self).account}},
            ),
            description="Lets EventBridge Scheduler invoke the keep-warm function",
        )
        nag.acknowledge_wildcard_resource(
            role,
            f"{self.function.function_arn}:*",
            "the scheduler target's grant_invoke also covers the function's versions and "
            "aliases (<function ARN>:*); it is still this one function",
        )
        return role

    def _warn_when_covered(self, provisioned_concurrency: int | None, concurrency: int) -> None:
        if provisioned_concurrency_covers(provisioned_concurrency, concurrency):
            Annotations.of(self).add_warning_v2(
                WARNING_ID_COVERED,
                f"The endpoint's provisioned concurrency ({provisioned_concurrency}) already "
                f"keeps at least {concurrency} environment(s) warm: keep-warm pings add cost "
                "without removing cold starts. Remove KeepWarm or lower provisioned concurrency.",
            )

    def _pre_warm_trigger(self, endpoint: IServerlessEndpoint) -> triggers.Trigger | None:
        """A ping right after each deploy that creates or updates the endpoint, when it is
        defined in this stack (``None``, with an info annotation, otherwise)."""
        resource = endpoint_resource(endpoint)
        if resource is None or Stack.of(resource) is not Stack.of(self):
            Annotations.of(self).add_info(
                "KeepWarm has no pre-warm on deploy: the endpoint is not defined in this "
                "stack, which cannot follow the deploys that create or update it"
            )
            return None
        trigger = triggers.Trigger(
            self,
            "PreWarm",
            handler=self.function,
            invocation_type=triggers.InvocationType.EVENT,
            # the endpoint resource is created last (InService), after model and config
            execute_after=[resource],
            execute_on_handler_change=True,
        )
        # The trigger invokes the current version asynchronously: its "never retry" config must
        # be in force first, or an early call gets Lambda's default two retries.
        trigger.node.add_dependency(
            self.function.current_version.node.find_child(_INVOKE_CONFIG_ID)
        )
        # A new endpoint config means new (cold) environments: run again after each one.
        custom_resource = typing.cast(Any, trigger.node.default_child)
        custom_resource.node.default_child.add_property_override(
            "EndpointConfigName", resource.endpoint_config_name
        )
        _drop_redundant_provider_dependency(Stack.of(self))
        _log_provider_to_the_stack(Stack.of(self), self._log_retention)
        return trigger

    def metric(self, metric_name: str, **options: Any) -> cloudwatch.Metric:
        """A custom keep-warm metric of this endpoint (dimension ``EndpointName``).

        Default period: 5 minutes (the default schedule); default statistic: ``Sum``
        (``Average`` for ``PingLatency``). ``options`` win over the defaults.
        """
        return new_metric(
            self.metric_namespace,
            metric_name,
            {contract.DIMENSION_ENDPOINT_NAME: self.endpoint.endpoint_name},
            period=DEFAULT_METRIC_PERIOD,
            preferred=TYPICAL if metric_name == contract.METRIC_PING_LATENCY else COUNT,
            options=options,
        )

    def metric_pings_sent(self, **options: Any) -> cloudwatch.Metric:
        """Pings sent. Default: Sum over 5 minutes."""
        return self.metric(contract.METRIC_PINGS_SENT, **options)

    def metric_failed_pings(self, **options: Any) -> cloudwatch.Metric:
        """Pings that got no successful answer (any outcome but ok). Default: Sum over 5 minutes."""
        return self.metric(contract.METRIC_FAILED_PINGS, **options)

    def metric_ping_latency(self, **options: Any) -> cloudwatch.Metric:
        """Latency of successful pings, in milliseconds. Default: Average over 5 minutes."""
        return self.metric(contract.METRIC_PING_LATENCY, **options)

    def metric_suspected_cold_starts(self, **options: Any) -> cloudwatch.Metric:
        """Successful pings slower than the cold-start threshold. Default: Sum over 5 minutes."""
        return self.metric(contract.METRIC_SUSPECTED_COLD_STARTS, **options)

    def metric_errors(self, **options: Any) -> cloudwatch.Metric:
        """Failed runs (every ping failed, or a bad configuration). Default: Sum over 5 minutes."""
        settings: dict[str, Any] = {
            "period": DEFAULT_METRIC_PERIOD,
            "statistic": default_statistic(LAMBDA_NAMESPACE, "Errors", COUNT),
            **options,
        }
        return self.function.metric_errors(**settings)


_TRIGGER_PROVIDER_ID = "AWSCDK.TriggerCustomResourceProviderCustomResourceProvider"
_TRIGGER_LOG_GROUP_ID = "TriggerProviderLogGroup"
_INVOKE_CONFIG_ID = "EventInvokeConfig"
"""Id of the ``AWS::Lambda::EventInvokeConfig`` that CDK adds to a function or version."""


def _drop_redundant_provider_dependency(stack: Stack) -> None:
    """CDK's trigger provider function both references and ``DependsOn`` its role.

    cfn-lint warns about that (W3005); the ``GetAtt`` already orders the two.
    """
    provider = stack.node.try_find_child(_TRIGGER_PROVIDER_ID)
    handler = provider.node.try_find_child("Handler") if provider is not None else None
    if isinstance(handler, CfnResource):
        handler.add_deletion_override("DependsOn")


def _log_provider_to_the_stack(stack: Stack, retention: logs.RetentionDays) -> None:
    """Send CDK's trigger provider function's logs to a log group of the stack (once per stack,
    id ``TriggerProviderLogGroup``, with the first ``KeepWarm``'s retention).

    Lambda would write them to ``/aws/lambda/<generated function name>``, which it creates on
    the first run, outside the stack and without retention, and which `cdk destroy` leaves.
    The function's ``LoggingConfig.LogGroup`` names this group instead; its role's AWS basic
    execution policy may write to any group.
    """
    provider = stack.node.try_find_child(_TRIGGER_PROVIDER_ID)
    handler = provider.node.try_find_child("Handler") if provider is not None else None
    if not isinstance(handler, CfnResource) or stack.node.try_find_child(_TRIGGER_LOG_GROUP_ID):
        return
    log_group = logs.LogGroup(
        stack, _TRIGGER_LOG_GROUP_ID, retention=retention, removal_policy=RemovalPolicy.DESTROY
    )
    handler.add_property_override("LoggingConfig.LogGroup", log_group.log_group_name)
