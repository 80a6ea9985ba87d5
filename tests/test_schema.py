"""The shape of a section, read from its dataclass: every wrong type and unknown key at once,
the valid values kept so that the section's own checks still run on them."""

import pytest

from serverless_inference.validation import Problems
from stacks.overrides import CliText
from stacks.schema import parse_section
from stacks.settings.endpoint import EndpointSettings
from stacks.settings.scaling import ScalingSettings, ScheduledCapacitySettings


def _messages(problems: Problems) -> list[str]:
    with pytest.raises(ValueError) as raised:
        problems.raise_if_any()
    return [line[4:] for line in str(raised.value).splitlines()[1:]]


def test_wrong_types_and_unknown_keys_are_reported_and_valid_values_kept() -> None:
    problems = Problems("test")
    raw = {"memory_size_mb": "big", "memroy": 1, "max_concurrency": 500, "environment": {"A": 1}}
    endpoint = parse_section(EndpointSettings, raw, problems, "endpoint.")
    assert endpoint is not None and endpoint.max_concurrency == 500  # for check() to refuse
    assert endpoint.memory_size_mb == EndpointSettings().memory_size_mb
    assert [message.split(" ")[0] for message in _messages(problems)] == [
        "endpoint.memory_size_mb",
        "endpoint.memroy",
        "endpoint.environment",
    ]


def test_nested_sections_and_optional_values() -> None:
    problems = Problems("test")
    raw = {"scale_up": {"schedule": "rate(1 day)", "min_capacity": 2}, "max_capacity": None}
    scaling = parse_section(ScalingSettings, raw, problems, "scaling.")
    assert not problems
    assert scaling == ScalingSettings(
        scale_up=ScheduledCapacitySettings(schedule="rate(1 day)", min_capacity=2)
    )


@pytest.mark.parametrize(
    ("key", "text", "value"),
    [
        ("model_id", "1234", "1234"),  # a string setting keeps the text
        ("endpoint_name", "null", None),  # null clears an optional one
        ("max_concurrency", "3", 3),  # any other reads JSON
        ("environment", '{"A": "1"}', {"A": "1"}),
    ],
)
def test_command_line_text_is_read_as_the_setting_needs(key: str, text: str, value: object) -> None:
    problems = Problems("test")
    endpoint = parse_section(EndpointSettings, {key: CliText(text)}, problems, "endpoint.")
    assert not problems
    assert getattr(endpoint, key) == value


def test_a_section_that_is_no_object_is_one_problem() -> None:
    problems = Problems("test")
    assert parse_section(EndpointSettings, [1], problems, "environments.dev.endpoint.") is None
    assert _messages(problems) == ["environments.dev.endpoint must be an object, got [1]"]
