"""``serverless-inference``: capacity planning for SageMaker serverless endpoints.

Subcommands: ``check`` (pre-deployment readiness), ``cost`` (monthly cost of the options),
``recommend`` (sizing from an endpoint's CloudWatch metrics) and ``benchmark`` (load test).
Each takes ``--format table|json|csv`` (:mod:`.output`).

Exit status (:mod:`.errors`): 0 success, 1 a check or a gate failed, 2 bad usage or an AWS
error, 130 interrupted.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version

from rich.console import Console
from rich.text import Text

from serverless_inference_cli.benchmark import arguments as benchmark_arguments
from serverless_inference_cli.benchmark import command as benchmark
from serverless_inference_cli.check import command as check
from serverless_inference_cli.cost import command as cost
from serverless_inference_cli.errors import EXIT_ERROR, EXIT_INTERRUPTED, CliError
from serverless_inference_cli.output import OutputFormat, Report
from serverless_inference_cli.recommend import command as recommend

Runner = Callable[[argparse.Namespace, Report], int]

DISTRIBUTION = "cdk-serverless-inference-cli"
"""The distribution that installs the command (``cli/pyproject.toml``)."""


def installed_version() -> str:
    """The installed distribution's version (``--version``)."""
    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:
        return "unknown (not installed: run it from an installed cdk-serverless-inference[cli])"


class _Parser(argparse.ArgumentParser):
    """argparse with exit status 2 and the usage on stderr (its default), kept explicit."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(EXIT_ERROR, f"{self.prog}: error: {message}\n")


def _aws_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("AWS")
    group.add_argument(
        "--region",
        metavar="REGION",
        help="AWS region, e.g. eu-west-1 (default: AWS_REGION, else the profile's region)",
    )
    group.add_argument(
        "--profile",
        metavar="NAME",
        help="named profile of ~/.aws/config (default: AWS_PROFILE, else the default profile)",
    )


COMMANDS: list[tuple[str, str, Callable[[argparse.ArgumentParser], None], Runner, bool]] = [
    (
        "check",
        "pre-deployment readiness against serverless limits and quotas",
        check.add_arguments,
        check.run,
        True,
    ),
    (
        "cost",
        "monthly cost of serverless options against real-time instances",
        cost.add_arguments,
        cost.run,
        False,
    ),
    (
        "recommend",
        "memory, concurrency and keep-warm from an endpoint's CloudWatch metrics",
        recommend.add_arguments,
        recommend.run,
        True,
    ),
    (
        "benchmark",
        "load-test a deployed endpoint (optionally at every memory tier)",
        benchmark_arguments.add_arguments,
        benchmark.run,
        True,
    ),
]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="serverless-inference",
        description="Check, size, cost and benchmark SageMaker serverless endpoints.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, help_text, add_arguments, runner, uses_aws in COMMANDS:
        command = sub.add_parser(name, help=help_text, description=help_text)
        add_arguments(command)
        if uses_aws:
            _aws_arguments(command)
        command.add_argument(
            "--format",
            type=OutputFormat,
            choices=list(OutputFormat),
            default=OutputFormat.TABLE,
            help="table for people; json (one document) or csv (the main table) for scripts "
            "(default: table)",
        )
        flags = frozenset(o for action in command._actions for o in action.option_strings)
        command.set_defaults(runner=runner, flags=flags)
    return parser


def main(argv: Sequence[str] | None = None, console: Console | None = None) -> int:
    """Run the command; returns the exit status (the console script exits with it)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    err = Console(stderr=True)
    report = Report(args.format, console if console is not None else Console(), err)
    runner: Runner = args.runner
    try:
        return runner(args, report)
    except CliError as exc:
        err.print(Text.assemble(("error: ", "bold red"), exc.message), soft_wrap=True)
        return exc.exit_code
    except KeyboardInterrupt:
        err.print("interrupted")
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
