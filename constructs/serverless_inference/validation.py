"""Collects every problem with a set of props, then raises them together.

Props that hold CDK tokens are skipped: their values are only known at deploy time.
"""

import math
import re
from collections.abc import Iterable, Mapping
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
        self._names: Mapping[str, str] = {}
        self._messages: list[str] = []

    def under(self, prefix: str) -> "Problems":
        """A view that records into this collector, naming props as ``<prefix><name>``."""
        return self._view(self._prefix + prefix, self._names)

    def renamed(self, names: Mapping[str, str]) -> "Problems":
        """A view that records into this collector, naming a prop ``names[name]`` where given:
        a caller whose own keys differ from the props (a configuration file whose keys carry
        their unit, say) reuses the props' checks under its own names."""
        return self._view(self._prefix, {**self._names, **names})

    def _view(self, prefix: str, names: Mapping[str, str]) -> "Problems":
        view = Problems(self._owner, prefix)
        view._names = names
        view._messages = self._messages
        return view

    def _name(self, name: str) -> str:
        return self._prefix + self._names.get(name, name)

    def add(self, name: str, value: Any, allowed: str) -> None:
        """Record that ``name`` holds ``value`` where ``allowed`` is what it may hold."""
        self._messages.append(f"{self._name(name)} must be {allowed}, got {value!r}")

    def unknown_key(self, name: str, known: Iterable[str], kind: str = "key") -> None:
        """Record that ``name`` is not a ``kind`` (a key, a prop) here."""
        self._messages.append(
            f"{self._name(name)} is not a known {kind}; known {kind}s: {', '.join(known)}"
        )

    def check_options(self, options: Mapping[str, Any], options_type: type) -> None:
        """``options`` (keyword arguments typed by the ``TypedDict`` ``options_type``) must
        name only its keys and hold every key it requires."""
        known = list(options_type.__annotations__)
        for name in options:
            if name not in known:
                self.unknown_key(name, known, "prop")
        required: frozenset[str] = getattr(options_type, "__required_keys__", frozenset())
        for name in known:
            if name in required and name not in options:
                self.add(name, None, "given (it is required)")

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


def is_number(value: Any) -> bool:
    """Whether ``value`` is an int or a float (``True`` and ``False`` are not numbers here)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def is_token(value: Any) -> bool:
    """Whether ``value`` is a CDK token, known only at deploy time.

    Only strings and finite floats can encode one (an int never does, and infinity or NaN
    cannot even be sent to the CDK's JavaScript runtime).
    """
    if isinstance(value, float):
        return math.isfinite(value) and Token.is_unresolved(value)
    return isinstance(value, str) and Token.is_unresolved(value)
