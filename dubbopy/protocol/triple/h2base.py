"""The HTTP/2 connection under Triple: our sans-IO engine driven by an asyncio protocol.

Both ends share :class:`H2Protocol`: it feeds received bytes to the
:class:`~dubbopy.protocol.triple.http2.connection.H2Engine`, which calls back into this class (it is the
engine's listener) and from here into per-stream :class:`StreamSink` objects; what the engine queues is
written in one ``transport.write`` per batch of work. It implements the two kinds of backpressure:

* **receiving**: a stream's flow-control window is only handed back to the peer (WINDOW_UPDATE) when the
  application has *consumed* a message, so a slow reader stops the sender at one window;
* **sending**: :meth:`H2Protocol.send_data` waits for window (stream and connection) and for the
  transport to drain, so a slow peer never makes us buffer without bound.

Why our own engine rather than ``h2``: profiling the echo benchmark showed 60-70 % of each side's CPU per
call inside h2/hpack/hyperframe (event objects, per-frame validation and logging, a scan of all streams
per new stream); see ``docs/design.md``. The engine keeps the protocol rules and drops that overhead.

Subclasses implement :meth:`H2Protocol.on_stream_headers` for their side (server: a request; client: a
response).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import cast

from dubbopy.errors import ProtocolError
from dubbopy.protocol.triple.http2 import connection as h2c
from dubbopy.protocol.triple.http2.connection import H2ConnectionError, H2Engine

#: the HTTP/2 client connection preface, used to tell h2c from HTTP/1.1 on a server port
H2_PREFACE = h2c.PREFACE

#: stream and connection receive windows we advertise; large enough that a 64 KiB message stream is
#: not limited by round trips, small enough to bound what one slow reader makes a peer buffer
DEFAULT_STREAM_WINDOW = 1 << 20
DEFAULT_CONNECTION_WINDOW = 1 << 24
DEFAULT_MAX_HEADER_LIST = 16 << 10

Header = tuple[bytes, bytes]


class StreamSink:
    """What :class:`H2Protocol` calls for events on one stream. Subclasses override what they need."""

    __slots__ = ()

    def on_data(self, data: bytes, flow_len: int) -> None:
        """A DATA frame's payload; ``flow_len`` must be acknowledged once consumed."""

    def on_end(self) -> None:
        """The peer half-closed the stream (END_STREAM)."""

    def on_reset(self, error_code: int) -> None:
        """The stream was reset (by the peer, or because the connection died)."""

    def on_trailers(self, headers: list[Header]) -> None:
        """Trailers arrived (they carry END_STREAM; :meth:`on_end` follows)."""


#: bytes of a request body read and dropped after an early answer, before the stream is reset
DISCARD_LIMIT = 1 << 20


class DiscardSink(StreamSink):
    """The rest of a request body that was answered early (an error, a 413): read it and drop it.

    Resetting the stream at once is allowed (RFC 9113 §8.1) but makes some clients (curl/nghttp2)
    report a stream error instead of the response they were already sent; so up to
    :data:`DISCARD_LIMIT` bytes are taken and dropped, and only a client that keeps sending past that is
    told to stop with RST_STREAM(NO_ERROR).
    """

    __slots__ = ("_left", "_protocol", "_stream_id")

    def __init__(self, protocol: H2Protocol, stream_id: int, limit: int = DISCARD_LIMIT) -> None:
        self._protocol = protocol
        self._stream_id = stream_id
        self._left = limit

    def on_data(self, data: bytes, flow_len: int) -> None:
        self._protocol.acknowledge(self._stream_id, flow_len)
        self._left -= len(data)
        if self._left < 0:
            self._protocol.reset_stream(self._stream_id, h2c.NO_ERROR)

    def on_end(self) -> None:
        self._protocol.streams.pop(self._stream_id, None)


