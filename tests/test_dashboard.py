"""The ``EndpointAlarms`` dashboard: its widgets reference the right metrics and alarms."""

import json
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from serverless_inference import ContainerImage, EndpointAlarms, ServerlessEndpoint
from serverless_inference.dashboard import cost_per_hour_expression
from tests.cdk_helpers import linted_template, new_stack
from tests.metric_fakes import FakeApi, FakeKeepWarm

PLACEHOLDER = "TOKEN"


def _widgets(template: Template) -> list[dict[str, Any]]:
    """The dashboard's widgets, with every CloudFormation reference replaced by a placeholder."""
    (dashboard,) = template.find_resources("AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]
    text = (
        body
        if isinstance(body, str)
        else "".join(p if isinstance(p, str) else PLACEHOLDER for p in body["Fn::Join"][1])
    )
    widgets: list[dict[str, Any]] = json.loads(text)["widgets"]
    return widgets


def _metric_names(widgets: list[dict[str, Any]]) -> set[str]:
    """Every metric name a graph or single-value widget plots."""
    names: set[str] = set()
    for widget in widgets:
        for metric in widget["properties"].get("metrics", []):
            if isinstance(metric[0], str) and metric[0] != "...":
                names.add(metric[1])
    return names


def _titled(widgets: list[dict[str, Any]], start: str) -> dict[str, Any]:
    (widget,) = [w for w in widgets if w["properties"].get("title", "").startswith(start)]
    return widget


def _endpoint(stack: Stack, **props: Any) -> ServerlessEndpoint:
    return ServerlessEndpoint(
        stack, "Endpoint", image=ContainerImage.hugging_face_inference(), **props
    )


@pytest.fixture(scope="module")
def on_demand() -> tuple[EndpointAlarms, Template]:
    stack = new_stack()
    alarms = EndpointAlarms(stack, "Alarms", endpoint=_endpoint(stack, memory_size_mb=3072))
    return alarms, linted_template(stack)


@pytest.fixture(scope="module")
def everything() -> tuple[EndpointAlarms, Template]:
    stack = new_stack()
    alarms = EndpointAlarms(
        stack,
        "Alarms",
        endpoint=_endpoint(stack, provisioned_concurrency=1),
        api=FakeApi(),
        keep_warm=FakeKeepWarm(),
        price_per_gb_second=0.0000166667,
    )
    return alarms, linted_template(stack)


def test_dashboard_is_named_after_the_stack(on_demand: tuple[EndpointAlarms, Template]) -> None:
    alarms, template = on_demand
    assert alarms.dashboard is not None
    template.has_resource_properties("AWS::CloudWatch::Dashboard", {"DashboardName": "TestStack"})


def test_endpoint_widgets_plot_every_serverless_metric(
    on_demand: tuple[EndpointAlarms, Template],
) -> None:
    names = _metric_names(_widgets(on_demand[1]))
    assert {
        "Invocations",
        "Invocation4XXErrors",
        "Invocation5XXErrors",
        "ModelLatency",
        "OverheadLatency",
        "ModelSetupTime",
        "ServerlessConcurrentExecutionsUtilization",
        "MemoryUtilization",
    } <= names
    assert not any(name.startswith("ServerlessProvisioned") for name in names)
    assert not {"Count", "5XXError", "PingsSent"} & names


def test_latency_widget_shows_percentiles_and_the_alarm_line_in_microseconds(
    on_demand: tuple[EndpointAlarms, Template],
) -> None:
    widget = _titled(_widgets(on_demand[1]), "ModelLatency and OverheadLatency")
    stats = [
        (metric[1], metric[-1]["stat"])
        for metric in widget["properties"]["metrics"]
        if isinstance(metric[-1], dict)
    ]
    assert ("ModelLatency", "p99") in stats
    assert ("ModelLatency", "p50") in stats
    assert ("OverheadLatency", "p99") in stats
    (line,) = widget["properties"]["annotations"]["horizontal"]
    assert line["value"] == 2_000_000


def test_memory_widget_marks_both_memory_alarms(
    on_demand: tuple[EndpointAlarms, Template],
) -> None:
    widget = _titled(_widgets(on_demand[1]), "Memory utilization")
    assert [line["value"] for line in widget["properties"]["annotations"]["horizontal"]] == [90, 25]


def test_cost_per_hour_is_metric_math_from_invocations_latency_and_memory(
    on_demand: tuple[EndpointAlarms, Template],
) -> None:
    widget = _titled(_widgets(on_demand[1]), "Estimated on-demand compute cost")
    metrics = widget["properties"]["metrics"]
    math = next(m[0] for m in metrics if isinstance(m[0], dict))
    expression = math["expression"]
    assert math["period"] == 3600
    # 3072 MB = 3 GB at the default USD 0.00002 per GB-second; ModelLatency is microseconds.
    assert expression == "invocations * latency / 1000000 * 3 * 0.00002"
    inputs = {m[1]: m[-1] for m in metrics if isinstance(m[0], str)}
    assert inputs["Invocations"]["stat"] == "Sum"
    assert inputs["Invocations"]["period"] == 3600
    assert inputs["ModelLatency"].get("stat", "Average") == "Average"  # the widget default
    assert inputs["ModelLatency"]["period"] == 3600
    assert inputs["Invocations"]["visible"] is False


def test_cost_expression_uses_plain_decimals() -> None:
    assert cost_per_hour_expression(2048, 0.0000166667) == (
        "invocations * latency / 1000000 * 2 * 0.0000166667"
    )
    assert cost_per_hour_expression(1024, 0.00002) == (
        "invocations * latency / 1000000 * 1 * 0.00002"
    )


def test_alarm_status_widget_lists_the_composite_and_every_alarm(
    on_demand: tuple[EndpointAlarms, Template],
) -> None:
    alarms, template = on_demand
    widget = next(w for w in _widgets(template) if w["type"] == "alarm")
    # One ARN per alarm plus the composite; the ARNs are references (placeholders here).
    assert len(widget["properties"]["alarms"]) == len(alarms.alarms) + 1


def test_optional_rows_appear_with_provisioned_concurrency_api_and_keep_warm(
    everything: tuple[EndpointAlarms, Template],
) -> None:
    widgets = _widgets(everything[1])
    names = _metric_names(widgets)
    assert {
        "ServerlessProvisionedConcurrencyExecutions",
        "ServerlessProvisionedConcurrencyUtilization",
        "ServerlessProvisionedConcurrencyInvocations",
        "ServerlessProvisionedConcurrencySpilloverInvocations",
        "Count",
        "4XXError",
        "5XXError",
        "Latency",
        "IntegrationLatency",
        "PingsSent",
        "FailedPings",
        "PingLatency",
        "SuspectedColdStarts",
        "Errors",
    } <= names
    api_latency = _titled(widgets, "API latency")
    (line,) = api_latency["properties"]["annotations"]["horizontal"]
    assert line["value"] == 10_000  # milliseconds for API Gateway
    cost = _titled(widgets, "Estimated on-demand compute cost")
    expression = next(
        m[0]["expression"] for m in cost["properties"]["metrics"] if isinstance(m[0], dict)
    )
    assert expression.endswith("* 2 * 0.0000166667")
