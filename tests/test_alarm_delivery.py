"""Alarm notifications reach the topic: the topic policy and the key policy let CloudWatch in.

The check itself (``observability_checks.delivery_report``) runs on every template the tests
lint; these tests pin what it accepts and refuses, and what ``EndpointAlarms`` synthesizes.
"""

import copy
from collections.abc import Mapping
from typing import Any

import pytest
from aws_cdk import App, Environment, Stack
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Template

from serverless_inference import ContainerImage, EndpointAlarms, ServerlessEndpoint
from tests.cdk_helpers import linted_template, logical_id, new_stack
from tests.observability_checks import delivery_report, render

PAGER_TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:pager"


def _alarms(stack: Stack, **props: Any) -> EndpointAlarms:
    endpoint = ServerlessEndpoint(stack, "Endpoint", image=ContainerImage.hugging_face_inference())
    return EndpointAlarms(stack, "Alarms", endpoint=endpoint, **props)


@pytest.fixture(scope="module")
def default() -> tuple[EndpointAlarms, dict[str, Any]]:
    """GIVEN EndpointAlarms with its own topic in a region-agnostic stack."""
    stack = new_stack()
    alarms = _alarms(stack)
    return alarms, dict(linted_template(stack).to_json())


def _actions(template: dict[str, Any]) -> int:
    return sum(
        len(resource["Properties"].get(key, []))
        for resource in template["Resources"].values()
        if resource["Type"] in ("AWS::CloudWatch::Alarm", "AWS::CloudWatch::CompositeAlarm")
        for key in ("AlarmActions", "OKActions")
    )


def test_every_alarm_action_of_the_new_topic_is_deliverable(
    default: tuple[EndpointAlarms, dict[str, Any]],
) -> None:
    _, template = default
    report = delivery_report(template)
    assert report.problems == []
    # Not vacuous: every action of every alarm and of the composite was followed to the key.
    assert report.verified == _actions(template) == 2 * (8 + 1)
    assert report.imported == 0


