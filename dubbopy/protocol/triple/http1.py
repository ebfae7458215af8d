"""The HTTP/1.1 side of the Triple port: JSON unary calls from curl, browsers and gateways.

:class:`Http1Connection` is the asyncio protocol a Triple server connection hands its transport to
when the first bytes are not the HTTP/2 preface (``spec/triple.md`` §9). It feeds the sans-IO
:class:`~dubbopy.protocol.triple.codec.http1.RequestParser` and serves the requests one at a time, in
order: while a request is being answered, later pipelined requests wait in the parser's buffer (reading
pauses if they pile up), so responses always come back in request order and a ``100 Continue`` is never
written in the middle of another response.

The connection is closed after the response when the client asked for it (``Connection: close``,
HTTP/1.0 without keep-alive), after any error that loses the framing (garbage, oversized head or body:
see the parser), when a refused request's body has not been read, and when it has been idle (no request
in progress, no bytes received) for ``idle_timeout`` seconds. A client that half-closes while its call
runs is taken as gone and its handler cancelled, as Go's ``net/http`` does; one that half-closes between
requests still gets the answers to what it sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import socket
import time
from typing import TYPE_CHECKING, cast

from dubbopy.errors import StatusCode
from dubbopy.protocol.triple.codec.http1 import (
    Http1Error,
    RequestBody,
    RequestHead,
    RequestParser,
    encode_response_head,
)
from dubbopy.protocol.triple.http_call import (
    HttpRequest,
    HttpResponse,
    JsonCall,
    error_response,
    is_go_dialect,
    start_call,
)

if TYPE_CHECKING:
    from dubbopy.protocol.triple.server import TripleServer

__all__ = ["DEFAULT_IDLE_TIMEOUT", "Http1Connection", "peer_name"]

#: seconds an HTTP/1.1 connection may sit without a request in progress before it is closed
DEFAULT_IDLE_TIMEOUT = 60.0
#: while a request is being answered, stop reading once this much of the next ones is buffered
_PIPELINE_BUFFER = 64 << 10
_CONTINUE = b"HTTP/1.1 100 Continue\r\n\r\n"


def peer_name(transport: asyncio.BaseTransport) -> str:
    """The transport's peer in gRPC's format: ``ipv4:1.2.3.4:5678`` / ``ipv6:[::1]:5678``."""
    peer = transport.get_extra_info("peername")
    if isinstance(peer, tuple) and len(peer) >= 2:
        host, port = peer[0], peer[1]
        return f"ipv6:[{host}]:{port}" if ":" in host else f"ipv4:{host}:{port}"
    return str(peer or "")


class _DateHeader:
    """The ``Date`` field (RFC 9110 §6.6.1), formatted at most once a second."""

    def __init__(self) -> None:
        self._second = -1
        self._value = b""

    def __call__(self) -> bytes:
        now = int(time.time())
        if now != self._second:
            self._second = now
            self._value = email.utils.formatdate(now, usegmt=True).encode("ascii")
        return self._value


_date = _DateHeader()


class Http1Connection(asyncio.Protocol):
    """One HTTP/1.1 connection on the Triple port. See the module docstring."""

    def __init__(self, server: TripleServer, *, idle_timeout: float = DEFAULT_IDLE_TIMEOUT) -> None:
        self.server = server
        self.idle_timeout = idle_timeout
        options = server.options
        self._parser = RequestParser(options.max_header_list_size, options.max_receive_message_size)
        self._loop = asyncio.get_running_loop()
        self.transport: asyncio.Transport | None = None
        self._peer = ""
        #: the request being read or answered: its head, its call (None if refused) and the refusal
        self._head: RequestHead | None = None
        self._call: JsonCall | None = None
        self._refusal: HttpResponse | None = None
        self._task: asyncio.Task[None] | None = None
        self._running: JsonCall | None = None
        self._reading_paused = False
        self._writing_paused = False
        self._drained: asyncio.Future[None] | None = None
        self._expecting = False
        self._closing = False
        self._eof = False
        self._last_activity = time.monotonic()
        self._idle_timer: asyncio.TimerHandle | None = None
        self._idle_waiters: list[asyncio.Future[None]] = []

    # ------------------------------------------------------------------ asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # not an isinstance check: uvloop's transports do not derive from asyncio.Transport
        transport = cast(asyncio.Transport, transport)
        self.transport = transport
        self._peer = peer_name(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._idle_timer = self._loop.call_later(self.idle_timeout, self._check_idle)

    def data_received(self, data: bytes) -> None:
        if self._closing:
            return
        self._last_activity = time.monotonic()
        self._parser.feed(data)
        self._advance()

    def eof_received(self) -> bool:
        self._eof = True
        if self._task is not None:
            # the client stopped sending in the middle of a call: like Go's net/http, take it as gone
            # (closing the transport cancels the handler, see connection_lost)
            return False
        self._advance()  # answers what is complete, then closes: no more bytes will come
        return True

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        if self._drained is not None and not self._drained.done():
            self._drained.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        self._closing = True
        self.transport = None
        if self._idle_timer is not None:
            self._idle_timer.cancel()
            self._idle_timer = None
        if self._running is not None:
            self._running.client_gone()
        if self._task is not None and not self._task.done():
            self._task.cancel()
        self.resume_writing()
        self._wake_idle()

    # ------------------------------------------------------------------ graceful shutdown

    def begin_shutdown(self) -> None:
        """Serve the request in progress (if any), then close; close at once if there is none."""
        self._closing = True
        if self._task is None:
            self._close()

    async def wait_idle(self) -> None:
        """Wait until no request is being answered on this connection."""
        if self._task is not None and self.transport is not None:
            waiter = self._loop.create_future()
            self._idle_waiters.append(waiter)
            await waiter

    def _wake_idle(self) -> None:
        waiters, self._idle_waiters = self._idle_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    # ------------------------------------------------------------------ requests

    def _advance(self) -> None:
        """Read events until a request is complete (then serve it) or more bytes are needed."""
        parser = self._parser
        while self._task is None and not self._closing:
            try:
                event = parser.next_event()
            except Http1Error as exc:
                self._answer_parse_error(exc)
                return
            if event is None:
                self._on_need_data()
                return
            if isinstance(event, RequestHead):
                self._on_head(event)
            else:
                self._on_body(event)
        if self._task is not None and not self._reading_paused and parser.buffered > _PIPELINE_BUFFER:
            self._reading_paused = True
            if self.transport is not None:
                self.transport.pause_reading()

    def _on_head(self, head: RequestHead) -> None:
        self._head = head
        self._expecting = head.expect_continue
        request = HttpRequest(head.method, head.target, head.headers)
        started = start_call(self.server, request, self._peer)
        if isinstance(started, JsonCall):
            self._call, self._refusal = started, None
        else:
            self._call, self._refusal = None, started

    def _on_need_data(self) -> None:
        head = self._head
        if head is not None and self._refusal is not None:
            # refused before its body arrived: answer now and close rather than read a body nobody wants
            # (the client may be waiting for 100 Continue and never send it)
            self._write(self._refusal, head, close=True)
        elif self._eof:
            self._close()  # nothing more will come, so a partial request never completes
        elif head is not None and self._expecting and self.transport is not None:
            self._expecting = False
            self.transport.write(_CONTINUE)

    def _on_body(self, event: RequestBody) -> None:
        head = self._head
        assert head is not None
        call, refusal = self._call, self._refusal
        self._head = self._call = self._refusal = None
        if refusal is not None:
            self._write(refusal, head, close=not head.keep_alive or self._closing)
            return
        assert call is not None
        self._running = call
        self._task = self._loop.create_task(self._serve(call, event.data, head))

    async def _serve(self, call: JsonCall, body: bytes, head: RequestHead) -> None:
        try:
            response = await call.run(body)
            self._write(response, head, close=not head.keep_alive or self._closing)
            if self._writing_paused and self.transport is not None:
                self._drained = self._loop.create_future()
                await self._drained
        finally:
            self._task = self._running = None
            self._wake_idle()
        if self.transport is None or self._closing:
            return
        if self._reading_paused:
            self._reading_paused = False
            self.transport.resume_reading()
        self._advance()

    def _answer_parse_error(self, exc: Http1Error) -> None:
        head = self._head
        go_dialect = head is not None and is_go_dialect(head.headers)
        code = StatusCode.RESOURCE_EXHAUSTED if exc.status in (413, 431) else StatusCode.INVALID_ARGUMENT
        if self._refusal is not None:
            response = self._refusal  # the reason it was refused says more than its size or framing
        elif self._call is not None:
            response = self._call.reject(code, exc.message, exc.status)
        else:
            response = error_response(go_dialect, code, exc.message, http_status=exc.status)
        self._write(response, head, close=True)

    def _write(self, response: HttpResponse, head: RequestHead | None, *, close: bool) -> None:
        transport = self.transport
        if transport is None:
            return
        self._last_activity = time.monotonic()
        headers = [
            *response.headers,
            (b"content-length", b"%d" % len(response.body)),
            (b"date", _date()),
        ]
        if close:
            headers.append((b"connection", b"close"))
        data = encode_response_head(response.status, headers)
        if head is None or head.method != b"HEAD":
            data += response.body
        transport.write(data)
        if close:
            self._close()

    def _close(self) -> None:
        self._closing = True
        if self.transport is not None:
            self.transport.close()

    def _check_idle(self) -> None:
        self._idle_timer = None
        if self.transport is None:
            return
        idle = time.monotonic() - self._last_activity
        if self._task is None and idle >= self.idle_timeout:
            self._close()
            return
        wait = self.idle_timeout - idle if self._task is None else self.idle_timeout
        self._idle_timer = self._loop.call_later(max(wait, 0.01), self._check_idle)
