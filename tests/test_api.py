"""InferenceApi: template assertions, validation, auth modes, metrics and the default app."""

import json
import typing
from collections.abc import Mapping
from functools import cache
from typing import Any

import pytest
from aws_cdk import CfnElement, Duration, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito as cognito
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Annotations, Match, Template

from serverless_inference import ApiAuth, ContainerImage, InferenceApi, ServerlessEndpoint
from serverless_inference.endpoint import LOG_RETENTION_FUNCTION_ID
from stacks.config import load_config
from tests.cdk_helpers import build_default_app, cdk_json_context, new_stack, resources_of_type
from tests.conftest import SynthesizedApp
from tests.test_api_vtl import iam_api, synth_checked

USER_POOL_ARN = "arn:aws:cognito-idp:eu-west-1:123456789012:userpool/eu-west-1_AbCdEf123"
WEB_ACL_ARN = (
    "arn:aws:wafv2:eu-west-1:123456789012:regional/webacl/inference/"
    "a1b2c3d4-5678-90ab-cdef-0123456789ab"
)


def endpoint(stack: Stack, construct_id: str = "Endpoint", **props: Any) -> ServerlessEndpoint:
    return ServerlessEndpoint(
        stack, construct_id, image=ContainerImage.hugging_face_inference(), **props
    )


@cache
def custom_api() -> tuple[InferenceApi, Template]:
    """Every optional prop set: API key auth, throttles, tracing, detailed metrics, WAF, no
    account role."""
    stack = new_stack()
    api = InferenceApi(
        stack,
        "Api",
        endpoint=endpoint(stack),
        path="v2/sentiment",
        auth=ApiAuth.api_key(quota_limit=10000, quota_period="MONTH", rate_limit=5, burst_limit=2),
        throttle_rate_limit=50,
        throttle_burst_limit=20,
        binary_media_types=["application/x-protobuf"],
        tracing_enabled=True,
        detailed_metrics=True,
        log_retention=logs.RetentionDays.ONE_WEEK,
        integration_timeout=Duration.seconds(10),
        stage_name="prod",
        endpoint_type=apigw.EndpointType.EDGE,
        cloud_watch_role=False,
        web_acl_arn=WEB_ACL_ARN,
        api_name="custom-inference",
    )
    return api, synth_checked(stack)


@cache
def other_auth_apis() -> tuple[Stack, Template]:
    """A Cognito-authorized API and an unauthenticated one (the opt-out), in one stack."""
    stack = new_stack()
    pool = cognito.UserPool.from_user_pool_arn(stack, "Pool", USER_POOL_ARN)
    InferenceApi(
        stack,
        "Cognito",
        endpoint=endpoint(stack, "CognitoEndpoint"),
        auth=ApiAuth.cognito([pool], scopes=["inference/invoke"]),
    )
    InferenceApi(stack, "Open", endpoint=endpoint(stack, "OpenEndpoint"), auth=ApiAuth.none())
    return stack, synth_checked(stack)


def problems_of(**props: Any) -> list[str]:
    """The problems listed, one a line, by the ``ValueError`` of an API with these props."""
    stack = new_stack()
    with pytest.raises(ValueError) as raised:
        InferenceApi(stack, "Api", endpoint=endpoint(stack), **props)
    header, *problems = str(raised.value).splitlines()
    assert header == "Invalid InferenceApi props:"
    assert all(problem.startswith("  - ") for problem in problems)
    return [problem.removeprefix("  - ") for problem in problems]


def methods(template: Template, http_method: str = "POST") -> list[dict[str, Any]]:
    found = template.find_resources(
        "AWS::ApiGateway::Method", {"Properties": {"HttpMethod": http_method}}
    )
    return [resource["Properties"] for resource in found.values()]


def only(resources: Mapping[str, Any]) -> dict[str, Any]:
    (resource,) = resources.values()
    return dict(resource["Properties"])


# --- integration: SageMaker InvokeEndpoint, no Lambda ----------------------------------------


def test_post_routes_integrate_invoke_endpoint_directly() -> None:
    _, template = iam_api()
    posts = methods(template)
    assert len(posts) == 2
    endpoint_ids = sorted(resources_of_type(template, "AWS::SageMaker::Endpoint"))
    called = []
    for method in posts:
        integration = method["Integration"]
        assert integration["Type"] == "AWS"
        assert integration["IntegrationHttpMethod"] == "POST"
        parts = integration["Uri"]["Fn::Join"][1]
        assert parts[2] == ":apigateway:"
        assert parts[4] == ":runtime.sagemaker:path/endpoints/"
        assert parts[6] == "/invocations"
        assert parts[5]["Fn::GetAtt"][1] == "EndpointName"
        called.append(parts[5]["Fn::GetAtt"][0])
    assert sorted(called) == endpoint_ids


