"""docs/cli.md's examples are written by docs/cli/make_examples.py between the page's markers,
after the prose of docs/cli/intro.md (the script itself runs the command for minutes, against
moto and the fake runtime: run it by hand after changing the command or intro.md)."""

import ast

from tests.support.markdown import ROOT

SCRIPT = ROOT / "docs" / "cli" / "make_examples.py"


def _constants() -> dict[str, ast.expr]:
    tree = ast.parse(SCRIPT.read_text())
    found: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign):
            for target in node.targets:
                names = target.elts if isinstance(target, ast.Tuple) else [target]
                values = node.value.elts if isinstance(node.value, ast.Tuple) else [node.value]
                for name, value in zip(names, values, strict=True):
                    if isinstance(name, ast.Name):
                        found[name.id] = value
    return found


def test_the_script_writes_docs_cli_md_between_its_markers_after_the_intro() -> None:
    constants = _constants()
    assert ast.unparse(constants["PAGE"]) == "HERE.parent / 'cli.md'"
    begin = ast.literal_eval(constants["BEGIN"])
    end = ast.literal_eval(constants["END"])
    page = (ROOT / "docs" / "cli.md").read_text()
    assert page.count(begin) == 1 and page.count(end) == 1
    written = page.split(begin, 1)[1].split(end, 1)[0]
    intro = (ROOT / "docs" / "cli" / "intro.md").read_text()
    assert written.startswith("\n" + intro + "\n"), "run docs/cli/make_examples.py"
    assert written.endswith("## Charts\n\n" + ast.literal_eval(constants["IMAGES"]))
