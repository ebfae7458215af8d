"""``random`` (weighted random) and ``roundrobin`` (smooth weighted round robin), as Java Dubbo runs them."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from dubbopy.cluster.loadbalance.base import LoadBalance
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.url import URL

__all__ = ["RECYCLE_PERIOD", "RandomLoadBalance", "RoundRobinLoadBalance"]

#: Seconds after which the round-robin state of an invoker no longer listed is dropped (Java: 60 s).
RECYCLE_PERIOD: Final = 60.0


class RandomLoadBalance(LoadBalance):
    """``random``: each invoker with probability proportional to its (warmed-up) weight; uniform when all
    weights are equal (Java ``RandomLoadBalance``)."""

    def do_select(self, invokers: Sequence[Invoker], url: URL, invocation: Invocation) -> Invoker:
        """A weighted random pick."""
        return invokers[self.weights(invokers, invocation).pick(self.rng)]


@dataclass(slots=True)
class _Position:
    """One invoker's smooth round-robin state."""

    weight: int
    current: int = 0


def _java_int(value: int) -> int:
    """``value`` wrapped to a Java ``int``: Java sums the weights in an ``int``, so weights whose total
    passes 2**31 - 1 wrap (and its sequence with them); doing the same keeps a mixed fleet in step."""
    return (value + 2**31) % 2**32 - 2**31


class RoundRobinLoadBalance(LoadBalance):
    """``roundrobin``: smooth weighted round robin per service and method (Java ``RoundRobinLoadBalance``).

    Every call adds each invoker's weight to its ``current``; the invoker with the largest ``current``
    (the first listed on a tie) is chosen and loses the total weight. Weights 5, 1, 1 give
    ``a a b a c a a`` and repeat. A weight change resets that invoker's ``current`` to 0, as in Java, and
    the total is a Java ``int`` (it wraps past 2**31 - 1), so sequences match Java's pick for pick.
    """

    def __init__(self) -> None:
        super().__init__()
        self._positions: dict[str, _Positions] = {}

    def do_select(self, invokers: Sequence[Invoker], url: URL, invocation: Invocation) -> Invoker:
        """The next invoker of the smooth weighted sequence."""
        key = f"{invokers[0].url.service_key}.{invocation.method_name}"
        state = self._positions.get(key)
        if state is None:
            state = self._positions[key] = _Positions()
        positions = state.for_list(invokers)
        total = 0
        best_current = 0
        best_index = -1
        for index, (position, weight) in enumerate(
            zip(positions, self.weights(invokers, invocation).weights, strict=True)
        ):
            if position.weight != weight:
                position.weight = weight
                position.current = 0
            current = position.current = position.current + weight
            if best_index < 0 or current > best_current:
                best_current = current
                best_index = index
            total += weight
        positions[best_index].current += _java_int(-_java_int(total))
        return invokers[best_index]


class _Positions:
    """The round-robin state of one service method: a position per provider URL, and the positions of
    the list last asked about (looked up once per list, not per call). A URL that has been out of every
    list for :data:`RECYCLE_PERIOD` is forgotten (Java drops invokers not selected among for 60 s)."""

    __slots__ = ("_by_url", "_left", "_list", "_listed")

    def __init__(self) -> None:
        self._by_url: dict[URL, _Position] = {}
        self._left: dict[URL, float] = {}
        self._list: Sequence[Invoker] = ()
        self._listed: list[_Position] = []

    def for_list(self, invokers: Sequence[Invoker]) -> list[_Position]:
        if invokers is self._list:
            return self._listed
        now = time.monotonic()
        urls = {invoker.url for invoker in invokers}
        for url in self._by_url:
            if url not in urls:
                self._left.setdefault(url, now)
        for url in urls:
            self._left.pop(url, None)
        for url in [u for u, since in self._left.items() if now - since > RECYCLE_PERIOD]:
            del self._left[url]
            del self._by_url[url]
        listed = []
        for invoker in invokers:
            position = self._by_url.get(invoker.url)
            if position is None:
                position = self._by_url[invoker.url] = _Position(-1)  # -1: weight not yet seen
            listed.append(position)
        self._list, self._listed = invokers, listed
        return listed