def test_no_lambda_between_api_and_endpoint() -> None:
    _, template = iam_api()
    # the only function is the endpoints' log retention, never in the request path
    functions = resources_of_type(template, "AWS::Lambda::Function")
    assert [f.startswith(LOG_RETENTION_FUNCTION_ID) for f in functions] == [True]
    for method in methods(template):
        assert method["Integration"]["Type"] not in ("AWS_PROXY", "HTTP_PROXY")


def test_body_passes_through_and_headers_are_forwarded() -> None:
    _, template = iam_api()
    for method in methods(template):
        integration = method["Integration"]
        assert integration["PassthroughBehavior"] == "WHEN_NO_TEMPLATES"
        assert "RequestTemplates" not in integration
        assert "ContentHandling" not in integration  # binary stays binary, text stays text
        assert integration["RequestParameters"] == {
            "integration.request.header.Content-Type": "method.request.header.Content-Type",
            "integration.request.header.Accept": "method.request.header.Accept",
            "integration.request.header.X-Amzn-SageMaker-Custom-Attributes": (
                "method.request.header.X-Amzn-SageMaker-Custom-Attributes"
            ),
        }
        assert method["RequestParameters"] == {
            "method.request.header.Content-Type": False,
            "method.request.header.Accept": False,
            "method.request.header.X-Amzn-SageMaker-Custom-Attributes": False,
        }


def test_every_integration_response_with_its_pattern_status_and_headers() -> None:
    _, template = iam_api()
    cors = {
        "method.response.header.Access-Control-Allow-Origin": "'https://app.example.com'",
        "method.response.header.Access-Control-Expose-Headers": (
            "'Retry-After,X-SageMaker-Error-Type'"
        ),
        "method.response.header.Vary": "'Origin'",
    }
    error_headers = {
        "method.response.header.Content-Type": "'application/json'",
        "method.response.header.X-SageMaker-Error-Type": (
            "integration.response.header.x-amzn-ErrorType"
        ),
        **cors,
    }
    expected = [
        (
            None,
            "200",
            {
                "method.response.header.Content-Type": "integration.response.header.Content-Type",
                **cors,
            },
        ),
        ("400", "400", error_headers),
        ("413", "413", error_headers),
        ("424", "424", error_headers),
        ("429", "503", {**error_headers, "method.response.header.Retry-After": "'10'"}),
        ("503", "503", {**error_headers, "method.response.header.Retry-After": "'5'"}),
        ("(?!400|413|424|429|503)[13-9]\\d{2}", "502", error_headers),
    ]
    for method in methods(template):
        got = [
            (r.get("SelectionPattern"), r["StatusCode"], r["ResponseParameters"])
            for r in method["Integration"]["IntegrationResponses"]
        ]
        assert got == expected
        declared = {r["StatusCode"] for r in method["MethodResponses"]}
        assert declared == {"200", "400", "413", "424", "429", "502", "503"}


def test_integration_timeout_above_29_seconds_is_allowed_up_to_sagemakers_60() -> None:
    stack = new_stack()
    InferenceApi(stack, "Api", endpoint=endpoint(stack), integration_timeout=Duration.seconds(60))
    (method,) = methods(Template.from_stack(stack))
    assert method["Integration"]["TimeoutInMillis"] == 60000


@pytest.mark.parametrize(
    "timeout", [Duration.millis(29_001), Duration.seconds(30), Duration.seconds(60)]
)
def test_fails_when_an_edge_api_waits_longer_than_29_seconds(timeout: Duration) -> None:
    """Integration timeouts above 29 s are for regional (and private) REST APIs only: an EDGE
    API would synthesize and then fail on deploy."""
    (problem,) = problems_of(endpoint_type=apigw.EndpointType.EDGE, integration_timeout=timeout)
    assert problem.startswith("integration_timeout must be at most 29 s when endpoint_type")
    assert "is EDGE" in problem and "use endpoint_type REGIONAL" in problem
    assert problem.endswith(f"got '{timeout.to_milliseconds():g} ms with endpoint_type EDGE'")


def test_an_edge_api_may_wait_29_seconds() -> None:
    stack = new_stack()
    InferenceApi(
        stack,
        "Api",
        endpoint=endpoint(stack),
        endpoint_type=apigw.EndpointType.EDGE,
        integration_timeout=Duration.seconds(29),
    )
    (method,) = methods(Template.from_stack(stack))
    assert method["Integration"]["TimeoutInMillis"] == 29000


def test_integration_timeout_defaults_to_29_seconds() -> None:
    _, template = iam_api()
    assert {m["Integration"]["TimeoutInMillis"] for m in methods(template)} == {29000}
    _, custom = custom_api()
    assert [m["Integration"]["TimeoutInMillis"] for m in methods(custom)] == [10000]


# --- credentials role --------------------------------------------------------------------------


