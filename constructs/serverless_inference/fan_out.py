"""``ModelFanOut``: one request to several serverless endpoints at once, one answer.

A Python Lambda function of the runtime package (``serverless_inference_runtime.fan_out``)
invokes every member in parallel through the shared SageMaker-calling module and answers with
one JSON document; ``InferenceApi.add_fan_out`` gives it a route. Lambda rather than Step
Functions: an Express workflow's state input and output stop at 256 KB, a fraction of the 4 MB
a serverless endpoint may take and return, and one function holding every member's call is the
one compute hop a request pays for.
"""

import json
from collections.abc import Mapping
from typing import Any, Unpack

from aws_cdk import Duration, Stack
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from serverless_inference.fan_out_options import (
    DEFAULT_DEADLINE,
    DEFAULT_LOG_RETENTION,
    DEFAULT_MEMORY_SIZE_MB,
    FanOutOptions,
    check_fan_out_props,
    check_members,
    function_timeout_seconds,
)
from serverless_inference.functions import (
    depend_on_policy_only,
    environment_seconds,
    library_function,
)
from serverless_inference.interfaces import IServerlessEndpoint
from serverless_inference.metric_statistics import COUNT, TYPICAL, new_metric
from serverless_inference.validation import Problems, is_token
from serverless_inference_runtime.fan_out import contract
from serverless_inference_runtime.limits import LAMBDA_NAMESPACE

METRIC_PERIOD = Duration.minutes(5)


