"""Alarm notifications reach the topic: the topic policy and the key policy let CloudWatch in.

The check itself (``observability_checks.delivery_report``) runs on every template the tests
lint; these tests pin what it accepts and refuses, and what ``EndpointAlarms`` synthesizes.
"""

import copy
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
