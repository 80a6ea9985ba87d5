"""The app's code (``stacks/``): one job per module, no import cycles, no module that needs a
scroll bar to find its seams."""

from tests.cdk_helpers import ROOT
from tests.support.import_graph import import_cycles, import_graph, package_modules

PACKAGE = "stacks"
MAX_LINES = 500
GRAPH = import_graph(ROOT / PACKAGE, PACKAGE)


def test_the_graph_sees_the_imports() -> None:
    assert "stacks.settings.environment" in GRAPH["stacks.config"]
    assert "stacks.settings.endpoint" in GRAPH["stacks.settings.environment"]


def test_no_import_cycles() -> None:
    # The package's __init__ (build_app) imports the loader; no module imports it back.
    assert import_cycles(GRAPH) == []


def test_no_module_over_500_lines() -> None:
    modules = package_modules(ROOT / PACKAGE, PACKAGE)
    sizes = {name: len(path.read_text().splitlines()) for name, path in modules.items()}
    assert {name: lines for name, lines in sizes.items() if lines > MAX_LINES} == {}


def test_each_section_of_an_environment_has_a_module_of_its_own() -> None:
    sections = {"endpoint", "api", "keep_warm", "scaling", "alarms", "pipeline"}
    assert {f"stacks.settings.{section}" for section in sections} <= set(GRAPH)
