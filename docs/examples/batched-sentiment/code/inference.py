"""A handler for AWS's Hugging Face inference toolkit: a text classifier on a serverless endpoint.

- The model loads once per execution environment: the toolkit calls ``model_fn`` when the
  model server starts, before ``/ping`` answers, and keeps what it returns for every request.
- A request carries one text or a list of texts: ``{"inputs": "I love this"}`` or
  ``{"inputs": ["I love this", "I hate this"]}``. The texts go through the model as one batch
  (one forward pass) and the answers come back in the order of the texts, one
  ``{"label": ..., "score": ...}`` each (the toolkit's own answer for one text looks the same).
- The keep-warm ping, ``{"inputs": "keep warm"}`` (``KeepWarm``'s default payload), is
  answered ``{"warm": true}`` without running the model: the environment stays warm for the
  price of parsing a small JSON body.
- A request this handler cannot serve raises ``ValueError`` with a message for the caller: the
  toolkit answers it with status 400 and that message (SageMaker passes it on as a
  ``ModelError`` whose ``OriginalStatusCode`` is 400).

Environment variables of the model:

- ``MAX_BATCH_SIZE``: the most texts one request may carry, 1..256. Default: 32.
- ``HF_TASK``: the transformers pipeline task. Default: ``text-classification``.
"""

import json
import os
import threading
from dataclasses import dataclass
from typing import Any

PING = {"inputs": "keep warm"}
"""The keep-warm ping: ``KeepWarm``'s default payload."""
PING_ANSWER = {"warm": True}
JSON = "application/json"
DEFAULT_TASK = "text-classification"
BATCH_SIZE_LIMIT = 256


def _max_batch_size() -> int:
    text = os.environ.get("MAX_BATCH_SIZE", "32")
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= BATCH_SIZE_LIMIT:
        raise ValueError(
            f"MAX_BATCH_SIZE must be a whole number from 1 to {BATCH_SIZE_LIMIT}, got {text!r}"
        )
    return int(text)


MAX_BATCH_SIZE = _max_batch_size()
"""Read when the model server imports this module: a bad value fails the start, not requests."""

_lock = threading.Lock()
_pipelines: dict[str, Any] = {}


@dataclass(frozen=True)
class Request:
    """What ``input_fn`` hands to ``predict_fn``."""

    texts: tuple[str, ...]
    ping: bool = False


def load_pipeline(model_dir: str) -> Any:
    """The transformers pipeline of the model in ``model_dir``.

    With ``HF_MODEL_ID`` set, the toolkit downloads that model from the Hugging Face Hub and
    ``model_dir`` is the download; without it, ``model_dir`` is the unpacked model.tar.gz.
    transformers is imported here, not at the top: AWS's image has it, this handler's tests
    run without it.
    """
    from transformers import pipeline

    task = os.environ.get("HF_TASK", DEFAULT_TASK)
    return pipeline(task, model=model_dir, tokenizer=model_dir, device=-1)


def model_fn(model_dir: str, context: Any = None) -> Any:
    """Load the model once per environment and keep it (the toolkit calls this at start-up)."""
    with _lock:
        if model_dir not in _pipelines:
            _pipelines[model_dir] = load_pipeline(model_dir)
        return _pipelines[model_dir]


def _media_type(header: str | None) -> str:
    return (header or "").split(";")[0].strip().lower()


def input_fn(input_data: bytes | str, content_type: str, context: Any = None) -> Request:
    """The texts of a request (or the ping); ``ValueError`` with a message for the caller."""
    if _media_type(content_type) != JSON:
        raise ValueError(f"Content-Type must be {JSON}, got {content_type!r}")
    try:
        body = json.loads(input_data)
    except ValueError as error:
        raise ValueError(f"the body is not JSON: {error}") from None
    if body == PING:
        return Request((), ping=True)
    if not isinstance(body, dict) or set(body) != {"inputs"}:
        raise ValueError('the body must be {"inputs": "a text"} or {"inputs": ["a text", ...]}')
    inputs = body["inputs"]
    texts = [inputs] if isinstance(inputs, str) else inputs
    if (
        not isinstance(texts, list)
        or not texts
        or not all(isinstance(text, str) and text.strip() for text in texts)
    ):
        raise ValueError('"inputs" must be a text or a list of texts, none of them empty')
    if len(texts) > MAX_BATCH_SIZE:
        raise ValueError(
            f'"inputs" holds {len(texts)} texts; at most {MAX_BATCH_SIZE} (MAX_BATCH_SIZE)'
        )
    return Request(tuple(texts))


def predict_fn(request: Request, model: Any, context: Any = None) -> Any:
    """One forward pass over all texts of the request; the ping never reaches the model."""
    if request.ping:
        return PING_ANSWER
    texts = list(request.texts)
    predictions = model(texts, batch_size=len(texts), truncation=True)
    if len(predictions) != len(texts):
        raise RuntimeError(f"the model answered {len(predictions)} times for {len(texts)} texts")
    return predictions


def output_fn(prediction: Any, accept: str, context: Any = None) -> str:
    """The answer as JSON (the toolkit sets ``Accept`` to JSON when the caller sent none)."""
    if _media_type(accept) not in (JSON, "*/*"):
        raise ValueError(f"Accept must be {JSON}, got {accept!r}")
    return json.dumps(prediction)
