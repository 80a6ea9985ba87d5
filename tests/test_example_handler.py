"""The reference handler (docs/examples/batched-sentiment/code/inference.py), run in-process the
way AWS's Hugging Face inference toolkit runs it.

transformers and torch are not installed here (together about 1 GB), so the model is a minimal
stand-in with the call contract of a transformers text-classification pipeline:
``pipeline(texts, batch_size=n, truncation=True)`` returns one ``{"label", "score"}`` per text,
in order. It records every call, so a test sees how many forward passes a request cost.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from serverless_inference.keep_warm import DEFAULT_PAYLOAD
from tests.support.hf_toolkit import Toolkit
from tests.support.modules import load_module

ROOT = Path(__file__).resolve().parents[1]
HANDLER = ROOT / "docs" / "examples" / "batched-sentiment" / "code" / "inference.py"
MODEL_DIR = "/opt/ml/model"


class FakePipeline:
    """A text-classification pipeline: POSITIVE when the text says "love", in input order."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], dict[str, Any]]] = []

    def __call__(self, texts: list[str], **options: Any) -> list[dict[str, Any]]:
        self.calls.append((list(texts), options))
        return [
            {
                "label": "POSITIVE" if "love" in text else "NEGATIVE",
                "score": round(0.5 + i / 100, 2),
            }
            for i, text in enumerate(texts)
        ]


@pytest.fixture
def handler(monkeypatch: pytest.MonkeyPatch) -> Iterator[ModuleType]:
    monkeypatch.delenv("MAX_BATCH_SIZE", raising=False)
    yield load_module("example_inference", HANDLER)


@pytest.fixture
def loads(handler: ModuleType, monkeypatch: pytest.MonkeyPatch) -> list[FakePipeline]:
    """Every model the handler loaded (``load_pipeline`` replaced by the stand-in)."""
    loaded: list[FakePipeline] = []

    def load(model_dir: str) -> FakePipeline:
        assert model_dir == MODEL_DIR
        loaded.append(FakePipeline())
        return loaded[-1]

    monkeypatch.setattr(handler, "load_pipeline", load)
    return loaded


@pytest.fixture
def toolkit(handler: ModuleType, loads: list[FakePipeline]) -> Toolkit:
    return Toolkit(handler, MODEL_DIR)


def _post(toolkit: Toolkit, body: Any, **options: Any) -> tuple[int, Any]:
    response = toolkit.invoke(json.dumps(body).encode(), **options)
    return response.status, json.loads(response.body) if response.status == 200 else response.body


def test_the_model_loads_once_per_environment_and_serves_every_request(
    toolkit: Toolkit, handler: ModuleType, loads: list[FakePipeline]
) -> None:
    for text in ("I love this", "meh", "I love that"):
        assert _post(toolkit, {"inputs": text})[0] == 200
    assert handler.model_fn(MODEL_DIR) is toolkit.model  # a second load returns the same model
    assert len(loads) == 1
    assert len(loads[0].calls) == 3


def test_one_text_gets_one_answer_in_a_list(toolkit: Toolkit, loads: list[FakePipeline]) -> None:
    assert _post(toolkit, {"inputs": "I love this"}) == (
        200,
        [{"label": "POSITIVE", "score": 0.5}],
    )
    assert loads[0].calls == [(["I love this"], {"batch_size": 1, "truncation": True})]


def test_a_list_is_one_forward_pass_with_answers_in_the_same_order(
    toolkit: Toolkit, loads: list[FakePipeline]
) -> None:
    texts = ["I love this", "I hate this", "so-so", "I love it all"]
    status, answers = _post(toolkit, {"inputs": texts})
    assert status == 200
    assert loads[0].calls == [(texts, {"batch_size": 4, "truncation": True})]
    assert [a["label"] for a in answers] == ["POSITIVE", "NEGATIVE", "NEGATIVE", "POSITIVE"]
    assert [a["score"] for a in answers] == [0.5, 0.51, 0.52, 0.53]


