"""``InferenceApi``: a REST API that calls SageMaker ``InvokeEndpoint`` directly.

No Lambda sits between API Gateway and an endpoint: each endpoint's route is an AWS service
integration with ``runtime.sagemaker`` (a fan-out route, ``add_fan_out``, is a Lambda proxy
integration of its ``ModelFanOut``, which calls the endpoints). The request body is passed
through unchanged (JSON, text or binary); ``Content-Type``, ``Accept`` and
``X-Amzn-SageMaker-Custom-Attributes`` are forwarded; SageMaker's errors keep their meaning and
API Gateway's own errors are JSON too (``api_responses``). The props are
``api_options.ApiOptions``; ``api_auth.ApiAuth`` says who may call.
"""

import json
import typing
from typing import Any, Final, Unpack

from aws_cdk import Annotations, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_wafv2 as wafv2
from constructs import Construct

from serverless_inference import nag
from serverless_inference.api_access_logs import AccessLogGroup, execution_log_group
from serverless_inference.api_auth import (
    ApiAuth,
    check_auth,
)
from serverless_inference.api_options import (
    DEFAULT_BINARY_MEDIA_TYPES,
    DEFAULT_INTEGRATION_TIMEOUT,
    DEFAULT_LOG_RETENTION,
    DEFAULT_PATH,
    DEFAULT_STAGE_NAME,
    ENDPOINT_TYPES,
    MAX_EDGE_INTEGRATION_TIMEOUT_MS,
    WEB_ACL_ARN_PATTERN,
    ApiOptions,
    check_api_props,
    check_route_path,
)
from serverless_inference.api_responses import (
    ACCESS_LOG_FORMAT,
    ERROR_MAPPING,
    GATEWAY_RESPONSES,
    cors_headers,
    gateway_response_id,
    integration_response,
    method_responses,
)
from serverless_inference.api_routes import (
    add_post_method,
    endpoint_throttle,
    route_throttle,
    smallest_route_throttle,
    throttle_method,
    usage_plan_throttle,
)
from serverless_inference.fan_out import ModelFanOut
from serverless_inference.fan_out_options import check_route_timeout
from serverless_inference.interfaces import IServerlessEndpoint, endpoint_resource
from serverless_inference.metric_statistics import COUNT, TYPICAL, new_metric
from serverless_inference.validation import Problems
from serverless_inference_runtime.error_answers import FORWARDED_REQUEST_HEADERS
from serverless_inference_runtime.limits import API_GATEWAY_NAMESPACE

METRIC_PERIOD: Final = Duration.minutes(1)
_MEANING: Final = {
    "Count": COUNT,
    "4XXError": COUNT,
    "5XXError": COUNT,
    "Latency": TYPICAL,
    "IntegrationLatency": TYPICAL,
}
"""What each API Gateway metric counts or measures, which picks its default statistic."""


