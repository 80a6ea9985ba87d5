"""Collects every problem with a set of props, then raises them together.

Props that hold CDK tokens are skipped: their values are only known at deploy time.
"""

import math
import re
from collections.abc import Iterable
from typing import Any

from aws_cdk import Token


class Problems:
    """Problems found in one construct's props (or one configuration tree).

    Each message names the prop, the value given and what is allowed, for example
    ``memory_size_mb must be one of 1024, 2048, ..., got 1500``.
    """

    def __init__(self, owner: str, prefix: str = "") -> None:
        self._owner = owner
        self._prefix = prefix
        self._messages: list[str] = []

    def under(self, prefix: str) -> "Problems":
        """A view that records into this collector, naming props as ``<prefix><name>``."""
        view = Problems(self._owner, self._prefix + prefix)
        view._messages = self._messages
        return view

    def add(self, name: str, value: Any, allowed: str) -> None:
        """Record that ``name`` holds ``value`` where ``allowed`` is what it may hold."""
        self._messages.append(f"{self._prefix}{name} must be {allowed}, got {value!r}")

    def unknown_key(self, name: str, known: Iterable[str]) -> None:
        """Record that ``name`` is not a setting here."""
        self._messages.append(
            f"{self._prefix}{name} is not a known key; known keys: {', '.join(known)}"
        )

    def check_one_of(self, name: str, value: Any, allowed: Iterable[Any]) -> None:
        """``value`` must be one of ``allowed`` (tokens are skipped)."""
        choices = tuple(allowed)
        if not is_token(value) and value not in choices:
            self.add(name, value, "one of " + ", ".join(str(choice) for choice in choices))

    def check_int_range(self, name: str, value: Any, low: int, high: int) -> bool:
        """``value`` must be a whole number in ``low..high``; returns whether it is (or a token)."""
        if is_token(value):
            return True
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            self.add(name, value, f"a whole number from {low} to {high}")
            return False
        return True

    def check_pattern(self, name: str, value: str, pattern: str, max_length: int) -> None:
        """``value`` must match ``pattern`` and be at most ``max_length`` characters."""
        if is_token(value):
            return
        if not isinstance(value, str) or len(value) > max_length or not re.match(pattern, value):
            self.add(name, value, f"at most {max_length} characters matching {pattern}")

    def __bool__(self) -> bool:
        return bool(self._messages)

    def raise_if_any(self) -> None:
        """Raise one ``ValueError`` listing every problem, if there are any."""
        if self._messages:
            lines = "\n".join(f"  - {message}" for message in self._messages)
            raise ValueError(f"Invalid {self._owner}:\n{lines}")


def is_token(value: Any) -> bool:
    """Whether ``value`` is a CDK token, known only at deploy time.

    Only strings and finite floats can encode one (an int never does, and infinity or NaN
    cannot even be sent to the CDK's JavaScript runtime).
    """
    if isinstance(value, float):
        return math.isfinite(value) and Token.is_unresolved(value)
    return isinstance(value, str) and Token.is_unresolved(value)
