"""The library's Lambda functions (keep-warm, fan-out), built one way.

Each gets the staged runtime package as its code and names its handler in it, the newest
Python runtime, its own log group with a retention (deleted with the stack) and its own role,
which may write to that log group and nothing else until the construct grants more.
"""

import typing
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import CfnResource, Duration, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from serverless_inference.runtime_code import runtime_code

RUNTIME: Final = lambda_.Runtime.PYTHON_3_14
"""The newest Python runtime of aws-cdk-lib 2.273 (cdk-nag's AwsSolutions-L1 asks for it)."""


@dataclass(frozen=True)
class LibraryFunction:
    """A function with its role and log group (construct ids ``Function``, ``ServiceRole``,
    ``LogGroup`` in the scope it was built in)."""

    function: lambda_.Function
    role: iam.Role
    log_group: logs.LogGroup


def library_function(
    scope: Construct,
    *,
    description: str,
    role_description: str,
    handler: str,
    memory_size_mb: int,
    timeout: Duration,
    environment: dict[str, str],
    log_retention: logs.RetentionDays,
    **function_props: Any,
) -> LibraryFunction:
    """A function running ``handler`` of the runtime package; ``function_props`` are more
    ``lambda_.Function`` props (retries, reserved concurrency...)."""
    log_group = logs.LogGroup(
        scope, "LogGroup", retention=log_retention, removal_policy=RemovalPolicy.DESTROY
    )
    role = iam.Role(
        scope,
        "ServiceRole",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        description=role_description,
    )
    log_group.grant_write(role)
    function = lambda_.Function(
        scope,
        "Function",
        description=description,
        runtime=RUNTIME,
        handler=handler,
        code=runtime_code(),
        memory_size=memory_size_mb,
        timeout=timeout,
        role=role,
        log_group=log_group,
        environment=environment,
        **function_props,
    )
    return LibraryFunction(function=function, role=role, log_group=log_group)


def depend_on_policy_only(built: LibraryFunction) -> None:
    """Keep the function's ``DependsOn`` on its role's policy, not on the role itself (call it
    after the grants).

    The role is already referenced (``GetAtt``): listing it again is what cfn-lint's W3005
    reports. The policy must still come first, so a run never lacks permissions.
    """
    policy = built.role.node.try_find_child("DefaultPolicy")
    function = typing.cast(CfnResource, built.function.node.default_child)
    if policy is not None and isinstance(policy.node.default_child, CfnResource):
        stack = Stack.of(built.function)
        function.add_override("DependsOn", [stack.get_logical_id(policy.node.default_child)])


def environment_number(value: float) -> str:
    """``value`` as an environment variable holds it: ``90``, not ``90.0``."""
    return str(int(value)) if float(value).is_integer() else str(value)


def environment_seconds(duration: Duration) -> str:
    """``duration`` in seconds as an environment variable holds it (``0.5``, ``25``)."""
    return environment_number(duration.to_milliseconds() / 1000)
