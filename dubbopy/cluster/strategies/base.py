"""The :class:`Cluster` contract and :class:`ClusterInvoker`, what every strategy builds on.

A cluster invoker asks its directory for the invokers of each call, lets a load balancer choose one
(avoiding invokers already tried and unavailable ones, like Java's ``AbstractClusterInvoker.select``)
and counts every call it sends in the :class:`~dubbopy.cluster.status.StatusTable` its balancers read.

The balancer is named by the ``loadbalance`` parameter (method-level first) of the directory's URL,
default ``random``. Method-level timeouts (``<method>.timeout``) are not applied here: whoever builds the
invocation sets its deadline, and every attempt of a retrying strategy shares that deadline.
"""

from __future__ import annotations

import abc
import time
from collections.abc import Sequence
from typing import Final

from dubbopy import extension
from dubbopy.cluster.directory import Directory
from dubbopy.cluster.loadbalance.base import LoadBalance
from dubbopy.cluster.status import StatusTable
from dubbopy.errors import ConfigError, RemoteError, RpcError, StatusCode
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.rpc.result import Result
from dubbopy.url import URL

__all__ = ["DEFAULT_LOADBALANCE", "Cluster", "ClusterInvoker", "is_business_error", "no_provider"]

#: The balancer used when the URL names none.
DEFAULT_LOADBALANCE: Final = "random"


def no_provider(invocation: Invocation, directory: Directory) -> RpcError:
    """The ``UNAVAILABLE`` error of a call that found no invoker."""
    return RpcError(
        StatusCode.UNAVAILABLE,
        f"no provider available for {invocation.path} (service {directory.url.service_key or directory.url})",
    )


class ClusterInvoker(Invoker):
    """One invoker over a :class:`~dubbopy.cluster.directory.Directory`; subclasses implement
    :meth:`do_invoke`. It owns the directory: :meth:`close` closes it."""

    def __init__(self, directory: Directory) -> None:
        self._directory = directory
        self._statuses = StatusTable()
        directory.track(self._statuses)
        self._balancers: dict[str, LoadBalance] = {}
        self._closed = False
        self._sticky: Invoker | None = None
        self._available_check = directory.url.get_bool("cluster.availablecheck", True)

    @property
    def url(self) -> URL:
        """The directory's (consumer) URL."""
        return self._directory.url

    @property
    def directory(self) -> Directory:
        """Where the invokers come from."""
        return self._directory

    @property
    def statuses(self) -> StatusTable:
        """The call counters of the calls this invoker sent."""
        return self._statuses

    def is_available(self) -> bool:
        """Open and at least one invoker available."""
        return not self._closed and self._directory.is_available()

    async def close(self) -> None:
        """Close the directory (and so its invokers)."""
        if not self._closed:
            self._closed = True
            await self._directory.close()

    async def invoke(self, invocation: Invocation) -> Result:
        """Run the strategy; a failure, including a configuration error such as an unknown ``loadbalance``,
        is returned as a failed result."""
        if self._closed:
            return Result.from_exception(RpcError(StatusCode.UNAVAILABLE, f"cluster invoker of {self.url} is closed"))
        try:
            return await self.do_invoke(invocation, self.list_invokers(invocation))
        except Exception as exc:  # no provider, a bad loadbalance name: outcomes are results (see Invoker)
            return Result.from_exception(exc)

    @abc.abstractmethod
    async def do_invoke(self, invocation: Invocation, invokers: Sequence[Invoker]) -> Result:
        """The strategy: call some of ``invokers`` (this call's list) and return the outcome. May raise
        :class:`~dubbopy.errors.RpcError` instead of returning it as a failed result."""

    # -------------------------------------------------------------------------------------- helpers

    def list_invokers(self, invocation: Invocation) -> Sequence[Invoker]:
        """The directory's invokers for ``invocation``."""
        return self._directory.list(invocation)

    def loadbalance(self, invocation: Invocation) -> LoadBalance:
        """The balancer named for ``invocation``'s method, created once per name, sharing :attr:`statuses`."""
        name = self.url.get_method_param(invocation.method_name, "loadbalance", DEFAULT_LOADBALANCE)
        name = name or DEFAULT_LOADBALANCE
        lb = self._balancers.get(name)
        if lb is None:
            built = extension.loadbalances.get(name)
            if not isinstance(built, LoadBalance):
                raise ConfigError(f"loadbalance {name!r} built a {type(built).__qualname__}, not a LoadBalance")
            lb = self._balancers[name] = built
            lb.statuses = self._statuses
        return lb

    def select(self, invocation: Invocation, invokers: Sequence[Invoker], tried: Sequence[Invoker] = ()) -> Invoker:
        """An invoker for ``invocation``: the balancer's choice among the available invokers not yet
        ``tried``; when every available one was tried, among those; when none is available, among all.

        With ``sticky=true`` (read, as Java does, from the first invoker's URL, method level first) the
        last invoker chosen is chosen again while it is listed, available and not ``tried``
        (``cluster.availablecheck=false`` on the consumer URL turns that reuse off, as in Java).

        Raises :class:`~dubbopy.errors.RpcError` ``UNAVAILABLE`` when ``invokers`` is empty.
        """
        if not invokers:
            raise no_provider(invocation, self._directory)
        sticky = self._sticky
        if sticky is not None and sticky not in invokers:
            sticky = self._sticky = None
        if not invokers[0].url.get_method_bool(invocation.method_name, "sticky", False):
            return self._choose(invocation, invokers, tried)
        if sticky is not None and sticky not in tried and self._available_check and sticky.is_available():
            return sticky
        chosen = self._sticky = self._choose(invocation, invokers, tried)
        return chosen

    def _choose(self, invocation: Invocation, invokers: Sequence[Invoker], tried: Sequence[Invoker]) -> Invoker:
        if len(invokers) == 1:
            return invokers[0]
        balancer = self.loadbalance(invocation)
        if not tried:
            # the first attempt (the common case): pick among all, as Java does, and only look again
            # when the pick turns out unavailable, so a call never scans every invoker
            chosen = balancer.select(invokers, self.url, invocation)
            if chosen.is_available():
                return chosen
        available = [invoker for invoker in invokers if invoker.is_available()]
        tried_ids = {id(t) for t in tried}
        fresh = [invoker for invoker in available if id(invoker) not in tried_ids]
        return balancer.select(fresh or available or invokers, self.url, invocation)

    async def call(self, invoker: Invoker, invocation: Invocation) -> Result:
        """Invoke ``invoker``, counting the call in :attr:`statuses`."""
        method = invocation.method_name
        url = invoker.url
        statuses = self._statuses
        statuses.begin(url, method)
        start = time.monotonic()
        ok = False
        try:
            result = await invoker.invoke(invocation)
            ok = result.exception is None
            return result
        finally:
            statuses.end(url, method, (time.monotonic() - start) * 1000, ok)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._directory!r})"


class Cluster(abc.ABC):
    """A fault-tolerance strategy by name: joins a directory into one invoker."""

    __slots__ = ()

    @abc.abstractmethod
    def join(self, directory: Directory) -> ClusterInvoker:
        """The invoker that runs this strategy over ``directory`` (and owns it)."""


def is_business_error(exc: BaseException) -> bool:
    """Whether ``exc`` was raised by the provider's own code (Java's "biz" exception): retrying elsewhere
    would not help and might repeat a side effect."""
    return isinstance(exc, RemoteError)
