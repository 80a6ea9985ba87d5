"""``InferenceApi``: a REST API that calls SageMaker ``InvokeEndpoint`` directly.

No Lambda sits between API Gateway and the endpoint: each route is an AWS service
integration with ``runtime.sagemaker``. The request body is passed through unchanged
(JSON, text or binary); ``Content-Type``, ``Accept`` and ``X-Amzn-SageMaker-Custom-Attributes``
are forwarded; SageMaker's errors keep their meaning (see ``ERROR_MAPPING``), and API
Gateway's own errors are JSON too.
"""

import json
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import jsii
from aws_cdk import Annotations, Duration, IStableNumberProducer, Lazy, Stack, aws_cognito
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from serverless_inference import nag
from serverless_inference.endpoint import ServerlessEndpoint
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
DEFAULT_LOG_RETENTION_DAYS: Final = 30
RATE_LIMIT_PER_CONCURRENCY: Final = 2.0
"""Default stage rate limit (requests per second) per unit of endpoint max concurrency:
a serverless endpoint with max concurrency N serves about N / latency requests a second,
so 2 N keeps API Gateway shedding load before SageMaker throttles for invocations of 500 ms
or more."""
BURST_LIMIT_PER_CONCURRENCY: Final = 1
"""Default stage burst limit per unit of max concurrency: no more requests at once than
SageMaker runs at once."""
MAX_RATE_LIMIT: Final = 10000.0
"""API Gateway's default account-level throttle (requests per second, per region)."""
MAX_BURST_LIMIT: Final = 5000
"""API Gateway's default account-level burst."""
MIN_INTEGRATION_TIMEOUT_MS: Final = 50
MAX_INTEGRATION_TIMEOUT_MS: Final = 60_000
"""SageMaker gives ``/invocations`` 60 s; over 29 s needs a raised API Gateway quota."""
MAX_EDGE_INTEGRATION_TIMEOUT_MS: Final = 29_000
"""API Gateway allows timeouts above 29 s for regional (and private) REST APIs only."""
RETRY_AFTER_THROTTLED_SECONDS: Final = 1
RETRY_AFTER_NOT_READY_SECONDS: Final = 10
RETRY_AFTER_UNAVAILABLE_SECONDS: Final = 5

AUTH_MODES: Final = ("iam", "api_key", "cognito", "none")
QUOTA_PERIODS: Final = ("DAY", "WEEK", "MONTH")
ENDPOINT_TYPES: Final = ("REGIONAL", "EDGE")

ROUTE_PATH_PATTERN: Final = r"^[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*$"
ROUTE_PATH_MAX_LENGTH: Final = 256
STAGE_NAME_PATTERN: Final = r"^[A-Za-z0-9_]+$"
MEDIA_TYPE_PATTERN: Final = r"^[A-Za-z0-9!#$&^_.+*-]+/[A-Za-z0-9!#$&^_.+*-]+$"
ORIGIN_PATTERN: Final = r"^(\*|https?://[A-Za-z0-9.-]+(:\d{1,5})?)$"

WEB_ACL_ARN_PATTERN: Final = (
    r"^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:\d{12}:regional/webacl/[\w-]+/[a-f0-9-]+$"
)
RETENTION_BY_DAYS: Final[Mapping[int, logs.RetentionDays]] = {
    1: logs.RetentionDays.ONE_DAY,
    3: logs.RetentionDays.THREE_DAYS,
    5: logs.RetentionDays.FIVE_DAYS,
    7: logs.RetentionDays.ONE_WEEK,
    14: logs.RetentionDays.TWO_WEEKS,
    30: logs.RetentionDays.ONE_MONTH,
    60: logs.RetentionDays.TWO_MONTHS,
    90: logs.RetentionDays.THREE_MONTHS,
    120: logs.RetentionDays.FOUR_MONTHS,
    150: logs.RetentionDays.FIVE_MONTHS,
    180: logs.RetentionDays.SIX_MONTHS,
    365: logs.RetentionDays.ONE_YEAR,
    400: logs.RetentionDays.THIRTEEN_MONTHS,
    545: logs.RetentionDays.EIGHTEEN_MONTHS,
    731: logs.RetentionDays.TWO_YEARS,
    1096: logs.RetentionDays.THREE_YEARS,
    1827: logs.RetentionDays.FIVE_YEARS,
    2192: logs.RetentionDays.SIX_YEARS,
    2557: logs.RetentionDays.SEVEN_YEARS,
    2922: logs.RetentionDays.EIGHT_YEARS,
    3288: logs.RetentionDays.NINE_YEARS,
    3653: logs.RetentionDays.TEN_YEARS,
}
"""CloudWatch Logs retention periods, by number of days (what ``log_retention_days`` accepts)."""

FORWARDED_REQUEST_HEADERS: Final = (
    "Content-Type",
    "Accept",
    "X-Amzn-SageMaker-Custom-Attributes",
)
"""Client headers passed on to ``InvokeEndpoint`` (SageMaker drops any other)."""
ERROR_TYPE_HEADER: Final = "X-SageMaker-Error-Type"
"""Response header carrying SageMaker's ``x-amzn-ErrorType`` to the client on errors."""
CORS_EXPOSED_HEADERS: Final = ("Retry-After", ERROR_TYPE_HEADER)
"""Response headers a browser script may read besides the CORS-safelisted ones (``Content-Type``
is one of those)."""

