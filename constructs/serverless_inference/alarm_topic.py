"""The SNS topic ``EndpointAlarms`` creates, with the policies CloudWatch needs to publish to it.

Two resource policies decide whether an alarm notification is delivered, and both fail
silently: the alarm changes state, its history records "Failed to execute action", and
nobody is told.

* The topic policy. An ``AWS::SNS::TopicPolicy`` replaces the default policy SNS gives a new
  topic (which lets the owner account's AWS services publish). CDK's ``enforce_ssl`` writes
  one holding only a TLS ``Deny``, so the topic also needs an ``Allow`` for
  ``cloudwatch.amazonaws.com``. It is scoped to this construct's alarms with
  ``aws:SourceArn``, the form AWS documents for CloudWatch alarms (the alarm's ARN, which
  holds the account too).
* The key policy of the topic's KMS key: CloudWatch needs ``kms:Decrypt`` and
  ``kms:GenerateDataKey*`` on it, in the unconditioned statement AWS documents for AWS
  services that publish to encrypted topics. The key encrypts this topic only.

docs/aws-behaviour.md ("SNS notifications") lists the sources; docs/alarms.md says what a
topic passed in as ``topic`` or ``pager_topic`` must allow.

A topic passed in must also be one the alarms can use at all (:func:`check_given_topics`): in
the alarms' region (a CloudWatch alarm action names a topic of its own region; a
region-agnostic stack gets a template rule instead, :func:`require_topic_region`), and a
standard topic when e-mail addresses subscribe to it (SNS FIFO topics deliver to SQS only).
"""

from collections.abc import Collection, Mapping
from typing import Final

from aws_cdk import ArnFormat, Aws, CfnRule, CfnRuleAssertion, Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

from serverless_inference.validation import Problems, is_token

CLOUDWATCH_PRINCIPAL: Final = "cloudwatch.amazonaws.com"
TOPIC_REGION_RULE_ID: Final = "TopicRegion"


def alarm_arn_pattern(scope: Construct, alarm_name_prefix: str) -> str:
    """``arn:<partition>:cloudwatch:<region>:<account>:alarm:<prefix>-*``: every alarm (and the
    composite alarm) whose name starts with ``<prefix>-``, in the scope's stack."""
    return Stack.of(scope).format_arn(
        service="cloudwatch",
        resource="alarm",
        resource_name=f"{alarm_name_prefix}-*",
        arn_format=ArnFormat.COLON_RESOURCE_NAME,
    )


def new_alarm_topic(scope: Construct, *, alarm_name_prefix: str) -> sns.Topic:
    """A topic (id ``Topic``) encrypted with a new key (id ``TopicKey``), TLS-only, that the
    alarms named ``<alarm_name_prefix>-*`` in the scope's account and region may publish to."""
    key = kms.Key(
        scope,
        "TopicKey",
        description="Encrypts the alarm notifications of a serverless inference endpoint",
        enable_key_rotation=True,
        # Only transient notifications are encrypted with it: a retained key would bill
        # USD 1/month after `cdk destroy` for nothing.
        removal_policy=RemovalPolicy.DESTROY,
        pending_window=Duration.days(7),
    )
    # The AWS managed alias/aws/sns key cannot be used: its policy does not allow CloudWatch,
    # and it cannot be changed.
    key.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchAlarmsToUseTheKey",
            principals=[iam.ServicePrincipal(CLOUDWATCH_PRINCIPAL)],
            actions=["kms:Decrypt", "kms:GenerateDataKey*"],
            resources=["*"],
        )
    )
    topic = sns.Topic(
        scope,
        "Topic",
        display_name="Serverless inference alarms",
        master_key=key,
        enforce_ssl=True,
    )
    topic.add_to_resource_policy(
        iam.PolicyStatement(
            sid="AllowCloudWatchAlarmsToPublish",
            principals=[iam.ServicePrincipal(CLOUDWATCH_PRINCIPAL)],
            actions=["sns:Publish"],
            resources=[topic.topic_arn],
            conditions={"ArnLike": {"aws:SourceArn": alarm_arn_pattern(scope, alarm_name_prefix)}},
        )
    )
    return topic


def check_given_topics(
    problems: Problems,
    scope: Construct,
    topics: Mapping[str, sns.ITopic | None],
    email_addresses: Collection[str],
) -> None:
    """Record the problems of the topics passed in (by prop name; ``None``: not given): each
    must be in the scope's region where both regions are known, all in one region, and
    ``topic`` a standard topic when ``email_addresses`` subscribe to it."""
    stack_region = Stack.of(scope).region
    regions: dict[str, str] = {}
    for name, topic in topics.items():
        region = topic.env.region if topic is not None else None
        if topic is None or region is None or is_token(region):
            continue
        regions[name] = region
        if not is_token(stack_region) and region != stack_region:
            problems.add(
                name,
                topic.topic_arn,
                f"a topic in the stack's region {stack_region}, not {region} (a CloudWatch "
                "alarm action must name a topic in the alarm's own region)",
            )
    if is_token(stack_region) and len(set(regions.values())) > 1:
        for name, region in regions.items():
            problems.add(
                name,
                f"a topic in {region}",
                "a topic in the same region as "
                + " and ".join(f"{other} ({regions[other]})" for other in regions if other != name)
                + " (the alarms of one stack can only notify topics of its own region)",
            )
    topic = topics.get("topic")
    if topic is not None and email_addresses and topic.fifo:
        problems.add(
            "topic",
            topic.topic_arn,
            "a standard topic when email_addresses are given (SNS FIFO topics deliver to SQS "
            "queues only, never to e-mail)",
        )


def require_topic_region(scope: Construct, topics: Collection[sns.ITopic | None]) -> None:
    """In a region-agnostic stack, a template rule (id ``TopicRegion``) that refuses to deploy
    to another region than the topics' (checked by :func:`check_given_topics` to be one)."""
    if not is_token(Stack.of(scope).region):
        return
    regions = {
        topic.env.region
        for topic in topics
        if topic is not None and topic.env.region is not None and not is_token(topic.env.region)
    }
    for region in sorted(regions):
        CfnRule(
            scope,
            TOPIC_REGION_RULE_ID,
            assertions=[
                CfnRuleAssertion(
                    assert_=Fn.condition_equals(Aws.REGION, region),
                    assert_description=(
                        f"The alarms notify an SNS topic in {region}: deploy this stack to "
                        f"{region}, or pass a topic of the region you deploy to (a CloudWatch "
                        "alarm action must name a topic in the alarm's region)"
                    ),
                )
            ],
        )
