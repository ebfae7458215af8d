"""The Triple server: accepts connections, resolves each request stream to a handler, runs it.

One :class:`ServerConnection` per TCP connection. The first bytes decide the protocol (the HTTP/2
preface, or an HTTP/1.1 request line for the JSON mode of ``spec/triple.md`` §7; with TLS, ALPN decides).
On HTTP/2, each request's headers are checked (method, content-type, path, encoding, timeout), a
:class:`~dubbopy.protocol.triple.server_call.ServerCall` is created and the handler started: at the
headers for client- and bidi-streaming methods, at the end of the request for the others.

Shutdown (:meth:`TripleServer.stop`) is graceful: listeners close, every connection gets a GOAWAY naming
the last stream it will serve, in-flight calls get ``grace`` seconds to finish, the rest are cancelled.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import time
import typing
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import cast

from dubbopy.errors import ProtocolError, RpcError, StatusCode
from dubbopy.protocol.triple.codec import compression, status
from dubbopy.protocol.triple.codec.timeout import parse_timeout
from dubbopy.protocol.triple.h2base import DEFAULT_MAX_HEADER_LIST, H2_PREFACE, H2Protocol, Header
from dubbopy.protocol.triple.handlers import HandlerTable
from dubbopy.protocol.triple.http2 import connection as h2c
from dubbopy.protocol.triple.server_call import ServerCall

DEFAULT_MAX_RECEIVE_MESSAGE_SIZE = 4 << 20


@dataclass(frozen=True, slots=True)
class ServerOptions:
    """Transport options of a Triple server; every field has a production default."""

    #: largest request message accepted, after decompression (bytes); larger → RESOURCE_EXHAUSTED
    max_receive_message_size: int = DEFAULT_MAX_RECEIVE_MESSAGE_SIZE
    #: largest request header block accepted (bytes); larger → connection error
    max_header_list_size: int = DEFAULT_MAX_HEADER_LIST
    #: worker threads for plain ``def`` handlers (Dubbo's default fixed pool has 200)
    max_workers: int = 200
    #: send an HTTP/2 PING after this many idle seconds (None: never)
    keepalive_time: float | None = None
    #: close the connection if a PING is not answered within this many seconds
    keepalive_timeout: float = 20.0
    #: seconds a new connection may take to send its first bytes (preface or request line)
    handshake_timeout: float = 10.0
    #: TLS for every connection (ALPN ``h2`` and ``http/1.1`` are set by the server); None: cleartext
    ssl: ssl.SSLContext | None = None


class Http1Handler(typing.Protocol):
    """What the plain-HTTP/1.1 side of a port implements (``dubbopy.protocol.triple.http1``)."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None: ...

    def data_received(self, data: bytes) -> None: ...

    def eof_received(self) -> bool | None: ...

    def connection_lost(self, exc: Exception | None) -> None: ...

    def begin_shutdown(self) -> None:
        """Answer the request in progress, then close."""

    async def wait_idle(self) -> None:
        """Return once no request is being answered."""


