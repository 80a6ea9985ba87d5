"""The app's configuration: the ``environments`` tree of cdk.json, validated as a whole.

Each section is a frozen dataclass whose fields are the allowed keys and whose
defaults are the documented defaults. ``load_config`` reports every bad key at
once, with its path (``environments.prod.endpoint.memory_size_mb``), and unknown
keys are errors. ``-c`` overrides use dotted paths: ``-c endpoint.memory_size_mb=4096``
applies to every environment, ``-c environments.prod.endpoint.memory_size_mb=4096``
to one; their values are read as JSON when they parse, else as strings. A dotted key
whose first part names no setting is an error (see ``stacks.overrides``).
"""

import dataclasses
import json
import re
import types
import typing
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, TypeVar

from aws_cdk import Duration
from aws_cdk import aws_applicationautoscaling as appscaling
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_sns as sns
from constructs import Construct

from serverless_inference.alarm_thresholds import (
    AlarmThresholds,
    check_threshold_values,
    duration_field_names,
)
from serverless_inference.alarms import (
    DEFAULT_PRICE_PER_GB_SECOND,
    AlarmsOptions,
    check_email_addresses,
    check_price_per_gb_second,
    parse_alarm_kinds,
)
from serverless_inference.api_auth import ApiAuth
from serverless_inference.api_options import (
    DEFAULT_BINARY_MEDIA_TYPES,
    DEFAULT_PATH,
    DEFAULT_STAGE_NAME,
    ApiOptions,
)
from serverless_inference.endpoint import (
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_MEMORY_SIZE_MB,
    ServerlessEndpoint,
    check_endpoint_props,
)
from serverless_inference.endpoint_base import DEFAULT_VARIANT_NAME
from serverless_inference.images import HUGGING_FACE_DEFAULT_CPU_TAG, ContainerImage
from serverless_inference.keep_warm import DEFAULT_RATE_MINUTES
from serverless_inference.keep_warm_options import KeepWarmOptions, check_keep_warm_props
from serverless_inference.scaling import (
    DEFAULT_TARGET_UTILIZATION,
    ProvisionedConcurrencyScaling,
    check_scaling_props,
    check_target_utilization,
)
from serverless_inference.schedules import check_time_zone
from serverless_inference.validation import Problems
from serverless_inference_runtime.keep_warm import contract
from stacks.overrides import CliText, decode, dotted_overrides, from_cli, plain, set_path
from stacks.placement import (
    DEFAULT_SERVERLESS_CONCURRENCY_QUOTA,
    Placement,
    QuotaWarning,
    check_account,
    check_concurrency_quota,
    check_region,
)
from stacks.settings_checks import (
    AUTH_BY_MODE,
    DEFAULT_LOG_RETENTION_DAYS,
    RETENTION_BY_DAYS,
    check_api_settings,
    check_scaled_capacity_settings,
)

ENVIRONMENT_NAME_CONTEXT_KEY = "env"
ENVIRONMENTS_CONTEXT_KEY = "environments"
PIPELINE_CONTEXT_KEY = "pipeline"
CDK_NAG_CONTEXT_KEY = "cdk_nag"
SERVERLESS_CONCURRENCY_QUOTA_CONTEXT_KEY = "serverless_concurrency_quota"
CONFIGURATION_CONTEXT_KEYS = (
    ENVIRONMENTS_CONTEXT_KEY,
    PIPELINE_CONTEXT_KEY,
    CDK_NAG_CONTEXT_KEY,
    SERVERLESS_CONCURRENCY_QUOTA_CONTEXT_KEY,
)
"""The top-level keys of the app's configuration in cdk.json (``env`` is a command-line
choice, not configuration)."""
GPU_IMAGE_TAG = re.compile(r"(^|-)(gpu|cu[0-9]+|neuronx?)(-|$)")
"""What names a build for GPUs (``-gpu-``, ``-cu118-``) or AWS Inferentia (``-neuronx-``) in
the tags of AWS's Hugging Face inference images."""
_IMAGE_TAG = r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}"


class ConfigurationError(ValueError):
    """The configuration is invalid; the message lists every problem with its key path."""


