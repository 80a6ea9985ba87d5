"""``KeepWarm``: scheduled parallel pings that keep a serverless endpoint's environments warm."""

import math
import re
import typing
import zoneinfo
from functools import cache
from typing import Any

from aws_cdk import (
    Annotations,
    CfnResource,
    Duration,
    RemovalPolicy,
    Stack,
    TimeZone,
    Token,
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
from serverless_inference.endpoint import ServerlessEndpoint
from serverless_inference.runtime_code import runtime_code
from serverless_inference.validation import Problems, is_token
from serverless_inference_runtime.keep_warm import contract
from serverless_inference_runtime.limits import MAX_CONCURRENCY_LIMIT

DEFAULT_RATE_MINUTES = 5
DEFAULT_PING_TIMEOUT = Duration.seconds(contract.DEFAULT_PING_TIMEOUT_SECONDS)
DEFAULT_COLD_START_THRESHOLD = Duration.millis(contract.DEFAULT_COLD_START_THRESHOLD_MS)
DEFAULT_LOG_RETENTION = logs.RetentionDays.ONE_MONTH
DEFAULT_METRIC_PERIOD = Duration.minutes(5)

MEMORY_SIZE_MB = 128
RUNTIME = lambda_.Runtime.PYTHON_3_14
"""The newest Python runtime of aws-cdk-lib 2.275 (cdk-nag's AwsSolutions-L1 asks for it)."""
FUNCTION_TIMEOUT_MARGIN = Duration.seconds(30)
"""The function may run this much longer than one ping may wait (start-up, log, metrics)."""
MAX_PING_TIMEOUT_SECONDS = 14 * 60
MAX_RATE_MINUTES = 24 * 60
MAX_PAYLOAD_BYTES = 3072
"""The payload travels in an environment variable; Lambda allows 4 KB for all of them."""
WARNING_ID_COVERED = "serverless-inference:keep-warm-covered"

_DAY = r"(SUN|MON|TUE|WED|THU|FRI|SAT|[1-7])"
_DAYS_PATTERN = rf"^{_DAY}(-{_DAY})?(,{_DAY}(-{_DAY})?)*$"
_RATE = re.compile(r"^rate\((\d+) (minute|minutes|hour|hours|day|days)\)$")
_MEDIA_TYPE = r"^[\w.+-]+/[\w.+-]+(\s*;.*)?$"


class KeepWarm(Construct):
    """Pings an endpoint on a schedule so its execution environments stay warm.

    An EventBridge Scheduler schedule invokes a small function that sends ``concurrency``
    InvokeEndpoint calls at the same moment (so that many environments are busy at once),
    logs one JSON line per run and publishes embedded metrics. Pings are real, billed
    invocations and show in the endpoint's ``Invocations`` metric.

    The schedule is either ``rate_minutes`` (optionally limited to an active window of
    ``active_hours`` and ``active_days`` in ``time_zone``) or a raw ``schedule`` expression.

    :param endpoint: the endpoint to keep warm.
    :param concurrency: pings sent in parallel, 1..the endpoint's max concurrency. Default: 1.
    :param schedule: a raw Scheduler expression (``rate``/``cron``, with its time zone),
        instead of ``rate_minutes`` and the window props. Default: - built from those props.
    :param rate_minutes: minutes between runs; 1..1440, or 1..60 with an active window.
        Default: 5.
    :param active_hours: ``(start, end)`` hours of the day when pings run, end exclusive
        (``(7, 20)``: 07:00 to 19:59). Default: - all day.
    :param active_days: days of the week when pings run, e.g. ``MON-FRI`` or ``MON,WED,FRI``.
        Default: - every day.
    :param time_zone: IANA time zone of the window, e.g. ``Europe/Berlin``. Default: - UTC.
    :param payload: request body of a ping, at most 3072 bytes.
        Default: ``{"inputs": "keep warm"}``.
    :param content_type: ``Content-Type`` of a ping. Default: ``application/json``.
    :param enabled: whether the schedule runs (false: every resource exists, the schedule
        is disabled, no pre-warm). Default: true.
    :param pre_warm_on_deploy: ping once right after a deploy that creates or updates the
        endpoint (a CDK trigger, invoked asynchronously: never fails the deploy). Default: true.
    :param ping_timeout: how long one ping may wait for its answer (long enough for a cold
        start); the function's timeout is this plus 30 s. Default: 90 seconds.
    :param cold_start_threshold: a successful ping at least this slow counts as a suspected
        cold start. Default: 1 second.
    :param log_retention: retention of the function's log group. Default: one month.
    :param metric_namespace: namespace of the custom metrics.
        Default: ``ServerlessInference/KeepWarm``.
    :param reserved_concurrency: concurrency reserved for the function (at least 1). Lambda
        refuses a reservation that leaves the account fewer unreserved executions than its
        minimum, which new accounts with a low concurrency limit hit; overlapping runs are
        harmless (each is bounded by its timeout and never retried).
        Default: - no reservation, the function uses the account's unreserved pool.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: ServerlessEndpoint,
        concurrency: int = contract.DEFAULT_CONCURRENCY,
        schedule: scheduler.ScheduleExpression | None = None,
        rate_minutes: int | None = None,
        active_hours: tuple[int, int] | None = None,
        active_days: str | None = None,
        time_zone: str | None = None,
        payload: str = contract.DEFAULT_PAYLOAD,
        content_type: str = contract.DEFAULT_CONTENT_TYPE,
        enabled: bool = True,
        pre_warm_on_deploy: bool = True,
        ping_timeout: Duration = DEFAULT_PING_TIMEOUT,
        cold_start_threshold: Duration = DEFAULT_COLD_START_THRESHOLD,
        log_retention: logs.RetentionDays = DEFAULT_LOG_RETENTION,
        metric_namespace: str = contract.DEFAULT_METRIC_NAMESPACE,
        reserved_concurrency: int | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems("KeepWarm props")
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
            _check_raw_schedule(
                problems, schedule, rate_minutes, active_hours, active_days, time_zone
            )
        problems.raise_if_any()

        self.endpoint = endpoint
        self.concurrency = concurrency
        self.metric_namespace = metric_namespace
        self.enabled = enabled
        self._warn_when_covered(endpoint.provisioned_concurrency, concurrency)

        self.log_group = logs.LogGroup(
            self,
            "LogGroup",
            retention=log_retention,
            removal_policy=RemovalPolicy.DESTROY,
        )
        self.role = iam.Role(
            self,
            "ServiceRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description="Keep-warm function: writes its own logs and invokes one endpoint",
        )
        self.log_group.grant_write(self.role)

        function_timeout = Duration.seconds(
            math.ceil(ping_timeout.to_milliseconds() / 1000) + FUNCTION_TIMEOUT_MARGIN.to_seconds()
        )
        self.function = lambda_.Function(
            self,
            "Function",
            description="Sends keep-warm pings to a SageMaker serverless endpoint",
            runtime=RUNTIME,
            handler=contract.HANDLER,
            code=runtime_code(),
            memory_size=MEMORY_SIZE_MB,
            timeout=function_timeout,
            reserved_concurrent_executions=reserved_concurrency,
            retry_attempts=0,
            max_event_age=Duration.minutes(1),
            # the pre-warm trigger invokes the current version: same rules there
            current_version_options=lambda_.VersionOptions(
                retry_attempts=0, max_event_age=Duration.minutes(1)
            ),
            role=self.role,
            log_group=self.log_group,
            environment={
                contract.ENV_ENDPOINT_NAME: endpoint.endpoint_name,
                contract.ENV_CONCURRENCY: str(concurrency),
                contract.ENV_PAYLOAD: payload,
                contract.ENV_CONTENT_TYPE: content_type,
                contract.ENV_PING_TIMEOUT: _number(ping_timeout.to_milliseconds() / 1000),
                contract.ENV_CONNECT_TIMEOUT: str(contract.DEFAULT_CONNECT_TIMEOUT_SECONDS),
                contract.ENV_COLD_START_THRESHOLD: _number(cold_start_threshold.to_milliseconds()),
                contract.ENV_METRIC_NAMESPACE: metric_namespace,
            },
        )
        endpoint.grant_invoke(self.function)
        self._depend_on_policy_only()

        self.schedule_expression = (
            schedule
            if schedule is not None
            else _schedule_expression(
                rate_minutes if rate_minutes is not None else DEFAULT_RATE_MINUTES,
                active_hours,
                active_days,
                time_zone,
            )
        )
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

        self.pre_warm: triggers.Trigger | None = None
        if enabled and pre_warm_on_deploy:
            self.pre_warm = self._pre_warm_trigger(endpoint)

    def _depend_on_policy_only(self) -> None:
        """Keep the function's ``DependsOn`` on its role's policy, not on the role itself.

        The role is already referenced (``GetAtt``): listing it again is what cfn-lint's
        W3005 reports. The policy must still come first, so a run never lacks permissions.
        """
        policy = self.role.node.try_find_child("DefaultPolicy")
        function = typing.cast(CfnResource, self.function.node.default_child)
        if policy is not None and isinstance(policy.node.default_child, CfnResource):
            stack = Stack.of(self)
            function.add_override("DependsOn", [stack.get_logical_id(policy.node.default_child)])

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
        if (
            provisioned_concurrency is not None
            and not is_token(provisioned_concurrency)
            and not is_token(concurrency)
            and provisioned_concurrency >= concurrency
        ):
            Annotations.of(self).add_warning_v2(
                WARNING_ID_COVERED,
                f"The endpoint's provisioned concurrency ({provisioned_concurrency}) already "
                f"keeps at least {concurrency} environment(s) warm: keep-warm pings add cost "
                "without removing cold starts. Remove KeepWarm or lower provisioned concurrency.",
            )

    def _pre_warm_trigger(self, endpoint: ServerlessEndpoint) -> triggers.Trigger:
        trigger = triggers.Trigger(
            self,
            "PreWarm",
            handler=self.function,
            invocation_type=triggers.InvocationType.EVENT,
            # the endpoint resource is created last (InService), after model and config
            execute_after=[endpoint.endpoint],
            execute_on_handler_change=True,
        )
        # The trigger invokes the current version asynchronously: its "never retry" config must
        # be in force first, or an early call gets Lambda's default two retries.
        trigger.node.add_dependency(
            self.function.current_version.node.find_child(_INVOKE_CONFIG_ID)
        )
        # A new endpoint config means new (cold) environments: run again after each one.
        resource = typing.cast(Any, trigger.node.default_child)
        resource.node.default_child.add_property_override(
            "EndpointConfigName", endpoint.endpoint_config.attr_endpoint_config_name
        )
        _drop_redundant_provider_dependency(Stack.of(self))
        return trigger

    def metric(self, metric_name: str, **options: Any) -> cloudwatch.Metric:
        """A custom keep-warm metric of this endpoint (dimension ``EndpointName``).

        Default period: 5 minutes (the default schedule); default statistic: ``Sum``
        (``Average`` for ``PingLatency``). ``options`` win over the defaults.
        """
        settings: dict[str, Any] = {
            "period": DEFAULT_METRIC_PERIOD,
            "statistic": "Average" if metric_name == contract.METRIC_PING_LATENCY else "Sum",
            **options,
        }
        return cloudwatch.Metric(
            namespace=self.metric_namespace,
            metric_name=metric_name,
            dimensions_map={contract.DIMENSION_ENDPOINT_NAME: self.endpoint.endpoint_name},
            **settings,
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
        settings: dict[str, Any] = {"period": DEFAULT_METRIC_PERIOD, "statistic": "Sum", **options}
        return self.function.metric_errors(**settings)


_TRIGGER_PROVIDER_ID = "AWSCDK.TriggerCustomResourceProviderCustomResourceProvider"
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


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _schedule_expression(
    rate_minutes: int,
    active_hours: tuple[int, int] | None,
    active_days: str | None,
    time_zone: str | None,
) -> scheduler.ScheduleExpression:
    """A rate, or a cron over the active window, in ``time_zone``."""
    zone = TimeZone.of(time_zone) if time_zone is not None else None
    if active_hours is None and active_days is None:
        expression = scheduler.ScheduleExpression.rate(Duration.minutes(rate_minutes))
        if zone is None:
            return expression
        return scheduler.ScheduleExpression.expression(expression.expression_string, zone)
    minute = "*" if rate_minutes == 1 else "0" if rate_minutes == 60 else f"0/{rate_minutes}"
    hour = "*"
    if active_hours is not None:
        start, end = active_hours
        hour = str(start) if end - 1 == start else f"{start}-{end - 1}"
    return scheduler.ScheduleExpression.cron(
        minute=minute, hour=hour, week_day=active_days, time_zone=zone
    )


@cache
def _known_time_zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_keep_warm_props(
    problems: Problems,
    *,
    concurrency: int,
    max_concurrency: int | None,
    rate_minutes: int | None,
    active_hours: Any,
    active_days: str | None,
    time_zone: str | None,
    payload: str,
    content_type: str,
    ping_timeout_seconds: float,
    cold_start_threshold_ms: float,
    metric_namespace: str,
    reserved_concurrency: int | None = None,
    names: dict[str, str] | None = None,
) -> None:
    """Record every problem with these ``KeepWarm`` props in ``problems``.

    ``max_concurrency`` is the endpoint's (``None``: unknown, the SageMaker limit applies).
    ``names`` renames props in messages (the app's config keys carry their units).
    """
    renamed = names or {}
    high = max_concurrency if max_concurrency is not None else MAX_CONCURRENCY_LIMIT
    problems.check_int_range("concurrency", concurrency, 1, high)
    windowed = active_hours is not None or active_days is not None
    if rate_minutes is not None:
        if windowed:
            problems.check_int_range("rate_minutes", rate_minutes, 1, 60)
        else:
            problems.check_int_range("rate_minutes", rate_minutes, 1, MAX_RATE_MINUTES)
    if active_hours is not None:
        _check_active_hours(problems, active_hours)
    if (
        active_days is not None
        and not is_token(active_days)
        and (not isinstance(active_days, str) or not re.match(_DAYS_PATTERN, active_days))
    ):
        problems.add(
            "active_days",
            active_days,
            "days of the week like MON-FRI or MON,WED,FRI (SUN..SAT or 1..7)",
        )
    if time_zone is not None:
        check_time_zone(problems, "time_zone", time_zone)
    if not is_token(payload):
        if not isinstance(payload, str) or not payload:
            problems.add("payload", payload, "a non-empty string")
        elif len(payload.encode("utf-8")) > MAX_PAYLOAD_BYTES:
            problems.add(
                "payload", f"<{len(payload.encode())} bytes>", f"at most {MAX_PAYLOAD_BYTES} bytes"
            )
    if not is_token(content_type) and (
        not isinstance(content_type, str) or not re.match(_MEDIA_TYPE, content_type)
    ):
        problems.add("content_type", content_type, "a media type such as application/json")
    if not 1 <= ping_timeout_seconds <= MAX_PING_TIMEOUT_SECONDS:
        problems.add(
            renamed.get("ping_timeout", "ping_timeout"),
            f"{ping_timeout_seconds:g} seconds",
            f"from 1 to {MAX_PING_TIMEOUT_SECONDS} seconds (the function may run 15 minutes)",
        )
    if not cold_start_threshold_ms >= 1:
        problems.add(
            renamed.get("cold_start_threshold", "cold_start_threshold"),
            f"{cold_start_threshold_ms:g} ms",
            "at least 1 ms",
        )
    if not is_token(metric_namespace) and (
        not isinstance(metric_namespace, str)
        or not 1 <= len(metric_namespace) <= 255
        or metric_namespace.startswith("AWS/")
        or not re.match(r"^[\w./#:-]+$", metric_namespace)
    ):
        problems.add(
            "metric_namespace", metric_namespace, "a custom CloudWatch namespace (not AWS/...)"
        )
    if (
        reserved_concurrency is not None
        and not is_token(reserved_concurrency)
        and (
            isinstance(reserved_concurrency, bool)
            or not isinstance(reserved_concurrency, int)
            or reserved_concurrency < 1
        )
    ):
        problems.add(
            "reserved_concurrency",
            reserved_concurrency,
            "a whole number of at least 1 (0 would stop every run), or None for no reservation",
        )


def check_time_zone(problems: Problems, name: str, time_zone: Any) -> None:
    """``time_zone`` must be an IANA time zone name (checked when the system has tzdata)."""
    if is_token(time_zone):
        return
    zones = _known_time_zones()
    if not isinstance(time_zone, str) or not time_zone or (zones and time_zone not in zones):
        problems.add(name, time_zone, "an IANA time zone name such as Europe/Berlin")


def _check_active_hours(problems: Problems, active_hours: Any) -> None:
    valid = (
        isinstance(active_hours, (tuple, list))
        and len(active_hours) == 2
        and all(isinstance(h, int) and not isinstance(h, bool) for h in active_hours)
    )
    if valid:
        start, end = active_hours
        valid = 0 <= start <= 23 and 1 <= end <= 24 and start < end
    if not valid:
        problems.add(
            "active_hours",
            active_hours,
            "(start, end) whole hours with 0 <= start < end <= 24 (end exclusive)",
        )


def _check_raw_schedule(
    problems: Problems,
    schedule: scheduler.ScheduleExpression,
    rate_minutes: int | None,
    active_hours: Any,
    active_days: str | None,
    time_zone: str | None,
) -> None:
    given = {
        "rate_minutes": rate_minutes,
        "active_hours": active_hours,
        "active_days": active_days,
        "time_zone": time_zone,
    }
    for name, value in given.items():
        if value is not None:
            problems.add(name, value, "left unset when schedule is given (it holds its own)")
    expression = schedule.expression_string
    if Token.is_unresolved(expression):
        return
    if expression.startswith("rate("):
        if not _RATE.match(expression) or int(_RATE.match(expression).group(1)) < 1:  # type: ignore[union-attr]
            problems.add("schedule", expression, "at most once a minute (rate(1 minute) or slower)")
    elif expression.startswith("cron("):
        if len(expression[5:-1].split()) != 6:
            problems.add("schedule", expression, "a cron expression with 6 fields")
    elif not expression.startswith("at("):
        problems.add("schedule", expression, "a rate(...), cron(...) or at(...) expression")
