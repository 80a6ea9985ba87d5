"""scripts/smoke_test.py against a local HTTP server on 127.0.0.1: signing, answers, retries.

The script is loaded by path (``scripts`` is no package) and run in-process with fake
credentials in the environment; one test runs it as the pipeline does, as a subprocess.
"""

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import botocore
import pytest
from moto.server import ThreadedMotoServer

from tests.support.modules import load_module

SCRIPT = Path(__file__).resolve().parents[1] / "scripts" / "smoke_test.py"
RIGHT_ANSWER = '[{"label": "POSITIVE", "score": 0.9998}]'
WRONG_ANSWER = '{"message": "model not loaded"}'
FAKE_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "AKIDSMOKETEST",
    "AWS_SECRET_ACCESS_KEY": "fake-secret",
    "AWS_SESSION_TOKEN": "fake-token",
}


smoke_test = load_module("smoke_test_script", SCRIPT)


@dataclass
class FakeApi:
    """A local stand-in for API Gateway: answers from a script, records every request."""

    url: str
    answers: list[tuple[int, str]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def isolated_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Fake credentials only: no profile files, no instance or container metadata lookups."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    for name, value in FAKE_CREDENTIALS.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def api(isolated_env: None) -> Iterator[FakeApi]:
    """The fake API on a free port of 127.0.0.1, stopped after the test."""
    fake = FakeApi(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            fake.requests.append(
                {"path": self.path, "headers": dict(self.headers), "body": body.decode()}
            )
            if "AWS4-HMAC-SHA256" not in self.headers.get("Authorization", ""):
                status, text = 403, '{"message": "Missing Authentication Token"}'
            else:
                status, text = fake.answers.pop(0) if fake.answers else (500, "no answer left")
            data = text.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}/v1/predict"
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def _run(capsys: pytest.CaptureFixture[str], url: str, *extra: str) -> tuple[int, dict[str, Any]]:
    code = smoke_test.main(
        ["--url", url, "--region", "eu-west-1", "--backoff", "0", "--timeout", "5", *extra]
    )
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1, lines
    return code, json.loads(lines[0])


def test_passes_on_the_right_answer_with_a_sigv4_signed_request(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN an API that answers like the sentiment model
    api.answers = [(200, RIGHT_ANSWER)]
    # WHEN the smoke test posts the default payload
    code, result = _run(capsys, api.url)
    # THEN it passes, after one request signed for execute-api with the fake credentials
    assert code == 0
    assert result["result"] == "pass"
    assert result["status"] == 200
    assert result["attempts"] == 1
    assert "POSITIVE" in result["response"]
    (request,) = api.requests
    assert request["path"] == "/v1/predict"
    assert json.loads(request["body"]) == {"inputs": "I love this"}
    authorization = request["headers"]["Authorization"]
    assert authorization.startswith("AWS4-HMAC-SHA256 Credential=AKIDSMOKETEST/")
    assert "/eu-west-1/execute-api/aws4_request" in authorization
    assert request["headers"]["X-Amz-Security-Token"] == "fake-token"
    assert request["headers"]["Content-Type"] == "application/json"


def test_sends_the_given_payload_and_matches_a_regular_expression(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    api.answers = [(200, RIGHT_ANSWER)]
    code, result = _run(
        capsys,
        api.url,
        "--payload",
        '{"inputs": "great", "parameters": {"top_k": 1}}',
        "--expect",
        r'"label":\s*"POSITIVE"',
    )
    assert (code, result["result"]) == (0, "pass")
    assert json.loads(api.requests[0]["body"]) == {
        "inputs": "great",
        "parameters": {"top_k": 1},
    }


def test_fails_when_the_answer_is_wrong(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    api.answers = [(200, WRONG_ANSWER)]
    code, result = _run(capsys, api.url)
    assert code == 1
    assert result["result"] == "fail"
    assert result["reason"] == "the answer does not contain 'label'"
    assert result["response"] == WRONG_ANSWER


def test_retries_a_cold_start_503_then_passes(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    api.answers = [(503, '{"message": "Service Unavailable"}'), (200, RIGHT_ANSWER)]
    code, result = _run(capsys, api.url)
    assert (code, result["result"], result["attempts"]) == (0, "pass", 2)
    first, second = (request["headers"]["Authorization"] for request in api.requests)
    assert first.startswith("AWS4-HMAC-SHA256") and second.startswith("AWS4-HMAC-SHA256")


def test_fails_when_504_persists_after_the_retries(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    api.answers = [(504, '{"message": "Endpoint request timed out"}')] * 3
    code, result = _run(capsys, api.url, "--retries", "2")
    assert code == 1
    assert (result["result"], result["status"], result["attempts"]) == ("fail", 504, 3)
    assert result["reason"] == "HTTP 504"


def test_fails_at_once_on_a_500(api: FakeApi, capsys: pytest.CaptureFixture[str]) -> None:
    api.answers = [(500, '{"message": "Internal server error"}'), (200, RIGHT_ANSWER)]
    code, result = _run(capsys, api.url)
    assert code == 1
    assert (result["result"], result["status"], result["attempts"]) == ("fail", 500, 1)
    assert len(api.requests) == 1


def test_fails_when_nothing_answers_after_the_retries(
    isolated_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    closed_port = server.server_address[1]
    server.server_close()
    code, result = _run(capsys, f"http://127.0.0.1:{closed_port}/v1/predict", "--retries", "1")
    assert code == 1
    assert (result["status"], result["attempts"]) == (None, 2)
    assert result["reason"].startswith("no answer")


@pytest.mark.parametrize(
    ("extra", "reason"),
    [
        (["--payload", "{not json"], "--payload must be JSON"),
        (["--timeout", "0"], "--timeout must be more than 0 seconds, got 0.0"),
        (["--retries", "-1"], "--retries must be 0 or more, got -1"),
        (["--expect", ""], "--expect must not be empty"),
    ],
)
def test_fails_with_exit_2_on_bad_arguments(
    api: FakeApi, capsys: pytest.CaptureFixture[str], extra: list[str], reason: str
) -> None:
    code, result = _run(capsys, api.url, *extra)
    assert code == 2
    assert result["result"] == "error"
    assert result["reason"].startswith(reason)
    assert api.requests == []


def test_fails_with_exit_2_on_a_url_that_is_not_http(
    isolated_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    code, result = _run(capsys, "ftp://example.com/predict")
    assert code == 2
    assert result["reason"] == "--url must be an http(s) URL, got 'ftp://example.com/predict'"


def test_fails_with_exit_2_without_credentials(
    api: FakeApi, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in FAKE_CREDENTIALS:
        monkeypatch.delenv(name)
    code, result = _run(capsys, api.url)
    assert code == 2
    assert result["reason"] == "no AWS credentials found (environment, profile or role)"
    assert api.requests == []


def test_fails_with_exit_2_without_a_region(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    code = smoke_test.main(["--url", api.url])
    result = json.loads(capsys.readouterr().out)
    assert code == 2
    assert result["reason"] == "no region: pass --region or set AWS_REGION"


def test_fails_with_exit_2_without_a_url(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as raised:
        smoke_test.main([])
    assert raised.value.code == 2
    assert "--url" in capsys.readouterr().err


@pytest.fixture
def local_sts(isolated_env: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """STS answered by moto on 127.0.0.1, so assuming a role never reaches AWS."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    monkeypatch.setenv("AWS_ENDPOINT_URL_STS", f"http://{host}:{port}")
    try:
        yield
    finally:
        server.stop()


def test_signs_as_the_assumed_role(
    api: FakeApi, local_sts: None, capsys: pytest.CaptureFixture[str]
) -> None:
    # GIVEN the stage's smoke-test role (in another account)
    api.answers = [(200, RIGHT_ANSWER)]
    role_arn = "arn:aws:iam::210987654321:role/ServerlessInference-prod-SmokeTestRole-ABC"
    # WHEN the smoke test runs with --role-arn
    code, result = _run(capsys, api.url, "--role-arn", role_arn)
    # THEN the request is signed with the role's temporary credentials, not the caller's
    assert (code, result["result"]) == (0, "pass")
    headers = api.requests[0]["headers"]
    assert headers["Authorization"].startswith("AWS4-HMAC-SHA256 Credential=ASIA")
    assert "AKIDSMOKETEST" not in headers["Authorization"]
    assert headers["X-Amz-Security-Token"] != FAKE_CREDENTIALS["AWS_SESSION_TOKEN"]


def test_fails_with_exit_2_on_a_role_arn_that_is_not_one(
    api: FakeApi, capsys: pytest.CaptureFixture[str]
) -> None:
    code, result = _run(capsys, api.url, "--role-arn", "SmokeTestRole")
    assert code == 2
    assert result["reason"] == "--role-arn must be an IAM role ARN, got 'SmokeTestRole'"


@pytest.mark.parametrize(
    ("url", "region", "expected"),
    [
        ("https://a1b2c3.execute-api.eu-west-1.amazonaws.com/v1/predict", None, "eu-west-1"),
        ("https://a1b2c3.execute-api.cn-north-1.amazonaws.com.cn/v1/predict", None, "cn-north-1"),
        ("https://a1b2c3.execute-api.eu-west-1.amazonaws.com/v1/predict", "us-east-1", "us-east-1"),
    ],
)
def test_signs_for_the_region_of_the_api(url: str, region: str | None, expected: str) -> None:
    assert smoke_test.resolve_region(url, region) == expected


def test_runs_as_a_standalone_script(api: FakeApi) -> None:
    api.answers = [(503, "{}"), (200, RIGHT_ANSWER)]
    completed = subprocess.run(
        [sys.executable, str(SCRIPT), "--url", api.url, "--backoff", "0"],
        env={**os.environ, "AWS_REGION": "eu-west-1"},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    result = json.loads(completed.stdout)
    assert (result["result"], result["region"], result["attempts"]) == ("pass", "eu-west-1", 2)


def test_runs_from_the_checkout_with_botocore_only_and_loads_no_cli_library(api: FakeApi) -> None:
    # GIVEN an interpreter without site processing: the installed (editable) command-line tool
    # is not importable, only the packages of site-packages on PYTHONPATH (botocore...)
    site_packages = Path(botocore.__file__).resolve().parents[1]
    api.answers = [(200, RIGHT_ANSWER)]
    probe = (
        "import runpy, sys\n"
        f"sys.argv = ['smoke_test.py', '--url', {api.url!r}, '--region', 'eu-west-1']\n"
        "try:\n"
        f"    runpy.run_path({str(SCRIPT)!r}, run_name='__main__')\n"
        "except SystemExit as exit:\n"
        "    heavy = {'rich', 'matplotlib', 'numpy', 'aws_cdk', 'serverless_inference'}\n"
        "    loaded = sorted(m for m in sys.modules if m.split('.')[0] in heavy)\n"
        "    print('exit', exit.code, 'loaded', loaded)\n"
    )
    # WHEN the smoke test runs as the pipeline runs it (python scripts/smoke_test.py ...)
    completed = subprocess.run(
        [sys.executable, "-S", "-c", probe],
        env={**os.environ, "PYTHONPATH": str(site_packages)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    # THEN it passes, importing the shared signed POST from cli/ and none of the tool's
    # terminal, plotting or CDK libraries
    assert completed.returncode == 0, completed.stderr
    *_, last = completed.stdout.splitlines()
    assert last == "exit 0 loaded []"
    assert '"result": "pass"' in completed.stdout
