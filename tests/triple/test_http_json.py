"""Plain-HTTP JSON unary calls on the Triple port (spec/triple.md §7, §8), with the real curl binary
over HTTP/1.1 and h2c, and raw sockets for what curl will not send (pipelining, garbage, oversized
requests, idle connections).

The servers are real ``dubbopy.Server`` instances on free loopback ports: ``triple_server``
(``tests/conftest.py``: ``SayHello`` answers ``hi <name>``, names starting with ``!`` trigger
behaviours) or the ones built here with small limits or extra exports.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import h2.config
import h2.connection
import h2.events
import pytest
import testenv
from triple_support import within

import dubbopy
from dubbopy.protocol.triple.handlers import HandlerTable
from dubbopy.protocol.triple.http_json import install_json_mode
from dubbopy.protocol.triple.server import ServerOptions, TripleServer

pytestmark = pytest.mark.interop

SAY_HELLO = "/helloworld.Greeter/SayHello"
JSON = ("content-type", "application/json")
HTTP_VERSIONS = ["http1.1", "http2-prior-knowledge"]


# ---------------------------------------------------------------- helpers


@dataclass
class Reply:
    """One HTTP response as a client saw it."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        assert self.headers.get("content-type", "").startswith("application/json"), self.headers
        return json.loads(self.body)


def parse_head(block: bytes) -> tuple[int, dict[str, str]]:
    lines = block.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return status, headers


@pytest.fixture(scope="module")
def curl_binary() -> str:
    found = shutil.which("curl")
    testenv.require("curl", found is not None, "apt-get install -y curl")
    assert found is not None
    features = subprocess.run([found, "--version"], capture_output=True, text=True, check=True).stdout
    assert "HTTP2" in features, f"this curl cannot speak HTTP/2:\n{features}"
    return found


@pytest.fixture
def curl(curl_binary: str) -> Any:
    """Run curl off the event loop (the server shares it): ``await curl(port, path, *flags, data=...)``."""

    async def run(
        port: int,
        path: str = SAY_HELLO,
        *,
        data: str | None = '{"name":"ada"}',
        headers: Sequence[tuple[str, str]] = (JSON,),
        http: str = "http1.1",
        flags: Sequence[str] = (),
    ) -> Reply:
        argv = [curl_binary, "-sS", "-i", f"--{http}", *flags]
        for name, value in headers:
            argv += ["-H", f"{name}: {value}"]
        if data is not None:
            argv += ["--data-binary", data]
        argv.append(f"http://127.0.0.1:{port}{path}")
        done = await asyncio.to_thread(subprocess.run, argv, capture_output=True, timeout=60, check=False)
        assert done.returncode == 0, f"{' '.join(argv)} failed: {done.stderr.decode()}"
        output = done.stdout
        while True:  # skip interim responses (100 Continue)
            head, _, output = output.partition(b"\r\n\r\n")
            status, response_headers = parse_head(head)
            if status >= 200:
                return Reply(status, response_headers, output)

    return run


