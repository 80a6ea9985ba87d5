"""boto3 sessions for the command and botocore errors translated into messages users act on.

Every AWS call of the command goes through :func:`make_session` / :meth:`AwsContext.client`
and runs inside :func:`aws_errors`, which turns a botocore exception into one
:class:`CliError` whose message says what went wrong and what to do.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.session
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
    ProfileNotFound,
)
from botocore.loaders import create_loader

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_ERROR = 2
EXIT_INTERRUPTED = 130


class CliError(Exception):
    """An error the command reports as one message and a non-zero exit status."""

    def __init__(self, message: str, exit_code: int = EXIT_ERROR) -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code


_NOT_FOUND_CODES = frozenset(
    {
        "ResourceNotFound",
        "ResourceNotFoundException",
        "NoSuchKey",
        "NoSuchBucket",
        "404",
        "NotFound",
        "RepositoryNotFoundException",
        "ImageNotFoundException",
        "NoSuchEntity",
    }
)
_ACCESS_CODES = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "403", "Forbidden"}
)
_CREDENTIAL_CODES = frozenset(
    {
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "SignatureDoesNotMatch",
        "InvalidAccessKeyId",
        "InvalidToken",
    }
)
_QUOTA_CODES = frozenset(
    {"ResourceLimitExceeded", "LimitExceededException", "ServiceQuotaExceededException"}
)
_THROTTLE_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
    }
)


def error_code(exc: ClientError) -> str:
    """The ``Error.Code`` of a botocore ``ClientError`` ("" when absent)."""
    return str(exc.response.get("Error", {}).get("Code", ""))


def error_message(exc: ClientError) -> str:
    """The ``Error.Message`` of a botocore ``ClientError`` (falls back to ``str(exc)``)."""
    return str(exc.response.get("Error", {}).get("Message", "") or exc)


def is_not_found(exc: ClientError) -> bool:
    """Whether the error says the named resource does not exist.

    SageMaker answers ``ValidationException`` "Could not find endpoint ..." rather than a
    not-found code, S3 ``head_object`` answers the bare code ``404``.
    """
    code = error_code(exc)
    if code in _NOT_FOUND_CODES:
        return True
    return code == "ValidationException" and "could not find" in error_message(exc).lower()


def translate(exc: BaseException, action: str) -> CliError:
    """A :class:`CliError` for a botocore exception raised while doing ``action``.

    ``action`` says what the command was doing, e.g. "describe endpoint 'my-endpoint'".
    """
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return CliError(
            f"Cannot {action}: no AWS credentials found. Run `aws configure`, "
            "set AWS_PROFILE or pass --profile."
        )
    if isinstance(exc, ProfileNotFound):
        return CliError(f"Cannot {action}: {exc}. Check --profile and ~/.aws/config.")
    if isinstance(exc, NoRegionError):
        return CliError(f"Cannot {action}: no AWS region. Pass --region or set AWS_REGION.")
    if isinstance(exc, EndpointConnectionError):
        return CliError(
            f"Cannot {action}: could not connect to {exc.kwargs.get('endpoint_url', 'AWS')}. "
            "Check --region, --endpoint-url and the network."
        )
    if isinstance(exc, ClientError):
        code = error_code(exc)
        message = error_message(exc)
        if is_not_found(exc):
            return CliError(f"Cannot {action}: not found ({code}: {message}).")
        if code in _ACCESS_CODES:
            return CliError(
                f"Cannot {action}: access denied ({message}). The credentials in use need "
                "the IAM permission for this call; check the role or --profile."
            )
        if code in _CREDENTIAL_CODES:
            return CliError(
                f"Cannot {action}: the AWS credentials are invalid or expired ({code}). "
                "Refresh them (for example `aws sso login`) or pass another --profile."
            )
        if code in _QUOTA_CODES:
            return CliError(
                f"Cannot {action}: an account quota is exhausted ({message}). Request an "
                "increase in the Service Quotas console or free capacity first."
            )
        if code in _THROTTLE_CODES:
            return CliError(f"Cannot {action}: AWS throttled the request ({code}). Retry later.")
        return CliError(f"Cannot {action}: {code}: {message}")
    if isinstance(exc, BotoCoreError):
        return CliError(f"Cannot {action}: {exc}")
    return CliError(f"Cannot {action}: {exc}")


@contextmanager
def aws_errors(action: str) -> Iterator[None]:
    """Run AWS calls, raising a :class:`CliError` naming ``action`` on a botocore error."""
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, action) from exc


@dataclass(frozen=True)
class AwsOptions:
    """The AWS options every subcommand accepts.

    ``endpoint_url`` only redirects the SageMaker Runtime client (the benchmark's
    ``--endpoint-url``); other services use their regional endpoints.
    """

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None


@dataclass
class AwsContext:
    """A boto3 session plus the options, creating clients lazily."""

    options: AwsOptions = field(default_factory=AwsOptions)
    _session: Any = None

    @classmethod
    def from_args(cls, args: argparse.Namespace) -> AwsContext:
        """From ``--region`` / ``--profile`` / ``--endpoint-url`` (absent ones are None)."""
        return cls(
            AwsOptions(
                region=getattr(args, "region", None),
                profile=getattr(args, "profile", None),
                endpoint_url=getattr(args, "endpoint_url", None),
            )
        )

    @property
    def session(self) -> Any:
        if self._session is None:
            self._session = make_session(self.options)
        return self._session

    @property
    def region(self) -> str:
        region = self.session.region_name
        if not region:
            raise CliError("No AWS region: pass --region or set AWS_REGION / AWS_DEFAULT_REGION.")
        return str(region)

    def client(
        self,
        service: str,
        *,
        region: str | None = None,
        retries: int | None = None,
        read_timeout: float | None = None,
        max_pool_connections: int | None = None,
    ) -> Any:
        """A boto3 client in ``region`` (default: the session's); ``retries`` sets botocore's
        total attempts (None: its default)."""
        settings: dict[str, Any] = {
            "retries": {"total_max_attempts": retries, "mode": "standard"}
            if retries is not None
            else {"mode": "standard"},
            "user_agent_extra": "serverless-inference-cli",
        }
        if read_timeout is not None:
            settings["read_timeout"] = read_timeout
        if max_pool_connections is not None:
            settings["max_pool_connections"] = max_pool_connections
        config = Config(**settings)
        endpoint_url = self.options.endpoint_url if service == "sagemaker-runtime" else None
        with aws_errors(f"create a {service} client"):
            return self.session.client(
                service, region_name=region or self.region, endpoint_url=endpoint_url, config=config
            )


_LOADER = create_loader()
"""One botocore data loader for every session: service models are parsed once per process."""


def make_session(options: AwsOptions) -> Any:
    """A boto3 session for ``--profile`` / ``--region``, with clear errors."""
    try:
        core = botocore.session.get_session()
        core.register_component("data_loader", _LOADER)
        session = boto3.session.Session(
            profile_name=options.profile, region_name=options.region, botocore_session=core
        )
    except ProfileNotFound as exc:
        raise CliError(f"AWS profile not found: {exc}. Check --profile and ~/.aws/config.") from exc
    if options.profile is not None and options.profile not in session.available_profiles:
        raise CliError(
            f"AWS profile not found: {options.profile!r}. Check --profile and ~/.aws/config "
            f"(known: {', '.join(session.available_profiles) or 'none'})."
        )
    return session