def test_credentials_role_may_invoke_exactly_the_fronted_endpoints() -> None:
    """Trusted by API Gateway without a source condition, which API Gateway does not send for
    integration credentials (docs/aws-behaviour.md); allowed to invoke the endpoints only."""
    _, template = iam_api()
    role_id = methods(template)[0]["Integration"]["Credentials"]["Fn::GetAtt"][0]
    role = template.to_json()["Resources"][role_id]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
        }
    ]
    assert "ManagedPolicyArns" not in role
    policies = [
        p
        for p in resources_of_type(template, "AWS::IAM::Policy").values()
        if p["Properties"]["Roles"] == [{"Ref": role_id}]
    ]
    (policy,) = policies
    statements = policy["Properties"]["PolicyDocument"]["Statement"]
    endpoints = sorted(resources_of_type(template, "AWS::SageMaker::Endpoint"))
    assert sorted(statements, key=lambda s: s["Resource"]["Ref"]) == [
        {"Action": "sagemaker:InvokeEndpoint", "Effect": "Allow", "Resource": {"Ref": e}}
        for e in endpoints
    ]


# --- auth -------------------------------------------------------------------------------------


def test_iam_auth_on_every_method_by_default() -> None:
    _, template = iam_api()
    for method in methods(template):
        assert method["AuthorizationType"] == "AWS_IAM"
        assert method["ApiKeyRequired"] is False
    template.resource_count_is("AWS::ApiGateway::UsagePlan", 0)
    template.resource_count_is("AWS::ApiGateway::Authorizer", 0)


