"""How every command shows its results: rich tables, JSON or CSV (``--format``).

A command fills a :class:`Report` with :class:`Sheet` tables (one row of :class:`Cell` s per
line, each cell a raw value for JSON/CSV and a text for the table), lines of prose and
warnings, then calls :meth:`Report.finish` with its JSON document:

* ``table`` (default): the tables, lines and warnings on standard output, for people. Off a
  terminal (CI logs, files) a table is printed at its natural width, never wrapped or cut to
  the 80 columns rich assumes there;
* ``json``: one JSON document on standard output (the command's fields, every table as a list
  of records, the warnings); NaN and infinity become ``null``;
* ``csv``: the command's main table as CSV, raw values, header = the JSON keys.

Progress messages and, with ``json``/``csv``, warnings go to standard error, so standard
output stays machine-readable.
"""

from __future__ import annotations

import csv
import enum
import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

UNBOUNDED_WIDTH = 100_000
"""Columns a table may take off a terminal: its natural width, whatever it is."""


class OutputFormat(enum.StrEnum):
    TABLE = "table"
    JSON = "json"
    CSV = "csv"


@dataclass(frozen=True)
class Column:
    """A column: its JSON key (and CSV header), its table header, right-aligned if numeric;
    ``in_table=False`` keeps it out of the table (the rows already say it)."""

    key: str
    header: str
    numeric: bool = False
    in_table: bool = True


@dataclass(frozen=True)
class Cell:
    """One value: ``value`` for JSON and CSV, ``text`` for the table."""

    value: Any
    text: str | Text


def cell(value: Any, text: str | Text | None = None) -> Cell:
    """A cell showing ``text`` (default: ``value`` as a string, ``-`` for None)."""
    if text is None:
        text = "-" if value is None else str(value)
    return Cell(value, text)


@dataclass
class Sheet:
    """A table of a report; ``key`` names its records in the JSON document."""

    key: str
    title: str
    columns: Sequence[Column]
    rows: list[tuple[Cell, ...]] = field(default_factory=list)

    def add_row(self, *cells: Cell | Any) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{self.key}: {len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(tuple(c if isinstance(c, Cell) else cell(c) for c in cells))

    def records(self) -> list[dict[str, Any]]:
        return [
            {column.key: c.value for column, c in zip(self.columns, row, strict=True)}
            for row in self.rows
        ]

    def rich_table(self) -> Table:
        """The table; cells fold rather than being cut with an ellipsis, and the first
        column (what each row is about) never wraps."""
        table = Table(title=self.title, title_justify="left", header_style="bold")
        shown = [i for i, column in enumerate(self.columns) if column.in_table]
        for index in shown:
            column = self.columns[index]
            table.add_column(
                column.header,
                justify="right" if column.numeric else "left",
                overflow="fold",
                no_wrap=index == 0,
            )
        for row in self.rows:
            table.add_row(*(row[i].text for i in shown))
        return table


def json_safe(value: Any) -> Any:
    """NaN and infinity (no data, no bound) become ``None`` so the output is valid JSON."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Mapping):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value


class Report:
    """What a command shows, written in the chosen :class:`OutputFormat`."""

    def __init__(self, output_format: OutputFormat, out: Console, err: Console) -> None:
        self.format = output_format
        self.out = out
        self.err = err
        self.sheets: list[Sheet] = []
        self.main: Sheet | None = None
        self.warnings: list[str] = []

    def table(self, sheet: Sheet, *, main: bool = False) -> None:
        """Add a table (``main``: the one ``--format csv`` writes); shown at once as a table."""
        self.sheets.append(sheet)
        if main:
            self.main = sheet
        if self.format is OutputFormat.TABLE:
            table = sheet.rich_table()
            if self.out.is_terminal:
                self.out.print(table)
                return
            width = self.out.width
            unbounded = self.out.options.update(max_width=UNBOUNDED_WIDTH)
            self.out.width = max(width, Measurement.get(self.out, unbounded, table).maximum)
            try:
                self.out.print(table)
            finally:
                self.out.width = width

    def line(self, text: str | Text) -> None:
        """Prose for people (the JSON document carries the same facts as fields)."""
        if self.format is OutputFormat.TABLE:
            self.out.print(text, highlight=False, soft_wrap=not self.out.is_terminal)

    def warn(self, text: str) -> None:
        """A caveat about the result: in the table output, or on standard error."""
        self.warnings.append(text)
        target = self.out if self.format is OutputFormat.TABLE else self.err
        target.print(Text.assemble(("warning: ", "bold yellow"), text), soft_wrap=True)

    def log(self, text: str) -> None:
        """Progress (an endpoint created, a file written): always on standard error."""
        self.err.print(text, highlight=False, soft_wrap=True)

    def finish(self, document: Mapping[str, Any]) -> None:
        """Write the JSON document (with every table and the warnings) or the main table as
        CSV (nothing without one); the table format has shown everything already."""
        if self.format is OutputFormat.JSON:
            data = {
                **document,
                **{sheet.key: sheet.records() for sheet in self.sheets},
                "warnings": self.warnings,
            }
            self.out.file.write(json.dumps(json_safe(data), indent=2) + "\n")
        elif self.format is OutputFormat.CSV and self.main is not None:
            writer = csv.writer(self.out.file, lineterminator="\n")
            writer.writerow(column.key for column in self.main.columns)
            for record in self.main.records():
                writer.writerow("" if v is None else json_safe(v) for v in record.values())


def money(value: float) -> str:
    """``$1,234.56``; amounts under $1 keep 4 significant digits (``$0.00003052``)."""
    if not math.isfinite(value):
        return "-"
    if value == 0:
        return "$0.00"
    if abs(value) >= 1:
        return f"${value:,.2f}"
    digits = max(2, 3 - math.floor(math.log10(abs(value))))
    return f"${value:.{digits}f}"


def count(value: float) -> str:
    """``12,345`` or ``1.23M`` / ``4.5B`` for large counts."""
    if value >= 1e9:
        return f"{value / 1e9:.3g}B"
    if value >= 1e6:
        return f"{value / 1e6:.3g}M"
    return f"{value:,.0f}"


def price(value: float) -> str:
    """A unit price in full: ``$0.00002``, ``$0.016``, ``$0.102``."""
    return "$" + f"{value:.10f}".rstrip("0").rstrip(".")


def milliseconds(seconds: float) -> str:
    """Seconds shown as whole milliseconds (``-`` without a value)."""
    return "-" if not math.isfinite(seconds) else f"{seconds * 1000:,.0f} ms"
