"""What the handler tests share: fake AWS settings, a fake Lambda context, and the fake
SageMaker Runtime with a behaviour each test sets.

The handlers build their own clients; ``AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME`` (boto3's
service-specific endpoint variable) points them at the fake, so the production code has no
test hook and its real timeouts and retry settings are what the tests exercise.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from serverless_inference_runtime import sagemaker_runtime
from tests.support.fake_runtime import FakeSageMakerRuntime, RecordedRequest, Reply

AWS_TEST_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    # Nothing may reach AWS: an unset fake URL fails fast instead.
    "AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME": "http://127.0.0.1:9",
}
"""Fake credentials and region: never a real AWS endpoint."""


def set_aws_test_environment(monkeypatch: pytest.MonkeyPatch, **settings: str) -> None:
    """The fake AWS settings and the handler's ``settings``, without any AWS profile."""
    for name, value in {**AWS_TEST_ENVIRONMENT, **settings}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)


class FakeContext:
    """The part of the Lambda context the handlers read."""

    def __init__(self, remaining_ms: int = 120_000) -> None:
        self._deadline = time.monotonic() + remaining_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return int((self._deadline - time.monotonic()) * 1000)


Behaviour = Callable[[int, RecordedRequest], Reply]


class SettableFake:
    """A running fake whose behaviour a test sets (``set_behaviour``); default: ``Reply()``."""

    def __init__(self, fake: FakeSageMakerRuntime, holder: dict[str, Behaviour]) -> None:
        self.fake = fake
        self._holder = holder

    @property
    def requests(self) -> list[RecordedRequest]:
        return self.fake.requests

    def set_behaviour(self, behaviour: Behaviour) -> None:
        self._holder["behaviour"] = behaviour


@contextmanager
def fake_runtime_for(monkeypatch: pytest.MonkeyPatch) -> Iterator[SettableFake]:
    """Start a fake, point boto3 at it, and forget the cached SageMaker Runtime client before
    and after (a client keeps the endpoint URL it was created with)."""
    holder: dict[str, Behaviour] = {"behaviour": lambda _i, _r: Reply()}
    sagemaker_runtime.client.cache_clear()
    try:
        with FakeSageMakerRuntime(lambda i, r: holder["behaviour"](i, r)) as fake:
            monkeypatch.setenv("AWS_ENDPOINT_URL_SAGEMAKER_RUNTIME", fake.url)
            yield SettableFake(fake, holder)
    finally:
        sagemaker_runtime.client.cache_clear()
