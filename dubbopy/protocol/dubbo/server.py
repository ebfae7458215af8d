"""The provider side of the Dubbo exchange: accept connections, decode requests, answer them.

A :class:`DubboServer` listens on one address; each accepted socket is a :class:`ServerConnection`.
Every decoded request runs as its own asyncio task through the server's :data:`RequestHandler` (the
protocol layer's dispatcher), and its :class:`~dubbopy.protocol.dubbo.codec.Response` is written back
unless the request was one-way. Responses go out in the order calls finish, not the order they came.

What the server answers by itself, as Java's ``HeaderExchangeHandler`` does:

* heartbeats (with a heartbeat response, same id);
* a request it cannot decode — a broken body, an unknown serialization id, a body over the payload
  limit (refused from the header, the body skipped) — with ``BAD_REQUEST`` (40) and the reason, if the
  consumer waits for an answer;
* a response it cannot encode: ``SERIALIZATION_ERROR`` (25) when over the payload limit (Java 3),
  ``BAD_RESPONSE`` (50) otherwise.

Bytes that are not Dubbo frames (wrong magic) close that connection only. A connection silent for
``heartbeat_timeout`` (default three heartbeats) is closed. :meth:`DubboServer.stop` is graceful: the
listener closes, every connection gets the readonly event (consumers stop sending there), calls in
flight get ``grace`` seconds, then connections close.

Plain-function methods run on :class:`BoundedExecutor`, a fixed pool (``threads``, default 200) with
``queues`` waiting places (default 0); when it is full the call fails with ``RESOURCE_EXHAUSTED``,
answered as ``SERVER_THREADPOOL_EXHAUSTED_ERROR`` (100) like Java's ``AbortPolicyWithReport``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, ParamSpec, TypeVar

from dubbopy.errors import ConfigError, ProtocolError, RpcError, StatusCode
from dubbopy.protocol.dubbo import constants as c
from dubbopy.protocol.dubbo.codec import (
    READONLY_EVENT,
    BadRequestError,
    Event,
    Request,
    Response,
    decode_request,
    encode_response,
)
from dubbopy.protocol.dubbo.connection import DubboConnection, HeartbeatPolicy, next_request_id
from dubbopy.protocol.dubbo.frames import DEFAULT_PAYLOAD, Frame, PayloadLimitError, Status
from dubbopy.protocol.dubbo.serialization import SerializationTable, default_serializations
from dubbopy.url import URL

__all__ = [
    "BoundedExecutor",
    "DubboServer",
    "RequestHandler",
    "ServerConnection",
    "ServerOptions",
    "ThreadPoolExhaustedError",
]

logger = logging.getLogger("dubbopy.protocol.dubbo")

P = ParamSpec("P")
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ServerOptions:
    """Transport options of a Dubbo provider; every field has Java's default. Seconds here, while the
    URL parameters read by :meth:`with_url` are in milliseconds."""

    #: worker threads for plain-function methods (``threads``)
    threads: int = c.DEFAULT_THREADS
    #: calls that may wait for a busy pool before calls are refused (``queues``)
    queues: int = 0
    #: largest request or response body, bytes (``payload``)
    payload: int = DEFAULT_PAYLOAD
    #: the heartbeat period; a connection silent for ``heartbeat_timeout`` is closed (``heartbeat``)
    heartbeat: float | None = c.DEFAULT_HEARTBEAT_MS / 1000
    #: seconds of silence before a connection is closed (``heartbeat.timeout``; default 3 heartbeats)
    heartbeat_timeout: float | None = None
    #: TLS for every connection; ``None``: plain TCP
    ssl: ssl.SSLContext | None = None
    #: the serializations understood
    serializations: SerializationTable = field(default_factory=default_serializations)

    def __post_init__(self) -> None:
        if self.threads < 1:
            raise ConfigError(f"threads must be >= 1, got {self.threads}")
        if self.queues < 0:
            raise ConfigError(f"queues must be >= 0, got {self.queues}")
        if isinstance(self.payload, bool) or not isinstance(self.payload, int) or self.payload <= 0:
            raise ConfigError(f"payload must be a positive number of bytes, got {self.payload!r}")

    def with_url(self, url: URL) -> ServerOptions:
        """These options overridden by the URL's ``threads``, ``queues``, ``payload``, ``heartbeat`` and
        ``heartbeat.timeout`` parameters."""
        heartbeat_ms = url.get_int(c.HEARTBEAT_KEY, -1)
        timeout_ms = url.get_int(c.HEARTBEAT_TIMEOUT_KEY, -1)
        return replace(
            self,
            threads=url.get_int(c.THREADS_KEY, self.threads),
            queues=url.get_int(c.QUEUES_KEY, self.queues),
            payload=url.get_int(c.PAYLOAD_KEY, self.payload),
            heartbeat=self.heartbeat if heartbeat_ms < 0 else (heartbeat_ms / 1000 or None),
            heartbeat_timeout=self.heartbeat_timeout if timeout_ms < 0 else (timeout_ms / 1000 or None),
        )


class ThreadPoolExhaustedError(RpcError):
    """Every worker thread is busy and the queue is full: the call is refused, not queued."""

    def __init__(self, message: str) -> None:
        super().__init__(StatusCode.RESOURCE_EXHAUSTED, message)


class BoundedExecutor(Executor):
    """A fixed thread pool that refuses work beyond ``threads + queues`` tasks in flight
    (:class:`ThreadPoolExhaustedError` from :meth:`submit`), instead of queueing without bound."""

    def __init__(self, threads: int, queues: int = 0, *, name: str = "dubbopy-dubbo") -> None:
        self._pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=name)
        self._threads = threads
        self._limit = threads + queues
        self._busy = 0
        self._lock = threading.Lock()

    @property
    def busy(self) -> int:
        """Tasks running or queued."""
        return self._busy

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        """Run ``fn`` on a worker; raises :class:`ThreadPoolExhaustedError` when the pool is full."""
        with self._lock:
            if self._busy >= self._limit:
                raise ThreadPoolExhaustedError(
                    f"Server side thread pool is exhausted: {self._busy} tasks in flight for "
                    f"{self._threads} threads; raise 'threads'/'queues' or make the method async"
                )
            self._busy += 1
        try:
            future = self._pool.submit(fn, *args, **kwargs)
        except BaseException:
            self._release(None)
            raise
        future.add_done_callback(self._release)
        return future

    def _release(self, _future: Future[Any] | None) -> None:
        with self._lock:
            self._busy -= 1

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the pool (see :meth:`concurrent.futures.Executor.shutdown`)."""
        self._pool.shutdown(wait=wait, cancel_futures=cancel_futures)


