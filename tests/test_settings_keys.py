"""``ConfigKeys``: a library validator's problems named by cdk.json keys."""

import pytest

from serverless_inference.validation import Problems
from stacks.settings.keys import ConfigKeys


def _messages(problems: Problems) -> list[str]:
    with pytest.raises(ValueError) as raised:
        problems.raise_if_any()
    return [line[4:] for line in str(raised.value).splitlines()[1:]]


def test_every_way_a_validator_records_goes_through_the_names() -> None:
    # GIVEN a section's problems and a view renaming two props, one of them under a prefix
    section = Problems("test").under("environments.dev.keep_warm.")
    view = ConfigKeys(section, {"ping_timeout": "ping_timeout_seconds", "auth.mode": "auth"})
    # WHEN a validator records through each method Problems offers
    view.add("ping_timeout", 0, "at least 1")
    assert view.check_int_range("ping_timeout", 0, 1, 9) is False
    view.check_one_of("ping_timeout", 0, (1, 2))
    view.check_pattern("ping_timeout", "x", "^[0-9]+$", 3)
    view.under("auth.").add("mode", "oauth", "iam")
    view.unknown_key("other", ["a", "b"])
    # THEN each problem is named by its key; names without a key stay as they are
    assert _messages(section) == [
        "environments.dev.keep_warm.ping_timeout_seconds must be at least 1, got 0",
        "environments.dev.keep_warm.ping_timeout_seconds must be a whole number from 1 to 9, got 0",
        "environments.dev.keep_warm.ping_timeout_seconds must be one of 1, 2, got 0",
        "environments.dev.keep_warm.ping_timeout_seconds must be at most 3 characters matching "
        "^[0-9]+$, got 'x'",
        "environments.dev.keep_warm.auth must be iam, got 'oauth'",
        "environments.dev.keep_warm.other is not a known key; known keys: a, b",
    ]
    assert view


def test_a_name_mapped_to_none_is_left_to_the_section() -> None:
    problems = Problems("test")
    view = ConfigKeys(problems, {"endpoint.provisioned_concurrency": None})
    view.add("endpoint.provisioned_concurrency", None, "set")
    assert not problems and not view
    view.add("min_capacity", 0, "at least 1")
    assert _messages(problems) == ["min_capacity must be at least 1, got 0"]