class RawClient:
    """An HTTP/1.1 client on a plain socket, for requests curl will not send."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, port: int) -> RawClient:
        reader, writer = await within(asyncio.open_connection("127.0.0.1", port), "connecting")
        return cls(reader, writer)

    async def send(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()

    async def response(self) -> Reply:
        head = await within(self.reader.readuntil(b"\r\n\r\n"), "a response head")
        status, headers = parse_head(head[:-4])
        body = await within(self.reader.readexactly(int(headers.get("content-length", "0"))), "a response body")
        return Reply(status, headers, body)

    async def closed_by_server(self) -> bool:
        """Whether the server closes the connection (reads until EOF, bounded)."""
        rest = await within(self.reader.read(), "the server to close the connection")
        return rest == b""

    def close(self) -> None:
        self.writer.close()


class H2Client:
    """An h2c client (the ``h2`` library on a socket), for HTTP/2 requests curl will not send."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True, header_encoding="utf-8"))
        self.heads: dict[int, dict[str, str]] = {}
        self.bodies: dict[int, bytes] = {}
        self.ended: set[int] = set()
        self.resets: dict[int, int] = {}

    @classmethod
    async def connect(cls, port: int) -> H2Client:
        reader, writer = await within(asyncio.open_connection("127.0.0.1", port), "connecting")
        client = cls(reader, writer)
        client.conn.initiate_connection()
        client.flush()
        return client

    def flush(self) -> None:
        self.writer.write(self.conn.data_to_send())

    def start(self, path: str = SAY_HELLO, headers: Sequence[tuple[str, str]] = (JSON,)) -> int:
        stream_id: int = self.conn.get_next_available_stream_id()
        pseudo = [(":method", "POST"), (":scheme", "http"), (":authority", "test"), (":path", path)]
        self.conn.send_headers(stream_id, [*pseudo, *headers])
        self.flush()
        return stream_id

    def send(self, stream_id: int, data: bytes, *, end: bool) -> None:
        self.conn.send_data(stream_id, data, end_stream=end)
        self.flush()

    async def wait(self, done: Callable[[], bool], what: str) -> None:
        while not done():
            data = await within(self.reader.read(65536), what)
            assert data, f"the server closed the connection while waiting for {what}"
            for event in self.conn.receive_data(data):
                if isinstance(event, h2.events.ResponseReceived):
                    self.heads[event.stream_id] = {str(k): str(v) for k, v in event.headers}
                elif isinstance(event, h2.events.DataReceived):
                    self.bodies[event.stream_id] = self.bodies.get(event.stream_id, b"") + event.data
                    self.conn.acknowledge_received_data(event.flow_controlled_length, event.stream_id)
                elif isinstance(event, h2.events.StreamEnded):
                    self.ended.add(event.stream_id)
                elif isinstance(event, h2.events.StreamReset):
                    self.resets[event.stream_id] = event.error_code
            self.flush()

    async def reply(self, stream_id: int) -> Reply:
        await self.wait(lambda: stream_id in self.ended or stream_id in self.resets, f"stream {stream_id} to end")
        head = self.heads[stream_id]
        return Reply(int(head[":status"]), head, self.bodies.get(stream_id, b""))

    def close(self) -> None:
        self.writer.close()


