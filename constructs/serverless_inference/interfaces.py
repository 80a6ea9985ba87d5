"""What the constructs accept from each other: interfaces, not concrete classes.

``InferenceApi``, ``KeepWarm``, ``EndpointAlarms``, the dashboard and provisioned-concurrency
scaling take an :class:`IServerlessEndpoint`: a ``ServerlessEndpoint`` built in this app, or
one defined elsewhere and imported with ``ServerlessEndpoint.from_endpoint_attributes``.
``EndpointAlarms`` reads the API, the keep-warm pinger and a fan-out through
:class:`ApiMetrics`, :class:`KeepWarmMetrics` (and, when it says so, :class:`KeepWarmPings`)
and :class:`FanOutMetrics`. This module imports
no construct module, so every construct module may import it.
"""

from typing import Any

import typing_extensions
from aws_cdk import Duration
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_sagemaker as sagemaker


class IServerlessEndpoint(sagemaker.IEndpoint, typing_extensions.Protocol):
    """A SageMaker serverless endpoint variant: its names, capacity, grants and metrics.

    Extends aws-cdk-lib's ``aws_sagemaker.IEndpoint`` (``endpoint_name``, ``endpoint_arn``,
    ``grant_invoke``, ``endpoint_ref``), so an implementation also works wherever aws-cdk-lib
    takes an ``IEndpoint``, for example ``aws_apigateway.SagemakerIntegration``.
    """

    @property
    def variant_name(self) -> str:
        """The production variant the metrics and the scaling name."""
        ...

    @property
    def max_concurrency(self) -> int:
        """Concurrent invocations before SageMaker throttles (``MaxConcurrency``)."""
        ...

    @property
    def memory_size_mb(self) -> int:
        """Memory of each execution environment (``MemorySizeInMB``)."""
        ...

    @property
    def provisioned_concurrency(self) -> int | None:
        """Execution environments kept warm (``ProvisionedConcurrency``); ``None``: none."""
        ...

    def metric(self, metric_name: str, **options: Any) -> cloudwatch.Metric:
        """A metric of this variant (dimensions ``EndpointName``, ``VariantName``)."""
        ...

    def metric_invocations(self, **options: Any) -> cloudwatch.Metric:
        """``Invocations``."""
        ...

    def metric_invocation_4xx_errors(self, **options: Any) -> cloudwatch.Metric:
        """``Invocation4XXErrors``."""
        ...

    def metric_invocation_5xx_errors(self, **options: Any) -> cloudwatch.Metric:
        """``Invocation5XXErrors``."""
        ...

    def metric_model_latency(self, **options: Any) -> cloudwatch.Metric:
        """``ModelLatency``, in microseconds."""
        ...

    def metric_overhead_latency(self, **options: Any) -> cloudwatch.Metric:
        """``OverheadLatency``, in microseconds."""
        ...

    def metric_model_setup_time(self, **options: Any) -> cloudwatch.Metric:
        """``ModelSetupTime``, in microseconds."""
        ...

    def metric_memory_utilization(self, **options: Any) -> cloudwatch.Metric:
        """``MemoryUtilization``, in percent."""
        ...

    def metric_concurrent_executions_utilization(self, **options: Any) -> cloudwatch.Metric:
        """``ServerlessConcurrentExecutionsUtilization``."""
        ...

    def metric_provisioned_concurrency_executions(self, **options: Any) -> cloudwatch.Metric:
        """``ServerlessProvisionedConcurrencyExecutions``."""
        ...

    def metric_provisioned_concurrency_utilization(self, **options: Any) -> cloudwatch.Metric:
        """``ServerlessProvisionedConcurrencyUtilization``."""
        ...

    def metric_provisioned_concurrency_invocations(self, **options: Any) -> cloudwatch.Metric:
        """``ServerlessProvisionedConcurrencyInvocations``."""
        ...

    def metric_provisioned_concurrency_spillover_invocations(
        self, **options: Any
    ) -> cloudwatch.Metric:
        """``ServerlessProvisionedConcurrencySpilloverInvocations``."""
        ...


