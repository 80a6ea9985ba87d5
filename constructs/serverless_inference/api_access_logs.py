"""Where the stage writes its logs: the access log group's ARN in the form AWS documents, and
the execution-log group API Gateway would otherwise create outside the stack."""

from typing import Final

import jsii
from aws_cdk import ArnFormat, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_logs as logs
from aws_cdk.interfaces import aws_apigateway as apigw_refs
from constructs import Construct

EXECUTION_LOG_GROUP_PREFIX: Final = "API-Gateway-Execution-Logs_"
"""API Gateway writes a stage's execution logs to ``API-Gateway-Execution-Logs_<id>/<stage>``."""


@jsii.implements(apigw.IAccessLogDestination)
class AccessLogGroup:
    """Access logs to a CloudWatch Logs group, named by ``arn:...:log-group:<name>``.

    The log group's ``Arn`` attribute ends in ``:*`` (all of its streams); API Gateway's
    documentation names the group without it, and aws-cdk-lib's
    ``LogGroupLogDestination`` drops the suffix only from 2.274 on (behind a feature flag),
    so the stage names the group itself, the same in every version the library supports.
    """

    def __init__(self, log_group: logs.ILogGroup) -> None:
        self.log_group = log_group

    def bind(self, _stage: apigw_refs.IStageRef) -> apigw.AccessLogDestinationConfig:
        """The destination ARN, in the log group's partition, region and account."""
        return apigw.AccessLogDestinationConfig(
            destination_arn=Stack.of(self.log_group).format_arn(
                service="logs",
                account=self.log_group.env.account,
                region=self.log_group.env.region,
                resource="log-group",
                resource_name=self.log_group.log_group_name,
                arn_format=ArnFormat.COLON_RESOURCE_NAME,
            )
        )


def execution_log_group(
    scope: Construct, stage: apigw.Stage, stage_name: str, retention: logs.RetentionDays
) -> logs.LogGroup:
    """The execution-log group of ``stage`` (named ``stage_name``: the stage's own
    ``stage_name`` is a reference to it), ``API-Gateway-Execution-Logs_<api id>/<stage>``.

    API Gateway creates it when the stage is deployed with execution logging on, outside the
    stack, with no retention, and leaves it after ``cdk destroy``. Its name is known before the
    stage exists, so the stack creates it first (the stage must depend on it, or the group's
    creation fails with "already exists"), with ``retention``, and deletes it.
    """
    group = logs.LogGroup(
        scope,
        "ExecutionLogs",
        log_group_name=f"{EXECUTION_LOG_GROUP_PREFIX}{stage.rest_api.rest_api_id}/{stage_name}",
        retention=retention,
        removal_policy=RemovalPolicy.DESTROY,
    )
    stage.node.add_dependency(group)
    return group