@dataclass(frozen=True)
class EndpointSettings:
    """``environments.<name>.endpoint``: the model and its serverless endpoint."""

    model_id: str = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
    task: str = "text-classification"
    image_tag: str = HUGGING_FACE_DEFAULT_CPU_TAG
    memory_size_mb: int = DEFAULT_MEMORY_SIZE_MB
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    provisioned_concurrency: int | None = None
    variant_name: str = DEFAULT_VARIANT_NAME
    endpoint_name: str | None = None
    environment: dict[str, str] = field(default_factory=dict)

    def props(self) -> dict[str, Any]:
        """The ``ServerlessInference`` endpoint props: the model on AWS's Hugging Face image."""
        return {
            "image": ContainerImage.hugging_face_inference(self.image_tag),
            "environment": {"HF_MODEL_ID": self.model_id, "HF_TASK": self.task, **self.environment},
            "memory_size_mb": self.memory_size_mb,
            "max_concurrency": self.max_concurrency,
            "provisioned_concurrency": self.provisioned_concurrency,
            "variant_name": self.variant_name,
            "endpoint_name": self.endpoint_name,
        }

    def check(self, problems: Problems) -> None:
        """Record problems the endpoint itself would refuse, and image tags that cannot
        run on a serverless endpoint."""
        if not re.fullmatch(_IMAGE_TAG, self.image_tag):
            problems.add("image_tag", self.image_tag, f"an image tag matching {_IMAGE_TAG}")
        elif GPU_IMAGE_TAG.search(self.image_tag):
            problems.add(
                "image_tag",
                self.image_tag,
                "a CPU tag of huggingface-pytorch-inference such as "
                f"{HUGGING_FACE_DEFAULT_CPU_TAG} (serverless endpoints have no GPUs nor "
                "Inferentia chips; -gpu-, -cuNNN- and -neuronx- tags are builds for them)",
            )
        check_endpoint_props(
            problems,
            environment=self.environment,
            memory_size_mb=self.memory_size_mb,
            max_concurrency=self.max_concurrency,
            provisioned_concurrency=self.provisioned_concurrency,
            variant_name=self.variant_name,
            endpoint_name=self.endpoint_name,
        )


_THRESHOLDS = AlarmThresholds()
_SNS_TOPIC_ARN = r"^arn:aws[a-z-]*:sns:[a-z0-9-]+:[0-9]{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$"


