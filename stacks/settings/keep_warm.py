"""``environments.<name>.keep_warm``: scheduled pings that keep the endpoint warm."""

import typing
from dataclasses import dataclass
from typing import Literal

from aws_cdk import Duration

from serverless_inference.keep_warm import DEFAULT_RATE_MINUTES
from serverless_inference.keep_warm_options import KeepWarmOptions, check_keep_warm_props
from serverless_inference.validation import Problems
from serverless_inference_runtime.keep_warm import contract
from stacks.settings.endpoint import EndpointSettings
from stacks.settings.retention import DEFAULT_LOG_RETENTION_DAYS, RETENTION_BY_DAYS


@dataclass(frozen=True)
class KeepWarmSettings:
    """``environments.<name>.keep_warm``: scheduled pings that keep the endpoint warm.

    Default: one ping every 5 minutes, all day, UTC, and one right after each deploy
    that changes the endpoint. ``active_hours`` ``[7, 20]`` with ``active_days``
    ``"MON-FRI"`` and ``time_zone`` ``"Europe/Berlin"`` pings on weekdays 07:00-19:59 only.
    """

    enabled: bool = True
    concurrency: int = contract.DEFAULT_CONCURRENCY
    rate_minutes: int = DEFAULT_RATE_MINUTES
    active_hours: list[int] | None = None
    active_days: str | None = None
    time_zone: str | None = None
    payload: str = contract.DEFAULT_PAYLOAD
    content_type: str = contract.DEFAULT_CONTENT_TYPE
    pre_warm_on_deploy: bool = True
    ping_timeout_seconds: int = contract.DEFAULT_PING_TIMEOUT_SECONDS
    cold_start_threshold_ms: int = contract.DEFAULT_COLD_START_THRESHOLD_MS
    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS
    reserved_concurrency: int | None = None
    """Concurrency reserved for the keep-warm function. Default: - none, the account's
    unreserved pool."""

    def _active_hours(self) -> tuple[int, int] | None:
        """``active_hours`` as ``KeepWarm`` takes it (a list in cdk.json; checked as a pair)."""
        hours = self.active_hours
        return typing.cast(tuple[int, int], tuple(hours)) if hours is not None else None

    def props(self) -> KeepWarmOptions | Literal[False]:
        """The ``keep_warm`` part of ``ServerlessInference`` (``False`` when disabled)."""
        if not self.enabled:
            return False
        return {
            "concurrency": self.concurrency,
            "rate_minutes": self.rate_minutes,
            "active_hours": self._active_hours(),
            "active_days": self.active_days,
            "time_zone": self.time_zone,
            "payload": self.payload,
            "content_type": self.content_type,
            "pre_warm_on_deploy": self.pre_warm_on_deploy,
            "ping_timeout": Duration.seconds(self.ping_timeout_seconds),
            "cold_start_threshold": Duration.millis(self.cold_start_threshold_ms),
            "log_retention": RETENTION_BY_DAYS[self.log_retention_days],
            "reserved_concurrency": self.reserved_concurrency,
        }

    def check(self, problems: Problems, endpoint: EndpointSettings) -> None:
        """Record problems ``KeepWarm`` would refuse, named by their key."""
        check_keep_warm_props(
            problems.renamed(
                {
                    "ping_timeout": "ping_timeout_seconds",
                    "cold_start_threshold": "cold_start_threshold_ms",
                }
            ),
            concurrency=self.concurrency,
            max_concurrency=endpoint.max_concurrency,
            rate_minutes=self.rate_minutes,
            active_hours=self._active_hours(),
            active_days=self.active_days,
            time_zone=self.time_zone,
            payload=self.payload,
            content_type=self.content_type,
            ping_timeout_seconds=self.ping_timeout_seconds,
            cold_start_threshold_ms=self.cold_start_threshold_ms,
            metric_namespace=contract.DEFAULT_METRIC_NAMESPACE,
            reserved_concurrency=self.reserved_concurrency,
        )
        problems.check_one_of("log_retention_days", self.log_retention_days, RETENTION_BY_DAYS)
