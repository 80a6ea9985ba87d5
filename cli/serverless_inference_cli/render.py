"""Number formatting and rich helpers shared by the subcommands."""

from __future__ import annotations

import math

from rich.table import Table


def money(value: float) -> str:
    """``$1,234.56``; amounts under $1 keep 4 significant digits (``$0.00003052``)."""
    if math.isinf(value):
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


def ms(seconds: float) -> str:
    """Seconds shown as milliseconds."""
    return f"{seconds * 1000:,.1f} ms"


def table(title: str, *columns: str, numeric: tuple[str, ...] = ()) -> Table:
    """A rich table with right-aligned numeric columns."""
    result = Table(title=title, title_justify="left", header_style="bold")
    for column in columns:
        result.add_column(column, justify="right" if column in numeric else "left")
    return result
