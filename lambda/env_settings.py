"""Reading a function's settings from its environment variables, every problem named by its
variable (the functions raise them together, one error per run)."""

import math
from collections.abc import Mapping


def read_int(
    environ: Mapping[str, str], name: str, default: int, low: int, high: int, problems: list[str]
) -> int:
    """The whole number in ``name`` (``default`` when unset); a problem unless in low..high."""
    raw = environ.get(name)
    if raw is None:
        return default
    try:
        value = int(raw.strip())
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        problems.append(f"{name} must be a whole number from {low} to {high}, got {raw!r}")
        return default
    return value


def read_float(
    environ: Mapping[str, str],
    name: str,
    default: float,
    low: float,
    high: float,
    problems: list[str],
) -> float:
    """The number in ``name`` (``default`` when unset); a problem unless in low..high."""
    raw = environ.get(name)
    if raw is None:
        return default
    try:
        value = float(raw.strip())
    except ValueError:
        value = math.nan
    if not low <= value <= high:  # also refuses NaN
        problems.append(f"{name} must be a number from {low:g} to {high:g}, got {raw!r}")
        return default
    return value


def read_namespace(environ: Mapping[str, str], name: str, default: str, problems: list[str]) -> str:
    """The custom CloudWatch namespace in ``name`` (``default`` when unset); a problem when
    empty or AWS's own (``AWS/...``)."""
    namespace = environ.get(name, default).strip()
    if not namespace or namespace.startswith("AWS/"):
        problems.append(f"{name} must be a custom namespace (not AWS/...), got {namespace!r}")
    return namespace
