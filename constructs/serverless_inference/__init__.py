"""cdk-serverless-inference: a model behind a SageMaker serverless endpoint, done right.

The constructs; their CDK-free half (AWS's limits, the ECR image URI pattern and the code
that runs in AWS) is the package ``serverless_inference_runtime``, shipped in the same wheel.
"""

from serverless_inference.alarm_specs import AlarmKind
from serverless_inference.alarm_thresholds import AlarmThresholds
from serverless_inference.alarms import AlarmsOptions, EndpointAlarms
from serverless_inference.api import InferenceApi
from serverless_inference.api_auth import ApiAuth
from serverless_inference.api_options import ApiOptions
from serverless_inference.endpoint import EndpointOptions, ServerlessEndpoint
from serverless_inference.fan_out import ModelFanOut
from serverless_inference.fan_out_options import FanOutOptions
from serverless_inference.images import ContainerImage, ModelData
from serverless_inference.interfaces import IServerlessEndpoint
from serverless_inference.keep_warm import KeepWarm
from serverless_inference.keep_warm_options import KeepWarmOptions
from serverless_inference.pattern import ServerlessInference
from serverless_inference.scaling import ProvisionedConcurrencyScaling

__all__ = [
    "AlarmKind",
    "AlarmThresholds",
    "AlarmsOptions",
    "ApiAuth",
    "ApiOptions",
    "ContainerImage",
    "EndpointAlarms",
    "EndpointOptions",
    "FanOutOptions",
    "IServerlessEndpoint",
    "InferenceApi",
    "KeepWarm",
    "KeepWarmOptions",
    "ModelData",
    "ModelFanOut",
    "ProvisionedConcurrencyScaling",
    "ServerlessEndpoint",
    "ServerlessInference",
]
