"""``ServerlessInference``: endpoint, API, keep-warm and alarms composed in one construct."""

from collections.abc import Mapping
from typing import Any

from aws_cdk import Annotations
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_logs as logs
from constructs import Construct

from serverless_inference.alarms import EndpointAlarms
from serverless_inference.api import InferenceApi
from serverless_inference.endpoint import (
    DEFAULT_LOG_RETENTION,
    DEFAULT_MAX_CONCURRENCY,
    DEFAULT_MEMORY_SIZE_MB,
    DEFAULT_VARIANT_NAME,
    ServerlessEndpoint,
)
from serverless_inference.images import ContainerImage, ModelData
from serverless_inference.keep_warm import KeepWarm
from serverless_inference.validation import is_token
from serverless_inference_runtime.keep_warm.contract import DEFAULT_CONCURRENCY

Part = bool | Mapping[str, Any]
"""``True``: the part with its defaults; ``False``: no such part; a mapping: the part's props."""


class ServerlessInference(Construct):
    """A model on a serverless endpoint, fronted, kept warm and watched.

    The endpoint props are this construct's own; each optional part takes ``True`` (its
    defaults), ``False`` (left out) or a mapping of its props (the keyword arguments of
    ``InferenceApi``, ``KeepWarm`` or ``EndpointAlarms`` without ``endpoint``).

    :param api: the REST API in front of the endpoint. Default: ``True`` (IAM auth).
    :param keep_warm: the keep-warm schedule. Default: ``True``. Left out (with an info
        annotation) when ``provisioned_concurrency`` already keeps at least as many
        environments warm as it would ping.
    :param alarms: alarms, their SNS topic and the dashboard. Default: ``True``.

    The other props are ``ServerlessEndpoint``'s, with its defaults.
    """

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        image: ContainerImage,
        model_data: ModelData | None = None,
        environment: Mapping[str, str] | None = None,
        memory_size_mb: int = DEFAULT_MEMORY_SIZE_MB,
        max_concurrency: int = DEFAULT_MAX_CONCURRENCY,
        provisioned_concurrency: int | None = None,
        kms_key: kms.IKey | None = None,
        role: iam.IRole | None = None,
        variant_name: str = DEFAULT_VARIANT_NAME,
        endpoint_name: str | None = None,
        log_retention: logs.RetentionDays | None = DEFAULT_LOG_RETENTION,
        api: Part = True,
        keep_warm: Part = True,
        alarms: Part = True,
    ) -> None:
        super().__init__(scope, construct_id)
        self.endpoint = ServerlessEndpoint(
            self,
            "Endpoint",
            image=image,
            model_data=model_data,
            environment=environment,
            memory_size_mb=memory_size_mb,
            max_concurrency=max_concurrency,
            provisioned_concurrency=provisioned_concurrency,
            kms_key=kms_key,
            role=role,
            variant_name=variant_name,
            endpoint_name=endpoint_name,
            log_retention=log_retention,
        )
        self.api: InferenceApi | None = (
            InferenceApi(self, "Api", endpoint=self.endpoint, **_props(api))
            if api is not False
            else None
        )
        keep_warm_concurrency = _props(keep_warm).get("concurrency", DEFAULT_CONCURRENCY)
        covered = (
            keep_warm is not False
            and provisioned_concurrency is not None
            and not is_token(provisioned_concurrency)
            and provisioned_concurrency >= keep_warm_concurrency
        )
        if covered:
            Annotations.of(self).add_info(
                f"KeepWarm left out: provisioned concurrency ({provisioned_concurrency}) keeps "
                f"at least the {keep_warm_concurrency} environment(s) it would ping warm"
            )
        self.keep_warm: KeepWarm | None = (
            KeepWarm(self, "KeepWarm", endpoint=self.endpoint, **_props(keep_warm))
            if keep_warm is not False and not covered
            else None
        )
        self.alarms: EndpointAlarms | None = (
            EndpointAlarms(
                self,
                "Alarms",
                endpoint=self.endpoint,
                api=self.api,
                keep_warm=self.keep_warm,
                **_props(alarms),
            )
            if alarms is not False
            else None
        )


def _props(part: Part) -> Mapping[str, Any]:
    return part if isinstance(part, Mapping) else {}
