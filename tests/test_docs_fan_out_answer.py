"""The fan-out answer docs/model-fan-out.md shows is the handler's: the same request against the
fake SageMaker Runtime, two members answering what the page shows and the optional one
throttled, gives that document (latencies aside)."""

import json
from typing import Any

from tests.support.fake_runtime import Reply
from tests.support.lambda_env import SettableFake
from tests.support.markdown import code_blocks
from tests.test_fan_out_handler import body_of, environment, fake, invoke, replying

__all__ = ["environment", "fake"]  # the handler tests' fixtures: its members and the fake

PAGE = "docs/model-fan-out.md"


def _documented_answer() -> dict[str, Any]:
    (answer,) = [
        json.loads(block.text)
        for block in code_blocks(PAGE)
        if block.language == "json" and '"members"' in block.text
    ]
    return dict(answer)


def _without_latencies(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_latencies(v) for k, v in value.items() if k != "latencyMs"}
    return value


def test_the_documented_answer_is_the_handlers(fake: SettableFake) -> None:
    documented = _documented_answer()
    members = documented["members"]
    fake.set_behaviour(
        replying(
            {
                name: Reply(body=json.dumps(members[name]["answer"]).encode())
                for name in ("sentiment", "entities")
            }
            | {"topic": Reply.error("ThrottlingException", "Rate exceeded")}
        )
    )
    response = invoke()
    assert response["statusCode"] == 200
    assert _without_latencies(body_of(response)) == _without_latencies(documented)