def test_cors_preflight_is_the_only_unauthenticated_method() -> None:
    _, template = iam_api()
    for options in methods(template, "OPTIONS"):
        assert options["AuthorizationType"] == "NONE"
        headers = options["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
        assert headers["method.response.header.Access-Control-Allow-Origin"] == (
            "'https://app.example.com'"
        )
    assert len(methods(template, "OPTIONS")) == 2


def test_cors_preflight_allows_the_headers_of_every_auth_mode_and_browser_sigv4() -> None:
    _, template = iam_api()
    for options in methods(template, "OPTIONS"):
        headers = options["Integration"]["IntegrationResponses"][0]["ResponseParameters"]
        allowed = headers["method.response.header.Access-Control-Allow-Headers"]
        assert allowed.startswith("'") and allowed.endswith("'")
        # SigV4 signed in a browser: the signature, its date, the session token of temporary
        # credentials, the payload hash and the SDK's user agent; an API key; the forwarded
        # SageMaker headers
        assert set(allowed.strip("'").split(",")) == {
            "Authorization",
            "X-Amz-Date",
            "X-Amz-Security-Token",
            "X-Amz-Content-Sha256",
            "X-Amz-User-Agent",
            "X-Api-Key",
            "Content-Type",
            "Accept",
            "X-Amzn-SageMaker-Custom-Attributes",
        }
        # every header CDK allows by default is among them
        assert set(apigw.Cors.DEFAULT_HEADERS) <= set(allowed.strip("'").split(","))


CORS_HEADERS = {
    "Access-Control-Allow-Origin": "'https://app.example.com'",
    "Access-Control-Expose-Headers": "'Retry-After,X-SageMaker-Error-Type'",
    "Vary": "'Origin'",
}
"""What every actual response of the CORS-enabled API carries, as API Gateway static values."""


def cors_headers(parameters: Mapping[str, str], prefix: str) -> dict[str, str]:
    """The CORS headers (and ``Vary``) among response parameters named ``<prefix><header>``."""
    return {
        name.removeprefix(prefix): value
        for name, value in parameters.items()
        if name.removeprefix(prefix).startswith("Access-Control-") or name == f"{prefix}Vary"
    }


def test_cors_headers_on_every_post_response_and_gateway_response() -> None:
    """Browsers read ``Access-Control-Expose-Headers`` (``Retry-After``,
    ``X-SageMaker-Error-Type``) on the actual response only, never on the preflight."""
    _, template = iam_api()
    prefix = "method.response.header."
    for method in methods(template):
        for response in method["Integration"]["IntegrationResponses"]:
            assert cors_headers(response["ResponseParameters"], prefix) == CORS_HEADERS
        for declared in method["MethodResponses"]:
            assert set(CORS_HEADERS) <= {
                name.removeprefix(prefix) for name in declared["ResponseParameters"]
            }
    gateway_responses = template.find_resources("AWS::ApiGateway::GatewayResponse").values()
    for gateway_response in gateway_responses:
        parameters = gateway_response["Properties"]["ResponseParameters"]
        assert cors_headers(parameters, "gatewayresponse.header.") == CORS_HEADERS


def test_cors_for_every_origin_has_no_vary_and_no_cors_has_no_headers() -> None:
    stack = new_stack()
    InferenceApi(stack, "Api", endpoint=endpoint(stack), cors_allow_origin="*")
    any_origin = Template.from_stack(stack)
    _, without_cors = custom_api()
    expected = {
        "Access-Control-Allow-Origin": "'*'",
        "Access-Control-Expose-Headers": "'Retry-After,X-SageMaker-Error-Type'",
    }
    for template, headers in ((any_origin, expected), (without_cors, {})):
        (method,) = methods(template)
        for response in method["Integration"]["IntegrationResponses"]:
            parameters = response["ResponseParameters"]
            assert cors_headers(parameters, "method.response.header.") == headers
        for gateway_response in template.find_resources(
            "AWS::ApiGateway::GatewayResponse"
        ).values():
            parameters = gateway_response["Properties"].get("ResponseParameters", {})
            assert cors_headers(parameters, "gatewayresponse.header.") == headers


def test_api_key_auth_with_usage_plan_quota_and_throttle() -> None:
    api, template = custom_api()
    (method,) = methods(template)
    assert method["ApiKeyRequired"] is True
    assert method["AuthorizationType"] == "NONE"
    plan = only(template.find_resources("AWS::ApiGateway::UsagePlan"))
    assert plan["Quota"] == {"Limit": 10000, "Period": "MONTH"}
    assert plan["Throttle"] == {"RateLimit": 5, "BurstLimit": 2}
    ((stage_id, _),) = template.find_resources("AWS::ApiGateway::Stage").items()
    ((api_id, _),) = template.find_resources("AWS::ApiGateway::RestApi").items()
    (api_stage,) = plan["ApiStages"]
    assert (api_stage["ApiId"], api_stage["Stage"]) == ({"Ref": api_id}, {"Ref": stage_id})
    template.resource_count_is("AWS::ApiGateway::ApiKey", 1)
    template.resource_count_is("AWS::ApiGateway::UsagePlanKey", 1)
    assert api.api_key is not None and api.usage_plan is not None


def test_api_key_usage_plan_throttle_defaults_to_every_route_together() -> None:
    """A usage plan's throttle applies to a key's requests to every method of the stage: it
    defaults to what the endpoints serve together (4 + 2), while each route keeps its own."""
    stack = new_stack()
    api = InferenceApi(
        stack, "Api", endpoint=endpoint(stack, max_concurrency=4), auth=ApiAuth.api_key()
    )
    api.add_endpoint("other", endpoint(stack, "Other", max_concurrency=2))
    template = Template.from_stack(stack)
    plan = only(template.find_resources("AWS::ApiGateway::UsagePlan"))
    assert plan["Throttle"] == {"RateLimit": 12, "BurstLimit": 6}
    assert "Quota" not in plan
    default, *_ = only(template.find_resources("AWS::ApiGateway::Stage"))["MethodSettings"]
    assert (default["ThrottlingRateLimit"], default["ThrottlingBurstLimit"]) == (4, 2)


def test_cognito_authorizer_with_scopes() -> None:
    _, template = other_auth_apis()
    authorizer = only(template.find_resources("AWS::ApiGateway::Authorizer"))
    assert authorizer["Type"] == "COGNITO_USER_POOLS"
    assert authorizer["ProviderARNs"] == [USER_POOL_ARN]
    template.has_resource_properties(
        "AWS::ApiGateway::Method",
        {
            "HttpMethod": "POST",
            "AuthorizationType": "COGNITO_USER_POOLS",
            "AuthorizationScopes": ["inference/invoke"],
            "AuthorizerId": {"Ref": Match.any_value()},
        },
    )


def test_auth_none_is_an_explicit_opt_out_with_a_warning() -> None:
    stack, template = other_auth_apis()
    assert sorted(m["AuthorizationType"] for m in methods(template)) == [
        "COGNITO_USER_POOLS",
        "NONE",
    ]
    warnings = Annotations.from_stack(stack).find_warning(
        "/TestStack/Open", Match.string_like_regexp("auth is 'none'")
    )
    assert len(warnings) == 1
    assert not Annotations.from_stack(stack).find_warning(
        "/TestStack/Cognito", Match.string_like_regexp("auth is 'none'")
    )


@pytest.mark.parametrize("mode", ["iam", "api_key", "none", "cognito", "sigv4"])
def test_fails_when_auth_is_a_mode_name(mode: str) -> None:
    # The string form was accepted before; the app's configuration now converts its own.
    stack = new_stack()
    with pytest.raises(
        ValueError,
        match=r"auth must be an ApiAuth: ApiAuth\.iam\(\), \.api_key\(\.\.\.\), "
        rf"\.cognito\(user_pools\) or \.none\(\), got '{mode}'",
    ):
        InferenceApi(stack, "Api", endpoint=endpoint(stack), auth=mode)  # type: ignore[arg-type]


# --- stage: throttling, logging, tracing -----------------------------------------------------


def test_each_route_is_throttled_by_its_own_endpoints_max_concurrency() -> None:
    """API Gateway applies a stage's throttle to each method on its own: each route gets the
    limits its endpoint can serve (burst = max concurrency, what SageMaker runs at once; rate
    2 x that per second), and the stage-wide default is the smallest route's, not the sum."""
    api, template = iam_api()
    stage = only(template.find_resources("AWS::ApiGateway::Stage"))
    default, first, second = stage["MethodSettings"]
    assert (default["HttpMethod"], default["ResourcePath"]) == ("*", "/*")
    assert (default["ThrottlingRateLimit"], default["ThrottlingBurstLimit"]) == (6, 3)
    for setting, path, concurrency in (
        (first, "/~1predict", 5),
        (second, "/~1models~1other", 3),
    ):
        assert (setting["HttpMethod"], setting["ResourcePath"]) == ("POST", path)
        assert setting["ThrottlingRateLimit"] == 2 * concurrency
        assert setting["ThrottlingBurstLimit"] == concurrency
    for setting in (default, first, second):
        assert setting["LoggingLevel"] == "ERROR"
        assert setting["MetricsEnabled"] is False  # detailed (per-method) metrics are billed
        assert setting["DataTraceEnabled"] is False
    assert api.route_throttles == {"predict": (10, 5), "models/other": (6, 3)}
    assert stage["TracingEnabled"] is False
    assert stage["StageName"] == "v1"


def test_explicit_throttle_tracing_detailed_metrics_and_stage_name_win() -> None:
    _, template = custom_api()
    stage = only(template.find_resources("AWS::ApiGateway::Stage"))
    for settings in stage["MethodSettings"]:  # the default and the route's
        assert (settings["ThrottlingRateLimit"], settings["ThrottlingBurstLimit"]) == (50, 20)
        assert settings["MetricsEnabled"] is True
    assert stage["TracingEnabled"] is True
    assert stage["StageName"] == "prod"


def test_json_access_logs_to_a_log_group_with_retention() -> None:
    _, template = iam_api()
    stage = only(template.find_resources("AWS::ApiGateway::Stage"))
    log_format = json.loads(stage["AccessLogSetting"]["Format"])
    assert log_format["requestId"] == "$context.requestId"
    assert log_format["status"] == "$context.status"
    assert log_format["integrationStatus"] == "$context.integration.status"
    # The group's ARN as API Gateway documents it, ending in the group's name: not its Arn
    # attribute, which ends in ":*" (whatever the app's feature flags say)
    _, parts = stage["AccessLogSetting"]["DestinationArn"]["Fn::Join"]
    assert parts[-2] == ":log-group:"
    log_group_id = parts[-1]["Ref"]
    log_group = template.to_json()["Resources"][log_group_id]
    assert log_group["Properties"]["RetentionInDays"] == 30
    _, custom = custom_api()
    custom.has_resource_properties("AWS::Logs::LogGroup", {"RetentionInDays": 7})


def _execution_log_group(api: InferenceApi, template: Template) -> tuple[str, dict[str, Any]]:
    """The stage's execution-log group: its logical id and resource."""
    rest_api_id = Stack.of(api).get_logical_id(
        typing.cast(CfnElement, api.rest_api.node.default_child)
    )
    name = {
        "Fn::Join": [
            "",
            ["API-Gateway-Execution-Logs_", {"Ref": rest_api_id}, f"/{api.stage_name}"],
        ]
    }
    (found,) = [
        (group_id, group)
        for group_id, group in resources_of_type(template, "AWS::Logs::LogGroup").items()
        if group["Properties"].get("LogGroupName") == name
    ]
    return found


@pytest.mark.parametrize(("api_of", "days"), [(iam_api, 30), (custom_api, 7)])
def test_the_stack_owns_the_stages_execution_log_group_before_api_gateway_writes_to_it(
    api_of: Any, days: int
) -> None:
    """API Gateway creates ``API-Gateway-Execution-Logs_<api id>/<stage>`` itself when the
    stage is deployed with logging on, without retention and outside the stack: the stack
    creates it before the stage, with the API's retention, and deletes it with the stack."""
    api, template = api_of()
    group_id, group = _execution_log_group(api, template)
    assert group["Properties"]["RetentionInDays"] == days
    assert (group["DeletionPolicy"], group["UpdateReplacePolicy"]) == ("Delete", "Delete")
    stage = next(iter(template.find_resources("AWS::ApiGateway::Stage").values()))
    assert group_id in stage["DependsOn"]


def test_regional_endpoint_and_binary_media_types() -> None:
    _, template = iam_api()
    api = only(template.find_resources("AWS::ApiGateway::RestApi"))
    assert api["EndpointConfiguration"] == {"Types": ["REGIONAL"]}
    assert api["BinaryMediaTypes"] == [
        "application/octet-stream",
        "application/x-npy",
        "application/x-image",
        "image/*",
        "audio/*",
    ]
    _, custom = custom_api()
    custom_rest_api = only(custom.find_resources("AWS::ApiGateway::RestApi"))
    assert custom_rest_api["BinaryMediaTypes"] == ["application/x-protobuf"]
    assert custom_rest_api["EndpointConfiguration"] == {"Types": ["EDGE"]}
    assert custom_rest_api["Name"] == "custom-inference"


def test_request_validator_validates_parameters_on_every_method() -> None:
    _, template = iam_api()
    ((validator_id, validator),) = template.find_resources(
        "AWS::ApiGateway::RequestValidator"
    ).items()
    assert validator["Properties"]["ValidateRequestParameters"] is True
    for method in methods(template):
        assert method["RequestValidatorId"] == {"Ref": validator_id}


def test_account_logging_role_only_when_asked_retained_and_set_before_the_stage() -> None:
    _, template = iam_api()
    ((account_id, account),) = template.find_resources("AWS::ApiGateway::Account").items()
    assert account["DeletionPolicy"] == "Retain"
    role_id = account["Properties"]["CloudWatchRoleArn"]["Fn::GetAtt"][0]
    role = template.to_json()["Resources"][role_id]
    assert role["DeletionPolicy"] == "Retain"
    # API Gateway documents no source condition for this role (docs/aws-behaviour.md)
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"] == [
        {
            "Action": "sts:AssumeRole",
            "Effect": "Allow",
            "Principal": {"Service": "apigateway.amazonaws.com"},
        }
    ]
    stage = next(iter(template.find_resources("AWS::ApiGateway::Stage").values()))
    assert account_id in stage["DependsOn"]
    _, custom = custom_api()
    custom.resource_count_is("AWS::ApiGateway::Account", 0)


