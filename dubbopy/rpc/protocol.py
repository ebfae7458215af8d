"""The :class:`Protocol` contract: how services are exported to and referred from the wire.

A protocol (``tri``, ``dubbo``, ``injvm``) is found by name in :data:`dubbopy.extension.protocols`. One
instance serves one :class:`~dubbopy.Server`/:class:`~dubbopy.Client` (it is not a process-wide
singleton), so closing it releases exactly what that owner opened.
"""

from __future__ import annotations

import abc

from dubbopy.rpc.invoker import Exporter, Invoker
from dubbopy.url import URL

__all__ = ["Protocol"]


class Protocol(abc.ABC):
    """Exports invokers as services on the wire and refers remote services as invokers.

    Ownership: :meth:`export` takes ownership of the invoker (its exporter closes it on unexport);
    :meth:`refer` returns an invoker owned by the caller, who closes it. :meth:`close` unexports every
    exporter, closes every invoker still open that this protocol referred, and stops its servers and
    connections.
    """

    __slots__ = ()

    @property
    def default_port(self) -> int:
        """The port used when a URL gives none (Triple 50051, Dubbo 20880); 0 when it has no port."""
        return 0

    @abc.abstractmethod
    async def export(self, invoker: Invoker) -> Exporter:
        """Serve ``invoker`` at ``invoker.url`` (opening the server for its address if not yet open).

        Raises :class:`~dubbopy.errors.ConfigError` for an unusable URL, and
        :class:`~dubbopy.errors.DubboError` when the port cannot be opened.
        """

    @abc.abstractmethod
    def refer(self, url: URL) -> Invoker:
        """An invoker that calls the service at ``url``. Connecting is lazy (so this does no I/O and
        need not be awaited); a provider that cannot be reached shows as ``UNAVAILABLE`` results, not as
        an exception here. Raises :class:`~dubbopy.errors.ConfigError` for an unusable URL."""

    async def stop_servers(self, grace: float | None) -> None:  # noqa: B027 - optional hook, no-op by default
        """Graceful shutdown of the servers this protocol opened: stop taking calls, give calls in flight
        ``grace`` seconds (``None``: as long as they take). :meth:`close` then releases the rest."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Unexport everything, close every referred invoker still open, stop servers; idempotent."""