class ServerConnection(H2Protocol):
    """One accepted connection. See the module docstring."""

    def __init__(self, server: TripleServer) -> None:
        super().__init__(client_side=False, max_header_list_size=server.options.max_header_list_size)
        self.server = server
        self.options = server.options
        self.executor = server.executor
        self.handlers = server.handlers
        self.response_headers = server.response_headers
        self.calls: set[ServerCall] = set()
        self._sniffed = False
        self._buffer = b""
        self._goaway_sent = False
        self._last_stream_id = 0
        self._idle_waiters: list[asyncio.Future[None]] = []
        self._keepalive: asyncio.TimerHandle | None = None
        self._ping_deadline: asyncio.TimerHandle | None = None
        self._last_activity = time.monotonic()
        self.http1: Http1Handler | None = None
        self._body_tasks: set[asyncio.Task[None]] = set()
        self._sniff_timer: asyncio.TimerHandle | None = None

    # ------------------------------------------------------------------ connection set-up

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # not an isinstance check: uvloop's transports do not derive from asyncio.Transport
        transport = cast(asyncio.Transport, transport)
        self.server.connections.add(self)
        ssl_object = transport.get_extra_info("ssl_object")
        if ssl_object is not None:
            alpn = ssl_object.selected_alpn_protocol()
            if alpn == "http/1.1":
                self.transport = transport
                self._switch_to_http1(transport, b"")
                return
            self._sniffed = True
            super().connection_made(transport)
            self._arm_keepalive()
            return
        # cleartext: the first bytes tell h2c (prior knowledge) from HTTP/1.1; a client that sends
        # nothing at all is not allowed to hold the connection forever
        self.transport = transport
        self._sniff_timer = self.loop.call_later(self.options.handshake_timeout, self._sniff_expired)

    def _sniff_expired(self) -> None:
        if not self._sniffed:
            self.close()

    def data_received(self, data: bytes) -> None:
        if self._sniffed:
            if self.http1 is not None:
                self.http1.data_received(data)
                return
            self._last_activity = time.monotonic()
            super().data_received(data)
            return
        self._buffer += data
        n = min(len(self._buffer), len(H2_PREFACE))
        if self._buffer[:n] == H2_PREFACE[:n]:
            if n < len(H2_PREFACE):
                return
            buffered, self._buffer = self._buffer, b""
            self._sniffed = True
            self._cancel_sniff_timer()
            assert self.transport is not None
            super().connection_made(self.transport)
            self._arm_keepalive()
            super().data_received(buffered)
            return
        assert self.transport is not None
        buffered, self._buffer = self._buffer, b""
        self._sniffed = True
        self._cancel_sniff_timer()
        self._switch_to_http1(self.transport, buffered)

    def _cancel_sniff_timer(self) -> None:
        if self._sniff_timer is not None:
            self._sniff_timer.cancel()
            self._sniff_timer = None

    def _switch_to_http1(self, transport: asyncio.Transport, buffered: bytes) -> None:
        factory = self.server.http1_factory
        if factory is None:
            transport.write(
                b"HTTP/1.1 505 HTTP Version Not Supported\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
            )
            transport.close()
            return
        self.http1 = factory(self.server)
        self.http1.connection_made(transport)
        if buffered:
            self.http1.data_received(buffered)
        # from now on this object only forwards (data_received, eof_received, connection_lost): not by
        # rebinding the methods, since uvloop looks the protocol's callbacks up once, at connection start

    def eof_received(self) -> bool | None:
        if self.http1 is not None:
            return self.http1.eof_received()
        return super().eof_received()

    def connection_lost(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)
        self._cancel_sniff_timer()
        if self.http1 is not None:
            self.http1.connection_lost(exc)
            self.closed = True
            return
        self._cancel_keepalive()
        super().connection_lost(exc)
        self._wake_idle()

    # ------------------------------------------------------------------ requests

    def on_stream_headers(self, stream_id: int, headers: list[Header], ended: bool) -> None:
        if self._goaway_sent and stream_id > self._last_stream_id:
            self.reset_stream(stream_id, h2c.REFUSED_STREAM)
            return
        h = dict(headers)
        content_type = h.get(b"content-type", b"")
        if h.get(b":method") != b"POST":
            self._reject_http(stream_id, b"405", "method must be POST")
            return
        if not content_type.startswith(b"application/grpc"):
            json_handler = self.server.json_handler
            if json_handler is not None and content_type.startswith(b"application/json"):
                json_handler(self, stream_id, headers, ended)
                return
            self._reject_http(stream_id, b"415", f"unsupported content-type {content_type.decode('latin-1')!r}")
            return
        path = h.get(b":path", b"").decode("latin-1")
        group = h.get(b"tri-service-group", b"").decode("latin-1")
        version = h.get(b"tri-service-version", b"").decode("latin-1")
        handler = self.handlers.lookup(path, group, version)
        if handler is None:
            self._reject_grpc(stream_id, StatusCode.UNIMPLEMENTED, self._unknown_path_message(path))
            return
        request_compressor = None
        encoding = h.get(b"grpc-encoding")
        if encoding is not None and encoding != b"identity":
            request_compressor = compression.default_registry.get(encoding.decode("latin-1"))
            if request_compressor is None:
                self._reject_grpc(
                    stream_id, StatusCode.UNIMPLEMENTED, f"grpc-encoding {encoding.decode('latin-1')!r} not supported"
                )
                return
        deadline = None
        timeout_value = h.get(b"grpc-timeout")
        if timeout_value is not None:
            try:
                deadline = time.monotonic() + parse_timeout(timeout_value.decode("latin-1"))
            except ProtocolError as exc:
                self._reject_grpc(stream_id, StatusCode.INTERNAL, str(exc))
                return
        response_compressor = None
        if request_compressor is not None:
            accept = h.get(b"grpc-accept-encoding", b"")
            if request_compressor.name.encode() in accept:
                response_compressor = request_compressor
        call = ServerCall(self, stream_id, handler, headers, deadline, request_compressor, response_compressor)
        self.streams[stream_id] = call
        self.calls.add(call)
        self._last_stream_id = max(self._last_stream_id, stream_id)
        if handler.method.call_type.client_streams:
            call.start()
        if ended:
            call.on_end()

    def _unknown_path_message(self, path: str) -> str:
        parts = path.rsplit("/", 2)
        if len(parts) == 3 and self.handlers.knows_service(parts[1]):
            return f"unknown method {parts[2]!r} for service {parts[1]}"
        service = parts[1] if len(parts) == 3 else path
        return f"unknown service {service}"

    def _reject_grpc(self, stream_id: int, code: StatusCode, message: str) -> None:
        headers = [
            *self.response_headers,
            (b"grpc-status", b"%d" % code),
            (b"grpc-message", status.encode_grpc_message(message).encode("ascii")),
        ]
        self.conn.send_headers(stream_id, headers, end_stream=True)
        self._refuse_body(stream_id)

    def _reject_http(self, stream_id: int, http_status: bytes, message: str) -> None:
        body = message.encode()
        headers = [
            (b":status", http_status),
            (b"content-type", b"text/plain; charset=utf-8"),
            (b"content-length", b"%d" % len(body)),
        ]
        self.conn.send_headers(stream_id, headers)
        if len(body) <= self.conn.send_window(stream_id):
            self.conn.send_data(stream_id, body, end_stream=True)
            self._refuse_body(stream_id)
            return
        # the client's flow-control window is smaller than the text: send it as the window opens
        task = self.loop.create_task(self._send_rejection_body(stream_id, body))
        self._body_tasks.add(task)
        task.add_done_callback(self._body_tasks.discard)

    async def _send_rejection_body(self, stream_id: int, body: bytes) -> None:
        with contextlib.suppress(ProtocolError):  # the stream or connection closed first
            await self.send_data(stream_id, body, end_stream=True)
            self._refuse_body(stream_id)
            self.schedule_flush()

    def _refuse_body(self, stream_id: int) -> None:
        """After a complete early response, drop the rest of the request body (see ``DiscardSink``)."""
        self.discard_rest(stream_id)

    def call_finished(self, call: ServerCall) -> None:
        """A call ended: forget it; wake :meth:`wait_idle` when none is left."""
        self.calls.discard(call)
        if not self.calls:
            self._wake_idle()

    def negotiate_compression(self, name: str, headers: list[tuple[bytes, bytes]]) -> compression.Compressor | None:
        """The compressor called ``name`` if the client's ``grpc-accept-encoding`` lists it."""
        accept = dict(headers).get(b"grpc-accept-encoding", b"").decode("latin-1")
        if name not in compression.parse_accept_encoding(accept):
            return None
        return compression.default_registry.get(name)

    # ------------------------------------------------------------------ shutdown and keepalive

    def on_protocol_error(self, exc: Exception) -> None:
        self.flush()
        self.close()

    def on_headers_too_large(self, stream_id: int, size: int) -> None:
        limit = self.options.max_header_list_size
        self._reject_http(stream_id, b"431", f"request headers of {size} bytes exceed the limit of {limit} bytes")

    def on_goaway(self, last_stream_id: int, error_code: int, debug: bytes) -> None:
        # A client's GOAWAY only promises that it opens no more streams; a server never opens any, so
        # whatever the error code, nothing changes here (RFC 9113 §7: unknown codes trigger nothing
        # special). The client closes the socket itself; closing first would reset the connection
        # under frames it already sent (a PING), as grpc-go's server also avoids.
        pass

    def begin_shutdown(self) -> None:
        """Stop taking new requests: GOAWAY on HTTP/2, ``Connection: close`` after the current one on
        HTTP/1.1, and close a connection that has not said which protocol it speaks."""
        http1 = self.http1
        if http1 is not None:
            http1.begin_shutdown()
        elif not self._sniffed:
            self.close()
        else:
            self.send_goaway()

    def send_goaway(self) -> None:
        """Stop accepting new streams; the ones already received complete."""
        if not self._goaway_sent and not self.closed and self._sniffed and self.http1 is None:
            self._goaway_sent = True
            self.conn.goaway(h2c.NO_ERROR, last_stream_id=self._last_stream_id)
            self.flush()

    async def wait_idle(self) -> None:
        """Wait until no call is in flight on this connection."""
        http1 = self.http1
        if http1 is not None:
            await http1.wait_idle()
            return
        if self.calls and not self.closed:
            waiter = self.loop.create_future()
            self._idle_waiters.append(waiter)
            await waiter

    def _wake_idle(self) -> None:
        waiters, self._idle_waiters = self._idle_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def cancel_calls(self, message: str) -> None:
        """End every call in flight with UNAVAILABLE (server stopping after its grace period)."""
        for call in list(self.calls):
            call.fail(RpcError(StatusCode.UNAVAILABLE, message))

    def _arm_keepalive(self) -> None:
        interval = self.options.keepalive_time
        if interval is not None:
            self._keepalive = self.loop.call_later(interval, self._keepalive_tick)

    def _keepalive_tick(self) -> None:
        interval = self.options.keepalive_time
        assert interval is not None
        if self.closed:
            return
        idle = time.monotonic() - self._last_activity
        if idle >= interval and self._ping_deadline is None:
            self.conn.ping(b"dubbopy!")
            self.flush()
            self._ping_deadline = self.loop.call_later(self.options.keepalive_timeout, self.close)
        self._keepalive = self.loop.call_later(interval, self._keepalive_tick)

    def on_ping_ack(self, data: bytes) -> None:
        if self._ping_deadline is not None:
            self._ping_deadline.cancel()
            self._ping_deadline = None

    def _cancel_keepalive(self) -> None:
        for handle in (self._keepalive, self._ping_deadline):
            if handle is not None:
                handle.cancel()
        self._keepalive = self._ping_deadline = None


