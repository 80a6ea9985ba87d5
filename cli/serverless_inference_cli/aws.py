"""boto3 sessions for the command and botocore errors translated into messages users act on.

Every AWS call of the command goes through :class:`AwsContext` and runs inside
:meth:`AwsContext.errors`, which turns a botocore exception into one :class:`CliError` whose
message says what went wrong and what to do, naming only options the running subcommand has.
Before the first call the region is checked against the regions botocore knows for SageMaker
and the credentials are resolved, so a typo or a missing login is an error (exit status 2),
never a half-run report.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import boto3
import botocore
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

from serverless_inference_cli.errors import CliError

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

    SageMaker answers ``ValidationException`` "Could not find endpoint ...", SageMaker
    Runtime ``ValidationError`` "Endpoint ... not found." rather than a not-found code; S3
    ``head_object`` answers the bare code ``404``.
    """
    code = error_code(exc)
    if code in _NOT_FOUND_CODES:
        return True
    message = error_message(exc).lower()
    validation = code in {"ValidationException", "ValidationError"}
    return validation and ("could not find" in message or "not found" in message)


def is_access_denied(exc: ClientError) -> bool:
    """Whether IAM refused the call."""
    return error_code(exc) in _ACCESS_CODES


class _Hints:
    """Advice that names an option only when the subcommand has it."""

    def __init__(self, options: frozenset[str]) -> None:
        self.options = options

    def either(self, option: str, advice: str, otherwise: str = "") -> str:
        return advice if option in self.options else otherwise


def translate(exc: BaseException, action: str, options: frozenset[str] = frozenset()) -> CliError:
    """A :class:`CliError` for a botocore exception raised while doing ``action``.

    ``action`` says what the command was doing, e.g. "describe endpoint 'my-endpoint'";
    ``options`` are the option strings of the subcommand, the only ones a hint may name.
    """
    hint = _Hints(options)
    if isinstance(exc, NoCredentialsError | PartialCredentialsError):
        return CliError(
            f"Cannot {action}: no AWS credentials found. Run `aws configure` or "
            "`aws sso login`, set AWS_PROFILE"
            + hint.either("--profile", " or pass --profile")
            + "."
        )
    if isinstance(exc, ProfileNotFound):
        return CliError(
            f"Cannot {action}: {exc}. Check the profile name"
            + hint.either("--profile", " (--profile or AWS_PROFILE)", " (AWS_PROFILE)")
            + " and ~/.aws/config."
        )
    if isinstance(exc, NoRegionError):
        return CliError(
            f"Cannot {action}: no AWS region. "
            + hint.either("--region", "Pass --region or set AWS_REGION.", "Set AWS_REGION.")
        )
    if isinstance(exc, EndpointConnectionError):
        return CliError(
            f"Cannot {action}: could not connect to {exc.kwargs.get('endpoint_url', 'AWS')}. "
            "Check the region"
            + hint.either("--endpoint-url", ", --endpoint-url")
            + " and the network."
        )
    if isinstance(exc, ClientError):
        code = error_code(exc)
        message = error_message(exc)
        if is_not_found(exc):
            return CliError(f"Cannot {action}: not found ({code}: {message}).")
        if code in _ACCESS_CODES:
            return CliError(
                f"Cannot {action}: access denied ({message}). The credentials in use need "
                "the IAM permission for this call; check the role"
                + hint.either("--profile", " or --profile")
                + "."
            )
        if code in _CREDENTIAL_CODES:
            return CliError(
                f"Cannot {action}: the AWS credentials are invalid or expired ({code}). "
                "Refresh them (for example `aws sso login`)"
                + hint.either("--profile", " or pass another --profile")
                + "."
            )
        if code in _QUOTA_CODES:
            return CliError(
                f"Cannot {action}: an account quota is exhausted ({message}). Request an "
                "increase in the Service Quotas console or free capacity first."
            )
        if code in _THROTTLE_CODES:
            return CliError(f"Cannot {action}: AWS throttled the request ({code}). Retry later.")
        return CliError(f"Cannot {action}: {code}: {message}")
    return CliError(f"Cannot {action}: {exc}")


