"""The composite alarm within CloudWatch's limits (``PutCompositeAlarm``): a description of at
most 1,024 characters, a rule of at most 100 alarms and 10,240 characters, however many models
and fan-outs an environment has; what cannot fit is refused before CloudFormation sees it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from aws_cdk.assertions import Template

from serverless_inference import EndpointAlarms, IServerlessEndpoint, ServerlessEndpoint
from serverless_inference.composite_rule import (
    MAX_CHILDREN,
    MAX_DESCRIPTION_CHARS,
    MAX_RULE_CHARS,
    alarm_arn_prefix_chars,
    critical_alarm_names,
    description,
    rule_chars,
)
from stacks.config import ConfigurationError, load_config
from tests.cdk_helpers import build_default_app, linted_template, new_stack
from tests.support.config import problems_of
from tests.test_readme_config import EXAMPLES

LONG = 32
"""The longest name a model or fan-out may have."""


def _name(kind: str, index: int) -> str:
    return f"{kind}-{index:02d}-".ljust(LONG, "x")


def _many_models(models: int, fan_outs: int) -> dict[str, Any]:
    """An environment of ``models`` models and ``fan_outs`` fan-outs over them, every name
    32 characters long, without keep-warm (its alarms never page)."""
    names = [_name("model", i) for i in range(models)]
    return {
        "models": {
            name: {
                "endpoint": {"memory_size_mb": 1024, "max_concurrency": 1},
                "keep_warm": {"enabled": False},
            }
            for name in names
        },
        "fan_outs": {
            _name("fan-out", i): {"required": names[i * 3 : i * 3 + 2], "optional": [names[-1]]}
            for i in range(fan_outs)
        },
    }


def _composite(template: Template) -> dict[str, Any]:
    (composite,) = template.find_resources("AWS::CloudWatch::CompositeAlarm").values()
    return dict(composite["Properties"])


def _resolved_rule(template: Template, region: str, account: str) -> str:
    """The composite's rule as CloudFormation writes it in ``region``/``account``."""
    alarms = template.find_resources("AWS::CloudWatch::Alarm")
    parts = _composite(template)["AlarmRule"]["Fn::Join"][1]
    return "".join(
        part
        if isinstance(part, str)
        else f"arn:aws:cloudwatch:{region}:{account}:alarm:"
        + alarms[part["Fn::GetAtt"][0]]["Properties"]["AlarmName"]
        for part in parts
    )


def test_ten_models_and_three_fan_outs_with_the_longest_names_synthesize_clean() -> None:
    """GIVEN 10 models and 3 fan-outs, each named with 32 characters; THEN cfn-lint and CDK's
    validation pass (the description listed every child: about 2,300 characters), the
    description names what fits and points to the rule, and the rule fits too."""
    app, stacks = build_default_app(
        {
            "environments": {"support": _many_models(10, 3)},
            "serverless_concurrency_quota": 100,
        }
    )
    template = linted_template(stacks["support"])
    app.synth()
    composite = _composite(template)
    text = composite["AlarmDescription"]
    assert len(text) <= MAX_DESCRIPTION_CHARS
    shown = re.search(r"\((.*), and (\d+) more: see the alarm rule\)", text)
    assert shown is not None, text
    children = len(composite["AlarmRule"]["Fn::Join"][1]) // 2
    assert children == 10 * 4 + 2 + 3 * 3
    assert len(shown.group(1).split(", ")) + int(shown.group(2)) == children
    assert len(_resolved_rule(template, "ap-southeast-5", "123456789012")) <= MAX_RULE_CHARS


@pytest.fixture(scope="module")
def three_models() -> Template:
    return Template.from_stack(build_default_app(EXAMPLES["three-models"])[1]["support"])


def test_the_estimate_is_the_rule_cloudformation_writes(three_models: Template) -> None:
    rule = _resolved_rule(three_models, "us-east-1", "123456789012")
    alarm_names = re.findall(r':alarm:([^"]+)"', rule)
    assert rule_chars(alarm_names, alarm_arn_prefix_chars("aws", "us-east-1")) == len(rule)
    assert alarm_arn_prefix_chars(None, None) >= len("arn:aws-us-gov:cloudwatch:us-gov-west-1:")


def test_the_loader_counts_the_alarms_the_construct_makes(three_models: Template) -> None:
    rule = _resolved_rule(three_models, "us-east-1", "123456789012")
    assert sorted(re.findall(r':alarm:([^"]+)"', rule)) == sorted(
        critical_alarm_names(
            "ServerlessInference-support",
            ["sentiment", "entities", "topic"],
            ["ticket"],
            api=True,
            disabled=(),
        )
    )


def test_the_description_names_every_child_while_they_fit() -> None:
    keys = [f"model-{i}-model_latency" for i in range(3)]
    assert description("Unhealthy", keys, ".") == "Unhealthy (" + ", ".join(keys) + ")."
    many = [f"{'m' * 30}-{i:03d}-concurrency_utilization_high" for i in range(60)]
    text = description("Unhealthy", many, ".")
    assert len(text) <= MAX_DESCRIPTION_CHARS < len(", ".join(many))
    assert text.endswith(" more: see the alarm rule).")


def _watch(models: int, name_chars: int, **options: Any) -> EndpointAlarms:
    stack = new_stack("us-east-1")

    def endpoint(index: int) -> IServerlessEndpoint:
        return ServerlessEndpoint.from_endpoint_attributes(
            stack,
            f"E{index}",
            endpoint_name=f"endpoint-{index}",
            max_concurrency=1,
            memory_size_mb=1024,
        )

    alarms = EndpointAlarms(stack, "Alarms", endpoint=endpoint(0), dashboard=False, **options)
    for index in range(1, models):
        alarms.add_endpoint(f"m{index:03d}".ljust(name_chars, "x"), endpoint(index))
    return alarms


def test_fails_when_the_rule_would_name_more_than_100_alarms() -> None:
    with pytest.raises(
        ValueError, match=r"EndpointAlarms.add_endpoint:\n  - name must be one"
    ) as e:
        _watch(MAX_CHILDREN // 4 + 2, 4, alarm_name_prefix="p")
    assert f"may name at most {MAX_CHILDREN} alarms" in str(e.value)
    assert "would name 104 critical alarms" in str(e.value)


def test_fails_when_the_rule_would_be_longer_than_10240_characters() -> None:
    with pytest.raises(ValueError, match=rf"may be {MAX_RULE_CHARS} characters long"):
        _watch(20, 32)


def test_the_loader_refuses_what_cannot_fit_naming_the_key() -> None:
    with pytest.raises(ConfigurationError) as raised:
        load_config(
            {
                "environments": {"support": _many_models(16, 3)},
                "serverless_concurrency_quota": 100,
            }
        )
    (problem,) = problems_of(raised)
    assert problem.startswith(
        "environments.support.models must be one the composite alarm has room for: its rule "
        f"may be {MAX_RULE_CHARS} characters long"
    )
    assert problem.endswith("got '16 models and 3 fan-outs'")
