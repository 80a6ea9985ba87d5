"""The props of ``InferenceApi`` (:class:`ApiOptions`), their defaults and their checks."""

from collections.abc import Sequence
from typing import Any, Final, TypedDict

from aws_cdk import Duration
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_logs as logs

from serverless_inference.api_auth import ApiAuth, check_throttle
from serverless_inference.validation import Problems, is_token

DEFAULT_PATH: Final = "predict"
DEFAULT_STAGE_NAME: Final = "v1"
DEFAULT_BINARY_MEDIA_TYPES: Final = (
    "application/octet-stream",
    "application/x-npy",
    "application/x-image",
    "image/*",
    "audio/*",
)
"""Bodies of these types pass through as bytes; everything else as text (also unchanged)."""
DEFAULT_INTEGRATION_TIMEOUT: Final = Duration.seconds(29)
DEFAULT_LOG_RETENTION: Final = logs.RetentionDays.ONE_MONTH
RATE_LIMIT_PER_CONCURRENCY: Final = 2.0
"""Default stage rate limit (requests per second) per unit of endpoint max concurrency:
a serverless endpoint with max concurrency N serves about N / latency requests a second,
so 2 N keeps API Gateway shedding load before SageMaker throttles for invocations of 500 ms
or more."""
BURST_LIMIT_PER_CONCURRENCY: Final = 1
"""Default stage burst limit per unit of max concurrency: no more requests at once than
SageMaker runs at once."""
MIN_INTEGRATION_TIMEOUT_MS: Final = 50
MAX_INTEGRATION_TIMEOUT_MS: Final = 60_000
"""SageMaker gives ``/invocations`` 60 s; over 29 s needs a raised API Gateway quota."""
MAX_EDGE_INTEGRATION_TIMEOUT_MS: Final = 29_000
"""API Gateway allows timeouts above 29 s for regional (and private) REST APIs only."""
ENDPOINT_TYPES: Final = ("REGIONAL", "EDGE")

ROUTE_PATH_PATTERN: Final = r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$"
ROUTE_PATH_MAX_LENGTH: Final = 256
STAGE_NAME_PATTERN: Final = r"^[A-Za-z0-9_]+$"
MEDIA_TYPE_PATTERN: Final = r"^[A-Za-z0-9!#$&^_.+*-]+/[A-Za-z0-9!#$&^_.+*-]+$"
ORIGIN_PATTERN: Final = r"^(\*|https?://[A-Za-z0-9.-]+(:\d{1,5})?)$"

WEB_ACL_ARN_PATTERN: Final = (
    r"^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional/webacl/[\w-]+/[a-f0-9-]+$"
)


class ApiOptions(TypedDict, total=False):
    """The props of ``InferenceApi`` besides ``endpoint``, which ``ServerlessInference`` takes
    as its ``api``. Keyword arguments of ``InferenceApi``; a key that is not one of these is
    refused with the list of known props."""

    path: str
    """The first route, below the stage (``predict`` gives ``POST .../v1/predict``); segments
    of letters, digits, ``.``, ``_``, ``-`` separated by ``/``. Default: ``predict``."""
    auth: ApiAuth
    """How callers authenticate: ``ApiAuth.iam()``, ``.api_key(...)``, ``.cognito(...)`` or
    ``.none()``. (Mode names as strings are no longer accepted: the app's configuration
    converts its ``auth`` key.) Default: ``ApiAuth.iam()`` (SigV4)."""
    throttle_rate_limit: float | None
    """Steady-state limit of each route, requests per second (0 < r <= 10000): API Gateway
    throttles every method on its own. Default: - per route, 2 x its endpoint's
    ``max_concurrency`` (a fan-out: its smallest member's)."""
    throttle_burst_limit: int | None
    """Burst limit of each route, requests (1..5000). Default: - per route, its endpoint's
    ``max_concurrency`` (a fan-out: its smallest member's)."""
    binary_media_types: Sequence[str] | None
    """Content types passed through as bytes. Default: ``application/octet-stream``,
    ``application/x-npy``, ``application/x-image``, ``image/*``, ``audio/*``."""
    cors_allow_origin: str | None
    """One origin (``https://app.example.com``) or ``*`` allowed to call from a browser; adds
    OPTIONS preflight and CORS headers. Default: - no CORS."""
    tracing_enabled: bool
    """X-Ray tracing of the stage. Default: False."""
    detailed_metrics: bool
    """Per-method CloudWatch metrics (dimensions ``ApiName``, ``Method``, ``Resource``,
    ``Stage``), billed by CloudWatch as custom metrics. The ``ApiName`` + ``Stage`` metrics
    that the alarms and ``metric_*()`` use are published without them, free.
    Default: False."""
    log_retention: logs.RetentionDays
    """Retention of the JSON access log group and of the stage's execution-log group
    (``API-Gateway-Execution-Logs_<api id>/<stage>``, which the stack creates and deletes).
    Default: one month."""
    integration_timeout: Duration
    """How long API Gateway waits for SageMaker (50 ms..60 s; above 29 s only with
    ``endpoint_type`` ``REGIONAL`` and a raised API Gateway quota). A cold start that takes
    longer gives the client a 504 while SageMaker still runs (and bills) the request.
    Default: 29 seconds."""
    stage_name: str
    """Name of the stage, the first URL segment. Default: ``v1``."""
    endpoint_type: apigw.EndpointType
    """``REGIONAL`` or ``EDGE``. Default: ``REGIONAL``."""
    cloud_watch_role: bool
    """Create the account-level role API Gateway writes logs with
    (``AWS::ApiGateway::Account``, one per account and region; retained on delete). Set
    False when the account already has one. Default: True."""
    web_acl_arn: str | None
    """A WAFv2 web ACL (regional scope) to associate with the stage.
    Default: - no WAF (it is billed per ACL and request)."""
    api_name: str | None
    """Name of the REST API (the ``ApiName`` metric dimension).
    Default: ``<stack name>-<construct id>``."""


def check_route_path(problems: Problems, name: str, path: Any) -> None:
    """A route path: ``/``-separated segments, no leading or trailing slash, no parameters."""
    problems.check_pattern(name, path, ROUTE_PATH_PATTERN, ROUTE_PATH_MAX_LENGTH)


def check_api_props(
    problems: Problems,
    *,
    path: Any,
    throttle_rate_limit: Any,
    throttle_burst_limit: Any,
    binary_media_types: Sequence[Any],
    cors_allow_origin: Any,
    integration_timeout_ms: Any,
    stage_name: Any,
) -> None:
    """Record every problem with these ``InferenceApi`` props."""
    check_route_path(problems, "path", path)
    check_throttle(problems, throttle_rate_limit, throttle_burst_limit)
    for index, media_type in enumerate(binary_media_types):
        problems.check_pattern(f"binary_media_types[{index}]", media_type, MEDIA_TYPE_PATTERN, 255)
    if cors_allow_origin is not None:
        problems.check_pattern("cors_allow_origin", cors_allow_origin, ORIGIN_PATTERN, 255)
    if not is_token(integration_timeout_ms) and not (
        isinstance(integration_timeout_ms, (int, float))
        and MIN_INTEGRATION_TIMEOUT_MS <= integration_timeout_ms <= MAX_INTEGRATION_TIMEOUT_MS
    ):
        problems.add(
            "integration_timeout",
            integration_timeout_ms,
            f"from {MIN_INTEGRATION_TIMEOUT_MS} ms to {MAX_INTEGRATION_TIMEOUT_MS // 1000} s",
        )
    problems.check_pattern("stage_name", stage_name, STAGE_NAME_PATTERN, 128)