def test_topic_policy_lets_only_this_constructs_alarms_publish(
    default: tuple[EndpointAlarms, dict[str, Any]],
) -> None:
    alarms, template = default
    topic_id = logical_id(alarms.topic)
    (policy,) = Template.from_json(template).find_resources("AWS::SNS::TopicPolicy").values()
    statements = {s.get("Sid"): s for s in policy["Properties"]["PolicyDocument"]["Statement"]}
    allow = statements["AllowCloudWatchAlarmsToPublish"]
    assert allow["Effect"] == "Allow"
    assert allow["Principal"] == {"Service": "cloudwatch.amazonaws.com"}
    assert allow["Action"] == "sns:Publish"
    assert allow["Resource"] == {"Ref": topic_id}
    # The documented CloudWatch form: the alarm ARN, here every alarm named "TestStack-*" in
    # this stack's account and region (the account is part of the ARN).
    assert allow["Condition"] == {
        "ArnLike": {
            "aws:SourceArn": {
                "Fn::Join": [
                    "",
                    [
                        "arn:",
                        {"Ref": "AWS::Partition"},
                        ":cloudwatch:",
                        {"Ref": "AWS::Region"},
                        ":",
                        {"Ref": "AWS::AccountId"},
                        ":alarm:TestStack-*",
                    ],
                ]
            }
        }
    }
    deny = next(s for s in statements.values() if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


def test_key_policy_lets_cloudwatch_encrypt_for_the_topic(
    default: tuple[EndpointAlarms, dict[str, Any]],
) -> None:
    _, template = default
    ((key_id, key),) = Template.from_json(template).find_resources("AWS::KMS::Key").items()
    statement = next(
        s
        for s in key["Properties"]["KeyPolicy"]["Statement"]
        if s.get("Principal") == {"Service": "cloudwatch.amazonaws.com"}
    )
    assert statement["Effect"] == "Allow"
    assert sorted(statement["Action"]) == ["kms:Decrypt", "kms:GenerateDataKey*"]
    assert statement["Resource"] == "*"
    # AWS documents this statement without conditions; CloudWatch's KMS calls are not
    # documented to carry aws:SourceArn, and a condition they lack drops every notification.
    assert "Condition" not in statement
    (topic,) = Template.from_json(template).find_resources("AWS::SNS::Topic").values()
    assert topic["Properties"]["KmsMasterKeyId"] == {"Fn::GetAtt": [key_id, "Arn"]}


def test_a_custom_prefix_scopes_the_topic_policy_to_its_alarms() -> None:
    stack = Stack(App(), "Stack", env=Environment(account="123456789012", region="eu-west-1"))
    _alarms(stack, alarm_name_prefix="team-a")
    template = dict(linted_template(stack).to_json())
    (policy,) = Template.from_json(template).find_resources("AWS::SNS::TopicPolicy").values()
    allow = next(
        s for s in policy["Properties"]["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"
    )
    assert render(allow["Condition"]["ArnLike"]["aws:SourceArn"]) == (
        "arn:<AWS.Partition>:cloudwatch:eu-west-1:123456789012:alarm:team-a-*"
    )
    report = delivery_report(template, region="eu-west-1", account="123456789012")
    assert (report.problems, report.verified) == ([], _actions(template))
    # The same policy in another account or region would not let these alarms in.
    assert delivery_report(template, region="us-east-1", account="123456789012").problems


def test_imported_topics_are_left_alone_and_counted() -> None:
    stack = new_stack()
    _alarms(
        stack,
        topic=sns.Topic.from_topic_arn(stack, "Existing", "arn:aws:sns:eu-west-1:1:existing"),
        pager_topic=sns.Topic.from_topic_arn(stack, "Pager", PAGER_TOPIC_ARN),
    )
    template = dict(linted_template(stack).to_json())
    Template.from_json(template).resource_count_is("AWS::SNS::TopicPolicy", 0)
    Template.from_json(template).resource_count_is("AWS::KMS::Key", 0)
    report = delivery_report(template)
    assert (report.problems, report.verified, report.imported) == ([], 0, _actions(template))


# --- what the check refuses (hand-made templates) -------------------------------------------


@pytest.fixture
def deliverable(default: tuple[EndpointAlarms, dict[str, Any]]) -> dict[str, Any]:
    """A copy of the default template, to break one link of the path."""
    return copy.deepcopy(default[1])


def _resource(template: dict[str, Any], resource_type: str) -> dict[str, Any]:
    (resource,) = [r for r in template["Resources"].values() if r["Type"] == resource_type]
    found: dict[str, Any] = resource
    return found


def _statements(template: dict[str, Any], resource_type: str, key: str) -> list[Any]:
    statements: list[Any] = _resource(template, resource_type)["Properties"][key]["Statement"]
    return statements


def _allow_statement(template: dict[str, Any]) -> dict[str, Any]:
    statements = _statements(template, "AWS::SNS::TopicPolicy", "PolicyDocument")
    allow: dict[str, Any] = next(s for s in statements if s["Effect"] == "Allow")
    return allow


def test_check_refuses_a_topic_policy_with_only_the_tls_deny(deliverable: dict[str, Any]) -> None:
    """The template `enforce_ssl=True` alone produced, before the fix."""
    statements = _statements(deliverable, "AWS::SNS::TopicPolicy", "PolicyDocument")
    statements[:] = [s for s in statements if s["Effect"] == "Deny"]
    problems = delivery_report(deliverable).problems
    assert len(problems) == _actions(deliverable)
    assert "replaces SNS's default policy and allows cloudwatch.amazonaws.com no" in problems[0]


def test_check_accepts_a_topic_without_topic_policy(deliverable: dict[str, Any]) -> None:
    """No TopicPolicy: SNS's default policy lets the owner account's alarms publish."""
    deliverable["Resources"] = {
        name: r
        for name, r in deliverable["Resources"].items()
        if r["Type"] != "AWS::SNS::TopicPolicy"
    }
    assert delivery_report(deliverable).problems == []


def test_check_refuses_a_source_arn_of_other_alarms(deliverable: dict[str, Any]) -> None:
    allow = _allow_statement(deliverable)
    allow["Condition"]["ArnLike"]["aws:SourceArn"]["Fn::Join"][1][-1] = ":alarm:OtherStack-*"
    problems = delivery_report(deliverable).problems
    assert len(problems) == 2 * _actions(deliverable)
    assert "does not match arn:<AWS.Partition>:cloudwatch:<AWS.Region>:" in problems[0]


def test_check_refuses_a_source_account_of_another_account(deliverable: dict[str, Any]) -> None:
    allow = _allow_statement(deliverable)
    allow["Condition"]["StringEquals"] = {"aws:SourceAccount": "111111111111"}
    assert "aws:SourceAccount 111111111111 is not <AWS.AccountId>" in "".join(
        delivery_report(deliverable).problems
    )
    allow["Condition"]["StringEquals"] = {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}
    assert delivery_report(deliverable).problems == []


def test_check_refuses_conditions_cloudwatch_does_not_send(deliverable: dict[str, Any]) -> None:
    allow = _allow_statement(deliverable)
    allow["Condition"]["StringEquals"] = {"aws:PrincipalOrgID": "o-abc"}
    assert "CloudWatch is not documented to send it" in "".join(
        delivery_report(deliverable).problems
    )


def test_check_refuses_a_key_without_the_cloudwatch_statement(
    deliverable: dict[str, Any],
) -> None:
    statements = _statements(deliverable, "AWS::KMS::Key", "KeyPolicy")
    statements[:] = [s for s in statements if "cloudwatch" not in str(s.get("Principal"))]
    problems = delivery_report(deliverable).problems
    assert len(problems) == _actions(deliverable)
    assert "does not allow CloudWatch ['kms:Decrypt', 'kms:GenerateDataKey*']" in problems[0]


def test_check_refuses_the_aws_managed_sns_key(deliverable: dict[str, Any]) -> None:
    _resource(deliverable, "AWS::SNS::Topic")["Properties"]["KmsMasterKeyId"] = "alias/aws/sns"
    assert "alias/aws/sns cannot allow CloudWatch" in "".join(delivery_report(deliverable).problems)


# --- topics passed in: their region, and e-mail on a FIFO topic -------------------------------

US_TOPIC_ARN = "arn:aws:sns:us-east-1:123456789012:alerts"


def _imported(stack: Stack, arn: str, construct_id: str = "Given") -> sns.ITopic:
    return sns.Topic.from_topic_arn(stack, construct_id, arn)


@pytest.mark.parametrize("prop", ["topic", "pager_topic"])
def test_fails_when_a_topic_is_in_another_region_than_the_pinned_stack(prop: str) -> None:
    stack = new_stack(region="eu-west-1")
    with pytest.raises(
        ValueError,
        match=rf"{prop} must be a topic in the stack's region eu-west-1, not us-east-1 \(a "
        rf"CloudWatch alarm action must name a topic in the alarm's own region\), got "
        rf"'{US_TOPIC_ARN}'",
    ):
        _alarms(stack, **{prop: _imported(stack, US_TOPIC_ARN)})


def _own_rules(template: Mapping[str, Any]) -> dict[str, Any]:
    """The template's rules but the one CDK adds to every stack (the bootstrap version)."""
    return {k: v for k, v in template.get("Rules", {}).items() if k != "CheckBootstrapVersion"}


def _rule_holds(rule: dict[str, Any], region: str) -> bool:
    """Whether every assertion of a template rule holds when the stack deploys to ``region``
    (the rule functions this library writes: ``Fn::Equals`` on ``Ref AWS::Region``)."""
    results = []
    for assertion in rule["Assertions"]:
        left, right = assertion["Assert"]["Fn::Equals"]
        values = [region if value == {"Ref": "AWS::Region"} else value for value in (left, right)]
        results.append(values[0] == values[1])
    return all(results)


def test_a_region_agnostic_stack_can_only_deploy_to_the_topics_region() -> None:
    stack = new_stack()
    _alarms(
        stack,
        topic=_imported(stack, US_TOPIC_ARN),
        pager_topic=_imported(stack, US_TOPIC_ARN.replace("alerts", "pager"), "Pager"),
    )
    (rule,) = _own_rules(linted_template(stack).to_json()).values()
    assert _rule_holds(rule, "us-east-1")
    assert not _rule_holds(rule, "eu-west-1")
    (assertion,) = rule["Assertions"]
    assert "deploy this stack to us-east-1" in assertion["AssertDescription"]


def test_a_topic_of_the_stacks_own_region_needs_no_rule() -> None:
    pinned = new_stack(region="us-east-1")
    _alarms(pinned, topic=_imported(pinned, US_TOPIC_ARN))
    agnostic = new_stack()
    _alarms(agnostic, email_addresses=["oncall@example.com"])
    for stack in (pinned, agnostic):
        assert _own_rules(linted_template(stack).to_json()) == {}


def test_fails_when_a_region_agnostic_stacks_topics_are_in_two_regions() -> None:
    stack = new_stack()
    with pytest.raises(
        ValueError, match=r"pager_topic must be a topic in the same region as topic"
    ):
        _alarms(
            stack,
            topic=_imported(stack, US_TOPIC_ARN),
            pager_topic=_imported(stack, PAGER_TOPIC_ARN, "Pager"),
        )


@pytest.mark.parametrize("fifo", ["imported", "created"])
def test_fails_when_e_mail_addresses_would_subscribe_to_a_fifo_topic(fifo: str) -> None:
    stack = new_stack()
    topic = (
        _imported(stack, "arn:aws:sns:eu-west-1:123456789012:alerts.fifo")
        if fifo == "imported"
        else sns.Topic(stack, "Fifo", fifo=True, topic_name="alerts.fifo")
    )
    with pytest.raises(
        ValueError,
        match=r"topic must be a standard topic when email_addresses are given \(SNS FIFO "
        r"topics deliver to SQS queues only, never to e-mail\)",
    ):
        _alarms(stack, topic=topic, email_addresses=["oncall@example.com"])
