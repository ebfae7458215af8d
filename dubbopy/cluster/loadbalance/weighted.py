"""``random`` (weighted random) and ``roundrobin`` (smooth weighted round robin), as Java Dubbo runs them."""

from __future__ import annotations

import time
from collections.abc import Sequence
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
        self._rings: dict[str, _Ring] = {}
        self._last: tuple[Sequence[Invoker], str, _Ring] | None = None

    def do_select(self, invokers: Sequence[Invoker], url: URL, invocation: Invocation) -> Invoker:
        """The next invoker of the smooth weighted sequence."""
        method = invocation.method_name
        last = self._last
        if last is not None and last[0] is invokers and last[1] == method:
            ring = last[2]
        else:
            key = f"{invokers[0].url.service_key}.{method}"
            found = self._rings.get(key)
            if found is None:
                found = self._rings[key] = _Ring()
            ring = found
            self._last = (invokers, method, ring)
        return invokers[ring.next(invokers, self.weights(invokers, invocation).weights)]


class _Ring:
    """The smooth round-robin state of one service method (see :class:`RoundRobinLoadBalance`).

    The ``current`` and ``weight`` of the providers of the list last asked about are kept in plain lists,
    so a pick is two list passes; they go back into a per-URL table when the list changes. With equal
    weights (the common case) adding the weight to every ``current`` changes no order, so it is counted in
    ``_bump`` instead and applied when the list or a weight changes: a pick is one ``max``. A URL that has
    been out of every list for :data:`RECYCLE_PERIOD` is forgotten (Java drops invokers not selected
    among for 60 s).
    """

    __slots__ = ("_bump", "_by_url", "_currents", "_invokers", "_left", "_total", "_uniform", "_urls", "_weights")

    def __init__(self) -> None:
        self._by_url: dict[URL, tuple[int, int]] = {}  # weight, current
        self._left: dict[URL, float] = {}
        self._invokers: Sequence[Invoker] = ()
        self._urls: list[URL] = []
        self._weights: Sequence[int] = []
        self._currents: list[int] = []
        self._total = 0
        self._uniform = False
        self._bump = 0  # picks whose "add the weight to every current" is not applied yet (uniform only)

    def next(self, invokers: Sequence[Invoker], weights: Sequence[int]) -> int:
        """The index in ``invokers`` (with these ``weights``) of the next pick."""
        if invokers is not self._invokers:
            self._settle()
            self._switch(invokers)
        if weights is not self._weights:
            self._settle()
            seen = self._weights
            currents = self._currents
            for index, weight in enumerate(weights):
                if seen[index] != weight:  # Java: a weight change restarts that invoker's current at 0
                    currents[index] = 0
            self._weights = weights
            self._total = _java_int(sum(_java_int(w) for w in weights))
            self._uniform = all(w == weights[0] for w in weights)
        if self._uniform:
            self._bump += 1
            currents = self._currents
        else:
            currents = self._currents = [c + w for c, w in zip(self._currents, weights, strict=True)]
        best = currents.index(max(currents))
        currents[best] += _java_int(-self._total)
        return best

    def _settle(self) -> None:
        """Apply the postponed weight additions of uniform picks to every ``current``."""
        if self._bump:
            bump, self._bump = self._bump, 0
            self._currents = [c + bump * w for c, w in zip(self._currents, self._weights, strict=True)]

    def _switch(self, invokers: Sequence[Invoker]) -> None:
        by_url = self._by_url
        for url, weight, current in zip(self._urls, self._weights, self._currents, strict=True):
            by_url[url] = (weight, current)
        now = time.monotonic()
        urls = [invoker.url for invoker in invokers]
        listed = set(urls)
        for url in by_url:
            if url not in listed:
                self._left.setdefault(url, now)
        for url in listed:
            self._left.pop(url, None)
        for url in [u for u, since in self._left.items() if now - since > RECYCLE_PERIOD]:
            del self._left[url]
            del by_url[url]
        states = [by_url.get(url, (-1, 0)) for url in urls]  # -1: weight not seen yet
        self._invokers = invokers
        self._urls = urls
        self._weights = [weight for weight, _ in states]
        self._currents = [current for _, current in states]