#: What the server calls for each decoded request: return the response to send (ignored for one-way
#: requests). It must not raise; if it does, the consumer gets ``SERVICE_ERROR`` with the text.
RequestHandler = Callable[[Request, "ServerConnection"], Awaitable[Response]]


class ServerConnection(DubboConnection):
    """One accepted connection; see the module docstring."""

    def __init__(self, server: DubboServer) -> None:
        options = server.options
        super().__init__(
            payload_limit=options.payload,
            heartbeat=HeartbeatPolicy(options.heartbeat, options.heartbeat_timeout, send=False),
            serializations=options.serializations,
        )
        self.server = server
        self.tasks: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.server.connections.add(self)

    def on_closed(self, exc: Exception | None) -> None:
        self.server.connections.discard(self)

    # Backpressure: a consumer that sends requests but does not read responses is not read from either.
    def pause_writing(self) -> None:
        super().pause_writing()
        if self.transport is not None:
            self.transport.pause_reading()

    def resume_writing(self) -> None:
        super().resume_writing()
        if self.transport is not None and not self.closed:
            self.transport.resume_reading()

    # ------------------------------------------------------------------ requests

    def on_frame(self, frame: Frame) -> None:
        header = frame.header
        if not header.is_request:
            logger.debug("dropping a response frame (id %d) from consumer %s", header.request_id, self.peer)
            return
        try:
            request = decode_request(frame, self.serializations)
        except BadRequestError as exc:
            logger.warning("bad request %d from %s: %s", exc.request_id, self.peer, exc)
            if exc.twoway:
                self.send_error(
                    exc.request_id, Status.BAD_REQUEST, f"Fail to decode request due to: {exc}", header.serialization_id
                )
            return
        task = self.loop.create_task(self._serve(request))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def on_oversize(self, error: PayloadLimitError) -> None:
        header = error.header
        if header is None or not header.is_request:
            logger.warning("dropping an oversize response frame from %s: %s", self.peer, error)
            return
        logger.warning("refusing request %d from %s: %s", header.request_id, self.peer, error)
        if header.is_twoway and not header.is_event:
            self.send_error(
                header.request_id,
                Status.BAD_REQUEST,
                f"Fail to decode request due to: {error}",
                header.serialization_id,
            )

    async def _serve(self, request: Request) -> None:
        try:
            response = await self.server.handler(request, self)
        except Exception as exc:
            logger.exception("request handler failed for %s.%s", request.service_path, request.method)
            response = Response(
                request.request_id,
                Status.SERVICE_ERROR,
                error_message=f"{type(exc).__name__}: {exc}",
                serialization_id=request.serialization_id,
            )
        if request.twoway and not self.closed:
            try:
                self.send_response(response)
            except Exception as exc:  # never leave the consumer waiting for its timeout
                logger.exception("cannot answer request %d", request.request_id)
                self.send_error(
                    request.request_id, Status.BAD_RESPONSE, f"Failed to send response: {exc}", request.serialization_id
                )

    # ------------------------------------------------------------------ responses

    def send_response(self, response: Response) -> None:
        """Encode and send ``response``; an encoding failure is answered as Java does (module doc)."""
        serialization = self.serializations.by_id(response.serialization_id) or self.serializations.default
        try:
            data = encode_response(response, serialization, payload_limit=self.payload_limit)
        except PayloadLimitError as exc:
            logger.warning("response to request %d is too large: %s", response.request_id, exc)
            self.send_error(response.request_id, Status.SERIALIZATION_ERROR, str(exc), serialization.id)
            return
        except ProtocolError as exc:
            logger.warning("cannot encode the response to request %d: %s", response.request_id, exc)
            self.send_error(
                response.request_id, Status.BAD_RESPONSE, f"Failed to send response: {exc}", serialization.id
            )
            return
        with contextlib.suppress(ProtocolError):
            self.write(data)

    def send_error(self, request_id: int, status: int, message: str, serialization_id: int) -> None:
        """Send an error response (status ≠ 20) whose body is ``message``."""
        serialization = self.serializations.by_id(serialization_id) or self.serializations.default
        response = Response(request_id, status, error_message=message, serialization_id=serialization.id)
        with contextlib.suppress(ProtocolError):
            self.write(encode_response(response, serialization, payload_limit=None))

    async def wait_idle(self) -> None:
        """Wait until no request is being served on this connection."""
        while self.tasks:
            await asyncio.wait(list(self.tasks))


