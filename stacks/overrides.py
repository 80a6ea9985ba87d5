"""``-c key=value`` overrides: which context keys are the user's, and how they apply.

The CDK CLI hands the app one context object: cdk.json's ``context``, cached lookups from
cdk.context.json (``availability-zones:account=123456789012:region=eu-west-1``, whose
filters may hold dots), feature flags (``@aws-cdk/core:...``), the CLI's own keys
(``aws:cdk:enable-path-metadata``...) and every ``-c``. A key is an override when the part
before its first dot is a plain name (letters, digits, ``_``, ``-``): CDK's keys never are,
they hold a ``:`` or start with ``@`` before any dot. Its value is text from the command
line (``CliText``, read as the setting's type needs) or JSON from cdk.json.
"""

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from serverless_inference.validation import Problems

_OVERRIDE_KEY = re.compile(r"[A-Za-z0-9_-]+\.")


@dataclass(frozen=True)
class CliText:
    """A ``-c key=value`` value: text for a string setting, else decoded as JSON."""

    text: str

    def __repr__(self) -> str:
        return repr(self.text)


def dotted_overrides(context: Mapping[str, Any]) -> dict[str, list[str]]:
    """The context keys that are dotted overrides, split at their dots."""
    return {key: key.split(".") for key in context if _OVERRIDE_KEY.match(key)}


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
