"""What every serverless endpoint offers, built in this app or imported: names, capacity,
the invoke grant and the metrics.

``ServerlessEndpoint`` and the endpoints ``ServerlessEndpoint.from_endpoint_attributes``
imports share this base, which implements aws-cdk-lib's ``aws_sagemaker.IEndpoint`` (and so
:class:`~serverless_inference.interfaces.IServerlessEndpoint`).
"""

from typing import Any, Final

import jsii
from aws_cdk import ArnFormat, Duration, Resource, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from aws_cdk import aws_sagemaker as sagemaker
from aws_cdk.interfaces import aws_sagemaker as sagemaker_refs
from constructs import Construct

from serverless_inference.limits import MetricName, metric_namespace
from serverless_inference.metric_statistics import COUNT, PEAK, TYPICAL, new_metric
from serverless_inference.validation import is_token

DEFAULT_VARIANT_NAME: Final = "AllTraffic"
METRIC_PERIOD: Final = Duration.minutes(1)
"""SageMaker publishes endpoint metrics every minute."""

_MEANING: Final = {
    MetricName.INVOCATIONS: COUNT,
    MetricName.INVOCATION_4XX_ERRORS: COUNT,
    MetricName.INVOCATION_5XX_ERRORS: COUNT,
    MetricName.MODEL_LATENCY: TYPICAL,
    MetricName.OVERHEAD_LATENCY: TYPICAL,
    MetricName.MODEL_SETUP_TIME: TYPICAL,
    MetricName.MEMORY_UTILIZATION: PEAK,
    MetricName.CONCURRENT_EXECUTIONS_UTILIZATION: PEAK,
    MetricName.PROVISIONED_CONCURRENCY_EXECUTIONS: PEAK,
    MetricName.PROVISIONED_CONCURRENCY_UTILIZATION: TYPICAL,
    MetricName.PROVISIONED_CONCURRENCY_INVOCATIONS: COUNT,
    MetricName.PROVISIONED_CONCURRENCY_SPILLOVER_INVOCATIONS: COUNT,
}
"""What each metric counts or measures, which picks its default statistic."""


def endpoint_arn(scope: Construct, endpoint_name: str) -> str:
    """``arn:<partition>:sagemaker:<region>:<account>:endpoint/<name>`` in the scope's stack,
    the name lowercased: SageMaker writes endpoint ARNs in lowercase, and IAM compares
    resource ARNs case-sensitively, so a grant on a mixed-case name would never match."""
    name = endpoint_name if is_token(endpoint_name) else endpoint_name.lower()
    return Stack.of(scope).format_arn(
        service="sagemaker",
        resource="endpoint",
        resource_name=name,
        arn_format=ArnFormat.SLASH_RESOURCE_NAME,
    )


