"""The API reference of `make docs`: pdoc renders every public module of both packages, and
every public name has a docstring (scripts/api_docs.py)."""

import sys
from pathlib import Path

import pytest

import serverless_inference
from tests.cdk_helpers import ROOT
from tests.support.modules import load_module

API_DOCS = load_module("api_docs", ROOT / "scripts" / "api_docs.py")


def test_make_docs_renders_a_page_per_public_module_without_a_problem(tmp_path: Path) -> None:
    assert API_DOCS.build(tmp_path) == []
    pages = {
        page.relative_to(tmp_path).with_suffix("").as_posix().replace("/", ".")
        for page in tmp_path.rglob("*.html")
    }
    assert pages == {"index", *API_DOCS.public_modules()}
    assert {"serverless_inference.registries", "serverless_inference_runtime.limits"} <= pages
    package_page = (tmp_path / "serverless_inference.html").read_text()
    for name in serverless_inference.__all__:
        assert f'id="{name}"' in package_page, name


def test_the_makefile_writes_the_reference_into_build_docs() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "\t$(BIN)/python scripts/api_docs.py --output build/docs\n" in makefile
    assert "build/" in (ROOT / ".gitignore").read_text().splitlines()


UNDOCUMENTED = '''"""A module."""


class Part:
    """A class."""

    def __init__(self) -> None:
        self.attribute = 1

    def method(self) -> None:
        pass


def function() -> None:
    pass
'''


def test_public_names_without_a_docstring_are_reported(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "undocumented_part.py").write_text(UNDOCUMENTED)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(API_DOCS, "PACKAGES", (*API_DOCS.PACKAGES, "undocumented_part"))
    found = API_DOCS.undocumented(["undocumented_part"])
    assert found == ["undocumented_part.Part.method", "undocumented_part.function"]
    # an attribute needs one when its class is exported by serverless_inference
    part = sys.modules["undocumented_part"].Part
    monkeypatch.setattr(API_DOCS, "_exported_classes", lambda: {part})
    assert "undocumented_part.Part.attribute" in API_DOCS.undocumented(["undocumented_part"])