def test_web_acl_is_associated_with_the_stage() -> None:
    _, template = custom_api()
    association = only(template.find_resources("AWS::WAFv2::WebACLAssociation"))
    assert association["WebACLArn"] == WEB_ACL_ARN
    iam_template = iam_api()[1]
    iam_template.resource_count_is("AWS::WAFv2::WebACLAssociation", 0)


def test_gateway_responses_cover_throttling_auth_size_and_timeouts() -> None:
    _, template = iam_api()
    statuses = {
        props["ResponseType"]: props.get("StatusCode")
        for props in (
            r["Properties"]
            for r in template.find_resources("AWS::ApiGateway::GatewayResponse").values()
        )
    }
    assert statuses == {
        "DEFAULT_4XX": None,
        "DEFAULT_5XX": None,
        "THROTTLED": "429",
        "QUOTA_EXCEEDED": "429",
        "ACCESS_DENIED": "403",
        "UNAUTHORIZED": "401",
        "REQUEST_TOO_LARGE": "413",
        "INTEGRATION_TIMEOUT": "504",
        "INTEGRATION_FAILURE": "502",
    }
    template.has_resource_properties(
        "AWS::ApiGateway::GatewayResponse",
        {
            "ResponseType": "THROTTLED",
            "ResponseParameters": Match.object_like({"gatewayresponse.header.Retry-After": "'1'"}),
        },
    )


