"""How ``InferenceApi`` adds a route: the ``POST`` method every route shares (auth, request
validation, CORS preflight) and the stage setting that gives each route its own throttle.

API Gateway applies a stage's throttle to each method on its own, not to the methods together
("Per-API, per-stage throttling limits are applied at the API method level for a stage"): a
route is throttled by what its own endpoint (or a fan-out's smallest member) can serve."""

import typing
from collections.abc import Callable, Mapping
from typing import Any

from aws_cdk import aws_apigateway as apigw

from serverless_inference.api_auth import (
    AUTHORIZATION_TYPES,
    MAX_BURST_LIMIT,
    MAX_RATE_LIMIT,
    ApiAuth,
)
from serverless_inference.api_options import (
    BURST_LIMIT_PER_CONCURRENCY,
    RATE_LIMIT_PER_CONCURRENCY,
)
from serverless_inference.api_responses import CORS_ALLOWED_REQUEST_HEADERS, CORS_EXPOSED_HEADERS
from serverless_inference.lazy import lazy_number
from serverless_inference.validation import is_token
from serverless_inference_runtime.error_answers import FORWARDED_REQUEST_HEADERS


def add_post_method(
    resource: apigw.IResource,
    integration: apigw.Integration,
    *,
    auth: ApiAuth,
    authorizer: apigw.IAuthorizer | None,
    validator: apigw.IRequestValidator,
    cors_allow_origin: str | None,
    responses: list[apigw.MethodResponse] | None,
) -> apigw.Method:
    """``POST`` on ``resource`` with the API's auth and request validation, the forwarded
    headers declared, and a CORS preflight when CORS is on."""
    if cors_allow_origin is not None:
        resource.add_cors_preflight(
            allow_origins=[cors_allow_origin],
            allow_methods=["POST", "OPTIONS"],
            allow_headers=list(CORS_ALLOWED_REQUEST_HEADERS),
            expose_headers=list(CORS_EXPOSED_HEADERS),
        )
    return resource.add_method(
        "POST",
        integration,
        authorization_type=AUTHORIZATION_TYPES[auth.mode],
        authorizer=authorizer,
        authorization_scopes=list(auth.scopes) or None,
        api_key_required=auth.mode == "api_key",
        request_validator=validator,
        request_parameters={
            f"method.request.header.{name}": False for name in FORWARDED_REQUEST_HEADERS
        },
        method_responses=responses,
    )


def derived_throttle(concurrency: int) -> tuple[float, int]:
    """The rate and burst a route serving ``concurrency`` requests at once may take: the
    rates per unit of concurrency, within API Gateway's limits."""
    return (
        min(MAX_RATE_LIMIT, RATE_LIMIT_PER_CONCURRENCY * concurrency),
        min(MAX_BURST_LIMIT, BURST_LIMIT_PER_CONCURRENCY * concurrency),
    )


def endpoint_throttle(concurrency: int, rate_limit: Any, burst_limit: Any) -> tuple[Any, Any]:
    """The throttle of an endpoint's route: the explicit limits where given (``None``:
    derived from ``concurrency``, the endpoint's ``max_concurrency``)."""
    rate, burst = derived_throttle(concurrency)
    return (
        rate_limit if rate_limit is not None else rate,
        burst_limit if burst_limit is not None else burst,
    )


def smallest_route_throttle(throttles: Mapping[str, tuple[float, int]]) -> tuple[float, int]:
    """The stage's default throttle: the smallest rate and burst of ``throttles`` (the routes'),
    tokens read at synthesis, once every route is in."""
    return (
        lazy_number(lambda: min(rate for rate, _ in throttles.values())),
        typing.cast(int, lazy_number(lambda: min(burst for _, burst in throttles.values()))),
    )


def usage_plan_throttle(
    auth: ApiAuth, rate_limit: Any, burst_limit: Any, concurrency: Callable[[], int]
) -> apigw.ThrottleSettings:
    """A usage plan's throttle (a key's requests to every route together): the key's own
    limits, else the explicit stage limits, else derived from ``concurrency``, the sum of the
    endpoints' ``max_concurrency`` at synthesis."""
    rate = auth.rate_limit if auth.rate_limit is not None else rate_limit
    burst = auth.burst_limit if auth.burst_limit is not None else burst_limit
    return apigw.ThrottleSettings(
        rate_limit=rate
        if rate is not None
        else lazy_number(lambda: derived_throttle(concurrency())[0]),
        burst_limit=burst
        if burst is not None
        else typing.cast(int, lazy_number(lambda: derived_throttle(concurrency())[1])),
    )


def route_throttle(concurrency: int, rate_limit: Any, burst_limit: Any) -> tuple[float, int]:
    """The rate and burst a route serving ``concurrency`` at once may take (the stage's rates
    per unit of concurrency), at most the explicit stage limits (``None``: derived)."""
    rate, burst = derived_throttle(concurrency)
    if rate_limit is not None and not is_token(rate_limit):
        rate = min(rate, rate_limit)
    if burst_limit is not None and not is_token(burst_limit):
        burst = min(burst, burst_limit)
    return rate, burst


def throttle_method(
    stage: apigw.CfnStage,
    path: str,
    *,
    rate: Any,
    burst: Any,
    detailed_metrics: bool,
    added_before: int,
) -> None:
    """Add a method setting for ``POST /<path>`` to ``stage`` (after the ``added_before``
    ones this function added): its own throttle, and the stage-wide logging and metrics again
    (the ``/*/*`` settings do not carry over to a method with settings of its own, and
    cdk-nag's APIG6 expects logging on every method)."""
    settings = stage.method_settings
    index = (len(settings) if isinstance(settings, list) else 0) + added_before
    stage.add_property_override(
        f"MethodSettings.{index}",
        {
            "ResourcePath": "/~1" + path.replace("/", "~1"),
            "HttpMethod": "POST",
            "ThrottlingRateLimit": rate,
            "ThrottlingBurstLimit": burst,
            "LoggingLevel": apigw.MethodLoggingLevel.ERROR.value,
            "MetricsEnabled": detailed_metrics,
            "DataTraceEnabled": False,
        },
    )