# --- Velocity mapping templates of the integration responses ------------------------------
# API Gateway selects an integration response by a regex on SageMaker's HTTP status code
# (for AWS integrations the status is matched, not the body). A mapping template cannot read
# the integration response's headers, so the two SageMaker errors that share status 400
# (ValidationError, ThrottlingException) are told apart by the body: ThrottlingException
# carries "__type"/a throttling message or no message at all, ValidationError always
# explains itself. Clients that need certainty read X-SageMaker-Error-Type.

_READ_MESSAGE: Final = (
    "#set($message = \"$!input.path('$.message')\")\n"
    '#if($message == "")#set($message = "$!input.path(\'$.Message\')")#end\n'
)
ARN_PATTERN: Final = r"arn:aws[a-z-]*:[A-Za-z0-9_/:.+=@,*-]*[A-Za-z0-9_/+=@*-]"
"""An ARN of any partition (``aws``, ``aws-cn``, ``aws-us-gov``, ...), without the sentence's
final ``.``, ``,`` or ``:``."""
ACCOUNT_ID_PATTERN: Final = r"(?<![0-9])[0-9]{12}(?![0-9])"
"""A 12-digit number on its own: an AWS account ID (a model's own 12-digit numbers too)."""
ARN_REDACTED: Final = "<arn>"
ACCOUNT_ID_REDACTED: Final = "<account>"
# Single-quoted Velocity strings are not interpolated; the patterns use only what Java's and
# Python's regular expressions read alike (classes, counts, lookarounds) and no quote or $.
_REDACTED_MESSAGE: Final = (
    f"$message.replaceAll('{ARN_PATTERN}', '{ARN_REDACTED}')"
    f".replaceAll('{ACCOUNT_ID_PATTERN}', '{ACCOUNT_ID_REDACTED}')"
)
_JSON_MESSAGE: Final = "$util.escapeJavaScript(" + _REDACTED_MESSAGE + ').replaceAll("\\\\\'","\'")'
"""The message as the inside of a JSON string, with ARNs and account IDs redacted: callers
see the model's own explanation, never which account or role served it."""

VALIDATION_OR_THROTTLING_TEMPLATE: Final = (
    _READ_MESSAGE + "#set($type = \"$!input.path('$.__type')\")\n"
    '#if($type.matches("(?s).*Throttling.*")'
    ' || $message.matches("(?is).*(throttl|rate exceeded|too many requests).*")'
    ' || $message == "")\n'
    "#set($context.responseOverride.status = 429)\n"
    f'#set($context.responseOverride.header.Retry-After = "{RETRY_AFTER_THROTTLED_SECONDS}")\n'
    '{"message":"Too many requests: the model endpoint is at its maximum concurrency.'
    ' Retry after a short wait.","type":"ThrottlingException",'
    '"requestId":"$context.requestId"}\n'
    "#else\n"
    '{"message":"' + _JSON_MESSAGE + '","type":"ValidationError",'
    '"requestId":"$context.requestId"}\n'
    "#end"
)
"""Status 400: ``ValidationError`` stays 400, ``ThrottlingException`` becomes 429."""

MODEL_ERROR_TEMPLATE: Final = (
    "#set($message = \"$!input.path('$.OriginalMessage')\")\n"
    '#if($message == "")' + _READ_MESSAGE.replace("\n", "", 1).rstrip("\n") + "#end\n"
    "#set($modelStatus = \"$!input.path('$.OriginalStatusCode')\")\n"
    '#if(!$modelStatus.matches("\\d{3}"))#set($modelStatus = "null")#end\n'
    '{"message":"' + _JSON_MESSAGE + '","type":"ModelError",'
    '"modelStatusCode":$modelStatus,"requestId":"$context.requestId"}'
)
"""Status 424: the model's own message (``OriginalMessage``) and status code."""


def _fixed_template(error_type: str, message: str) -> str:
    return (
        json.dumps({"message": message, "type": error_type})[:-1]
        + ',"requestId":"$context.requestId"}'
    )


def _passed_message_template(error_type: str, fallback: str) -> str:
    return (
        _READ_MESSAGE + f'#if($message == "")#set($message = "{fallback}")#end\n'
        '{"message":"' + _JSON_MESSAGE + f'","type":"{error_type}",'
        '"requestId":"$context.requestId"}'
    )


PAYLOAD_TOO_LARGE_TEMPLATE: Final = _passed_message_template(
    "PayloadTooLarge", "The request body is larger than the endpoint accepts (4 MB)."
)
MODEL_NOT_READY_TEMPLATE: Final = _fixed_template(
    "ModelNotReadyException",
    "The model is starting (cold start or scaling up). Retry after the Retry-After seconds.",
)
SERVICE_UNAVAILABLE_TEMPLATE: Final = _fixed_template(
    "ServiceUnavailable",
    "SageMaker is unavailable. Retry after the Retry-After seconds.",
)
BAD_GATEWAY_TEMPLATE: Final = _fixed_template(
    "BadGateway",
    "The model endpoint failed to answer. Quote the requestId when you report it.",
)


@dataclass(frozen=True)
class ErrorMapping:
    """How one class of SageMaker answers reaches the client."""

    selection_pattern: str | None
    """Regex on SageMaker's status code; ``None``: the default response (success)."""
    status_code: str
    """Status the client gets (a template may override it, see ``overrides``)."""
    template: str | None
    """``application/json`` mapping template; ``None``: the body passes through."""
    retry_after_seconds: int | None = None
    overrides: tuple[str, ...] = field(default_factory=tuple)
    """Statuses the template may set through ``$context.responseOverride.status``."""


