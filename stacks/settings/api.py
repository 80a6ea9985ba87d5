"""``environments.<name>.api``: the REST API in front of the endpoint (docs/inference-api.md)."""

from dataclasses import dataclass, field
from typing import Final, Literal

from aws_cdk import Duration
from aws_cdk import aws_cognito as cognito
from constructs import Construct

from serverless_inference.api_auth import AUTH_MODES, ApiAuth, check_auth
from serverless_inference.api_options import (
    DEFAULT_BINARY_MEDIA_TYPES,
    DEFAULT_PATH,
    DEFAULT_STAGE_NAME,
    WEB_ACL_ARN_PATTERN,
    ApiOptions,
    check_api_props,
)
from serverless_inference.validation import Problems
from stacks.settings.retention import DEFAULT_LOG_RETENTION_DAYS, RETENTION_BY_DAYS

USER_POOL_ARN_PATTERN: Final = (
    r"^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool/[a-z0-9-]+_[0-9A-Za-z]+$"
)
OAUTH_SCOPE_PATTERN: Final = r"^\S+$"


@dataclass(frozen=True)
class ApiSettings:
    """``environments.<name>.api``: the REST API in front of the endpoint
    (docs/inference-api.md)."""

    enabled: bool = True
    auth: str = "iam"
    """``iam`` (SigV4), ``api_key``, ``cognito`` or ``none`` (an explicit opt-out)."""
    path: str = DEFAULT_PATH
    throttle_rate_limit: float | None = None
    """Requests per second, for each route. Default: - 2 x the route's endpoint's max
    concurrency."""
    throttle_burst_limit: int | None = None
    """For each route. Default: - the route's endpoint's max concurrency."""
    api_key_quota_limit: int | None = None
    api_key_quota_period: str = "DAY"
    cognito_user_pool_arn: str | None = None
    cognito_scopes: list[str] = field(default_factory=list)
    cors_allow_origin: str | None = None
    binary_media_types: list[str] = field(default_factory=lambda: [*DEFAULT_BINARY_MEDIA_TYPES])
    tracing_enabled: bool = False
    detailed_metrics: bool = False
    """Per-method CloudWatch metrics, billed as custom metrics. Default: false."""
    log_retention_days: int = DEFAULT_LOG_RETENTION_DAYS
    integration_timeout_seconds: float = 29.0
    stage_name: str = DEFAULT_STAGE_NAME
    cloud_watch_role: bool = True
    web_acl_arn: str | None = None

    def _api_key_auth(self) -> ApiAuth:
        return ApiAuth.api_key(
            quota_limit=self.api_key_quota_limit, quota_period=self.api_key_quota_period
        )

    def _auth(self, scope: Construct) -> ApiAuth:
        """``auth`` and its keys as the construct's ``ApiAuth``."""
        if self.auth == "cognito":
            assert self.cognito_user_pool_arn is not None  # checked with the config
            pool = cognito.UserPool.from_user_pool_arn(
                scope, "ApiUserPool", self.cognito_user_pool_arn
            )
            return ApiAuth.cognito([pool], scopes=self.cognito_scopes)
        if self.auth == "api_key":
            return self._api_key_auth()
        return ApiAuth.none() if self.auth == "none" else ApiAuth.iam()

    def props(self, scope: Construct) -> ApiOptions | Literal[False]:
        """The ``api`` part of ``ServerlessInference`` (``False`` when disabled)."""
        if not self.enabled:
            return False
        return {
            "path": self.path,
            "auth": self._auth(scope),
            "throttle_rate_limit": self.throttle_rate_limit,
            "throttle_burst_limit": self.throttle_burst_limit,
            "binary_media_types": self.binary_media_types,
            "cors_allow_origin": self.cors_allow_origin,
            "tracing_enabled": self.tracing_enabled,
            "detailed_metrics": self.detailed_metrics,
            "log_retention": RETENTION_BY_DAYS[self.log_retention_days],
            "integration_timeout": Duration.millis(round(self.integration_timeout_seconds * 1000)),
            "stage_name": self.stage_name,
            "cloud_watch_role": self.cloud_watch_role,
            "web_acl_arn": self.web_acl_arn,
        }

    def check(self, problems: Problems) -> None:
        """Record problems the ``InferenceApi`` would refuse, named by their key."""
        check_api_props(
            problems,
            path=self.path,
            throttle_rate_limit=self.throttle_rate_limit,
            throttle_burst_limit=self.throttle_burst_limit,
            binary_media_types=self.binary_media_types,
            cors_allow_origin=self.cors_allow_origin,
            integration_timeout_ms=self.integration_timeout_seconds * 1000,
            stage_name=self.stage_name,
        )
        problems.check_one_of("auth", self.auth, AUTH_MODES)
        # The usage plan's keys are the ApiAuth's, prefixed: api_key_quota_limit...
        check_auth(problems, self._api_key_auth(), prefix="api_key_")
        if self.auth == "cognito" and self.cognito_user_pool_arn is None:
            problems.add("cognito_user_pool_arn", None, "a user pool ARN when auth is cognito")
        if self.cognito_user_pool_arn is not None:
            problems.check_pattern(
                "cognito_user_pool_arn", self.cognito_user_pool_arn, USER_POOL_ARN_PATTERN, 2048
            )
        for index, scope in enumerate(self.cognito_scopes):
            problems.check_pattern(f"cognito_scopes[{index}]", scope, OAUTH_SCOPE_PATTERN, 256)
        problems.check_one_of("log_retention_days", self.log_retention_days, RETENTION_BY_DAYS)
        if self.web_acl_arn is not None:
            problems.check_pattern("web_acl_arn", self.web_acl_arn, WEB_ACL_ARN_PATTERN, 2048)
