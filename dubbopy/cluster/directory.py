"""Where a cluster invoker gets its invokers: the :class:`Directory`, and the fixed :class:`StaticDirectory`.

A registry-fed directory (a later layer) implements the same contract with a list that changes on every
registry notification; a cluster invoker asks it afresh for every call and every retry.
"""

from __future__ import annotations

import abc
import builtins
from collections.abc import Iterable, Sequence

from dubbopy.cluster.status import StatusTable
from dubbopy.errors import ConfigError
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.url import URL

__all__ = ["Directory", "StaticDirectory"]


class Directory(abc.ABC):
    """The current invokers of one service.

    The cluster invoker that joins a directory hands it its call counters (:meth:`track`), so that a
    directory retiring an invoker whose provider left can let the calls still running on it finish.
    """

    __slots__ = ()

    def track(self, statuses: StatusTable) -> None:  # noqa: B027 - optional for directories
        """Called once by the joining cluster invoker with its call counters; ignored by default."""

    @property
    @abc.abstractmethod
    def url(self) -> URL:
        """The consumer-side URL of the service: where ``cluster``, ``retries``, ``loadbalance``, ``forks``
        and their method-level forms are read."""

    @abc.abstractmethod
    def list(self, invocation: Invocation) -> Sequence[Invoker]:
        """The invokers that may take ``invocation`` (routers already applied, availability not checked:
        the cluster checks the invoker it picks); may be empty. The same object comes back while the
        invokers stay the same (balancers remember per-list work by identity); callers must not mutate it."""

    def is_available(self) -> bool:
        """Whether at least one invoker is available."""
        return any(invoker.is_available() for invoker in self.all())

    @abc.abstractmethod
    def all(self) -> builtins.list[Invoker]:
        """Every invoker, before routing."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Close the directory and the invokers it owns; idempotent."""


class StaticDirectory(Directory):
    """A fixed list of invokers, owned by the directory (closing it closes them).

    ``url`` defaults to the first invoker's URL; a directory without invokers needs one.
    """

    __slots__ = ("_closed", "_invokers", "_url")

    def __init__(self, invokers: Iterable[Invoker], url: URL | None = None) -> None:
        self._invokers = tuple(invokers)
        if url is None:
            if not self._invokers:
                raise ConfigError("a StaticDirectory without invokers needs a url")
            url = self._invokers[0].url
        self._url = url
        self._closed = False

    @property
    def url(self) -> URL:
        """The URL given, or the first invoker's."""
        return self._url

    def list(self, invocation: Invocation) -> Sequence[Invoker]:
        """All invokers (a static directory does not route); empty once closed."""
        return () if self._closed else self._invokers

    def all(self) -> builtins.list[Invoker]:
        """All invokers."""
        return list(self._invokers)

    async def close(self) -> None:
        """Close every invoker."""
        if self._closed:
            return
        self._closed = True
        for invoker in self._invokers:
            await invoker.close()

    def __repr__(self) -> str:
        return f"StaticDirectory({len(self._invokers)} invokers, {self._url})"