@jsii.implements(sagemaker.IEndpoint)
class ServerlessEndpointBase(Resource):
    """The members every serverless endpoint has; a subclass sets the names and capacity."""

    _endpoint_name: str
    _endpoint_arn: str
    _variant_name: str
    _memory_size_mb: int
    _max_concurrency: int
    _provisioned_concurrency: int | None

    @property
    def endpoint_name(self) -> str:
        """The endpoint's name (a token when CloudFormation generates it)."""
        return self._endpoint_name

    @property
    def endpoint_arn(self) -> str:
        """The endpoint's ARN."""
        return self._endpoint_arn

    @property
    def endpoint_ref(self) -> sagemaker_refs.EndpointReference:
        """A reference to the endpoint, as aws-cdk-lib's ``IEndpointRef`` gives it."""
        return sagemaker_refs.EndpointReference(endpoint_arn=self.endpoint_arn)

    @property
    def variant_name(self) -> str:
        """The serverless production variant."""
        return self._variant_name

    @property
    def memory_size_mb(self) -> int:
        """Memory of each execution environment, in MB."""
        return self._memory_size_mb

    @property
    def max_concurrency(self) -> int:
        """Concurrent invocations before SageMaker throttles."""
        return self._max_concurrency

    @property
    def provisioned_concurrency(self) -> int | None:
        """Execution environments kept warm; ``None``: none (scale to zero)."""
        return self._provisioned_concurrency

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """Grant ``sagemaker:InvokeEndpoint`` on this endpoint only."""
        return iam.Grant.add_to_principal(
            grantee=grantee,
            actions=["sagemaker:InvokeEndpoint"],
            resource_arns=[self.endpoint_arn],
        )

    def metric(self, metric_name: str, **options: Any) -> cloudwatch.Metric:
        """A metric of this variant, with ``EndpointName`` and ``VariantName`` dimensions.

        Default period: 1 minute; default statistic: the one the metric helpers document
        (``Average`` for metrics they do not know). ``options`` (``statistic``, ``period``,
        ``label``...) win over the defaults.
        """
        return new_metric(
            metric_namespace(metric_name),
            metric_name,
            {"EndpointName": self.endpoint_name, "VariantName": self.variant_name},
            period=METRIC_PERIOD,
            preferred=_MEANING.get(metric_name, TYPICAL),
            options=options,
        )

    def metric_invocations(self, **options: Any) -> cloudwatch.Metric:
        """Requests sent to the endpoint. Default: Sum over 1 minute."""
        return self.metric(MetricName.INVOCATIONS, **options)

    def metric_invocation_4xx_errors(self, **options: Any) -> cloudwatch.Metric:
        """Requests the model answered with a 4XX. Default: Sum over 1 minute."""
        return self.metric(MetricName.INVOCATION_4XX_ERRORS, **options)

    def metric_invocation_5xx_errors(self, **options: Any) -> cloudwatch.Metric:
        """Requests the model answered with a 5XX. Default: Sum over 1 minute."""
        return self.metric(MetricName.INVOCATION_5XX_ERRORS, **options)

    def metric_model_latency(self, **options: Any) -> cloudwatch.Metric:
        """Time in the container, in microseconds. Default: Average over 1 minute."""
        return self.metric(MetricName.MODEL_LATENCY, **options)

    def metric_overhead_latency(self, **options: Any) -> cloudwatch.Metric:
        """SageMaker's overhead including cold starts, in microseconds. Default: Average."""
        return self.metric(MetricName.OVERHEAD_LATENCY, **options)

    def metric_model_setup_time(self, **options: Any) -> cloudwatch.Metric:
        """Time to launch new compute, in microseconds. Default: Average over 1 minute."""
        return self.metric(MetricName.MODEL_SETUP_TIME, **options)

    def metric_memory_utilization(self, **options: Any) -> cloudwatch.Metric:
        """Memory used, in percent (namespace ``/aws/sagemaker/Endpoints``). Default: Maximum."""
        return self.metric(MetricName.MEMORY_UTILIZATION, **options)

    def metric_concurrent_executions_utilization(self, **options: Any) -> cloudwatch.Metric:
        """Concurrent executions / max concurrency (near 1: throttling). Default: Maximum."""
        return self.metric(MetricName.CONCURRENT_EXECUTIONS_UTILIZATION, **options)

    def metric_provisioned_concurrency_executions(self, **options: Any) -> cloudwatch.Metric:
        """Requests handled by provisioned concurrency at once. Default: Maximum over 1 minute."""
        return self.metric(MetricName.PROVISIONED_CONCURRENCY_EXECUTIONS, **options)

    def metric_provisioned_concurrency_utilization(self, **options: Any) -> cloudwatch.Metric:
        """Provisioned concurrency in use / provisioned. Default: Average over 1 minute."""
        return self.metric(MetricName.PROVISIONED_CONCURRENCY_UTILIZATION, **options)

    def metric_provisioned_concurrency_invocations(self, **options: Any) -> cloudwatch.Metric:
        """Requests served by provisioned concurrency. Default: Maximum over 1 minute (AWS
        documents Average, Maximum and Minimum for it, not Sum)."""
        return self.metric(MetricName.PROVISIONED_CONCURRENCY_INVOCATIONS, **options)

    def metric_provisioned_concurrency_spillover_invocations(
        self, **options: Any
    ) -> cloudwatch.Metric:
        """Requests served on demand because provisioned concurrency was full. Default:
        Maximum over 1 minute (AWS documents Average, Maximum and Minimum for it, not Sum)."""
        return self.metric(MetricName.PROVISIONED_CONCURRENCY_SPILLOVER_INVOCATIONS, **options)


class ImportedServerlessEndpoint(ServerlessEndpointBase):
    """A serverless endpoint defined elsewhere, known by its name and settings. It creates
    no resource; see ``ServerlessEndpoint.from_endpoint_attributes``."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        endpoint_name: str,
        variant_name: str,
        max_concurrency: int,
        memory_size_mb: int,
        provisioned_concurrency: int | None,
    ) -> None:
        arn = endpoint_arn(scope, endpoint_name)
        super().__init__(scope, construct_id, environment_from_arn=arn)
        self._endpoint_name = endpoint_name
        self._endpoint_arn = arn
        self._variant_name = variant_name
        self._memory_size_mb = memory_size_mb
        self._max_concurrency = max_concurrency
        self._provisioned_concurrency = provisioned_concurrency
