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

from serverless_inference.alarm_keep_warm import check_pinger
from serverless_inference.alarm_metrics import (
    AlarmMetrics,
    api_alarm_metrics,
    endpoint_alarm_metrics,
    fan_out_alarm_metrics,
    keep_warm_alarm_metrics,
)
from serverless_inference.alarm_specs import (
    ALARM_SPECS,
    CRITICAL_KINDS,
    AlarmKind,
    alarm_name,
)
from serverless_inference.alarm_thresholds import AlarmThresholds, describe_threshold
from serverless_inference.alarm_topic import (
    check_given_topics,
    new_alarm_topic,
    require_topic_region,
)
from serverless_inference.composite_rule import (
    alarm_arn_prefix_chars,
    check_children,
    description,
)
from serverless_inference.dashboard import (
    add_section,
    build_dashboard,
    endpoint_rows,
    fan_out_rows,
    keep_warm_rows,
)
from serverless_inference.interfaces import (
    ApiMetrics,
    FanOutMetrics,
    IServerlessEndpoint,
    KeepWarmMetrics,
)
from serverless_inference.lazy import lazy_string
from serverless_inference.names import check_name, named_scope
from serverless_inference.validation import Problems, is_number, is_token

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
    """Alarms, notifications and a dashboard for a serverless endpoint (and its API, keep-warm),
    and for more models and fan-outs on the same topic, page and dashboard.

    :param endpoint: the endpoint to watch, built here or imported
        (``ServerlessEndpoint.from_endpoint_attributes``).
    :param api: the API in front of it. Default: - no API alarms.
    :param keep_warm: its keep-warm pinger. Default: - no keep-warm alarms.
    :param name: the endpoint's model among several (``add_endpoint``): its alarms are named
        ``<prefix>-<name>-<kind>`` and keyed ``<name>-<kind>``. Default: - ``<prefix>-<kind>``,
        keyed ``<kind>``.

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
        name: str | None = None,
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
        if name is not None:
            check_name(problems, "name", name, set())
        check_pinger(
            problems,
            keep_warm,
            max_concurrency=endpoint.max_concurrency,
            thresholds=thresholds,
            disabled=disabled_kinds,
        )
        given_topics = {"topic": topic, "pager_topic": pager_topic}
        check_given_topics(problems, self, given_topics, email_addresses)
        problems.raise_if_any()
        require_topic_region(self, given_topics.values())

        self.endpoint = endpoint
        """The endpoint the alarms watch (the primary one when models are added)."""
        self.thresholds = thresholds
        """The threshold of every alarm (an added model may have its own)."""
        self.alarm_name_prefix = prefix
        """Start of every alarm name (``<prefix>-<kind>``, ``<prefix>-<name>-<kind>``) and of the
        dashboard's name."""
        self._disabled = disabled_kinds
        self._price_per_gb_second = price_per_gb_second
        self._names: set[str] = set()
        self.topic: sns.ITopic = (
            topic if topic is not None else new_alarm_topic(self, alarm_name_prefix=prefix)
        )
        """The topic every alarm notifies, on ALARM and on OK."""
        for address in email_addresses:
            self.topic.add_subscription(subscriptions.EmailSubscription(address))
        self.pager_topic = pager_topic
        """The topic of the composite alarm alone, or ``None`` (it then notifies ``topic``)."""
        self.alarms: dict[str, cloudwatch.Alarm] = {}
        """Every alarm, keyed ``<kind>`` or ``<name>-<kind>`` (its name without the prefix)."""
        self._critical: dict[str, cloudwatch.IAlarm] = {}
        self.composite_alarm: cloudwatch.CompositeAlarm | None = None
        """The composite "service unhealthy" alarm: ALARM while a critical alarm is, or ``None``
        when no critical alarm applies."""

        watched: list[tuple[Construct, str, str, AlarmMetrics]]
        if name is None:
            watched = [
                (
                    self,
                    "",
                    "endpoint " + endpoint.endpoint_name,
                    endpoint_alarm_metrics(endpoint, thresholds),
                ),
            ]
        else:
            self._names.add(name)
            watched = [self._model_part(name, endpoint, keep_warm, thresholds)]
        if api is not None:
            watched.append(
                (
                    self,
                    "",
                    "API in front of endpoint " + endpoint.endpoint_name,
                    api_alarm_metrics(api, thresholds),
                )
            )
        if keep_warm is not None and name is None:
            watched.append(
                (
                    self,
                    "",
                    "keep-warm of endpoint " + endpoint.endpoint_name,
                    keep_warm_alarm_metrics(keep_warm),
                )
            )
        alarms = [
            alarm
            for scope_, key_prefix, subject, metrics in watched
            for alarm in self._alarms(
                scope_, key_prefix, subject, metrics, thresholds, disabled_kinds, problems, name
            )
        ]

        self.dashboard: cloudwatch.Dashboard | None = None
        """The CloudWatch dashboard, or ``None`` when ``dashboard`` is false."""
        if options.get("dashboard", True):
            self.dashboard = build_dashboard(
                self,
                "Dashboard",
                endpoint=endpoint,
                api=api,
                keep_warm=keep_warm,
                alarms=alarms,
                composite_alarm=self.composite_alarm,
                thresholds=thresholds,
                price_per_gb_second=price_per_gb_second,
                name_prefix=prefix,
                model_name=name,
            )

    def add_endpoint(
        self,
        name: str,
        endpoint: IServerlessEndpoint,
        *,
        keep_warm: KeepWarmMetrics | None = None,
        thresholds: AlarmThresholds | None = None,
        disabled: Collection[AlarmKind | str] | None = None,
    ) -> list[cloudwatch.Alarm]:
        """Watch one more model's endpoint (and its keep-warm) on this topic, page and
        dashboard: its alarms are named ``<prefix>-<name>-<kind>``, its critical ones join the
        composite alarm, and the dashboard gets a section for it. ``thresholds`` and
        ``disabled``: Default: - this construct's. Returns the alarms created."""
        problems = Problems("EndpointAlarms.add_endpoint")
        check_name(problems, "name", name, self._names)
        own_thresholds = thresholds if thresholds is not None else self.thresholds
        own_thresholds.check(problems.under("thresholds."))
        kinds = (
            parse_alarm_kinds(problems, "disabled", disabled)
            if disabled is not None
            else self._disabled
        )
        check_pinger(
            problems,
            keep_warm,
            max_concurrency=endpoint.max_concurrency,
            thresholds=own_thresholds,
            disabled=kinds,
        )
        problems.raise_if_any()
        self._names.add(name)
        scope, key_prefix, subject, metrics = self._model_part(
            name, endpoint, keep_warm, own_thresholds
        )
        alarms = self._alarms(
            scope, key_prefix, subject, metrics, own_thresholds, kinds, problems, name
        )
        if self.dashboard is not None:
            rows = endpoint_rows(endpoint, own_thresholds, self._price_per_gb_second)
            if keep_warm is not None:
                rows += keep_warm_rows(keep_warm)
            add_section(
                self.dashboard, f"Model {name}: endpoint {endpoint.endpoint_name}", rows, alarms
            )
        return alarms

    def add_fan_out(self, name: str, fan_out: FanOutMetrics) -> list[cloudwatch.Alarm]:
        """Watch a fan-out (``ModelFanOut``) on this topic, page and dashboard: its function's
        error rate, throttles and duration against its deadline, named
        ``<prefix>-<name>-<kind>``; the critical ones join the composite alarm. Returns the
        alarms created."""
        problems = Problems("EndpointAlarms.add_fan_out")
        check_name(problems, "name", name, self._names)
        problems.raise_if_any()
        self._names.add(name)
        deadline_ms = fan_out.deadline.to_milliseconds()
        alarms = self._alarms(
            named_scope(self, "FanOuts", name),
            name + "-",
            f"fan-out {name}, deadline {deadline_ms:g} ms",
            fan_out_alarm_metrics(fan_out, self.thresholds),
            self.thresholds,
            self._disabled,
            problems,
            name,
            deadline_ms=deadline_ms,
        )
        if self.dashboard is not None:
            add_section(
                self.dashboard, f"Fan-out {name}", fan_out_rows(fan_out, self.thresholds), alarms
            )
        return alarms

    def _model_part(
        self,
        name: str,
        endpoint: IServerlessEndpoint,
        keep_warm: KeepWarmMetrics | None,
        thresholds: AlarmThresholds,
    ) -> tuple[Construct, str, str, AlarmMetrics]:
        """What to alarm on for a named model: its endpoint's and keep-warm's metrics, in a
        scope of its own."""
        metrics = endpoint_alarm_metrics(endpoint, thresholds)
        if keep_warm is not None:
            metrics.update(keep_warm_alarm_metrics(keep_warm))
        subject = f"model {name}, endpoint {endpoint.endpoint_name}"
        return named_scope(self, "Models", name), name + "-", subject, metrics

    def _alarms(
        self,
        scope: Construct,
        key_prefix: str,
        subject: str,
        metrics: AlarmMetrics,
        thresholds: AlarmThresholds,
        disabled: Collection[AlarmKind],
        problems: Problems,
        name: str | None,
        deadline_ms: float | None = None,
    ) -> list[cloudwatch.Alarm]:
        """One alarm per kind of ``metrics`` not ``disabled``, keyed ``<key_prefix><kind>``;
        the critical ones join the composite alarm. Raises ``ValueError`` (of ``problems``,
        naming the prop ``name``) when the composite's rule cannot hold them too."""
        critical = [
            key_prefix + kind.value
            for kind in metrics
            if kind not in disabled and kind in CRITICAL_KINDS
        ]
        stack = Stack.of(self)
        check_children(
            problems,
            "name",
            name,
            [alarm_name(self.alarm_name_prefix, key) for key in [*self._critical, *critical]],
            alarm_arn_prefix_chars(stack.partition, stack.region),
        )
        problems.raise_if_any()
        created: list[cloudwatch.Alarm] = []
        for kind, metric in metrics.items():
            if kind in disabled:
                continue
            key = key_prefix + kind.value
            alarm = self._alarm(scope, kind, metric, key, thresholds, subject, deadline_ms)
            self.alarms[key] = alarm
            created.append(alarm)
            if kind in CRITICAL_KINDS:
                self._critical[key] = alarm
                self._composite()
        return created

    def _composite(self) -> cloudwatch.CompositeAlarm:
        """The composite alarm over every critical alarm, made with the first of them; its
        rule and description are read at synthesis, when every model and fan-out is in."""
        if self.composite_alarm is not None:
            return self.composite_alarm
        self.composite_alarm = cloudwatch.CompositeAlarm(
            self,
            "ServiceUnhealthy",
            composite_alarm_name=alarm_name(self.alarm_name_prefix, "service_unhealthy"),
            alarm_description=lazy_string(
                lambda: description(
                    "The inference service is unhealthy: a critical alarm is in ALARM",
                    sorted(self._critical),
                    ", each after 15 minutes of sustained failure (never for one cold start)."
                    " Check first: which child alarm fired (alarm history of this composite) "
                    "and follow its 'Check first' line.",
                )
            ),
            alarm_rule=cloudwatch.AlarmRule.from_string(
                lazy_string(
                    lambda: cloudwatch.AlarmRule.any_of(
                        *self._critical.values()
                    ).render_alarm_rule()
                )
            ),
        )
        page = cloudwatch_actions.SnsAction(
            self.pager_topic if self.pager_topic is not None else self.topic
        )
        self.composite_alarm.add_alarm_action(page)
        self.composite_alarm.add_ok_action(page)
        return self.composite_alarm

    def _alarm(
        self,
        scope: Construct,
        kind: AlarmKind,
        metric: cloudwatch.IMetric,
        key: str,
        thresholds: AlarmThresholds,
        subject: str,
        deadline_ms: float | None,
    ) -> cloudwatch.Alarm:
        """The one factory every alarm goes through: name, description, settings, actions."""
        spec = ALARM_SPECS[kind]
        alarm = cloudwatch.Alarm(
            scope,
            "".join(part.capitalize() for part in kind.value.split("_")),
            metric=metric,
            threshold=thresholds.threshold_of(kind, deadline_ms),
            comparison_operator=spec.comparison,
            evaluation_periods=spec.evaluation_periods,
            datapoints_to_alarm=spec.datapoints_to_alarm,
            treat_missing_data=spec.missing_data,
            alarm_name=alarm_name(self.alarm_name_prefix, key),
            alarm_description=alarm_description(
                kind, describe_threshold(kind, thresholds), subject
            ),
        )
        action = cloudwatch_actions.SnsAction(self.topic)
        alarm.add_alarm_action(action)
        alarm.add_ok_action(action)
        return alarm
