"""docs/configuration.md's table of every key is the app's schema, and every cdk.json example
of the README and docs/ loads through the app's configuration loader and builds the app."""

import dataclasses
import json
import re
import typing
from typing import Any

import pytest
from aws_cdk import App

from stacks import build_app
from stacks.config import CONFIGURATION_CONTEXT_KEYS, load_config
from stacks.overrides import ENVIRONMENTS_CONTEXT_KEY, PIPELINE_CONTEXT_KEY
from stacks.settings.environment import EnvironmentSettings
from stacks.settings.pipeline import PipelineSettings
from tests.cdk_helpers import cdk_json_context
from tests.support.markdown import ROOT, code_blocks, pages
from tests.support.modules import load_module

PAGE = "docs/configuration.md"
BEGIN, END = "<!-- configuration keys: begin -->", "<!-- configuration keys: end -->"
SECTION = "section"
"""The default cell of a key that holds other keys."""
REQUIRED = "required"
"""The default cell of a key without a usable default that must be given."""
EXAMPLES: dict[str, dict[str, Any]] = load_module(
    "readme_config", ROOT / "scripts" / "readme_config.py"
).documented_examples()


class _Section:
    """The schema's default of a key holding other keys."""


def _walk(cls: type, prefix: str, keys: dict[str, Any], walked: set[type]) -> None:
    """Add the keys of the section ``cls`` below ``prefix``. A section of a type already
    walked is one row (its page row names the keys it shares); a map of sections by name
    (``dict[str, Section]``) is a row, and its entries ``<prefix><key>.<name>`` are sections."""
    walked.add(cls)
    hints = typing.get_type_hints(cls)
    defaults = cls()
    for field in dataclasses.fields(cls):
        default = getattr(defaults, field.name)
        hint = hints[field.name]
        key = prefix + field.name
        keys[key] = _Section() if dataclasses.is_dataclass(default) else default
        options = [hint, *typing.get_args(hint)]
        maps = [typing.get_args(t)[1] for t in options if typing.get_origin(t) is dict]
        sections = {t for t in [*options, *maps] if dataclasses.is_dataclass(t)}
        if not sections:
            continue
        (section,) = sections
        if maps:
            key += ".<name>"
            keys[key] = _Section()
        if section not in walked:
            _walk(typing.cast(type, section), key + ".", keys, walked)


def schema_keys() -> dict[str, Any]:
    """Every key of cdk.json's configuration, by dotted path, with its default."""
    defaults = load_config({ENVIRONMENTS_CONTEXT_KEY: {"dev": {}}})
    keys: dict[str, Any] = {}
    for key in CONFIGURATION_CONTEXT_KEYS:
        if key == ENVIRONMENTS_CONTEXT_KEY:
            keys[key] = keys[f"{key}.<env>"] = _Section()
            _walk(EnvironmentSettings, f"{key}.<env>.", keys, set())
        elif key == PIPELINE_CONTEXT_KEY:
            keys[key] = _Section()
            _walk(PipelineSettings, f"{key}.", keys, set())
        else:
            keys[key] = getattr(defaults, key)
    return keys


def documented_keys() -> dict[str, str]:
    """The rows of the page's table: key -> its default cell."""
    text = (ROOT / PAGE).read_text()
    table = text.split(BEGIN, 1)[1].split(END, 1)[0].strip().splitlines()
    rows: dict[str, str] = {}
    for line in table[2:]:
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
        key = cells[0].strip("`")
        assert key not in rows, f"{key} twice"
        rows[key] = cells[1]
    return rows


def test_the_table_has_every_key_of_the_schema_and_no_other() -> None:
    documented, schema = set(documented_keys()), set(schema_keys())
    assert sorted(schema - documented) == [], "keys missing from the table"
    assert sorted(documented - schema) == [], "keys in the table the app does not know"


@dataclasses.dataclass(frozen=True)
class _Leaf:
    value: int = 1


@dataclasses.dataclass(frozen=True)
class _Tree:
    first: _Leaf = dataclasses.field(default_factory=_Leaf)
    again: _Leaf | None = None
    by_name: dict[str, _Leaf] = dataclasses.field(default_factory=dict)


def test_a_section_type_is_listed_once_and_a_map_of_sections_by_name() -> None:
    keys: dict[str, Any] = {}
    _walk(_Tree, "tree.", keys, set())
    shown = {key: SECTION if isinstance(v, _Section) else v for key, v in keys.items()}
    assert shown == {
        "tree.first": SECTION,
        "tree.first.value": 1,
        "tree.again": None,
        "tree.by_name": {},
        "tree.by_name.<name>": SECTION,
    }


def _documented_default(cell: str) -> Any:
    literal = re.match(r"`([^`]+)`", cell)
    assert literal is not None, cell
    return json.loads(literal[1])


@pytest.mark.parametrize("key", sorted(schema_keys()))
def test_the_table_gives_the_schemas_default(key: str) -> None:
    cell, default = documented_keys()[key], schema_keys()[key]
    if isinstance(default, _Section):
        assert cell == SECTION
    elif cell.startswith(REQUIRED):
        assert default in (None, ""), f"{key} has a default: {default!r}"
    else:
        assert _documented_default(cell) == default


def _applied(settings: Any, example: dict[str, Any], path: str) -> None:
    """Every key the example sets has its value in the loaded settings (a map of sections by
    name, such as ``models``, entry by entry)."""
    for key, value in example.items():
        actual = getattr(settings, key)
        if dataclasses.is_dataclass(actual) and isinstance(value, dict):
            _applied(actual, value, f"{path}{key}.")
        elif isinstance(actual, dict) and any(map(dataclasses.is_dataclass, actual.values())):
            assert set(actual) == set(value), f"{path}{key}"
            for name, entry in value.items():
                _applied(actual[name], entry, f"{path}{key}.{name}.")
        else:
            assert actual == value, f"{path}{key}"


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_cdk_json_example_loads_and_builds_the_app(name: str) -> None:
    example = EXAMPLES[name]
    context = {**cdk_json_context(), **example}
    config = load_config(context)
    for environment, settings in example.get(ENVIRONMENTS_CONTEXT_KEY, {}).items():
        loaded = config.environments.get(environment, config.pipeline_stages.get(environment))
        _applied(loaded, settings, f"environments.{environment}.")
    stacks = build_app(App(context=context))
    assert set(stacks) == set(config.environments)


def test_a_json_block_of_configuration_keys_is_a_named_cdk_json_example() -> None:
    for page in pages():
        for block in code_blocks(page):
            if block.language != "json":
                continue
            try:
                value = json.loads(block.text)
            except json.JSONDecodeError:
                continue
            if isinstance(value, dict) and value and set(value) <= set(CONFIGURATION_CONTEXT_KEYS):
                assert block.marker is not None and block.marker.startswith("cdk.json example: "), (
                    f"{block.name}: name it with <!-- cdk.json example: <name> --> so it is tested"
                )