# --- attributes and metrics ------------------------------------------------------------------


def test_route_urls_and_add_endpoint_return_the_invoke_url() -> None:
    api, _ = iam_api()
    assert list(api.route_urls) == ["predict", "models/other"]
    stack = Stack.of(api)
    assert stack.resolve(api.route_urls["models/other"])["Fn::Join"][1][-1] == "/models/other"
    assert stack.resolve(api.url)["Fn::Join"][1][-1] == "/"
    assert api.rest_api.rest_api_name == "TestStack-Api"


@pytest.mark.parametrize(
    ("helper", "metric_name", "statistic"),
    [
        ("metric_count", "Count", "SampleCount"),
        ("metric_client_error", "4XXError", "Sum"),
        ("metric_server_error", "5XXError", "Sum"),
        ("metric_latency", "Latency", "Average"),
        ("metric_integration_latency", "IntegrationLatency", "Average"),
    ],
)
def test_metric_helpers(helper: str, metric_name: str, statistic: str) -> None:
    api, _ = iam_api()
    metric = getattr(api, helper)()
    assert (metric.namespace, metric.metric_name, metric.statistic) == (
        "AWS/ApiGateway",
        metric_name,
        statistic,
    )
    assert metric.period.to_seconds() == 60
    assert metric.dimensions == {"ApiName": "TestStack-Api", "Stage": "v1"}
    custom = getattr(api, helper)(statistic="p99", period=Duration.minutes(5))
    assert (custom.statistic, custom.period.to_seconds()) == ("p99", 300)