class ApiMetrics(typing_extensions.Protocol):
    """What ``EndpointAlarms`` needs from an API in front of the endpoint (``InferenceApi``)."""

    def metric_count(self) -> cloudwatch.Metric:
        """Requests (``Count``)."""
        ...

    def metric_client_error(self) -> cloudwatch.Metric:
        """Requests answered with a 4XX (``4XXError``)."""
        ...

    def metric_server_error(self) -> cloudwatch.Metric:
        """Requests answered with a 5XX (``5XXError``)."""
        ...

    def metric_latency(self) -> cloudwatch.Metric:
        """Milliseconds from request to response (``Latency``)."""
        ...

    def metric_integration_latency(self) -> cloudwatch.Metric:
        """Milliseconds spent waiting for the backend (``IntegrationLatency``)."""
        ...


class KeepWarmMetrics(typing_extensions.Protocol):
    """What ``EndpointAlarms`` needs from the keep-warm pinger (``KeepWarm``)."""

    def metric_errors(self) -> cloudwatch.Metric:
        """Failed runs of the pinging function (Lambda ``Errors``)."""
        ...

    def metric_failed_pings(self) -> cloudwatch.Metric:
        """Pings that failed (``FailedPings``)."""
        ...

    def metric_pings_sent(self) -> cloudwatch.Metric:
        """Pings sent (``PingsSent``)."""
        ...

    def metric_ping_latency(self) -> cloudwatch.Metric:
        """Milliseconds of successful pings (``PingLatency``)."""
        ...

    def metric_suspected_cold_starts(self) -> cloudwatch.Metric:
        """Successful pings slow enough to suspect a cold start (``SuspectedColdStarts``)."""
        ...


@typing_extensions.runtime_checkable
class KeepWarmPings(typing_extensions.Protocol):
    """How hard and how often a keep-warm pinger calls the endpoint (``KeepWarm`` says so):
    ``EndpointAlarms`` refuses pings that alone would fire its concurrency alarm."""

    @property
    def concurrency(self) -> int:
        """Pings sent at once in each run."""
        ...

    @property
    def ping_interval_minutes(self) -> float | None:
        """Minutes between runs (``None``: not a fixed rate, such as a cron schedule)."""
        ...

    @property
    def enabled(self) -> bool:
        """Whether the schedule runs."""
        ...


class FanOutMetrics(typing_extensions.Protocol):
    """What ``EndpointAlarms`` needs from a fan-out (``ModelFanOut``)."""

    @property
    def deadline(self) -> Duration:
        """How long a request may take as a whole."""
        ...

    def metric_invocations(self) -> cloudwatch.Metric:
        """Requests the function ran (Lambda ``Invocations``)."""
        ...

    def metric_errors(self) -> cloudwatch.Metric:
        """Runs that crashed or timed out (Lambda ``Errors``)."""
        ...

    def metric_throttles(self) -> cloudwatch.Metric:
        """Requests Lambda refused for lack of concurrency (``Throttles``)."""
        ...

    def metric_duration(self) -> cloudwatch.Metric:
        """Time the function ran, in milliseconds (``Duration``)."""
        ...

    def metric_failed_requests(self) -> cloudwatch.Metric:
        """Requests answered with an error status (``FailedRequests``)."""
        ...

    def metric_partial_answers(self) -> cloudwatch.Metric:
        """200 answers without some optional member's (``PartialAnswers``)."""
        ...


def endpoint_resource(endpoint: IServerlessEndpoint) -> sagemaker.CfnEndpoint | None:
    """The ``AWS::SageMaker::Endpoint`` behind ``endpoint`` when this app defines it (its
    default child), else ``None`` (an endpoint imported by name)."""
    resource = endpoint.node.default_child
    return resource if isinstance(resource, sagemaker.CfnEndpoint) else None