class DubboServer:
    """A Dubbo protocol server on one or more listening sockets; see the module docstring.

    ``handler`` answers requests; it is usually the protocol layer's dispatcher.
    """

    def __init__(self, handler: RequestHandler, options: ServerOptions | None = None) -> None:
        self.handler = handler
        self.options = options or ServerOptions()
        self.executor = BoundedExecutor(self.options.threads, self.options.queues)
        self.connections: set[ServerConnection] = set()
        self._servers: list[asyncio.Server] = []
        self._stopping = False

    async def start(self, host: str = "0.0.0.0", port: int = 0) -> int:
        """Listen on ``host:port`` (0 picks a free port); returns the bound port."""
        loop = asyncio.get_running_loop()
        server = await loop.create_server(
            lambda: ServerConnection(self), host, port, ssl=self.options.ssl, backlog=1024
        )
        self._servers.append(server)
        return int(server.sockets[0].getsockname()[1])

    @property
    def ports(self) -> list[int]:
        """Every bound port."""
        return [int(s.sockets[0].getsockname()[1]) for s in self._servers if s.sockets]

    @property
    def stopping(self) -> bool:
        """Whether :meth:`stop` was called."""
        return self._stopping

    async def stop(self, grace: float | None = 5.0) -> None:
        """Graceful shutdown (module docstring); ``grace=None`` waits for calls indefinitely."""
        if self._stopping:
            return
        self._stopping = True
        for server in self._servers:
            server.close()
        connections = list(self.connections)
        for connection in connections:
            with contextlib.suppress(ProtocolError):
                connection.send_event(Event(next_request_id(), READONLY_EVENT, twoway=False))
        waits = [asyncio.ensure_future(conn.wait_idle()) for conn in connections if conn.tasks]
        if waits:
            _done, pending = await asyncio.wait(waits, timeout=grace)
            for future in pending:
                future.cancel()
        for connection in list(self.connections):
            for task in list(connection.tasks):
                task.cancel()
            connection.close()
        for server in self._servers:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await server.wait_closed()
        self.executor.shutdown(wait=False, cancel_futures=True)
