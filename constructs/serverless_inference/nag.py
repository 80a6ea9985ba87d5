"""Acknowledgments of cdk-nag findings that a construct of this library makes on purpose.

cdk-nag 3 reads acknowledgments from CDK's ``Validations`` API; a wildcard finding is
identified by the resource as cdk-nag flattens it (``<AWS::Region>`` for a ``Ref``), so
the id is computed from the same value the policy holds.
"""

from typing import Any

from aws_cdk import Acknowledgment, Stack, Validations
from constructs import IConstruct

WILDCARD_RULE = "AwsSolutions-IAM5"


def acknowledge(scope: IConstruct, rule: str, reason: str) -> None:
    """Acknowledge ``rule`` (for example ``AwsSolutions-APIG3``) on ``scope`` and its children."""
    Validations.of(scope).acknowledge(Acknowledgment(id=rule, reason=reason))


def acknowledge_wildcard_resource(scope: IConstruct, resource_arn: str, reason: str) -> None:
    """Acknowledge the IAM5 finding for a policy resource ARN that ends in a wildcard."""
    flat = _flatten(Stack.of(scope).resolve(resource_arn))
    acknowledge(scope, f"{WILDCARD_RULE}[Resource::{flat}]", reason)


def acknowledge_wildcard_action(scope: IConstruct, action: str, reason: str) -> None:
    """Acknowledge the IAM5 finding for a wildcard action such as ``s3:GetObject*``."""
    acknowledge(scope, f"{WILDCARD_RULE}[Action::{action}]", reason)


def _flatten(node: Any) -> str:
    """A resolved CloudFormation value as cdk-nag flattens it into a finding id."""
    if isinstance(node, str):
        return node.replace("${", "<").replace("}", ">")
    if isinstance(node, dict):
        if "Fn::Join" in node:
            delimiter, items = node["Fn::Join"]
            return str(delimiter).join(_flatten(item) for item in items)
        if "Ref" in node:
            return f"<{_flatten(node['Ref'])}>"
        if "Fn::GetAtt" in node:
            resource, attribute = node["Fn::GetAtt"]
            return f"<{_flatten(resource)}.{_flatten(attribute)}>"
        if "Fn::Sub" in node:
            return _flatten(node["Fn::Sub"])
    raise ValueError(f"cannot flatten {node!r} into a cdk-nag finding id")
