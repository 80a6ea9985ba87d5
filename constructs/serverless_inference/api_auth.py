"""How callers of an ``InferenceApi`` authenticate: :class:`ApiAuth` and its checks."""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from aws_cdk import aws_apigateway as apigw
from aws_cdk import aws_cognito

from serverless_inference.validation import Problems, is_token

MAX_RATE_LIMIT: Final = 10000.0
"""API Gateway's default account-level throttle (requests per second, per region)."""
MAX_BURST_LIMIT: Final = 5000
"""API Gateway's default account-level burst."""
AUTH_MODES: Final = ("iam", "api_key", "cognito", "none")
QUOTA_PERIODS: Final = ("DAY", "WEEK", "MONTH")


@dataclass(frozen=True)
class ApiAuth:
    """How callers of an ``InferenceApi`` authenticate. Build with the static methods."""

    mode: str
    """One of ``iam``, ``api_key``, ``cognito``, ``none``."""
    quota_limit: int | None = None
    """API key mode: requests per ``quota_period`` for each key. Default: - no quota."""
    quota_period: str = "DAY"
    """API key mode: ``DAY``, ``WEEK`` or ``MONTH``. Default: ``DAY``."""
    rate_limit: float | None = None
    """API key mode: the usage plan's requests per second. Default: - the stage's limit."""
    burst_limit: int | None = None
    """API key mode: the usage plan's burst. Default: - the stage's limit."""
    user_pools: tuple[aws_cognito.IUserPool, ...] = ()
    """Cognito mode: the user pools whose tokens are accepted."""
    scopes: tuple[str, ...] = ()
    """Cognito mode: OAuth scopes, one of which an access token must carry. Default: - none (an
    ID token is accepted)."""

    @staticmethod
    def iam() -> "ApiAuth":
        """IAM: callers sign requests with SigV4 and need ``execute-api:Invoke`` (the default)."""
        return ApiAuth("iam")

    @staticmethod
    def api_key(
        *,
        quota_limit: int | None = None,
        quota_period: str = "DAY",
        rate_limit: float | None = None,
        burst_limit: int | None = None,
    ) -> "ApiAuth":
        """An API key (header ``x-api-key``) in a usage plan with a quota and a throttle.

        AWS advises against API keys as the only authorization: they identify callers for
        quotas. Default quota: none; ``quota_period``: ``DAY`` (or ``WEEK``, ``MONTH``);
        ``rate_limit``/``burst_limit``: the stage's limits.
        """
        return ApiAuth(
            "api_key",
            quota_limit=quota_limit,
            quota_period=quota_period,
            rate_limit=rate_limit,
            burst_limit=burst_limit,
        )

    @staticmethod
    def cognito(
        user_pools: Sequence[aws_cognito.IUserPool], *, scopes: Sequence[str] = ()
    ) -> "ApiAuth":
        """A Cognito user pool authorizer (``Authorization: <ID or access token>``).

        Default scopes: none (an ID token is accepted); with scopes, an access token
        carrying one of them is required.
        """
        return ApiAuth("cognito", user_pools=tuple(user_pools), scopes=tuple(scopes))

    @staticmethod
    def none() -> "ApiAuth":
        """No authorization at all: anyone who knows the URL can invoke (and bill) the model.

        An explicit opt-out for private tests; synthesis adds a warning annotation.
        """
        return ApiAuth("none")


AUTHORIZATION_TYPES: Final = {
    "iam": apigw.AuthorizationType.IAM,
    "api_key": apigw.AuthorizationType.NONE,
    "cognito": apigw.AuthorizationType.COGNITO,
    "none": apigw.AuthorizationType.NONE,
}
"""The method authorization of each mode (an API key is checked apart from authorization)."""


def check_auth(problems: Problems, auth: ApiAuth, prefix: str = "auth.") -> None:
    """Record problems of an ``ApiAuth``."""
    if auth.mode not in AUTH_MODES:
        problems.add(prefix + "mode", auth.mode, "one of " + ", ".join(AUTH_MODES))
    if auth.quota_limit is not None:
        problems.check_int_range(prefix + "quota_limit", auth.quota_limit, 1, 2_147_483_647)
    problems.check_one_of(prefix + "quota_period", auth.quota_period, QUOTA_PERIODS)
    check_throttle(problems, auth.rate_limit, auth.burst_limit, prefix)
    if auth.mode == "cognito" and not auth.user_pools:
        problems.add(prefix + "user_pools", [], "at least one user pool")


def check_throttle(
    problems: Problems, rate_limit: Any, burst_limit: Any, prefix: str = "throttle_"
) -> None:
    """Rate: a number above 0 and at most 10000; burst: a whole number from 1 to 5000."""
    if (
        rate_limit is not None
        and not is_token(rate_limit)
        and (
            isinstance(rate_limit, bool)
            or not isinstance(rate_limit, (int, float))
            or not 0 < rate_limit <= MAX_RATE_LIMIT
        )
    ):
        problems.add(
            prefix + "rate_limit", rate_limit, f"a number above 0 and at most {MAX_RATE_LIMIT:g}"
        )
    if burst_limit is not None:
        problems.check_int_range(prefix + "burst_limit", burst_limit, 1, MAX_BURST_LIMIT)
