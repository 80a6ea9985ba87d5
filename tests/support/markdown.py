"""The project's Markdown as the documentation tests read it: pages, fenced code blocks with
the marker line above them, links, and headings with the anchors GitHub gives them."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FRAGMENTS = {
    "docs/cli/intro.md": "the introduction docs/cli/make_examples.py writes into docs/cli.md"
}
"""Markdown files that are no page of their own, with what they are part of."""

_FENCE = re.compile(r"^(?P<indent>[ ]*)```(?P<language>[\w-]*)[ ]*$")
_MARKER = re.compile(r"^\s*<!-- (?P<marker>[^>]*?) -->\s*$")
_LINK = re.compile(r"!?\[(?P<text>[^\]]*)\]\((?P<target>[^)\s]+)\)")
_INLINE_CODE = re.compile(r"(?<!`)(`+)(?!`).*?(?<!`)\1(?!`)", re.S)
"""A code span: a run of backticks up to the next run of as many (CommonMark)."""
_HEADING = re.compile(r"^(#{1,6})\s+(?P<text>.+?)\s*#*\s*$")


@dataclass(frozen=True)
class CodeBlock:
    """A fenced code block of a page."""

    path: str
    """The page, relative to the repository."""
    line: int
    """The line of its opening fence (1-based)."""
    language: str
    text: str
    """Its content, without the fences and without the fence's indentation."""
    marker: str | None
    """The HTML comment on the line right above the fence (``example: client``), if any."""

    @property
    def name(self) -> str:
        """``<path>:<line>``, how a test names the block."""
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class Link:
    """A Markdown link or image of a page (outside code)."""

    path: str
    line: int
    target: str


def pages() -> list[str]:
    """README.md, CHANGELOG.md and every Markdown file under docs/, relative to the repository."""
    found = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").rglob("*.md"))]
    return [path.relative_to(ROOT).as_posix() for path in found]


def _lines(path: str) -> list[str]:
    return (ROOT / path).read_text().split("\n")


def _prose(lines: list[str]) -> Iterator[tuple[int, str]]:
    """The lines of a page outside fenced code blocks, with their 1-based numbers."""
    fence: str | None = None
    for number, line in enumerate(lines, start=1):
        opened = _FENCE.match(line)
        if fence is None and opened:
            fence = opened["indent"]
        elif fence is not None and line.strip() == "```" and line.startswith(fence):
            fence = None
        elif fence is None:
            yield number, line


def code_blocks(path: str) -> list[CodeBlock]:
    """Every fenced code block of a page, in order."""
    lines = _lines(path)
    blocks: list[CodeBlock] = []
    number = 0
    while number < len(lines):
        opened = _FENCE.match(lines[number])
        if not opened:
            number += 1
            continue
        indent = opened["indent"]
        end = number + 1
        while not (lines[end].strip() == "```" and lines[end].startswith(indent)):
            end += 1
        above = _MARKER.match(lines[number - 1]) if number > 0 else None
        body = [line.removeprefix(indent) for line in lines[number + 1 : end]]
        blocks.append(
            CodeBlock(
                path=path,
                line=number + 1,
                language=opened["language"],
                text="\n".join(body) + "\n",
                marker=above["marker"] if above else None,
            )
        )
        number = end + 1
    return blocks


def _paragraphs(lines: list[str]) -> Iterator[tuple[int, str]]:
    """The runs of non-blank lines outside fenced code blocks, joined, with the number of
    their first line: a link's text may wrap onto the next line."""
    start, run = 0, list[str]()
    for number, line in [*_prose(lines), (len(lines) + 1, "")]:
        if line.strip() and (not run or number == start + len(run)):
            start = start if run else number
            run.append(line)
            continue
        if run:
            yield start, "\n".join(run)
        start, run = number, [line] if line.strip() else []


def links(path: str) -> list[Link]:
    """Every link and image of a page, outside code blocks and inline code, with the line it
    starts on."""
    return text_links(path, (ROOT / path).read_text())


def text_links(path: str, text: str) -> list[Link]:
    """Every link and image of the Markdown ``text`` of ``path`` (see ``links``)."""
    found: list[Link] = []
    for number, paragraph in _paragraphs(text.split("\n")):
        text = _INLINE_CODE.sub(lambda code: "\n" * code[0].count("\n"), paragraph)
        for match in _LINK.finditer(text):
            found.append(Link(path, number + text.count("\n", 0, match.start()), match["target"]))
    return found


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: its text as rendered (inline code without its
    backticks, links as their text), lowercase, without punctuation other than ``-`` and
    ``_``, spaces turned into hyphens."""
    text = _LINK.sub(lambda match: match["text"], heading).replace("`", "")
    text = re.sub(r"[^\w\- ]", "", text.strip().lower())
    return text.replace(" ", "-")


@cache
def anchors(path: str) -> frozenset[str]:
    """The anchors of a page's headings."""
    return heading_anchors((ROOT / path).read_text())


def heading_anchors(text: str) -> frozenset[str]:
    """The anchors of the headings of a Markdown text (a repeated one gets ``-1``, ``-2``...
    as on GitHub); lines in fenced code blocks are no headings."""
    seen: dict[str, int] = {}
    found: set[str] = set()
    for _, line in _prose(text.split("\n")):
        heading = _HEADING.match(line)
        if not heading:
            continue
        anchor = slug(heading["text"])
        count = seen.get(anchor, 0)
        seen[anchor] = count + 1
        found.add(anchor if count == 0 else f"{anchor}-{count}")
    return frozenset(found)
