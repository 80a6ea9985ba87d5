"""Property-based tests over the configuration space.

Every valid configuration synthesizes a template that cfn-lint (and, for the app, cdk-nag)
accepts and that carries the configured values; every invalid one fails before synthesis
with an error naming the key path.
"""

import itertools
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from serverless_inference import AlarmThresholds, ContainerImage, ServerlessEndpoint
from serverless_inference.alarm_keep_warm import pings_fire_concurrency_alarm
from serverless_inference_runtime.limits import MAX_CONCURRENCY_LIMIT, MEMORY_SIZES_MB
from stacks.config import load_config
from stacks.settings.retention import RETENTION_BY_DAYS
from tests.cdk_helpers import build_default_app, linted_template, new_stack


@st.composite
def valid_endpoints(draw: st.DrawFn) -> dict[str, Any]:
    max_concurrency = draw(st.integers(1, MAX_CONCURRENCY_LIMIT))
    return {
        "memory_size_mb": draw(st.sampled_from(MEMORY_SIZES_MB)),
        "max_concurrency": max_concurrency,
        "provisioned_concurrency": draw(st.none() | st.integers(1, max_concurrency)),
        "endpoint_name": draw(
            st.none() | st.from_regex(r"[a-z0-9](-?[a-z0-9]){0,30}", fullmatch=True)
        ),
    }


@settings(max_examples=5, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_endpoints())
def test_every_valid_endpoint_synthesizes_clean(props: dict[str, Any]) -> None:
    stack = new_stack()
    ServerlessEndpoint(stack, "Endpoint", image=ContainerImage.hugging_face_inference(), **props)
    template = linted_template(stack)
    (config,) = template.find_resources("AWS::SageMaker::EndpointConfig").values()
    serverless = config["Properties"]["ProductionVariants"][0]["ServerlessConfig"]
    assert serverless["MemorySizeInMB"] == props["memory_size_mb"]
    assert serverless["MaxConcurrency"] == props["max_concurrency"]
    assert serverless.get("ProvisionedConcurrency") == props["provisioned_concurrency"]


@st.composite
def valid_app_overrides(draw: st.DrawFn) -> dict[str, Any]:
    """``-c`` overrides of the dev environment across the endpoint, API, keep-warm and alarms."""
    max_concurrency = draw(st.integers(1, 20))
    concurrency = draw(st.integers(1, max_concurrency))
    rate_minutes = draw(st.integers(1, 60))
    pings_fire = pings_fire_concurrency_alarm(
        concurrency=concurrency,
        max_concurrency=max_concurrency,
        threshold=AlarmThresholds().concurrency_utilization_high,
        interval_minutes=rate_minutes,
    )
    return {
        "endpoint.memory_size_mb": draw(st.sampled_from(MEMORY_SIZES_MB)),
        "endpoint.max_concurrency": max_concurrency,
        "endpoint.provisioned_concurrency": draw(st.none() | st.integers(1, max_concurrency)),
        "keep_warm.enabled": draw(st.booleans()),
        "keep_warm.concurrency": concurrency,
        "keep_warm.rate_minutes": rate_minutes,
        "api.auth": draw(st.sampled_from(["iam", "api_key", "none"])),
        "alarms.dashboard": draw(st.booleans()),
        # pings that alone would fire the concurrency alarm are refused (test_alarm_keep_warm)
        "alarms.disabled": ["concurrency_utilization_high"] if pings_fire else [],
    }


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_app_overrides())
def test_every_valid_app_configuration_synthesizes_clean(overrides: dict[str, Any]) -> None:
    as_cli = {k: v if isinstance(v, str) else json.dumps(v) for k, v in overrides.items()}
    context = {"env": "dev", "serverless_concurrency_quota": "60", **as_cli}
    app, stacks = build_default_app(context)
    app.synth()  # cdk-nag runs here and raises on an unacknowledged finding
    template = linted_template(stacks["dev"])
    (config,) = template.find_resources("AWS::SageMaker::EndpointConfig").values()
    serverless = config["Properties"]["ProductionVariants"][0]["ServerlessConfig"]
    assert serverless["MaxConcurrency"] == overrides["endpoint.max_concurrency"]
    assert len(template.find_resources("AWS::ApiGateway::RestApi")) == 1


@settings(max_examples=60, deadline=None)
@given(valid_endpoints())
def test_every_valid_endpoint_configuration_loads(endpoint: dict[str, Any]) -> None:
    quota = 2 * endpoint["max_concurrency"]  # room for an update of the endpoint
    # keep-warm off: one ping would fill max_concurrency 1 and fire the concurrency alarm, a
    # combination of sections test_alarm_keep_warm covers
    dev = {"endpoint": endpoint, "keep_warm": {"enabled": False}}
    config = load_config({"environments": {"dev": dev}, "serverless_concurrency_quota": quota})
    assert config.quota_warnings == ()
    loaded = config.environments["dev"].endpoint
    assert {key: getattr(loaded, key) for key in endpoint} == endpoint


