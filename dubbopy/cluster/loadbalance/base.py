"""The :class:`LoadBalance` contract and provider weights as Java Dubbo computes them.

A provider's weight is its ``weight`` URL parameter (method-level ``<method>.weight`` first; default
100). A provider younger than its ``warmup`` period (ms, default ten minutes) counted from its
``timestamp`` parameter (ms since the epoch) gets a weight that grows linearly with its uptime, at least 1
— the arithmetic of Java's ``AbstractLoadBalance.getWeight``/``calculateWarmupWeight``, including its
32-bit float division, so that a Python and a Java consumer weigh a provider the same.
"""

from __future__ import annotations

import abc
import random
import struct
import time
from collections.abc import Sequence
from typing import Final

from dubbopy.cluster.status import StatusTable
from dubbopy.errors import RpcError, StatusCode
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.url import URL

__all__ = [
    "DEFAULT_WARMUP_MS",
    "DEFAULT_WEIGHT",
    "LoadBalance",
    "WeightTable",
    "calculate_warmup_weight",
    "get_weight",
    "weighted_pick",
]

#: Weight of a provider without a ``weight`` parameter.
DEFAULT_WEIGHT: Final = 100
#: Warm-up period of a provider without a ``warmup`` parameter, in ms (Java; dubbo-go counts seconds).
DEFAULT_WARMUP_MS: Final = 600_000

_F32: Final = struct.Struct("<f")


def _f32(value: float) -> float:
    """``value`` rounded to a Java ``float``."""
    result: float = _F32.unpack(_F32.pack(value))[0]
    return result


def calculate_warmup_weight(uptime_ms: int, warmup_ms: int, weight: int) -> int:
    """The weight of a provider up for ``uptime_ms`` of its ``warmup_ms``: ``uptime / (warmup / weight)``
    in Java ``float`` arithmetic, truncated, kept within ``[1, weight]``."""
    step = _f32(_f32(float(warmup_ms)) / _f32(float(weight)))
    ramp = int(_f32(_f32(float(uptime_ms)) / step)) if step else weight
    return 1 if ramp < 1 else min(ramp, weight)