ERROR_MAPPING: Final = (
    ErrorMapping(None, "200", None),
    ErrorMapping("400", "400", VALIDATION_OR_THROTTLING_TEMPLATE, overrides=("429",)),
    ErrorMapping("413", "413", PAYLOAD_TOO_LARGE_TEMPLATE),
    ErrorMapping("424", "424", MODEL_ERROR_TEMPLATE),
    ErrorMapping(
        "429", "503", MODEL_NOT_READY_TEMPLATE, retry_after_seconds=RETRY_AFTER_NOT_READY_SECONDS
    ),
    ErrorMapping(
        "503",
        "503",
        SERVICE_UNAVAILABLE_TEMPLATE,
        retry_after_seconds=RETRY_AFTER_UNAVAILABLE_SECONDS,
    ),
    ErrorMapping("(?!400|413|424|429|503)[13-9]\\d{2}", "502", BAD_GATEWAY_TEMPLATE),
)
"""SageMaker status -> client status. The patterns are disjoint and cover every non-2xx
status, so no failure falls through to the default (200) response:

* 400 ``ValidationError`` -> 400; 400 ``ThrottlingException`` -> 429 + ``Retry-After``
* 413 -> 413; 424 ``ModelError`` -> 424 with the model's message and status
* 429 ``ModelNotReadyException`` -> 503 + ``Retry-After``; 503 ``ServiceUnavailable`` -> 503
* anything else (500 ``InternalFailure``, 530 ``InternalDependencyException``, 403...) -> 502
"""

GATEWAY_ERROR_TEMPLATE: Final = (
    '{"message":$context.error.messageString,"type":"$context.error.responseType",'
    '"requestId":"$context.requestId"}'
)
"""Body of API Gateway's own errors (simple substitution, not Velocity)."""
INTEGRATION_TIMEOUT_TEMPLATE: Final = (
    '{"message":"The model did not answer within the integration timeout. A cold start can'
    ' take longer: SageMaker keeps running the request; retry shortly.",'
    '"type":"$context.error.responseType","requestId":"$context.requestId"}'
)

_GATEWAY_RESPONSES: Final = (
    (apigw.ResponseType.DEFAULT_4_XX, None, GATEWAY_ERROR_TEMPLATE, None),
    (apigw.ResponseType.DEFAULT_5_XX, None, GATEWAY_ERROR_TEMPLATE, None),
    (apigw.ResponseType.THROTTLED, "429", GATEWAY_ERROR_TEMPLATE, RETRY_AFTER_THROTTLED_SECONDS),
    (apigw.ResponseType.QUOTA_EXCEEDED, "429", GATEWAY_ERROR_TEMPLATE, None),
    (apigw.ResponseType.ACCESS_DENIED, "403", GATEWAY_ERROR_TEMPLATE, None),
    (apigw.ResponseType.UNAUTHORIZED, "401", GATEWAY_ERROR_TEMPLATE, None),
    (apigw.ResponseType.REQUEST_TOO_LARGE, "413", GATEWAY_ERROR_TEMPLATE, None),
    (apigw.ResponseType.INTEGRATION_TIMEOUT, "504", INTEGRATION_TIMEOUT_TEMPLATE, None),
    (apigw.ResponseType.INTEGRATION_FAILURE, "502", GATEWAY_ERROR_TEMPLATE, None),
)
"""API Gateway's own errors: (type, status or None for its default, body, Retry-After)."""

ACCESS_LOG_FORMAT: Final = {
    "requestId": "$context.requestId",
    "extendedRequestId": "$context.extendedRequestId",
    "ip": "$context.identity.sourceIp",
    "caller": "$context.identity.caller",
    "user": "$context.identity.user",
    "apiKeyId": "$context.identity.apiKeyId",
    "requestTime": "$context.requestTime",
    "httpMethod": "$context.httpMethod",
    "resourcePath": "$context.resourcePath",
    "status": "$context.status",
    "protocol": "$context.protocol",
    "responseLength": "$context.responseLength",
    "responseLatency": "$context.responseLatency",
    "integrationStatus": "$context.integration.status",
    "integrationLatency": "$context.integration.latency",
    "integrationRequestId": "$context.integration.requestId",
    "errorType": "$context.error.responseType",
    "errorMessage": "$context.error.message",
    "userAgent": "$context.identity.userAgent",
}
"""One JSON object per request in the access log group."""


