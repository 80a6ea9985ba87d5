"""The reference deployment: a sentiment-analysis model behind the whole pattern."""

from typing import Any, Final

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from serverless_inference import (
    EndpointAlarms,
    InferenceApi,
    KeepWarm,
    ServerlessEndpoint,
    ServerlessInference,
    nag,
)
from serverless_inference.names import construct_id
from stacks.settings.api import ApiSettings
from stacks.settings.environment import EnvironmentSettings
from stacks.settings.models import ModelSettings

_NOT_COGNITO_REASONS: Final = {
    "iam": "api.auth is iam in cdk.json: every method requires SigV4 from an AWS principal "
    "granted execute-api:Invoke; the callers are services and people with AWS credentials, "
    "not users of a Cognito user pool",
    "api_key": "api.auth is api_key in cdk.json: the callers are metered clients with a key "
    "of a usage plan that has a quota and a throttle, not users of a Cognito user pool",
    "none": "api.auth is none in cdk.json: an explicit opt-out for private tests that "
    "synthesis flags with a warning; no authorizer of any kind is wanted",
}
"""Why this app's API has no Cognito authorizer (cdk-nag AwsSolutions-COG4), by auth mode."""


class InferenceStack(Stack):
    """One environment of the app: ``ServerlessInference`` configured from cdk.json, with one
    model, or several (``models``) and fan-outs over them (``fan_outs``)."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: EnvironmentSettings, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.predict_path: str = settings.api.path
        """The route of ``PredictUrl``: the model's, or the first model's of several."""
        if settings.models is None:
            self.inference = ServerlessInference(
                self,
                "Inference",
                **settings.endpoint.props(),
                api=settings.api.props(self),
                keep_warm=settings.keep_warm.props(),
                alarms=settings.alarms.props(self),
            )
            self.scaling = settings.scaling.apply(self.endpoint)
            CfnOutput(self, "EndpointName", value=self.endpoint.endpoint_name)
            CfnOutput(self, "EndpointArn", value=self.endpoint.endpoint_arn)
        else:
            self._add_models(settings, settings.models)
        if self.api is not None:
            _acknowledge_api_choices(self.api, settings.api)
            CfnOutput(
                self,
                "PredictUrl",
                value=self.api.route_urls[self.predict_path],
                description="POST the model input here",
            )
            if self.api.api_key is not None:
                CfnOutput(
                    self,
                    "ApiKeyId",
                    value=self.api.api_key.key_id,
                    description="aws apigateway get-api-key --include-value --api-key <id>",
                )

    def _add_models(self, settings: EnvironmentSettings, models: dict[str, ModelSettings]) -> None:
        """Every model on one API, topic and dashboard, in the order of ``models`` (construct
        ids come from the names, so the order moves nothing), then the fan-outs."""
        (first, model), *others = models.items()
        self.predict_path = model.route(first)
        api = settings.api.props(self)
        self.inference = ServerlessInference(
            self,
            "Inference",
            name=first,
            **model.endpoint.props(),
            api={**api, "path": self.predict_path} if api is not False else False,
            keep_warm=model.keep_warm.props(),
            alarms=settings.alarms.props(self),
        )
        for name, other in others:
            self.inference.add_model(
                name,
                path=other.route(name),
                keep_warm=other.keep_warm.props(),
                **other.endpoint.props(),
            )
        self.scaling = None
        self.model_scaling = {
            name: model.scaling.apply(self.inference.models[name]) for name, model in models.items()
        }
        """Each model's provisioned-concurrency autoscaling (``None``: off), by name."""
        for name, fan_out in settings.fan_outs.items():
            self.inference.add_fan_out(
                name,
                path=fan_out.route(name),
                required=fan_out.required,
                optional=fan_out.optional,
                **fan_out.props(),
            )
        for name, endpoint in self.inference.models.items():
            CfnOutput(self, f"{construct_id(name)}EndpointName", value=endpoint.endpoint_name)
        if self.api is not None:
            for path, url in self.api.route_urls.items():
                CfnOutput(
                    self,
                    f"{construct_id(path.replace('/', '-'))}Url",
                    value=url,
                    description=f"POST /{path}",
                )

    @property
    def endpoint(self) -> ServerlessEndpoint:
        """The serverless endpoint."""
        return self.inference.endpoint

    @property
    def api(self) -> InferenceApi | None:
        """The API in front of it, unless disabled in cdk.json."""
        return self.inference.api

    @property
    def keep_warm(self) -> KeepWarm | None:
        """The keep-warm schedule, unless disabled or covered by provisioned concurrency."""
        return self.inference.keep_warm

    @property
    def alarms(self) -> EndpointAlarms | None:
        """Alarms, topic and dashboard, unless disabled in cdk.json."""
        return self.inference.alarms


def _acknowledge_api_choices(api: InferenceApi, settings: ApiSettings) -> None:
    """Acknowledge the cdk-nag findings that follow from this app's API settings: no WAF
    (``AwsSolutions-APIG3``) and no Cognito authorizer (``AwsSolutions-COG4``). The library
    leaves both to the app; a choice that needs no acknowledgment gets none."""
    if settings.web_acl_arn is None:
        nag.acknowledge(
            api,
            "AwsSolutions-APIG3",
            "api.web_acl_arn is not set in cdk.json: a web ACL is billed per ACL, rule and "
            "request; without one the stage throttle, derived from the endpoint's max "
            f"concurrency, caps the request rate and api.auth ({settings.auth}) decides who may "
            "call. Set api.web_acl_arn to put a regional WAFv2 web ACL in front of the stage",
        )
    if settings.auth != "cognito":
        nag.acknowledge(api, "AwsSolutions-COG4", _NOT_COGNITO_REASONS[settings.auth])