def post(path: str = SAY_HELLO, body: bytes = b'{"name":"ada"}', headers: Sequence[tuple[str, str]] = (JSON,)) -> bytes:
    lines = [f"POST {path} HTTP/1.1", "Host: test", f"Content-Length: {len(body)}"]
    lines += [f"{k}: {v}" for k, v in headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def assert_still_serving(port: int) -> None:
    """A new client gets an ordinary answer: the bad one did not harm the server."""
    client = await RawClient.connect(port)
    try:
        await client.send(post(body=b'{"name":"next"}'))
        reply = await client.response()
        assert (reply.status, reply.json()) == (200, {"message": "hi next"})
    finally:
        client.close()


def make_servicer(hw: SimpleNamespace, greeting: str, *, sync: bool = False) -> Any:
    """A Greeter answering ``<greeting> <name>``, as ``async def``; or, with ``sync``, as plain ``def``
    answering ``<greeting> <name> <thread name>``."""

    class AsyncGreeter(hw.dubbo.GreeterServicer):  # type: ignore[misc,name-defined]
        async def SayHello(self, request: Any, context: dubbopy.ServicerContext) -> Any:
            return hw.pb2.HelloReply(message=f"{greeting} {request.name}")

    class SyncGreeter(hw.dubbo.GreeterServicer):  # type: ignore[misc,name-defined]
        def SayHello(self, request: Any, context: dubbopy.ServicerContext) -> Any:
            thread = threading.current_thread().name
            return hw.pb2.HelloReply(message=f"{greeting} {request.name} {thread}")

    return SyncGreeter() if sync else AsyncGreeter()


@pytest.fixture
async def small_server(hw: SimpleNamespace) -> AsyncIterator[SimpleNamespace]:
    """A server with a 1 KiB message limit, a 2 KiB header limit and a short HTTP/1.1 idle timeout,
    built from the transport pieces so the idle timeout can be set."""
    handlers = HandlerTable()
    handlers.add(hw.dubbo.GREETER_SERVICE, make_servicer(hw, "hi"))
    server = TripleServer(handlers, ServerOptions(max_receive_message_size=1024, max_header_list_size=2048))
    install_json_mode(server, idle_timeout=0.3)
    port = await server.start("127.0.0.1", 0)
    try:
        yield SimpleNamespace(port=port)
    finally:
        await server.stop(grace=1.0)


# ---------------------------------------------------------------- curl: the happy paths


@pytest.mark.parametrize("http", HTTP_VERSIONS)
async def test_curl_calls_a_unary_method_with_proto_json(curl: Any, triple_server: Any, http: str) -> None:
    reply = await curl(triple_server.port, http=http)
    assert reply.status == 200
    assert reply.json() == {"message": "hi ada"}


@pytest.mark.parametrize("http", HTTP_VERSIONS)
async def test_a_one_element_array_is_the_single_argument(curl: Any, triple_server: Any, http: str) -> None:
    reply = await curl(triple_server.port, data='[{"name":"bo"}]', http=http)
    assert (reply.status, reply.json()) == (200, {"message": "hi bo"})


async def test_an_empty_body_is_the_default_message(curl: Any, triple_server: Any) -> None:
    reply = await curl(triple_server.port, data="")
    assert (reply.status, reply.json()) == (200, {"message": "hi "})


async def test_chunked_and_expect_continue_requests_from_curl(curl: Any, triple_server: Any) -> None:
    headers = [JSON, ("transfer-encoding", "chunked"), ("expect", "100-continue")]
    reply = await curl(triple_server.port, headers=headers, data='{"name":"chunky"}')
    assert (reply.status, reply.json()) == (200, {"message": "hi chunky"})


@pytest.mark.parametrize("http", HTTP_VERSIONS)
async def test_headers_are_metadata_and_response_metadata_are_headers(curl: Any, triple_server: Any, http: str) -> None:
    reply = await curl(triple_server.port, data='{"name":"!meta"}', headers=[JSON, ("x-user", "alice")], http=http)
    assert reply.status == 200
    assert reply.json() == {"message": "meta"}
    assert reply.headers["x-user"] == "alice"  # echoed by the handler as trailing metadata
    assert reply.headers["x-initial"] == "init"


async def test_dubbo_go_clients_get_response_metadata_as_trailer_headers(curl: Any, triple_server: Any) -> None:
    headers = [JSON, ("triple-protocol-version", "0.1.0"), ("x-user", "alice")]
    reply = await curl(triple_server.port, data='{"name":"!meta"}', headers=headers)
    assert reply.status == 200
    assert reply.headers["trailer-x-user"] == "alice"
    assert "x-user" not in reply.headers


async def test_version_and_group_headers_select_the_export(curl: Any, hw: SimpleNamespace) -> None:
    server = dubbopy.Server(protocols=["tri://127.0.0.1:0"])
    server.add(make_servicer(hw, "plain"))
    server.add(make_servicer(hw, "v2"), version="2.0.0")
    server.add(make_servicer(hw, "blue"), group="blue", version="2.0.0")
    await server.start()
    try:
        port = server.ports[0]
        cases = {
            (): "plain ada",
            (("tri-service-version", "2.0.0"),): "v2 ada",
            (("rest-service-version", "2.0.0"),): "v2 ada",
            (("tri-service-group", "blue"), ("tri-service-version", "2.0.0")): "blue ada",
            (("rest-service-group", "blue"), ("rest-service-version", "2.0.0")): "blue ada",
        }
        for extra, expected in cases.items():
            for http in HTTP_VERSIONS:
                reply = await curl(port, headers=[JSON, *extra], http=http)
                assert (reply.status, reply.json()) == (200, {"message": expected}), (extra, http)
    finally:
        await server.stop(grace=1.0)


async def test_plain_def_handlers_run_on_the_worker_pool(curl: Any, hw: SimpleNamespace) -> None:
    server = dubbopy.Server(protocols=["tri://127.0.0.1:0"])
    server.add(make_servicer(hw, "sync", sync=True))
    await server.start()
    try:
        for http in HTTP_VERSIONS:
            reply = await curl(server.ports[0], http=http)
            assert reply.status == 200
            assert reply.json()["message"].startswith("sync ada dubbopy-handler")
    finally:
        await server.stop(grace=1.0)


# ---------------------------------------------------------------- curl: errors


@pytest.mark.parametrize("http", HTTP_VERSIONS)
@pytest.mark.parametrize(
    ("path", "data", "status", "message"),
    [
        ("/helloworld.Greeter/Nope", '{"name":"x"}', 404, "unknown method 'Nope'"),
        ("/no.Such/Method", '{"name":"x"}', 404, "unknown service"),
        (SAY_HELLO, '{"nam":"x"}', 400, "nam"),
        (SAY_HELLO, '{"name":', 400, "as JSON"),
        (SAY_HELLO, '[{"name":"x"},{"name":"y"}]', 400, "exactly one element"),
        (SAY_HELLO, '{"name":"x","name":"y"}', 400, "duplicate key"),
        ("/helloworld.Greeter/LotsOfReplies", '{"name":"x"}', 415, "gRPC"),
        ("/helloworld.Greeter/BidiHello", '{"name":"x"}', 415, "gRPC"),
    ],
)
async def test_requests_that_cannot_be_served_get_java_error_json(
    curl: Any, triple_server: Any, *, http: str, path: str, data: str, status: int, message: str
) -> None:
    reply = await curl(triple_server.port, path, data=data, http=http)
    assert reply.status == status
    document = reply.json()
    assert document["status"] == str(status)
    assert message in document["message"]


@pytest.mark.parametrize("http", HTTP_VERSIONS)
@pytest.mark.parametrize(
    ("name", "status", "message"),
    [
        ("!raise", 500, "ValueError: boom from the handler"),
        ("!status:7:not you", 403, "not you"),  # PERMISSION_DENIED
        ("!status:5:no such user", 404, "no such user"),  # NOT_FOUND
        ("!status:3:bad name", 400, "bad name"),  # INVALID_ARGUMENT
        ("!status:14:try later", 503, "try later"),  # UNAVAILABLE
        ("!status:12:not here", 501, "not here"),  # UNIMPLEMENTED raised by a handler: Java's 501
    ],
)
async def test_handler_errors_map_to_http_status_like_java(
    curl: Any, triple_server: Any, *, http: str, name: str, status: int, message: str
) -> None:
    reply = await curl(triple_server.port, data=json.dumps({"name": name}), http=http)
    assert (reply.status, reply.json()) == (status, {"status": str(status), "message": message})
    if name.startswith("!status"):
        assert reply.headers["err-trailer"] == "yes"  # metadata set before the error still reach the client


@pytest.mark.parametrize(
    ("path", "name", "status", "code"),
    [
        ("/helloworld.Greeter/Nope", "x", 404, "unimplemented"),
        (SAY_HELLO, "!status:7:not you", 403, "permission_denied"),
        (SAY_HELLO, "!status:9:not yet", 412, "failed_precondition"),  # dubbo-go's table, not Java's 400
        (SAY_HELLO, "!status:1:stop", 408, "canceled"),
        (SAY_HELLO, "!raise", 500, "unknown"),
    ],
)
async def test_dubbo_go_clients_get_dubbo_go_error_json(
    curl: Any, triple_server: Any, *, path: str, name: str, status: int, code: str
) -> None:
    headers = [JSON, ("triple-protocol-version", "0.1.0")]
    reply = await curl(triple_server.port, path, data=json.dumps({"name": name}), headers=headers)
    assert reply.status == status
    assert reply.json()["code"] == code


async def test_unknown_triple_protocol_version_is_rejected(curl: Any, triple_server: Any) -> None:
    reply = await curl(triple_server.port, headers=[JSON, ("triple-protocol-version", "9")])
    assert reply.status == 400
    assert reply.json()["code"] == "invalid_argument"


@pytest.mark.parametrize(
    ("headers", "status", "body"),
    [
        ([JSON, ("tri-service-timeout", "100")], 504, {"status": "504", "message": "deadline exceeded"}),
        (
            [JSON, ("triple-protocol-version", "0.1.0"), ("triple-timeout-ms", "100")],
            408,
            {"code": "deadline_exceeded", "message": "deadline exceeded"},
        ),
    ],
)
async def test_timeout_header_sets_a_deadline_that_cancels_the_handler(
    curl: Any, triple_server: Any, headers: list[tuple[str, str]], status: int, body: dict[str, str]
) -> None:
    reply = await curl(triple_server.port, data='{"name":"!sleep:60"}', headers=headers)
    assert (reply.status, reply.json()) == (status, body)
    await within(triple_server.greeter.event("cancelled").wait(), "the handler to be cancelled")


async def test_only_post_is_allowed(curl: Any, triple_server: Any) -> None:
    reply = await curl(triple_server.port, data=None, flags=["-X", "GET"])
    assert reply.status == 405
    assert reply.headers["allow"] == "POST"
    assert reply.json()["status"] == "405"


@pytest.mark.parametrize("http", HTTP_VERSIONS)
async def test_other_content_types_are_unsupported(curl: Any, triple_server: Any, http: str) -> None:
    reply = await curl(triple_server.port, headers=[("content-type", "text/plain")], http=http)
    assert reply.status == 415


async def test_curl_body_over_the_limit_is_413(curl: Any, small_server: Any) -> None:
    big = json.dumps({"name": "x" * 2000})
    for http in HTTP_VERSIONS:
        reply = await curl(small_server.port, data=big, http=http)
        assert reply.status == 413, http
        assert "limit of 1024" in reply.json()["message"]


# ---------------------------------------------------------------- raw sockets: HTTP/1.1 framing


async def test_keep_alive_and_pipelined_requests_are_answered_in_order(triple_server: Any) -> None:
    client = await RawClient.connect(triple_server.port)
    try:
        # the first request takes longest; answers must still come back in request order
        names = ["!sleep:0.2", "b", "!raise", "d"]
        await client.send(b"".join(post(body=json.dumps({"name": n}).encode()) for n in names))
        replies = [await client.response() for _ in names]
        assert [r.status for r in replies] == [200, 200, 500, 200]
        assert [r.json().get("message") for r in replies] == [
            "woke",
            "hi b",
            "ValueError: boom from the handler",
            "hi d",
        ]
        await client.send(post(body=b'{"name":"again"}'))  # and the connection is still usable
        assert (await client.response()).json() == {"message": "hi again"}
    finally:
        client.close()


async def test_chunked_body_split_across_writes(triple_server: Any) -> None:
    client = await RawClient.connect(triple_server.port)
    try:
        head = f"POST {SAY_HELLO} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        head += "Transfer-Encoding: chunked\r\n\r\n"
        pieces = [b'5\r\n{"na', b"m\r\nb;ext=1\r", b'\ne":"split"}\r\n', b"0\r\nX-T: 1\r", b"\n\r\n"]
        for piece in [head.encode(), *pieces]:
            await client.send(piece)
        reply = await client.response()
        assert (reply.status, reply.json()) == (200, {"message": "hi split"})
    finally:
        client.close()


async def test_expect_100_continue_waits_for_the_go_ahead(triple_server: Any) -> None:
    client = await RawClient.connect(triple_server.port)
    try:
        body = b'{"name":"patient"}'
        head = f"POST {SAY_HELLO} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        head += f"Content-Length: {len(body)}\r\nExpect: 100-continue\r\n\r\n"
        await client.send(head.encode())
        interim = await within(client.reader.readuntil(b"\r\n\r\n"), "100 Continue")
        assert interim == b"HTTP/1.1 100 Continue\r\n\r\n"
        await client.send(body)
        reply = await client.response()
        assert (reply.status, reply.json()) == (200, {"message": "hi patient"})
    finally:
        client.close()


async def test_refused_expect_100_request_is_answered_without_reading_the_body(triple_server: Any) -> None:
    client = await RawClient.connect(triple_server.port)
    try:
        head = "POST /no.Such/Method HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        head += "Content-Length: 100\r\nExpect: 100-continue\r\n\r\n"
        await client.send(head.encode())
        reply = await client.response()
        assert reply.status == 404
        assert reply.headers["connection"] == "close"
        assert await client.closed_by_server()
    finally:
        client.close()
    await assert_still_serving(triple_server.port)


async def test_http_1_0_gets_one_answer_then_close(triple_server: Any) -> None:
    client = await RawClient.connect(triple_server.port)
    try:
        body = b'{"name":"old"}'
        head = f"POST {SAY_HELLO} HTTP/1.0\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        await client.send(head.encode() + body)
        reply = await client.response()
        assert (reply.status, reply.json()) == (200, {"message": "hi old"})
        assert await client.closed_by_server()
    finally:
        client.close()


async def test_head_request_gets_405_without_a_body(triple_server: Any) -> None:
    client = await RawClient.connect(triple_server.port)
    try:
        await client.send(f"HEAD {SAY_HELLO} HTTP/1.1\r\nHost: t\r\n\r\n".encode())
        head = await within(client.reader.readuntil(b"\r\n\r\n"), "a response head")
        status, headers = parse_head(head[:-4])
        assert (status, headers["allow"]) == (405, "POST")
        await client.send(post(body=b'{"name":"after head"}'))  # no body bytes came in between
        assert (await client.response()).json() == {"message": "hi after head"}
    finally:
        client.close()


# ---------------------------------------------------------------- raw sockets: bad input never hurts others


@pytest.mark.parametrize(
    "garbage",
    [
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",  # a TLS ClientHello on the cleartext port
        b"hello there\r\n\r\n",
        b"POST /a/b HTTP/1.1\r\nHost: t\r\nbad header line\r\n\r\n",
        b"POST /a/b HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"POST /a/b HTTP/1.1\r\nHost: t\r\nContent-Length: -1\r\n\r\n",
        f"POST {SAY_HELLO} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\nzz\r\n".encode(),  # not a chunk size
        b"POST /a/b HTTP/1.1\r\nContent-Length: 0\r\n\r\n",  # HTTP/1.1 without Host
    ],
)
async def test_garbage_gets_400_and_close(small_server: Any, garbage: bytes) -> None:
    client = await RawClient.connect(small_server.port)
    try:
        await client.send(garbage)
        reply = await client.response()
        assert reply.status == 400
        assert reply.headers["connection"] == "close"
        assert await client.closed_by_server()
    finally:
        client.close()
    await assert_still_serving(small_server.port)


async def test_oversized_body_gets_413_without_being_read(small_server: Any) -> None:
    client = await RawClient.connect(small_server.port)
    try:
        # only the head is sent: the answer must not wait for the 1 MB that was announced
        head = f"POST {SAY_HELLO} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        await client.send(f"{head}Content-Length: 1000000\r\n\r\n".encode())
        reply = await client.response()
        assert reply.status == 413
        assert reply.json()["status"] == "413"
        assert await client.closed_by_server()
    finally:
        client.close()
    await assert_still_serving(small_server.port)


async def test_oversized_chunked_body_gets_413(small_server: Any) -> None:
    client = await RawClient.connect(small_server.port)
    try:
        head = f"POST {SAY_HELLO} HTTP/1.1\r\nHost: t\r\nContent-Type: application/json\r\n"
        head += "Transfer-Encoding: chunked\r\nTriple-Protocol-Version: 0.1.0\r\n\r\n"
        await client.send(head.encode() + b"300\r\n" + b"x" * 0x300 + b"\r\n300\r\n")
        reply = await client.response()
        assert reply.status == 413
        assert reply.json()["code"] == "resource_exhausted"
        assert await client.closed_by_server()
    finally:
        client.close()
    await assert_still_serving(small_server.port)


async def test_oversized_headers_get_431_and_close(small_server: Any) -> None:
    client = await RawClient.connect(small_server.port)
    try:
        await client.send(f"POST {SAY_HELLO} HTTP/1.1\r\nHost: t\r\nX-Big: {'a' * 4000}\r\n".encode())
        reply = await client.response()
        assert reply.status == 431
        assert await client.closed_by_server()
    finally:
        client.close()
    await assert_still_serving(small_server.port)


async def test_idle_connections_are_closed(small_server: Any) -> None:
    client = await RawClient.connect(small_server.port)
    try:
        await client.send(post())
        assert (await client.response()).status == 200
        assert await client.closed_by_server()  # no second request within the idle timeout
    finally:
        client.close()
    await assert_still_serving(small_server.port)


async def test_client_going_away_cancels_the_handler(triple_server: Any) -> None:
    client = await RawClient.connect(triple_server.port)
    await client.send(post(body=b'{"name":"!sleep:60"}'))
    await within(triple_server.greeter.event("sleeping").wait(), "the handler to start")
    client.close()
    await within(triple_server.greeter.event("cancelled").wait(), "the handler to be cancelled")
    await assert_still_serving(triple_server.port)


# ---------------------------------------------------------------- raw HTTP/2


async def test_h2_body_over_the_limit_stops_the_stream_not_the_connection(small_server: Any) -> None:
    client = await H2Client.connect(small_server.port)
    try:
        stream_id = client.start()  # no content-length: the limit is noticed while the body arrives
        client.send(stream_id, b'{"name":"' + b"x" * 800, end=False)
        client.send(stream_id, b"x" * 800, end=False)
        reply = await client.reply(stream_id)
        assert reply.status == 413
        assert reply.json()["status"] == "413"
        second = client.start()
        client.send(second, b'{"name":"same connection"}', end=True)
        reply = await client.reply(second)
        assert (reply.status, reply.json()) == (200, {"message": "hi same connection"})
    finally:
        client.close()


async def test_h2_reset_cancels_the_handler(triple_server: Any) -> None:
    client = await H2Client.connect(triple_server.port)
    try:
        stream_id = client.start()
        client.send(stream_id, b'{"name":"!sleep:60"}', end=True)
        await within(triple_server.greeter.event("sleeping").wait(), "the handler to start")
        client.conn.reset_stream(stream_id)
        client.flush()
        await within(triple_server.greeter.event("cancelled").wait(), "the handler to be cancelled")
    finally:
        client.close()
    await assert_still_serving(triple_server.port)
