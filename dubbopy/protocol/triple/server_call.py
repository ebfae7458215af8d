"""One server-side call: the stream's inbound messages, the handler run, and the response.

:class:`ServerCall` is at once the stream's event sink (fed by the connection), the handler's
:class:`~dubbopy.rpc.servicer.ServicerContext` and, for streaming requests, its
:class:`~dubbopy.rpc.servicer.RequestStream`. It runs the handler as one asyncio task (``async def``
handlers on the loop, plain ones on the server's worker pool), ends the call exactly once with a status,
and cancels the handler when the client resets the stream, the deadline passes or the server stops.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections import deque
from collections.abc import AsyncIterator, Iterator, Sequence
from typing import TYPE_CHECKING, Any

from dubbopy.errors import ProtocolError, RpcError, StatusCode
from dubbopy.protocol.triple import wire_metadata as md
from dubbopy.protocol.triple.call_state import CallState
from dubbopy.protocol.triple.codec.framing import MessageDecoder, MessageTooLargeError, encode_message
from dubbopy.protocol.triple.codec.metadata import encode_binary_header
from dubbopy.protocol.triple.codec.status import encode_grpc_message
from dubbopy.protocol.triple.h2base import StreamSink
from dubbopy.rpc.context import CallContext, RpcContext
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.servicer import RequestStream

if TYPE_CHECKING:
    from dubbopy.protocol.triple.codec.compression import Compressor
    from dubbopy.protocol.triple.handlers import MethodHandler
    from dubbopy.protocol.triple.server import ServerConnection

_END = object()


class _EndedError(Exception):
    """Internal: the call already ended (reset, deadline, abort); the handler's result is dropped."""


