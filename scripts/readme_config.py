"""The README's cdk.json examples, and a command that writes one into cdk.json.

Each example in the README is a ```json block right after a line
``<!-- cdk.json example: <name> -->``; it holds keys of cdk.json's ``context``. CI writes
each example into cdk.json in turn and runs the tests and ``make synth`` with it (as the
pipeline's own Build step does), so what the README shows is what CI checks::

    python scripts/readme_config.py --list    # the examples' names, one a line
    python scripts/readme_config.py <name>    # set its keys in cdk.json's context

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


def examples(readme: str) -> dict[str, dict[str, Any]]:
    """The README's cdk.json examples by name, each the context keys it sets."""
    found: dict[str, dict[str, Any]] = {}
    for name, block in _EXAMPLE.findall(readme):
        if name in found:
            raise ValueError(f"README: two cdk.json examples named {name!r}")
        found[name] = json.loads(block)
    return found


def write(example: dict[str, Any], cdk_json: Path) -> None:
    """Set the example's keys in the ``context`` of ``cdk_json``, keeping everything else."""
    document = json.loads(cdk_json.read_text())
    document["context"].update(example)
    cdk_json.write_text(json.dumps(document, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("name", nargs="?", help="the example to write into cdk.json")
    parser.add_argument("--list", action="store_true", help="print the examples' names")
    parser.add_argument("--readme", type=Path, default=ROOT / "README.md")
    parser.add_argument("--cdk-json", type=Path, default=ROOT / "cdk.json")
    args = parser.parse_args(argv)
    found = examples(args.readme.read_text())
    if args.list:
        print("\n".join(found))
        return 0
    if args.name not in found:
        print(
            f"no cdk.json example {args.name!r} in {args.readme}; known: {', '.join(found)}",
            file=sys.stderr,
        )
        return 2
    write(found[args.name], args.cdk_json)
    return 0


if __name__ == "__main__":
    sys.exit(main())