def _ms(duration: Any) -> int:
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
    error_rate_min_requests: int = _THRESHOLDS.error_rate_min_requests

    def _values(self) -> dict[str, Any]:
        """The thresholds keyed by ``AlarmThresholds`` field, durations in milliseconds."""
        durations = duration_field_names()
        return {
            (key[: -len("_ms")] if key.removesuffix("_ms") in durations else key): value
            for key, value in dataclasses.asdict(self).items()
        }

    def check(self, problems: Problems) -> None:
        """Record every invalid threshold, named by its config key."""
        durations = {name: f"{name}_ms" for name in duration_field_names()}
        check_threshold_values(problems.renamed(durations), self._values())

    def to_thresholds(self) -> AlarmThresholds:
        """The construct's typed thresholds (call after ``check`` found no problem)."""
        durations = duration_field_names()
        values: dict[str, Any] = {
            key: Duration.millis(value) if key in durations else value
            for key, value in self._values().items()
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
        for name in ("topic_arn", "pager_topic_arn"):
            value = getattr(self, name)
            if value is not None:
                problems.check_pattern(name, value, _SNS_TOPIC_ARN, 1024)


@dataclass(frozen=True)
class ApiSettings:
    """``environments.<name>.api``: the REST API in front of the endpoint (README: InferenceApi)."""

    enabled: bool = True
    auth: str = "iam"
    """``iam`` (SigV4), ``api_key``, ``cognito`` or ``none`` (an explicit opt-out)."""
    path: str = DEFAULT_PATH
    throttle_rate_limit: float | None = None
    """Requests per second. Default: - 2 x the endpoint's max concurrency."""
    throttle_burst_limit: int | None = None
    """Default: - the endpoint's max concurrency."""
    api_key_quota_limit: int | None = None
    api_key_quota_period: str = "DAY"
    cognito_user_pool_arn: str | None = None
    cognito_scopes: list[str] = field(default_factory=list)
    cors_allow_origin: str | None = None
    binary_media_types: list[str] = field(default_factory=lambda: [*DEFAULT_BINARY_MEDIA_TYPES])
    tracing_enabled: bool = False
    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS
    integration_timeout_seconds: float = 29.0
    stage_name: str = DEFAULT_STAGE_NAME
    cloud_watch_role: bool = True
    web_acl_arn: str | None = None

    def props(self, scope: Construct) -> ApiOptions | Literal[False]:
        """The ``api`` part of ``ServerlessInference`` (``False`` when disabled)."""
        if not self.enabled:
            return False
        auth: ApiAuth
        if self.auth == "cognito":
            assert self.cognito_user_pool_arn is not None  # checked with the config
            pool = cognito.UserPool.from_user_pool_arn(
                scope, "ApiUserPool", self.cognito_user_pool_arn
            )
            auth = ApiAuth.cognito([pool], scopes=self.cognito_scopes)
        elif self.auth == "api_key":
            auth = ApiAuth.api_key(
                quota_limit=self.api_key_quota_limit, quota_period=self.api_key_quota_period
            )
        else:
            auth = AUTH_BY_MODE[self.auth]
        return {
            "path": self.path,
            "auth": auth,
            "throttle_rate_limit": self.throttle_rate_limit,
            "throttle_burst_limit": self.throttle_burst_limit,
            "binary_media_types": self.binary_media_types,
            "cors_allow_origin": self.cors_allow_origin,
            "tracing_enabled": self.tracing_enabled,
            "log_retention": RETENTION_BY_DAYS[self.log_retention_days],
            "integration_timeout": Duration.millis(round(self.integration_timeout_seconds * 1000)),
            "stage_name": self.stage_name,
            "cloud_watch_role": self.cloud_watch_role,
            "web_acl_arn": self.web_acl_arn,
        }

    def check(self, problems: Problems) -> None:
        """Record problems the ``InferenceApi`` would refuse, named by their key."""
        check_api_settings(problems, **dataclasses.asdict(self))


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
        }

    def _active_hours(self) -> tuple[int, int] | None:
        """``active_hours`` as ``KeepWarm`` takes it (a list in cdk.json; checked as a pair)."""
        hours = self.active_hours
        return typing.cast(tuple[int, int], tuple(hours)) if hours is not None else None

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
        )
        problems.check_one_of("log_retention_days", self.log_retention_days, RETENTION_BY_DAYS)


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
        """Record problems the autoscaling would refuse, named by their key."""
        if not self.enabled:
            return
        if endpoint.provisioned_concurrency is None:
            problems.add(
                "enabled",
                True,
                "false unless endpoint.provisioned_concurrency is set (only provisioned "
                "concurrency is autoscaled)",
            )
        if self.max_capacity is None:
            problems.add(
                "max_capacity",
                None,
                f"a whole number from min_capacity to {endpoint.max_concurrency} when enabled",
            )
        else:
            check_scaling_props(
                problems,
                provisioned_concurrency=endpoint.provisioned_concurrency or 1,
                max_concurrency=endpoint.max_concurrency,
                min_capacity=self.min_capacity,
                max_capacity=self.max_capacity,
            )
        if self.target_utilization is not None:
            check_target_utilization(problems, self.target_utilization)
        if self.time_zone is not None:
            check_time_zone(problems, "time_zone", self.time_zone)
        for name, action in (("scale_up", self.scale_up), ("scale_down", self.scale_down)):
            if action is not None:
                check_scaled_capacity_settings(
                    problems.under(f"{name}."),
                    max_concurrency=endpoint.max_concurrency,
                    schedule=action.schedule,
                    min_capacity=action.min_capacity,
                    max_capacity=action.max_capacity,
                )


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
        self.scaling.check(problems.under("scaling."), self.endpoint)
        self.alarms.check(problems.under("alarms."))
        self.api.check(problems.under("api."))


_CONNECTION_ARN = (
    r"arn:aws[-a-z]*:(codestar-connections|codeconnections):[a-z]{2}(-[a-z]+)+-[0-9]:"
    r"[0-9]{12}:connection/[A-Za-z0-9-]+"
)
_REPOSITORY = r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+"
SMOKE_TEST_API_AUTHS = ("iam", "none")


