"""The reference deployment: a sentiment-analysis model behind the whole pattern."""

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from serverless_inference import (
    EndpointAlarms,
    InferenceApi,
    KeepWarm,
    ServerlessEndpoint,
    ServerlessInference,
)
from stacks.config import EnvironmentSettings


class InferenceStack(Stack):
    """One environment of the app: ``ServerlessInference`` configured from cdk.json."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: EnvironmentSettings, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
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
        if self.api is not None:
            CfnOutput(
                self,
                "PredictUrl",
                value=self.api.route_urls[settings.api.path],
                description="POST the model input here",
            )
            if self.api.api_key is not None:
                CfnOutput(
                    self,
                    "ApiKeyId",
                    value=self.api.api_key.key_id,
                    description="aws apigateway get-api-key --include-value --api-key <id>",
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
