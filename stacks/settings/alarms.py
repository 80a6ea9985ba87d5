"""``environments.<name>.alarms``: alarms, notifications and the dashboard."""

import dataclasses
import re
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from aws_cdk import Duration
from aws_cdk import aws_sns as sns
from constructs import Construct

from serverless_inference.alarm_thresholds import AlarmThresholds, check_threshold_values
from serverless_inference.alarms import (
    DEFAULT_PRICE_PER_GB_SECOND,
    AlarmsOptions,
    check_email_addresses,
    check_price_per_gb_second,
    parse_alarm_kinds,
)
from serverless_inference.validation import Problems

MILLISECONDS_SUFFIX: Final = "_ms"
"""The key of a ``Duration`` threshold: its field name and this suffix, in whole milliseconds."""
SNS_TOPIC_ARN_PATTERN: Final = r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}$"
"""A standard topic's ARN. A FIFO topic (``.fifo``) delivers to SQS queues only, never to
e-mail, and takes a message only with a message group ID, which CloudWatch's alarm actions
are not documented to send."""
TOPIC_ARN_KEYS: Final = ("topic_arn", "pager_topic_arn")
_ARN_REGION_FIELD: Final = 3

_THRESHOLDS = AlarmThresholds()


def _ms(duration: Duration) -> int:
    return int(duration.to_milliseconds())


@dataclass(frozen=True)
class AlarmThresholdsSettings:
    """``environments.<name>.alarms.thresholds``: one key per alarm kind.

    Counts are per 5 minutes, ratios 0..1, percents 0..100, durations in milliseconds
    (``_ms`` keys). Defaults: those of ``serverless_inference.AlarmThresholds``.
    """

    endpoint_5xx_error_rate: float = _THRESHOLDS.endpoint_5xx_error_rate
    endpoint_4xx_error_rate: float = _THRESHOLDS.endpoint_4xx_error_rate
    model_latency_ms: int = _ms(_THRESHOLDS.model_latency)
    overhead_latency_ms: int = _ms(_THRESHOLDS.overhead_latency)
    model_setup_time_ms: int = _ms(_THRESHOLDS.model_setup_time)
    concurrency_utilization_high: float = _THRESHOLDS.concurrency_utilization_high
    memory_utilization_high: float = _THRESHOLDS.memory_utilization_high
    memory_utilization_low: float = _THRESHOLDS.memory_utilization_low
    provisioned_concurrency_spillover: int = _THRESHOLDS.provisioned_concurrency_spillover
    provisioned_concurrency_utilization_low: float = (
        _THRESHOLDS.provisioned_concurrency_utilization_low
    )
    api_5xx_error_rate: float = _THRESHOLDS.api_5xx_error_rate
    api_4xx_error_rate: float = _THRESHOLDS.api_4xx_error_rate
    api_latency_ms: int = _ms(_THRESHOLDS.api_latency)
    keep_warm_errors: int = _THRESHOLDS.keep_warm_errors
    keep_warm_failed_pings: int = _THRESHOLDS.keep_warm_failed_pings
    fan_out_error_rate: float = _THRESHOLDS.fan_out_error_rate
    fan_out_throttles: int = _THRESHOLDS.fan_out_throttles
    fan_out_duration: float = _THRESHOLDS.fan_out_duration
    """A share of each fan-out's deadline."""
    error_rate_min_requests: int = _THRESHOLDS.error_rate_min_requests

    def _by_field(self) -> dict[str, Any]:
        """The thresholds by ``AlarmThresholds`` field, durations as whole milliseconds."""
        return {
            key.removesuffix(MILLISECONDS_SUFFIX): value
            for key, value in dataclasses.asdict(self).items()
        }

    def check(self, problems: Problems) -> None:
        """Record every invalid threshold, named by its config key."""
        keys = {
            key.removesuffix(MILLISECONDS_SUFFIX): key
            for key in dataclasses.asdict(self)
            if key.endswith(MILLISECONDS_SUFFIX)
        }
        check_threshold_values(problems.renamed(keys), self._by_field())

    def to_thresholds(self) -> AlarmThresholds:
        """The construct's typed thresholds (call after ``check`` found no problem)."""
        values: dict[str, Any] = {
            key.removesuffix(MILLISECONDS_SUFFIX): (
                Duration.millis(value) if key.endswith(MILLISECONDS_SUFFIX) else value
            )
            for key, value in dataclasses.asdict(self).items()
        }
        return AlarmThresholds(**values)