@dataclass(frozen=True)
class PipelineSettings:
    """``pipeline``: the CDK Pipelines deployment of the environments.

    Absent or null (the default): no pipeline stack. ``repository``, ``connection_arn``,
    ``account`` and ``region`` are required once it is configured.
    """

    repository: str | None = None
    """The source repository as ``owner/name``, reached through the CodeStar connection."""
    connection_arn: str | None = None
    """The CodeStar (CodeConnections) connection, created and activated beforehand."""
    account: str | None = None
    """The account of the pipeline stack (12 digits)."""
    region: str | None = None
    """The region of the pipeline stack."""
    branch: str = "main"
    stages: list[str] = field(default_factory=lambda: ["dev", "prod"])
    """Environments deployed in order; a manual approval precedes every stage after the first."""
    smoke_test_payload: dict[str, Any] = field(default_factory=lambda: {"inputs": "I love this"})
    """The JSON body the smoke test POSTs to each stage's API."""
    smoke_test_expect: str = "label"
    """A substring or regular expression the API's answer must contain."""

    def stage_placement(self, settings: EnvironmentSettings) -> Placement:
        """Where a stage deploys: its environment's ``account``/``region``, else the
        pipeline's (CDK Pipelines needs both for every stage)."""
        return Placement(
            settings.account if settings.account is not None else self.account,
            settings.region if settings.region is not None else self.region,
        )

    def check(
        self,
        problems: Problems,
        environments: Collection[str],
        settings: Mapping[str, EnvironmentSettings],
    ) -> None:
        """Record bad or missing keys, and stages that name no configured environment or
        one whose API the smoke test cannot call (``settings``: the valid environments)."""
        required = (
            ("repository", _REPOSITORY, "a repository as owner/name"),
            (
                "connection_arn",
                _CONNECTION_ARN,
                "a CodeStar connection ARN "
                "(arn:aws:codestar-connections:<region>:<account>:connection/<id>)",
            ),
        )
        for name, pattern, allowed in required:
            value = getattr(self, name)
            if value is None:
                problems.add(name, value, allowed + " (required)")
            elif not re.fullmatch(pattern, value):
                problems.add(name, value, allowed)
        if self.account is None:
            problems.add("account", None, "an AWS account id of 12 digits (required)")
        check_account(problems, "account", self.account)
        if self.region is None:
            problems.add("region", None, "an AWS region such as eu-west-1 (required)")
        check_region(problems, "region", self.region)
        if not self.branch.strip():
            problems.add("branch", self.branch, "a branch name")
        if not self.smoke_test_expect:
            problems.add("smoke_test_expect", self.smoke_test_expect, "a non-empty string")
        if not self.stages:
            problems.add("stages", self.stages, "a non-empty list of environment names")
        for index, stage in enumerate(self.stages):
            if stage not in environments:
                known = ", ".join(environments)
                problems.add(f"stages[{index}]", stage, f"a configured environment: {known}")
            elif stage in self.stages[:index]:
                problems.add(f"stages[{index}]", stage, "listed once")
            elif stage in settings and not settings[stage].api.enabled:
                problems.add(
                    f"stages[{index}]",
                    stage,
                    f"an environment with its API enabled (the smoke test calls it; "
                    f"environments.{stage}.api.enabled is false)",
                )
            elif stage in settings and settings[stage].api.auth not in SMOKE_TEST_API_AUTHS:
                problems.add(
                    f"stages[{index}]",
                    stage,
                    "an environment whose API auth is iam or none (the smoke test signs with "
                    f"SigV4; environments.{stage}.api.auth is {settings[stage].api.auth})",
                )


@dataclass(frozen=True)
class AppConfig:
    """The app's validated configuration."""

    environments: dict[str, EnvironmentSettings]
    """The environments that get a stack of their own (``make deploy``), by name: every one,
    the one ``env`` selects, or none when a pipeline deploys them and ``env`` selects none."""
    pipeline: PipelineSettings | None = None
    """The CDK pipeline deploying ``pipeline.stages``. Default: - no pipeline."""
    pipeline_stages: dict[str, EnvironmentSettings] = field(default_factory=dict)
    """The settings of each pipeline stage, in order, whichever environment ``env`` selects."""
    cdk_nag: bool = False
    """Whether every synthesis runs cdk-nag's AwsSolutions pack. Default: false, because
    `make test` runs it on every app the tests synthesize (and so do CI and the pipeline)."""
    serverless_concurrency_quota: int = DEFAULT_SERVERLESS_CONCURRENCY_QUOTA
    """The account's quota on the total ``MaxConcurrency`` of its serverless endpoints in one
    region, which the environments deploying there must fit. Default: 10."""
    quota_warnings: tuple[QuotaWarning, ...] = ()
    """Environments that fit the quota with too little room to update the largest of them."""


