"""ServerlessInference: the parts it composes, how each is turned off, and the keep-warm rule."""

import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Annotations, Match, Template
from mypy import api as mypy_api

from serverless_inference import (
    AlarmsOptions,
    ApiOptions,
    ContainerImage,
    KeepWarmOptions,
    ServerlessInference,
)
from serverless_inference.endpoint import LOG_RETENTION_FUNCTION_ID
from tests.cdk_helpers import ROOT, linted_template, new_stack, resources_of_type

MYPY_CACHE = ROOT / ".mypy_cache"
"""The cache ``make typecheck`` fills: checking one more file against it takes seconds."""


def _pattern(**props: Any) -> tuple[ServerlessInference, Template]:
    stack = new_stack()
    pattern = ServerlessInference(
        stack, "Inference", image=ContainerImage.hugging_face_inference(), **props
    )
    return pattern, linted_template(stack)


@pytest.fixture(scope="module")
def full() -> tuple[ServerlessInference, Template]:
    return _pattern(api=ApiOptions(path="classify"), alarms=AlarmsOptions(dashboard=False))


def test_composes_endpoint_api_keep_warm_and_alarms(
    full: tuple[ServerlessInference, Template],
) -> None:
    pattern, template = full
    assert pattern.api is not None and pattern.keep_warm is not None and pattern.alarms is not None
    template.resource_count_is("AWS::SageMaker::Endpoint", 1)
    template.resource_count_is("AWS::ApiGateway::RestApi", 1)
    template.resource_count_is("AWS::Scheduler::Schedule", 1)
    template.has_resource_properties("AWS::ApiGateway::Resource", {"PathPart": "classify"})


def test_alarms_watch_the_api_and_the_keep_warm_of_the_pattern(
    full: tuple[ServerlessInference, Template],
) -> None:
    pattern, template = full
    assert pattern.alarms is not None
    assert {"api_5xx_error_rate", "keep_warm_failed_pings"} <= set(pattern.alarms.alarms)
    template.has_resource_properties(
        "AWS::CloudWatch::Alarm", {"Namespace": "AWS/ApiGateway", "MetricName": "Latency"}
    )
    template.resource_count_is("AWS::CloudWatch::Dashboard", 0)


def test_optional_parts_can_be_turned_off() -> None:
    pattern, template = _pattern(api=False, keep_warm=False, alarms=False)
    assert (pattern.api, pattern.keep_warm, pattern.alarms) == (None, None, None)
    for resource_type in (
        "AWS::ApiGateway::RestApi",
        "AWS::Scheduler::Schedule",
        "AWS::CloudWatch::Alarm",
        "AWS::SNS::Topic",
    ):
        template.resource_count_is(resource_type, 0)
    template.resource_count_is("AWS::SageMaker::Endpoint", 1)
    # what stays: the endpoint's log retention (aws-cdk-lib's one function per stack)
    (function_id,) = resources_of_type(template, "AWS::Lambda::Function")
    assert function_id.startswith(LOG_RETENTION_FUNCTION_ID)


def test_keep_warm_is_left_out_when_provisioned_concurrency_covers_it() -> None:
    pattern, template = _pattern(provisioned_concurrency=1, api=False, alarms=False)
    assert pattern.keep_warm is None
    template.resource_count_is("AWS::Scheduler::Schedule", 0)
    Annotations.from_stack(Stack.of(pattern)).has_info(
        "/TestStack/Inference",
        Match.string_like_regexp("KeepWarm left out: provisioned concurrency"),
    )


def test_keep_warm_stays_when_it_pings_more_environments_than_are_provisioned() -> None:
    pattern, _ = _pattern(
        provisioned_concurrency=1,
        max_concurrency=5,
        keep_warm=KeepWarmOptions(concurrency=2, pre_warm_on_deploy=False),
        api=False,
        alarms=False,
    )
    assert pattern.keep_warm is not None


def test_endpoint_log_retention_is_passed_through() -> None:
    _, template = _pattern(log_retention=logs.RetentionDays.TWO_WEEKS, api=False, alarms=False)
    template.has_resource_properties(
        "Custom::LogRetention", {"RetentionInDays": 14, "RemovalPolicy": "destroy"}
    )
    _, never = _pattern(log_retention=None, api=False, keep_warm=False, alarms=False)
    never.has_resource_properties(
        "Custom::LogRetention", {"RetentionInDays": Match.absent(), "RemovalPolicy": "retain"}
    )


