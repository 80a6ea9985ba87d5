"""One HTTP POST to an API URL, SigV4-signed for ``execute-api`` when asked.

Shared by ``benchmark --url`` and the pipeline's smoke test (``scripts/smoke_test.py``). It
needs only the standard library and botocore: the pipeline's CodeBuild step runs the smoke
test from the source checkout with only boto3 installed, importing this module from ``cli/``.
"""

from __future__ import annotations

import http.client
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

Signer = Callable[[str, bytes, Mapping[str, str]], dict[str, str]]
"""Given the URL, the body and the headers, the headers to send (with the signature)."""

NoAnswer = (urllib.error.URLError, TimeoutError, ConnectionError, http.client.HTTPException)
"""What :func:`post` raises when no whole HTTP answer arrives (refused, reset, timed out, cut)."""


@dataclass(frozen=True)
class Answer:
    """An HTTP answer, whatever its status."""

    status: int
    body: bytes
    headers: Mapping[str, str]

    @property
    def error_type(self) -> str | None:
        """``x-amzn-ErrorType`` (API Gateway and SageMaker send it), without its ``:URL`` tail."""
        value = next((v for k, v in self.headers.items() if k.lower() == "x-amzn-errortype"), None)
        return value.split(":")[0] if value else None


def sigv4_signer(credentials: Any, region: str, service: str = "execute-api") -> Signer:
    """Sign each request with SigV4 for ``service`` in ``region``.

    ``credentials`` are botocore's (refreshable ones are frozen at each request, so assumed
    roles and SSO sessions that renew mid-run keep signing correctly).
    """

    def sign(url: str, body: bytes, headers: Mapping[str, str]) -> dict[str, str]:
        request = AWSRequest(method="POST", url=url, data=body, headers=dict(headers))
        frozen = credentials.get_frozen_credentials()
        SigV4Auth(frozen, service, region).add_auth(request)
        return {name: str(value) for name, value in request.headers.items()}

    return sign


def post(
    url: str,
    body: bytes,
    headers: Mapping[str, str],
    *,
    timeout_s: float,
    signer: Signer | None = None,
) -> Answer:
    """POST ``body`` to ``url``; the answer for every status (4xx and 5xx too).

    Raises one of :data:`NoAnswer` when nothing answers within ``timeout_s`` seconds.
    """
    sent = signer(url, body, headers) if signer is not None else dict(headers)
    request = urllib.request.Request(url, data=body, headers=sent, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:
            return Answer(int(response.status), response.read(), dict(response.headers.items()))
    except urllib.error.HTTPError as error:
        answer_headers = dict(error.headers.items()) if error.headers else {}
        return Answer(int(error.code), error.read(), answer_headers)


def timed_out(error: BaseException) -> bool:
    """Whether a :data:`NoAnswer` error is a timeout (rather than a refused connection)."""
    if isinstance(error, urllib.error.URLError):
        return isinstance(error.reason, TimeoutError)
    return isinstance(error, TimeoutError)
