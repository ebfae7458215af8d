"""The contract every step of a call path implements: :class:`Invoker`, and :class:`Exporter`.

A consumer's call goes stub → filter chain → cluster invoker → protocol invoker; a provider's call goes
protocol server → exporter → filter chain → the invoker that runs user code. Each of these is an
:class:`Invoker`, so they stack.

**How an invoker reports failure.** :meth:`Invoker.invoke` reports the outcome of the call in the
:class:`~dubbopy.rpc.result.Result` it returns — a value, or the exception the call failed with
(:class:`~dubbopy.errors.RpcError` for status/transport failures, its subclass
:class:`~dubbopy.errors.RemoteError` when the provider's code raised). It does not raise for a failed
call; :class:`asyncio.CancelledError` (the caller gave up) is the one exception that propagates. Callers
and filters therefore look at ``result.exception`` rather than wrapping ``invoke`` in ``try``; the
filter chain turns anything a filter raises into a failed result so this holds across the chain.

**Who closes what.** Whoever creates an invoker owns it and closes it with :meth:`Invoker.close`; an
invoker that wraps another (a filter chain, a cluster) closes what it wraps. A protocol owns the invokers
it hands out through ``refer`` until the caller closes them, and closes any still open when it closes.
"""

from __future__ import annotations

import abc
from collections.abc import Callable

from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.result import Result
from dubbopy.url import URL

__all__ = ["BaseInvoker", "Exporter", "Invoker", "RoutedExporter"]


class Invoker(abc.ABC):
    """Something that can perform a call described by an :class:`~dubbopy.rpc.invocation.Invocation`."""

    __slots__ = ()

    @property
    @abc.abstractmethod
    def url(self) -> URL:
        """The URL this invoker serves or calls (provider address, service key, parameters)."""

    @abc.abstractmethod
    async def invoke(self, invocation: Invocation) -> Result:
        """Perform the call; the outcome, success or failure, is in the returned result (see module doc)."""

    @abc.abstractmethod
    def is_available(self) -> bool:
        """Whether a call may be sent now (connected, not closing); clusters skip unavailable invokers."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Release what this invoker holds; idempotent. Calls still running may fail with ``UNAVAILABLE``
        or ``CANCELLED``; later calls must fail, not hang."""


class BaseInvoker(Invoker):
    """An invoker with a fixed URL that is available until closed; subclasses implement :meth:`invoke`
    and extend :meth:`close` (calling ``super().close()``)."""

    __slots__ = ("_closed", "_url")

    def __init__(self, url: URL) -> None:
        self._url = url
        self._closed = False

    @property
    def url(self) -> URL:
        """The URL given at construction."""
        return self._url

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    def is_available(self) -> bool:
        """True until closed."""
        return not self._closed

    async def close(self) -> None:
        """Mark the invoker closed."""
        self._closed = True

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self._url})"


class Exporter(abc.ABC):
    """A service exported by a protocol: the handle to take it off again.

    The exporter owns the invoker it was given by ``Protocol.export``: :meth:`unexport` stops routing
    new calls to it, then closes it.
    """

    __slots__ = ()

    @property
    @abc.abstractmethod
    def invoker(self) -> Invoker:
        """The invoker calls to this service are given to."""

    @property
    def url(self) -> URL:
        """The URL the service is reachable at (with the real port when port 0 was asked for); this is
        what a registry publishes."""
        return self.invoker.url

    @abc.abstractmethod
    async def unexport(self) -> None:
        """Stop serving the service and close its invoker; idempotent. Calls already running finish
        (the protocol's graceful shutdown bounds how long)."""


class RoutedExporter(Exporter):
    """The usual exporter: ``withdraw`` takes the invoker out of the protocol's routing table, then the
    invoker is closed. Protocols differ only in their table, so they hand over how to leave it."""

    __slots__ = ("_done", "_invoker", "_url", "_withdraw")

    def __init__(self, invoker: Invoker, url: URL, withdraw: Callable[[], None]) -> None:
        self._invoker = invoker
        self._url = url
        self._withdraw = withdraw
        self._done = False

    @property
    def invoker(self) -> Invoker:
        """The exported invoker."""
        return self._invoker

    @property
    def url(self) -> URL:
        """The export URL with the bound port."""
        return self._url

    async def unexport(self) -> None:
        """Stop routing calls to the invoker and close it; idempotent."""
        if self._done:
            return
        self._done = True
        self._withdraw()
        await self._invoker.close()
