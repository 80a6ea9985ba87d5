"""Option types shared by the subcommands: every value is checked while the command line is
parsed, before anything is read or sent.

A bad value is a usage error (exit status 2) naming the option, the value and what is
allowed, e.g. ``argument --timeout: must be a number more than 0, got '0'``. argparse adds the
option's name; these types say the rest.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from urllib.parse import urlsplit


def _number(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number, got {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return value


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, got {text!r}") from None


def positive_float(text: str) -> float:
    """A finite number > 0 (durations, sizes)."""
    value = _number(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a number more than 0, got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    """A finite number >= 0."""
    value = _number(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a number of 0 or more, got {text!r}")
    return value


def fraction(text: str) -> float:
    """A number within 0..1 (a share of requests)."""
    value = _number(text)
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"must be within 0..1, got {text!r}")
    return value


def int_within(low: int, high: int) -> Callable[[str], int]:
    """A whole number within ``low..high``."""

    def parse(text: str) -> int:
        value = _integer(text)
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"must be within {low}..{high}, got {text!r}")
        return value

    parse.__name__ = f"int_within_{low}_{high}"
    return parse


def one_of(allowed: Sequence[int]) -> Callable[[str], int]:
    """A whole number among ``allowed`` (memory tiers)."""

    def parse(text: str) -> int:
        value = _integer(text)
        if value not in allowed:
            raise argparse.ArgumentTypeError(
                f"must be one of {', '.join(map(str, allowed))}, got {text!r}"
            )
        return value

    parse.__name__ = "one_of"
    return parse


def list_of(item: Callable[[str], int]) -> Callable[[str], list[int]]:
    """Comma-separated values of ``item`` (at least one)."""

    def parse(text: str) -> list[int]:
        parts = [part.strip() for part in text.split(",")]
        if not all(parts):
            raise argparse.ArgumentTypeError(f"must be comma-separated values, got {text!r}")
        return [item(part) for part in parts]

    parse.__name__ = "list"
    return parse


def http_url(text: str) -> str:
    """An ``http://`` or ``https://`` URL with a host."""
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise argparse.ArgumentTypeError(f"must be an http:// or https:// URL, got {text!r}")
    return text


def readable_file(text: str) -> Path:
    """An existing file that can be read."""
    path = Path(text)
    if not path.is_file():
        raise argparse.ArgumentTypeError(f"no such file: {text!r}")
    if not os.access(path, os.R_OK):
        raise argparse.ArgumentTypeError(f"cannot read {text!r}: permission denied")
    return path


def add_prices_option(parser: argparse.ArgumentParser) -> None:
    """``--prices FILE``, for the commands that price anything."""
    parser.add_argument(
        "--prices",
        type=readable_file,
        metavar="FILE",
        help="price file, JSON (default: the bundled us-east-1 prices)",
    )


def add_chart_options(parser: argparse.ArgumentParser, default: str) -> None:
    """``--chart PNG`` (written unless ``--no-chart``)."""
    parser.add_argument(
        "--chart",
        type=output_file,
        default=default,
        metavar="PNG",
        help=f"where to write the chart (default: {default})",
    )
    parser.add_argument(
        "--no-chart", action="store_true", help="write no chart (default: a chart is written)"
    )


def output_file(text: str) -> Path:
    """A file the command can write: not a folder, and its folder exists and is writable or
    can be created. Checked at once, so a run never ends unable to save what it measured."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder, not a file")
    if path.exists() and not os.access(path, os.W_OK):
        raise argparse.ArgumentTypeError(f"cannot write {text!r}: permission denied")
    folder = path.absolute().parent
    while not folder.exists():
        folder = folder.parent
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"cannot write {text!r}: {str(folder)!r} is a file")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(
            f"cannot write {text!r}: folder {str(folder)!r} is not writable"
        )
    return path
