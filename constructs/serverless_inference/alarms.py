"""``EndpointAlarms``: alarms on the metrics serverless endpoints really publish.

One alarm per ``AlarmKind``, each built by the same factory from a fixed ``AlarmSpec``
(``alarm_specs``) and a typed threshold from ``AlarmThresholds`` (``alarm_thresholds``).
Every alarm notifies one SNS topic (alarm and OK); the critical ones roll up into one
composite alarm, "the inference service is unhealthy", the single signal meant to page
someone: for sustained user-facing failure, never for one cold start (its error children
are rates that read 0 below ``error_rate_min_requests`` requests).
"""

import re
from collections.abc import Collection, Sequence
from typing import Any, Final, TypedDict, Unpack

from aws_cdk import Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_cloudwatch_actions as cloudwatch_actions
from aws_cdk import aws_sns as sns
from aws_cdk import aws_sns_subscriptions as subscriptions
from constructs import Construct

from serverless_inference.alarm_keep_warm import check_keep_warm_pings
from serverless_inference.alarm_specs import (
    ALARM_SPECS,
    CRITICAL_KINDS,
    SUSTAINED_PERIOD,
    AlarmKind,
    alarm_name,
)
from serverless_inference.alarm_thresholds import AlarmThresholds, describe_threshold
from serverless_inference.alarm_topic import (
    check_given_topics,
    new_alarm_topic,
    require_topic_region,
)
from serverless_inference.dashboard import build_dashboard
from serverless_inference.interfaces import (
    ApiMetrics,
    IServerlessEndpoint,
    KeepWarmMetrics,
    KeepWarmPings,
)
from serverless_inference.validation import Problems, is_number, is_token
from serverless_inference_runtime.limits import MEMORY_SIZES_MB

DEFAULT_PRICE_PER_GB_SECOND: Final = 0.00002
"""On-demand serverless compute in us-east-1, USD per GB-second (check the pricing page)."""

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ALARM_NAME_PREFIX = re.compile(r"^[\w.:/+=@ -]{1,200}$")


def parse_alarm_kinds(problems: Problems, name: str, values: Collection[Any]) -> set[AlarmKind]:
    """The alarm kinds named in ``values``; unknown names are problems listing the known kinds."""
    kinds: set[AlarmKind] = set()
    known = [kind.value for kind in AlarmKind]
    for value in values:
        if isinstance(value, AlarmKind):
            kinds.add(value)
        elif isinstance(value, str) and value in known:
            kinds.add(AlarmKind(value))
        else:
            problems.add(name, value, "a list of alarm kinds, each one of " + ", ".join(known))
    return kinds


def check_email_addresses(problems: Problems, name: str, addresses: Collection[Any]) -> None:
    """Every entry of ``addresses`` must look like an e-mail address (tokens are skipped)."""
    for address in addresses:
        if is_token(address):
            continue
        if not isinstance(address, str) or not _EMAIL.match(address):
            problems.add(name, address, "a list of e-mail addresses (name@domain.tld)")


def check_price_per_gb_second(problems: Problems, name: str, price: Any) -> None:
    """The compute price of the cost estimate must be a positive number of USD below 1."""
    if not is_number(price) or not 0 < price < 1:
        problems.add(name, price, "a price in USD per GB-second, above 0 and below 1")


def alarm_description(kind: AlarmKind, threshold: str, subject: str) -> str:
    """What is wrong, the threshold that fired, and what to check first (the runbook line)."""
    spec = ALARM_SPECS[kind]
    return (
        f"{spec.what} ({subject}). Fires when {threshold}. Check first: {spec.check_first}. "
        f"Tune it with the AlarmThresholds field {kind.value}, or leave it out by passing "
        f"{kind.value} in disabled."
    )