def test_default_app_needs_no_detailed_metrics(default_app: SynthesizedApp) -> None:
    """Every API Gateway metric the default app alarms on or plots has exactly the ``ApiName``
    and ``Stage`` dimensions, which API Gateway publishes without detailed metrics."""
    for name, template in default_app.templates.items():
        for settings in only(template.find_resources("AWS::ApiGateway::Stage"))["MethodSettings"]:
            assert settings["MetricsEnabled"] is False, name
        dimensions = [
            sorted(d["Name"] for d in metric["Dimensions"])
            for metric in api_gateway_metrics(template)
        ]
        assert dimensions, f"{name}: no API Gateway metric found"
        assert all(names == ["ApiName", "Stage"] for names in dimensions), dimensions


def api_gateway_metrics(template: Template) -> list[dict[str, Any]]:
    """Every ``AWS/ApiGateway`` metric of the template's alarms and dashboard widgets, as
    ``{"Namespace", "MetricName", "Dimensions": [{"Name", "Value"}]}``."""
    found: list[dict[str, Any]] = []
    for alarm in template.find_resources("AWS::CloudWatch::Alarm").values():
        properties = alarm["Properties"]
        stats = [
            m["MetricStat"]["Metric"] for m in properties.get("Metrics", ()) if "MetricStat" in m
        ]
        found += [m for m in (properties, *stats) if m.get("Namespace") == "AWS/ApiGateway"]
    for dashboard in template.find_resources("AWS::CloudWatch::Dashboard").values():
        _, parts = dashboard["Properties"]["DashboardBody"]["Fn::Join"]
        body = json.loads("".join(p if isinstance(p, str) else "<token>" for p in parts))
        for widget in body["widgets"]:
            for metric in widget["properties"].get("metrics", ()):
                strings = [m for m in metric if isinstance(m, str)]  # none in a math expression
                if strings[:1] == ["AWS/ApiGateway"]:
                    namespace, name, *dimensions = strings
                    pairs = zip(dimensions[::2], dimensions[1::2], strict=True)
                    found.append(
                        {
                            "Namespace": namespace,
                            "MetricName": name,
                            "Dimensions": [{"Name": k, "Value": v} for k, v in pairs],
                        }
                    )
    return found


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    ["", "/predict", "predict/", "a//b", "{proxy+}", "pre dict", "x" * 257, "models/{id}"],
)
def test_fails_when_the_route_path_is_malformed(path: str) -> None:
    stack = new_stack()
    with pytest.raises(ValueError, match=r"path must be at most 256 characters matching"):
        InferenceApi(stack, "Api", endpoint=endpoint(stack), path=path)


def test_fails_when_a_route_is_added_twice() -> None:
    stack = new_stack()
    api = InferenceApi(stack, "Api", endpoint=endpoint(stack))
    with pytest.raises(ValueError, match=r"path must be a route not added yet \(routes: predict"):
        api.add_endpoint("predict", endpoint(stack, "Other"))
    with pytest.raises(ValueError, match="path must be"):
        api.add_endpoint("/other", endpoint(stack, "Third"))


@pytest.mark.parametrize(
    ("props", "message"),
    [
        ({"throttle_rate_limit": 0}, "throttle_rate_limit must be a number above 0"),
        ({"throttle_rate_limit": -1.5}, "throttle_rate_limit must be a number above 0"),
        ({"throttle_rate_limit": 10000.5}, "at most 10000, got 10000.5"),
        ({"throttle_burst_limit": 0}, "throttle_burst_limit must be a whole number from 1 to 5000"),
        ({"throttle_burst_limit": 5001}, "throttle_burst_limit must be a whole number"),
        ({"throttle_burst_limit": 2.5}, "throttle_burst_limit must be a whole number"),
        ({"integration_timeout": Duration.millis(49)}, "integration_timeout must be from 50 ms"),
        ({"integration_timeout": Duration.seconds(61)}, "integration_timeout must be"),
        ({"cors_allow_origin": "app.example.com"}, "cors_allow_origin must be"),
        ({"binary_media_types": ["octet"]}, r"binary_media_types\[0\] must be"),
        ({"stage_name": "v-1"}, "stage_name must be"),
        ({"auth": ApiAuth.api_key(quota_period="YEAR")}, "auth.quota_period must be one of"),
        ({"auth": ApiAuth.api_key(quota_limit=0)}, "auth.quota_limit must be a whole number"),
        ({"auth": ApiAuth.api_key(burst_limit=9999)}, "auth.burst_limit must be"),
        ({"auth": ApiAuth.cognito([])}, "auth.user_pools must be at least one user pool"),
        (
            {"web_acl_arn": "arn:aws:wafv2:us-east-1:123456789012:global/webacl/x/0a1b"},
            "web_acl_arn must be",
        ),
        (
            {"endpoint_type": apigw.EndpointType.PRIVATE},
            "endpoint_type must be one of REGIONAL, EDGE, got 'PRIVATE'",
        ),
    ],
)
def test_fails_when_a_prop_is_out_of_range(props: dict[str, Any], message: str) -> None:
    stack = new_stack()
    with pytest.raises(ValueError, match=message):
        InferenceApi(stack, "Api", endpoint=endpoint(stack), **props)


