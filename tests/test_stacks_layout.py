"""The app's code (``stacks/``): one job per module, no import cycles, no module that needs a
scroll bar to find its seams."""

from tests.cdk_helpers import ROOT
from tests.support.imports import import_cycles, module_imports

MAX_MODULE_LINES = 500
GRAPH = module_imports(ROOT, "stacks")


def test_the_graph_sees_the_imports() -> None:
    assert "stacks.settings.environment" in GRAPH["stacks.config"]
    assert "stacks.settings.endpoint" in GRAPH["stacks.settings.environment"]


def test_no_import_cycles() -> None:
    # The package's __init__ (build_app) imports the loader; no module imports it back.
    assert import_cycles(GRAPH) == []


def test_the_cycle_search_finds_a_cycle() -> None:
    assert import_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": set()}) == [["a", "b", "c", "a"]]


def test_no_module_over_500_lines() -> None:
    lengths = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for path in (ROOT / "stacks").rglob("*.py")
    }
    assert {path: n for path, n in lengths.items() if n > MAX_MODULE_LINES} == {}


def test_each_section_of_an_environment_has_a_module_of_its_own() -> None:
    sections = {"endpoint", "api", "keep_warm", "scaling", "alarms"}
    assert {f"stacks.settings.{s}" for s in sections} <= set(GRAPH)