def load_config(context: Mapping[str, Any]) -> AppConfig:
    """Read and validate the app's configuration from the CDK context.

    Raises one ``ConfigurationError`` listing every problem, each with its key path.
    """
    problems = Problems("configuration (cdk.json context)")
    tree = _with_overrides(decode(context.get(ENVIRONMENTS_CONTEXT_KEY)), context, problems)
    environments: dict[str, EnvironmentSettings] = {}
    for name, raw in tree.items():
        path = f"{ENVIRONMENTS_CONTEXT_KEY}.{name}."
        settings = parse_section(EnvironmentSettings, raw, problems, path)
        if settings is not None:
            settings.check(problems.under(path))
            environments[name] = settings
    pipeline = _load_pipeline(context, list(tree), environments, problems)
    cdk_nag = _top_level(context, CDK_NAG_CONTEXT_KEY, False, _is_bool, "true or false", problems)
    quota = _top_level(
        context,
        SERVERLESS_CONCURRENCY_QUOTA_CONTEXT_KEY,
        DEFAULT_SERVERLESS_CONCURRENCY_QUOTA,
        _is_positive_int,
        "a whole number of at least 1 (the account's quota in Service Quotas)",
        problems,
    )
    selected = context.get(ENVIRONMENT_NAME_CONTEXT_KEY)
    if selected is not None and selected not in tree:
        problems.add(ENVIRONMENT_NAME_CONTEXT_KEY, selected, "one of " + ", ".join(tree))
    warnings: list[QuotaWarning] = []
    if not problems:
        # Only once every value is valid: the sum is meaningless otherwise.
        warnings = check_concurrency_quota(
            problems,
            {name: settings.endpoint.max_concurrency for name, settings in environments.items()},
            {name: _placement(name, settings, pipeline) for name, settings in environments.items()},
            quota,
        )
    try:
        problems.raise_if_any()
    except ValueError as error:
        raise ConfigurationError(str(error)) from None
    stages = {name: environments[name] for name in pipeline.stages} if pipeline else {}
    if selected is not None:
        environments = {selected: environments[selected]}
    elif pipeline is not None:
        environments = {}
    return AppConfig(
        environments=environments,
        pipeline=pipeline,
        pipeline_stages=stages,
        cdk_nag=cdk_nag,
        serverless_concurrency_quota=quota,
        quota_warnings=tuple(warnings),
    )


def _placement(
    name: str, settings: EnvironmentSettings, pipeline: PipelineSettings | None
) -> Placement:
    """Where an environment deploys: as a pipeline stage when it is one, else on its own."""
    if pipeline is not None and name in pipeline.stages:
        return pipeline.stage_placement(settings)
    return Placement(settings.account, settings.region)


Value = TypeVar("Value")


def _top_level(
    context: Mapping[str, Any],
    key: str,
    default: Value,
    valid: Callable[[Any], bool],
    allowed: str,
    problems: Problems,
) -> Value:
    """A top-level setting (JSON text from ``-c`` decoded), or ``default`` when absent."""
    value = decode(context.get(key, default))
    if valid(value):
        return typing.cast(Value, value)
    problems.add(key, value, allowed)
    return default


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_positive_int(value: Any) -> bool:
    return _is_instance(int, value) and value >= 1


def _load_pipeline(
    context: Mapping[str, Any],
    names: Collection[str],
    environments: Mapping[str, EnvironmentSettings],
    problems: Problems,
) -> PipelineSettings | None:
    """The ``pipeline`` key (a JSON string from ``-c pipeline=...`` is decoded) and its
    dotted ``-c pipeline.<key>=...`` overrides; ``None`` when neither is given."""
    raw = decode(context.get(PIPELINE_CONTEXT_KEY))
    overrides = {
        key: path[1:]
        for key, path in dotted_overrides(context).items()
        if path[0] == PIPELINE_CONTEXT_KEY
    }
    if raw is None and not overrides:
        return None
    tree = json.loads(json.dumps(raw)) if raw is not None else {}
    if isinstance(tree, dict):
        for key, path in overrides.items():
            set_path(tree, path, from_cli(context[key]), problems, key)
    prefix = PIPELINE_CONTEXT_KEY + "."
    settings = parse_section(PipelineSettings, tree, problems, prefix)
    if settings is not None:
        settings.check(problems.under(prefix), names, environments)
    return settings


_ENVIRONMENT_KEYS = tuple(f.name for f in dataclasses.fields(EnvironmentSettings))