class AlarmsOptions(TypedDict, total=False):
    """The props of ``EndpointAlarms`` besides what it watches (``endpoint``, ``api``,
    ``keep_warm``), which ``ServerlessInference`` takes as its ``alarms``. Keyword arguments
    of ``EndpointAlarms``; a key that is not one of these is refused with the list of known
    props."""

    thresholds: AlarmThresholds
    """The threshold of every alarm. Default: ``AlarmThresholds()``."""
    disabled: Collection[AlarmKind | str]
    """Alarm kinds not to create. Default: - none."""
    topic: sns.ITopic | None
    """The topic every alarm notifies (alarm and OK). Its topic policy (if it has one) must
    allow ``cloudwatch.amazonaws.com`` to ``sns:Publish``, and its KMS key (if encrypted) must
    allow it ``kms:Decrypt`` and ``kms:GenerateDataKey*``: this construct does not change a
    topic it did not create. Default: - a new topic encrypted with a new customer-managed KMS
    key (USD 1/month), TLS-only, that this construct's alarms may publish to."""
    email_addresses: Sequence[str]
    """E-mail addresses subscribed to the topic. Default: - none."""
    pager_topic: sns.ITopic | None
    """Topic of the composite "service unhealthy" alarm alone, for a pager; it must allow
    CloudWatch as ``topic`` must. Default: - the composite alarm notifies ``topic``."""
    dashboard: bool
    """Whether to create the CloudWatch dashboard (USD 3/month beyond the account's first
    three), named ``<alarm_name_prefix>-<region>``. Default: True."""
    price_per_gb_second: float
    """Serverless compute price for the dashboard's cost estimate.
    Default: 0.00002 (us-east-1 on demand)."""
    alarm_name_prefix: str | None
    """Start of every alarm name. Default: - the stack name."""


