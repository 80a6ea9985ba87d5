"""What the configuration tests share: a small configuration, and the context keys of CDK."""

from typing import Any

import pytest

from stacks.config import AppConfig, ConfigurationError, load_config

ACCOUNT_A = "111111111111"
ACCOUNT_B = "222222222222"
PIPELINE = {
    "repository": "example-org/serverless-inference",
    "connection_arn": f"arn:aws:codestar-connections:eu-west-1:{ACCOUNT_A}:connection/abc-123",
    "account": ACCOUNT_A,
    "region": "eu-west-1",
}
"""The required keys of a pipeline in eu-west-1."""
ENVIRONMENTS = {"dev": {"endpoint": {"memory_size_mb": 2048}}, "prod": {}}
CDK_OWN_CONTEXT = {
    "@aws-cdk/core:enablePartitionLiterals": True,
    "@aws-cdk/aws-ec2:restrictDefaultSecurityGroup": True,
    "aws:cdk:enable-path-metadata": True,
    "aws:cdk:enable-asset-metadata": True,
    "aws:cdk:version-reporting": False,
    "aws:cdk:bundling-stacks": ["**"],
    "cli-telemetry": False,
    "availability-zones:account=123456789012:region=eu-west-1": ["eu-west-1a", "eu-west-1b"],
    "hosted-zone:account=123456789012:domainName=example.com:region=us-east-1": {"Id": "/x"},
    "ami:account=123456789012:filters.image-type.0=machine:filters.name.0=al2023-*:region=eu-west-1": "ami-0123",
    "ssm:account=123456789012:parameterName=/app/v1.2:region=eu-west-1": "1.2",
}
"""Keys the CDK CLI and cdk.json put into the context: feature flags, the CLI's own keys, and
lookups cached in cdk.context.json, whose filters hold dots."""


def placed(max_concurrency: int, account: str | None = None, region: str | None = None) -> Any:
    """An environment of that max concurrency, in that account and region (``None``: the
    CLI's)."""
    environment: dict[str, Any] = {"endpoint": {"max_concurrency": max_concurrency}}
    if account is not None:
        environment["account"] = account
    if region is not None:
        environment["region"] = region
    return environment


def load_environments(environments: dict[str, Any], **context: Any) -> AppConfig:
    """These environments loaded with more context."""
    return load_config({"environments": environments, **context})


def load_with(**context: Any) -> AppConfig:
    """``ENVIRONMENTS`` loaded with more context (``-c`` overrides, top-level keys)."""
    return load_config({"environments": ENVIRONMENTS, **context})


def problems_of(raised: pytest.ExceptionInfo[ConfigurationError]) -> list[str]:
    """The problem lines of a configuration error."""
    return [line[4:] for line in str(raised.value).splitlines()[1:]]
