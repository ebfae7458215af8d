"""One client-side call stream: response headers, messages and trailers, and the call's end.

A :class:`ClientStream` is registered on a :class:`~dubbopy.protocol.triple.client.ClientConnection`
once its request headers are sent. It decodes response messages as they arrive (enforcing the receive
size limit), hands flow-control window back only when a message is consumed, and settles the call's
status exactly once: from the trailers, from a reset, from the deadline or from a local cancel.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import TYPE_CHECKING, Any

from dubbopy.errors import ProtocolError, RemoteError, RpcError, StatusCode
from dubbopy.protocol.triple import wire_metadata as md
from dubbopy.protocol.triple.codec import compression
from dubbopy.protocol.triple.codec.framing import MessageDecoder, MessageTooLargeError
from dubbopy.protocol.triple.codec.metadata import decode_binary_header
from dubbopy.protocol.triple.codec.status import decode_grpc_message, http_status_to_grpc_code
from dubbopy.protocol.triple.h2base import StreamSink
from dubbopy.protocol.triple.http2 import connection as h2c
from dubbopy.rpc.method import MethodDescriptor

if TYPE_CHECKING:
    from dubbopy.protocol.triple.client import ClientConnection
    from dubbopy.protocol.triple.codec.compression import Compressor

#: RST_STREAM codes as call statuses; ``{server}`` is the provider's ``host:port``
_RESET_STATUS: dict[int, tuple[StatusCode, str]] = {
    h2c.CANCEL: (StatusCode.CANCELLED, "stream cancelled by {server}"),
    h2c.REFUSED_STREAM: (StatusCode.UNAVAILABLE, "stream refused by {server} (retry)"),
    h2c.ENHANCE_YOUR_CALM: (StatusCode.RESOURCE_EXHAUSTED, "{server} says: enhance your calm"),
    0xC: (StatusCode.PERMISSION_DENIED, "inadequate security (says {server})"),
}


class ClientStream(StreamSink):
    """See the module docstring."""

    def __init__(self, connection: ClientConnection, method: MethodDescriptor[Any, Any], max_receive: int) -> None:
        self.connection = connection
        self.method = method
        self.stream_id = 0
        self._decoder = MessageDecoder(max_receive)
        self._max_receive = max_receive
        self._compressor: Compressor | None = None
        self._inbox: deque[tuple[tuple[bool, bytes], int]] = deque()
        self._waiter: asyncio.Future[None] | None = None
        self.headers: list[tuple[bytes, bytes]] | None = None
        self.trailers: list[tuple[bytes, bytes]] = []
        self.error: RpcError | None = None
        self.ended = False
        self.deadline_handle: asyncio.TimerHandle | None = None
        self.done: asyncio.Future[None] = connection.loop.create_future()

    # ------------------------------------------------------------------ events from the connection

    def on_response(self, headers: list[tuple[bytes, bytes]], end_stream: bool) -> None:
        """The response HEADERS frame; with END_STREAM it is a trailers-only response."""
        self.headers = headers
        h = dict(headers)
        http_status = h.get(b":status", b"")
        if end_stream:
            self.on_trailers(headers)
            return
        if http_status != b"200":
            code = http_status_to_grpc_code(int(http_status or b"0"))
            server = self.connection.owner.target
            self._settle(RpcError(code, f"HTTP status {http_status.decode('latin-1')} from {server}"))
            self.connection.reset_stream(self.stream_id)
            return
        content_type = h.get(b"content-type", b"")
        if not content_type.startswith(b"application/grpc"):
            self._settle(RpcError(StatusCode.UNKNOWN, f"unexpected content-type {content_type.decode('latin-1')!r}"))
            self.connection.reset_stream(self.stream_id)
            return
        encoding = h.get(b"grpc-encoding")
        if encoding is not None and encoding != b"identity":
            self._compressor = compression.default_registry.get(encoding.decode("latin-1"))
            if self._compressor is None:
                self._settle(RpcError(StatusCode.INTERNAL, f"server used unknown grpc-encoding {encoding!r}"))
                self.connection.reset_stream(self.stream_id)
        self._wake()

    def on_data(self, data: bytes, flow_len: int) -> None:
        try:
            messages = self._decoder.feed(data)
        except MessageTooLargeError as exc:
            self._fail_local(RpcError(StatusCode.RESOURCE_EXHAUSTED, f"received message larger than max ({exc})"))
            self.connection.acknowledge(self.stream_id, flow_len)
            return
        except ProtocolError as exc:
            self._fail_local(RpcError(StatusCode.INTERNAL, str(exc)))
            self.connection.acknowledge(self.stream_id, flow_len)
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
        last = len(messages) - 1
        for i, message in enumerate(messages):
            self._inbox.append((message, flow_len if i == last else 0))
        self._wake()

    def on_trailers(self, headers: list[tuple[bytes, bytes]]) -> None:
        self.trailers = headers
        h = dict(headers)
        raw_status = h.get(b"grpc-status")
        if raw_status is None:
            http_status = int(h.get(b":status", b"0") or b"0") if self.headers is headers else 200
            code = StatusCode.UNKNOWN if http_status == 200 else http_status_to_grpc_code(http_status)
            self._settle(RpcError(code, "response ended without grpc-status"))
            return
        try:
            code = StatusCode.from_wire(int(raw_status))
        except ValueError:
            self._settle(RpcError(StatusCode.UNKNOWN, f"malformed grpc-status {raw_status!r}"))
            return
        if code is StatusCode.OK:
            if self._decoder.pending:
                self._settle(RpcError(StatusCode.INTERNAL, "response ended inside a message (truncated frame)"))
            else:
                self._settle(None)
            return
        message = decode_grpc_message(h.get(b"grpc-message", b"").decode("latin-1"))
        details_raw = h.get(b"grpc-status-details-bin")
        try:
            details = decode_binary_header(details_raw, key="grpc-status-details-bin") if details_raw else None
        except ProtocolError:
            details = None
        self._settle(RemoteError(code, message, details=details, trailers=md.from_headers(headers)))

    def on_end(self) -> None:
        if not self.ended:
            self._settle(RpcError(StatusCode.INTERNAL, "response ended without trailers"))

    def on_reset(self, error_code: int) -> None:
        if self.ended:
            return
        server = self.connection.owner.target
        if self.connection.closed:
            self._settle(RpcError(StatusCode.UNAVAILABLE, f"connection to {server} was lost"))
            return
        code, text = _RESET_STATUS.get(error_code, (StatusCode.INTERNAL, f"stream reset by {{server}} ({error_code})"))
        self._settle(RpcError(code, text.format(server=server)))

    # ------------------------------------------------------------------ local ends

    def on_deadline(self) -> None:
        """The call's deadline passed: reset the stream, end with DEADLINE_EXCEEDED."""
        self.deadline_handle = None
        self._fail_local(RpcError(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded"))

    def cancel(self, message: str = "call cancelled by the client") -> bool:
        """Cancel the call (RST_STREAM CANCEL); ``False`` if it had already ended."""
        if self.ended:
            return False
        self._fail_local(RpcError(StatusCode.CANCELLED, message))
        return True

    def _fail_local(self, error: RpcError) -> None:
        if self.ended:
            return
        self._settle(error)
        self.connection.reset_stream(self.stream_id, h2c.CANCEL)

    def _settle(self, error: RpcError | None) -> None:
        if self.ended:
            return
        self.ended = True
        self.error = error
        if self.deadline_handle is not None:
            self.deadline_handle.cancel()
            self.deadline_handle = None
        self.connection.stream_finished(self)
        if not self.done.done():
            self.done.set_result(None)
        self._wake()
        if error is not None:
            for _item, flow_len in self._inbox:
                self.connection.acknowledge(self.stream_id, flow_len)
            self._inbox.clear()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # ------------------------------------------------------------------ reading

    def _decode(self, item: tuple[bool, bytes]) -> Any:
        compressed, payload = item
        if compressed:
            if self._compressor is None:
                raise RpcError(StatusCode.INTERNAL, "compressed message received without grpc-encoding")
            try:
                payload = self._compressor.decompress(payload, self._max_receive)
            except MessageTooLargeError as exc:
                raise RpcError(StatusCode.RESOURCE_EXHAUSTED, f"decompressed message larger than max ({exc})") from exc
        try:
            return self.method.response_deserializer(payload)
        except Exception as exc:
            raise RpcError(StatusCode.INTERNAL, f"could not decode the response of {self.method.path}: {exc}") from exc

    async def read(self) -> Any:
        """The next response message, ``None`` at the end of an OK call; raises the call's error."""
        while True:
            if self._inbox:
                item, flow_len = self._inbox.popleft()
                self.connection.acknowledge(self.stream_id, flow_len)
                return self._decode(item)
            if self.ended:
                if self.error is not None:
                    raise self.error
                return None
            self._waiter = self.connection.loop.create_future()
            try:
                await self._waiter
            except asyncio.CancelledError:
                self.cancel("the reading task was cancelled")
                raise
            finally:
                self._waiter = None

    async def wait_headers(self) -> list[tuple[bytes, bytes]]:
        """The response headers, once they arrived (an empty list if the call ended without any)."""
        while self.headers is None and not self.ended:
            self._waiter = self.connection.loop.create_future()
            try:
                await self._waiter
            finally:
                self._waiter = None
        return self.headers or []

    async def unary_result(self) -> Any:
        """Wait for the end of a call with one response message and return it (or raise)."""
        if not self.ended:
            try:
                await self.done
            except asyncio.CancelledError:
                self.cancel("the calling task was cancelled")
                raise
        if self.error is not None:
            raise self.error
        if len(self._inbox) != 1:
            raise RpcError(StatusCode.INTERNAL, f"expected one response message, got {len(self._inbox)}")
        item, flow_len = self._inbox.popleft()
        self.connection.acknowledge(self.stream_id, flow_len)
        return self._decode(item)

    def initial_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        """Response header metadata (empty before the headers arrived)."""
        if not self.headers or self.headers is self.trailers:
            return ()
        return md.from_headers(self.headers)

    def trailing_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        """Trailer metadata (empty before the call ended)."""
        return md.from_headers(self.trailers) if self.trailers else ()

    @property
    def code(self) -> StatusCode:
        """The final status (``OK`` until an error settles it)."""
        return self.error.status if self.error is not None else StatusCode.OK
