"""Plain-HTTP JSON unary calls on the Triple port (``spec/triple.md`` §7 and §8), over HTTP/1.1 and h2c.

::

    curl -H 'content-type: application/json' -d '{"name":"x"}' http://127.0.0.1:50051/helloworld.Greeter/SayHello
    → 200, content-type application/json, {"message":"Hello x"}

:func:`install_json_mode` plugs both transports into a :class:`~dubbopy.protocol.triple.server.TripleServer`:
HTTP/1.1 connections are served by :class:`~dubbopy.protocol.triple.http1.Http1Connection`, and HTTP/2
requests whose content-type is ``application/json`` (rather than ``application/grpc…``) by
:class:`H2JsonStream`. What a call does once its request is in — routing, proto-JSON, the handler, the
error dialects — is the same for both, in :mod:`~dubbopy.protocol.triple.http_call`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from dubbopy.errors import ProtocolError, StatusCode
from dubbopy.protocol.triple.h2base import StreamSink
from dubbopy.protocol.triple.http1 import DEFAULT_IDLE_TIMEOUT, Http1Connection
from dubbopy.protocol.triple.http_call import HttpRequest, HttpResponse, JsonCall, start_call

if TYPE_CHECKING:
    from dubbopy.protocol.triple.server import ServerConnection, TripleServer

__all__ = ["H2JsonStream", "install_json_mode", "serve_h2_request"]

Header = tuple[bytes, bytes]


def install_json_mode(server: TripleServer, *, idle_timeout: float = DEFAULT_IDLE_TIMEOUT) -> None:
    """Serve JSON unary calls on ``server``'s ports, next to gRPC.

    ``idle_timeout`` closes HTTP/1.1 connections that carry no request for that many seconds.
    """
    server.json_handler = serve_h2_request

    def http1_factory(triple: TripleServer) -> Http1Connection:
        return Http1Connection(triple, idle_timeout=idle_timeout)

    server.http1_factory = http1_factory


def serve_h2_request(connection: ServerConnection, stream_id: int, headers: list[Header], ended: bool) -> None:
    """Take an HTTP/2 request stream with a JSON content-type (``ServerConnection`` calls this at its
    HEADERS frame; ``ended`` when that frame already ended the stream)."""
    fields = dict(headers)
    request = HttpRequest(fields.get(b":method", b""), fields.get(b":path", b""), headers)
    started = start_call(connection.server, request, connection.peer_name)
    if isinstance(started, HttpResponse):
        H2JsonStream.respond_now(connection, stream_id, started, ended)
        return
    limit = connection.options.max_receive_message_size
    declared = fields.get(b"content-length", b"")
    stream = H2JsonStream(connection, stream_id, started, limit)
    if declared.isdigit() and int(declared) > limit:
        stream.refuse(f"request body of {int(declared)} bytes exceeds the limit of {limit}", ended)
        return
    connection.streams[stream_id] = stream
    if ended:
        stream.on_end()


class H2JsonStream(StreamSink):
    """One JSON call on an HTTP/2 stream: collects the body, runs the call at END_STREAM, responds.

    The body is bounded by the server's receive limit, so its flow-control window is handed back as it
    arrives; past the limit the call is answered 413 and the rest of the body is dropped (see :meth:`refuse`).
    """

    def __init__(self, connection: ServerConnection, stream_id: int, call: JsonCall, limit: int) -> None:
        self.connection = connection
        self.stream_id = stream_id
        self.call = call
        self.limit = limit
        self._chunks: list[bytes] = []
        self._size = 0
        self._done = False
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ StreamSink

    def on_data(self, data: bytes, flow_len: int) -> None:
        self.connection.acknowledge(self.stream_id, flow_len)
        if self._done or self._task is not None:
            return
        self._size += len(data)
        if self._size > self.limit:
            self._chunks.clear()
            self.refuse(f"request body exceeds the limit of {self.limit} bytes", ended=False)
            return
        self._chunks.append(data)

    def on_end(self) -> None:
        if self._done or self._task is not None:
            return
        body = b"".join(self._chunks)
        self._chunks.clear()
        self._task = self.connection.loop.create_task(self._serve(body))

    def on_reset(self, error_code: int) -> None:
        self._done = True
        self.call.client_gone()
        if self._task is not None and not self._task.done():
            self._task.cancel()

    # ------------------------------------------------------------------ responding

    def refuse(self, message: str, ended: bool) -> None:
        """Answer 413 (body too large), then drop what the client still sends of its body."""
        self._done = True
        self._chunks.clear()
        response = self.call.reject(StatusCode.RESOURCE_EXHAUSTED, message, 413)
        self.connection.streams.pop(self.stream_id, None)
        self.respond_now(self.connection, self.stream_id, response, ended)

    async def _serve(self, body: bytes) -> None:
        response = await self.call.run(body)
        self._done = True
        connection = self.connection
        connection.streams.pop(self.stream_id, None)
        if connection.closed:
            return
        try:
            if not _send_head(connection, self.stream_id, response):
                body = response.body
                if len(body) <= connection.conn.send_window(self.stream_id):
                    connection.conn.send_data(self.stream_id, body, end_stream=True)
                else:
                    await connection.send_data(self.stream_id, body, end_stream=True)
        except ProtocolError:
            return  # the client reset the stream or the connection went away meanwhile
        connection.schedule_flush()

    @staticmethod
    def respond_now(connection: ServerConnection, stream_id: int, response: HttpResponse, ended: bool) -> None:
        """Send a response that fits in the window at once (errors are small); if the client is still
        sending, drop the rest of its body (``DiscardSink``)."""
        conn = connection.conn
        try:
            if not _send_head(connection, stream_id, response):
                conn.send_data(stream_id, response.body, end_stream=True)
        except ProtocolError:
            connection.reset_stream(stream_id)
            return
        if not ended:
            connection.discard_rest(stream_id)
        connection.schedule_flush()


def _send_head(connection: ServerConnection, stream_id: int, response: HttpResponse) -> bool:
    """Send the response HEADERS; returns whether they ended the stream (empty body)."""
    headers = [
        (b":status", b"%d" % response.status),
        *response.headers,
        (b"content-length", b"%d" % len(response.body)),
    ]
    empty = not response.body
    connection.conn.send_headers(stream_id, headers, end_stream=empty)
    return empty
