"""``ServerlessInference``: endpoint, API, keep-warm and alarms composed in one construct."""

from collections.abc import Mapping
from typing import Literal, Unpack

from aws_cdk import Annotations
from constructs import Construct

from serverless_inference.alarms import AlarmsOptions, EndpointAlarms
from serverless_inference.api import InferenceApi
from serverless_inference.api_options import ApiOptions
from serverless_inference.endpoint import EndpointOptions, ServerlessEndpoint
from serverless_inference.keep_warm import KeepWarm
from serverless_inference.keep_warm_options import KeepWarmOptions, provisioned_concurrency_covers
from serverless_inference.validation import Problems
from serverless_inference_runtime.keep_warm.contract import DEFAULT_CONCURRENCY


class ServerlessInference(Construct):
    """A model on a serverless endpoint, fronted, kept warm and watched.

    The endpoint props (:class:`~serverless_inference.endpoint.EndpointOptions`: ``image``,
    ``memory_size_mb``...) are this construct's own keyword arguments. Each optional part
    takes its construct's props without the endpoint, or ``False`` to leave it out.

    :param api: the REST API in front of the endpoint: ``ApiOptions`` (``InferenceApi``'s
        props). Default: - an ``InferenceApi`` with its defaults (IAM auth).
    :param keep_warm: the keep-warm schedule: ``KeepWarmOptions`` (``KeepWarm``'s props).
        Left out (with an info annotation) when ``provisioned_concurrency`` already keeps at
        least as many environments warm as it would ping. Default: - a ``KeepWarm`` with its
        defaults.
    :param alarms: alarms, their SNS topic and the dashboard: ``AlarmsOptions``
        (``EndpointAlarms``' props; it watches this pattern's endpoint, API and keep-warm).
        Default: - an ``EndpointAlarms`` with its defaults.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        api: ApiOptions | Literal[False] | None = None,
        keep_warm: KeepWarmOptions | Literal[False] | None = None,
        alarms: AlarmsOptions | Literal[False] | None = None,
        **endpoint: Unpack[EndpointOptions],
    ) -> None:
        super().__init__(scope, construct_id)
        problems = Problems("ServerlessInference props")
        for name, part, options in (
            ("api", api, "ApiOptions"),
            ("keep_warm", keep_warm, "KeepWarmOptions"),
            ("alarms", alarms, "AlarmsOptions"),
        ):
            if part is not None and part is not False and not isinstance(part, Mapping):
                problems.add(name, part, f"{options}(...), or False to leave it out")
        problems.raise_if_any()

        self.endpoint = ServerlessEndpoint(self, "Endpoint", **endpoint)
        api_options = ApiOptions() if api is None or api is False else api
        self.api: InferenceApi | None = (
            InferenceApi(self, "Api", endpoint=self.endpoint, **api_options)
            if api is not False
            else None
        )
        keep_warm_options = (
            KeepWarmOptions() if keep_warm is None or keep_warm is False else keep_warm
        )
        keep_warm_concurrency = keep_warm_options.get("concurrency", DEFAULT_CONCURRENCY)
        provisioned_concurrency = self.endpoint.provisioned_concurrency
        covered = keep_warm is not False and provisioned_concurrency_covers(
            provisioned_concurrency, keep_warm_concurrency
        )
        if covered:
            Annotations.of(self).add_info(
                f"KeepWarm left out: provisioned concurrency ({provisioned_concurrency}) keeps "
                f"at least the {keep_warm_concurrency} environment(s) it would ping warm"
            )
        self.keep_warm: KeepWarm | None = (
            KeepWarm(self, "KeepWarm", endpoint=self.endpoint, **keep_warm_options)
            if keep_warm is not False and not covered
            else None
        )
        alarms_options = AlarmsOptions() if alarms is None or alarms is False else alarms
        self.alarms: EndpointAlarms | None = (
            EndpointAlarms(
                self,
                "Alarms",
                endpoint=self.endpoint,
                api=self.api,
                keep_warm=self.keep_warm,
                **alarms_options,
            )
            if alarms is not False
            else None
        )