JsonHandler = Callable[[ServerConnection, int, list[tuple[bytes, bytes]], bool], None]
Http1Factory = Callable[["TripleServer"], Http1Handler]


class TripleServer:
    """A Triple (gRPC-compatible) server over one or more listening sockets.

    ``handlers`` is shared with whoever exports services (the protocol layer); ``json_handler`` and
    ``http1_factory`` plug in the plain-HTTP JSON mode.
    """

    def __init__(self, handlers: HandlerTable, options: ServerOptions | None = None) -> None:
        self.handlers = handlers
        self.options = options or ServerOptions()
        self.executor = ThreadPoolExecutor(max_workers=self.options.max_workers, thread_name_prefix="dubbopy-handler")
        self.connections: set[ServerConnection] = set()
        self.json_handler: JsonHandler | None = None
        self.http1_factory: Http1Factory | None = None
        self.on_shutdown: list[Callable[[], None]] = []
        accept = compression.default_registry.accept_encoding.encode()
        self.response_headers: tuple[tuple[bytes, bytes], ...] = (
            (b":status", b"200"),
            (b"content-type", b"application/grpc"),
            (b"grpc-accept-encoding", accept),
        )
        self._servers: list[asyncio.Server] = []
        self._stopping = False

    async def start(self, host: str = "0.0.0.0", port: int = 0) -> int:
        """Listen on ``host:port`` (0 picks a free port) and return the bound port."""
        ssl_context = self.options.ssl
        if ssl_context is not None:
            ssl_context.set_alpn_protocols(["h2", "http/1.1"])
        loop = asyncio.get_running_loop()
        server = await loop.create_server(lambda: ServerConnection(self), host, port, ssl=ssl_context, backlog=1024)
        self._servers.append(server)
        sockname = server.sockets[0].getsockname()
        return int(sockname[1])

    @property
    def ports(self) -> list[int]:
        """Every bound port."""
        return [int(s.sockets[0].getsockname()[1]) for s in self._servers if s.sockets]

    async def stop(self, grace: float | None = 5.0) -> None:
        """Graceful shutdown; see the module docstring. ``grace=None`` waits for calls indefinitely."""
        if self._stopping:
            return
        self._stopping = True
        for callback in self.on_shutdown:
            callback()
        for server in self._servers:
            server.close()
        for connection in list(self.connections):
            connection.begin_shutdown()
        waits = [asyncio.ensure_future(c.wait_idle()) for c in list(self.connections)]
        if waits:
            _done, pending = await asyncio.wait(waits, timeout=grace)
            for future in pending:
                future.cancel()
        for connection in list(self.connections):
            connection.cancel_calls("server is shutting down")
            connection.close()
        for server in self._servers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(server.wait_closed(), 1.0)
        self.executor.shutdown(wait=False, cancel_futures=True)
