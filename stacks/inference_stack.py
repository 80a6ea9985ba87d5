"""The reference deployment: a sentiment-analysis model on a serverless endpoint."""

from typing import Any

from aws_cdk import CfnOutput, Stack
from constructs import Construct

from serverless_inference import ContainerImage, ServerlessEndpoint
from stacks.config import EnvironmentSettings


class InferenceStack(Stack):
    """One environment of the app: the endpoint and what fronts, warms and watches it."""

    def __init__(
        self, scope: Construct, construct_id: str, *, settings: EnvironmentSettings, **kwargs: Any
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        endpoint_settings = settings.endpoint
        self.endpoint = ServerlessEndpoint(
            self,
            "Endpoint",
            image=ContainerImage.hugging_face_inference(endpoint_settings.image_tag),
            environment={
                "HF_MODEL_ID": endpoint_settings.model_id,
                "HF_TASK": endpoint_settings.task,
                **endpoint_settings.environment,
            },
            memory_size_mb=endpoint_settings.memory_size_mb,
            max_concurrency=endpoint_settings.max_concurrency,
            provisioned_concurrency=endpoint_settings.provisioned_concurrency,
            variant_name=endpoint_settings.variant_name,
            endpoint_name=endpoint_settings.endpoint_name,
        )
        CfnOutput(self, "EndpointName", value=self.endpoint.endpoint_name)
        CfnOutput(self, "EndpointArn", value=self.endpoint.endpoint_arn)
