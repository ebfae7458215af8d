"""``random`` (weighted random) and ``roundrobin`` (smooth weighted round robin), as Java Dubbo runs them."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from dubbopy.cluster.loadbalance.base import LoadBalance, weighted_pick
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
        weights = [self.weight(invoker, invocation) for invoker in invokers]
        return invokers[weighted_pick(self.rng, range(len(invokers)), weights)]


@dataclass(slots=True)
class _Position:
    """One invoker's smooth round-robin state."""

    weight: int
    current: int = 0
    last_seen: float = 0.0


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
        self._positions: dict[str, dict[URL, _Position]] = {}

    def do_select(self, invokers: Sequence[Invoker], url: URL, invocation: Invocation) -> Invoker:
        """The next invoker of the smooth weighted sequence."""
        key = f"{invokers[0].url.service_key}.{invocation.method_name}"
        positions = self._positions.setdefault(key, {})
        now = time.monotonic()
        total = 0
        best: _Position | None = None
        chosen = invokers[0]
        for invoker in invokers:
            weight = self.weight(invoker, invocation)
            position = positions.get(invoker.url)
            if position is None:
                position = positions[invoker.url] = _Position(weight)
            elif position.weight != weight:
                position.weight = weight
                position.current = 0
            position.current += weight
            position.last_seen = now
            if best is None or position.current > best.current:
                best = position
                chosen = invoker
            total += weight
        if len(positions) != len(invokers):
            for stale in [u for u, p in positions.items() if now - p.last_seen > RECYCLE_PERIOD]:
                del positions[stale]
        if best is not None:
            best.current += _java_int(-_java_int(total))
        return chosen