@contextmanager
def aws_errors(action: str, options: frozenset[str] = frozenset()) -> Iterator[None]:
    """Run AWS calls, raising a :class:`CliError` naming ``action`` on a botocore error."""
    try:
        yield
    except (ClientError, BotoCoreError) as exc:
        raise translate(exc, action, options) from exc


@cache
def sagemaker_regions() -> frozenset[str]:
    """Every region of every partition where the installed botocore knows SageMaker."""
    session = botocore.session.get_session()
    return frozenset(
        region
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("sagemaker", partition)
    )


@dataclass(frozen=True)
class AwsOptions:
    """The AWS options of a subcommand.

    ``endpoint_url`` only redirects the SageMaker Runtime client (the benchmark's
    ``--endpoint-url``); other services use their regional endpoints. ``flags`` are the
    subcommand's option strings, the only ones error messages may suggest.
    """

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    flags: frozenset[str] = frozenset()


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
                flags=getattr(args, "flags", frozenset()),
            )
        )

    @contextmanager
    def errors(self, action: str) -> Iterator[None]:
        """:func:`aws_errors` with this subcommand's options."""
        with aws_errors(action, self.options.flags):
            yield

    def translate(self, exc: BaseException, action: str) -> CliError:
        """:func:`translate` with this subcommand's options."""
        return translate(exc, action, self.options.flags)

    @property
    def session(self) -> Any:
        if self._session is None:
            self._session = make_session(self.options)
        return self._session

    @property
    def region(self) -> str:
        """The session's region, checked against the regions botocore knows for SageMaker."""
        region = self.session.region_name
        flags = self.options.flags
        source = "--region, AWS_REGION" if "--region" in flags else "AWS_REGION"
        if not region:
            raise CliError(
                f"No AWS region: {'pass --region or ' if '--region' in flags else ''}"
                "set AWS_REGION / AWS_DEFAULT_REGION."
            )
        if region not in sagemaker_regions():
            raise CliError(
                f"Unknown AWS region {region!r} (from {source} or the profile): botocore "
                f"{botocore.__version__} knows no SageMaker endpoint there. Check the "
                "spelling (e.g. eu-west-1); for a region newer than this botocore, upgrade boto3."
            )
        return str(region)

    def require_credentials(self) -> None:
        """Resolve the credentials now: none is a :class:`CliError` before any call."""
        with self.errors("load AWS credentials"):
            credentials = self.session.get_credentials()
        if credentials is None:
            raise translate(NoCredentialsError(), "call AWS", self.options.flags)

    def ready(self) -> str:
        """Check the region and the credentials before the first call; returns the region."""
        region = self.region
        self.require_credentials()
        return region

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
        with self.errors(f"create a {service} client"):
            return self.session.client(
                service, region_name=region or self.region, endpoint_url=endpoint_url, config=config
            )


_LOADER = create_loader()
"""One botocore data loader for every session: service models are parsed once per process."""


def make_session(options: AwsOptions) -> Any:
    """A boto3 session for ``--profile`` / ``--region``, with clear errors."""
    where = "--profile" if "--profile" in options.flags else "AWS_PROFILE"
    try:
        core = botocore.session.get_session()
        core.register_component("data_loader", _LOADER)
        session = boto3.session.Session(
            profile_name=options.profile, region_name=options.region, botocore_session=core
        )
    except ProfileNotFound as exc:
        raise CliError(f"AWS profile not found: {exc}. Check {where} and ~/.aws/config.") from exc
    if options.profile is not None and options.profile not in session.available_profiles:
        raise CliError(
            f"AWS profile not found: {options.profile!r}. Check {where} and ~/.aws/config "
            f"(known: {', '.join(session.available_profiles) or 'none'})."
        )
    return session
