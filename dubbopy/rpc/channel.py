"""What a client stub calls: the :class:`Channel` contract and the call objects it returns.

A generated stub (``GreeterStub(channel)``) holds a channel and turns each method call into one of the
four channel calls below, passing the method's :class:`~dubbopy.rpc.method.MethodDescriptor`. A channel
is what ``Client.reference(...)`` returns: it owns the path to one service (direct connection now,
cluster + registry later) and the per-reference defaults (timeout, version, group, metadata).

Async calls return call objects shaped like ``grpc.aio``'s, so that response metadata is reachable:

* :class:`UnaryCall` — ``await call`` gives the response; ``await call.trailing_metadata()`` the trailers.
* :class:`StreamCall` — ``async for reply in call``; the same metadata accessors.

The blocking twin (:class:`SyncChannel`) is driven by the same core on a loop thread and returns the
response directly, or a :class:`SyncStreamCall` iterator for server-streaming calls.

Metadata is a sequence of ``(key, value)`` pairs; keys are lower-case, values ``str`` except for keys
ending in ``-bin`` whose values are ``bytes``.
"""

from __future__ import annotations

import abc
from collections.abc import AsyncIterable, AsyncIterator, Generator, Iterable, Iterator, Sequence
from typing import Any, Generic, TypeAlias, TypeVar

from dubbopy.errors import StatusCode
from dubbopy.rpc.method import MethodDescriptor

Req = TypeVar("Req")
Resp = TypeVar("Resp")

MetadataValue: TypeAlias = "str | bytes"
Metadata: TypeAlias = "Sequence[tuple[str, str | bytes]]"


class _CallBase(abc.ABC):
    """Metadata and status accessors shared by every call object."""

    @abc.abstractmethod
    async def initial_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        """The response headers (without pseudo and reserved headers), once they arrived."""

    @abc.abstractmethod
    async def trailing_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        """The trailers (without ``grpc-status``/``grpc-message``), once the call ended."""

    @abc.abstractmethod
    async def code(self) -> StatusCode:
        """The final status code, once the call ended."""

    @abc.abstractmethod
    def cancel(self) -> bool:
        """Cancel the call (RST_STREAM CANCEL on Triple); ``False`` if it had already ended."""

    @abc.abstractmethod
    def done(self) -> bool:
        """Whether the call has ended."""


class UnaryCall(_CallBase, Generic[Resp]):
    """A call with one response: await it for the response; raises :class:`~dubbopy.errors.RpcError`."""

    @abc.abstractmethod
    def __await__(self) -> Generator[Any, None, Resp]: ...


class StreamCall(_CallBase, Generic[Resp]):
    """A call with a stream of responses: iterate it; ends with ``StopAsyncIteration`` on OK status and
    raises :class:`~dubbopy.errors.RpcError` otherwise."""

    @abc.abstractmethod
    def __aiter__(self) -> AsyncIterator[Resp]: ...

    @abc.abstractmethod
    async def read(self) -> Resp | None:
        """The next response, or ``None`` at the end of an OK stream."""


class Channel(abc.ABC):
    """The async call surface a stub uses. ``timeout`` is in seconds (``None``: the channel default)."""

    @abc.abstractmethod
    def unary_unary(
        self,
        method: MethodDescriptor[Req, Resp],
        request: Req,
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> UnaryCall[Resp]: ...

    @abc.abstractmethod
    def unary_stream(
        self,
        method: MethodDescriptor[Req, Resp],
        request: Req,
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> StreamCall[Resp]: ...

    @abc.abstractmethod
    def stream_unary(
        self,
        method: MethodDescriptor[Req, Resp],
        requests: AsyncIterable[Req] | Iterable[Req],
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> UnaryCall[Resp]: ...

    @abc.abstractmethod
    def stream_stream(
        self,
        method: MethodDescriptor[Req, Resp],
        requests: AsyncIterable[Req] | Iterable[Req],
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> StreamCall[Resp]: ...


class SyncStreamCall(Iterator[Resp], abc.ABC):
    """A blocking stream of responses; raises :class:`~dubbopy.errors.RpcError` on a non-OK end."""

    @abc.abstractmethod
    def initial_metadata(self) -> tuple[tuple[str, str | bytes], ...]: ...

    @abc.abstractmethod
    def trailing_metadata(self) -> tuple[tuple[str, str | bytes], ...]: ...

    @abc.abstractmethod
    def cancel(self) -> bool: ...


class SyncChannel(abc.ABC):
    """The blocking call surface a sync stub uses; same arguments as :class:`Channel`."""

    @abc.abstractmethod
    def unary_unary(
        self,
        method: MethodDescriptor[Req, Resp],
        request: Req,
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> Resp: ...

    @abc.abstractmethod
    def unary_stream(
        self,
        method: MethodDescriptor[Req, Resp],
        request: Req,
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> SyncStreamCall[Resp]: ...

    @abc.abstractmethod
    def stream_unary(
        self,
        method: MethodDescriptor[Req, Resp],
        requests: Iterable[Req],
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> Resp: ...

    @abc.abstractmethod
    def stream_stream(
        self,
        method: MethodDescriptor[Req, Resp],
        requests: Iterable[Req],
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> SyncStreamCall[Resp]: ...
