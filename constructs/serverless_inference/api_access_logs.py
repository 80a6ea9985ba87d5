"""Where the stage writes its access logs: the log group's ARN in the form AWS documents."""

import jsii
from aws_cdk import ArnFormat, Stack
from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_logs as logs
from aws_cdk.interfaces import aws_apigateway as apigw_refs


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
