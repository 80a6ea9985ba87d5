"""``-c key=value`` overrides: which context keys are the user's, and how they apply.

The CDK CLI hands the app one context object: cdk.json's ``context``, cached lookups from
cdk.context.json (``availability-zones:account=123456789012:region=eu-west-1``, whose
filters may hold dots), feature flags (``@aws-cdk/core:...``), the CLI's own keys
(``aws:cdk:enable-path-metadata``...) and every ``-c``. A key is an override when the part
before its first dot is a plain name (letters, digits, ``_``, ``-``): CDK's keys never are,
they hold a ``:`` or start with ``@`` before any dot. Its value is text from the command
line (``CliText``, read as the setting's type needs) or JSON from cdk.json.

``-c endpoint.memory_size_mb=4096`` applies to every environment (to every model of an
environment with ``models``: ``endpoint``, ``keep_warm`` and ``scaling`` are each model's),
``-c environments.prod.endpoint.memory_size_mb=4096`` to one, ``-c pipeline.branch=x`` to the
pipeline; a dotted key whose first part names no setting is an error.
"""

import dataclasses
import json
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from serverless_inference.validation import Problems
from stacks.settings.environment import EnvironmentSettings
from stacks.settings.models import MODEL_SECTIONS

ENVIRONMENTS_CONTEXT_KEY = "environments"
PIPELINE_CONTEXT_KEY = "pipeline"
_OVERRIDE_KEY = re.compile(r"[A-Za-z0-9_-]+\.")
_NAMED_SECTIONS = ("models", "fan_outs")
"""Sections whose entries are named per environment: overridden only under ``environments.``"""
_ENVIRONMENT_KEYS = tuple(
    f.name for f in dataclasses.fields(EnvironmentSettings) if f.name not in _NAMED_SECTIONS
)
OVERRIDE_FORMS = (
    f"{ENVIRONMENTS_CONTEXT_KEY}.<name>.<key>",
    f"{PIPELINE_CONTEXT_KEY}.<key>",
    *(
        f"{name}.<key>" if dataclasses.is_dataclass(hint) else name
        for name, hint in typing.get_type_hints(EnvironmentSettings).items()
        if name in _ENVIRONMENT_KEYS
    ),
)
"""How a ``-c`` key may begin, for the error on one that begins otherwise."""


@dataclass(frozen=True)
class CliText:
    """A ``-c key=value`` value: text for a string setting, else decoded as JSON."""

    text: str

    def __repr__(self) -> str:
        return repr(self.text)


def dotted_overrides(context: Mapping[str, Any]) -> dict[str, list[str]]:
    """The context keys that are dotted overrides, split at their dots."""
    return {key: key.split(".") for key in context if _OVERRIDE_KEY.match(key)}


def pipeline_overrides(context: Mapping[str, Any]) -> dict[str, list[str]]:
    """The ``-c pipeline.<key>...`` overrides: context key -> path inside ``pipeline``."""
    return {
        key: path[1:]
        for key, path in dotted_overrides(context).items()
        if path[0] == PIPELINE_CONTEXT_KEY
    }


def with_overrides(
    environments: Any, context: Mapping[str, Any], problems: Problems
) -> dict[str, Any]:
    """The environments tree with the ``-c`` overrides applied: first those of every
    environment (``endpoint.memory_size_mb``, or a whole setting such as ``region``), then
    those of one (``environments.prod.endpoint.memory_size_mb``), so the narrower wins."""
    if not isinstance(environments, dict) or not environments:
        problems.add(
            ENVIRONMENTS_CONTEXT_KEY, environments, "an object with one entry per environment"
        )
        return {}
    tree: dict[str, Any] = json.loads(json.dumps(environments))
    overrides = dotted_overrides(context)
    overrides.update({key: [key] for key in _ENVIRONMENT_KEYS if key in context})
    every = {key: path for key, path in overrides.items() if path[0] in _ENVIRONMENT_KEYS}
    one = {key: path for key, path in overrides.items() if path[0] == ENVIRONMENTS_CONTEXT_KEY}
    for key, path in every.items():
        for name in tree:
            models = tree[name].get("models") if isinstance(tree[name], dict) else None
            if isinstance(models, dict) and path[0] in MODEL_SECTIONS:
                # A section each model has of its own: the override applies to every model.
                for model in models:
                    _apply(models, model, path, context[key], problems, key)
            else:
                _apply(tree, name, path, context[key], problems, key)
    for key, path in one.items():
        if path[1] in tree:
            _apply(tree, path[1], path[2:], context[key], problems, key)
        else:
            known = ", ".join(tree)
            problems.add(key, context[key], f"an override of a known environment ({known})")
    for key, path in overrides.items():
        if key not in every and key not in one and path[0] != PIPELINE_CONTEXT_KEY:
            problems.unknown_key(key, OVERRIDE_FORMS)
    return tree


def _apply(
    tree: dict[str, Any], name: str, path: list[str], value: Any, problems: Problems, key: str
) -> None:
    """Override ``path`` of environment ``name`` (the whole environment when empty)."""
    if path:
        environment = tree[name]
        if isinstance(environment, dict):
            set_path(environment, path, from_cli(value), problems, key)
        else:
            problems.add(key, value, f"an override of an object (environments.{name} is not)")
    else:
        tree[name] = decode(value)


def from_cli(value: Any) -> Any:
    """A context value as an override: strings (all ``-c`` values are) become ``CliText``."""
    return CliText(value) if isinstance(value, str) else value


def decode(value: Any) -> Any:
    """A JSON text decoded (``-c key='{...}'``); anything else unchanged."""
    if isinstance(value, CliText):
        value = value.text
    if not isinstance(value, str):
        return value
    try:
        return json.loads(value)
    except json.JSONDecodeError:
        return value


def plain(value: Any) -> Any:
    """``value`` with every ``CliText`` inside it decoded: for settings of any JSON type."""
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return decode(value) if isinstance(value, CliText) else value


def set_path(
    node: dict[str, Any], path: list[str], value: Any, problems: Problems, key: str
) -> None:
    """Set ``node[path[0]]...[path[-1]] = value``, creating objects on the way; a part that
    holds something else than an object is a problem of ``key``."""
    for depth, part in enumerate(path[:-1]):
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            where = ".".join(path[: depth + 1])
            problems.add(key, value, f"a path through objects ({where} is {child!r})")
            return
        node = child
    node[path[-1]] = value