@dataclass(frozen=True)
class ApiAuth:
    """How callers of an ``InferenceApi`` authenticate. Build with the static methods."""

    mode: str
    """One of ``iam``, ``api_key``, ``cognito``, ``none``."""
    quota_limit: int | None = None
    quota_period: str = "DAY"
    rate_limit: float | None = None
    burst_limit: int | None = None
    user_pools: tuple[aws_cognito.IUserPool, ...] = ()
    scopes: tuple[str, ...] = ()

    @staticmethod
    def iam() -> "ApiAuth":
        """IAM: callers sign requests with SigV4 and need ``execute-api:Invoke`` (the default)."""
        return ApiAuth("iam")

    @staticmethod
    def api_key(
        *,
        quota_limit: int | None = None,
        quota_period: str = "DAY",
        rate_limit: float | None = None,
        burst_limit: int | None = None,
    ) -> "ApiAuth":
        """An API key (header ``x-api-key``) in a usage plan with a quota and a throttle.

        AWS advises against API keys as the only authorization: they identify callers for
        quotas. Default quota: none; ``quota_period``: ``DAY`` (or ``WEEK``, ``MONTH``);
        ``rate_limit``/``burst_limit``: the stage's limits.
        """
        return ApiAuth(
            "api_key",
            quota_limit=quota_limit,
            quota_period=quota_period,
            rate_limit=rate_limit,
            burst_limit=burst_limit,
        )

    @staticmethod
    def cognito(
        user_pools: Sequence[aws_cognito.IUserPool], *, scopes: Sequence[str] = ()
    ) -> "ApiAuth":
        """A Cognito user pool authorizer (``Authorization: <ID or access token>``).

        Default scopes: none (an ID token is accepted); with scopes, an access token
        carrying one of them is required.
        """
        return ApiAuth("cognito", user_pools=tuple(user_pools), scopes=tuple(scopes))

    @staticmethod
    def none() -> "ApiAuth":
        """No authorization at all: anyone who knows the URL can invoke (and bill) the model.

        An explicit opt-out for private tests; synthesis adds a warning annotation.
        """
        return ApiAuth("none")

    @staticmethod
    def from_mode(mode: str) -> "ApiAuth":
        """``iam``, ``api_key`` or ``none`` by name (``cognito`` needs user pools)."""
        if mode == "cognito":
            raise ValueError("ApiAuth.from_mode: mode cognito needs ApiAuth.cognito(user_pools)")
        if mode not in AUTH_MODES:
            raise ValueError(
                f"ApiAuth.from_mode: mode must be one of {', '.join(AUTH_MODES)}, got {mode!r}"
            )
        return ApiAuth(mode)