def get_weight(invoker: Invoker, invocation: Invocation, now_ms: int | None = None) -> int:
    """The weight of ``invoker`` for ``invocation``'s method, after the warm-up ramp; never negative.

    ``now_ms`` is the wall clock in ms since the epoch (the provider's ``timestamp`` is on that clock);
    it defaults to now.
    """
    url = invoker.url
    weight = url.get_method_int(invocation.method_name, "weight", DEFAULT_WEIGHT)
    if weight > 0:
        timestamp = url.get_int("timestamp", 0)
        if timestamp > 0:
            uptime = (time.time_ns() // 1_000_000 if now_ms is None else now_ms) - timestamp
            if uptime < 0:
                return 1
            warmup = url.get_int("warmup", DEFAULT_WARMUP_MS)
            if 0 < uptime < warmup:
                weight = calculate_warmup_weight(uptime, warmup, weight)
    return max(weight, 0)


def weighted_pick(rng: random.Random, candidates: Sequence[int], weights: Sequence[int]) -> int:
    """One of ``candidates`` (indexes), chosen with probability proportional to ``weights`` (one per
    candidate), uniformly when they are all equal or all zero — Java's weighted random walk."""
    total = sum(weights)
    if total > 0 and any(w != weights[0] for w in weights):
        offset = rng.randrange(total)
        for index, weight in zip(candidates, weights, strict=True):
            offset -= weight
            if offset < 0:
                return index
    return candidates[rng.randrange(len(candidates))]


#: a bound on the remembered weight tables of one balancer (generic calls could name many methods)
_MAX_WEIGHT_TABLES: Final = 1024
#: "recompute on every call": a provider of the list may still be warming up
_ALWAYS: Final = float("inf")


class WeightTable:
    """The weights of one invoker list for one method (valid until ``warm_until_ms``, wall clock), with
    their ``total`` and whether they are all equal (``uniform``: a pick needs no walk)."""

    __slots__ = ("invokers", "total", "uniform", "warm_until_ms", "weights")

    def __init__(self, invokers: Sequence[Invoker], weights: Sequence[int], warm_until_ms: float) -> None:
        self.invokers = invokers
        self.weights = weights
        self.warm_until_ms = warm_until_ms
        self.total = sum(weights)
        self.uniform = self.total <= 0 or all(w == weights[0] for w in weights)

    def pick(self, rng: random.Random) -> int:
        """An index chosen with probability proportional to its weight (Java's weighted random walk)."""
        if self.uniform:
            return rng.randrange(len(self.weights))
        offset = rng.randrange(self.total)
        for index, weight in enumerate(self.weights):
            offset -= weight
            if offset < 0:
                return index
        raise AssertionError("unreachable: offset < total")


def _warm_until_ms(invokers: Sequence[Invoker], invocation: Invocation, now_ms: int) -> float:
    """When the last provider of ``invokers`` ends its warm-up (0: none warms; inf: one has a timestamp
    ahead of this clock, so its weight is 1 until the clocks agree)."""
    until = 0.0
    for invoker in invokers:
        url = invoker.url
        timestamp = url.get_int("timestamp", 0)
        if timestamp <= 0 or url.get_method_int(invocation.method_name, "weight", DEFAULT_WEIGHT) <= 0:
            continue
        if timestamp > now_ms:
            return _ALWAYS
        until = max(until, timestamp + url.get_int("warmup", DEFAULT_WARMUP_MS))
    return until


class LoadBalance(abc.ABC):
    """Chooses the invoker that takes one call.

    Instances are created by name (:data:`dubbopy.extension.loadbalances`) per cluster invoker, which
    owns them; they may keep state between calls (round-robin positions, hash rings). ``statuses`` is
    the call-counter table of that cluster invoker (set by it); balancers that read active counts or
    response times use it. ``rng`` is the random source (replace it with a seeded one for tests).
    """

    def __init__(self) -> None:
        self.statuses = StatusTable()
        self.rng = random.Random()
        self._weights: dict[str, WeightTable] = {}

    def select(self, invokers: Sequence[Invoker], url: URL, invocation: Invocation) -> Invoker:
        """The invoker for ``invocation`` among ``invokers``; ``url`` is the consumer URL.

        Raises :class:`~dubbopy.errors.RpcError` ``UNAVAILABLE`` when ``invokers`` is empty.
        """
        if not invokers:
            raise RpcError(StatusCode.UNAVAILABLE, f"no provider available for {invocation.path}")
        if len(invokers) == 1:
            return invokers[0]
        return self.do_select(invokers, url, invocation)

    @abc.abstractmethod
    def do_select(self, invokers: Sequence[Invoker], url: URL, invocation: Invocation) -> Invoker:
        """Choose among two or more invokers."""

    def weight(self, invoker: Invoker, invocation: Invocation) -> int:
        """:func:`get_weight` of ``invoker`` now."""
        return get_weight(invoker, invocation)

    def weights(self, invokers: Sequence[Invoker], invocation: Invocation) -> WeightTable:
        """:func:`get_weight` of each of ``invokers`` now, remembered per method for this very list while
        no provider in it is warming up (weights then only change with the list: URLs are immutable, and
        a directory hands out a new list when its providers change; callers must not mutate a list)."""
        method = invocation.method_name
        table = self._weights.get(method)
        if table is not None and table.invokers is invokers and time.time() * 1000 >= table.warm_until_ms:
            return table
        now_ms = time.time_ns() // 1_000_000
        weights = [get_weight(invoker, invocation, now_ms) for invoker in invokers]
        if len(self._weights) >= _MAX_WEIGHT_TABLES:
            self._weights.clear()
        table = self._weights[method] = WeightTable(invokers, weights, _warm_until_ms(invokers, invocation, now_ms))
        return table
