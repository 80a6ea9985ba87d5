"""The library's validators, their problems named by cdk.json keys.

The library names a problem by its prop (``ping_timeout``, ``model_latency``); cdk.json's key
for the same setting may carry its unit (``ping_timeout_seconds``, ``model_latency_ms``) or
live in another section (``endpoint.provisioned_concurrency`` seen from ``scaling``).
"""

from collections.abc import Iterable, Mapping
from typing import Any

from serverless_inference.validation import Problems


class ConfigKeys(Problems):
    """A view of ``problems`` for one library validator: each prop name in ``names`` is
    recorded as its key, every other name as it is. A name mapped to ``None`` is a problem
    the section reports in its own words, so the validator's is left out.
    """

    def __init__(
        self, problems: Problems, names: Mapping[str, str | None], prefix: str = ""
    ) -> None:
        super().__init__("")
        self._problems = problems
        self._names = dict(names)
        self._view_prefix = prefix

    def _key(self, name: str) -> str | None:
        full = self._view_prefix + name
        return self._names.get(full, full)

    def under(self, prefix: str) -> Problems:
        return ConfigKeys(self._problems, self._names, self._view_prefix + prefix)

    def add(self, name: str, value: Any, allowed: str) -> None:
        key = self._key(name)
        if key is not None:
            self._problems.add(key, value, allowed)

    def unknown_key(self, name: str, known: Iterable[str]) -> None:
        key = self._key(name)
        if key is not None:
            self._problems.unknown_key(key, known)

    def __bool__(self) -> bool:
        return bool(self._problems)

    def raise_if_any(self) -> None:
        self._problems.raise_if_any()
