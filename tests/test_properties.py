"""Property-based tests over the configuration space.

Every valid endpoint configuration synthesizes a template that cfn-lint accepts and that
carries exactly the configured values; every invalid one fails before synthesis with an
error naming the key path.
"""

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from serverless_inference import ContainerImage, ServerlessEndpoint
from serverless_inference.limits import MAX_CONCURRENCY_LIMIT, MEMORY_SIZES_MB
from stacks.config import load_config
from tests.cdk_helpers import linted_template, new_stack


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


@settings(max_examples=60, deadline=None)
@given(valid_endpoints())
def test_every_valid_endpoint_configuration_loads(endpoint: dict[str, Any]) -> None:
    config = load_config({"environments": {"dev": {"endpoint": endpoint}}})
    loaded = config.environments["dev"].endpoint
    assert {key: getattr(loaded, key) for key in endpoint} == endpoint


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
