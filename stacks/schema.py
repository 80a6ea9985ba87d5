"""The shape of a section: its keys and the type of each, read from its dataclass.

``parse_section`` builds a section's dataclass from cdk.json's object, reporting every
unknown key (with the known ones) and every value of the wrong type, each with its key path,
and keeping the valid values, so that the section's own checks still run on them: one
``ConfigurationError`` lists every problem at once. A ``-c`` value (``CliText``) is read as the
setting's type needs: text for a string setting, JSON for any other.
"""

import dataclasses
import json
import types
import typing
from typing import Any, TypeVar

from serverless_inference.validation import Problems
from stacks.overrides import CliText, decode, plain

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
    value = _from_text(hint, value)
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
    if origin is dict and dataclasses.is_dataclass(typing.get_args(hint)[1]):
        return _named_sections(typing.get_args(hint)[1], value, problems, path)
    if origin is dict and typing.get_args(hint)[1] is Any:
        value = plain(value)
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            return json.loads(json.dumps(value))
        problems.add(path, value, "a JSON object")
        return _INVALID
    if origin is dict:
        if isinstance(value, dict):
            value = {k: _from_text(str, v) for k, v in value.items()}
        if isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()
        ):
            return dict(value)
        problems.add(path, value, "an object of strings")
        return _INVALID
    if origin is list:
        (item,) = typing.get_args(hint)
        if isinstance(value, list) and all(is_instance(item, v) for v in value):
            return list(value)
        problems.add(path, value, f"a list of {_describe(item)}")
        return _INVALID
    if is_instance(hint, value):
        return float(value) if hint is float else value
    problems.add(path, value, _describe(hint))
    return _INVALID


def _named_sections(cls: Any, value: Any, problems: Problems, path: str) -> Any:
    """An object of sections by name (``models``: one section per model), each parsed on its
    own so that a bad one does not hide the others' problems."""
    value = plain(value)
    if not isinstance(value, dict):
        problems.add(path, value, "an object with one entry per name")
        return _INVALID
    sections = {
        str(name): parse_section(cls, raw, problems, f"{path}.{name}.")
        for name, raw in value.items()
    }
    return {name: section for name, section in sections.items() if section is not None}


def _from_text(hint: Any, value: Any) -> Any:
    """A ``-c`` value as the setting of type ``hint`` reads it: the text itself for a string
    setting (``-c endpoint.model_id=1234`` stays text), else its JSON (``null`` clears)."""
    if not isinstance(value, CliText):
        return value
    takes_text = hint is str or (
        typing.get_origin(hint) in (types.UnionType, typing.Union) and str in typing.get_args(hint)
    )
    return value.text if takes_text and value.text != "null" else decode(value)


def is_instance(hint: Any, value: Any) -> bool:
    """Whether ``value`` is of the type ``hint`` as JSON reads it: an int is a number, no bool
    is a number."""
    if hint is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, hint)


def _describe(hint: Any) -> str:
    return {int: "a whole number", float: "a number", str: "a string", bool: "true or false"}.get(
        hint, str(hint)
    )
