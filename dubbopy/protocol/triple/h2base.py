"""The HTTP/2 connection under Triple: h2's state machine driven by an asyncio protocol.

Both ends share this class: it feeds received bytes to ``h2``, dispatches the events to per-stream
objects, writes what ``h2`` wants to send (coalesced: one ``transport.write`` per batch of work), and
implements the two kinds of backpressure:

* **receiving**: a stream's flow-control window is only handed back to the peer (WINDOW_UPDATE) when the
  application has *consumed* a message, so a slow reader stops the sender at one window;
* **sending**: :meth:`H2Protocol.send_data` waits for window (stream and connection) and for the
  transport to drain, so a slow peer never makes us buffer without bound.

Subclasses implement the event hooks for their side (server: new request streams; client: responses).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import Callable
from typing import Any, cast

import h2.config
import h2.connection
import h2.errors
import h2.events
import h2.exceptions
import h2.settings

from dubbopy.errors import ProtocolError

#: the HTTP/2 client connection preface, used to tell h2c from HTTP/1.1 on a server port
H2_PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

#: stream and connection receive windows we advertise; large enough that a 64 KiB message stream is
#: not limited by round trips, small enough to bound what one slow reader makes a peer buffer
DEFAULT_STREAM_WINDOW = 1 << 20
DEFAULT_CONNECTION_WINDOW = 1 << 24
DEFAULT_MAX_FRAME = 1 << 14
DEFAULT_MAX_HEADER_LIST = 16 << 10


_OPEN_STATES = (
    h2.connection.ConnectionState.IDLE,
    h2.connection.ConnectionState.CLIENT_OPEN,
    h2.connection.ConnectionState.SERVER_OPEN,
)


class DrainingH2Connection(h2.connection.H2Connection):
    """``h2``'s connection, except that GOAWAY (sent or received) does not freeze it.

    ``h2`` moves its connection state machine to CLOSED on any GOAWAY, after which it refuses to send or
    receive anything, yet RFC 9113 §6.8 requires streams up to the GOAWAY's last stream id to complete
    (that is what graceful shutdown and a client's in-flight calls depend on). Here the state is put
    back after the GOAWAY is processed; refusing *new* streams is done by the Triple layer, which knows
    a GOAWAY was exchanged.
    """

    def close_connection(
        self,
        error_code: int = 0,
        additional_data: bytes | None = None,
        last_stream_id: int | None = None,
    ) -> None:
        state = self.state_machine.state
        super().close_connection(error_code, additional_data, last_stream_id)
        if error_code == 0 and state in _OPEN_STATES:
            self.state_machine.state = state

    def _receive_goaway_frame(self, frame: Any) -> Any:
        state = self.state_machine.state
        result = super()._receive_goaway_frame(frame)
        if frame.error_code == 0 and state in _OPEN_STATES:
            self.state_machine.state = state
        return result


def make_h2_config(client_side: bool) -> h2.config.H2Configuration:
    """An h2 configuration tuned for Triple: bytes headers, no per-header validation or normalisation.

    Header validation costs 8-19 % of h2's time per call (``shared/bench/README.md``); the Triple layer
    checks the few headers it interprets itself.
    """
    return h2.config.H2Configuration(
        client_side=client_side,
        header_encoding=None,
        validate_outbound_headers=False,
        normalize_outbound_headers=False,
        validate_inbound_headers=False,
        normalize_inbound_headers=False,
    )


class StreamSink:
    """What :class:`H2Protocol` calls for events on one stream. Subclasses override what they need."""

    __slots__ = ()

    def on_data(self, data: bytes, flow_len: int) -> None:
        """A DATA frame's payload; ``flow_len`` must be acknowledged once consumed."""

    def on_end(self) -> None:
        """The peer half-closed the stream (END_STREAM)."""

    def on_reset(self, error_code: int) -> None:
        """The stream was reset (by the peer, or because the connection died)."""

    def on_trailers(self, headers: list[tuple[bytes, bytes]]) -> None:
        """Trailers arrived (they carry END_STREAM; :meth:`on_end` follows)."""


class H2Protocol(asyncio.Protocol):
    """An asyncio protocol owning one ``h2`` connection. See the module docstring."""

    def __init__(
        self,
        client_side: bool,
        *,
        stream_window: int = DEFAULT_STREAM_WINDOW,
        connection_window: int = DEFAULT_CONNECTION_WINDOW,
        max_header_list_size: int = DEFAULT_MAX_HEADER_LIST,
    ) -> None:
        self.conn = DrainingH2Connection(make_h2_config(client_side))
        self.transport: asyncio.Transport | None = None
        self.loop = asyncio.get_running_loop()
        self.streams: dict[int, StreamSink] = {}
        self.closed = False
        self.peer_name = ""
        self._stream_window = stream_window
        self._connection_window = connection_window
        self._max_header_list_size = max_header_list_size
        self._write_paused = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        self._window_waiters: dict[int, list[asyncio.Future[None]]] = {}
        self._flush_scheduled = False
        self._closed_future: asyncio.Future[None] = self.loop.create_future()
        self._handlers: dict[type[Any], Callable[[Any], None]] = {
            h2.events.DataReceived: self._on_data,
            h2.events.StreamEnded: self._on_stream_ended,
            h2.events.StreamReset: self._on_stream_reset,
            h2.events.WindowUpdated: self._on_window_updated,
            h2.events.RemoteSettingsChanged: self._on_settings_changed,
            h2.events.ConnectionTerminated: self._on_goaway,
            h2.events.TrailersReceived: self._on_trailers,
            h2.events.PingAckReceived: self._on_ping_ack,
        }

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
        self.conn.local_settings = h2.settings.Settings(
            client=self.conn.config.client_side,
            initial_values={
                h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: self._stream_window,
                h2.settings.SettingCodes.MAX_HEADER_LIST_SIZE: self._max_header_list_size,
                h2.settings.SettingCodes.ENABLE_PUSH: 0,
            },
        )
        self.conn.initiate_connection()
        increment = self._connection_window - 65535
        if increment > 0:
            self.conn.increment_flow_control_window(increment)
        self.flush()

    def data_received(self, data: bytes) -> None:
        try:
            events = self.conn.receive_data(data)
        except h2.exceptions.ProtocolError as exc:
            self.on_protocol_error(exc)
            return
        handlers = self._handlers
        for event in events:
            handler = handlers.get(type(event))
            if handler is not None:
                handler(event)
            else:
                self.on_other_event(event)
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
        for sink in streams.values():
            sink.on_reset(h2.errors.ErrorCodes.CANCEL if exc is None else h2.errors.ErrorCodes.INTERNAL_ERROR)
        self._wake_all_windows()
        self.resume_writing()
        if not self._closed_future.done():
            self._closed_future.set_result(None)
        self.on_connection_lost(exc)

    # ------------------------------------------------------------------ hooks for subclasses

    def on_other_event(self, event: Any) -> None:
        """Events with no built-in handler (RequestReceived on servers, ResponseReceived on clients)."""

    def on_protocol_error(self, exc: Exception) -> None:
        """The peer broke HTTP/2: h2 has queued a GOAWAY; send it and close."""
        self.flush()
        self.close()

    def on_goaway(self, last_stream_id: int, error_code: int) -> None:
        """The peer sent GOAWAY."""

    def on_connection_lost(self, exc: Exception | None) -> None:
        """The transport is gone; every stream has been reset already."""

    def on_ping_ack(self, data: bytes) -> None:
        """A PING we sent was acknowledged."""

    # ------------------------------------------------------------------ writing

    def flush(self) -> None:
        """Write everything h2 has queued, in one ``transport.write``."""
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
            try:
                window = conn.local_flow_control_window(stream_id)
            except h2.exceptions.StreamClosedError as exc:
                raise ProtocolError(f"stream {stream_id} closed while sending") from exc
            size = len(view)
            max_frame = conn.max_outbound_frame_size
            if size <= window and size <= max_frame:
                conn.send_data(stream_id, view.tobytes() if size != len(data) else data, end_stream=end_stream)
                break
            if window > 0:
                chunk = min(window, max_frame, size)
                conn.send_data(stream_id, view[:chunk].tobytes())
                view = view[chunk:]
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
            self.conn.acknowledge_received_data(flow_len, stream_id)
            self.schedule_flush()

    def reset_stream(self, stream_id: int, error_code: int = h2.errors.ErrorCodes.CANCEL) -> None:
        """Reset a stream (RST_STREAM) if it is still open; forget its sink."""
        self.streams.pop(stream_id, None)
        self._wake_window(stream_id)
        if not self.closed:
            with contextlib.suppress(h2.exceptions.ProtocolError):
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

    # ------------------------------------------------------------------ event dispatch

    def _on_data(self, event: h2.events.DataReceived) -> None:
        sink = self.streams.get(event.stream_id)
        if sink is None:
            # data for a stream we already finished with: give the window back at once
            self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
            return
        sink.on_data(event.data, event.flow_controlled_length)

    def _on_stream_ended(self, event: h2.events.StreamEnded) -> None:
        sink = self.streams.get(event.stream_id)
        if sink is not None:
            sink.on_end()

    def _on_stream_reset(self, event: h2.events.StreamReset) -> None:
        sink = self.streams.pop(event.stream_id, None)
        self._wake_window(event.stream_id)
        if sink is not None:
            sink.on_reset(event.error_code)

    def _on_trailers(self, event: h2.events.TrailersReceived) -> None:
        sink = self.streams.get(event.stream_id)
        if sink is not None:
            sink.on_trailers(event.headers)

    def _on_window_updated(self, event: h2.events.WindowUpdated) -> None:
        if event.stream_id == 0:
            self._wake_all_windows()
        else:
            self._wake_window(event.stream_id)

    def _on_settings_changed(self, event: h2.events.RemoteSettingsChanged) -> None:
        if h2.settings.SettingCodes.INITIAL_WINDOW_SIZE in event.changed_settings:
            self._wake_all_windows()

    def _on_goaway(self, event: h2.events.ConnectionTerminated) -> None:
        self.on_goaway(event.last_stream_id or 0, event.error_code or 0)

    def _on_ping_ack(self, event: h2.events.PingAckReceived) -> None:
        self.on_ping_ack(event.ping_data or b"")
