"""The cdk.json examples of the README and docs/, and a command that writes one into cdk.json.

Each example is a ```json block right after a line ``<!-- cdk.json example: <name> -->`` in
README.md or a Markdown page under docs/; it holds keys of cdk.json's ``context``, and its
name is unique across the pages. CI writes each example into cdk.json in turn and runs
``make synth`` with it; with an example that configures a pipeline it runs the tests first, as
the pipeline's own Build step does (the tests build their apps from explicit contexts, so they
must pass whatever cdk.json holds). So what the documentation shows is what CI checks::

    python scripts/readme_config.py --list              # the examples' names, one a line
    python scripts/readme_config.py --list --pipelines  # those that configure a pipeline
    python scripts/readme_config.py <name>              # set its keys in cdk.json's context

Exit status 2 for an unknown name.
"""

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
_EXAMPLE = re.compile(
    r"^<!-- cdk\.json example: ([a-z0-9-]+) -->\n```json\n(.*?)^```$", re.M | re.S
)


def examples(text: str, source: str = "README") -> dict[str, dict[str, Any]]:
    """The cdk.json examples of one page by name, each the context keys it sets."""
    found: dict[str, dict[str, Any]] = {}
    for name, block in _EXAMPLE.findall(text):
        if name in found:
            raise ValueError(f"{source}: two cdk.json examples named {name!r}")
        found[name] = json.loads(block)
    return found


def documented_examples(root: Path = ROOT) -> dict[str, dict[str, Any]]:
    """The cdk.json examples of README.md and of every page under docs/, by name."""
    found: dict[str, dict[str, Any]] = {}
    for page in [root / "README.md", *sorted((root / "docs").rglob("*.md"))]:
        source = page.relative_to(root).as_posix()
        for name, example in examples(page.read_text(), source).items():
            if name in found:
                raise ValueError(f"{source}: a cdk.json example named {name!r} exists already")
            found[name] = example
    return found


def configures_pipeline(example: dict[str, Any]) -> bool:
    """Whether the example sets a ``pipeline`` (the app then builds the CodePipeline stack)."""
    return example.get("pipeline") is not None


def write(example: dict[str, Any], cdk_json: Path) -> None:
    """Set the example's keys in the ``context`` of ``cdk_json``, keeping everything else."""
    document = json.loads(cdk_json.read_text())
    document["context"].update(example)
    cdk_json.write_text(json.dumps(document, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", nargs="?", help="the example to write into cdk.json")
    parser.add_argument("--list", action="store_true", help="print the examples' names")
    parser.add_argument(
        "--pipelines", action="store_true", help="with --list: only those with a pipeline"
    )
    parser.add_argument("--root", type=Path, default=ROOT, help="the repository (its pages)")
    parser.add_argument("--cdk-json", type=Path, default=ROOT / "cdk.json")
    args = parser.parse_args(argv)
    found = documented_examples(args.root)
    if args.list:
        print(
            "\n".join(
                name for name in found if not args.pipelines or configures_pipeline(found[name])
            )
        )
        return 0
    if args.name not in found:
        print(
            f"no cdk.json example {args.name!r} in {args.root}; known: {', '.join(found)}",
            file=sys.stderr,
        )
        return 2
    write(found[args.name], args.cdk_json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
