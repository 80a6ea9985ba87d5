"""``environments.<name>.keep_warm``: the keys the keep-warm section adds."""

from collections.abc import Mapping
from typing import Any

import pytest

from stacks.config import ConfigurationError, load_config
from tests.support.config import load_with, problems_of


def test_no_concurrency_is_reserved_unless_configured() -> None:
    assert load_with().environments["dev"].keep_warm.reserved_concurrency is None
    config = load_with(**{"keep_warm.reserved_concurrency": "2"})
    keep_warm = config.environments["dev"].keep_warm
    assert keep_warm.reserved_concurrency == 2
    props = keep_warm.props()
    assert isinstance(props, Mapping) and props["reserved_concurrency"] == 2


@pytest.mark.parametrize(("value", "allowed"), [(0, None), (-1, None), ("one", "a whole number")])
def test_fails_when_the_reserved_concurrency_is_not_a_positive_whole_number(
    value: Any, allowed: str | None
) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_config({"environments": {"dev": {"keep_warm": {"reserved_concurrency": value}}}})
    (problem,) = problems_of(raised)
    assert problem.startswith("environments.dev.keep_warm.reserved_concurrency must be ")
    assert problem.endswith(f"got {value!r}")
    assert (allowed or "a whole number of at least 1 (0 would stop every run)") in problem


@pytest.mark.parametrize(
    ("key", "value", "problem"),
    [
        (
            "ping_timeout_seconds",
            900,
            "ping_timeout_seconds must be from 1 to 840 seconds (the function may run 15 "
            "minutes), got '900 seconds'",
        ),
        ("cold_start_threshold_ms", 0, "cold_start_threshold_ms must be at least 1 ms, got '0 ms'"),
    ],
)
def test_keys_with_units_name_the_library_props(key: str, value: int, problem: str) -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_config({"environments": {"dev": {"keep_warm": {key: value}}}})
    assert problems_of(raised) == [f"environments.dev.keep_warm.{problem}"]