@dataclass(frozen=True)
class AlarmsSettings:
    """``environments.<name>.alarms``: alarms, notifications and the dashboard."""

    enabled: bool = True
    thresholds: AlarmThresholdsSettings = field(default_factory=AlarmThresholdsSettings)
    disabled: list[str] = field(default_factory=list)
    """Alarm kinds not to create, for example ``["memory_utilization_low"]``."""
    email_addresses: list[str] = field(default_factory=list)
    topic_arn: str | None = None
    """An existing topic for every alarm. Default: - a new encrypted topic."""
    pager_topic_arn: str | None = None
    """A topic for the composite "service unhealthy" alarm alone. Default: - ``topic``."""
    dashboard: bool = True
    price_per_gb_second: float = DEFAULT_PRICE_PER_GB_SECOND

    def props(self, scope: Construct) -> AlarmsOptions | Literal[False]:
        """The ``alarms`` part of ``ServerlessInference`` (``False`` when disabled)."""
        if not self.enabled:
            return False

        def topic(construct_id: str, arn: str | None) -> sns.ITopic | None:
            return sns.Topic.from_topic_arn(scope, construct_id, arn) if arn is not None else None

        return {
            "thresholds": self.thresholds.to_thresholds(),
            "disabled": self.disabled,
            "topic": topic("AlarmTopic", self.topic_arn),
            "email_addresses": self.email_addresses,
            "pager_topic": topic("PagerTopic", self.pager_topic_arn),
            "dashboard": self.dashboard,
            "price_per_gb_second": self.price_per_gb_second,
        }

    def check(self, problems: Problems) -> None:
        """Record problems the ``EndpointAlarms`` construct would refuse, and bad topic ARNs."""
        self.thresholds.check(problems.under("thresholds."))
        parse_alarm_kinds(problems, "disabled", self.disabled)
        check_email_addresses(problems, "email_addresses", self.email_addresses)
        check_price_per_gb_second(problems, "price_per_gb_second", self.price_per_gb_second)
        for name, value in self._topic_arns().items():
            if isinstance(value, str) and value.endswith(".fifo"):
                problems.add(
                    name,
                    value,
                    "the ARN of a standard SNS topic: a FIFO topic delivers to SQS queues only "
                    "(never e-mail) and needs a message group ID that CloudWatch alarm actions "
                    "do not send",
                )
            else:
                problems.check_pattern(name, value, SNS_TOPIC_ARN_PATTERN, 1024)

    def check_topic_regions(self, problems: Problems, region: str | None, region_key: str) -> None:
        """Record each topic ARN outside ``region``, where the environment deploys (set by
        ``region_key``; ``None``: any region, checked by the template at deploy time)."""
        if not self.enabled or region is None:
            return
        for name, arn in self._topic_arns().items():
            if re.match(SNS_TOPIC_ARN_PATTERN, arn) and arn.split(":")[_ARN_REGION_FIELD] != region:
                problems.add(
                    name,
                    arn,
                    f"a topic in {region}, where this environment deploys ({region_key}): a "
                    "CloudWatch alarm action must name a topic in the alarm's own region",
                )

    def _topic_arns(self) -> dict[str, str]:
        """The topic ARNs given, by key."""
        arns = {name: getattr(self, name) for name in TOPIC_ARN_KEYS}
        return {name: arn for name, arn in arns.items() if arn is not None}
