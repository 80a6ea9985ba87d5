"""Load generation against the fake SageMaker Runtime and a fake API: timing, errors by kind,
fatal errors, SigV4 signing."""

from __future__ import annotations

import threading
from typing import Any

import boto3
import pytest
from botocore.config import Config

from serverless_inference_cli.benchmark.analysis import ColdStartRule, analyse
from serverless_inference_cli.benchmark.load import (
    http_invoker,
    run_level,
    runtime_invoker,
    warm_up,
)
from serverless_inference_cli.errors import CliError
from serverless_inference_cli.signed_post import sigv4_signer
from tests.support.fake_runtime import FakeSageMakerRuntime, RecordedRequest, Reply

FAST_RULE = ColdStartRule(factor=3.0, extra_s=0.15)


def _runtime(url: str) -> Any:
    return boto3.client(
        "sagemaker-runtime",
        endpoint_url=url,
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1}, max_pool_connections=20),
    )


def test_cold_starts_are_detected_at_the_injected_indices() -> None:
    cold = {0, 12}

    def behaviour(index: int, request: RecordedRequest) -> Reply:
        return Reply(delay_s=0.3) if index in cold else Reply(delay_s=0.005)

    with FakeSageMakerRuntime(behaviour) as fake:
        invoker = runtime_invoker(_runtime(fake.url), "my-endpoint", "application/json")
        level = run_level(invoker, b'{"text": "hi"}', 1, requests=20)
    stats = analyse(level.samples, concurrency=1, wall_s=level.wall_s, rule=FAST_RULE)
    assert stats.cold_start_indices == [0, 12]
    assert stats.requests == 20 and stats.succeeded == 20
    assert 0.005 <= stats.p50_s < 0.1
    assert stats.max_s >= 0.3
    assert stats.p99_s >= 0.2  # two slow requests among 20 pull the tail up
    assert all(r.endpoint_name == "my-endpoint" for r in fake.requests)


def test_errors_are_classified_by_kind_under_concurrency() -> None:
    # the first four requests are held until all four have arrived: a run that sent them one
    # at a time would break the barrier (no timing assumption about the machine's speed)
    all_four_in_flight = threading.Barrier(4, timeout=30)

    def behaviour(index: int, request: RecordedRequest) -> Reply:
        if index < 4:
            all_four_in_flight.wait()
        if index % 10 == 3:
            return Reply.error("ModelError", "bad tensor")
        if index % 10 == 7:
            return Reply.error("ThrottlingException", "slow down")
        if index == 9:
            return Reply.error("ModelNotReadyException", "warming")
        return Reply(delay_s=0.02)

    with FakeSageMakerRuntime(behaviour) as fake:
        invoker = runtime_invoker(_runtime(fake.url), "e", "application/json")
        level = run_level(invoker, b"{}", 4, requests=30)
    stats = analyse(level.samples, concurrency=4, wall_s=level.wall_s, rule=FAST_RULE)
    assert stats.errors == {"ModelError": 3, "ModelNotReadyException": 1, "ThrottlingException": 3}
    assert stats.succeeded == 23
    assert len(fake.requests) == 30, "no retries: each error is one request"
    assert not all_four_in_flight.broken, "the four workers did not call at the same time"


def test_duration_mode_stops_on_time() -> None:
    with FakeSageMakerRuntime(Reply(delay_s=0.02)) as fake:
        invoker = runtime_invoker(_runtime(fake.url), "e", "application/json")
        level = run_level(invoker, b"{}", 2, duration_s=0.3)
    assert 0.3 <= level.wall_s < 1.5
    assert 10 <= len(level.samples) <= 40


def test_endpoint_not_found_stops_with_a_clear_error() -> None:
    reply = Reply.error("ValidationError", "Endpoint nope of account 123456789012 not found.")
    with FakeSageMakerRuntime(reply) as fake:
        invoker = runtime_invoker(_runtime(fake.url), "nope", "application/json")
        with pytest.raises(CliError, match="not found"):
            run_level(invoker, b"{}", 3, requests=50)
    assert len(fake.requests) < 50


def test_warm_up_sends_its_requests_in_parallel_up_to_the_level() -> None:
    with FakeSageMakerRuntime(Reply(delay_s=0.2)) as fake:
        invoker = runtime_invoker(_runtime(fake.url), "e", "application/json")
        samples = warm_up(invoker, b"{}", 4, concurrency=4)
    arrivals = sorted(r.received_at for r in fake.requests)
    assert len(samples) == 4
    assert arrivals[-1] - arrivals[0] < 0.15, "all four started before the first answered"
    assert warm_up(invoker, b"{}", 0, concurrency=4) == []


def test_http_invoker_posts_and_reads_error_type_header() -> None:
    def behaviour(index: int, request: RecordedRequest) -> Reply:
        return Reply.error("ModelError") if index == 1 else Reply(body=b"12345")

    with FakeSageMakerRuntime(behaviour) as fake:
        url = fake.url + "/endpoints/api-endpoint/invocations"
        invoker = http_invoker(url, "text/csv", timeout_s=5)
        level = run_level(invoker, b"1,2,3", 1, requests=3)
    assert [s.error for s in level.samples] == [None, "ModelError", None]
    assert level.samples[0].response_bytes == 5
    assert fake.requests[0].headers["Content-Type"] == "text/csv"
    assert fake.requests[0].body == b"1,2,3"


def test_http_invoker_counts_a_refused_connection() -> None:
    with FakeSageMakerRuntime() as fake:
        url = fake.url + "/endpoints/e/invocations"
    invoker = http_invoker(url, "application/json", timeout_s=2)
    level = run_level(invoker, b"{}", 1, requests=2)
    assert [s.error for s in level.samples] == ["ConnectionError", "ConnectionError"]


def test_sigv4_signs_api_requests() -> None:
    credentials = boto3.Session(
        aws_access_key_id="AKIDTEST", aws_secret_access_key="secret"
    ).get_credentials()
    with FakeSageMakerRuntime() as fake:
        invoker = http_invoker(
            fake.url + "/endpoints/e/invocations",
            "application/json",
            timeout_s=5,
            signer=sigv4_signer(credentials, "us-east-1"),
        )
        invoker(b"{}")
    headers = {k.lower(): v for k, v in fake.requests[0].headers.items()}
    assert headers["authorization"].startswith("AWS4-HMAC-SHA256 Credential=AKIDTEST/")
    assert "/us-east-1/execute-api/aws4_request" in headers["authorization"]
    assert "x-amz-date" in headers
