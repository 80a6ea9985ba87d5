"""The keep-warm handler against a fake SageMaker Runtime on 127.0.0.1, through boto3
(``tests.support.lambda_env``: the handler builds its own client, pointed at the fake)."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectTimeoutError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from serverless_inference_runtime import sagemaker_runtime
from serverless_inference_runtime.keep_warm import handler as keep_warm_handler
from tests.support.emf import specification_problems
from tests.support.fake_runtime import RecordedRequest, Reply
from tests.support.lambda_env import (
    FakeContext,
    SettableFake,
    fake_runtime_for,
    set_aws_test_environment,
)

ENDPOINT = "sentiment-endpoint"


@pytest.fixture()
def kw() -> ModuleType:
    """The handler module."""
    return keep_warm_handler


@pytest.fixture(autouse=True)
def aws_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fake credentials and region, and the handler's settings: never a real AWS endpoint."""
    set_aws_test_environment(
        monkeypatch,
        ENDPOINT_NAME=ENDPOINT,
        PING_CONCURRENCY="1",
        PING_TIMEOUT_SECONDS="2",
        CONNECT_TIMEOUT_SECONDS="1",
        METRIC_NAMESPACE="ServerlessInference/KeepWarm",
    )
    for name in ("PING_PAYLOAD", "PING_CONTENT_TYPE", "COLD_START_THRESHOLD_MS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture()
def fake_runtime(monkeypatch: pytest.MonkeyPatch) -> Iterator[SettableFake]:
    """A fake with the behaviour the test sets (``set_behaviour``); boto3 pointed at it."""
    with fake_runtime_for(monkeypatch) as fake:
        yield fake


def log_lines(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The JSON lines the run printed."""
    return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]


def log_line(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """The one JSON line the run printed."""
    (record,) = log_lines(capsys)
    return record


# --- parallelism -------------------------------------------------------------------------


def test_pings_run_in_parallel(
    kw: ModuleType, fake_runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # GIVEN 10 pings and an endpoint that takes 200 ms to answer each
    count, delay = 10, 0.2
    monkeypatch.setenv("PING_CONCURRENCY", str(count))
    fake_runtime.set_behaviour(lambda _i, _r: Reply(delay_s=delay))
    # WHEN the handler runs
    began = time.perf_counter()
    summary = kw.handler({}, FakeContext())
    elapsed = time.perf_counter() - began
    # THEN all arrive together and the run takes about one delay, not ten
    assert summary["pings_sent"] == count and summary["failed_pings"] == 0
    assert len(fake_runtime.requests) == count
    arrivals = [request.received_at for request in fake_runtime.requests]
    spread = max(arrivals) - min(arrivals)
    print(
        f"parallelism: {count} x {delay * 1000:.0f} ms pings in {elapsed * 1000:.0f} ms, "
        f"arrival spread {spread * 1000:.0f} ms"
    )
    assert elapsed < count * delay / 3
    assert spread < delay / 2


# --- outcomes ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("error_type", "outcome"),
    [
        ("ThrottlingException", "throttled"),
        ("ModelError", "model_error"),
        ("ModelNotReadyException", "not_ready"),
        ("ValidationError", "validation_error"),
        ("InternalFailure", "other"),
        ("ServiceUnavailable", "other"),
    ],
)
def test_each_error_kind_is_classified_and_sent_once(
    kw: ModuleType,
    fake_runtime: Any,
    capsys: pytest.CaptureFixture[str],
    error_type: str,
    outcome: str,
) -> None:
    fake_runtime.set_behaviour(lambda _i, _r: Reply.error(error_type, "injected"))
    with pytest.raises(kw.AllPingsFailedError, match=f"all 1 keep-warm pings of {ENDPOINT}"):
        kw.handler({}, FakeContext())
    record = log_line(capsys)
    assert record["pings"] == [
        {
            "ping": 0,
            "outcome": outcome,
            "latency_ms": record["pings"][0]["latency_ms"],
            "error": error_type,
            "message": record["pings"][0]["message"],
        }
    ]
    assert "injected" in record["pings"][0]["message"]
    # no SDK retry: a retried ping would be a duplicate
    assert len(fake_runtime.requests) == 1


def test_hanging_endpoint_is_bounded_by_the_ping_timeout(
    kw: ModuleType,
    fake_runtime: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PING_TIMEOUT_SECONDS", "0.3")
    fake_runtime.set_behaviour(lambda _i, _r: Reply(delay_s=1.5))
    began = time.perf_counter()
    with pytest.raises(kw.AllPingsFailedError, match="timeout=1"):
        kw.handler({}, FakeContext())
    assert time.perf_counter() - began < 1.0
    ping = log_line(capsys)["pings"][0]
    assert ping["outcome"] == "timeout" and ping["error"] == "ReadTimeoutError"
    assert len(fake_runtime.requests) == 1


def test_run_never_outlives_the_lambda_time_left(
    kw: ModuleType,
    fake_runtime: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the ping timeout (60 s) is longer than the Lambda has left (2.5 s - 2 s safety)
    monkeypatch.setenv("PING_TIMEOUT_SECONDS", "60")
    fake_runtime.set_behaviour(lambda _i, _r: Reply(delay_s=1.2))
    began = time.perf_counter()
    with pytest.raises(kw.AllPingsFailedError):
        kw.handler({}, FakeContext(remaining_ms=2500))
    assert time.perf_counter() - began < 1.0
    ping = log_line(capsys)["pings"][0]
    assert ping["outcome"] == "timeout" and ping["error"] == "Deadline"


def test_classify_maps_sdk_errors() -> None:
    module = sagemaker_runtime

    def client_error(code: str) -> ClientError:
        return ClientError({"Error": {"Code": code, "Message": "m"}}, "InvokeEndpoint")

    assert module.classify(client_error("ThrottlingException")) == (
        "throttled",
        "ThrottlingException",
    )
    assert module.classify(client_error("ModelError")) == ("model_error", "ModelError")
    assert module.classify(client_error("ModelNotReadyException")) == (
        "not_ready",
        "ModelNotReadyException",
    )
    assert module.classify(client_error("AccessDeniedException"))[0] == "other"
    assert module.classify(ReadTimeoutError(endpoint_url="http://x"))[0] == "timeout"
    assert module.classify(ConnectTimeoutError(endpoint_url="http://x"))[0] == "unreachable"
    assert module.classify(EndpointConnectionError(endpoint_url="http://x"))[0] == "unreachable"
    assert module.classify(client_error("ValidationError"))[0] == "validation_error"
    assert module.classify(OSError("boom")) == ("other", "OSError")


def test_partial_failure_does_not_fail_the_run(
    kw: ModuleType,
    fake_runtime: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PING_CONCURRENCY", "3")
    fake_runtime.set_behaviour(
        lambda i, _r: Reply.error("ModelNotReadyException") if i == 0 else Reply()
    )
    summary = kw.handler({}, FakeContext())
    assert summary["pings_sent"] == 3 and summary["failed_pings"] == 1
    assert summary["outcomes"]["ok"] == 2 and summary["outcomes"]["not_ready"] == 1
    assert log_line(capsys)["level"] == "INFO"


def test_all_failing_pings_fail_the_run(
    kw: ModuleType,
    fake_runtime: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("PING_CONCURRENCY", "3")
    fake_runtime.set_behaviour(
        lambda i, _r: Reply.error("ModelError") if i % 2 else Reply.error("ThrottlingException")
    )
    with pytest.raises(kw.AllPingsFailedError, match=r"failed: throttled=2, model_error=1$"):
        kw.handler({}, FakeContext())
    record = log_line(capsys)
    assert record["level"] == "ERROR"
    assert record["FailedPings"] == 3 and record["PingsSent"] == 3


# --- request, log line and embedded metrics ---------------------------------------------


def test_sends_the_configured_payload_and_content_type(
    kw: ModuleType, fake_runtime: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PING_PAYLOAD", "I love this")
    monkeypatch.setenv("PING_CONTENT_TYPE", "text/csv")
    kw.handler({}, FakeContext())
    (request,) = fake_runtime.requests
    assert request.endpoint_name == ENDPOINT
    assert request.body == b"I love this"
    assert request.headers["Content-Type"] == "text/csv"


def test_default_payload_is_what_the_default_model_accepts(
    kw: ModuleType, fake_runtime: Any
) -> None:
    kw.handler({}, FakeContext())
    (request,) = fake_runtime.requests
    assert json.loads(request.body) == {"inputs": "keep warm"}
    assert request.headers["Content-Type"] == "application/json"


def test_log_line_holds_outcomes_and_embedded_metrics(
    kw: ModuleType,
    fake_runtime: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN 4 pings: one slow (suspected cold start), one throttled, two fast
    monkeypatch.setenv("PING_CONCURRENCY", "4")
    monkeypatch.setenv("COLD_START_THRESHOLD_MS", "250")

    def behaviour(index: int, _request: RecordedRequest) -> Reply:
        if index == 0:
            return Reply(delay_s=0.4)
        if index == 1:
            return Reply.error("ThrottlingException")
        return Reply()

    fake_runtime.set_behaviour(behaviour)
    summary = kw.handler({}, FakeContext())
    record = log_line(capsys)

    # THEN the EMF metadata declares the namespace, dimension and four metrics
    (directive,) = record["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "ServerlessInference/KeepWarm"
    assert directive["Dimensions"] == [["EndpointName"]]
    assert directive["Metrics"] == [
        {"Name": "PingsSent", "Unit": "Count"},
        {"Name": "FailedPings", "Unit": "Count"},
        {"Name": "SuspectedColdStarts", "Unit": "Count"},
        {"Name": "PingLatency", "Unit": "Milliseconds"},
    ]
    assert isinstance(record["_aws"]["Timestamp"], int)
    # AND every declared metric and dimension has its value at the root
    assert record["EndpointName"] == ENDPOINT
    assert record["PingsSent"] == 4
    assert record["FailedPings"] == 1
    assert record["SuspectedColdStarts"] == 1
    assert len(record["PingLatency"]) == 3
    assert max(record["PingLatency"]) >= 250
    # AND the per-ping outcomes are in the same line
    assert sorted(ping["outcome"] for ping in record["pings"]) == ["ok", "ok", "ok", "throttled"]
    assert record["outcomes"] == {
        "ok": 3,
        "validation_error": 0,
        "throttled": 1,
        "model_error": 0,
        "not_ready": 0,
        "timeout": 0,
        "unreachable": 0,
        "other": 0,
    }
    assert summary["suspected_cold_starts"] == 1


def test_latency_metric_is_left_out_when_no_ping_succeeded(
    kw: ModuleType, fake_runtime: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_runtime.set_behaviour(lambda _i, _r: Reply.error("ModelError"))
    with pytest.raises(kw.AllPingsFailedError):
        kw.handler({}, FakeContext())
    record = log_line(capsys)
    names = [m["Name"] for m in record["_aws"]["CloudWatchMetrics"][0]["Metrics"]]
    assert "PingLatency" not in names and "PingLatency" not in record


def test_150_pings_print_documents_that_keep_to_the_emf_specification(
    kw: ModuleType,
    fake_runtime: Any,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # GIVEN 150 pings, of which 140 succeed (more than the 100 values EMF allows in one array)
    monkeypatch.setenv("PING_CONCURRENCY", "150")
    fake_runtime.set_behaviour(
        lambda i, _r: Reply.error("ThrottlingException") if i % 15 == 0 else Reply()
    )
    # WHEN the handler runs
    summary = kw.handler({}, FakeContext())
    documents = log_lines(capsys)
    # THEN every document it printed keeps to the specification
    for document in documents:
        assert specification_problems(document) == []
    # AND the first carries the counts and the run, a second the latencies beyond the first 100
    assert len(documents) == 2
    first, second = documents
    assert (first["PingsSent"], first["FailedPings"]) == (150, 10)
    assert len(first["pings"]) == 150 and first["outcomes"]["throttled"] == 10
    assert [len(first["PingLatency"]), len(second["PingLatency"])] == [100, 40]
    assert [m["Name"] for m in second["_aws"]["CloudWatchMetrics"][0]["Metrics"]] == ["PingLatency"]
    assert second["EndpointName"] == ENDPOINT and "pings" not in second
    assert summary["pings_sent"] == 150 and summary["failed_pings"] == 10


# --- configuration -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("ENDPOINT_NAME", ""),
        ("PING_CONCURRENCY", "0"),
        ("PING_CONCURRENCY", "201"),
        ("PING_CONCURRENCY", "two"),
        ("PING_TIMEOUT_SECONDS", "nan"),
        ("PING_TIMEOUT_SECONDS", "-1"),
        ("CONNECT_TIMEOUT_SECONDS", "x"),
        ("COLD_START_THRESHOLD_MS", "0"),
        ("PING_CONTENT_TYPE", " "),
        ("METRIC_NAMESPACE", "AWS/SageMaker"),
    ],
)
def test_fails_when_a_setting_is_bad_naming_the_variable(
    kw: ModuleType, fake_runtime: Any, monkeypatch: pytest.MonkeyPatch, variable: str, value: str
) -> None:
    monkeypatch.setenv(variable, value)
    with pytest.raises(kw.ConfigurationError, match=f"{variable} must be"):
        kw.handler({}, FakeContext())
    assert fake_runtime.requests == []


def test_fails_when_endpoint_name_is_missing(
    kw: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ENDPOINT_NAME")
    monkeypatch.setenv("PING_CONCURRENCY", "-3")
    with pytest.raises(kw.ConfigurationError) as raised:
        kw.handler({}, FakeContext())
    assert "ENDPOINT_NAME must be the name of the endpoint to ping, got ''" in str(raised.value)
    assert "PING_CONCURRENCY must be a whole number from 1 to 200, got '-3'" in str(raised.value)


def test_defaults_apply_when_optional_variables_are_unset(
    kw: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = kw.load_settings({"ENDPOINT_NAME": "e"})
    assert settings.concurrency == 1
    assert settings.payload == b'{"inputs": "keep warm"}'
    assert settings.content_type == "application/json"
    assert settings.ping_timeout_s == 90.0
    assert settings.connect_timeout_s == 3.0
    assert settings.cold_start_threshold_ms == 1000.0
    assert settings.metric_namespace == "ServerlessInference/KeepWarm"


def test_client_makes_one_attempt_with_short_timeouts(kw: ModuleType) -> None:
    settings = kw.load_settings({"ENDPOINT_NAME": "e", "PING_CONCURRENCY": "20"})
    config = kw.client_for(settings).meta.config
    assert config.retries["total_max_attempts"] == 1
    assert config.connect_timeout == 3.0
    assert config.read_timeout == 90.0
    assert config.max_pool_connections == 20
    assert kw.client_for(settings) is kw.client_for(settings)  # created once per process