@pytest.mark.parametrize(
    ("props", "message"),
    [
        (
            {"api": {"throttle_rate": 10}},
            "Invalid InferenceApi props:\n  - throttle_rate is not a known prop; known props: "
            "path, auth, throttle_rate_limit,",
        ),
        (
            {"keep_warm": {"rate": 10}},
            "Invalid KeepWarm props:\n  - rate is not a known prop; known props: concurrency,",
        ),
        (
            {"alarms": {"emails": ["a@example.com"]}},
            "Invalid EndpointAlarms props:\n  - emails is not a known prop; known props: "
            "thresholds,",
        ),
        (
            {"memory_size": 2048},
            "Invalid ServerlessEndpoint props:\n  - memory_size is not a known prop; known "
            "props: image, model_data,",
        ),
    ],
)
def test_fails_when_a_part_names_an_unknown_prop(props: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        _pattern(**props)


@pytest.mark.parametrize("part", ["api", "keep_warm", "alarms"])
@pytest.mark.parametrize("value", [True, "iam", 1])
def test_fails_when_a_part_is_neither_options_nor_false(part: str, value: Any) -> None:
    # A part was True or a mapping before; True (or anything else) is now refused by name.
    options = {"api": "ApiOptions", "keep_warm": "KeepWarmOptions", "alarms": "AlarmsOptions"}
    with pytest.raises(
        ValueError,
        match=re.escape(
            f"{part} must be {options[part]}(...), or False to leave it out, got {value!r}"
        ),
    ):
        _pattern(**{part: value})


def test_a_type_checker_refuses_misspelt_missing_and_untyped_props(tmp_path: Path) -> None:
    # GIVEN calls with the mistakes a bag of props let through until synthesis
    source = tmp_path / "app_with_mistakes.py"
    source.write_text(
        "from aws_cdk import Stack\n"
        "from serverless_inference import ApiOptions, ContainerImage, ServerlessInference\n"
        "def build(stack: Stack) -> None:\n"
        "    image = ContainerImage.hugging_face_inference()\n"
        '    ServerlessInference(stack, "A", image=image, memory_size=2048)\n'
        '    ServerlessInference(stack, "B", image=image, api=ApiOptions(pathh="x"))\n'
        '    ServerlessInference(stack, "C", image=image, keep_warm={"rate": 5})\n'
        '    ServerlessInference(stack, "D", image=image, alarms=True)\n'
        '    ServerlessInference(stack, "E", memory_size_mb=2048)\n'
    )
    # WHEN mypy checks them with the project's settings
    out, _, status = mypy_api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--cache-dir", str(MYPY_CACHE), str(source)]
    )
    # THEN each call is an error, on its own line
    lines = {int(line.split(":")[1]) for line in out.splitlines() if ": error:" in line}
    assert status == 1 and lines == {5, 6, 7, 8, 9}, out
    assert 'did you mean "memory_size_mb"' in out


def test_named_models_and_a_fan_out_share_one_api_and_alarms() -> None:
    stack = new_stack()
    image = ContainerImage.hugging_face_inference()
    pattern = ServerlessInference(stack, "Inference", name="sentiment", image=image)
    pattern.add_model("entities", image=image, keep_warm=False)
    fan_out = pattern.add_fan_out("ticket", required=["sentiment"], optional=["entities"])
    assert pattern.api is not None and pattern.alarms is not None
    assert list(pattern.api.route_urls) == ["sentiment", "entities", "ticket"]
    assert fan_out.route_url == pattern.api.route_urls["ticket"]
    assert pattern.endpoint.node.path == "TestStack/Inference/Models/Sentiment/Endpoint"
    assert pattern.keep_warms == {"sentiment": pattern.keep_warm, "entities": None}
    assert {"entities-model_latency", "ticket-fan_out_duration"} <= set(pattern.alarms.alarms)
    linted_template(stack).resource_count_is("AWS::ApiGateway::RestApi", 1)


@pytest.mark.parametrize(
    ("add", "message"),
    [
        (
            lambda p: p.add_fan_out("ticket", required=["predict", "other"]),
            "required must be names of models: none, got 'predict'",
        ),
        (
            lambda p: p.add_model("Other", image=ContainerImage.hugging_face_inference()),
            "name must be a name matching ^[a-z][a-z0-9-]{0,31}$, got 'Other'",
        ),
    ],
)
def test_fails_when_a_fan_out_names_no_model_or_a_name_is_malformed(add: Any, message: str) -> None:
    pattern, _ = _pattern(api=False, keep_warm=False, alarms=False)
    with pytest.raises(ValueError, match=re.escape(message)):
        add(pattern)
