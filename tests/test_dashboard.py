"""The ``EndpointAlarms`` dashboard: its widgets reference the right metrics and alarms."""

import json
import re
from typing import Any

import pytest
from aws_cdk import Stack
from aws_cdk.assertions import Template

from serverless_inference import ContainerImage, EndpointAlarms, ServerlessEndpoint
from serverless_inference.dashboard import cost_per_hour_expression, dashboard_name
from serverless_inference_runtime.limits import documented_statistics
from tests.cdk_helpers import linted_template, new_stack
from tests.metric_fakes import FakeApi, FakeKeepWarm
from tests.observability_checks import dashboard_metric_stats

PLACEHOLDER = "TOKEN"


def _body(template: Template) -> dict[str, Any]:
    """The dashboard's body, with every CloudFormation reference replaced by a placeholder."""
    (dashboard,) = template.find_resources("AWS::CloudWatch::Dashboard").values()
    body = dashboard["Properties"]["DashboardBody"]
    text = (
        body
        if isinstance(body, str)
        else "".join(p if isinstance(p, str) else PLACEHOLDER for p in body["Fn::Join"][1])
    )
    parsed: dict[str, Any] = json.loads(text)
    return parsed


def _widgets(template: Template) -> list[dict[str, Any]]:
    widgets: list[dict[str, Any]] = _body(template)["widgets"]
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


def test_dashboard_name_is_the_prefix_and_the_region(
    on_demand: tuple[EndpointAlarms, Template],
) -> None:
    """Dashboard names are global per account: the region keeps the same region-agnostic
    stack deployed to two regions from colliding."""
    alarms, template = on_demand
    assert alarms.dashboard is not None
    template.has_resource_properties(
        "AWS::CloudWatch::Dashboard",
        {"DashboardName": {"Fn::Join": ["", ["TestStack-", {"Ref": "AWS::Region"}]]}},
    )


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1"])
def test_a_stack_in_a_known_region_names_it(region: str) -> None:
    stack = new_stack(region=region)
    EndpointAlarms(stack, "Alarms", endpoint=_endpoint(stack), alarm_name_prefix="team-a")
    Template.from_stack(stack).has_resource_properties(
        "AWS::CloudWatch::Dashboard", {"DashboardName": f"team-a-{region}"}
    )


def test_a_prefix_a_dashboard_name_cannot_hold_leaves_the_name_to_cloudformation() -> None:
    stack = new_stack()
    EndpointAlarms(stack, "Alarms", endpoint=_endpoint(stack), alarm_name_prefix="team a/prod")
    (dashboard,) = Template.from_stack(stack).find_resources("AWS::CloudWatch::Dashboard").values()
    assert "DashboardName" not in dashboard["Properties"]


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        ("a" * 200, "a" * 200 + "-eu-west-1"),
        ("a" * 201, None),
        ("x.y", None),
        ("a_b-C9", "a_b-C9-eu-west-1"),
    ],
)
def test_dashboard_names_keep_to_the_allowed_pattern(prefix: str, expected: str | None) -> None:
    name = dashboard_name(new_stack(region="eu-west-1"), prefix)
    assert name == expected
    if name is not None:
        assert re.fullmatch(r"[A-Za-z0-9_-]{1,255}", name)


PERIOD_IN_TITLE = {"per minute": 60, "per 5 min": 300, "per hour": 3600}


@pytest.mark.parametrize("fixture", ["on_demand", "everything"])
def test_every_graph_keeps_the_period_its_title_states(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    """Without INHERIT, CloudWatch changes the graphs' periods with the time range, and a
    "USD per hour" graph would show other units when zoomed."""
    template = request.getfixturevalue(fixture)[1]
    assert _body(template)["periodOverride"] == "inherit"
    graphs = [w for w in _widgets(template) if w["type"] == "metric"]
    assert len(graphs) >= 6
    for widget in graphs:
        title = widget["properties"]["title"]
        (stated,) = [p for phrase, p in PERIOD_IN_TITLE.items() if phrase in title]
        default = widget["properties"].get("period", 300)  # CloudWatch's, CDK omits it
        for metric in widget["properties"]["metrics"]:
            options = metric[-1] if isinstance(metric[-1], dict) else {}
            options = metric[0] if isinstance(metric[0], dict) else options
            assert options.get("period", default) == stated, (title, metric)


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


def test_latency_widget_shows_documented_statistics_and_the_alarm_line_in_microseconds(
    on_demand: tuple[EndpointAlarms, Template],
) -> None:
    """AWS documents no percentiles for ModelLatency and OverheadLatency: average and max."""
    widget = _titled(_widgets(on_demand[1]), "ModelLatency and OverheadLatency")
    assert sorted((m[1], m[2]) for m in dashboard_metric_stats(widget)) == [
        ("ModelLatency", "Average"),
        ("ModelLatency", "Maximum"),
        ("OverheadLatency", "Average"),
        ("OverheadLatency", "Maximum"),
    ]
    (line,) = widget["properties"]["annotations"]["horizontal"]
    assert line["value"] == 2_000_000


@pytest.mark.parametrize("fixture", ["on_demand", "everything"])
def test_every_graph_uses_a_statistic_aws_documents_for_its_metric(
    request: pytest.FixtureRequest, fixture: str
) -> None:
    """The same check runs on every linted template; here it is shown not to be vacuous."""
    widgets = _widgets(request.getfixturevalue(fixture)[1])
    plotted = [stat for widget in widgets for stat in dashboard_metric_stats(widget)]
    assert len(plotted) >= 15
    for namespace, name, statistic in plotted:
        documented = documented_statistics(namespace, name)
        assert documented is not None and documented.allows(statistic), (name, statistic)


def test_provisioned_concurrency_and_api_counts_use_their_documented_statistics(
    everything: tuple[EndpointAlarms, Template],
) -> None:
    stats = {
        (m[1], m[2]) for widget in _widgets(everything[1]) for m in dashboard_metric_stats(widget)
    }
    assert ("ServerlessProvisionedConcurrencySpilloverInvocations", "Maximum") in stats
    assert ("ServerlessProvisionedConcurrencyInvocations", "Maximum") in stats
    assert ("Count", "SampleCount") in stats
    assert not {name for name, statistic in stats if statistic == "Sum"} & {
        "Count",
        "ServerlessProvisionedConcurrencySpilloverInvocations",
        "ServerlessProvisionedConcurrencyInvocations",
    }


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
