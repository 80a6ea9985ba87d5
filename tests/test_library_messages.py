"""What the library says (errors, annotations, alarm descriptions, dashboard text) is in
library terms: props and their values, never a key of this app's cdk.json."""

import ast
import dataclasses
import inspect
import json
import re
import typing
from collections.abc import Callable
from typing import Any

import pytest
from aws_cdk import Duration, Stack
from aws_cdk import aws_scheduler as scheduler
from aws_cdk.assertions import Annotations, Match, Template

from serverless_inference import (
    AlarmsOptions,
    AlarmThresholds,
    ApiAuth,
    ApiOptions,
    ContainerImage,
    EndpointAlarms,
    EndpointOptions,
    InferenceApi,
    KeepWarm,
    KeepWarmOptions,
    ProvisionedConcurrencyScaling,
    ServerlessEndpoint,
    ServerlessInference,
)
from stacks.settings.environment import EnvironmentSettings
from tests.cdk_helpers import new_stack
from tests.support.import_graph import imports_of, package_modules
from tests.test_library_structure import ROOT, RUNTIME_ROOT


def _configuration_terms() -> re.Pattern[str]:
    """How the app's configuration names things: its file, its ``environments`` tree, the
    ``<section>.<key>`` paths of cdk.json and the keys no construct has as a prop
    (``ping_timeout_seconds``, ``model_latency_ms``, ``topic_arn``...)."""
    library_names = {
        *EndpointOptions.__annotations__,
        *ApiOptions.__annotations__,
        *KeepWarmOptions.__annotations__,
        *AlarmsOptions.__annotations__,
        *(f.name for f in dataclasses.fields(AlarmThresholds)),
        *(f.name for f in dataclasses.fields(ApiAuth)),
        *(
            name
            for function in (
                ContainerImage.hugging_face_inference,
                ServerlessInference.__init__,
                EndpointAlarms.__init__,
                ProvisionedConcurrencyScaling.__init__,
                ProvisionedConcurrencyScaling.scale_on_utilization,
                ProvisionedConcurrencyScaling.scale_on_schedule,
            )
            for name in inspect.signature(function).parameters
        ),
    }
    paths: set[str] = set()
    keys: set[str] = set()

    def walk(section: type, prefix: str) -> None:
        for name, hint in typing.get_type_hints(section).items():
            if prefix:
                paths.add(prefix + name)
            if "_" in name and name not in library_names:
                keys.add(name)
            nested = [t for t in (hint, *typing.get_args(hint)) if dataclasses.is_dataclass(t)]
            for nested_section in nested:
                walk(typing.cast(type, nested_section), f"{prefix}{name}.")

    walk(EnvironmentSettings, "")
    # The constructs' own ``endpoint`` prop shares its name with the endpoint section.
    paths = {path for path in paths if not path.startswith("endpoint.")}
    terms = ["cdk.json", "environments.", *sorted(paths), *sorted(keys)]
    return re.compile("|".join(rf"\b{re.escape(term)}\b" for term in terms))


CONFIGURATION_TERMS = _configuration_terms()


def _endpoint(stack: Stack, **props: Any) -> ServerlessEndpoint:
    return ServerlessEndpoint(
        stack, "Endpoint", image=ContainerImage.hugging_face_inference(), **props
    )


def test_templates_and_annotations_use_library_terms() -> None:
    stack = new_stack()
    ServerlessInference(
        stack,
        "Inference",
        image=ContainerImage.hugging_face_inference(),
        memory_size_mb=3072,
        provisioned_concurrency=1,
        api={"auth": ApiAuth.none()},
        keep_warm={"concurrency": 1},
    )
    text = json.dumps(Template.from_stack(stack).to_json())
    annotations = Annotations.from_stack(stack)
    messages = [
        json.dumps(entry.entry.data)
        for entry in annotations.find_info("*", Match.any_value())
        + annotations.find_warning("*", Match.any_value())
    ]
    assert "AlarmDescription" in text and messages  # what is checked is there
    assert CONFIGURATION_TERMS.findall(text) == []
    assert [m for m in messages if CONFIGURATION_TERMS.search(m)] == []


INVALID: list[tuple[str, Callable[[Stack], Any]]] = [
    ("endpoint", lambda s: _endpoint(s, memory_size_mb=1500, max_concurrency=0)),
    (
        "import",
        lambda s: ServerlessEndpoint.from_endpoint_attributes(
            s, "X", endpoint_name="a_b", max_concurrency=0, memory_size_mb=1
        ),
    ),
    (
        "api",
        lambda s: InferenceApi(
            s,
            "Api",
            endpoint=_endpoint(s),
            integration_timeout=Duration.seconds(90),
            log_retention=None,  # type: ignore[arg-type]
            auth="iam",  # type: ignore[arg-type]
        ),
    ),
    (
        "keep-warm",
        lambda s: KeepWarm(
            s,
            "KeepWarm",
            endpoint=_endpoint(s),
            ping_timeout=Duration.minutes(20),
            cold_start_threshold=Duration.millis(0),
            schedule=scheduler.ScheduleExpression.expression("rate(30 seconds)"),
            rate_minutes=5,
        ),
    ),
    (
        "alarms",
        lambda s: EndpointAlarms(
            s,
            "Alarms",
            endpoint=_endpoint(s),
            thresholds=AlarmThresholds(model_latency=Duration.millis(0), keep_warm_errors=0),
            disabled=["latency"],
            price_per_gb_second=2,
        ),
    ),
    (
        "scaling",
        lambda s: ProvisionedConcurrencyScaling(
            s, "Scaling", endpoint=_endpoint(s), min_capacity=0, max_capacity=500
        ),
    ),
]


@pytest.mark.parametrize(("construct", "build"), INVALID, ids=[name for name, _ in INVALID])
def test_errors_use_library_terms(construct: str, build: Callable[[Stack], Any]) -> None:
    with pytest.raises(ValueError) as raised:
        build(new_stack())
    assert " must be " in str(raised.value)
    assert CONFIGURATION_TERMS.findall(str(raised.value)) == [], construct


def test_no_string_of_the_library_names_a_configuration_key() -> None:
    found: dict[str, list[str]] = {}
    # the constructs and the runtime modules they import (whose strings they raise or annotate);
    # the function code's words are its log fields, read in CloudWatch, not the library's
    constructs = package_modules(ROOT, "serverless_inference")
    runtime = package_modules(RUNTIME_ROOT, "serverless_inference_runtime")
    imported = set().union(*(imports_of(path, set(runtime)) for path in constructs.values()))
    assert "serverless_inference_runtime.artifact_rules" in imported
    modules = {**constructs, **{name: runtime[name] for name in imported}}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                for match in CONFIGURATION_TERMS.finditer(node.value):
                    found.setdefault(name, []).append(match.group(0))
    assert found == {}
