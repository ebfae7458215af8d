"""What a provider implements: the :class:`Servicer` base, the handler context and request streams.

A generated servicer base (``GreeterServicer``) subclasses :class:`Servicer` and sets ``SERVICE`` to its
:class:`~dubbopy.rpc.method.ServiceDescriptor`. A user subclasses it and overrides methods; each may be
``async def`` (runs on the event loop) or plain ``def`` (runs in the server's bounded thread pool).

Handler shapes, by call kind (``ctx`` is a :class:`ServicerContext`):

* unary: ``(request, ctx) -> response``
* server stream: ``(request, ctx) -> iterator of responses`` (a generator or async generator)
* client stream: ``(requests: RequestStream, ctx) -> response``
* bidi stream: ``(requests: RequestStream, ctx) -> iterator of responses``

A handler ends a call with a status by raising :class:`~dubbopy.errors.RpcError` (or calling
``ctx.abort``); any other exception becomes ``UNKNOWN`` with the exception's text.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, ClassVar, Generic, NoReturn, TypeVar

from dubbopy.errors import StatusCode
from dubbopy.rpc.method import ServiceDescriptor

Req = TypeVar("Req")


class RequestStream(Generic[Req], abc.ABC):
    """The client's messages as seen by a streaming handler.

    Iterate it with ``async for`` in an ``async def`` handler, or with ``for`` in a plain ``def`` handler
    (which runs on a worker thread). Ends when the client half-closes; raises
    :class:`~dubbopy.errors.RpcError` (``CANCELLED``/``DEADLINE_EXCEEDED``) if the call ends first.
    """

    @abc.abstractmethod
    def __aiter__(self) -> AsyncIterator[Req]: ...

    @abc.abstractmethod
    def __iter__(self) -> Iterator[Req]: ...

    @abc.abstractmethod
    async def read(self) -> Req | None:
        """The next message, or ``None`` once the client has half-closed."""


class ServicerContext(abc.ABC):
    """Per-call facts and controls given to every handler."""

    @abc.abstractmethod
    def peer(self) -> str:
        """The remote address as ``ipv4:1.2.3.4:5678`` / ``ipv6:[::1]:5678`` (gRPC's format)."""

    @abc.abstractmethod
    def invocation_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        """The request headers that are metadata (no pseudo, ``grpc-*`` or transport headers)."""

    @abc.abstractmethod
    def method(self) -> str:
        """The full method path, ``/package.Service/Method``."""

    @abc.abstractmethod
    def time_remaining(self) -> float | None:
        """Seconds until the deadline, or ``None`` if the client set none."""

    @abc.abstractmethod
    def cancelled(self) -> bool:
        """Whether the call was cancelled by the client, its deadline, or the server shutting down."""

    @abc.abstractmethod
    def add_done_callback(self, callback: Callable[[], None]) -> None:
        """Run ``callback`` once the call ends, however it ends."""

    @abc.abstractmethod
    def set_trailing_metadata(self, metadata: Sequence[tuple[str, str | bytes]]) -> None:
        """Metadata to send in the trailers (added to what was set before)."""

    @abc.abstractmethod
    async def send_initial_metadata(self, metadata: Sequence[tuple[str, str | bytes]]) -> None:
        """Send the response headers now with this extra metadata (at most once, before any message)."""

    @abc.abstractmethod
    def set_compression(self, name: str) -> None:
        """Compress responses with ``name`` (``gzip``/``identity``) if the client accepts it."""

    @abc.abstractmethod
    def abort(self, code: StatusCode, message: str = "", *, details: bytes | None = None) -> NoReturn:
        """End the call with ``code``; raises, so nothing after it runs."""

    @property
    @abc.abstractmethod
    def attachments(self) -> dict[str, Any]:
        """Dubbo-style view of the request metadata (string keys; ``-bin`` keys without the suffix)."""


class Servicer:
    """Base of every provider implementation generated from a .proto.

    ``SERVICE`` is set by the generated subclass. Methods not overridden answer ``UNIMPLEMENTED``.
    """

    SERVICE: ClassVar[ServiceDescriptor]