class EndpointAlarms(Construct):
    """Alarms, notifications and a dashboard for a serverless endpoint (and its API, keep-warm).

    :param endpoint: the endpoint to watch, built here or imported
        (``ServerlessEndpoint.from_endpoint_attributes``).
    :param api: the API in front of it. Default: - no API alarms.
    :param keep_warm: its keep-warm pinger. Default: - no keep-warm alarms.

    The other props are :class:`AlarmsOptions`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: IServerlessEndpoint,
        api: ApiMetrics | None = None,
        keep_warm: KeepWarmMetrics | None = None,
        **options: Unpack[AlarmsOptions],
    ) -> None:
        super().__init__(scope, construct_id)
        alarm_name_prefix = options.get("alarm_name_prefix")
        thresholds = options.get("thresholds", AlarmThresholds())
        disabled = options.get("disabled", ())
        email_addresses = options.get("email_addresses", ())
        price_per_gb_second = options.get("price_per_gb_second", DEFAULT_PRICE_PER_GB_SECOND)
        topic = options.get("topic")
        pager_topic = options.get("pager_topic")
        prefix = alarm_name_prefix if alarm_name_prefix is not None else Stack.of(self).stack_name
        problems = Problems("EndpointAlarms props")
        problems.check_options(options, AlarmsOptions)
        thresholds.check(problems.under("thresholds."))
        disabled_kinds = parse_alarm_kinds(problems, "disabled", disabled)
        check_email_addresses(problems, "email_addresses", email_addresses)
        check_price_per_gb_second(problems, "price_per_gb_second", price_per_gb_second)
        if not is_token(prefix) and not _ALARM_NAME_PREFIX.match(prefix):
            problems.add("alarm_name_prefix", prefix, "1 to 200 characters of [A-Za-z0-9_.:/+=@ -]")
        if (
            isinstance(keep_warm, KeepWarmPings)
            and keep_warm.enabled
            and AlarmKind.CONCURRENCY_UTILIZATION_HIGH not in disabled_kinds
        ):
            check_keep_warm_pings(
                problems,
                threshold=thresholds.concurrency_utilization_high,
                concurrency=keep_warm.concurrency,
                max_concurrency=endpoint.max_concurrency,
                interval_minutes=keep_warm.ping_interval_minutes,
            )
        given_topics = {"topic": topic, "pager_topic": pager_topic}
        check_given_topics(problems, self, given_topics, email_addresses)
        problems.raise_if_any()
        require_topic_region(self, given_topics.values())

        self.endpoint = endpoint
        self.thresholds = thresholds
        self.alarm_name_prefix = prefix
        self.topic: sns.ITopic = (
            topic if topic is not None else new_alarm_topic(self, alarm_name_prefix=prefix)
        )
        for address in email_addresses:
            self.topic.add_subscription(subscriptions.EmailSubscription(address))
        self.pager_topic = pager_topic

        metrics = self._alarm_metrics(endpoint, api, keep_warm)
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        for kind, metric in metrics.items():
            if kind not in disabled_kinds:
                self.alarms[kind.value] = self._alarm(kind, metric)

        critical = [alarm for kind, alarm in self.alarms.items() if kind in CRITICAL_KINDS]
        self.composite_alarm: cloudwatch.CompositeAlarm | None = None
        if critical:
            self.composite_alarm = cloudwatch.CompositeAlarm(
                self,
                "ServiceUnhealthy",
                composite_alarm_name=alarm_name(prefix, "service_unhealthy"),
                alarm_description=(
                    "The inference service is unhealthy: a critical alarm is in ALARM "
                    f"({', '.join(sorted(kind for kind in self.alarms if kind in CRITICAL_KINDS))})"
                    ", each after 15 minutes of sustained failure (never for one cold start)."
                    " Check first: which child alarm fired (alarm history of this composite) "
                    "and follow its 'Check first' line."
                ),
                alarm_rule=cloudwatch.AlarmRule.any_of(*critical),
            )
            page = cloudwatch_actions.SnsAction(
                pager_topic if pager_topic is not None else self.topic
            )
            self.composite_alarm.add_alarm_action(page)
            self.composite_alarm.add_ok_action(page)

        self.dashboard: cloudwatch.Dashboard | None = None
        if options.get("dashboard", True):
            self.dashboard = build_dashboard(
                self,
                "Dashboard",
                endpoint=endpoint,
                api=api,
                keep_warm=keep_warm,
                alarms=[*self.alarms.values()],
                composite_alarm=self.composite_alarm,
                thresholds=thresholds,
                price_per_gb_second=price_per_gb_second,
                name_prefix=prefix,
            )

    def _alarm_metrics(
        self,
        endpoint: IServerlessEndpoint,
        api: ApiMetrics | None,
        keep_warm: KeepWarmMetrics | None,
    ) -> dict[AlarmKind, cloudwatch.IMetric]:
        """The metric (or math expression) of every alarm kind that applies here."""

        def spec_options(kind: AlarmKind) -> dict[str, Any]:
            spec = ALARM_SPECS[kind]
            return {"statistic": spec.statistic, "period": spec.period}

        def rate(kind: AlarmKind, errors: cloudwatch.IMetric, requests: cloudwatch.IMetric) -> Any:
            minimum = self.thresholds.error_rate_min_requests
            return cloudwatch.MathExpression(
                expression=f"IF(requests >= {minimum}, errors / MAX([errors, requests]), 0)",
                using_metrics={"errors": errors, "requests": requests},
                period=ALARM_SPECS[kind].period,
                label=f"{kind.value} (ratio, 0 below {minimum} requests)",
            )

        K = AlarmKind  # noqa: N806 - a short alias keeps the table readable
        invocations = endpoint.metric_invocations(statistic="Sum", period=SUSTAINED_PERIOD)
        metrics: dict[AlarmKind, cloudwatch.IMetric] = {
            K.ENDPOINT_5XX_ERROR_RATE: rate(
                K.ENDPOINT_5XX_ERROR_RATE,
                endpoint.metric_invocation_5xx_errors(**spec_options(K.ENDPOINT_5XX_ERROR_RATE)),
                invocations,
            ),
            K.ENDPOINT_4XX_ERROR_RATE: rate(
                K.ENDPOINT_4XX_ERROR_RATE,
                endpoint.metric_invocation_4xx_errors(**spec_options(K.ENDPOINT_4XX_ERROR_RATE)),
                invocations,
            ),
            K.MODEL_LATENCY: endpoint.metric_model_latency(**spec_options(K.MODEL_LATENCY)),
            K.OVERHEAD_LATENCY: endpoint.metric_overhead_latency(
                **spec_options(K.OVERHEAD_LATENCY)
            ),
            K.MODEL_SETUP_TIME: endpoint.metric_model_setup_time(
                **spec_options(K.MODEL_SETUP_TIME)
            ),
            K.CONCURRENCY_UTILIZATION_HIGH: endpoint.metric_concurrent_executions_utilization(
                **spec_options(K.CONCURRENCY_UTILIZATION_HIGH)
            ),
            K.MEMORY_UTILIZATION_HIGH: endpoint.metric_memory_utilization(
                **spec_options(K.MEMORY_UTILIZATION_HIGH)
            ),
        }
        if endpoint.memory_size_mb != min(MEMORY_SIZES_MB):
            # At the smallest memory tier there is nothing to right-size.
            metrics[K.MEMORY_UTILIZATION_LOW] = endpoint.metric_memory_utilization(
                **spec_options(K.MEMORY_UTILIZATION_LOW)
            )
        if endpoint.provisioned_concurrency is not None:
            metrics[K.PROVISIONED_CONCURRENCY_SPILLOVER] = (
                endpoint.metric_provisioned_concurrency_spillover_invocations(
                    **spec_options(K.PROVISIONED_CONCURRENCY_SPILLOVER)
                )
            )
            metrics[K.PROVISIONED_CONCURRENCY_UTILIZATION_LOW] = (
                endpoint.metric_provisioned_concurrency_utilization(
                    **spec_options(K.PROVISIONED_CONCURRENCY_UTILIZATION_LOW)
                )
            )
        if api is not None:
            # API Gateway documents SampleCount for Count (Sum and Average for the errors).
            requests = api.metric_count().with_(statistic="SampleCount", period=SUSTAINED_PERIOD)
            metrics[K.API_5XX_ERROR_RATE] = rate(
                K.API_5XX_ERROR_RATE,
                api.metric_server_error().with_(**spec_options(K.API_5XX_ERROR_RATE)),
                requests,
            )
            metrics[K.API_4XX_ERROR_RATE] = rate(
                K.API_4XX_ERROR_RATE,
                api.metric_client_error().with_(**spec_options(K.API_4XX_ERROR_RATE)),
                requests,
            )
            metrics[K.API_LATENCY] = api.metric_latency().with_(**spec_options(K.API_LATENCY))
        if keep_warm is not None:
            metrics[K.KEEP_WARM_ERRORS] = keep_warm.metric_errors().with_(
                **spec_options(K.KEEP_WARM_ERRORS)
            )
            metrics[K.KEEP_WARM_FAILED_PINGS] = keep_warm.metric_failed_pings().with_(
                **spec_options(K.KEEP_WARM_FAILED_PINGS)
            )
        return metrics

    def _alarm(self, kind: AlarmKind, metric: cloudwatch.IMetric) -> cloudwatch.Alarm:
        """The one factory every alarm goes through: name, description, settings, actions."""
        spec = ALARM_SPECS[kind]
        threshold = self.thresholds.threshold_of(kind)
        alarm = cloudwatch.Alarm(
            self,
            "".join(part.capitalize() for part in kind.value.split("_")),
            metric=metric,
            threshold=threshold,
            comparison_operator=spec.comparison,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.datapoints_to_alarm,
            treat_missing_data=spec.missing_data,
            alarm_name=alarm_name(self.alarm_name_prefix, kind.value),
            alarm_description=alarm_description(
                kind, describe_threshold(kind, self.thresholds), self._subject(kind)
            ),
        )
        action = cloudwatch_actions.SnsAction(self.topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        return alarm

    def _subject(self, kind: AlarmKind) -> str:
        if kind.value.startswith("api_"):
            return "API in front of endpoint " + self.endpoint.endpoint_name
        if kind.value.startswith("keep_warm_"):
            return "keep-warm of endpoint " + self.endpoint.endpoint_name
        return "endpoint " + self.endpoint.endpoint_name