class H2Protocol(asyncio.Protocol):
    """An asyncio protocol owning one HTTP/2 connection. See the module docstring."""

    def __init__(
        self,
        client_side: bool,
        *,
        stream_window: int = DEFAULT_STREAM_WINDOW,
        connection_window: int = DEFAULT_CONNECTION_WINDOW,
        max_header_list_size: int = DEFAULT_MAX_HEADER_LIST,
    ) -> None:
        self.conn = H2Engine(
            self,
            client_side=client_side,
            stream_window=stream_window,
            connection_window=connection_window,
            max_header_list_size=max_header_list_size,
        )
        self.transport: asyncio.Transport | None = None
        self.loop = asyncio.get_running_loop()
        self.streams: dict[int, StreamSink] = {}
        self.closed = False
        self.peer_name = ""
        self._write_paused = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        self._window_waiters: dict[int, list[asyncio.Future[None]]] = {}
        self._flush_scheduled = False
        self._closed_future: asyncio.Future[None] = self.loop.create_future()

    # ------------------------------------------------------------------ asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # not an isinstance check: uvloop's transports do not derive from asyncio.Transport
        transport = cast(asyncio.Transport, transport)
        self.transport = transport
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and len(peer) >= 2:
            host, port = peer[0], peer[1]
            self.peer_name = f"ipv6:[{host}]:{port}" if ":" in host else f"ipv4:{host}:{port}"
        self.conn.initiate()
        self.flush()

    def data_received(self, data: bytes) -> None:
        try:
            self.conn.receive(data)
        except H2ConnectionError as exc:
            self.on_protocol_error(exc)
            return
        self.flush()

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        waiters, self._drain_waiters = self._drain_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        self.transport = None
        streams, self.streams = self.streams, {}
        code = h2c.CANCEL if exc is None else h2c.INTERNAL_ERROR
        for sink in streams.values():
            sink.on_reset(code)
        self._wake_all_windows()
        self.resume_writing()
        if not self._closed_future.done():
            self._closed_future.set_result(None)
        self.on_connection_lost(exc)

    # ------------------------------------------------------------------ hooks for subclasses

    def on_stream_headers(self, stream_id: int, headers: list[Header], end_stream: bool) -> None:
        """The first HEADERS of a stream: a request (servers) or a response (clients)."""

    def on_headers_too_large(self, stream_id: int, size: int) -> None:
        """A request's headers exceed our limit: refuse the stream."""
        self.reset_stream(stream_id, h2c.REFUSED_STREAM)

    def on_protocol_error(self, exc: Exception) -> None:
        """The peer broke HTTP/2: the engine has queued a GOAWAY; send it and close."""
        self.close()

    def on_goaway(self, last_stream_id: int, error_code: int, debug: bytes) -> None:
        """The peer sent GOAWAY."""

    def on_connection_lost(self, exc: Exception | None) -> None:
        """The transport is gone; every stream has been reset already."""

    def on_ping_ack(self, data: bytes) -> None:
        """A PING we sent was acknowledged."""

    # ------------------------------------------------------------------ engine listener

    def on_headers(self, stream_id: int, headers: list[Header], end_stream: bool) -> None:
        self.on_stream_headers(stream_id, headers, end_stream)

    def on_trailers(self, stream_id: int, headers: list[Header]) -> None:
        sink = self.streams.get(stream_id)
        if sink is not None:
            sink.on_trailers(headers)

    def on_data(self, stream_id: int, data: bytes, flow_len: int) -> None:
        sink = self.streams.get(stream_id)
        if sink is None:
            # data for a stream we already finished with: give the window back at once
            self.conn.ack_data(stream_id, flow_len)
            return
        sink.on_data(data, flow_len)

    def on_end(self, stream_id: int) -> None:
        sink = self.streams.get(stream_id)
        if sink is not None:
            sink.on_end()

    def on_reset(self, stream_id: int, error_code: int) -> None:
        sink = self.streams.pop(stream_id, None)
        self._wake_window(stream_id)
        if sink is not None:
            sink.on_reset(error_code)

    def on_window_update(self, stream_id: int) -> None:
        if stream_id == 0:
            self._wake_all_windows()
        else:
            self._wake_window(stream_id)

    # ------------------------------------------------------------------ writing

    def flush(self) -> None:
        """Write everything the engine has queued, in one ``transport.write``."""
        self._flush_scheduled = False
        data = self.conn.data_to_send()
        if data and self.transport is not None:
            self.transport.write(data)

    def schedule_flush(self) -> None:
        """Flush at the end of this loop iteration, so several streams' frames share one write."""
        if not self._flush_scheduled:
            self._flush_scheduled = True
            self.loop.call_soon(self.flush)

    async def drain(self) -> None:
        """Wait until the transport's write buffer is below its high-water mark."""
        if self._write_paused and not self.closed:
            waiter = self.loop.create_future()
            self._drain_waiters.append(waiter)
            await waiter

    async def send_data(self, stream_id: int, data: bytes, end_stream: bool = False) -> None:
        """Send ``data`` on a stream, waiting for flow-control window and transport drain as needed.

        Raises :class:`ProtocolError` if the stream or connection closes before all is sent.
        """
        conn = self.conn
        view = memoryview(data)
        while True:
            if self.closed:
                raise ProtocolError("connection closed while sending")
            if not conn.is_open(stream_id):
                raise ProtocolError(f"stream {stream_id} closed while sending")
            window = conn.send_window(stream_id)
            size = len(view)
            if size <= window:
                conn.send_data(stream_id, data if size == len(data) else view.tobytes(), end_stream=end_stream)
                break
            if window > 0:
                conn.send_data(stream_id, view[:window].tobytes())
                view = view[window:]
                self.schedule_flush()
                continue
            self.flush()
            await self._wait_window(stream_id)
        self.schedule_flush()
        if self._write_paused:
            await self.drain()

    async def _wait_window(self, stream_id: int) -> None:
        waiter = self.loop.create_future()
        self._window_waiters.setdefault(stream_id, []).append(waiter)
        await waiter

    def _wake_window(self, stream_id: int) -> None:
        waiters = self._window_waiters.pop(stream_id, None)
        if waiters:
            for waiter in waiters:
                if not waiter.done():
                    waiter.set_result(None)

    def _wake_all_windows(self) -> None:
        for stream_id in list(self._window_waiters):
            self._wake_window(stream_id)

    def acknowledge(self, stream_id: int, flow_len: int) -> None:
        """Hand ``flow_len`` bytes of window back to the peer once the application consumed them."""
        if flow_len and not self.closed:
            self.conn.ack_data(stream_id, flow_len)
            if self.conn.has_output:  # a WINDOW_UPDATE was queued
                self.schedule_flush()

    def discard_rest(self, stream_id: int) -> None:
        """After a complete early response, drop what the client still sends on this stream."""
        if self.conn.is_open(stream_id):
            self.streams[stream_id] = DiscardSink(self, stream_id)

    def reset_stream(self, stream_id: int, error_code: int = h2c.CANCEL) -> None:
        """Reset a stream (RST_STREAM) if it is still open; forget its sink."""
        self.streams.pop(stream_id, None)
        self._wake_window(stream_id)
        if not self.closed:
            self.conn.reset_stream(stream_id, error_code)
            self.schedule_flush()

    def close(self) -> None:
        """Close the transport now (queued frames are flushed first)."""
        if self.transport is not None:
            self.flush()
            self.transport.close()

    async def wait_closed(self) -> None:
        """Wait until the transport is gone."""
        await asyncio.shield(self._closed_future)
