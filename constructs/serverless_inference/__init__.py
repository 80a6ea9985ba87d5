"""cdk-serverless-inference: a model behind a SageMaker serverless endpoint, done right.

The constructs; their CDK-free half (AWS's limits, the ECR image URI pattern and the code
that runs in AWS) is the package ``serverless_inference_runtime``, shipped in the same wheel.
"""

from serverless_inference.alarms import AlarmKind, AlarmThresholds, EndpointAlarms
from serverless_inference.api import ApiAuth, InferenceApi
from serverless_inference.endpoint import ServerlessEndpoint
from serverless_inference.images import ContainerImage, ModelData
from serverless_inference.keep_warm import KeepWarm
from serverless_inference.pattern import ServerlessInference
from serverless_inference.scaling import ProvisionedConcurrencyScaling

__all__ = [
    "AlarmKind",
    "AlarmThresholds",
    "ApiAuth",
    "ContainerImage",
    "EndpointAlarms",
    "InferenceApi",
    "KeepWarm",
    "ModelData",
    "ProvisionedConcurrencyScaling",
    "ServerlessEndpoint",
    "ServerlessInference",
]
