"""cdk-serverless-inference: a model behind a SageMaker serverless endpoint, done right.

The constructs are imported on first use, so that the ``serverless-inference`` command
does not start the CDK's JavaScript runtime; type checkers and IDEs see them as usual.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from serverless_inference.alarm_specs import AlarmKind
    from serverless_inference.alarm_thresholds import AlarmThresholds
    from serverless_inference.alarms import AlarmsOptions, EndpointAlarms
    from serverless_inference.api import InferenceApi
    from serverless_inference.api_auth import ApiAuth
    from serverless_inference.api_options import ApiOptions
    from serverless_inference.endpoint import EndpointOptions, ServerlessEndpoint
    from serverless_inference.images import ContainerImage, ModelData
    from serverless_inference.interfaces import IServerlessEndpoint
    from serverless_inference.keep_warm import KeepWarm
    from serverless_inference.keep_warm_options import KeepWarmOptions
    from serverless_inference.pattern import ServerlessInference
    from serverless_inference.scaling import ProvisionedConcurrencyScaling

_MODULES = {
    "AlarmKind": "alarm_specs",
    "AlarmThresholds": "alarm_thresholds",
    "AlarmsOptions": "alarms",
    "ApiAuth": "api_auth",
    "ApiOptions": "api_options",
    "ContainerImage": "images",
    "EndpointAlarms": "alarms",
    "EndpointOptions": "endpoint",
    "IServerlessEndpoint": "interfaces",
    "InferenceApi": "api",
    "KeepWarm": "keep_warm",
    "KeepWarmOptions": "keep_warm_options",
    "ModelData": "images",
    "ProvisionedConcurrencyScaling": "scaling",
    "ServerlessEndpoint": "endpoint",
    "ServerlessInference": "pattern",
}

__all__ = [
    "AlarmKind",
    "AlarmThresholds",
    "AlarmsOptions",
    "ApiAuth",
    "ApiOptions",
    "ContainerImage",
    "EndpointAlarms",
    "EndpointOptions",
    "IServerlessEndpoint",
    "InferenceApi",
    "KeepWarm",
    "KeepWarmOptions",
    "ModelData",
    "ProvisionedConcurrencyScaling",
    "ServerlessEndpoint",
    "ServerlessInference",
]


def __getattr__(name: str) -> Any:
    if name not in _MODULES:
        raise AttributeError(f"module 'serverless_inference' has no attribute {name!r}")
    return getattr(import_module(f"serverless_inference.{_MODULES[name]}"), name)


def __dir__() -> list[str]:
    return __all__