INVALID_VALUES = {
    "api.auth": st.text(max_size=8).filter(
        lambda v: v not in {"iam", "api_key", "cognito", "none"}
    ),
    "api.throttle_rate_limit": st.floats(max_value=0) | st.floats(min_value=10_001, max_value=1e9),
    "api.throttle_burst_limit": st.integers(max_value=0) | st.integers(min_value=5001),
    "api.log_retention_days": st.sampled_from([0, 2, 4, 15, 29, 31]),
    "api.path": st.sampled_from(["/predict", "predict/", "a//b", "{proxy}", "has space"]),
    "api.detailed_metrics": st.text(max_size=5) | st.integers(),
    "keep_warm.concurrency": st.integers(max_value=0) | st.integers(min_value=6, max_value=10_000),
    "keep_warm.rate_minutes": st.integers(max_value=0),
    "keep_warm.time_zone": st.sampled_from(["Mars/Olympus", "UTC+25", "europe berlin"]),
    "keep_warm.reserved_concurrency": st.integers(max_value=0) | st.text(max_size=3),
    "alarms.thresholds.model_latency_ms": st.integers(max_value=0),
    "alarms.disabled": st.lists(st.sampled_from(["latency", "errors", "cpu"]), min_size=1),
    "alarms.email_addresses": st.lists(st.sampled_from(["oncall", "a@", "@b.c"]), min_size=1),
    "scaling.enabled": st.just(True),
}
"""Invalid values of the other sections, for an environment with max_concurrency 5 and no
provisioned concurrency (so enabling scaling is invalid too)."""


def _nested(dotted: str, value: Any) -> dict[str, Any]:
    head, _, rest = dotted.partition(".")
    return {head: _nested(rest, value) if rest else value}


@settings(max_examples=120, deadline=None)
@given(
    st.sampled_from(sorted(INVALID_VALUES)).flatmap(
        lambda key: st.tuples(st.just(key), INVALID_VALUES[key])
    )
)
def test_every_invalid_section_value_fails_naming_the_key(case: tuple[str, Any]) -> None:
    key, value = case
    with pytest.raises(ValueError, match=rf"environments\.dev\.{re.escape(key)}\b"):
        load_config({"environments": {"dev": _nested(key, value)}})


INVALID_ENDPOINT_VALUES = {
    "memory_size_mb": st.integers().filter(lambda v: v not in MEMORY_SIZES_MB)
    | st.text(max_size=5),
    "max_concurrency": st.integers().filter(lambda v: not 1 <= v <= MAX_CONCURRENCY_LIMIT)
    | st.floats(allow_nan=False),
    "provisioned_concurrency": st.integers().filter(lambda v: not 1 <= v <= MAX_CONCURRENCY_LIMIT),
    "endpoint_name": st.from_regex(r"[A-Z_.][A-Za-z_.]{0,10}", fullmatch=True) | st.integers(),
    "variant_name": st.from_regex(r"-[a-z]{1,5}", fullmatch=True),
    "environment": st.dictionaries(st.text(max_size=3), st.integers(), min_size=1),
    "model_id": st.integers() | st.booleans(),
    "log_retention_days": st.integers().filter(lambda v: v not in RETENTION_BY_DAYS)
    | st.text(max_size=3),
    "registry_account": st.from_regex(r"[0-9]{0,11}|[0-9]{13}", fullmatch=True) | st.integers(),
}


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from(sorted(INVALID_ENDPOINT_VALUES)).flatmap(
        lambda key: st.tuples(st.just(key), INVALID_ENDPOINT_VALUES[key])
    )
)
def test_every_invalid_endpoint_value_fails_naming_the_key(case: tuple[str, Any]) -> None:
    key, value = case
    with pytest.raises(ValueError, match=rf"environments\.prod\.endpoint\.{key}\b"):
        load_config({"environments": {"prod": {"endpoint": {key: value}}}})


PLACES = {"account": ["111111111111", "222222222222"], "region": ["eu-west-1", "us-east-1"]}


@st.composite
def placed_environments(draw: st.DrawFn) -> dict[str, Any]:
    """Up to four environments, each pinned to an account and region or leaving either out."""
    environments: dict[str, Any] = {}
    for index in range(draw(st.integers(1, 4))):
        environment: dict[str, Any] = {
            "endpoint": {"max_concurrency": draw(st.integers(1, 8))},
            # the quota alone decides: keep-warm against the alarms is test_alarm_keep_warm's
            "keep_warm": {"enabled": False},
        }
        for key, values in PLACES.items():
            value = draw(st.none() | st.sampled_from(values))
            if value is not None:
                environment[key] = value
        environments[f"e{index}"] = environment
    return environments


def _worst_total(environments: dict[str, Any]) -> int:
    """The most concurrency any one account and region can get, over every way the CLI may
    fill in what the environments leave out (a named account or region, or another one)."""
    choices = [
        [
            (account, region)
            for account in ([env["account"]] if "account" in env else [*PLACES["account"], "x"])
            for region in ([env["region"]] if "region" in env else [*PLACES["region"], "x"])
        ]
        for env in environments.values()
    ]
    worst = 0
    for places in itertools.product(*choices):
        totals: dict[tuple[str, str], int] = {}
        for place, env in zip(places, environments.values(), strict=True):
            totals[place] = totals.get(place, 0) + env["endpoint"]["max_concurrency"]
        worst = max(worst, *totals.values())
    return worst


@settings(max_examples=80, deadline=None)
@given(placed_environments())
def test_quota_check_refuses_exactly_what_can_overflow_one_account_and_region(
    environments: dict[str, Any],
) -> None:
    try:
        load_config({"environments": environments})
        accepted = True
    except ValueError:
        accepted = False
    assert accepted is (_worst_total(environments) <= 10)