def _with_overrides(
    environments: Any, context: Mapping[str, Any], problems: Problems
) -> dict[str, Any]:
    """The environments tree with the ``-c`` overrides applied: first those of every
    environment (``endpoint.memory_size_mb``, or a whole setting such as ``region``), then
    those of one (``environments.prod.endpoint.memory_size_mb``), so the narrower wins."""
    if not isinstance(environments, dict) or not environments:
        problems.add(
            ENVIRONMENTS_CONTEXT_KEY, environments, "an object with one entry per environment"
        )
        return {}
    tree: dict[str, Any] = json.loads(json.dumps(environments))
    overrides = dotted_overrides(context)
    overrides.update({key: [key] for key in _ENVIRONMENT_KEYS if key in context})
    every = {key: path for key, path in overrides.items() if path[0] in _ENVIRONMENT_KEYS}
    one = {key: path for key, path in overrides.items() if path[0] == ENVIRONMENTS_CONTEXT_KEY}
    for key, path in every.items():
        for name in tree:
            _apply(tree, name, path, context[key], problems, key)
    for key, path in one.items():
        if path[1] in tree:
            _apply(tree, path[1], path[2:], context[key], problems, key)
        else:
            known = ", ".join(tree)
            problems.add(key, context[key], f"an override of a known environment ({known})")
    for key, path in overrides.items():
        if key not in every and key not in one and path[0] != PIPELINE_CONTEXT_KEY:
            problems.unknown_key(key, _OVERRIDE_FORMS)
    return tree


_OVERRIDE_FORMS = (
    f"{ENVIRONMENTS_CONTEXT_KEY}.<name>.<key>",
    f"{PIPELINE_CONTEXT_KEY}.<key>",
    *(
        f"{name}.<key>" if dataclasses.is_dataclass(hint) else name
        for name, hint in typing.get_type_hints(EnvironmentSettings).items()
    ),
)
"""How a ``-c`` key may begin, for the error on one that begins otherwise."""


def _apply(
    tree: dict[str, Any], name: str, path: list[str], value: Any, problems: Problems, key: str
) -> None:
    """Override ``path`` of environment ``name`` (the whole environment when empty)."""
    if path:
        environment = tree[name]
        if isinstance(environment, dict):
            set_path(environment, path, from_cli(value), problems, key)
        else:
            problems.add(key, value, f"an override of an object (environments.{name} is not)")
    else:
        tree[name] = decode(value)


Section = TypeVar("Section")


def parse_section(cls: type[Section], raw: Any, problems: Problems, path: str) -> Section | None:
    """Build the dataclass ``cls`` from ``raw``, recording wrong types and unknown keys."""
    if not isinstance(raw, dict):
        problems.add(path.rstrip("."), raw, "an object")
        return None
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            problems.unknown_key(f"{path}{key}", fields)
            continue
        converted = _convert(hints[key], value, problems, f"{path}{key}")
        if converted is not _INVALID:
            values[key] = converted
    return cls(**values)


_INVALID = object()


def _convert(hint: Any, value: Any, problems: Problems, path: str) -> Any:
    """``value`` checked against the type ``hint``, or ``_INVALID`` after recording why."""
    value = _from_text(hint, value)
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        (hint,) = [option for option in options if option is not type(None)]
        origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        section = parse_section(typing.cast(type, hint), value, problems, path + ".")
        return section if section is not None else _INVALID
    if origin is dict and typing.get_args(hint)[1] is Any:
        value = plain(value)
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return json.loads(json.dumps(value))
        problems.add(path, value, "a JSON object")
        return _INVALID
    if origin is dict:
        if isinstance(value, dict):
            value = {k: _from_text(str, v) for k, v in value.items()}
        if isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            return dict(value)
        problems.add(path, value, "an object of strings")
        return _INVALID
    if origin is list:
        (item,) = typing.get_args(hint)
        if isinstance(value, list) and all(_is_instance(item, v) for v in value):
            return list(value)
        problems.add(path, value, f"a list of {_describe(item)}")
        return _INVALID
    if _is_instance(hint, value):
        return float(value) if hint is float else value
    problems.add(path, value, _describe(hint))
    return _INVALID


def _from_text(hint: Any, value: Any) -> Any:
    """A ``-c`` value as the setting of type ``hint`` reads it: the text itself for a string
    setting (``-c endpoint.model_id=1234`` stays text), else its JSON (``null`` clears)."""
    if not isinstance(value, CliText):
        return value
    takes_text = hint is str or (
        typing.get_origin(hint) in (types.UnionType, typing.Union) and str in typing.get_args(hint)
    )
    return value.text if takes_text and value.text != "null" else decode(value)


def _is_instance(hint: Any, value: Any) -> bool:
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _describe(hint: Any) -> str:
    return {int: "a whole number", float: "a number", str: "a string", bool: "true or false"}.get(
        hint, str(hint)
    )
