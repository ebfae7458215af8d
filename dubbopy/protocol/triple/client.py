"""The Triple client transport: HTTP/2 connections to one address, and the calls made on them.

:class:`ClientTransport` owns the connection to one ``host:port`` (many calls multiplexed on it),
connects lazily, replaces a connection that received GOAWAY or died, and waits for a stream slot when
the server's ``MAX_CONCURRENT_STREAMS`` is reached. :meth:`ClientTransport.start_call` opens a stream
and sends the request headers; the caller then sends messages and reads the
:class:`~dubbopy.protocol.triple.client_stream.ClientStream`.

**Availability.** When the connection is lost, receives GOAWAY, or a connection attempt fails, and no
other connection is open, the transport is *down*: :meth:`ClientTransport.is_available` is false (so a
cluster routes calls to other providers, as Java's ``isAvailable`` requires a connected client) and a
background task reconnects every :data:`~dubbopy.rpc.reconnect.RECONNECT_INTERVAL` seconds until it
succeeds (:mod:`dubbopy.rpc.reconnect`). A call made while down still tries to connect, and its success
ends the down state too. Nothing of this runs on
the path of a call that finds its connection open.

Connection-level failures are ``RpcError(UNAVAILABLE)`` naming ``host:port``.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dubbopy.errors import ProtocolError, RpcError, StatusCode
from dubbopy.protocol.triple import wire_metadata as md
from dubbopy.protocol.triple.client_stream import ClientStream
from dubbopy.protocol.triple.codec import compression
from dubbopy.protocol.triple.codec.framing import encode_message
from dubbopy.protocol.triple.codec.timeout import format_timeout
from dubbopy.protocol.triple.h2base import H2Protocol, Header
from dubbopy.protocol.triple.http2 import connection as h2c
from dubbopy.rpc.method import MethodDescriptor
from dubbopy.rpc.reconnect import Reconnector

DEFAULT_MAX_RECEIVE_MESSAGE_SIZE = 4 << 20
USER_AGENT = b"dubbopy-triple/0.1"


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """Transport options of a Triple client; every field has a production default."""

    #: largest response message accepted, after decompression (bytes); larger → RESOURCE_EXHAUSTED
    max_receive_message_size: int = DEFAULT_MAX_RECEIVE_MESSAGE_SIZE
    #: compress requests with this compressor (``gzip``); None sends them uncompressed
    compression: str | None = None
    #: seconds allowed to establish the connection (TCP + TLS)
    connect_timeout: float = 5.0
    #: send an HTTP/2 PING after this many idle seconds (None: never; dubbo-go's default is 10 s)
    keepalive_time: float | None = None
    #: close the connection if a PING is not answered within this many seconds
    keepalive_timeout: float = 20.0
    #: TLS (ALPN ``h2`` is set by the client); None: cleartext h2c with prior knowledge
    ssl: ssl.SSLContext | None = None
    #: TLS server name, if different from the host
    server_hostname: str | None = None
    #: extra headers sent on every call (e.g. ``tri-consumer-appname``)
    extra_headers: Sequence[tuple[str, str]] = field(default_factory=tuple)


class ClientConnection(H2Protocol):
    """One HTTP/2 connection of a :class:`ClientTransport`."""

    def __init__(self, transport: ClientTransport) -> None:
        super().__init__(client_side=True)
        self.owner = transport
        self.goaway_received = False
        self._slot_waiters: list[asyncio.Future[None]] = []
        self._keepalive: asyncio.TimerHandle | None = None
        self._ping_deadline: asyncio.TimerHandle | None = None
        self._last_activity = time.monotonic()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        if self.owner.options.keepalive_time is not None:
            self._keepalive = self.loop.call_later(self.owner.options.keepalive_time, self._keepalive_tick)

    def data_received(self, data: bytes) -> None:
        self._last_activity = time.monotonic()
        super().data_received(data)

    def on_stream_headers(self, stream_id: int, headers: list[Header], end_stream: bool) -> None:
        sink = self.streams.get(stream_id)
        if isinstance(sink, ClientStream):
            sink.on_response(headers, end_stream)

    def on_goaway(self, last_stream_id: int, error_code: int, debug: bytes) -> None:
        self.goaway_received = True
        self.owner.connection_draining(self)
        # streams above last_stream_id were never processed: fail them as retryable
        for stream_id, sink in list(self.streams.items()):
            if stream_id > last_stream_id:
                self.streams.pop(stream_id, None)
                sink.on_reset(h2c.REFUSED_STREAM)
        if error_code != 0 or not self.streams:
            self.close()

    def on_protocol_error(self, exc: Exception) -> None:
        self.flush()
        self.close()

    def on_connection_lost(self, exc: Exception | None) -> None:
        for handle in (self._keepalive, self._ping_deadline):
            if handle is not None:
                handle.cancel()
        self.owner.connection_draining(self)
        self._wake_slot()

    def stream_finished(self, stream: ClientStream) -> None:
        """A stream settled: forget it, free its slot, close a draining connection once idle."""
        self.streams.pop(stream.stream_id, None)
        self._wake_slot()
        if self.goaway_received and not self.streams:
            self.close()

    def _wake_slot(self) -> None:
        if self._slot_waiters:
            waiter = self._slot_waiters.pop(0)
            if not waiter.done():
                waiter.set_result(None)

    async def wait_slot(self) -> None:
        """Wait until the server allows one more concurrent stream."""
        conn = self.conn
        while conn.open_outbound >= conn.peer_max_concurrent_streams and not self.closed:
            waiter = self.loop.create_future()
            self._slot_waiters.append(waiter)
            await waiter

    def _keepalive_tick(self) -> None:
        interval = self.owner.options.keepalive_time
        if interval is None or self.closed:
            return
        if time.monotonic() - self._last_activity >= interval and self._ping_deadline is None:
            self.conn.ping(b"dubbopy?")
            self.flush()
            self._ping_deadline = self.loop.call_later(self.owner.options.keepalive_timeout, self.close)
        self._keepalive = self.loop.call_later(interval, self._keepalive_tick)

    def on_ping_ack(self, data: bytes) -> None:
        if self._ping_deadline is not None:
            self._ping_deadline.cancel()
            self._ping_deadline = None


class ClientTransport:
    """Calls to one ``host:port`` over a shared HTTP/2 connection. See the module docstring."""

    def __init__(self, host: str, port: int, options: ClientOptions | None = None) -> None:
        self.host = host
        self.port = port
        self.options = options or ClientOptions()
        self._connection: ClientConnection | None = None
        self._connecting: asyncio.Future[ClientConnection] | None = None
        self._draining: set[ClientConnection] = set()
        self._closed = False
        self._reconnector = Reconnector(self.connection)
        scheme = b"https" if self.options.ssl is not None else b"http"
        authority = f"{host}:{port}".encode() if ":" not in host else f"[{host}]:{port}".encode()
        self._compressor = None
        if self.options.compression and self.options.compression != "identity":
            self._compressor = compression.default_registry.get(self.options.compression)
            if self._compressor is None:
                raise RpcError(StatusCode.UNIMPLEMENTED, f"unknown compression {self.options.compression!r}")
        accept = compression.default_registry.accept_encoding.encode()
        self._base_headers: list[tuple[bytes, bytes]] = [
            (b":method", b"POST"),
            (b":scheme", scheme),
            (b":authority", authority),
            (b"content-type", b"application/grpc+proto"),
            (b"te", b"trailers"),
            (b"user-agent", USER_AGENT),
            (b"grpc-accept-encoding", accept),
        ]
        if self._compressor is not None:
            self._base_headers.append((b"grpc-encoding", self._compressor.name.encode()))
        self._base_headers.extend((k.encode(), v.encode()) for k, v in self.options.extra_headers)
        self._path_headers: dict[str, list[tuple[bytes, bytes]]] = {}

    @property
    def target(self) -> str:
        """``host:port`` of the server."""
        return f"{self.host}:{self.port}"

    async def connection(self) -> ClientConnection:
        """The live connection, connecting (once, shared by concurrent callers) if there is none."""
        connection = self._connection
        if connection is not None and not connection.closed and not connection.goaway_received:
            return connection
        if self._closed:
            raise RpcError(StatusCode.UNAVAILABLE, f"client for {self.target} is closed")
        connecting = self._connecting
        # an attempt that has already ended failed (or its connection is gone): a call never inherits
        # the failure of an attempt made before it, such as the reconnector's just before a restart
        if connecting is None or connecting.done():
            connecting = asyncio.ensure_future(self._connect())
            connecting.add_done_callback(self._connect_done)
            self._connecting = connecting
        try:
            return await asyncio.shield(connecting)
        except asyncio.CancelledError:
            if connecting.cancelled():  # the transport was closed while connecting, not the caller cancelled
                raise RpcError(StatusCode.UNAVAILABLE, f"client for {self.target} is closed") from None
            raise

    def _connect_done(self, connecting: asyncio.Future[ClientConnection]) -> None:
        # the next call connects afresh, even when every caller of this attempt was cancelled
        if self._connecting is connecting:
            self._connecting = None
        if not connecting.cancelled():
            connecting.exception()  # retrieved: no "never retrieved" warning when no caller is left

    async def _connect(self) -> ClientConnection:
        loop = asyncio.get_running_loop()
        ssl_context = self.options.ssl
        if ssl_context is not None:
            ssl_context.set_alpn_protocols(["h2"])
        try:
            _transport, protocol = await asyncio.wait_for(
                loop.create_connection(
                    lambda: ClientConnection(self),
                    self.host,
                    self.port,
                    ssl=ssl_context,
                    server_hostname=(self.options.server_hostname or self.host) if ssl_context else None,
                ),
                self.options.connect_timeout,
            )
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            why = f"timed out after {self.options.connect_timeout}s" if isinstance(exc, TimeoutError) else str(exc)
            if self._connection is None:
                self._reconnector.mark_down()
            raise RpcError(StatusCode.UNAVAILABLE, f"cannot connect to {self.target}: {why}") from exc
        if self._closed:
            protocol.close()
            raise RpcError(StatusCode.UNAVAILABLE, f"client for {self.target} is closed")
        self._connection = protocol
        self._reconnector.up()
        return protocol

    def connection_draining(self, connection: ClientConnection) -> None:
        """``connection`` takes no new calls (GOAWAY or lost); the next call opens another. With no
        other connection open the transport is down until a reconnection succeeds."""
        if self._connection is connection:
            self._connection = None
        if not connection.closed:
            self._draining.add(connection)
        else:
            self._draining.discard(connection)
        if self._connection is None and not self._closed:
            self._reconnector.mark_down()

    def is_available(self) -> bool:
        """Not closed and not down (see the module docstring): whether a cluster should pick this provider."""
        return not self._closed and not self._reconnector.down

    def _headers_for(self, method: MethodDescriptor[Any, Any]) -> list[tuple[bytes, bytes]]:
        headers = self._path_headers.get(method.path)
        if headers is None:
            headers = [(b":path", method.path.encode()), *self._base_headers]
            self._path_headers[method.path] = headers
        return headers

    async def start_call(
        self,
        method: MethodDescriptor[Any, Any],
        *,
        timeout: float | None,  # noqa: ASYNC109 - travels as grpc-timeout and arms the call's deadline
        metadata: Sequence[tuple[str, str | bytes]] | None,
        attachments: Mapping[str, object] | None = None,
        end_stream: bool = False,
    ) -> ClientStream:
        """Open a stream for ``method`` and send its request headers.

        ``timeout`` (seconds) becomes ``grpc-timeout`` and a local deadline. Raises ``RpcError``
        (``UNAVAILABLE``) if no connection can be had.
        """
        deadline = None if timeout is None else time.monotonic() + timeout
        connection = await self.connection()
        if connection.conn.open_outbound >= connection.conn.peer_max_concurrent_streams:
            await connection.wait_slot()
            if connection.closed or connection.goaway_received:
                connection = await self.connection()
        stream = ClientStream(connection, method, self.options.max_receive_message_size)
        headers = self._headers_for(method)
        if timeout is not None or metadata or attachments:
            headers = list(headers)
            if timeout is not None:
                assert deadline is not None
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise RpcError(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded before the call started")
                headers.append((b"grpc-timeout", format_timeout(remaining).encode()))
            if metadata:
                headers.extend(md.to_headers(metadata))
            if attachments:
                headers.extend(md.attachments_to_headers(attachments))
        if connection.closed:
            # lost while this call waited (e.g. a TLS alert right after the handshake): nothing would settle it
            raise RpcError(StatusCode.UNAVAILABLE, f"connection to {self.target} was lost")
        conn = connection.conn
        try:
            stream_id = conn.new_stream_id()
            conn.send_headers(stream_id, headers, end_stream=end_stream)
        except ProtocolError as exc:
            raise RpcError(StatusCode.UNAVAILABLE, f"cannot start a call on {self.target}: {exc}") from exc
        stream.stream_id = stream_id
        connection.streams[stream_id] = stream
        if deadline is not None:
            stream.deadline_handle = connection.loop.call_at(deadline, stream.on_deadline)
        return stream

    def frame(self, method: MethodDescriptor[Any, Any], request: Any) -> bytes:
        """Serialize and frame one request message (compressed if the client compresses)."""
        try:
            payload = method.request_serializer(request)
        except Exception as exc:
            raise RpcError(StatusCode.INTERNAL, f"could not encode the request for {method.path}: {exc}") from exc
        if self._compressor is not None:
            return encode_message(self._compressor.compress(payload), True)
        return encode_message(payload, False)

    async def send(self, stream: ClientStream, framed: bytes, end_stream: bool) -> None:
        """Send one framed message on ``stream`` (waiting for window); ends the stream if asked."""
        connection = stream.connection
        conn = connection.conn
        if not end_stream:
            await self._send_slow(stream, framed, end_stream)
            return
        window = conn.send_window(stream.stream_id)
        if stream.ended:
            return
        if len(framed) <= window:
            conn.send_data(stream.stream_id, framed, end_stream=True)
            connection.schedule_flush()
        else:
            await self._send_slow(stream, framed, end_stream)

    async def _send_slow(self, stream: ClientStream, framed: bytes, end_stream: bool) -> None:
        if stream.ended:
            return
        try:
            await stream.connection.send_data(stream.stream_id, framed, end_stream)
        except ProtocolError as exc:
            if not stream.ended:
                raise RpcError(StatusCode.UNAVAILABLE, f"cannot send to {self.target}: {exc}") from exc

    def end_stream(self, stream: ClientStream) -> None:
        """Half-close the request side."""
        if stream.ended:
            return
        connection = stream.connection
        connection.conn.end_stream(stream.stream_id)
        connection.schedule_flush()

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    async def close(self) -> None:
        """Close every connection and stop reconnecting; calls in flight end with UNAVAILABLE."""
        self._closed = True
        await self._reconnector.stop()
        if self._connecting is not None:
            self._connecting.cancel()
        connections = [c for c in (self._connection, *self._draining) if c is not None]
        self._connection = None
        for connection in connections:
            if not connection.closed:
                connection.conn.goaway(h2c.NO_ERROR)
                connection.close()
        for connection in connections:
            try:
                await asyncio.wait_for(connection.wait_closed(), 1.0)
            except TimeoutError:
                # a TLS peer that never answers close_notify (grpcio does not): drop the socket now
                if connection.transport is not None:
                    connection.transport.abort()
