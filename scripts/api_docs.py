"""The API reference: HTML pages generated from the docstrings of the library's two packages.

    python scripts/api_docs.py [--output build/docs]      # what `make docs` runs

pdoc renders ``serverless_inference`` (the constructs) and ``serverless_inference_runtime``
(their CDK-free half), one page per public module, as Construct Hub does for libraries
written in TypeScript. The run fails (exit status 1, nothing written) when a public name has
no docstring or pdoc warns, listing each (the pages are not written when a docstring is
missing):

- every public module, class, function, method and property needs a docstring;
- so does every attribute of the classes ``serverless_inference`` exports (and of their
  bases in the library): the names a user composes with, such as ``InferenceApi.rest_api``.

Module constants and the attributes of internal classes are documented where they help,
not by rule.

pdoc reads the source of every base class and of every module an annotation comes from,
to find attribute docstrings and ``TYPE_CHECKING`` imports. aws-cdk-lib's generated modules
are megabytes each (``aws_sagemaker`` alone 4.4 MB), and parsing them took about 15 s of CPU
per run; the reference lists CDK's members only by name ("inherited from"), so this script
does not give pdoc their source: the same pages, in about 3 s. An annotation pdoc then cannot
resolve for a member inherited from aws-cdk-lib is not reported (it is never shown).
"""

import argparse
import functools
import importlib
import inspect
import pkgutil
import re
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pdoc
import pdoc.doc
import pdoc.doc_ast
import pdoc.render

PACKAGES = ("serverless_inference", "serverless_inference_runtime")
ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUTPUT = ROOT / "build" / "docs"


def _ours(name: str) -> bool:
    return any(name == package or name.startswith(package + ".") for package in PACKAGES)


def public_modules() -> list[str]:
    """Both packages and every module in them whose name has no part starting with ``_``."""
    names: list[str] = []
    for package_name in PACKAGES:
        package = importlib.import_module(package_name)
        names.append(package_name)
        for found in pkgutil.walk_packages(package.__path__, package_name + "."):
            if not any(part.startswith("_") for part in found.name.split(".")):
                names.append(found.name)
    return names


@contextmanager
def _own_sources_only() -> Iterator[None]:
    """pdoc reads the source of this library's objects only (see the module docstring)."""
    real = pdoc.doc_ast._get_source

    @functools.cache
    def own_source(obj: Any) -> str:
        module = obj if inspect.ismodule(obj) else inspect.getmodule(obj)
        return real(obj) if module is not None and _ours(module.__name__) else ""

    pdoc.doc_ast._get_source = own_source
    try:
        yield
    finally:
        pdoc.doc_ast._get_source = real


def _exported_classes() -> set[type]:
    """The classes ``serverless_inference`` exports, with their bases in the library."""
    package = importlib.import_module(PACKAGES[0])
    exported = [getattr(package, name) for name in package.__all__]
    return {
        base
        for cls in exported
        if inspect.isclass(cls)
        for base in cls.__mro__
        if _ours(base.__module__)
    }


def _walk(module: pdoc.doc.Module) -> Iterator[pdoc.doc.Doc[Any]]:
    """The public members pdoc documents for ``module`` that are defined in it."""
    pending: list[pdoc.doc.Namespace[Any]] = [module]
    while pending:
        namespace = pending.pop()
        for member in namespace.own_members:
            if member.taken_from[0] != module.modulename or member.name.startswith("_"):
                continue
            yield member
            if isinstance(member, pdoc.doc.Class):
                pending.append(member)


def undocumented(modules: list[str]) -> list[str]:
    """The public names of ``modules`` that need a docstring and have none."""
    with _own_sources_only():
        return _undocumented(modules)


def _undocumented(modules: list[str]) -> list[str]:
    exported = _exported_classes()
    missing: list[str] = []
    for name in modules:
        module = pdoc.doc.Module(importlib.import_module(name))
        if not module.docstring:
            missing.append(name)
        for member in _walk(module):
            if member.docstring:
                continue
            owner = _owner(member)
            is_attribute = isinstance(member, pdoc.doc.Variable) and not isinstance(
                inspect.getattr_static(owner, member.name, None), property
            )
            if not is_attribute or owner in exported:
                missing.append(member.fullname)
    return sorted(missing)


def _owner(member: pdoc.doc.Doc[Any]) -> Any:
    """The class (or module) ``member`` is defined in."""
    module = importlib.import_module(member.modulename)
    owner: Any = module
    for part in member.qualname.split(".")[:-1]:
        owner = getattr(owner, part)
    return owner


def _inherited_from_elsewhere(modules: list[str]) -> set[str]:
    """Full names of the members this library's classes inherit from other libraries."""
    names: set[str] = set()
    for name in modules:
        pending: list[pdoc.doc.Namespace[Any]] = [pdoc.doc.Module(importlib.import_module(name))]
        while pending:
            namespace = pending.pop()
            for member in namespace.members.values():
                if isinstance(namespace, pdoc.doc.Class) and not _ours(member.taken_from[0]):
                    names.add(member.fullname)
                elif isinstance(member, pdoc.doc.Class) and _ours(member.modulename):
                    pending.append(member)
    return names


def _specs(modules: list[str]) -> list[str]:
    """What to hand pdoc: pdoc adds a package's submodules itself unless the package has an
    ``__all__`` (``serverless_inference`` does), whose submodules are then named too."""
    return [
        name
        for name in modules
        if "." not in name or hasattr(importlib.import_module(name.rsplit(".", 1)[0]), "__all__")
    ]


def _about(message: str, names: set[str]) -> bool:
    return any(re.search(rf" for {re.escape(name)}(?!\w|\.\w)", message) for name in names)


def build(output: Path) -> list[str]:
    """Render the reference into ``output``; the problems found (nothing is written then)."""
    modules = public_modules()
    with _own_sources_only(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        problems = [f"no docstring: {name}" for name in undocumented(modules)]
        if not problems:
            pdoc.render.configure(
                docformat="restructuredtext",
                footer_text="cdk-serverless-inference",
                show_source=True,
            )
            pdoc.pdoc(*_specs(modules), output_directory=output)
        inherited = _inherited_from_elsewhere(modules)
    problems += [
        f"pdoc: {warning.message}"
        for warning in caught
        if not _about(str(warning.message), inherited)
    ]
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    args = parser.parse_args(argv)
    problems = build(args.output)
    if problems:
        print("The API reference is incomplete:", *problems, sep="\n  - ", file=sys.stderr)
        return 1
    print(f"API reference: {args.output / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
