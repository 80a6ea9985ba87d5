"""Every relative link and ``#anchor`` of the README and docs/ resolves (GitHub's anchor rules),
and every page of docs/ is reachable from the README."""

from pathlib import PurePosixPath

import pytest

from tests.support.markdown import (
    FRAGMENTS,
    ROOT,
    anchors,
    heading_anchors,
    links,
    pages,
    slug,
    text_links,
)

EXTERNAL = ("http://", "https://", "mailto:")
README_MOST_LINES = 320
"""The README is the front page ("about 300 lines"); everything else lives in docs/."""


def _resolve(page: str, target: str) -> tuple[str, str | None]:
    """The linked file (relative to the repository) and the anchor, if any."""
    file_part, _, anchor = target.partition("#")
    if not file_part:
        return page, anchor
    joined = PurePosixPath(page).parent / file_part
    parts: list[str] = []
    for part in joined.parts:
        if part == "..":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts), anchor or None


def _internal_links() -> list[tuple[str, int, str]]:
    return [
        (link.path, link.line, link.target)
        for page in pages()
        if page not in FRAGMENTS
        for link in links(page)
        if not link.target.startswith(EXTERNAL)
    ]


@pytest.mark.parametrize(
    ("page", "line", "target"),
    _internal_links(),
    ids=[f"{page}:{line}" for page, line, _ in _internal_links()],
)
def test_relative_link_resolves(page: str, line: int, target: str) -> None:
    linked, anchor = _resolve(page, target)
    assert (ROOT / linked).exists(), f"{page}:{line}: {target} -> no file {linked}"
    if anchor is not None:
        assert linked.endswith(".md"), f"{page}:{line}: an anchor into {linked}"
        assert anchor in anchors(linked), (
            f"{page}:{line}: {target} -> no heading of {linked} has the anchor #{anchor}"
        )


def test_every_docs_page_is_reachable_from_the_readme() -> None:
    reached: set[str] = set()
    pending = ["README.md"]
    while pending:
        page = pending.pop()
        if page in reached:
            continue
        reached.add(page)
        for link in links(page):
            linked, _ = _resolve(page, link.target)
            if linked.endswith(".md") and (ROOT / linked).is_file():
                pending.append(linked)
    docs_pages = {page for page in pages() if page.startswith("docs/") and page not in FRAGMENTS}
    assert docs_pages - reached == set()
    # the map links every page itself, and the README links the map
    readme_targets = {_resolve("README.md", link.target)[0] for link in links("README.md")}
    index = {_resolve("docs/README.md", link.target)[0] for link in links("docs/README.md")}
    assert "docs/README.md" in readme_targets
    assert docs_pages - {"docs/README.md"} - index == set()


def test_the_readme_stays_a_summary() -> None:
    assert len((ROOT / "README.md").read_text().splitlines()) <= README_MOST_LINES


@pytest.mark.parametrize(
    ("heading", "anchor"),
    [
        ("`ServerlessInference`: the whole pattern", "serverlessinference-the-whole-pattern"),
        ("Command-line overrides (`-c`)", "command-line-overrides--c"),
        ("AWS's Hugging Face image in every region", "awss-hugging-face-image-in-every-region"),
        ("3. Configure and deploy the pipeline once", "3-configure-and-deploy-the-pipeline-once"),
        (
            "Configuration: the `pipeline` key of cdk.json",
            "configuration-the-pipeline-key-of-cdkjson",
        ),
        ("[`ModelData`](x.md): the model_artifact", "modeldata-the-model_artifact"),
    ],
)
def test_anchors_follow_githubs_rules(heading: str, anchor: str) -> None:
    assert slug(heading) == anchor


def test_a_repeated_heading_gets_a_numbered_anchor_and_code_has_no_headings() -> None:
    text = "# Errors\n\n## Errors\n\n```bash\n# Errors, a shell comment\n```\n\n## Errors\n"
    assert heading_anchors(text) == {"errors", "errors-1", "errors-2"}


def test_a_link_may_wrap_and_code_holds_no_links() -> None:
    text = (
        "A [wrapped\nlink](a.md#b), `[code](x.md)` and ```` `[code`](y.md) ````.\n"
        "\n```python\n[code](z.md)\n```\nThen [one](c.md).\n"
    )
    assert [(link.line, link.target) for link in text_links("p.md", text)] == [
        (1, "a.md#b"),
        (7, "c.md"),
    ]
