"""Call objects and the channel that turns stub calls into invocations of an invoker.

:class:`InvokerChannel` is the :class:`~dubbopy.rpc.channel.Channel` every reference hands to stubs: it
builds an :class:`~dubbopy.rpc.invocation.Invocation` per call and returns a call object that runs
``invoker.invoke`` (the filter chain, cluster and protocol below it) when first awaited or iterated.

A protocol invoker puts a :class:`ResponseStream` under ``invocation.attributes[STREAM]`` as soon as the
call is on the wire, so that ``cancel()`` and the metadata accessors reach it; for server-streaming
calls the result's value is that stream.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterable, AsyncIterator, Generator, Iterable, Mapping
from typing import Any, Final, Protocol, TypeVar

from dubbopy.errors import RpcError, StatusCode
from dubbopy.rpc.channel import Channel, Metadata, StreamCall, UnaryCall
from dubbopy.rpc.context import RpcContext
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.rpc.method import MethodDescriptor
from dubbopy.rpc.result import Result

Req = TypeVar("Req")
Resp = TypeVar("Resp")

#: ``invocation.attributes`` key of the protocol's live :class:`ResponseStream`
STREAM: Final = "dubbopy.stream"
#: ``invocation.attributes`` key set when the caller cancelled before the call reached the wire
CANCELLED: Final = "dubbopy.cancelled"
#: ``invocation.attributes`` key holding the call's gRPC metadata list (duplicates and ``-bin`` kept)
METADATA: Final = "dubbopy.metadata"


class ResponseStream(Protocol):
    """What a protocol exposes of a call on the wire."""

    @property
    def ended(self) -> bool: ...

    @property
    def code(self) -> StatusCode: ...

    async def read(self) -> Any: ...

    async def wait_headers(self) -> Any: ...

    def cancel(self, message: str = ...) -> bool: ...

    def initial_metadata(self) -> tuple[tuple[str, str | bytes], ...]: ...

    def trailing_metadata(self) -> tuple[tuple[str, str | bytes], ...]: ...


class _InvocationCall:
    """Shared state of both call kinds: the invocation and, once run, its result."""

    def __init__(self, invoker: Invoker, invocation: Invocation) -> None:
        self._invoker = invoker
        self._invocation = invocation
        self._result: Result | None = None
        self._running: asyncio.Future[Result] | None = None

    async def _run(self) -> Result:
        if self._result is not None:
            return self._result
        if self._running is not None:
            return await asyncio.shield(self._running)
        self._running = asyncio.get_running_loop().create_future()
        try:
            result = await self._invoker.invoke(self._invocation)
        except BaseException as exc:
            result = Result.from_exception(
                RpcError(StatusCode.CANCELLED, "call cancelled") if isinstance(exc, asyncio.CancelledError) else exc
            )
            self._result = result
            self._running.set_result(result)
            raise
        self._result = result
        self._running.set_result(result)
        RpcContext.record_response(result.attachments)
        return result

    def _stream(self) -> ResponseStream | None:
        stream: ResponseStream | None = self._invocation.attributes.get(STREAM)
        return stream

    async def initial_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        """Response header metadata, once the headers arrived."""
        stream = self._stream()
        if stream is None:
            await self._run()
            stream = self._stream()
        if stream is None:
            return ()
        await stream.wait_headers()
        return stream.initial_metadata()

    async def trailing_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        """Trailer metadata, once the call ended."""
        await self._wait_end()
        stream = self._stream()
        if stream is not None:
            return stream.trailing_metadata()
        result = self._result
        if result is not None and isinstance(result.exception, RpcError):
            return result.exception.trailers
        return tuple(result.attachments.items()) if result is not None else ()

    async def code(self) -> StatusCode:
        """The final status."""
        await self._wait_end()
        result = self._result
        assert result is not None
        if isinstance(result.exception, RpcError):
            return result.exception.status
        stream = self._stream()
        return stream.code if stream is not None else StatusCode.OK

    async def _wait_end(self) -> None:
        result = await self._run()
        stream = self._stream()
        if stream is not None and result.exception is None and result.value is stream:
            while not stream.ended:
                await stream.read()

    def cancel(self) -> bool:
        """Cancel the call; ``False`` if it already ended."""
        stream = self._stream()
        if stream is not None:
            return stream.cancel("call cancelled by the client")
        if self._result is not None:
            return False
        self._invocation.attributes[CANCELLED] = True
        return True

    def done(self) -> bool:
        """Whether the call ended."""
        stream = self._stream()
        if stream is not None:
            return stream.ended
        return self._result is not None


class InvokerUnaryCall(_InvocationCall, UnaryCall[Resp]):
    """A unary or client-streaming call: ``await`` it for the response."""

    def __await__(self) -> Generator[Any, None, Resp]:
        return self._response().__await__()

    async def _response(self) -> Resp:
        result = await self._run()
        value: Resp = result.value_or_raise()
        return value


class InvokerStreamCall(_InvocationCall, StreamCall[Resp]):
    """A server- or bidi-streaming call: iterate it for the responses."""

    async def read(self) -> Resp | None:
        """The next response, or ``None`` at the end of an OK stream."""
        result = await self._run()
        stream: ResponseStream = result.value_or_raise()
        message: Resp | None = await stream.read()
        return message

    async def _iterate(self) -> AsyncIterator[Resp]:
        while True:
            message = await self.read()
            if message is None:
                return
            yield message

    def __aiter__(self) -> AsyncIterator[Resp]:
        return self._iterate()


class InvokerChannel(Channel):
    """A :class:`~dubbopy.rpc.channel.Channel` over an invoker, with per-reference defaults.

    ``timeout`` is the default per-call timeout in seconds (``None``: no deadline); ``attachments`` are
    added to every call (a call's own metadata wins).
    """

    def __init__(
        self,
        invoker: Invoker,
        *,
        timeout: float | None = None,
        attachments: Mapping[str, str | bytes] | None = None,
    ) -> None:
        self.invoker = invoker
        self.timeout = timeout
        self.attachments = dict(attachments or {})

    def _invocation(
        self, method: MethodDescriptor[Any, Any], arguments: Any, timeout: float | None, metadata: Metadata | None
    ) -> Invocation:
        attachments = dict(self.attachments) if self.attachments else None
        outgoing = RpcContext.take_attachments()
        if outgoing:
            attachments = {**attachments, **outgoing} if attachments else outgoing
        invocation = Invocation(
            method.service,
            method.name,
            arguments,
            method=method,
            attachments=attachments,
            timeout=self.timeout if timeout is None else timeout,
        )
        if metadata:
            invocation.attributes[METADATA] = metadata
        return invocation

    def unary_unary(
        self,
        method: MethodDescriptor[Req, Resp],
        request: Req,
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> UnaryCall[Resp]:
        return InvokerUnaryCall(self.invoker, self._invocation(method, request, timeout, metadata))

    def unary_stream(
        self,
        method: MethodDescriptor[Req, Resp],
        request: Req,
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> StreamCall[Resp]:
        return InvokerStreamCall(self.invoker, self._invocation(method, request, timeout, metadata))

    def stream_unary(
        self,
        method: MethodDescriptor[Req, Resp],
        requests: AsyncIterable[Req] | Iterable[Req],
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> UnaryCall[Resp]:
        return InvokerUnaryCall(self.invoker, self._invocation(method, requests, timeout, metadata))

    def stream_stream(
        self,
        method: MethodDescriptor[Req, Resp],
        requests: AsyncIterable[Req] | Iterable[Req],
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> StreamCall[Resp]:
        return InvokerStreamCall(self.invoker, self._invocation(method, requests, timeout, metadata))