class InferenceApi(Construct):
    """A REST API in front of serverless endpoints, one ``POST`` route each, without Lambda.

    Example::

        api = InferenceApi(self, "Api", endpoint=endpoint)           # POST /v1/predict
        api.add_endpoint("models/other", other_endpoint)              # POST /v1/models/other

    :param endpoint: the endpoint of the first route.
    :param path: the first route, below the stage (``predict`` gives ``POST .../v1/predict``);
        segments of letters, digits, ``.``, ``_``, ``-`` separated by ``/``. Default: ``predict``.
    :param auth: how callers authenticate: an ``ApiAuth`` or a mode name (``iam``,
        ``api_key``, ``none``). Default: ``ApiAuth.iam()`` (SigV4).
    :param throttle_rate_limit: stage steady-state limit, requests per second (0 < r <= 10000).
        Default: 2 x the sum of the fronted endpoints' ``max_concurrency``.
    :param throttle_burst_limit: stage burst limit, requests (1..5000).
        Default: the sum of the fronted endpoints' ``max_concurrency``.
    :param binary_media_types: content types passed through as bytes. Default:
        ``application/octet-stream``, ``application/x-npy``, ``application/x-image``,
        ``image/*``, ``audio/*``.
    :param cors_allow_origin: one origin (``https://app.example.com``) or ``*`` allowed to
        call from a browser; adds OPTIONS preflight and CORS headers. Default: - no CORS.
    :param tracing_enabled: X-Ray tracing of the stage. Default: False.
    :param detailed_metrics: per-method CloudWatch metrics (dimensions ``ApiName``, ``Method``,
        ``Resource``, ``Stage``), billed by CloudWatch as custom metrics. The ``ApiName`` +
        ``Stage`` metrics that the alarms and ``metric_*()`` use are published without them,
        free. Default: False.
    :param log_retention: retention of the JSON access log group. Default: one month.
    :param integration_timeout: how long API Gateway waits for SageMaker (50 ms..60 s; above
        29 s only with ``endpoint_type`` ``REGIONAL`` and a raised API Gateway quota). A cold
        start that takes longer gives the client a 504 while SageMaker still runs (and bills)
        the request. Default: 29 seconds.
    :param stage_name: name of the stage, the first URL segment. Default: ``v1``.
    :param endpoint_type: ``REGIONAL`` or ``EDGE``. Default: ``REGIONAL``.
    :param cloud_watch_role: create the account-level role API Gateway writes logs with
        (``AWS::ApiGateway::Account``, one per account and region; retained on delete). Set
        False when the account already has one. Default: True.
    :param web_acl_arn: a WAFv2 web ACL (regional scope) to associate with the stage.
        Default: - no WAF (it is billed per ACL and request).
    :param api_name: name of the REST API (the ``ApiName`` metric dimension).
        Default: ``<stack name>-<construct id>``.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: ServerlessEndpoint,
        path: str = DEFAULT_PATH,
        auth: ApiAuth | str | None = None,
        throttle_rate_limit: float | None = None,
        throttle_burst_limit: int | None = None,
        binary_media_types: Sequence[str] | None = None,
        cors_allow_origin: str | None = None,
        tracing_enabled: bool = False,
        detailed_metrics: bool = False,
        log_retention: logs.RetentionDays = DEFAULT_LOG_RETENTION,
        integration_timeout: Duration = DEFAULT_INTEGRATION_TIMEOUT,
        stage_name: str = DEFAULT_STAGE_NAME,
        endpoint_type: apigw.EndpointType = apigw.EndpointType.REGIONAL,
        cloud_watch_role: bool = True,
        web_acl_arn: str | None = None,
        api_name: str | None = None,
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems("InferenceApi props")
        resolved_auth = _resolve_auth(problems, auth)
        media_types = (
            list(binary_media_types)
            if binary_media_types is not None
            else list(DEFAULT_BINARY_MEDIA_TYPES)
        )
        timeout_ms = integration_timeout.to_milliseconds()
        check_api_props(
            problems,
            path=path,
            throttle_rate_limit=throttle_rate_limit,
            throttle_burst_limit=throttle_burst_limit,
            binary_media_types=media_types,
            cors_allow_origin=cors_allow_origin,
            integration_timeout_ms=timeout_ms,
            stage_name=stage_name,
        )
        if resolved_auth is not None:
            check_auth(problems, resolved_auth)
        if web_acl_arn is not None:
            problems.check_pattern("web_acl_arn", web_acl_arn, WEB_ACL_ARN_PATTERN, 2048)
        if endpoint_type.value not in ENDPOINT_TYPES:
            problems.add(
                "endpoint_type", endpoint_type.value, "one of " + ", ".join(ENDPOINT_TYPES)
            )
        if (
            endpoint_type == apigw.EndpointType.EDGE
            and timeout_ms > MAX_EDGE_INTEGRATION_TIMEOUT_MS
        ):
            problems.add(
                "integration_timeout",
                f"{timeout_ms:g} ms with endpoint_type EDGE",
                f"at most {MAX_EDGE_INTEGRATION_TIMEOUT_MS // 1000} s when endpoint_type is EDGE "
                "(API Gateway allows longer integration timeouts for regional REST APIs only: "
                "use endpoint_type REGIONAL or a shorter integration_timeout)",
            )
        problems.raise_if_any()
        assert resolved_auth is not None
        self.auth = resolved_auth
        self._cors_allow_origin = cors_allow_origin
        self._integration_timeout = integration_timeout
        self._endpoints: list[ServerlessEndpoint] = []
        self.route_urls: dict[str, str] = {}
        """Invoke URL of each route, by route path."""

        self.access_log_group = logs.LogGroup(self, "AccessLogs", retention=log_retention)
        rate = (
            throttle_rate_limit
            if throttle_rate_limit is not None
            else Lazy.number(_NumberProducer(self._derived_rate_limit))
        )
        burst: int = (
            throttle_burst_limit
            if throttle_burst_limit is not None
            else typing.cast(int, Lazy.number(_NumberProducer(self._derived_burst_limit)))
        )
        self.throttle_rate_limit: float = rate
        """The stage's rate limit, requests per second (a token when derived)."""
        self.throttle_burst_limit: int = burst
        """The stage's burst limit (a token when derived)."""
        stack = Stack.of(self)
        self.rest_api = apigw.RestApi(
            self,
            "Resource",
            rest_api_name=api_name
            if api_name is not None
            else f"{stack.stack_name}-{construct_id}",
            description="Invokes SageMaker serverless endpoints (AWS integration, no Lambda)",
            endpoint_types=[endpoint_type],
            binary_media_types=media_types,
            cloud_watch_role=cloud_watch_role,
            deploy_options=apigw.StageOptions(
                stage_name=stage_name,
                throttling_rate_limit=rate,
                throttling_burst_limit=burst,
                metrics_enabled=detailed_metrics,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                tracing_enabled=tracing_enabled,
                access_log_destination=apigw.LogGroupLogDestination(self.access_log_group),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FORMAT)),
            ),
        )
        self.url: str = self.rest_api.url
        """URL of the stage (``https://<id>.execute-api.<region>.amazonaws.com/<stage>/``)."""
        self.stage = self.rest_api.deployment_stage
        self.stage_name = stage_name

        # No aws:SourceAccount/aws:SourceArn condition on the trust: API Gateway does not
        # document them for integration credentials and does not send aws:SourceAccount when
        # it assumes this role, so such a condition would fail every call
        # (docs/aws-behaviour.md, "IAM: execution roles and confused-deputy protection").
        self.role = iam.Role(
            self,
            "CredentialsRole",
            assumed_by=iam.ServicePrincipal("apigateway.amazonaws.com"),
            description="Lets API Gateway invoke the fronted SageMaker endpoints, nothing else",
        )
        # Body validation needs a model and bodies are free-form (the model validates them);
        # parameters are validated. Both flags on, as cdk-nag's APIG2 expects.
        self.request_validator = self.rest_api.add_request_validator(
            "RequestValidator", validate_request_body=True, validate_request_parameters=True
        )
        self._authorizer: apigw.IAuthorizer | None = None
        self.api_key: apigw.IApiKey | None = None
        self.usage_plan: apigw.UsagePlan | None = None
        self._configure_auth()
        self._add_gateway_responses()
        if web_acl_arn is not None:
            wafv2.CfnWebACLAssociation(
                self, "WebAcl", resource_arn=self.stage.stage_arn, web_acl_arn=web_acl_arn
            )
        self._acknowledge(cloud_watch_role=cloud_watch_role)
        self.add_endpoint(path, endpoint)

    # --- routes ------------------------------------------------------------------------------

    def add_endpoint(self, path: str, endpoint: ServerlessEndpoint) -> str:
        """Add a ``POST /<path>`` route invoking ``endpoint``; return the route's invoke URL.

        The credentials role gets ``sagemaker:InvokeEndpoint`` on ``endpoint`` only.
        Raises ``ValueError`` for a malformed or duplicate path.
        """
        problems = Problems("InferenceApi.add_endpoint")
        check_route_path(problems, "path", path)
        if path in self.route_urls:
            problems.add(
                "path", path, "a route not added yet (routes: " + ", ".join(self.route_urls) + ")"
            )
        problems.raise_if_any()

        endpoint.grant_invoke(self.role)
        self._endpoints.append(endpoint)
        self._redeploy_when_replaced(endpoint)
        integration = apigw.AwsIntegration(
            service="runtime.sagemaker",
            path=f"endpoints/{endpoint.endpoint_name}/invocations",
            integration_http_method="POST",
            options=apigw.IntegrationOptions(
                credentials_role=self.role,
                passthrough_behavior=apigw.PassthroughBehavior.WHEN_NO_TEMPLATES,
                request_parameters={
                    f"integration.request.header.{name}": f"method.request.header.{name}"
                    for name in FORWARDED_REQUEST_HEADERS
                },
                integration_responses=[self._integration_response(m) for m in ERROR_MAPPING],
                timeout=self._integration_timeout,
            ),
        )
        resource = self.rest_api.root.resource_for_path(path)
        if self._cors_allow_origin is not None:
            resource.add_cors_preflight(
                allow_origins=[self._cors_allow_origin],
                allow_methods=["POST", "OPTIONS"],
                allow_headers=[
                    *FORWARDED_REQUEST_HEADERS,
                    "Authorization",
                    "X-Amz-Date",
                    "X-Amz-Security-Token",
                    "X-Api-Key",
                ],
                expose_headers=list(CORS_EXPOSED_HEADERS),
            )
        auth = self.auth
        resource.add_method(
            "POST",
            integration,
            authorization_type=_AUTHORIZATION_TYPES[auth.mode],
            authorizer=self._authorizer,
            authorization_scopes=list(auth.scopes) or None,
            api_key_required=auth.mode == "api_key",
            request_validator=self.request_validator,
            request_parameters={
                f"method.request.header.{name}": False for name in FORWARDED_REQUEST_HEADERS
            },
            method_responses=self._method_responses(),
        )
        url = self.rest_api.url_for_path("/" + path)
        self.route_urls[path] = url
        return url

    def _redeploy_when_replaced(self, endpoint: ServerlessEndpoint) -> None:
        """Make the stage's deployment change whenever ``endpoint`` is replaced.

        The integration URI names the endpoint through ``GetAtt EndpointName``: CDK hashes
        that expression into the deployment's logical ID, not the name it resolves to at
        deploy time, so a new endpoint name alone would leave the stage on the old deployment,
        calling an endpoint that no longer exists. The endpoint is replaced when its logical
        ID or its ``EndpointName`` (its only create-only property) changes, so both go into
        the deployment's logical ID.
        """
        deployment = self.rest_api.latest_deployment
        assert deployment is not None  # the RestApi is created with deploy=True
        resource = endpoint.endpoint
        deployment.add_to_logical_id(
            {"endpoint": resource.logical_id, "endpointName": resource.endpoint_name}
        )

    def _integration_response(self, mapping: ErrorMapping) -> apigw.IntegrationResponse:
        parameters: dict[str, str] = {}
        if mapping.template is None:
            parameters["method.response.header.Content-Type"] = (
                "integration.response.header.Content-Type"
            )
        else:
            parameters["method.response.header.Content-Type"] = "'application/json'"
            parameters[f"method.response.header.{ERROR_TYPE_HEADER}"] = (
                "integration.response.header.x-amzn-ErrorType"
            )
        if mapping.retry_after_seconds is not None:
            parameters["method.response.header.Retry-After"] = f"'{mapping.retry_after_seconds}'"
        for name, value in self._cors_headers().items():
            parameters[f"method.response.header.{name}"] = f"'{value}'"
        return apigw.IntegrationResponse(
            status_code=mapping.status_code,
            selection_pattern=mapping.selection_pattern,
            response_parameters=parameters,
            response_templates=(
                {"application/json": mapping.template} if mapping.template is not None else None
            ),
            # A JSON error body is text: without this, a request whose Accept is one of the
            # binary media types makes API Gateway base64-decode it, and the client gets a 500.
            # The success response has no template and converts nothing: bytes stay bytes.
            content_handling=(
                apigw.ContentHandling.CONVERT_TO_TEXT if mapping.template is not None else None
            ),
        )

    def _cors_headers(self) -> dict[str, str]:
        """The CORS headers of every actual response (browsers read ``Expose-Headers`` there,
        not on the preflight), by name; none without CORS. ``Vary: Origin`` tells caches the
        answer depends on the origin unless every origin is allowed."""
        origin = self._cors_allow_origin
        if origin is None:
            return {}
        headers = {
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Expose-Headers": ",".join(CORS_EXPOSED_HEADERS),
        }
        if origin != "*":
            headers["Vary"] = "Origin"
        return headers

    def _method_responses(self) -> list[apigw.MethodResponse]:
        statuses = sorted(
            {m.status_code for m in ERROR_MAPPING} | {s for m in ERROR_MAPPING for s in m.overrides}
        )
        headers = ["Content-Type", "Retry-After", ERROR_TYPE_HEADER, *self._cors_headers()]
        return [
            apigw.MethodResponse(
                status_code=status,
                response_parameters={f"method.response.header.{h}": False for h in headers},
            )
            for status in statuses
        ]

    # --- auth, errors, findings ---------------------------------------------------------------

    def _configure_auth(self) -> None:
        auth = self.auth
        if auth.mode == "cognito":
            self._authorizer = apigw.CognitoUserPoolsAuthorizer(
                self, "Authorizer", cognito_user_pools=list(auth.user_pools)
            )
        elif auth.mode == "api_key":
            self.api_key = self.rest_api.add_api_key(
                "ApiKey", description="Key of the inference API's usage plan"
            )
            self.usage_plan = self.rest_api.add_usage_plan(
                "UsagePlan",
                description="Quota and throttle of the inference API's key",
                throttle=apigw.ThrottleSettings(
                    rate_limit=auth.rate_limit
                    if auth.rate_limit is not None
                    else self.throttle_rate_limit,
                    burst_limit=auth.burst_limit
                    if auth.burst_limit is not None
                    else self.throttle_burst_limit,
                ),
                quota=(
                    apigw.QuotaSettings(
                        limit=auth.quota_limit, period=apigw.Period[auth.quota_period]
                    )
                    if auth.quota_limit is not None
                    else None
                ),
                api_stages=[apigw.UsagePlanPerApiStage(api=self.rest_api, stage=self.stage)],
            )
            self.usage_plan.add_api_key(self.api_key)
        elif auth.mode == "none":
            Annotations.of(self).add_warning_v2(
                "serverless-inference:api-without-auth",
                "InferenceApi auth is 'none': anyone who finds the URL can invoke the model "
                "and you pay for it. Use IAM, an API key or Cognito outside of private tests.",
            )

    def _derived_rate_limit(self) -> float:
        return min(MAX_RATE_LIMIT, RATE_LIMIT_PER_CONCURRENCY * self._total_max_concurrency())

    def _derived_burst_limit(self) -> int:
        return min(MAX_BURST_LIMIT, BURST_LIMIT_PER_CONCURRENCY * self._total_max_concurrency())

    def _total_max_concurrency(self) -> int:
        return sum(endpoint.max_concurrency for endpoint in self._endpoints)

    def _add_gateway_responses(self) -> None:
        for response_type, status, template, retry_after in _GATEWAY_RESPONSES:
            headers = {name: f"'{value}'" for name, value in self._cors_headers().items()}
            if retry_after is not None:
                headers["Retry-After"] = f"'{retry_after}'"
            self.rest_api.add_gateway_response(
                _gateway_response_id(response_type),
                type=response_type,
                status_code=status,
                templates={"application/json": template},
                response_headers=headers or None,
            )

    def _acknowledge(self, *, cloud_watch_role: bool) -> None:
        """Acknowledge what this construct makes safe by design or what its props chose
        explicitly. WAF (``AwsSolutions-APIG3``) and a Cognito authorizer
        (``AwsSolutions-COG4``) are the app's decisions: they stay in the app's report."""
        mode = self.auth.mode
        if mode in ("api_key", "none"):
            nag.acknowledge(
                self,
                "AwsSolutions-APIG4",
                "auth=api_key chosen explicitly: every method requires an API key of a usage "
                "plan with a quota and throttle"
                if mode == "api_key"
                else "auth=none chosen explicitly as a documented opt-out; a synth warning "
                "annotation flags it",
            )
        if cloud_watch_role:
            nag.acknowledge(
                self,
                "AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/"
                "AmazonAPIGatewayPushToCloudWatchLogs]",
                "AWS's managed policy for API Gateway's account-level logging role, the one "
                "AWS documents for it; it can write only to CloudWatch Logs",
            )

    # --- metrics ------------------------------------------------------------------------------

    def metric(self, metric_name: str, **options: Any) -> cloudwatch.Metric:
        """A metric of this API's stage (namespace ``AWS/ApiGateway``, dimensions ``ApiName``
        and ``Stage``). Default: Sum over 1 minute; ``options`` win."""
        settings: dict[str, Any] = {"period": Duration.minutes(1), "statistic": "Sum", **options}
        return cloudwatch.Metric(
            namespace="AWS/ApiGateway",
            metric_name=metric_name,
            dimensions_map={
                "ApiName": self.rest_api.rest_api_name,
                "Stage": self.stage_name,
            },
            **settings,
        )

    def metric_count(self, **options: Any) -> cloudwatch.Metric:
        """Requests (``Count``). Default: Sum over 1 minute."""
        return self.metric("Count", **options)

    def metric_client_error(self, **options: Any) -> cloudwatch.Metric:
        """Client errors (``4XXError``, throttling included). Default: Sum over 1 minute."""
        return self.metric("4XXError", **options)

    def metric_server_error(self, **options: Any) -> cloudwatch.Metric:
        """Server errors (``5XXError``: model failures, timeouts). Default: Sum over 1 minute."""
        return self.metric("5XXError", **options)

    def metric_latency(self, **options: Any) -> cloudwatch.Metric:
        """Time from request to response, in ms (``Latency``). Default: Average over 1 minute."""
        return self.metric("Latency", **{"statistic": "Average", **options})

    def metric_integration_latency(self, **options: Any) -> cloudwatch.Metric:
        """Time SageMaker took, in ms (``IntegrationLatency``). Default: Average over 1 minute."""
        return self.metric("IntegrationLatency", **{"statistic": "Average", **options})


