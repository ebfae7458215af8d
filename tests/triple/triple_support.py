"""Helpers of the Triple acceptance tests: bounded waits, connection counting, the grpcio Greeter.

:func:`within` bounds every wait with a message; :func:`client_connections` counts this process's
established TCP connections to a port (the client ends only); :class:`GrpcGreeter` is the grpcio servicer
the dubbopy client is tested against.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import importlib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from types import SimpleNamespace
from typing import Any, TypeVar

import grpc
import psutil
import pytest
import testenv

T = TypeVar("T")

#: seconds allowed for anything that should be quick (a call, an event); generous for a loaded machine
QUICK = 20.0


async def within(awaitable: Awaitable[T], what: str, seconds: float = QUICK) -> T:
    """Await ``awaitable`` for at most ``seconds``; on timeout fail the test naming ``what``."""
    try:
        return await asyncio.wait_for(awaitable, seconds)
    except TimeoutError:
        pytest.fail(f"timed out after {seconds:g}s waiting for {what}")


def client_connections(port: int) -> int:
    """How many established TCP connections this process has *to* ``port`` (client ends only)."""
    return sum(
        1
        for c in psutil.Process().net_connections(kind="tcp")
        if c.raddr and c.raddr.port == port and c.status == psutil.CONN_ESTABLISHED
    )


def server_ends(port: int) -> int:
    """How many accepted connections on ``port`` in this process the server has not closed yet."""
    open_states = (psutil.CONN_ESTABLISHED, psutil.CONN_CLOSE_WAIT)
    return sum(
        1
        for c in psutil.Process().net_connections(kind="tcp")
        if c.laddr and c.laddr.port == port and c.raddr and c.status in open_states
    )


async def wait_until(predicate: Callable[[], bool], what: str, seconds: float = QUICK) -> None:
    """Poll ``predicate`` until it holds (for states that have no event to wait on); bounded."""

    async def poll() -> None:
        while not predicate():  # noqa: ASYNC110 - the state polled here has no event to wait on
            await asyncio.sleep(0.02)

    await within(poll(), what, seconds)


def need(module: str, package: str) -> Any:
    """Import ``module`` (from PyPI ``package``): fail under ``CI=true`` if missing, else skip."""
    try:
        return importlib.import_module(module)
    except ImportError:
        testenv.require(package, False, f"pip install {package}")
        raise


def digest(chunks: Iterable[str]) -> str:
    """sha256 of the concatenated strings (to compare what was sent with what arrived)."""
    h = hashlib.sha256()
    for chunk in chunks:
        h.update(chunk.encode())
    return h.hexdigest()


def grpc_status_module() -> Any:
    """``grpc_status.rpc_status`` (grpcio-status), required for rich-status interop."""
    return need("grpc_status.rpc_status", "grpcio-status")


class GrpcGreeter:
    """The grpcio twin of the dubbopy test Greeter (``make_greeter``), with hooks for the tests.

    * ``SayHello``: ``g <name>``; ``!sleep:<s>`` sleeps (records cancellation; ``event("context-done")`` is
      set by grpcio's done callback once the RPC is over),
      ``!status:<code>:<msg>`` aborts with that status, rich details (a ``google.rpc.Status`` with an
      ``ErrorInfo``) and trailer ``err-trailer: yes``; ``!raise`` raises ValueError; ``!big:<n>`` replies
      with n bytes; ``!meta`` echoes the ``x-*`` request metadata as initial and trailing metadata.
    * ``LotsOfReplies``: ``<name>*<n>`` yields ``<name><i>`` for i < n; counts in ``yielded``; records
      cancellation (``event("stream-cancelled")``); ``!status:...`` sends one message, then aborts as above.
    * ``LotsOfGreetings``: answers ``<count>:<sha256 of the names>``; with request metadata
      ``x-hold: 1`` it waits for ``event("release")`` before reading anything.
    * ``BidiHello``: ``bidi <name>`` per request.
    """

    def __init__(self, hw: SimpleNamespace) -> None:
        self.pb2 = hw.pb2
        self.events: dict[str, asyncio.Event] = {}
        self.cancelled: list[str] = []
        self.yielded = 0

    def event(self, name: str) -> asyncio.Event:
        """An event set by the servicer (``sleeping``, ``cancelled``, ``streaming``) or by a test."""
        return self.events.setdefault(name, asyncio.Event())

    async def SayHello(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        name = request.name
        if name.startswith("!sleep:"):
            # grpcio runs done callbacks once the RPC is over for it (the context is no longer active)
            context.add_done_callback(lambda _context: self.event("context-done").set())
            self.event("sleeping").set()
            try:
                await asyncio.sleep(float(name.split(":", 1)[1]))
            except asyncio.CancelledError:
                self.cancelled.append(name)
                self.event("cancelled").set()
                raise
            return self.pb2.HelloReply(message="woke")
        if name.startswith("!status:"):
            await self._abort(name, context)
        if name == "!raise":
            raise ValueError("boom from the grpcio handler")
        if name.startswith("!big:"):
            return self.pb2.HelloReply(message="x" * int(name.split(":", 1)[1]))
        if name == "!meta":
            metadata = [(k, v) for k, v in context.invocation_metadata() or () if k.startswith("x-")]
            await context.send_initial_metadata([("x-initial", "init"), *metadata])
            context.set_trailing_metadata(metadata)
            return self.pb2.HelloReply(message="meta")
        return self.pb2.HelloReply(message="g " + name)

    async def _abort(self, name: str, context: grpc.aio.ServicerContext) -> None:
        """Abort with ``!status:<code>:<msg>``'s status, rich details and an extra trailer."""
        from google.protobuf import any_pb2
        from google.rpc import error_details_pb2, status_pb2

        _, code, message = name.split(":", 2)
        info = any_pb2.Any()
        info.Pack(error_details_pb2.ErrorInfo(reason="TEST", domain="dubbopy.test", metadata={"code": code}))
        rich = status_pb2.Status(code=int(code), message=message, details=[info])
        status = grpc_status_module().to_status(rich)
        status = type(status)(status.code, status.details, (*status.trailing_metadata, ("err-trailer", "yes")))
        await context.abort_with_status(status)

    async def LotsOfReplies(self, request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        if request.name.startswith("!status:"):
            yield self.pb2.HelloReply(message="before the error")
            await self._abort(request.name, context)
        name, _, count = request.name.partition("*")
        self.event("streaming").set()
        try:
            for i in range(int(count or 3)):
                yield self.pb2.HelloReply(message=f"{name}{i}")
                self.yielded += 1
        except (asyncio.CancelledError, GeneratorExit):
            # grpcio closes a streaming handler's generator when the RPC ends early
            self.cancelled.append("LotsOfReplies")
            self.event("stream-cancelled").set()
            raise
        self.event("streamed").set()

    async def LotsOfGreetings(self, requests: Any, context: grpc.aio.ServicerContext) -> Any:
        if dict(context.invocation_metadata() or ()).get("x-hold") == "1":
            self.event("holding").set()
            await self.event("release").wait()
        h = hashlib.sha256()
        count = 0
        async for request in requests:
            h.update(request.name.encode())
            count += 1
        return self.pb2.HelloReply(message=f"{count}:{h.hexdigest()}")

    async def BidiHello(self, requests: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        async for request in requests:
            yield self.pb2.HelloReply(message="bidi " + request.name)


async def start_grpc_server(
    hw: SimpleNamespace,
    *,
    credentials: grpc.ServerCredentials | None = None,
    options: list[tuple[str, Any]] | None = None,
    compression: grpc.Compression | None = None,
) -> SimpleNamespace:
    """Start a ``grpc.aio`` server with a fresh :class:`GrpcGreeter` on ``127.0.0.1:0``."""
    greeter = GrpcGreeter(hw)
    server = grpc.aio.server(options=options, compression=compression)
    hw.grpc.add_GreeterServicer_to_server(greeter, server)
    if credentials is None:
        port = server.add_insecure_port("127.0.0.1:0")
    else:
        port = server.add_secure_port("127.0.0.1:0", credentials)
    await server.start()
    return SimpleNamespace(server=server, port=port, greeter=greeter, url=f"tri://127.0.0.1:{port}")


class RawH2:
    """A hand-driven HTTP/2 client (the ``h2`` library over a plain socket) for malformed requests.

    ``h2`` validates nothing we send (``validate_outbound_headers=False``), so a test can put anything
    on the wire; :meth:`response` collects what the server answered on one stream.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        import h2.config
        import h2.connection

        self.reader = reader
        self.writer = writer
        config = h2.config.H2Configuration(
            client_side=True, header_encoding=None, validate_outbound_headers=False, normalize_outbound_headers=False
        )
        self.conn = h2.connection.H2Connection(config)
        self.events: list[Any] = []
        self.eof = False

    @classmethod
    async def connect(cls, port: int) -> RawH2:
        """Open a connection to ``127.0.0.1:port`` and send the preface and SETTINGS."""
        reader, writer = await within(asyncio.open_connection("127.0.0.1", port), "a TCP connection")
        raw = cls(reader, writer)
        raw.conn.initiate_connection()
        await raw.flush()
        return raw

    async def flush(self) -> None:
        """Write what ``h2`` queued."""
        data = self.conn.data_to_send()
        if data:
            self.writer.write(data)
            await self.writer.drain()

    def request_headers(
        self, path: str, *, content_type: bytes = b"application/grpc", extra: list[tuple[bytes, bytes]] | None = None
    ) -> list[tuple[bytes, bytes]]:
        """The headers of a gRPC POST to ``path``."""
        return [
            (b":method", b"POST"),
            (b":scheme", b"http"),
            (b":path", path.encode()),
            (b":authority", b"127.0.0.1"),
            (b"content-type", content_type),
            (b"te", b"trailers"),
            *(extra or []),
        ]

    async def start(self, path: str, body: bytes | None = None, *, end: bool = True, **kwargs: Any) -> int:
        """Open a stream with a request to ``path``; send ``body`` (already gRPC-framed) if given."""
        stream_id: int = self.conn.get_next_available_stream_id()
        self.conn.send_headers(stream_id, self.request_headers(path, **kwargs), end_stream=end and body is None)
        if body is not None:
            self.conn.send_data(stream_id, body, end_stream=end)
        await self.flush()
        return stream_id

    async def _receive(self) -> None:
        import h2.events

        data = await self.reader.read(65536)
        if not data:
            self.eof = True
            return
        for event in self.conn.receive_data(data):
            self.events.append(event)
            if isinstance(event, h2.events.DataReceived) and event.flow_controlled_length:
                self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
        await self.flush()

    async def response(self, stream_id: int, what: str = "the response") -> SimpleNamespace:
        """Read until ``stream_id`` ends (END_STREAM or RST_STREAM) or the connection closes.

        Returns ``SimpleNamespace(headers, trailers, data, reset)``: header dicts (bytes keys/values),
        the body bytes and the RST_STREAM error code (None if not reset).
        """
        import h2.events

        async def run() -> SimpleNamespace:
            result = SimpleNamespace(headers={}, trailers={}, data=b"", reset=None, ended=False)
            seen = 0
            while True:
                for event in self.events[seen:]:
                    if getattr(event, "stream_id", None) != stream_id:
                        continue
                    if isinstance(event, h2.events.ResponseReceived):
                        result.headers = dict(event.headers)
                    elif isinstance(event, h2.events.TrailersReceived):
                        result.trailers = dict(event.headers)
                    elif isinstance(event, h2.events.DataReceived):
                        result.data += event.data
                    elif isinstance(event, h2.events.StreamReset):
                        result.reset = event.error_code
                    elif isinstance(event, h2.events.StreamEnded):
                        result.ended = True
                seen = len(self.events)
                if result.ended or result.reset is not None or self.eof:
                    return result
                await self._receive()

        return await within(run(), what)

    async def closed_by_server(self, what: str = "the server to close the connection") -> bytes:
        """Read until EOF (or a reset connection); return every byte received."""

        async def run() -> bytes:
            received = b""
            try:
                while chunk := await self.reader.read(65536):
                    received += chunk
            except ConnectionResetError:
                pass
            return received

        return await within(run(), what)

    async def close(self) -> None:
        """Close the socket."""
        self.writer.close()
        with contextlib.suppress(Exception):
            await self.writer.wait_closed()


def grpc_frame(payload: bytes, compressed: bool = False) -> bytes:
    """One gRPC length-prefixed message."""
    return bytes([1 if compressed else 0]) + len(payload).to_bytes(4, "big") + payload


class CountingProxy:
    """A TCP relay on ``127.0.0.1:port`` to ``127.0.0.1:target`` that counts the bytes in each direction.

    ``up`` is what clients sent to the server, ``down`` what the server sent back: what was really on
    the wire, e.g. to tell compressed from uncompressed messages.
    """

    def __init__(self, target: int) -> None:
        self.target = target
        self.up = 0
        self.down = 0
        self.port = 0
        self._server: asyncio.Server | None = None
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> CountingProxy:
        """Start listening; :attr:`port` is then set."""
        self._server = await asyncio.start_server(self._relay, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def _relay(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.target)

        async def pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, up: bool) -> None:
            try:
                while data := await reader.read(65536):
                    if up:
                        self.up += len(data)
                    else:
                        self.down += len(data)
                    writer.write(data)
                    await writer.drain()
            except (ConnectionError, asyncio.CancelledError):
                pass
            finally:
                writer.close()

        tasks = [
            asyncio.ensure_future(pump(client_reader, server_writer, True)),
            asyncio.ensure_future(pump(server_reader, client_writer, False)),
        ]
        self._tasks.update(tasks)
        await asyncio.gather(*tasks)

    async def close(self) -> None:
        """Stop listening and cut every relayed connection."""
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
