"""botocore errors become one clear message; the entry point's exit statuses."""

from __future__ import annotations

import argparse
from typing import Any

import boto3
import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)
from moto import mock_aws
from rich.console import Console

from serverless_inference_cli import cost
from serverless_inference_cli.aws import AwsContext, AwsOptions, CliError, aws_errors, translate
from serverless_inference_cli.benchmark import ColdStartRule, analyse, memory_sweep
from tests.cli.helpers import run_cli


def _client_error(code: str, message: str = "details", status: int = 400) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "DescribeEndpoint",
    )


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (NoCredentialsError(), "no AWS credentials found. Run `aws configure`"),
        (NoRegionError(), "no AWS region. Pass --region"),
        (
            EndpointConnectionError(endpoint_url="https://api.sagemaker.xx.amazonaws.com"),
            "could not connect to https://api.sagemaker.xx.amazonaws.com",
        ),
        (
            _client_error("ValidationException", "Could not find endpoint 'x'."),
            "not found (ValidationException: Could not find endpoint 'x'.)",
        ),
        (
            _client_error("AccessDeniedException", "not authorized"),
            "access denied (not authorized)",
        ),
        (_client_error("ExpiredTokenException"), "invalid or expired (ExpiredTokenException)"),
        (_client_error("ResourceLimitExceeded", "quota 50"), "quota is exhausted (quota 50)"),
        (_client_error("ThrottlingException"), "throttled the request"),
        (_client_error("SomethingElse", "odd"), "SomethingElse: odd"),
    ],
)
def test_translate_gives_one_clear_message(error: Exception, expected: str) -> None:
    translated = translate(error, "describe endpoint 'x'")
    assert translated.message.startswith("Cannot describe endpoint 'x': ")
    assert expected in translated.message
    assert translated.exit_code == 2


def test_aws_errors_wraps_and_chains() -> None:
    with pytest.raises(CliError, match="access denied") as caught, aws_errors("list things"):
        raise _client_error("AccessDenied")
    assert isinstance(caught.value.__cause__, ClientError)


def test_unknown_profile_is_a_clear_error() -> None:
    with pytest.raises(CliError, match="AWS profile not found"):
        _ = AwsContext(AwsOptions(profile="no-such-profile")).session


def test_missing_region_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    monkeypatch.delenv("AWS_REGION", raising=False)
    with pytest.raises(CliError, match="No AWS region"):
        AwsContext().client("sagemaker")


def test_region_option_reaches_the_client() -> None:
    client = AwsContext(AwsOptions(region="eu-west-1")).client("sagemaker")
    assert client.meta.region_name == "eu-west-1"


def test_memory_sweep_quota_exceeded_is_clear_and_cleans_up() -> None:
    with mock_aws():
        real = boto3.client("sagemaker", region_name="us-east-1")
        real.create_model(
            ModelName="m",
            ExecutionRoleArn="arn:aws:iam::123456789012:role/r",
            PrimaryContainer={"Image": "123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1"},
        )

        class QuotaHit:
            def __getattr__(self, name: str) -> Any:
                return getattr(real, name)

            def create_endpoint(self, **kwargs: Any) -> None:
                raise _client_error(
                    "ResourceLimitExceeded", "The account-level service limit is exceeded"
                )

        with pytest.raises(CliError, match="quota is exhausted"):
            memory_sweep(
                QuotaHit(),
                "m",
                [1024],
                lambda n, m: analyse([], concurrency=1, wall_s=1, rule=ColdStartRule()),
                max_concurrency=1,
                poll_s=0,
            )
        assert real.list_endpoint_configs()["EndpointConfigs"] == []


def test_profile_option_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "recommend", "--endpoint", "e", "--profile", "no-such-profile")
    assert result.code == 2
    assert "AWS profile not found" in result.err


def test_ctrl_c_exits_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(args: argparse.Namespace, console: Console) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cost, "run", interrupted)
    result = run_cli(capsys, "cost", "--requests-per-month", "1", "--duration-ms", "1")
    assert result.code == 130
    assert "interrupted" in result.err


def test_no_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        run_cli(capsys)
    assert caught.value.code == 2
    assert "usage: serverless-inference" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["check", "cost", "recommend", "benchmark"])
def test_each_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        run_cli(capsys, command, "--help")
    assert caught.value.code == 0
    assert f"usage: serverless-inference {command}" in capsys.readouterr().out
