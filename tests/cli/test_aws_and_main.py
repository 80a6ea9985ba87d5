"""botocore errors become one clear message naming only options the command has; regions are
checked; the entry point's exit statuses, help texts and formats."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest
from botocore.exceptions import (
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)

from serverless_inference_cli import main as main_module
from serverless_inference_cli.aws import AwsContext, AwsOptions, aws_errors, translate
from serverless_inference_cli.errors import CliError
from serverless_inference_cli.main import build_parser
from serverless_inference_cli.output import Report
from tests.cli.helpers import run_cli

COMMANDS = ["check", "cost", "recommend", "benchmark"]


def _client_error(code: str, message: str = "details", status: int = 400) -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "DescribeEndpoint",
    )


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def _options(command: str) -> frozenset[str]:
    parser = _subparsers()[command]
    return frozenset(o for action in parser._actions for o in action.option_strings)


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
    translated = translate(error, "describe endpoint 'x'", _options("recommend"))
    assert translated.message.startswith("Cannot describe endpoint 'x': ")
    assert expected in translated.message
    assert translated.exit_code == 2


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(
    "error",
    [
        NoCredentialsError(),
        NoRegionError(),
        EndpointConnectionError(endpoint_url="https://x"),
        _client_error("AccessDenied"),
        _client_error("ExpiredToken"),
    ],
)
def test_error_hints_name_only_options_the_command_has(command: str, error: Exception) -> None:
    options = _options(command)
    message = translate(error, "do it", options).message
    named = set(re.findall(r"--[a-z][a-z0-9-]*", message))
    assert named <= options, f"{command}: {named - options} in {message!r}"


def test_connection_hint_names_endpoint_url_only_for_benchmark() -> None:
    error = EndpointConnectionError(endpoint_url="https://x")
    assert "--endpoint-url" in translate(error, "do it", _options("benchmark")).message
    assert "--endpoint-url" not in translate(error, "do it", _options("recommend")).message


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


@pytest.mark.parametrize("region", ["eu-nowhere-1", "us-east-1 ", "EU-WEST-1"])
def test_unknown_region_is_refused_before_any_call(region: str) -> None:
    with pytest.raises(CliError, match=f"Unknown AWS region {re.escape(repr(region))}"):
        AwsContext(AwsOptions(region=region, flags=frozenset({"--region"}))).client("sagemaker")


def test_region_option_reaches_the_client() -> None:
    client = AwsContext(AwsOptions(region="eu-west-1")).client("sagemaker")
    assert client.meta.region_name == "eu-west-1"


def test_profile_option_error_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(capsys, "recommend", "--endpoint", "e", "--profile", "no-such-profile")
    assert result.code == 2
    assert "AWS profile not found" in result.err


def test_ctrl_c_exits_130(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def interrupted(args: argparse.Namespace, report: Report) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(
        main_module,
        "COMMANDS",
        [(n, h, a, interrupted if n == "cost" else r, u) for n, h, a, r, u in main_module.COMMANDS],
    )
    result = run_cli(
        capsys, "cost", "--requests-per-month", "1", "--duration-ms", "1", "--no-chart"
    )
    assert result.code == 130
    assert "interrupted" in result.err


def test_no_subcommand_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        run_cli(capsys)
    assert caught.value.code == 2
    assert "usage: serverless-inference" in capsys.readouterr().err


@pytest.mark.parametrize("command", COMMANDS)
def test_each_subcommand_has_help(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        run_cli(capsys, command, "--help")
    assert caught.value.code == 0
    assert f"usage: serverless-inference {command}" in capsys.readouterr().out


UNITS = {"MB", "MS", "SECONDS", "KB", "MIN", "N", "N[,N...]", "FRACTION", "X", "H|START-END"}
"""Metavars that name a unit (N: a count)."""


@pytest.mark.parametrize("command", COMMANDS)
def test_every_option_says_its_default_and_numbers_their_unit(command: str) -> None:
    for action in _subparsers()[command]._actions:
        if not action.option_strings or action.dest in {"help"}:
            continue
        text = action.help or ""
        assert "(default:" in text or "(required" in text or "required" in text, (
            f"{command} {action.option_strings[0]}: no default in {text!r}"
        )
        numeric = (
            action.type in {int, float}
            or getattr(action.type, "__name__", "")
            in {
                "positive_float",
                "non_negative_float",
                "fraction",
            }
            or getattr(action.type, "__name__", "").startswith(("int_within", "one_of", "list"))
        )
        if numeric:
            assert action.metavar in UNITS or "MB" in str(action.metavar), (
                f"{command} {action.option_strings[0]}: no unit ({action.metavar})"
            )


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_takes_format(command: str) -> None:
    assert {"--format"} <= _options(command)
    with pytest.raises(SystemExit):
        build_parser().parse_args([command, "--format", "yaml"])


def test_tables_off_a_terminal_never_cut_or_fold_the_first_column(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # an 80-column console that is not a terminal, as in CI logs
    result = run_cli(
        capsys,
        "cost",
        "--requests-per-month",
        "500000",
        "--duration-ms",
        "450",
        "--keep-warm-hours",
        "8-18",
        "--no-chart",
        width=80,
    )
    assert result.code == 0, result.err
    assert "…" not in result.out
    option = "serverless 2048 MB + keep-warm 5 min x1, 10 h/day"
    assert any(line.startswith(f"│ {option} │") for line in result.out.splitlines())
    assert max(len(line) for line in result.out.splitlines()) > 80, "natural width, not 80"
