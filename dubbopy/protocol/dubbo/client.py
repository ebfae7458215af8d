"""The consumer side of the Dubbo exchange: requests to one provider address, answers by request id.

An :class:`ExchangeClient` holds ``connections`` TCP connections to one ``host:port``, opened on demand
(the first call, or the first call after a connection was lost) and used in turn. Each request gets a
fresh id (:func:`~dubbopy.protocol.dubbo.connection.next_request_id`); the response with that id
completes it, in whatever order responses arrive (``spec/dubbo-protocol.md`` §8).

* **Timeouts.** :meth:`ExchangeClient.request` waits at most ``timeout`` seconds; a response that
  arrives later is dropped with a debug log.
* **One-way calls** (``twoway`` clear) are written and forgotten: no response comes.
* **Heartbeats.** Each connection sends one after ``heartbeat`` idle seconds, answers the provider's, and
  closes itself after ``idle_timeout`` without a byte from the provider (three missed heartbeats).
* **Readonly.** A provider shutting down sends the readonly event; that connection then takes no new
  request, and when every connection is readonly the client reports ``UNAVAILABLE``.
* **Limits.** A response over the payload limit fails its call from the header alone (Java turns it into
  a local ``CLIENT_ERROR``); the body is skipped and the connection stays up.

Failures are :class:`~dubbopy.errors.RpcError`: ``UNAVAILABLE`` (cannot connect, connection lost,
closed), ``DEADLINE_EXCEEDED``, ``RESOURCE_EXHAUSTED`` (payload limit), ``INTERNAL`` (undecodable
response).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from dataclasses import dataclass, field, replace

from dubbopy.errors import ConfigError, DecodeError, ProtocolError, RpcError, StatusCode
from dubbopy.protocol.dubbo import constants as c
from dubbopy.protocol.dubbo.codec import READONLY_EVENT, WRITEABLE_EVENT, Event, Response, decode_response
from dubbopy.protocol.dubbo.connection import DubboConnection, HeartbeatPolicy
from dubbopy.protocol.dubbo.frames import DEFAULT_PAYLOAD, Frame, PayloadLimitError, Status, pack_header
from dubbopy.protocol.dubbo.serialization import SerializationTable, default_serializations
from dubbopy.rpc.reconnect import Reconnector
from dubbopy.url import URL

__all__ = ["ClientConnection", "ClientOptions", "ExchangeClient"]

logger = logging.getLogger("dubbopy.protocol.dubbo")


def _seconds(ms: int, key: str) -> float:
    if ms < 0:
        raise ConfigError(f"URL parameter {key}={ms} must be >= 0")
    return ms / 1000


@dataclass(frozen=True, slots=True)
class ClientOptions:
    """Transport options of a Dubbo consumer; every field has Java's default.

    Seconds here; the URL parameters they come from (:meth:`from_url`) are in milliseconds.
    """

    #: connections an :class:`ExchangeClient` opens to its address
    connections: int = 1
    #: seconds to wait for a TCP connection (``connect.timeout``)
    connect_timeout: float = c.DEFAULT_CONNECT_TIMEOUT_MS / 1000
    #: idle seconds before a heartbeat is sent (``heartbeat``); ``None`` sends none
    heartbeat: float | None = c.DEFAULT_HEARTBEAT_MS / 1000
    #: seconds of silence before the connection is closed (``heartbeat.timeout``; default 3 heartbeats)
    heartbeat_timeout: float | None = None
    #: largest request or response body, bytes (``payload``)
    payload: int = DEFAULT_PAYLOAD
    #: TLS for the connections; ``None``: plain TCP
    ssl: ssl.SSLContext | None = None
    #: the serializations understood, the first being the default to send with
    serializations: SerializationTable = field(default_factory=default_serializations)

    def __post_init__(self) -> None:
        if self.connections < 1:
            raise ConfigError(f"connections must be >= 1, got {self.connections}")
        if self.connect_timeout <= 0:
            raise ConfigError(f"connect_timeout must be > 0 seconds, got {self.connect_timeout}")
        if isinstance(self.payload, bool) or not isinstance(self.payload, int) or self.payload <= 0:
            raise ConfigError(f"payload must be a positive number of bytes, got {self.payload!r}")

    def with_url(self, url: URL) -> ClientOptions:
        """These options overridden by the URL's ``connections``, ``connect.timeout``, ``heartbeat``,
        ``heartbeat.timeout`` and ``payload`` parameters (``connections=0`` keeps the current count)."""
        heartbeat_ms = url.get_int(c.HEARTBEAT_KEY, -1)
        timeout_ms = url.get_int(c.HEARTBEAT_TIMEOUT_KEY, -1)
        connect_ms = url.get_int(c.CONNECT_TIMEOUT_KEY, -1)
        connections = url.get_int(c.CONNECTIONS_KEY, 0)
        if connections < 0:
            raise ConfigError(f"URL parameter connections={connections} must be >= 0")
        return replace(
            self,
            connections=connections or self.connections,
            connect_timeout=self.connect_timeout if connect_ms < 0 else _seconds(connect_ms, c.CONNECT_TIMEOUT_KEY),
            heartbeat=self.heartbeat if heartbeat_ms < 0 else (_seconds(heartbeat_ms, c.HEARTBEAT_KEY) or None),
            heartbeat_timeout=self.heartbeat_timeout
            if timeout_ms < 0
            else (_seconds(timeout_ms, c.HEARTBEAT_TIMEOUT_KEY) or None),
            payload=url.get_int(c.PAYLOAD_KEY, self.payload),
        )


@dataclass(slots=True)
class _Pending:
    future: asyncio.Future[Response]
    serialization_id: int
    return_type: str | None


class ClientConnection(DubboConnection):
    """One connection of an :class:`ExchangeClient`: completes pending requests by id."""

    def __init__(self, client: ExchangeClient) -> None:
        options = client.options
        super().__init__(
            payload_limit=options.payload,
            heartbeat=HeartbeatPolicy(options.heartbeat, options.heartbeat_timeout, send=True),
            serializations=options.serializations,
        )
        self.client = client
        self.pending: dict[int, _Pending] = {}
        #: set by the provider's readonly event: no new requests on this connection
        self.readonly = False

    @property
    def usable(self) -> bool:
        """Whether a new request may be sent on this connection."""
        return not self.closed and not self.readonly

    def on_frame(self, frame: Frame) -> None:
        header = frame.header
        if header.is_request:
            # A provider calling back (parameter callbacks, spec §8) is not supported: say so.
            logger.warning("%s sent a request (id %d); callbacks are not supported", self.peer, header.request_id)
            if header.is_twoway:
                self._refuse_request(header.request_id, header.serialization_id)
            return
        pending = self.pending.pop(header.request_id, None)
        if pending is None:
            logger.debug(
                "dropping a response from %s to request %d: no call waits for it", self.peer, header.request_id
            )
            return
        if pending.future.done():
            return
        if header.serialization_id != pending.serialization_id:
            pending.future.set_exception(
                RpcError(
                    StatusCode.INTERNAL,
                    f"response from {self.peer} uses serialization {header.serialization_id}, "
                    f"the request used {pending.serialization_id}",
                )
            )
            return
        try:
            response = decode_response(frame, self.serializations, return_type=pending.return_type)
        except DecodeError as exc:
            pending.future.set_exception(RpcError(StatusCode.INTERNAL, str(exc)))
            return
        pending.future.set_result(response)

    def _refuse_request(self, request_id: int, serialization_id: int) -> None:
        serialization = self.serializations.default
        writer = serialization.writer()
        writer.write("this dubbopy consumer does not accept requests (callbacks are not supported)")
        body = writer.getvalue()
        with contextlib.suppress(ProtocolError):
            self.write(pack_header(serialization.id, Status.SERVICE_ERROR, request_id, len(body)) + body)

    def on_oversize(self, error: PayloadLimitError) -> None:
        header = error.header
        if header is None or header.is_request:
            logger.warning("dropping an oversize request from %s: %s", self.peer, error)
            return
        pending = self.pending.pop(header.request_id, None)
        if pending is not None and not pending.future.done():
            pending.future.set_exception(
                RpcError(StatusCode.RESOURCE_EXHAUSTED, f"response from {self.peer} refused: {error}")
            )

    def on_event(self, event: Event) -> None:
        if event.data == READONLY_EVENT:
            logger.info("%s is going read-only (shutting down): no new requests on this connection", self.peer)
            self.readonly = True
        elif event.data == WRITEABLE_EVENT:
            self.readonly = False
        else:
            logger.debug("ignoring event %r from %s", event.data, self.peer)

    def on_idle_timeout(self) -> None:
        self._fail_pending(f"connection to {self.peer} closed: no heartbeat answered")

    def on_closed(self, exc: Exception | None) -> None:
        reason = f": {exc}" if exc else ""
        self._fail_pending(f"connection to {self.peer} lost{reason}")
        self.client.connection_lost()

    def _fail_pending(self, message: str) -> None:
        pending, self.pending = self.pending, {}
        for entry in pending.values():
            if not entry.future.done():
                entry.future.set_exception(RpcError(StatusCode.UNAVAILABLE, message))


class ExchangeClient:
    """Requests to one provider address over ``options.connections`` connections; see the module doc."""

    def __init__(self, host: str, port: int, options: ClientOptions | None = None) -> None:
        if not host or not port:
            raise ConfigError(f"a Dubbo provider address needs host and port, got {host!r}:{port!r}")
        self.host = host
        self.port = port
        self.options = options or ClientOptions()
        self._slots: list[ClientConnection | None] = [None] * self.options.connections
        self._connecting: list[asyncio.Future[ClientConnection] | None] = [None] * self.options.connections
        self._next = 0
        self._closed = False
        self._reconnector = Reconnector(lambda: self._connect_slot(0))

    @property
    def target(self) -> str:
        """``host:port`` of the provider."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        return self._closed

    @property
    def connections(self) -> list[ClientConnection]:
        """The open connections."""
        return [conn for conn in self._slots if conn is not None and not conn.closed]

    def is_available(self) -> bool:
        """Not closed, not down (connections lost or refused, until a reconnection succeeds), and not every
        open connection readonly (an unopened slot counts as usable). As in Java, a cluster does not pick
        an unavailable provider while it has others."""
        if self._closed or self._reconnector.down:
            return False
        return any(conn is None or conn.closed or not conn.readonly for conn in self._slots)

    def connection_lost(self) -> None:
        """A connection closed: with none left open the provider is down (:mod:`dubbopy.rpc.reconnect`)."""
        if not self._closed and not self.connections:
            self._reconnector.mark_down()

    # ------------------------------------------------------------------ connections

    async def connection(self) -> ClientConnection:
        """A connection to send on: the slots in turn, connecting one (once, shared by concurrent
        callers) when it is not open. Raises ``RpcError(UNAVAILABLE)``."""
        if self._closed:
            raise RpcError(StatusCode.UNAVAILABLE, f"client for {self.target} is closed")
        count = len(self._slots)
        start = self._next
        self._next = (start + 1) % count
        for step in range(count):
            index = (start + step) % count
            conn = self._slots[index]
            if conn is None or conn.closed:
                return await self._connect_slot(index)
            if not conn.readonly:
                return conn
        raise RpcError(StatusCode.UNAVAILABLE, f"provider {self.target} is shutting down (read-only)")

    async def _connect_slot(self, index: int) -> ClientConnection:
        connecting = self._connecting[index]
        # an attempt that has already ended failed (or its connection is gone): a call never inherits
        # the failure of an attempt made before it, such as the reconnector's just before a restart
        if connecting is None or connecting.done():
            connecting = asyncio.ensure_future(self._connect(index))
            self._connecting[index] = connecting
        try:
            return await asyncio.shield(connecting)
        except asyncio.CancelledError:
            if connecting.cancelled():  # the client was closed while connecting, not the caller cancelled
                raise RpcError(StatusCode.UNAVAILABLE, f"client for {self.target} is closed") from None
            raise
        finally:
            if connecting.done() and self._connecting[index] is connecting:
                self._connecting[index] = None
                if not connecting.cancelled():
                    connecting.exception()  # retrieved: no "never retrieved" warning

    async def _connect(self, index: int) -> ClientConnection:
        loop = asyncio.get_running_loop()
        ssl_context = self.options.ssl
        try:
            async with asyncio.timeout(self.options.connect_timeout):
                _transport, conn = await loop.create_connection(
                    lambda: ClientConnection(self),
                    self.host,
                    self.port,
                    ssl=ssl_context,
                    server_hostname=self.host if ssl_context is not None else None,
                )
        except (OSError, TimeoutError, ssl.SSLError) as exc:
            why = f"timed out after {self.options.connect_timeout}s" if isinstance(exc, TimeoutError) else str(exc)
            if not self.connections:
                self._reconnector.mark_down()
            raise RpcError(StatusCode.UNAVAILABLE, f"cannot connect to {self.target}: {why}") from exc
        if self._closed:
            conn.close()
            raise RpcError(StatusCode.UNAVAILABLE, f"client for {self.target} is closed")
        self._slots[index] = conn
        self._reconnector.up()
        return conn

    # ------------------------------------------------------------------ calls

    async def request(
        self,
        request_id: int,
        frame: bytes,
        *,
        timeout: float | None,  # noqa: ASYNC109 - a per-call deadline, reported as DEADLINE_EXCEEDED
        serialization_id: int,
        return_type: str | None = None,
    ) -> Response:
        """Send an encoded two-way request and wait for its response (any status).

        Raises ``RpcError``: ``DEADLINE_EXCEEDED`` after ``timeout`` seconds, ``UNAVAILABLE`` when the
        connection cannot be had or is lost, ``RESOURCE_EXHAUSTED`` / ``INTERNAL`` for a response over
        the limit or undecodable.
        """
        if timeout is not None and timeout <= 0:
            raise RpcError(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded before the request was sent")
        loop = asyncio.get_running_loop()
        started = loop.time()
        try:
            async with asyncio.timeout(timeout):
                conn = await self.connection()
                future: asyncio.Future[Response] = loop.create_future()
                conn.pending[request_id] = _Pending(future, serialization_id, return_type)
                try:
                    conn.write(frame)
                    await conn.drain()
                    return await future
                finally:
                    if conn.pending.get(request_id) is not None and conn.pending[request_id].future is future:
                        del conn.pending[request_id]
        except TimeoutError:
            elapsed = loop.time() - started
            raise RpcError(
                StatusCode.DEADLINE_EXCEEDED,
                f"waiting for the response to request {request_id} from {self.target} timed out "
                f"after {elapsed * 1000:.0f} ms (timeout {timeout * 1000 if timeout else 0:.0f} ms)",
            ) from None
        except ProtocolError as exc:
            raise RpcError(StatusCode.UNAVAILABLE, f"cannot send to {self.target}: {exc}") from exc

    async def send(self, frame: bytes) -> None:
        """Send an encoded one-way request (or event): nothing is awaited but the write buffer."""
        conn = await self.connection()
        try:
            conn.write(frame)
        except ProtocolError as exc:
            raise RpcError(StatusCode.UNAVAILABLE, f"cannot send to {self.target}: {exc}") from exc
        await conn.drain()

    async def close(self) -> None:
        """Close every connection; calls in flight fail with ``UNAVAILABLE``. Idempotent."""
        self._closed = True
        await self._reconnector.stop()
        for connecting in self._connecting:
            if connecting is not None and not connecting.done():
                connecting.cancel()
        conns = [conn for conn in self._slots if conn is not None]
        self._slots = [None] * len(self._slots)
        for conn in conns:
            conn.close()
        for conn in conns:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(1.0):
                    await conn.wait_closed()

    def __repr__(self) -> str:
        return f"ExchangeClient({self.target}, connections={len(self._slots)})"
