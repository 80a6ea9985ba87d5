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
"""

from typing import Final

from aws_cdk import ArnFormat, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct

CLOUDWATCH_PRINCIPAL: Final = "cloudwatch.amazonaws.com"


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
