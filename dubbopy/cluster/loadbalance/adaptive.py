"""Balancers that follow the load: ``leastactive``, ``shortestresponse`` and ``p2c``.

They read the call counters of the cluster invoker that owns them (:attr:`LoadBalance.statuses`,
a :class:`~dubbopy.cluster.status.StatusTable`), so they only see calls made through that invoker.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from dubbopy.cluster.loadbalance.base import LoadBalance, weighted_pick
from dubbopy.cluster.status import RpcStatus, StatusTable
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.url import URL

__all__ = ["LeastActiveLoadBalance", "P2CLoadBalance", "ShortestResponseLoadBalance"]


def _pick_lowest(
    lb: LoadBalance, invokers: Sequence[Invoker], invocation: Invocation, scores: Sequence[float]
) -> Invoker:
    """The invoker with the lowest of ``scores`` (one per invoker); ties broken by weighted random (Java's
    shared walk)."""
    best = min(scores)
    ties = scores.count(best)
    if ties == 1:
        return invokers[scores.index(best)]
    table = lb.weights(invokers, invocation)
    if ties == len(scores):  # an idle cluster: every invoker ties
        return invokers[table.pick(lb.rng)]
    lowest = [index for index, value in enumerate(scores) if value == best]
    weights = table.weights
    return invokers[weighted_pick(lb.rng, lowest, [weights[index] for index in lowest])]


class _StatusLists:
    """The :class:`RpcStatus` of each invoker of one list for one method, looked up once per list."""

    __slots__ = ("_lists",)

    def __init__(self) -> None:
        self._lists: dict[str, tuple[Sequence[Invoker], list[RpcStatus]]] = {}

    def of(self, lb: LoadBalance, invokers: Sequence[Invoker], method: str) -> list[RpcStatus]:
        found = self._lists.get(method)
        if found is not None and found[0] is invokers:
            return found[1]
        if len(self._lists) >= 1024:
            self._lists.clear()
        statuses = [lb.statuses.get(invoker.url, method) for invoker in invokers]
        self._lists[method] = (invokers, statuses)
        return statuses


class LeastActiveLoadBalance(LoadBalance):
    """``leastactive``: the invoker with the fewest calls in flight for this method; among equals, weighted
    random (Java ``LeastActiveLoadBalance``)."""

    def __init__(self) -> None:
        super().__init__()
        self._status_lists = _StatusLists()

    def do_select(self, invokers: Sequence[Invoker], url: URL, invocation: Invocation) -> Invoker:
        """The least busy invoker."""
        statuses = self._status_lists.of(self, invokers, invocation.method_name)
        return _pick_lowest(self, invokers, invocation, [status.active for status in statuses])


@dataclass(slots=True)
class _Window:
    """One status seen from the start of the current slide window (Java ``SlideWindowData``)."""

    status: RpcStatus
    succeeded: int = 0
    succeeded_elapsed: float = 0.0

    def reset(self) -> None:
        """Start a new window at the status's current counts."""
        self.succeeded = self.status.succeeded
        self.succeeded_elapsed = self.status.succeeded_elapsed

    def estimate(self) -> float:
        """Mean successful response time in this window times the calls in flight plus this one."""
        return _estimates([self])[0]


def _estimates(windows: Sequence[_Window]) -> list[float]:
    """:meth:`_Window.estimate` of each window, in one pass (it runs over every provider on every call)."""
    estimates: list[float] = []
    append = estimates.append
    for window in windows:
        status = window.status
        count = status.total - status.failed - window.succeeded
        if count > 0:
            elapsed = status.total_elapsed - status.failed_elapsed - window.succeeded_elapsed
            append(elapsed / count * (status.active + 1))
        else:
            append(0.0)
    return estimates


class ShortestResponseLoadBalance(LoadBalance):
    """``shortestresponse``: the invoker with the shortest estimated response time — mean successful
    response time in the current slide window times (calls in flight + 1); among equals, weighted random
    (Java ``ShortestResponseLoadBalance``). The window restarts every ``shortestresponse.slidePeriod``
    ms of the consumer URL (default 30000)."""

    def __init__(self) -> None:
        super().__init__()
        self._windows: dict[tuple[URL, str], _Window] = {}
        self._scored: dict[str, _Scores] = {}
        self._watched: StatusTable | None = None
        self._changes: dict[str, set[URL]] = {}
        self._window_start = time.monotonic()

    def do_select(self, invokers: Sequence[Invoker], url: URL, invocation: Invocation) -> Invoker:
        """The invoker expected to answer first."""
        method = invocation.method_name
        if self._watched is not self.statuses:  # the owning cluster gave us its counters
            self._watched = self.statuses
            self._changes = self.statuses.watch()
            self._scored.clear()
        period = url.get_int("shortestresponse.slidePeriod", 30_000) / 1000
        now = time.monotonic()
        if now - self._window_start > period:
            self._window_start = now
            keep = {(invoker.url, method) for invoker in invokers}
            for key in [key for key in self._windows if key[1] == method and key not in keep]:
                del self._windows[key]
            for window in self._windows.values():
                window.reset()
            self._scored.clear()
        scores = self._scored.get(method)
        changed = self._changes.pop(method, None)
        if scores is None or scores.invokers is not invokers:
            if len(self._scored) >= 1024:
                self._scored.clear()
            scores = self._scored[method] = _Scores(invokers, [self._window(i.url, method) for i in invokers])
        elif changed:
            scores.rescore(changed)
        return _pick_lowest(self, invokers, invocation, scores.estimates)

    def _window(self, url: URL, method: str) -> _Window:
        window = self._windows.get((url, method))
        if window is None:
            window = self._windows[(url, method)] = _Window(self.statuses.get(url, method))
        return window


class _Scores:
    """The estimates of one invoker list for one method, rescored only where counters changed."""

    __slots__ = ("_index", "_windows", "estimates", "invokers")

    def __init__(self, invokers: Sequence[Invoker], windows: list[_Window]) -> None:
        self.invokers = invokers
        self._windows = windows
        self._index = {invoker.url: i for i, invoker in enumerate(invokers)}
        self.estimates = _estimates(windows)

    def rescore(self, urls: set[URL]) -> None:
        for url in urls:
            index = self._index.get(url)
            if index is not None:
                self.estimates[index] = self._windows[index].estimate()


class P2CLoadBalance(LoadBalance):
    """``p2c`` (dubbo-go's power of two choices): two distinct invokers drawn at random, the one with fewer
    calls in flight wins; on a tie the one with the shorter mean successful response time, then the first
    drawn. dubbo-go compares the remaining capacity its adaptive-service limiter reports; without that
    limiter, calls in flight are the measure of load."""

    def do_select(self, invokers: Sequence[Invoker], url: URL, invocation: Invocation) -> Invoker:
        """The less loaded of two random invokers."""
        first, second = self.rng.sample(range(len(invokers)), 2)
        method = invocation.method_name
        a = self.statuses.get(invokers[first].url, method)
        b = self.statuses.get(invokers[second].url, method)
        if (b.active, b.succeeded_average_elapsed) < (a.active, a.succeeded_average_elapsed):
            return invokers[second]
        return invokers[first]
