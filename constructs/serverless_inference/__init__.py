"""cdk-serverless-inference: a model behind a SageMaker serverless endpoint, done right."""

from serverless_inference.endpoint import ServerlessEndpoint
from serverless_inference.images import ContainerImage, ModelData

__all__ = [
    "ContainerImage",
    "ModelData",
    "ServerlessEndpoint",
]
