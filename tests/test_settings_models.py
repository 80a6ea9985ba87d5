"""``environments.<name>.models`` and ``fan_outs``: every bad input reported by the loader, with
its key path; the quota check and the ``-c`` overrides across every model."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest

from stacks.config import ConfigurationError, load_config
from tests.support.config import problems_of
from tests.test_readme_config import EXAMPLES

EXAMPLE: dict[str, Any] = EXAMPLES["three-models"]["environments"]["support"]
PREFIX = "environments.support."


def support(**changes: Any) -> dict[str, Any]:
    """The three-model environment of docs/model-fan-out.md with ``changes`` (dotted keys)
    applied; a value of ``None`` removes the key."""
    environment = copy.deepcopy(EXAMPLE)
    for dotted, value in changes.items():
        *parents, last = dotted.split("__")
        node = environment
        for part in parents:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(last, None)
        else:
            node[last] = value
    return environment


def problems(environment: dict[str, Any], **context: Any) -> list[str]:
    with pytest.raises(ConfigurationError) as raised:
        load_config({"environments": {"support": environment}, **context})
    return problems_of(raised)


def test_the_example_loads_with_every_model_and_the_fan_out() -> None:
    config = load_config({"environments": {"support": support()}})
    settings = config.environments["support"]
    assert settings.models is not None
    assert list(settings.models) == ["sentiment", "entities", "topic"]
    assert settings.models["topic"].endpoint.max_concurrency == 3
    assert not settings.models["topic"].keep_warm.enabled
    ticket = settings.fan_outs["ticket"]
    assert (ticket.required, ticket.optional, ticket.deadline_seconds) == (
        ["sentiment", "entities"],
        ["topic"],
        20,
    )
    assert ticket.props()["member_timeout"].to_seconds() == 20


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"fan_outs__ticket__optional": ["topc"]},
            "fan_outs.ticket.optional[0] must be the name of a model of this environment: "
            "sentiment, entities, topic, got 'topc'",
        ),
        (
            {"fan_outs__ticket__required": ["sentiment"], "fan_outs__ticket__optional": []},
            "fan_outs.ticket.required must be 2 to 10 members across required and optional (a "
            "fan-out over one model is its own route: InferenceApi.add_endpoint), got "
            "'1 member(s): sentiment'",
        ),
        (
            {"fan_outs__ticket__optional": ["topic", "sentiment"]},
            "fan_outs.ticket.optional must be names that are not required members too, "
            "got 'sentiment'",
        ),
        (
            {"fan_outs__ticket__path": "entities"},
            "fan_outs.ticket.path must be a route of its own (models.entities has it; the "
            "default path is the name), got 'entities'",
        ),
        (
            {"models__topic__path": "sentiment"},
            "models.topic.path must be a route of its own (models.sentiment has it; the default "
            "path is the name), got 'sentiment'",
        ),
        (
            {"fan_outs__topic": {"required": ["sentiment", "entities"]}},
            "fan_outs.topic must be a name no model has, got 'topic'",
        ),
        (
            {"models__Topic": {}},
            "models.Topic must be a name matching ^[a-z][a-z0-9-]{0,31}$, got 'Topic'",
        ),
        (
            {"fan_outs__ticket__deadline_seconds": 28},
            "fan_outs.ticket.deadline_seconds must be at most 27 s: the function may run 30 s "
            "(the deadline rounded up plus 2 s), longer than the API's integration_timeout "
            "(29 s)",
        ),
        (
            {"fan_outs__ticket__member_timeout_seconds": 25},
            "fan_outs.ticket.member_timeout_seconds must be at most the deadline (20 s), "
            "got '25 s'",
        ),
        (
            {"fan_outs__ticket__memory_size_mb": 64},
            "fan_outs.ticket.memory_size_mb must be a whole number from 128 to 10240, got 64",
        ),
        (
            {"fan_outs__ticket__log_retention_days": 2},
            "fan_outs.ticket.log_retention_days must be one of 1, 3, 5,",
        ),
        (
            {"endpoint": {"memory_size_mb": 4096}},
            "endpoint must be left out when models are configured: each model has its own "
            "(models.<name>.endpoint;",
        ),
        (
            {"api": {"path": "predict"}},
            "api.path must be left out when models are configured: each model and fan-out has "
            "its own route",
        ),
        (
            {"api": {"enabled": False}},
            "api.enabled must be true when fan_outs are configured (each is a route), got False",
        ),
        ({"models": {}}, "models must be an object with one entry per model (or left out)"),
        (
            {"models__entities__endpoint__memory_size_mb": 1500},
            "models.entities.endpoint.memory_size_mb must be one of 1024, 2048, 3072, 4096, "
            "5120, 6144, got 1500",
        ),
        (
            {"models__sentiment__keep_warm__concurrency": 3},
            "models.sentiment.keep_warm.concurrency must be a whole number from 1 to 2, got 3",
        ),
        (
            {"models__topic__scaling": {"enabled": True}},
            "models.topic.scaling.enabled must be false unless endpoint.provisioned_concurrency "
            "is set",
        ),
        (
            {"fan_outs__ticket__deadline": 20},
            "fan_outs.ticket.deadline is not a known key; known keys: required, optional, path, "
            "deadline_seconds,",
        ),
    ],
)
def test_fails_on_each_bad_input_naming_its_key(changes: dict[str, Any], expected: str) -> None:
    found = problems(support(**changes))
    assert any(line.startswith(PREFIX + expected) for line in found), found


def test_fan_outs_without_models_are_refused() -> None:
    found = problems({"fan_outs": {"ticket": {"required": ["a", "b"]}}})
    assert found == [
        f"{PREFIX}fan_outs must be left out unless models are configured, got "
        "{'ticket': {'required': ['a', 'b']}}"
    ]


def test_every_problem_is_reported_at_once() -> None:
    found = problems(
        support(
            models__entities__endpoint__memory_size_mb=1500,
            fan_outs__ticket__optional=["topc"],
            fan_outs__ticket__memory_size_mb=64,
        )
    )
    assert len(found) == 3


def test_the_quota_adds_up_every_model_of_every_environment() -> None:
    # 4 + 4 + 4 in support and 2 in dev, region-agnostic: 14 of 10
    found = problems(
        support(
            models__sentiment__endpoint__max_concurrency=4,
            models__entities__endpoint__max_concurrency=4,
            models__topic__endpoint__max_concurrency=4,
        ),
    )
    (quota,) = [line for line in found if "serverless_concurrency_quota" in line]
    assert re.search(
        r"support\.models\.entities, support\.models\.sentiment, support\.models\.topic may "
        r"deploy to one account and region .*: their endpoint\.max_concurrency 4 \+ 4 \+ 4 "
        r"must be at most serverless_concurrency_quota \(10;",
        quota,
    ), quota
    with pytest.raises(ConfigurationError, match=r"dev, support\.models\.entities"):
        load_config(
            {
                "environments": {
                    "dev": {"endpoint": {"max_concurrency": 4}},
                    "support": support(),
                }
            }
        )


def test_a_quota_warning_names_the_environment_of_its_models() -> None:
    config = load_config(
        {"environments": {"support": support(models__topic__endpoint__max_concurrency=5)}}
    )
    (warning,) = config.quota_warnings
    assert warning.environments == ("support",)
    assert "add up to 9 of serverless_concurrency_quota (10)" in warning.message


def test_an_override_of_every_environment_applies_to_every_model() -> None:
    config = load_config(
        {
            "environments": {"support": support()},
            "endpoint.memory_size_mb": "4096",
            "environments.support.models.topic.endpoint.memory_size_mb": "3072",
        }
    )
    models = config.environments["support"].models
    assert models is not None
    assert {name: m.endpoint.memory_size_mb for name, m in models.items()} == {
        "sentiment": 4096,
        "entities": 4096,
        "topic": 3072,
    }


def test_models_are_no_override_of_every_environment() -> None:
    found = problems(support(), **{"models.topic.path": "x"})
    assert found[0].startswith("models.topic.path is not a known key; known keys: environments.")


def test_every_models_keep_warm_is_checked_against_the_concurrency_alarm_naming_its_keys() -> None:
    # GIVEN entities pinged twice at once, filling its max concurrency of 2 (sentiment keeps
    # the default single ping; topic has no keep-warm)
    found = problems(support(models__entities__keep_warm={"concurrency": 2}))
    # THEN the loader refuses it for entities alone, with that model's keys
    assert found == [
        f"{PREFIX}alarms.thresholds.concurrency_utilization_high must be above 1, which no "
        "threshold can be: 2 keep-warm pings at once (models.entities.keep_warm.concurrency) "
        "every 5 minutes (models.entities.keep_warm.rate_minutes) fill 1 of "
        "models.entities.endpoint.max_concurrency (2) alone, so the critical alarm "
        "concurrency_utilization_high breaches in every period with no user traffic and the "
        "composite alarm pages; send fewer pings (models.entities.keep_warm.concurrency), ping "
        "every 8 minutes or less often (models.entities.keep_warm.rate_minutes), raise "
        "models.entities.endpoint.max_concurrency, or add concurrency_utilization_high to "
        "alarms.disabled, got 0.8"
    ]
    # AND a model without keep-warm pings nothing, whatever its concurrency
    load_config(
        {
            "environments": {
                "support": support(
                    models__topic__keep_warm={"enabled": False, "concurrency": 3},
                )
            }
        }
    )


def test_every_model_runs_one_model_server_worker_unless_its_environment_says() -> None:
    config = load_config(
        {
            "environments": {
                "support": support(
                    models__topic__endpoint__environment={"SAGEMAKER_MODEL_SERVER_WORKERS": "2"}
                )
            }
        }
    )
    models = config.environments["support"].models
    assert models is not None
    workers = {}
    for name, model in models.items():
        environment = model.endpoint.props().get("environment")
        assert environment is not None
        workers[name] = environment["SAGEMAKER_MODEL_SERVER_WORKERS"]
    assert workers == {"sentiment": "1", "entities": "1", "topic": "2"}


def test_the_alarm_topics_of_an_environment_with_models_are_checked_like_any_other() -> None:
    # GIVEN the environment pinned to eu-west-1, with a topic of us-east-1 and a FIFO pager
    us_topic = "arn:aws:sns:us-east-1:123456789012:alerts"
    fifo = "arn:aws:sns:eu-west-1:123456789012:pager.fifo"
    environment = {
        **support(),
        "account": "123456789012",
        "region": "eu-west-1",
        "alarms": {"topic_arn": us_topic, "pager_topic_arn": fifo},
    }
    # THEN both are refused, once for the environment's every model
    found = problems(environment)
    assert [line.split(" must ")[0] for line in found] == [
        f"{PREFIX}alarms.pager_topic_arn",
        f"{PREFIX}alarms.topic_arn",
    ]
    assert "a topic in eu-west-1" in found[1] and "FIFO" in found[0]
