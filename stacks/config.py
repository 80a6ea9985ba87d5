"""The app's configuration: the ``environments`` tree of cdk.json, validated as a whole.

Each section is a frozen dataclass whose fields are the allowed keys and whose
defaults are the documented defaults. ``load_config`` reports every bad key at
once, with its path (``environments.prod.endpoint.memory_size_mb``), and unknown
keys are errors. ``-c`` overrides use dotted paths: ``-c endpoint.memory_size_mb=4096``
applies to every environment, ``-c environments.prod.endpoint.memory_size_mb=4096``
to one; their values are read as JSON when they parse, else as strings.
"""

import dataclasses
import json
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from serverless_inference.endpoint import (
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_MEMORY_SIZE_MB,
    DEFAULT_VARIANT_NAME,
    check_endpoint_props,
)
from serverless_inference.images import HUGGING_FACE_DEFAULT_CPU_TAG
from serverless_inference.validation import Problems

ENVIRONMENT_NAME_CONTEXT_KEY = "env"
ENVIRONMENTS_CONTEXT_KEY = "environments"


@dataclass(frozen=True)
class EndpointSettings:
    """``environments.<name>.endpoint``: the model and its serverless endpoint."""

    model_id: str = "distilbert/distilbert-base-uncased-finetuned-sst-2-english"
    task: str = "text-classification"
    image_tag: str = HUGGING_FACE_DEFAULT_CPU_TAG
    memory_size_mb: int = DEFAULT_MEMORY_SIZE_MB
    max_concurrency: int = DEFAULT_MAX_CONCURRENCY
    provisioned_concurrency: int | None = None
    variant_name: str = DEFAULT_VARIANT_NAME
    endpoint_name: str | None = None
    environment: dict[str, str] = field(default_factory=dict)

    def check(self, problems: Problems) -> None:
        """Record problems the endpoint itself would refuse."""
        check_endpoint_props(
            problems,
            environment=self.environment,
            memory_size_mb=self.memory_size_mb,
            max_concurrency=self.max_concurrency,
            provisioned_concurrency=self.provisioned_concurrency,
            variant_name=self.variant_name,
            endpoint_name=self.endpoint_name,
        )


@dataclass(frozen=True)
class EnvironmentSettings:
    """``environments.<name>``: one deployment of the app."""

    account: str | None = None
    region: str | None = None
    endpoint: EndpointSettings = field(default_factory=EndpointSettings)

    def check(self, problems: Problems) -> None:
        """Record problems of every section."""
        self.endpoint.check(problems.under("endpoint."))


@dataclass(frozen=True)
class AppConfig:
    """The environments to synthesize, by name."""

    environments: dict[str, EnvironmentSettings]


def load_config(context: Mapping[str, Any]) -> AppConfig:
    """Read and validate the app's configuration from the CDK context.

    Raises one ``ValueError`` listing every problem, each with its key path.
    """
    problems = Problems("configuration (cdk.json context)")
    tree = _with_overrides(context.get(ENVIRONMENTS_CONTEXT_KEY), context, problems)
    environments: dict[str, EnvironmentSettings] = {}
    for name, raw in tree.items():
        path = f"{ENVIRONMENTS_CONTEXT_KEY}.{name}."
        settings = parse_section(EnvironmentSettings, raw, problems, path)
        if settings is not None:
            settings.check(problems.under(path))
            environments[name] = settings
    selected = context.get(ENVIRONMENT_NAME_CONTEXT_KEY)
    if selected is not None and selected not in tree:
        problems.add(ENVIRONMENT_NAME_CONTEXT_KEY, selected, "one of " + ", ".join(tree))
    problems.raise_if_any()
    if selected is not None:
        environments = {selected: environments[selected]}
    return AppConfig(environments=environments)


def _with_overrides(
    environments: Any, context: Mapping[str, Any], problems: Problems
) -> dict[str, Any]:
    """The environments tree with the dotted ``-c`` overrides applied."""
    if not isinstance(environments, dict) or not environments:
        problems.add(
            ENVIRONMENTS_CONTEXT_KEY, environments, "an object with one entry per environment"
        )
        return {}
    tree = json.loads(json.dumps(environments))
    sections = {f.name for f in dataclasses.fields(EnvironmentSettings)}
    for key, value in context.items():
        path = key.split(".")
        if len(path) < 2:
            continue
        if path[0] == ENVIRONMENTS_CONTEXT_KEY:
            targets = [path[1]] if path[1] in tree else []
            if not targets:
                problems.add(key, value, f"an override of a known environment ({', '.join(tree)})")
            rest = path[2:]
        elif path[0] in sections:
            targets = list(tree)
            rest = path
        else:
            continue
        for name in targets:
            _set_path(tree[name], rest, _decode(value))
    return typing.cast(dict[str, Any], tree)


def _decode(value: Any) -> Any:
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def _set_path(node: dict[str, Any], path: list[str], value: Any) -> None:
    for part in path[:-1]:
        node = node.setdefault(part, {})
    node[path[-1]] = value


Section = TypeVar("Section")


def parse_section(cls: type[Section], raw: Any, problems: Problems, path: str) -> Section | None:
    """Build the dataclass ``cls`` from ``raw``, recording wrong types and unknown keys."""
    if not isinstance(raw, dict):
        problems.add(path.rstrip("."), raw, "an object")
        return None
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in fields:
            problems.unknown_key(f"{path}{key}", fields)
            continue
        converted = _convert(hints[key], value, problems, f"{path}{key}")
        if converted is not _INVALID:
            values[key] = converted
    return cls(**values)


_INVALID = object()


def _convert(hint: Any, value: Any, problems: Problems, path: str) -> Any:
    """``value`` checked against the type ``hint``, or ``_INVALID`` after recording why."""
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        (hint,) = [option for option in options if option is not type(None)]
        origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        section = parse_section(typing.cast(type, hint), value, problems, path + ".")
        return section if section is not None else _INVALID
    if origin is dict:
        if isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            return dict(value)
        problems.add(path, value, "an object of strings")
        return _INVALID
    if origin is list:
        (item,) = typing.get_args(hint)
        if isinstance(value, list) and all(_is_instance(item, v) for v in value):
            return list(value)
        problems.add(path, value, f"a list of {_describe(item)}")
        return _INVALID
    if _is_instance(hint, value):
        return float(value) if hint is float else value
    problems.add(path, value, _describe(hint))
    return _INVALID


def _is_instance(hint: Any, value: Any) -> bool:
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _describe(hint: Any) -> str:
    return {int: "a whole number", float: "a number", str: "a string", bool: "true or false"}.get(
        hint, str(hint)
    )