def test_lists_every_problem_at_once() -> None:
    problems = problems_of(
        path="/bad",
        auth=ApiAuth.api_key(quota_limit=0),
        throttle_rate_limit=0,
        throttle_burst_limit=0,
        trottle_rate_limit=1,
    )
    names = [problem.split(" must be ")[0].split(" is not ")[0] for problem in problems]
    assert names == [
        "trottle_rate_limit",
        "path",
        "throttle_rate_limit",
        "throttle_burst_limit",
        "auth.quota_limit",
    ]


# --- configuration (cdk.json) ---------------------------------------------------------------


def config_with(**api: Any) -> dict[str, Any]:
    context: dict[str, Any] = json.loads(json.dumps(cdk_json_context()))
    context["environments"]["dev"]["api"] = api
    return context


@pytest.mark.parametrize(
    ("api", "message"),
    [
        ({"auth": "oauth"}, "environments.dev.api.auth must be one of iam, api_key, cognito, none"),
        ({"throttle_rate_limit": 0}, "environments.dev.api.throttle_rate_limit must be"),
        ({"throttle_burst_limit": 6000}, "environments.dev.api.throttle_burst_limit must be"),
        ({"throttle_rate_limit": "fast"}, "environments.dev.api.throttle_rate_limit must be"),
        ({"path": "/predict"}, "environments.dev.api.path must be"),
        ({"log_retention_days": 8}, "environments.dev.api.log_retention_days must be one of 1, 3"),
        ({"integration_timeout_seconds": 90}, "environments.dev.api.integration_timeout must be"),
        ({"auth": "cognito"}, "environments.dev.api.cognito_user_pool_arn must be a user pool ARN"),
        ({"cognito_user_pool_arn": "pool"}, "environments.dev.api.cognito_user_pool_arn must be"),
        ({"api_key_quota_period": "YEAR"}, "environments.dev.api.api_key_quota_period must be"),
        ({"cors_allow_origin": "nope"}, "environments.dev.api.cors_allow_origin must be"),
        ({"web_acl_arn": "acl"}, "environments.dev.api.web_acl_arn must be"),
        ({"tracing": True}, "environments.dev.api.tracing is not a known key"),
    ],
)
def test_config_errors_name_the_key(api: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        load_config(config_with(**api))


def test_config_reads_api_settings_and_dash_c_overrides() -> None:
    context = config_with(auth="cognito", cognito_user_pool_arn=USER_POOL_ARN, tracing_enabled=True)
    context["api.throttle_rate_limit"] = "25"
    settings = load_config(context).environments["dev"].api
    assert (settings.auth, settings.tracing_enabled, settings.throttle_rate_limit) == (
        "cognito",
        True,
        25.0,
    )
    defaults = load_config(cdk_json_context()).environments["prod"].api
    assert (defaults.auth, defaults.path, defaults.log_retention_days) == ("iam", "predict", 30)


# --- the default app --------------------------------------------------------------------------


def test_default_app_fronts_the_endpoint_with_an_iam_api(default_app: SynthesizedApp) -> None:
    for name, concurrency in (("dev", 2), ("prod", 4)):
        template = default_app.templates[name]
        (method,) = methods(template)
        assert method["AuthorizationType"] == "AWS_IAM"
        (endpoint_id,) = resources_of_type(template, "AWS::SageMaker::Endpoint")
        assert method["Integration"]["Uri"]["Fn::Join"][1][5] == {
            "Fn::GetAtt": [endpoint_id, "EndpointName"]
        }
        default, route = only(template.find_resources("AWS::ApiGateway::Stage"))["MethodSettings"]
        assert (route["HttpMethod"], route["ResourcePath"]) == ("POST", "/~1predict")
        for settings in (default, route):  # one route: the default is its throttle
            assert settings["ThrottlingBurstLimit"] == concurrency
            assert settings["ThrottlingRateLimit"] == 2 * concurrency


def test_default_app_outputs_the_route_url(dev_template: Template) -> None:
    outputs = dev_template.find_outputs("PredictUrl")
    (output,) = outputs.values()
    assert output["Value"]["Fn::Join"][1][-1] == "/predict"


def test_default_app_with_api_key_auth_from_dash_c_overrides() -> None:
    app, stacks = build_default_app(
        {"env": "dev", "api.auth": "api_key", "api.api_key_quota_limit": "5000"}
    )
    app.synth()  # cdk-nag runs here and raises on an unacknowledged finding
    template = Template.from_stack(stacks["dev"])
    (method,) = methods(template)
    assert (method["ApiKeyRequired"], method["AuthorizationType"]) == (True, "NONE")
    plan = only(template.find_resources("AWS::ApiGateway::UsagePlan"))
    assert plan["Quota"] == {"Limit": 5000, "Period": "DAY"}
    assert "ApiKeyId" in template.to_json()["Outputs"]
