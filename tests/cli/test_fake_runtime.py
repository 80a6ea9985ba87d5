"""The fake SageMaker Runtime speaks InvokeEndpoint well enough for boto3."""

from __future__ import annotations

import socket
import time
from typing import Any

import boto3
import botocore.session
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.support.fake_runtime import ERROR_STATUS, FakeSageMakerRuntime, RecordedRequest, Reply


def _client(url: str) -> Any:
    return boto3.client(
        "sagemaker-runtime",
        endpoint_url=url,
        region_name="us-east-1",
        config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )


def test_200_returns_body_content_type_and_records_the_request() -> None:
    reply = Reply(body=b"a,b\n", content_type="text/csv")
    with FakeSageMakerRuntime(reply) as fake:
        response = _client(fake.url).invoke_endpoint(
            EndpointName="my-endpoint", Body=b'{"x": 1}', ContentType="application/json"
        )
        assert response["Body"].read() == b"a,b\n"
        assert response["ContentType"] == "text/csv"
        assert response["InvokedProductionVariant"] == "AllTraffic"
    assert len(fake.requests) == 1
    assert fake.requests[0].endpoint_name == "my-endpoint"
    assert fake.requests[0].body == b'{"x": 1}'
    assert fake.requests[0].headers["Content-Type"] == "application/json"


def test_default_reply_is_200_json() -> None:
    with FakeSageMakerRuntime() as fake:
        response = _client(fake.url).invoke_endpoint(EndpointName="e", Body=b"{}")
        assert response["Body"].read() == Reply().body
        assert response["ContentType"] == "application/json"


@pytest.mark.parametrize("error_type", sorted(ERROR_STATUS))
def test_each_error_kind_becomes_its_client_error_code(aws_env: None, error_type: str) -> None:
    with (
        FakeSageMakerRuntime(Reply.error(error_type, "boom")) as fake,
        pytest.raises(ClientError) as caught,
    ):
        _client(fake.url).invoke_endpoint(EndpointName="e", Body=b"{}")
    error = caught.value.response
    assert error["Error"]["Code"] == error_type
    assert error["ResponseMetadata"]["HTTPStatusCode"] == ERROR_STATUS[error_type]
    assert "boom" in str(caught.value)
    assert len(fake.requests) == 1, "retries must be off so the error is seen once"


def test_model_error_carries_original_status() -> None:
    with (
        FakeSageMakerRuntime(Reply.error("ModelError", "bad input")) as fake,
        pytest.raises(ClientError) as caught,
    ):
        _client(fake.url).invoke_endpoint(EndpointName="e", Body=b"{}")
    assert caught.value.response["OriginalStatusCode"] == 500
    assert caught.value.response["OriginalMessage"] == "bad input"


def test_statuses_are_those_of_invoke_endpoints_error_shapes() -> None:
    model = botocore.session.get_session().get_service_model("sagemaker-runtime")
    shapes = model.operation_model("InvokeEndpoint").error_shapes
    documented = {shape.name: shape.metadata["error"]["httpStatusCode"] for shape in shapes}
    assert len(documented) == 6
    for name, status in documented.items():
        assert Reply.error(name).status == status, name
    assert Reply.error("ThrottlingException").status == 400


def test_delay_is_honoured_and_behaviour_gets_the_index() -> None:
    seen: list[int] = []

    def behaviour(index: int, request: RecordedRequest) -> Reply:
        seen.append(index)
        return Reply(delay_s=0.3) if index == 1 else Reply()

    with FakeSageMakerRuntime(behaviour) as fake:
        client = _client(fake.url)
        durations = []
        for _ in range(3):
            start = time.perf_counter()
            client.invoke_endpoint(EndpointName="e", Body=b"{}")
            durations.append(time.perf_counter() - start)
    assert seen == [0, 1, 2]
    assert durations[1] >= 0.3
    assert durations[0] < 0.25
    assert durations[2] < 0.25


def test_endpoint_name_is_url_decoded() -> None:
    with FakeSageMakerRuntime() as fake:
        _client(fake.url).invoke_endpoint(EndpointName="name-with-dash-1", Body=b"{}")
    assert fake.requests[0].endpoint_name == "name-with-dash-1"


def test_stops_and_frees_the_port() -> None:
    fake = FakeSageMakerRuntime()
    with fake:
        url = fake.url
    with pytest.raises(Exception):  # noqa: B017 - any connection error is fine
        _client(url).invoke_endpoint(EndpointName="e", Body=b"{}")


def test_each_response_is_written_in_one_send(monkeypatch: pytest.MonkeyPatch) -> None:
    # headers and body in two sends cost ~40 ms per keep-alive request (Nagle + delayed ACK)
    writes: list[bytes] = []
    real_write = socket.SocketIO.write

    def recording_write(self: socket.SocketIO, data: Any) -> int | None:
        writes.append(bytes(data))
        return real_write(self, data)

    monkeypatch.setattr(socket.SocketIO, "write", recording_write)
    with FakeSageMakerRuntime(Reply(body=b'{"label": "POSITIVE"}')) as fake:
        client = _client(fake.url)
        for _ in range(3):
            client.invoke_endpoint(EndpointName="e", Body=b"{}")
    assert len(writes) == 3
    assert all(
        w.startswith(b"HTTP/1.1 200") and w.endswith(b'{"label": "POSITIVE"}') for w in writes
    )


def test_keep_alive_requests_take_no_delayed_ack_stall() -> None:
    with FakeSageMakerRuntime() as fake:
        client = _client(fake.url)
        client.invoke_endpoint(EndpointName="e", Body=b"{}")  # opens the connection
        durations = []
        for _ in range(10):
            start = time.perf_counter()
            client.invoke_endpoint(EndpointName="e", Body=b"{}")
            durations.append(time.perf_counter() - start)
    assert sorted(durations)[5] < 0.02, durations
