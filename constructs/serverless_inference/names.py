"""The names of the models and fan-outs of one deployment: parts of alarm names, routes and
construct ids."""

import re
from collections.abc import Collection
from typing import Any, Final

from constructs import Construct

from serverless_inference.validation import Problems

NAME_PATTERN: Final = r"^[a-z][a-z0-9-]{0,31}$"


def check_name(problems: Problems, prop: str, name: Any, taken: Collection[str]) -> None:
    """``name`` must match :data:`NAME_PATTERN` and be none of ``taken``."""
    if not isinstance(name, str) or not re.match(NAME_PATTERN, name):
        problems.add(prop, name, f"a name matching {NAME_PATTERN}")
    elif name in taken:
        problems.add(prop, name, "a name not used yet (" + ", ".join(sorted(taken)) + ")")


def construct_id(name: str) -> str:
    """The construct id of a name: ``entities`` -> ``Entities``, ``ticket-v2`` -> ``TicketV2``."""
    return "".join(part.capitalize() for part in name.split("-"))


def named_scope(parent: Construct, group: str, name: str) -> Construct:
    """``<group>/<Name>`` in ``parent`` (``Models/Entities``, ``FanOuts/Ticket``): apart from
    ``parent``'s own children, whatever the name."""
    holder = parent.node.try_find_child(group)
    if not isinstance(holder, Construct):
        holder = Construct(parent, group)
    return Construct(holder, construct_id(name))
