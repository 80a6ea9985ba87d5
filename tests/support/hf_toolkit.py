"""AWS's Hugging Face inference toolkit, as far as a handler module sees it, in-process.

Mirrors ``HuggingFaceHandlerService`` of aws/sagemaker-huggingface-inference-toolkit
(``handler_service.py``): ``initialize`` loads the model once with the module's ``model_fn``;
``handle`` decodes a UTF-8 body (JSON is one of them), sets a missing or ``*/*`` ``Accept`` to
``application/json``, runs ``input_fn``, ``predict_fn`` and ``output_fn`` with the context as
last argument when the function takes it, and turns any exception into a
``PredictionException(str(e), 400)``: status 400 with the exception's text.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

JSON = "application/json"
UTF8_TYPES = (JSON, "text/csv", "text/plain")
"""``content_types.UTF8_TYPES`` of the toolkit: bodies of these types are decoded to ``str``."""


@dataclass(frozen=True)
class Response:
    status: int
    body: str
    content_type: str | None = None


def _call(function: Callable[..., Any], defaults: int, *args: Any) -> Any:
    """Call with the toolkit's context as last argument when the function takes one more
    parameter than the toolkit's own (``function_extra_arg``)."""
    taken = len(inspect.signature(function).parameters)
    return function(*args, None) if taken == defaults + 1 else function(*args)


class Toolkit:
    """The model server's view of one handler module: load once, then serve requests."""

    def __init__(self, handler: ModuleType, model_dir: str) -> None:
        self.handler = handler
        self.model = _call(handler.model_fn, 1, model_dir)

    def invoke(self, body: bytes, content_type: str = JSON, accept: str | None = None) -> Response:
        try:
            accept = JSON if not accept or accept == "*/*" else accept
            data: bytes | str = body.decode("utf-8") if content_type in UTF8_TYPES else body
            request = _call(self.handler.input_fn, 2, data, content_type)
            prediction = _call(self.handler.predict_fn, 2, request, self.model)
            answer = _call(self.handler.output_fn, 2, prediction, accept)
        except Exception as error:  # the toolkit's handle(): PredictionException(str(e), 400)
            return Response(400, str(error))
        return Response(200, answer, accept)