class ServerCall(StreamSink, CallState, RequestStream[Any]):
    """See the module docstring."""

    def __init__(  # noqa: PLR0917 - built in one place, by the connection
        self,
        connection: ServerConnection,
        stream_id: int,
        handler: MethodHandler,
        headers: list[tuple[bytes, bytes]],
        deadline: float | None,
        request_compressor: Compressor | None,
        response_compressor: Compressor | None,
    ) -> None:
        self._init_state(handler, deadline)
        self.connection = connection
        self.stream_id = stream_id
        self.headers = headers
        self._decoder = MessageDecoder(connection.options.max_receive_message_size)
        self._request_compressor = request_compressor
        self._response_compressor = response_compressor
        self._inbox: deque[Any] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self._half_closed = False
        self._headers_sent = False
        self._initial: list[tuple[str, str | bytes]] = []
        self._raw_headers: list[tuple[bytes, bytes]] = []
        self._deadline_handle: asyncio.TimerHandle | None = None
        self._metadata: tuple[tuple[str, str | bytes], ...] | None = None
        self.task: asyncio.Task[None] | None = None
        self._call_context: CallContext | None = None

    # ------------------------------------------------------------------ stream events

    def on_data(self, data: bytes, flow_len: int) -> None:
        try:
            messages = self._decoder.feed(data)
        except MessageTooLargeError as exc:
            self.connection.acknowledge(self.stream_id, flow_len)
            self.fail(RpcError(StatusCode.RESOURCE_EXHAUSTED, f"received message larger than max ({exc})"))
            return
        except ProtocolError as exc:
            self.connection.acknowledge(self.stream_id, flow_len)
            self.fail(RpcError(StatusCode.INTERNAL, str(exc)))
            return
        if not messages:
            inbox = self._inbox
            if inbox:
                # The reader is behind: this part of a message is paid back with the newest queued one,
                # so the peer's window bounds what a slow reader buffers. (Acknowledging at once would let
                # a peer that splits messages over many frames send without limit.)
                queued, credit = inbox[-1]
                inbox[-1] = (queued, credit + flow_len)
            else:
                self.connection.acknowledge(self.stream_id, flow_len)
            return
        # window is handed back when the last message of this frame is consumed
        for i, message in enumerate(messages):
            self._inbox.append((message, flow_len if i == len(messages) - 1 else 0))
        self._wake()
        if self.task is None and not self.handler.method.call_type.client_streams and len(self._inbox) > 1:
            self.fail(RpcError(StatusCode.INTERNAL, "unary request carried more than one message"))

    def on_end(self) -> None:
        self._half_closed = True
        if self._decoder.pending:
            self.fail(RpcError(StatusCode.INTERNAL, "request stream ended inside a message (truncated frame)"))
            return
        self._wake()
        if self.task is None and not self._ended:
            self.start()

    def on_reset(self, error_code: int) -> None:
        self._half_closed = True
        if not self._ended:
            self._ended = True
            self._cancelled = True
            self._cancel_task()
            self._finished()
        self._wake()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # ------------------------------------------------------------------ running the handler

    def start(self) -> None:
        """Start the handler task (at headers for client-streaming kinds, at END_STREAM otherwise)."""
        if self.deadline is not None:
            self._deadline_handle = self.connection.loop.call_at(self.deadline, self._on_deadline)
        self.task = self.connection.loop.create_task(self._run())

    async def _run(self) -> None:
        method = self.handler.method
        invocation = Invocation(method.service, method.name, None, method=method, attachments=self.attachments)
        self._call_context = CallContext(invocation, peer=self.connection.peer_name)
        with RpcContext.serving(self._call_context):
            await self._run_handler()

    async def _run_handler(self) -> None:
        handler = self.handler
        call_type = handler.method.call_type
        try:
            if call_type.client_streams:
                argument: Any = self
            else:
                argument = self._single_request()
            if call_type.server_streams:
                await self._stream_responses(argument)
            else:
                response = await self._call(argument)
                self._send_unary(response)
        except _EndedError:
            pass
        except RpcError as exc:
            self.fail(exc)
        except asyncio.CancelledError:
            if not self._ended:
                self.fail(RpcError(StatusCode.CANCELLED, "call cancelled by the server"))
        except Exception as exc:
            self.fail(RpcError(StatusCode.UNKNOWN, f"{type(exc).__name__}: {exc}"))

    def _single_request(self) -> Any:
        if not self._inbox:
            raise RpcError(StatusCode.INTERNAL, "request stream ended without a message")
        payload, flow_len = self._inbox.popleft()
        self.connection.acknowledge(self.stream_id, flow_len)
        return self._decode(payload)

    def _decode(self, item: tuple[bool, bytes]) -> Any:
        compressed, payload = item
        if compressed:
            if self._request_compressor is None:
                raise RpcError(StatusCode.INTERNAL, "compressed message received without grpc-encoding")
            try:
                payload = self._request_compressor.decompress(payload, self.connection.options.max_receive_message_size)
            except MessageTooLargeError as exc:
                raise RpcError(StatusCode.RESOURCE_EXHAUSTED, f"decompressed message larger than max ({exc})") from exc
        try:
            return self.handler.method.request_deserializer(payload)
        except Exception as exc:
            raise RpcError(
                StatusCode.INTERNAL, f"could not decode the request for {self.handler.method.path}: {exc}"
            ) from exc

    async def _call(self, argument: Any) -> Any:
        function = self.handler.function
        if self.handler.is_async:
            return await function(argument, self)
        context = contextvars.copy_context()
        return await self.connection.loop.run_in_executor(
            self.connection.executor, context.run, function, argument, self
        )

    async def _stream_responses(self, argument: Any) -> None:
        function = self.handler.function
        if self.handler.is_async:
            async for response in function(argument, self):
                await self._send_message(response)
        else:
            loop = self.connection.loop
            executor = self.connection.executor
            context = contextvars.copy_context()
            iterator = await loop.run_in_executor(executor, context.run, function, argument, self)

            def step() -> Any:
                return next(iterator, _END)

            while True:
                response = await loop.run_in_executor(executor, context.run, step)
                if response is _END:
                    break
                await self._send_message(response)
        self._send_trailers(StatusCode.OK, "", None)

    # ------------------------------------------------------------------ sending

    def _response_headers(self) -> list[tuple[bytes, bytes]]:
        headers = list(self.connection.response_headers)
        if self._response_compressor is not None:
            headers.append((b"grpc-encoding", self._response_compressor.name.encode()))
        if self._initial:
            headers.extend(md.to_headers(self._initial))
        if self._raw_headers:
            headers.extend(self._raw_headers)
        return headers

    def add_response_header(self, name: bytes, value: bytes) -> bool:
        """Add a transport header (e.g. ``tri-exception-code``) to the response headers; ``False`` if
        they were already sent. For protocol extensions, not for user metadata."""
        if self._headers_sent:
            return False
        self._raw_headers.append((name, value))
        return True

    def _ensure_headers(self) -> None:
        if not self._headers_sent:
            self._headers_sent = True
            self.connection.conn.send_headers(self.stream_id, self._response_headers())

    def _frame(self, response: Any) -> bytes:
        if self._ended:
            raise _EndedError
        try:
            payload = self.handler.method.response_serializer(response)
        except Exception as exc:
            raise RpcError(StatusCode.INTERNAL, f"could not encode the response: {exc}") from exc
        if self._response_compressor is not None:
            return encode_message(self._response_compressor.compress(payload), True)
        return encode_message(payload, False)

    def _send_unary(self, response: Any) -> None:
        framed = self._frame(response)
        conn = self.connection.conn
        self._ensure_headers()
        if len(framed) <= conn.send_window(self.stream_id):
            conn.send_data(self.stream_id, framed)
            self._send_trailers(StatusCode.OK, "", None)
        else:
            self.task = self.connection.loop.create_task(self._send_large_unary(framed))

    async def _send_large_unary(self, framed: bytes) -> None:
        try:
            await self.connection.send_data(self.stream_id, framed)
        except ProtocolError:
            return
        self._send_trailers(StatusCode.OK, "", None)

    async def _send_message(self, response: Any) -> None:
        framed = self._frame(response)
        self._ensure_headers()
        try:
            await self.connection.send_data(self.stream_id, framed)
        except ProtocolError as exc:
            raise _EndedError from exc

    def _send_trailers(self, status: StatusCode, message: str, details: bytes | None) -> None:
        if self._ended:
            return
        self._ended = True
        trailers: list[tuple[bytes, bytes]]
        if self._headers_sent:
            trailers = [(b"grpc-status", b"%d" % status)]
        else:
            self._headers_sent = True
            trailers = self._response_headers()
            trailers.append((b"grpc-status", b"%d" % status))
        if message:
            trailers.append((b"grpc-message", encode_grpc_message(message).encode("ascii")))
        if details:
            trailers.append((b"grpc-status-details-bin", encode_binary_header(details).encode("ascii")))
        if self._trailing:
            trailers.extend(md.to_headers(self._trailing))
        call_context = self._call_context
        if call_context is not None and call_context.response_attachments:
            trailers.extend(md.attachments_to_headers(call_context.response_attachments))
        connection = self.connection
        if not connection.closed:
            try:
                connection.conn.send_headers(self.stream_id, trailers, end_stream=True)
            except Exception:
                connection.reset_stream(self.stream_id)
            else:
                connection.schedule_flush()
        self._finished()

    def fail(self, error: RpcError) -> None:
        """End the call with ``error``'s status (no-op if it already ended) and stop the handler."""
        if self._ended:
            return
        if error.trailers:
            self._trailing.extend(error.trailers)
        self._send_trailers(error.status, error.message, error.details)
        if not self._half_closed:
            # the client is still sending: tell it to stop (RFC 9113 §8.1)
            self.connection.reset_stream(self.stream_id, 0)
        self._cancelled = error.status in (StatusCode.CANCELLED, StatusCode.DEADLINE_EXCEEDED)
        self._cancel_task()

    def _on_deadline(self) -> None:
        self._deadline_handle = None
        self.fail(RpcError(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded"))
        self._cancelled = True

    def _cancel_task(self) -> None:
        task = self.task
        if task is not None and not task.done() and task is not asyncio.current_task():
            task.cancel()

    def _finished(self) -> None:
        self.connection.streams.pop(self.stream_id, None)
        self.connection.call_finished(self)
        if self._deadline_handle is not None:
            self._deadline_handle.cancel()
            self._deadline_handle = None
        # give back the window of messages nobody will read
        for _payload, flow_len in self._inbox:
            self.connection.acknowledge(self.stream_id, flow_len)
        self._inbox.clear()
        self._run_done_callbacks()

    # ------------------------------------------------------------------ RequestStream

    async def read(self) -> Any:
        while True:
            if self._inbox:
                payload, flow_len = self._inbox.popleft()
                self.connection.acknowledge(self.stream_id, flow_len)
                return self._decode(payload)
            if self._ended:
                raise RpcError(StatusCode.CANCELLED, "call ended while reading requests")
            if self._half_closed:
                return None
            self._waiter = self.connection.loop.create_future()
            await self._waiter
            self._waiter = None

    async def _aiter(self) -> AsyncIterator[Any]:
        while True:
            message = await self.read()
            if message is None:
                return
            yield message

    def __aiter__(self) -> AsyncIterator[Any]:
        return self._aiter()

    def __iter__(self) -> Iterator[Any]:
        loop = self.connection.loop
        while True:
            message = asyncio.run_coroutine_threadsafe(self.read(), loop).result()
            if message is None:
                return
            yield message

    # ------------------------------------------------------------------ ServicerContext

    def peer(self) -> str:
        return self.connection.peer_name

    def invocation_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        if self._metadata is None:
            self._metadata = md.from_headers(self.headers)
        return self._metadata

    async def send_initial_metadata(self, metadata: Sequence[tuple[str, str | bytes]]) -> None:
        if self._headers_sent:
            raise RpcError(StatusCode.INTERNAL, "initial metadata was already sent")
        md.validate(metadata)
        self._initial.extend(metadata)
        self._ensure_headers()
        self.connection.schedule_flush()

    def set_compression(self, name: str) -> None:
        compressor = self.connection.negotiate_compression(name, self.headers)
        if compressor is not None and not self._headers_sent:
            self._response_compressor = compressor

    @property
    def attachments(self) -> dict[str, Any]:
        attachments: dict[str, Any] = md.to_attachments(self.headers)
        for name, value in self.headers:
            if name == b"tri-consumer-appname":
                # Java exposes the caller's application under this key (spec/triple.md §1.1)
                attachments["remote.application"] = value.decode("latin-1")
        return attachments