@jsii.implements(IStableNumberProducer)
class _NumberProducer:
    """A number computed at synthesis (after every route is added)."""

    def __init__(self, produce: Callable[[], float]) -> None:
        self._produce = produce

    def produce(self) -> float:
        return self._produce()


_AUTHORIZATION_TYPES: Final = {
    "iam": apigw.AuthorizationType.IAM,
    "api_key": apigw.AuthorizationType.NONE,
    "cognito": apigw.AuthorizationType.COGNITO,
    "none": apigw.AuthorizationType.NONE,
}


def _gateway_response_id(response_type: apigw.ResponseType) -> str:
    return "".join(part.capitalize() for part in response_type.response_type.split("_"))


def _resolve_auth(problems: Problems, auth: ApiAuth | str | None) -> ApiAuth | None:
    if auth is None:
        return ApiAuth.iam()
    if isinstance(auth, ApiAuth):
        return auth
    if auth == "cognito":
        problems.add("auth", auth, "ApiAuth.cognito(user_pools) for Cognito")
        return None
    if auth not in AUTH_MODES:
        problems.add("auth", auth, "an ApiAuth or one of iam, api_key, none")
        return None
    return ApiAuth(auth)


def check_route_path(problems: Problems, name: str, path: Any) -> None:
    """A route path: ``/``-separated segments, no leading or trailing slash, no parameters."""
    problems.check_pattern(name, path, ROUTE_PATH_PATTERN, ROUTE_PATH_MAX_LENGTH)


