"""Values computed at synthesis, after every route, model and fan-out has been added."""

from collections.abc import Callable

import jsii
from aws_cdk import IStableNumberProducer, IStableStringProducer, Lazy


@jsii.implements(IStableNumberProducer)
class _NumberProducer:
    def __init__(self, produce: Callable[[], float]) -> None:
        self._produce = produce

    def produce(self) -> float:
        return self._produce()


@jsii.implements(IStableStringProducer)
class _StringProducer:
    def __init__(self, produce: Callable[[], str]) -> None:
        self._produce = produce

    def produce(self) -> str:
        return self._produce()


def lazy_number(produce: Callable[[], float]) -> float:
    """A number token whose value ``produce`` computes at synthesis."""
    return Lazy.number(_NumberProducer(produce))


def lazy_string(produce: Callable[[], str]) -> str:
    """A string token whose value ``produce`` computes at synthesis (it may hold tokens)."""
    return Lazy.string(_StringProducer(produce))
