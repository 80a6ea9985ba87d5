"""A fake SageMaker Runtime (``InvokeEndpoint``) server on 127.0.0.1 for offline tests.

It speaks enough of the rest-json protocol that boto3's ``sagemaker-runtime`` client, created
with ``endpoint_url=fake.url``, parses its answers: a 200 returns the body and ``Content-Type``;
an error carries the ``x-amzn-ErrorType`` header and a JSON body, so botocore raises a
``ClientError`` whose ``e.response["Error"]["Code"]`` is the error type.

Example::

    with FakeSageMakerRuntime(lambda i, req: Reply(delay_s=2.0) if i == 0 else Reply()) as fake:
        client = boto3.client("sagemaker-runtime", endpoint_url=fake.url)
        ...
        assert fake.requests[0].endpoint_name == "my-endpoint"

Disable botocore retries in clients used against it (``Config(retries={"total_max_attempts":
1})``): botocore retries throttling and 5xx replies, which would hide the injected errors.
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any

ERROR_STATUS: dict[str, int] = {
    "ValidationError": 400,
    "ThrottlingException": 400,
    "ModelError": 424,
    "ModelNotReadyException": 429,
    "InternalFailure": 500,
    "ServiceUnavailable": 503,
    "InternalDependencyException": 530,
}
"""HTTP status SageMaker Runtime answers each error type with: InvokeEndpoint's error shapes in
botocore's service model (docs/aws-behaviour.md), and ThrottlingException, the common error
AWS's JSON protocols answer with status 400."""

_PATH = re.compile(r"^/endpoints/([^/]+)/invocations$")


@dataclass(frozen=True)
class Reply:
    """What the fake answers one request with, after sleeping ``delay_s`` seconds."""

    status: int = 200
    body: bytes = b'{"label": "POSITIVE", "score": 0.99}'
    content_type: str = "application/json"
    error_type: str | None = None
    delay_s: float = 0.0
    close_connection: bool = False
    """Close the connection without answering (an endpoint that cannot be reached)."""

    @classmethod
    def error(cls, error_type: str, message: str = "injected error", delay_s: float = 0.0) -> Reply:
        """An error reply with the status SageMaker uses for ``error_type``.

        ``ModelError`` also carries ``OriginalStatusCode`` / ``OriginalMessage`` as the real
        service does. Unknown error types get status 500.
        """
        status = ERROR_STATUS.get(error_type, 500)
        payload: dict[str, Any] = {"message": message}
        if error_type == "ModelError":
            payload["OriginalStatusCode"] = 500
            payload["OriginalMessage"] = message
        return cls(
            status=status,
            body=json.dumps(payload).encode(),
            content_type="application/json",
            error_type=error_type,
            delay_s=delay_s,
        )


@dataclass(frozen=True)
class RecordedRequest:
    """One request the fake received."""

    endpoint_name: str
    headers: dict[str, str]
    body: bytes
    received_at: float


Behaviour = Callable[[int, RecordedRequest], Reply]


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog (5) drops part of a burst of parallel connects
    # (the client retries the SYN a second later); a real endpoint has no such limit.
    request_queue_size = 256
    fake: FakeSageMakerRuntime


class _Handler(BaseHTTPRequestHandler):
    """Answers each request with one send of headers and body together.

    ``http.server`` writes to an unbuffered socket file, so the headers and the body go out
    in two sends; on a keep-alive connection the second send waits for the ACK of the first
    (Nagle) while the client delays that ACK: about 40 ms added to every request, which would
    show up in benchmark latencies. A write buffer larger than any reply keeps both in memory
    until ``handle_one_request`` flushes the response at once (TCP_NODELAY besides).
    """

    server_version = "FakeSageMakerRuntime/1.0"
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    wbufsize = 1 << 20
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or "0")
        body = self.rfile.read(length) if length else b""
        path = urllib.parse.urlsplit(self.path).path
        match = _PATH.match(path)
        if match is None:
            self._send(
                Reply(
                    status=404,
                    body=b'{"message": "no such route"}',
                    error_type="UnknownOperationException",
                )
            )
            return
        request = RecordedRequest(
            endpoint_name=urllib.parse.unquote(match.group(1)),
            headers=dict(self.headers.items()),
            body=body,
            received_at=time.monotonic(),
        )
        reply = self.server.fake._record_and_decide(request)
        if reply.delay_s > 0:
            time.sleep(reply.delay_s)
        if reply.close_connection:
            self.close_connection = True
            return
        self._send(reply)

    def _send(self, reply: Reply) -> None:
        self.send_response(reply.status)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("x-amzn-RequestId", "00000000-0000-0000-0000-000000000000")
        if reply.error_type is not None:
            self.send_header("x-amzn-ErrorType", reply.error_type)
        else:
            self.send_header("x-Amzn-Invoked-Production-Variant", "AllTraffic")
        self.end_headers()
        self.wfile.write(reply.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""


class FakeSageMakerRuntime:
    """InvokeEndpoint on ``http://127.0.0.1:<free port>``; a context manager.

    ``behaviour`` decides each reply: a callable given the 0-based request index (in arrival
    order) and the recorded request, a fixed :class:`Reply`, or ``None`` for ``Reply()``.
    ``requests`` lists what arrived, in order. The server starts on ``__enter__`` and is shut
    down, closed and joined on ``__exit__``.
    """

    def __init__(self, behaviour: Behaviour | Reply | None = None) -> None:
        if behaviour is None:
            behaviour = Reply()
        if isinstance(behaviour, Reply):
            fixed = behaviour
            self._behaviour: Behaviour = lambda _index, _request: fixed
        else:
            self._behaviour = behaviour
        self._lock = threading.Lock()
        self.requests: list[RecordedRequest] = []
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self.url = ""

    def _record_and_decide(self, request: RecordedRequest) -> Reply:
        with self._lock:
            index = len(self.requests)
            self.requests.append(request)
        return self._behaviour(index, request)

    def start(self) -> None:
        """Bind a free port on 127.0.0.1 and serve in a daemon thread."""
        server = _Server(("127.0.0.1", 0), _Handler)
        server.fake = self
        self._server = server
        self.url = f"http://127.0.0.1:{server.server_address[1]}"
        self._thread = threading.Thread(
            target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> FakeSageMakerRuntime:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