def check_auth(problems: Problems, auth: ApiAuth, prefix: str = "auth.") -> None:
    """Record problems of an ``ApiAuth``."""
    if auth.mode not in AUTH_MODES:
        problems.add(prefix + "mode", auth.mode, "one of " + ", ".join(AUTH_MODES))
    if auth.quota_limit is not None:
        problems.check_int_range(prefix + "quota_limit", auth.quota_limit, 1, 2_147_483_647)
    problems.check_one_of(prefix + "quota_period", auth.quota_period, QUOTA_PERIODS)
    check_throttle(problems, auth.rate_limit, auth.burst_limit, prefix)
    if auth.mode == "cognito" and not auth.user_pools:
        problems.add(prefix + "user_pools", [], "at least one user pool")


def check_throttle(
    problems: Problems, rate_limit: Any, burst_limit: Any, prefix: str = "throttle_"
) -> None:
    """Rate: a number above 0 and at most 10000; burst: a whole number from 1 to 5000."""
    if (
        rate_limit is not None
        and not is_token(rate_limit)
        and (
            isinstance(rate_limit, bool)
            or not isinstance(rate_limit, (int, float))
            or not 0 < rate_limit <= MAX_RATE_LIMIT
        )
    ):
        problems.add(
            prefix + "rate_limit", rate_limit, f"a number above 0 and at most {MAX_RATE_LIMIT:g}"
        )
    if burst_limit is not None:
        problems.check_int_range(prefix + "burst_limit", burst_limit, 1, MAX_BURST_LIMIT)


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
    """Record every problem with these ``InferenceApi`` props (shared with the app's config)."""
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