def test_the_keep_warm_ping_is_answered_without_the_model(
    toolkit: Toolkit, handler: ModuleType, loads: list[FakePipeline]
) -> None:
    # KeepWarm's default payload, byte for byte, is what the handler recognises
    assert json.loads(DEFAULT_PAYLOAD) == handler.PING
    response = toolkit.invoke(DEFAULT_PAYLOAD.encode())
    assert (response.status, json.loads(response.body)) == (200, {"warm": True})
    assert loads[0].calls == []


@pytest.mark.parametrize(
    ("body", "content_type", "accept", "message"),
    [
        (b"{not json", "application/json", None, "the body is not JSON: "),
        (
            b'{"inputs": "x"}',
            "text/plain",
            None,
            "Content-Type must be application/json, got 'text/plain'",
        ),
        (b'{"text": "x"}', "application/json", None, 'the body must be {"inputs": "a text"}'),
        (b'["x"]', "application/json", None, 'the body must be {"inputs": "a text"}'),
        (b'{"inputs": "x", "parameters": {}}', "application/json", None, "the body must be"),
        (b'{"inputs": []}', "application/json", None, '"inputs" must be a text or a list of texts'),
        (b'{"inputs": ["a", 2]}', "application/json", None, "none of them empty"),
        (b'{"inputs": ["a", " "]}', "application/json", None, "none of them empty"),
        (b'{"inputs": 42}', "application/json", None, '"inputs" must be a text'),
        (
            b'{"inputs": "x"}',
            "application/json",
            "text/csv",
            "Accept must be application/json, got 'text/csv'",
        ),
    ],
)
def test_malformed_requests_get_a_400_with_a_message_and_never_reach_the_model(
    toolkit: Toolkit,
    loads: list[FakePipeline],
    body: bytes,
    content_type: str,
    accept: str | None,
    message: str,
) -> None:
    response = toolkit.invoke(body, content_type=content_type, accept=accept)
    assert response.status == 400
    assert message in response.body
    # only a bad Accept is found after the forward pass (output_fn), the others before it
    assert len(loads[0].calls) == (1 if accept else 0)


def test_json_with_a_charset_and_any_accept_are_served(toolkit: Toolkit) -> None:
    # the toolkit decodes only bodies whose Content-Type is exactly a UTF-8 type: bytes here
    response = toolkit.invoke(
        b'{"inputs": "I love this"}', content_type="application/json; charset=utf-8", accept="*/*"
    )
    assert (response.status, response.content_type) == (200, "application/json")
    assert json.loads(response.body) == [{"label": "POSITIVE", "score": 0.5}]


def test_requests_over_the_batch_limit_are_refused(
    monkeypatch: pytest.MonkeyPatch, loads: list[FakePipeline]
) -> None:
    monkeypatch.setenv("MAX_BATCH_SIZE", "2")
    handler = load_module("example_inference_small_batches", HANDLER)
    monkeypatch.setattr(handler, "load_pipeline", lambda model_dir: FakePipeline())
    toolkit = Toolkit(handler, MODEL_DIR)
    assert _post(toolkit, {"inputs": ["a", "b"]})[0] == 200
    assert _post(toolkit, {"inputs": ["a", "b", "c"]}) == (
        400,
        '"inputs" holds 3 texts; at most 2 (MAX_BATCH_SIZE)',
    )


@pytest.mark.parametrize("value", ["0", "257", "many", "-1", "1.5"])
def test_fails_at_start_up_when_max_batch_size_is_invalid(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("MAX_BATCH_SIZE", value)
    with pytest.raises(
        ValueError, match=f"MAX_BATCH_SIZE must be a whole number from 1 to 256, got '{value}'"
    ):
        load_module("example_inference_invalid", HANDLER)


def test_a_model_that_loses_answers_is_an_error_not_a_shifted_reply(
    handler: ModuleType, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(handler, "load_pipeline", lambda model_dir: lambda texts, **_: [{}])
    response = Toolkit(handler, MODEL_DIR).invoke(b'{"inputs": ["a", "b"]}')
    assert (response.status, response.body) == (400, "the model answered 1 times for 2 texts")
