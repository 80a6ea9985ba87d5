"""Every ``metric_*`` helper's default statistic is one AWS documents for its metric
(``limits.METRIC_STATISTICS``) and the one its docstring names."""

import re
from functools import cache
from typing import Any

import pytest
from aws_cdk import aws_cloudwatch as cloudwatch

from serverless_inference import ContainerImage, InferenceApi, KeepWarm, ServerlessEndpoint
from serverless_inference.limits import documented_statistics
from serverless_inference.metric_statistics import COUNT, PEAK, TYPICAL, default_statistic
from tests.cdk_helpers import new_stack

_DEFAULT = re.compile(r"Default:\s+(\w+)")


@cache
def _owners() -> dict[str, Any]:
    stack = new_stack()
    endpoint = ServerlessEndpoint(stack, "Endpoint", image=ContainerImage.hugging_face_inference())
    return {
        "ServerlessEndpoint": endpoint,
        "imported endpoint": ServerlessEndpoint.from_endpoint_attributes(
            stack, "Imported", endpoint_name="other", max_concurrency=2, memory_size_mb=1024
        ),
        "InferenceApi": InferenceApi(stack, "Api", endpoint=endpoint),
        "KeepWarm": KeepWarm(stack, "KeepWarm", endpoint=endpoint),
    }


HELPERS = [
    (owner, name)
    for owner, construct in _owners().items()
    for name in sorted(dir(type(construct)))
    if name.startswith("metric_")
]


def test_every_construct_has_its_helpers() -> None:
    counts = {owner: sum(1 for o, _ in HELPERS if o == owner) for owner in _owners()}
    assert counts == {
        "ServerlessEndpoint": 12,
        "imported endpoint": 12,
        "InferenceApi": 5,
        "KeepWarm": 5,
    }


@pytest.mark.parametrize(("owner", "helper"), HELPERS)
def test_default_statistic_is_documented_for_the_metric(owner: str, helper: str) -> None:
    metric: cloudwatch.Metric = getattr(_owners()[owner], helper)()
    documented = documented_statistics(metric.namespace, metric.metric_name)
    assert documented is not None, f"{metric.namespace} {metric.metric_name} is not in the table"
    assert documented.allows(metric.statistic), (metric.metric_name, metric.statistic)


@pytest.mark.parametrize(("owner", "helper"), HELPERS)
def test_docstring_names_the_default_statistic(owner: str, helper: str) -> None:
    method = getattr(type(_owners()[owner]), helper)
    match = _DEFAULT.search(method.__doc__ or "")
    assert match is not None, f"{owner}.{helper} documents no default"
    assert match.group(1) == getattr(_owners()[owner], helper)().statistic


@pytest.mark.parametrize(
    ("namespace", "metric_name", "meaning", "expected"),
    [
        ("AWS/SageMaker", "Invocations", COUNT, "Sum"),
        ("AWS/SageMaker", "ServerlessProvisionedConcurrencySpilloverInvocations", COUNT, "Maximum"),
        ("AWS/ApiGateway", "Count", COUNT, "SampleCount"),
        ("AWS/SageMaker", "ModelLatency", TYPICAL, "Average"),
        ("/aws/sagemaker/Endpoints", "MemoryUtilization", PEAK, "Maximum"),
        ("ServerlessInference/KeepWarm", "PingsSent", COUNT, "Sum"),
        ("AWS/SageMaker", "ModelLoadingWaitTime", TYPICAL, "Average"),
    ],
)
def test_default_is_the_first_documented_of_the_meaning(
    namespace: str, metric_name: str, meaning: tuple[str, ...], expected: str
) -> None:
    assert default_statistic(namespace, metric_name, meaning) == expected


def test_fails_when_no_statistic_of_the_meaning_is_documented() -> None:
    with pytest.raises(ValueError, match="none of Average is documented for AWS/Lambda Errors"):
        default_statistic("AWS/Lambda", "Errors", TYPICAL)