class InferenceApi(Construct):
    """A REST API in front of serverless endpoints, one ``POST`` route each, without Lambda;
    fan-out routes answer for several endpoints at once.

    Example::

        api = InferenceApi(self, "Api", endpoint=endpoint)           # POST /v1/predict
        api.add_endpoint("models/other", other_endpoint)              # POST /v1/models/other
        both = ModelFanOut(self, "Both", required={"a": endpoint, "b": other_endpoint})
        api.add_fan_out("both", both)                                 # POST /v1/both

    :param endpoint: the endpoint of the first route: a ``ServerlessEndpoint``, or any
        ``IServerlessEndpoint`` (``ServerlessEndpoint.from_endpoint_attributes``).

    The other props are :class:`~serverless_inference.api_options.ApiOptions`.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint: IServerlessEndpoint,
        **options: Unpack[ApiOptions],
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems("InferenceApi props")
        problems.check_options(options, ApiOptions)
        path = options.get("path", DEFAULT_PATH)
        auth = options.get("auth", ApiAuth.iam())
        throttle_rate_limit = options.get("throttle_rate_limit")
        throttle_burst_limit = options.get("throttle_burst_limit")
        binary_media_types = options.get("binary_media_types")
        media_types = (
            list(binary_media_types)
            if binary_media_types is not None
            else list(DEFAULT_BINARY_MEDIA_TYPES)
        )
        cors_allow_origin = options.get("cors_allow_origin")
        integration_timeout = options.get("integration_timeout", DEFAULT_INTEGRATION_TIMEOUT)
        stage_name = options.get("stage_name", DEFAULT_STAGE_NAME)
        endpoint_type = options.get("endpoint_type", apigw.EndpointType.REGIONAL)
        web_acl_arn = options.get("web_acl_arn")
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
        if isinstance(auth, ApiAuth):
            check_auth(problems, auth)
        else:
            problems.add(
                "auth",
                auth,
                "an ApiAuth: ApiAuth.iam(), .api_key(...), .cognito(user_pools) or .none()",
            )
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
        self.auth = auth
        """How callers authenticate."""
        self._cors_allow_origin = cors_allow_origin
        self._cors = cors_headers(cors_allow_origin)
        self._integration_timeout = integration_timeout
        self._endpoints: list[IServerlessEndpoint] = []
        self._explicit_limits = (throttle_rate_limit, throttle_burst_limit)
        self._detailed_metrics = options.get("detailed_metrics", False)
        self.route_urls: dict[str, str] = {}
        """Invoke URL of each route, by route path."""
        self.route_throttles: dict[str, tuple[float, int]] = {}
        """Rate and burst limit of each route, by route path: API Gateway throttles each
        method on its own, so each route has a method setting with its own limits."""

        log_retention = options.get("log_retention", DEFAULT_LOG_RETENTION)
        self.access_log_group = logs.LogGroup(self, "AccessLogs", retention=log_retention)
        """The log group of the stage's JSON access logs."""
        smallest_rate, smallest_burst = smallest_route_throttle(self.route_throttles)
        rate = throttle_rate_limit if throttle_rate_limit is not None else smallest_rate
        burst = throttle_burst_limit if throttle_burst_limit is not None else smallest_burst
        self.throttle_rate_limit: float = rate
        """The stage's default rate limit (``/*``: the CORS preflights), requests per second:
        the explicit one, else the smallest route's (a token). See :attr:`route_throttles`."""
        self.throttle_burst_limit: int = burst
        """The stage's default burst limit, as :attr:`throttle_rate_limit`."""
        stack = Stack.of(self)
        api_name = options.get("api_name")
        cloud_watch_role = options.get("cloud_watch_role", True)
        self.rest_api = apigw.RestApi(
            self,
            "Resource",
            rest_api_name=api_name
            if api_name is not None
            else f"{stack.stack_name}-{construct_id}",
            description="Invokes SageMaker serverless endpoints",
            endpoint_types=[endpoint_type],
            binary_media_types=media_types,
            cloud_watch_role=cloud_watch_role,
            deploy_options=apigw.StageOptions(
                stage_name=stage_name,
                throttling_rate_limit=rate,
                throttling_burst_limit=burst,
                metrics_enabled=self._detailed_metrics,
                logging_level=apigw.MethodLoggingLevel.ERROR,
                data_trace_enabled=False,
                tracing_enabled=options.get("tracing_enabled", False),
                access_log_destination=AccessLogGroup(self.access_log_group),
                access_log_format=apigw.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FORMAT)),
            ),
        )
        """The REST API."""
        self.url: str = self.rest_api.url
        """URL of the stage (``https://<id>.execute-api.<region>.amazonaws.com/<stage>/``)."""
        self.stage = self.rest_api.deployment_stage
        """The stage every route is deployed to."""
        self.stage_name = stage_name
        """The stage's name, the first segment of every URL."""
        self.execution_log_group = execution_log_group(self, self.stage, stage_name, log_retention)
        """The stage's execution-log group, created before the stage, deleted with the stack."""

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
        """The credentials role API Gateway assumes: it may invoke the fronted endpoints only."""
        # Body validation needs a model and bodies are free-form (the model validates them);
        # parameters are validated. Both flags on, as cdk-nag's APIG2 expects.
        self.request_validator = self.rest_api.add_request_validator(
            "RequestValidator", validate_request_body=True, validate_request_parameters=True
        )
        """The request validator of every route (parameters; bodies go to the model as they are)."""
        self._authorizer: apigw.IAuthorizer | None = None
        self.api_key: apigw.IApiKey | None = None
        """The API key of ``ApiAuth.api_key(...)``, else ``None``."""
        self.usage_plan: apigw.UsagePlan | None = None
        """The usage plan (quota, throttle) of ``ApiAuth.api_key(...)``, else ``None``."""
        self._configure_auth()
        self._add_gateway_responses()
        if web_acl_arn is not None:
            wafv2.CfnWebACLAssociation(
                self, "WebAcl", resource_arn=self.stage.stage_arn, web_acl_arn=web_acl_arn
            )
        self._acknowledge(cloud_watch_role=cloud_watch_role)
        self.add_endpoint(path, endpoint)

    # --- routes ------------------------------------------------------------------------------

    def add_endpoint(self, path: str, endpoint: IServerlessEndpoint) -> str:
        """Add a ``POST /<path>`` route invoking ``endpoint`` (built here or imported); return
        the route's invoke URL.

        The credentials role gets ``sagemaker:InvokeEndpoint`` on ``endpoint`` only.
        Raises ``ValueError`` for a malformed or duplicate path.
        """
        problems = Problems("InferenceApi.add_endpoint")
        self._check_new_route(problems, path)
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
                integration_responses=[integration_response(m, self._cors) for m in ERROR_MAPPING],
                timeout=self._integration_timeout,
            ),
        )
        url = self._add_route(path, integration, method_responses(self._cors))
        self._throttle_route(
            path, endpoint_throttle(endpoint.max_concurrency, *self._explicit_limits)
        )
        return url

    def add_fan_out(self, path: str, fan_out: ModelFanOut) -> str:
        """Add a ``POST /<path>`` route answered by ``fan_out`` (Lambda proxy integration, with
        the API's auth, validation, JSON errors and CORS); return its invoke URL.

        A request takes one concurrency slot of every member, so the route is throttled to
        what the member with the smallest ``max_concurrency`` serves (the stage's rates per
        unit of concurrency, at most an explicit stage throttle). API Gateway may invoke the
        function through this method and stage only. Raises ``ValueError`` for a malformed or
        duplicate path, a fan-out with a route already, or a deadline the integration timeout
        cannot wait for.
        """
        problems = Problems("InferenceApi.add_fan_out")
        self._check_new_route(problems, path)
        if fan_out.route_url is not None:
            problems.add(
                "fan_out", fan_out.node.path, "a ModelFanOut without a route (it has one already)"
            )
        check_route_timeout(
            problems,
            deadline_ms=fan_out.deadline.to_milliseconds(),
            integration_timeout_ms=self._integration_timeout.to_milliseconds(),
        )
        problems.raise_if_any()

        fan_out.add_response_headers(self._cors)
        fan_out.answer_within(self._integration_timeout)
        integration = apigw.LambdaIntegration(
            fan_out.function,
            proxy=True,
            allow_test_invoke=False,
            timeout=self._integration_timeout,
        )
        url = self._add_route(path, integration, None)
        self._throttle_route(
            path, route_throttle(fan_out.min_member_concurrency, *self._explicit_limits)
        )
        fan_out.route_url = url
        return url

    def _check_new_route(self, problems: Problems, path: str) -> None:
        check_route_path(problems, "path", path)
        if path in self.route_urls:
            problems.add(
                "path", path, "a route not added yet (routes: " + ", ".join(self.route_urls) + ")"
            )

    def _add_route(
        self,
        path: str,
        integration: apigw.Integration,
        responses: list[apigw.MethodResponse] | None,
    ) -> str:
        """``POST /<path>`` with the API's auth, validation and CORS preflight; its URL."""
        add_post_method(
            self.rest_api.root.resource_for_path(path),
            integration,
            auth=self.auth,
            authorizer=self._authorizer,
            validator=self.request_validator,
            cors_allow_origin=self._cors_allow_origin,
            responses=responses,
        )
        url = self.rest_api.url_for_path("/" + path)
        self.route_urls[path] = url
        return url

    def _throttle_route(self, path: str, limits: tuple[float, int]) -> None:
        """``POST /<path>`` throttled to ``limits`` (rate, burst: a method setting of its own)."""
        rate, burst = limits
        throttle_method(
            typing.cast(apigw.CfnStage, self.stage.node.default_child),
            path,
            rate=rate,
            burst=burst,
            detailed_metrics=self._detailed_metrics,
            added_before=len(self.route_throttles),
        )
        self.route_throttles[path] = (rate, burst)

    def _redeploy_when_replaced(self, endpoint: IServerlessEndpoint) -> None:
        """Make the stage's deployment change whenever ``endpoint`` is replaced.

        The integration URI names an endpoint of this app through ``GetAtt EndpointName``:
        CDK hashes that expression into the deployment's logical ID, not the name it resolves
        to at deploy time, so a new endpoint name alone would leave the stage on the old
        deployment, calling an endpoint that no longer exists. Such an endpoint is replaced
        when its logical ID or its ``EndpointName`` (its only create-only property) changes, so
        both go into the deployment's logical ID. An imported endpoint's name is in the URI
        as it is: a new name already makes a new deployment.
        """
        resource = endpoint_resource(endpoint)
        if resource is None:
            return
        deployment = self.rest_api.latest_deployment
        assert deployment is not None  # the RestApi is created with deploy=True
        deployment.add_to_logical_id(
            {"endpoint": resource.logical_id, "endpointName": resource.endpoint_name}
        )

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
                throttle=usage_plan_throttle(
                    auth,
                    *self._explicit_limits,
                    lambda: sum(endpoint.max_concurrency for endpoint in self._endpoints),
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

    def _add_gateway_responses(self) -> None:
        for response_type, status, template, retry_after in GATEWAY_RESPONSES:
            headers = {name: f"'{value}'" for name, value in self._cors.items()}
            if retry_after is not None:
                headers["Retry-After"] = f"'{retry_after}'"
            self.rest_api.add_gateway_response(
                gateway_response_id(response_type),
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
        and ``Stage``). Default period: 1 minute; default statistic: the one the metric
        helpers document (``Sum`` for metrics they do not know). ``options`` win."""
        return new_metric(
            API_GATEWAY_NAMESPACE,
            metric_name,
            {"ApiName": self.rest_api.rest_api_name, "Stage": self.stage_name},
            period=METRIC_PERIOD,
            preferred=_MEANING.get(metric_name, COUNT),
            options=options,
        )

    def metric_count(self, **options: Any) -> cloudwatch.Metric:
        """Requests (``Count``). Default: SampleCount over 1 minute (what API Gateway
        documents for this metric: every request is a data point of value 0 or 1)."""
        return self.metric("Count", **options)

    def metric_client_error(self, **options: Any) -> cloudwatch.Metric:
        """Client errors (``4XXError``, throttling included). Default: Sum over 1 minute."""
        return self.metric("4XXError", **options)

    def metric_server_error(self, **options: Any) -> cloudwatch.Metric:
        """Server errors (``5XXError``: model failures, timeouts). Default: Sum over 1 minute."""
        return self.metric("5XXError", **options)

    def metric_latency(self, **options: Any) -> cloudwatch.Metric:
        """Time from request to response, in ms (``Latency``). Default: Average over 1 minute."""
        return self.metric("Latency", **options)

    def metric_integration_latency(self, **options: Any) -> cloudwatch.Metric:
        """Time SageMaker took, in ms (``IntegrationLatency``). Default: Average over 1 minute."""
        return self.metric("IntegrationLatency", **options)
