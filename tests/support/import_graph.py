"""The import graph of a Python package, read with ``ast`` (nothing is imported), and its cycles.

Every import counts, wherever it stands: in a function, under ``TYPE_CHECKING``, at the top.
``from package import name`` is an edge to the module ``package.name`` when there is one, else
to ``package`` itself.
"""

import ast
from collections.abc import Mapping, Set
from pathlib import Path


def package_modules(root: Path, package: str) -> dict[str, Path]:
    """The modules of ``package`` (whose folder is ``root``) by dotted name."""
    return {
        ".".join((package, *path.relative_to(root).with_suffix("").parts)).removesuffix(
            ".__init__"
        ): path
        for path in sorted(root.rglob("*.py"))
    }


def imports_of(path: Path, modules: Set[str]) -> set[str]:
    """The modules among ``modules`` that the file at ``path`` imports."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names if alias.name in modules)
        elif isinstance(node, ast.ImportFrom) and node.module is not None:
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                if submodule in modules:
                    found.add(submodule)
                elif node.module in modules:
                    found.add(node.module)
    return found


def import_graph(root: Path, package: str) -> dict[str, set[str]]:
    """Each module of ``package`` and the modules of the package it imports."""
    modules = package_modules(root, package)
    return {name: imports_of(path, set(modules)) - {name} for name, path in modules.items()}


def import_cycles(graph: Mapping[str, Set[str]]) -> list[list[str]]:
    """Every cycle of ``graph`` once, as the modules along it (first module repeated last),
    starting at its smallest name."""
    cycles: set[tuple[str, ...]] = set()

    def visit(name: str, trail: tuple[str, ...]) -> None:
        if name in trail:
            cycle = trail[trail.index(name) :]
            start = cycle.index(min(cycle))
            cycles.add(cycle[start:] + cycle[:start])
            return
        for imported in sorted(graph.get(name, ())):
            visit(imported, (*trail, name))

    for name in sorted(graph):
        visit(name, ())
    return [[*cycle, cycle[0]] for cycle in sorted(cycles)]
