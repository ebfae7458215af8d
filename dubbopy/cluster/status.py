"""Call counters per provider and method: what ``leastactive``, ``shortestresponse`` and ``p2c`` read.

The counterpart of Java's ``RpcStatus`` and dubbo-go's ``RPCStatus``. Instead of a process-wide static
map, a :class:`StatusTable` belongs to a cluster invoker: the invoker counts every call it sends
(:meth:`StatusTable.begin` / :meth:`StatusTable.end`) and hands the same table to its load balancers.
Elapsed times are in milliseconds, as Java keeps them.
"""

from __future__ import annotations

from dataclasses import dataclass

from dubbopy.url import URL

__all__ = ["RpcStatus", "StatusTable"]


@dataclass(slots=True)
class RpcStatus:
    """Counters of one provider URL for one method (or for the whole service when the method is ``""``)."""

    active: int = 0
    total: int = 0
    failed: int = 0
    total_elapsed: float = 0.0
    failed_elapsed: float = 0.0
    max_elapsed: float = 0.0

    @property
    def succeeded(self) -> int:
        """Calls that ended without an error."""
        return self.total - self.failed

    @property
    def succeeded_elapsed(self) -> float:
        """Milliseconds spent in calls that succeeded."""
        return self.total_elapsed - self.failed_elapsed

    @property
    def succeeded_average_elapsed(self) -> float:
        """Mean milliseconds of a successful call; 0 before the first one."""
        succeeded = self.succeeded
        return self.succeeded_elapsed / succeeded if succeeded > 0 else 0.0

    def begin(self) -> None:
        """A call starts."""
        self.active += 1

    def end(self, elapsed_ms: float, succeeded: bool) -> None:
        """A call that took ``elapsed_ms`` ended."""
        self.active = max(0, self.active - 1)
        self.total += 1
        self.total_elapsed += elapsed_ms
        self.max_elapsed = max(self.max_elapsed, elapsed_ms)
        if not succeeded:
            self.failed += 1
            self.failed_elapsed += elapsed_ms


class StatusTable:
    """The :class:`RpcStatus` of each (provider URL, method) pair seen, plus a service-level one per URL."""

    __slots__ = ("_statuses", "_watchers")

    def __init__(self) -> None:
        self._statuses: dict[tuple[URL, str], RpcStatus] = {}
        self._watchers: list[dict[str, set[URL]]] = []

    def watch(self) -> dict[str, set[URL]]:
        """A record of which provider URLs' counters changed, by method, filled from now on by every
        :meth:`begin` and :meth:`end`; its owner takes entries out as it reads them (a balancer that
        scores every provider then rescores only the changed ones)."""
        changes: dict[str, set[URL]] = {}
        self._watchers.append(changes)
        return changes

    def get(self, url: URL, method: str = "") -> RpcStatus:
        """The counters of ``url`` for ``method`` (``""``: all methods), created at zero on first use."""
        key = (url, method)
        status = self._statuses.get(key)
        if status is None:
            status = self._statuses[key] = RpcStatus()
        return status

    def begin(self, url: URL, method: str) -> None:
        """Count a call to ``method`` of ``url`` as started (Java ``RpcStatus.beginCount``)."""
        self.get(url).begin()
        self.get(url, method).begin()
        for changes in self._watchers:
            changes.setdefault(method, set()).add(url)

    def end(self, url: URL, method: str, elapsed_ms: float, succeeded: bool) -> None:
        """Count a call as ended (Java ``RpcStatus.endCount``)."""
        self.get(url).end(elapsed_ms, succeeded)
        self.get(url, method).end(elapsed_ms, succeeded)
        for changes in self._watchers:
            changes.setdefault(method, set()).add(url)

    def forget(self, url: URL) -> None:
        """Drop every counter of ``url`` (its provider went away)."""
        for key in [key for key in self._statuses if key[0] == url]:
            del self._statuses[key]
