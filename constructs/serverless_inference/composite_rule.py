"""What the composite "service unhealthy" alarm may hold: CloudWatch's limits on its rule and
description, checked before anything reaches CloudFormation.

``PutCompositeAlarm`` takes at most 100 alarms in a rule (``AlarmRule``: at most 10,240
characters) and a description (``AlarmDescription``) of at most 1,024 characters. The rule
names each child by its ARN, which CloudFormation resolves at deploy time: its length is
estimated from the alarm names, with the longest partition and region when the stack's own are
not known at synthesis.
"""

from collections.abc import Collection, Sequence
from functools import cache
from typing import Final

from aws_cdk.region_info import RegionInfo

from serverless_inference.alarm_specs import CRITICAL_KINDS, alarm_name
from serverless_inference.validation import Problems, is_token

MAX_CHILDREN: Final = 100
"""Alarms one composite rule may name."""
MAX_RULE_CHARS: Final = 10_240
"""Length of ``AlarmRule``."""
MAX_DESCRIPTION_CHARS: Final = 1_024
"""Length of ``AlarmDescription``."""
MAX_ALARM_NAME_CHARS: Final = 255
"""Length of an alarm's name (the length assumed for a name unknown at synthesis)."""
ACCOUNT_ID_CHARS: Final = 12

_TERM: Final = 'ALARM("")'
_OR: Final = " OR "


@cache
def _longest(values: tuple[str, ...]) -> int:
    return max(len(value) for value in values)


def alarm_arn_prefix_chars(partition: str | None, region: str | None) -> int:
    """The length of ``arn:<partition>:cloudwatch:<region>:<account>:alarm:``; a partition or
    region unknown at synthesis (``None`` or a token) counts as the longest aws-cdk-lib knows."""
    regions = tuple(info.name for info in RegionInfo.regions)
    partitions = tuple(str(info.partition) for info in RegionInfo.regions)
    return (
        len("arn::cloudwatch:::alarm:")
        + _chars(partition, partitions)
        + _chars(region, regions)
        + ACCOUNT_ID_CHARS
    )


def _chars(value: str | None, candidates: tuple[str, ...]) -> int:
    """The length of ``value``, or of the longest candidate when it is unknown."""
    return _longest(candidates) if value is None or is_token(value) else len(value)


def rule_chars(alarm_names: Sequence[str], arn_prefix_chars: int) -> int:
    """The length of ``(ALARM("<arn>") OR ALARM("<arn>") ...)`` over ``alarm_names`` (a
    token name counts as the longest an alarm name may be)."""
    names = sum(MAX_ALARM_NAME_CHARS if is_token(n) else len(n) for n in alarm_names)
    count = len(alarm_names)
    return 2 + count * (len(_TERM) + arn_prefix_chars) + names + max(0, count - 1) * len(_OR)


_REMEDY: Final = (
    "watch fewer models and fan-outs with one EndpointAlarms (a second one pages on its own), "
    "use shorter names, or disable critical kinds"
)


def check_children(
    problems: Problems, name: str, value: object, alarm_names: Sequence[str], arn_prefix_chars: int
) -> None:
    """A problem for ``name`` (holding ``value``, what was added) when the composite rule over
    ``alarm_names`` would name more than :data:`MAX_CHILDREN` alarms or be longer than
    :data:`MAX_RULE_CHARS`."""
    count = len(alarm_names)
    chars = rule_chars(alarm_names, arn_prefix_chars)
    if count > MAX_CHILDREN:
        problems.add(
            name,
            value,
            f"one the composite alarm has room for: its rule may name at most {MAX_CHILDREN} "
            f"alarms (CloudWatch PutCompositeAlarm), and would name {count} critical alarms; "
            + _REMEDY,
        )
    elif chars > MAX_RULE_CHARS:
        problems.add(
            name,
            value,
            f"one the composite alarm has room for: its rule may be {MAX_RULE_CHARS} characters "
            f"long (CloudWatch PutCompositeAlarm), and would be up to {chars} for {count} "
            "critical alarms; " + _REMEDY,
        )


def description(head: str, keys: Sequence[str], tail: str) -> str:
    """``head (key, key, ...)tail``, naming as many ``keys`` as fit in
    :data:`MAX_DESCRIPTION_CHARS`, then ``and N more: see the alarm rule``."""
    for shown in range(len(keys), -1, -1):
        rest = len(keys) - shown
        listed = ", ".join(keys[:shown])
        more = f"and {rest} more: see the alarm rule" if rest else ""
        text = f"{head} ({', '.join(part for part in (listed, more) if part)}){tail}"
        if len(text) <= MAX_DESCRIPTION_CHARS:
            return text
    return f"{head}{tail}"[:MAX_DESCRIPTION_CHARS]


def critical_alarm_names(
    prefix: str,
    model_names: Sequence[str],
    fan_out_names: Sequence[str],
    *,
    api: bool,
    disabled: Collection[str],
) -> list[str]:
    """The names of the critical alarms ``EndpointAlarms`` makes for the named models (the
    API's too when ``api``) and fan-outs, but the ``disabled`` kinds: what the composite's
    rule names. A kind is the API's when it starts with ``api_``, a fan-out's with
    ``fan_out_``, else the endpoint's."""
    kinds = sorted(kind.value for kind in CRITICAL_KINDS if kind.value not in disabled)
    fan_out_kinds = [kind for kind in kinds if kind.startswith("fan_out_")]
    api_kinds = [kind for kind in kinds if kind.startswith("api_")] if api else []
    endpoint_kinds = [kind for kind in kinds if not kind.startswith(("api_", "fan_out_"))]
    keys = [f"{model}-{kind}" for model in model_names for kind in endpoint_kinds]
    keys += api_kinds
    keys += [f"{fan_out}-{kind}" for fan_out in fan_out_names for kind in fan_out_kinds]
    return [alarm_name(prefix, key) for key in keys]