class ModelFanOut(Construct):
    """Sends each request to every member endpoint in parallel and answers with all their
    answers in one JSON document.

    Example::

        fan_out = ModelFanOut(
            self,
            "Ticket",
            required={"sentiment": sentiment, "entities": entities},
            optional={"topic": topic},
        )
        api.add_fan_out("ticket", fan_out)  # POST /v1/ticket

    :param required: members whose failure fails the request (with the status the API gives
        that failure on the member's own route), by name.
    :param optional: members whose failure leaves a ``partial`` answer without theirs, by
        name. Default: - none.

    Members are ``IServerlessEndpoint`` (built here or imported), 2 to 10 across both, each
    once; names key the answer. The other props are
    :class:`~serverless_inference.fan_out_options.FanOutOptions`. The function's role may
    invoke exactly these endpoints. Nothing is retried.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        required: Mapping[str, IServerlessEndpoint] | None = None,
        optional: Mapping[str, IServerlessEndpoint] | None = None,
        **options: Unpack[FanOutOptions],
    ) -> None:
        super().__init__(scope, construct_id)
        required = dict(required) if required is not None else {}
        optional = dict(optional) if optional is not None else {}
        problems = Problems("ModelFanOut props")
        problems.check_options(options, FanOutOptions)
        deadline = options.get("deadline", DEFAULT_DEADLINE)
        member_timeout = options.get("member_timeout", deadline)
        memory_size_mb = options.get("memory_size_mb", DEFAULT_MEMORY_SIZE_MB)
        check_members(problems, list(required), list(optional))
        _check_distinct_endpoints(problems, {**required, **optional})
        check_fan_out_props(
            problems,
            deadline_ms=deadline.to_milliseconds(),
            member_timeout_ms=member_timeout.to_milliseconds(),
            memory_size_mb=memory_size_mb,
        )
        problems.raise_if_any()

        self.required: dict[str, IServerlessEndpoint] = required
        """The members whose failure fails the request, by name."""
        self.optional: dict[str, IServerlessEndpoint] = optional
        """The members whose failure leaves a partial answer, by name."""
        self.members: dict[str, IServerlessEndpoint] = {**required, **optional}
        """Every member, by name, in answer order (required first)."""
        self.deadline = deadline
        """How long a request may take as a whole (the function's timeout adds 2 s)."""
        self.member_timeout = member_timeout
        """How long one member may take."""
        self.route_url: str | None = None
        """The invoke URL of its route, once ``InferenceApi.add_fan_out`` gave it one."""

        members = [
            {"name": name, "endpoint": endpoint.endpoint_name, "required": name in required}
            for name, endpoint in self.members.items()
        ]
        built = library_function(
            self,
            description="Sends one request to several SageMaker serverless endpoints at once",
            role_description="Fan-out function: writes its own logs and invokes its members",
            handler=contract.HANDLER,
            memory_size_mb=memory_size_mb,
            timeout=Duration.seconds(function_timeout_seconds(deadline.to_milliseconds())),
            log_retention=options.get("log_retention", DEFAULT_LOG_RETENTION),
            environment={
                contract.ENV_MEMBERS: Stack.of(self).to_json_string(members),
                contract.ENV_MEMBER_TIMEOUT: environment_seconds(member_timeout),
                contract.ENV_DEADLINE: environment_seconds(deadline),
                contract.ENV_CONNECT_TIMEOUT: str(contract.DEFAULT_CONNECT_TIMEOUT_SECONDS),
                contract.ENV_METRIC_NAMESPACE: contract.DEFAULT_METRIC_NAMESPACE,
            },
        )
        self.function: lambda_.Function = built.function
        """The Lambda function that calls the members."""
        self.role = built.role
        """The function's role: its log group and ``sagemaker:InvokeEndpoint`` on the members."""
        self.log_group = built.log_group
        """The function's log group, deleted with the stack."""
        for endpoint in self.members.values():
            endpoint.grant_invoke(self.function)
        depend_on_policy_only(built)

    @property
    def function_timeout(self) -> Duration:
        """The function's timeout: the deadline, rounded up to a second, plus 2 s."""
        return self.function.timeout or Duration.seconds(0)

    @property
    def min_member_concurrency(self) -> int:
        """The smallest ``max_concurrency`` of the members: a request takes one concurrency
        slot of every member, so no more than this many run at once."""
        return min(endpoint.max_concurrency for endpoint in self.members.values())

    def add_response_headers(self, headers: Mapping[str, str]) -> None:
        """Headers every answer carries (``InferenceApi.add_fan_out`` adds the API's CORS
        headers); nothing when empty."""
        if headers:
            self.function.add_environment(contract.ENV_RESPONSE_HEADERS, json.dumps(headers))

    def answer_within(self, integration_timeout: Duration) -> None:
        """Answer every request before API Gateway's ``integration_timeout`` has passed since
        it received the request (``InferenceApi.add_fan_out`` passes the API's): a cold start
        of the function then shortens the request's deadline instead of ending in a 504."""
        self.function.add_environment(
            contract.ENV_INTEGRATION_TIMEOUT, f"{integration_timeout.to_milliseconds() / 1000:g}"
        )

    # --- metrics ------------------------------------------------------------------------------

    def metric(self, metric_name: str, **options: Any) -> cloudwatch.Metric:
        """A metric of the fan-out function (dimension ``FunctionName``): Lambda's own
        (``Invocations``, ``Errors``, ``Throttles``, ``Duration``) or the function's
        ``FailedRequests`` and ``PartialAnswers``. Default period: 5 minutes; default
        statistic: ``Sum``, ``Average`` for ``Duration``. ``options`` win."""
        own = (contract.METRIC_FAILED_REQUESTS, contract.METRIC_PARTIAL_ANSWERS)
        return new_metric(
            contract.DEFAULT_METRIC_NAMESPACE if metric_name in own else LAMBDA_NAMESPACE,
            metric_name,
            {contract.DIMENSION_FUNCTION_NAME: self.function.function_name},
            period=METRIC_PERIOD,
            preferred=TYPICAL if metric_name == "Duration" else COUNT,
            options=options,
        )

    def metric_invocations(self, **options: Any) -> cloudwatch.Metric:
        """Requests the function ran (Lambda ``Invocations``). Default: Sum over 5 minutes."""
        return self.metric("Invocations", **options)

    def metric_errors(self, **options: Any) -> cloudwatch.Metric:
        """Runs that crashed or timed out (Lambda ``Errors``; a member's failure is an answer,
        not an error). Default: Sum over 5 minutes."""
        return self.metric("Errors", **options)

    def metric_throttles(self, **options: Any) -> cloudwatch.Metric:
        """Requests Lambda refused for lack of concurrency (``Throttles``; API Gateway answers
        them with 500). Default: Sum over 5 minutes."""
        return self.metric("Throttles", **options)

    def metric_duration(self, **options: Any) -> cloudwatch.Metric:
        """Time the function ran, in ms (``Duration``). Default: Average over 5 minutes."""
        return self.metric("Duration", **options)

    def metric_failed_requests(self, **options: Any) -> cloudwatch.Metric:
        """Requests answered with an error status. Default: Sum over 5 minutes."""
        return self.metric(contract.METRIC_FAILED_REQUESTS, **options)

    def metric_partial_answers(self, **options: Any) -> cloudwatch.Metric:
        """200 answers without some optional member's. Default: Sum over 5 minutes."""
        return self.metric(contract.METRIC_PARTIAL_ANSWERS, **options)


def _check_distinct_endpoints(problems: Problems, members: Mapping[str, Any]) -> None:
    """Each endpoint once: two names for one endpoint would bill every request twice."""
    seen: dict[Any, str] = {}
    for name, endpoint in members.items():
        key = endpoint.endpoint_name if not is_token(endpoint.endpoint_name) else id(endpoint)
        if key in seen:
            problems.add(name, "the endpoint of member " + seen[key], "an endpoint of its own")
        seen[key] = name
