"""The library's modules: one job each, no import cycle among them, none over ~500 lines."""

from pathlib import Path

import pytest

import serverless_inference
from tests.support.import_graph import import_cycles, import_graph, package_modules

PACKAGE = "serverless_inference"
ROOT = Path(serverless_inference.__file__).resolve().parent
MAX_LINES = 500


def test_no_import_cycle_among_the_librarys_modules() -> None:
    graph = import_graph(ROOT, PACKAGE)
    assert import_cycles(graph) == []


def test_no_module_over_500_lines() -> None:
    modules = package_modules(ROOT, PACKAGE)
    sizes = {name: len(path.read_text().splitlines()) for name, path in modules.items()}
    assert {name: lines for name, lines in sizes.items() if lines > MAX_LINES} == {}


@pytest.mark.parametrize(
    ("sources", "cycles"),
    [
        # a module-level import one way, a local one back (how alarms and dashboard were tied)
        (
            {
                "alarms.py": "from pkg.dashboard import build\n",
                "dashboard.py": "def f():\n    from pkg.alarms import Alarm\n",
            },
            [["pkg.alarms", "pkg.dashboard", "pkg.alarms"]],
        ),
        # an import under TYPE_CHECKING (how endpoint and scaling were tied)
        (
            {
                "endpoint.py": "from pkg.scaling import Scaling\n",
                "scaling.py": "import typing\nif typing.TYPE_CHECKING:\n"
                "    from pkg.endpoint import Endpoint\n",
            },
            [["pkg.endpoint", "pkg.scaling", "pkg.endpoint"]],
        ),
        # a submodule imported through its package
        (
            {"__init__.py": "from pkg.a import A\n", "a.py": "from pkg import b\n", "b.py": ""},
            [],
        ),
        (
            {
                "a.py": "import pkg.b\n",
                "b.py": "from pkg import c\n",
                "c.py": "from pkg.a import A\n",
            },
            [["pkg.a", "pkg.b", "pkg.c", "pkg.a"]],
        ),
    ],
)
def test_the_cycle_check_finds_every_kind_of_import(
    tmp_path: Path, sources: dict[str, str], cycles: list[list[str]]
) -> None:
    for name, text in sources.items():
        (tmp_path / name).write_text(text)
    assert import_cycles(import_graph(tmp_path, "pkg")) == cycles
