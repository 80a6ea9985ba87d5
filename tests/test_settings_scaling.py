"""``environments.<name>.scaling``: what autoscaling requires of the endpoint, named by key."""

from typing import Any

import pytest

from stacks.config import ConfigurationError, load_config
from tests.support.config import problems_of


def _problems(endpoint: dict[str, Any], scaling: dict[str, Any]) -> list[str]:
    environment = {"endpoint": {"max_concurrency": 5, **endpoint}, "scaling": scaling}
    with pytest.raises(ConfigurationError) as raised:
        load_config({"environments": {"dev": environment}})
    return problems_of(raised)


def test_fails_when_provisioned_concurrency_lies_outside_the_scaling_range() -> None:
    # GIVEN provisioned concurrency 1, autoscaled from 2 to 4: each deploy of a new endpoint
    # config would start the variant below its minimum
    problems = _problems(
        {"provisioned_concurrency": 1},
        {"enabled": True, "min_capacity": 2, "max_capacity": 4},
    )
    assert problems == [
        "environments.dev.endpoint.provisioned_concurrency must be from min_capacity (2) to "
        "max_capacity (4): each deploy that creates a new endpoint config starts the variant "
        "at this value, got 1"
    ]


def test_unset_provisioned_concurrency_is_reported_once_and_never_as_a_value() -> None:
    # GIVEN scaling from 2 to 4 without provisioned concurrency
    problems = _problems({}, {"enabled": True, "min_capacity": 2, "max_capacity": 4})
    # THEN one problem, on scaling.enabled: no "got 1" from a value the user never set
    assert problems == [
        "environments.dev.scaling.enabled must be false unless endpoint.provisioned_concurrency "
        "is set (only provisioned concurrency is autoscaled), got True"
    ]


def test_capacity_problems_are_still_reported_without_provisioned_concurrency() -> None:
    problems = _problems({}, {"enabled": True, "min_capacity": 4, "max_capacity": 6})
    assert problems == [
        "environments.dev.scaling.enabled must be false unless endpoint.provisioned_concurrency "
        "is set (only provisioned concurrency is autoscaled), got True",
        "environments.dev.scaling.max_capacity must be a whole number from 1 to 5, got 6",
    ]


def test_a_valid_scaling_range_loads() -> None:
    environment = {
        "endpoint": {"max_concurrency": 5, "provisioned_concurrency": 2, "variant_name": "Blue"},
        "scaling": {"enabled": True, "min_capacity": 1, "max_capacity": 4},
    }
    scaling = load_config({"environments": {"dev": environment}}).environments["dev"].scaling
    assert (scaling.min_capacity, scaling.max_capacity) == (1, 4)