USER_POOL_ARN_PATTERN: Final = (
    r"^arn:aws[a-z-]*:cognito-idp:[a-z0-9-]+:\d{12}:userpool/[a-z0-9-]+_[0-9A-Za-z]+$"
)


def check_api_settings(
    problems: Problems,
    *,
    enabled: bool,
    auth: str,
    path: str,
    throttle_rate_limit: float | None,
    throttle_burst_limit: int | None,
    api_key_quota_limit: int | None,
    api_key_quota_period: str,
    cognito_user_pool_arn: str | None,
    cognito_scopes: Sequence[str],
    cors_allow_origin: str | None,
    binary_media_types: Sequence[str],
    tracing_enabled: bool,
    log_retention_days: int,
    integration_timeout_seconds: float,
    stage_name: str,
    cloud_watch_role: bool,
    web_acl_arn: str | None,
    detailed_metrics: bool = False,
) -> None:
    """Record problems of the app's ``api`` configuration section, named by key.
    ``detailed_metrics`` (a bool, nothing to check) is accepted before the section has it."""
    del enabled, tracing_enabled, cloud_watch_role, detailed_metrics
    check_api_props(
        problems,
        path=path,
        throttle_rate_limit=throttle_rate_limit,
        throttle_burst_limit=throttle_burst_limit,
        binary_media_types=binary_media_types,
        cors_allow_origin=cors_allow_origin,
        integration_timeout_ms=integration_timeout_seconds * 1000,
        stage_name=stage_name,
    )
    problems.check_one_of("auth", auth, AUTH_MODES)
    if api_key_quota_limit is not None:
        problems.check_int_range("api_key_quota_limit", api_key_quota_limit, 1, 2_147_483_647)
    problems.check_one_of("api_key_quota_period", api_key_quota_period, QUOTA_PERIODS)
    if auth == "cognito" and cognito_user_pool_arn is None:
        problems.add("cognito_user_pool_arn", None, "a user pool ARN when auth is cognito")
    if cognito_user_pool_arn is not None:
        problems.check_pattern(
            "cognito_user_pool_arn", cognito_user_pool_arn, USER_POOL_ARN_PATTERN, 2048
        )
    for index, scope in enumerate(cognito_scopes):
        problems.check_pattern(f"cognito_scopes[{index}]", scope, r"^\S+$", 256)
    problems.check_one_of("log_retention_days", log_retention_days, RETENTION_BY_DAYS)
    if web_acl_arn is not None:
        problems.check_pattern("web_acl_arn", web_acl_arn, WEB_ACL_ARN_PATTERN, 2048)
