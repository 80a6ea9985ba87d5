"""The props of ``ModelFanOut`` (:class:`FanOutOptions`), their defaults and their checks."""

import math
import re
from collections.abc import Collection
from typing import Any, Final, TypedDict

from aws_cdk import Duration
from aws_cdk import aws_logs as logs

from serverless_inference.validation import Problems
from serverless_inference_runtime.fan_out import contract
from serverless_inference_runtime.limits import INVOCATION_TIMEOUT_SECONDS

DEFAULT_DEADLINE: Final = Duration.seconds(contract.DEFAULT_DEADLINE_SECONDS)
DEFAULT_MEMORY_SIZE_MB: Final = 512
"""Room (and CPU, which Lambda gives in proportion to memory) to parse and encode answers of up
to the 6 MB a function may return; the calls themselves only wait."""
DEFAULT_LOG_RETENTION: Final = logs.RetentionDays.ONE_MONTH
MIN_MEMBERS: Final = 2
MIN_MEMBER_TIMEOUT_MS: Final = 100
MAX_MEMBER_TIMEOUT_MS: Final = INVOCATION_TIMEOUT_SECONDS * 1000
"""SageMaker gives ``/invocations`` 60 s: waiting longer for a member is waiting for nothing."""
MAX_DEADLINE_MS: Final = (
    INVOCATION_TIMEOUT_SECONDS - contract.FUNCTION_TIMEOUT_MARGIN_SECONDS
) * 1000
"""The function (deadline + 2 s) must answer within API Gateway's longest integration timeout
(60 s, regional APIs with a raised quota)."""
MIN_MEMORY_SIZE_MB: Final = 128
MAX_MEMORY_SIZE_MB: Final = 10240


class FanOutOptions(TypedDict, total=False):
    """The props of ``ModelFanOut`` besides its members. Keyword arguments of ``ModelFanOut``
    and of ``ServerlessInference.add_fan_out``; a key that is not one of these is refused with
    the list of known props."""

    deadline: Duration
    """How long a request may take as a whole (members that have not answered by then are
    timeouts), at most 58 s; the function's timeout is this plus 2 s, which must fit the
    API's integration timeout. Default: 25 seconds."""
    member_timeout: Duration
    """How long one member may take to answer (100 ms..60 s, at most the deadline; a cold
    start counts). Default: the deadline."""
    memory_size_mb: int
    """Memory of the function, 128..10240 MB. Default: 512."""
    log_retention: logs.RetentionDays
    """Retention of the function's log group (one JSON line per request). Default: one
    month."""


def function_timeout_seconds(deadline_ms: float) -> int:
    """The function's timeout: the deadline, rounded up to a second, plus the margin."""
    return math.ceil(deadline_ms / 1000) + contract.FUNCTION_TIMEOUT_MARGIN_SECONDS


def check_members(problems: Problems, required: Collection[Any], optional: Collection[Any]) -> None:
    """The members' names: valid, each once across ``required`` and ``optional``, 2 to 10."""
    for group, names in (("required", required), ("optional", optional)):
        for name in names:
            if not isinstance(name, str) or not re.match(contract.MEMBER_NAME_PATTERN, name):
                problems.add(
                    group,
                    name,
                    f"member names matching {contract.MEMBER_NAME_PATTERN} (they key the answer)",
                )
    for name in set(required) & set(optional):
        problems.add("optional", name, "names that are not required members too")
    count = len(required) + len(optional)
    if not MIN_MEMBERS <= count <= contract.MAX_MEMBERS:
        problems.add(
            "required",
            f"{count} member(s): " + ", ".join(str(n) for n in [*required, *optional]),
            f"{MIN_MEMBERS} to {contract.MAX_MEMBERS} members across required and optional (a "
            "fan-out over one model is its own route: InferenceApi.add_endpoint)",
        )


def check_fan_out_props(
    problems: Problems, *, deadline_ms: float, member_timeout_ms: float, memory_size_mb: Any
) -> None:
    """Record every problem with these ``ModelFanOut`` props: the member timeout within
    SageMaker's invocation limit and the deadline, the deadline within 58 s."""
    if not MIN_MEMBER_TIMEOUT_MS <= member_timeout_ms <= MAX_MEMBER_TIMEOUT_MS:
        problems.add(
            "member_timeout",
            _seconds(member_timeout_ms),
            f"from {MIN_MEMBER_TIMEOUT_MS} ms to {INVOCATION_TIMEOUT_SECONDS} s (SageMaker gives "
            f"/invocations {INVOCATION_TIMEOUT_SECONDS} s)",
        )
    elif member_timeout_ms > deadline_ms:
        problems.add(
            "member_timeout",
            _seconds(member_timeout_ms),
            f"at most the deadline ({_seconds(deadline_ms)})",
        )
    if not MIN_MEMBER_TIMEOUT_MS <= deadline_ms <= MAX_DEADLINE_MS:
        problems.add(
            "deadline",
            _seconds(deadline_ms),
            f"from {MIN_MEMBER_TIMEOUT_MS} ms to {MAX_DEADLINE_MS // 1000} s (the function, "
            f"{contract.FUNCTION_TIMEOUT_MARGIN_SECONDS} s longer, must answer within API "
            f"Gateway's longest integration timeout, {INVOCATION_TIMEOUT_SECONDS} s)",
        )
    problems.check_int_range(
        "memory_size_mb", memory_size_mb, MIN_MEMORY_SIZE_MB, MAX_MEMORY_SIZE_MB
    )


def check_route_timeout(
    problems: Problems, *, deadline_ms: float, integration_timeout_ms: float
) -> None:
    """The function must answer before API Gateway gives up on it: its timeout (the deadline
    rounded up, plus 2 s) within the API's integration timeout."""
    timeout_s = function_timeout_seconds(deadline_ms)
    if timeout_s * 1000 > integration_timeout_ms:
        most = integration_timeout_ms / 1000 - contract.FUNCTION_TIMEOUT_MARGIN_SECONDS
        problems.add(
            "deadline",
            _seconds(deadline_ms),
            f"at most {math.floor(most):g} s: the function may run {timeout_s} s (the deadline "
            f"rounded up plus {contract.FUNCTION_TIMEOUT_MARGIN_SECONDS} s), longer than the "
            f"API's integration_timeout ({integration_timeout_ms / 1000:g} s), after which API "
            "Gateway answers 504 while the members still run",
        )


def _seconds(milliseconds: float) -> str:
    return f"{milliseconds / 1000:g} s"
