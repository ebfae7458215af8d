"""Malformed input to the dubbopy server from raw sockets and a hand-driven HTTP/2 client (``h2``).

Each test sends one kind of bad input, checks the server's answer (a gRPC status, an HTTP status, or
closing the connection), and then proves the server still serves: a grpcio call succeeds. Where the
connection is closed, the server's end of it must be gone too (not left in CLOSE_WAIT).
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from triple_support import RawH2, grpc_frame, server_ends, wait_until, within

from dubbopy.errors import StatusCode

pytestmark = pytest.mark.interop

SAY_HELLO = "/helloworld.Greeter/SayHello"


@pytest.fixture
async def still_serving(hw: SimpleNamespace, triple_server: SimpleNamespace) -> Any:
    """Call it at the end of a test: a grpcio call to the server must succeed."""

    async def check() -> None:
        async with grpc.aio.insecure_channel(triple_server.target) as channel:
            stub = hw.grpc.GreeterStub(channel)
            reply = await within(stub.SayHello(hw.pb2.HelloRequest(name="ok"), timeout=10), "a good call afterwards")
        assert reply.message == "hi ok"

    return check


def grpc_status(response: SimpleNamespace) -> tuple[int, str]:
    """``(grpc-status, grpc-message)`` of a raw response (trailers, or a trailers-only HEADERS)."""
    from urllib.parse import unquote

    fields = response.trailers or response.headers
    status = fields.get(b"grpc-status")
    assert status is not None, f"no grpc-status in {fields}"
    return int(status), unquote(fields.get(b"grpc-message", b"").decode("ascii"))


async def raw_connection(port: int) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await within(asyncio.open_connection("127.0.0.1", port), "a TCP connection")


async def read_to_eof(reader: asyncio.StreamReader, what: str) -> bytes:
    async def run() -> bytes:
        received = b""
        try:
            while chunk := await reader.read(65536):
                received += chunk
        except ConnectionResetError:
            pass
        return received

    return await within(run(), what)


# ---------------------------------------------------------------- the connection level


async def test_garbage_instead_of_the_preface(triple_server: SimpleNamespace, still_serving: Any) -> None:
    reader, writer = await raw_connection(triple_server.port)
    writer.write(bytes(range(256)) * 4)
    answer = await read_to_eof(reader, "the server to close the connection")
    writer.close()
    # an HTTP/1.1 error status at most, never HTTP/2 frames or a hang
    assert answer == b"" or answer.startswith((b"HTTP/1.1 4", b"HTTP/1.1 5")), answer[:80]
    await wait_until(lambda: server_ends(triple_server.port) == 0, "the server to close its end")
    await still_serving()


async def test_garbage_after_a_valid_preface(triple_server: SimpleNamespace, still_serving: Any) -> None:
    reader, writer = await raw_connection(triple_server.port)
    writer.write(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\xff" * 64)
    answer = await read_to_eof(reader, "the server to close the connection")
    writer.close()
    # SETTINGS first, then a GOAWAY (frame type 7) with a non-zero error code
    assert b"\x07\x00\x00\x00\x00\x00" in answer
    await wait_until(lambda: server_ends(triple_server.port) == 0, "the server to close its end")
    await still_serving()


async def test_connection_closed_in_the_middle_of_a_frame(triple_server: SimpleNamespace, still_serving: Any) -> None:
    raw = await RawH2.connect(triple_server.port)
    # a HEADERS frame header announcing 200 bytes of header block, followed by only 10
    raw.writer.write(b"\x00\x00\xc8\x01\x04\x00\x00\x00\x01" + b"\x82" * 10)
    await raw.writer.drain()
    await raw.close()
    await wait_until(lambda: server_ends(triple_server.port) == 0, "the server to close its end")
    await still_serving()


async def test_connection_closed_in_the_middle_of_a_message(
    hw: SimpleNamespace, triple_server: SimpleNamespace, still_serving: Any
) -> None:
    raw = await RawH2.connect(triple_server.port)
    body = grpc_frame(hw.pb2.HelloRequest(name="!sleep:30").SerializeToString())
    await raw.start("/helloworld.Greeter/LotsOfGreetings", body[:-3], end=False)
    await raw.close()
    await wait_until(lambda: server_ends(triple_server.port) == 0, "the server to close its end")
    await still_serving()


async def test_header_block_over_the_limit(triple_server: SimpleNamespace, still_serving: Any) -> None:
    raw = await RawH2.connect(triple_server.port)
    try:
        # let the server's SETTINGS (with its MAX_HEADER_LIST_SIZE) arrive and be acknowledged first
        good = await raw.start("/grpc.health.v1.Health/Check", grpc_frame(b""))
        assert grpc_status(await raw.response(good, "a small request"))[0] == 0
        big = await raw.start(SAY_HELLO, grpc_frame(b""), extra=[(b"x-huge", b"v" * (64 << 10))])
        response = await raw.response(big, "the answer to a 64 KiB header block")
    finally:
        await raw.close()
    # either the connection is closed (GOAWAY / EOF) or the request gets 431
    assert raw.eof or response.headers.get(b":status") == b"431" or response.reset is not None, response
    await still_serving()


async def test_not_a_post(triple_server: SimpleNamespace, still_serving: Any) -> None:
    raw = await RawH2.connect(triple_server.port)
    try:
        stream_id = raw.conn.get_next_available_stream_id()
        headers = [
            (b":method" if k == b":method" else k, b"GET" if k == b":method" else v)
            for k, v in raw.request_headers(SAY_HELLO)
        ]
        raw.conn.send_headers(stream_id, headers, end_stream=True)
        await raw.flush()
        response = await raw.response(stream_id)
    finally:
        await raw.close()
    assert response.headers.get(b":status") == b"405"
    await still_serving()


async def test_wrong_content_type_is_http_415(triple_server: SimpleNamespace, still_serving: Any) -> None:
    raw = await RawH2.connect(triple_server.port)
    try:
        stream_id = await raw.start(SAY_HELLO, b"name=x", content_type=b"text/plain")
        response = await raw.response(stream_id)
        # the same connection goes on serving gRPC
        good = await raw.start(SAY_HELLO, grpc_frame(b"\x0a\x01x"))
        assert grpc_status(await raw.response(good, "a good request on the same connection")) == (0, "")
    finally:
        await raw.close()
    assert response.headers.get(b":status") == b"415"
    await still_serving()


# ---------------------------------------------------------------- the gRPC level


async def test_two_gib_length_prefix_is_refused_without_waiting_for_the_body(
    triple_server: SimpleNamespace, still_serving: Any
) -> None:
    raw = await RawH2.connect(triple_server.port)
    try:
        # only the 5-byte prefix and a few bytes: an answer proves nothing was being buffered
        prefix = b"\x00" + (2 << 30).to_bytes(4, "big")
        stream_id = await raw.start("/helloworld.Greeter/LotsOfGreetings", prefix + b"abc", end=False)
        response = await raw.response(stream_id, "RESOURCE_EXHAUSTED before the 2 GiB body")
    finally:
        await raw.close()
    code, message = grpc_status(response)
    assert code == StatusCode.RESOURCE_EXHAUSTED
    assert str(2 << 30) in message
    await still_serving()


async def test_invalid_protobuf_is_internal_with_a_clear_message(
    triple_server: SimpleNamespace, still_serving: Any
) -> None:
    raw = await RawH2.connect(triple_server.port)
    try:
        stream_id = await raw.start(SAY_HELLO, grpc_frame(b"\x0a\xff\xff\xff\xff\x0f garbage"))
        response = await raw.response(stream_id)
    finally:
        await raw.close()
    code, message = grpc_status(response)
    assert code == StatusCode.INTERNAL
    assert "SayHello" in message
    assert "decode" in message
    await still_serving()


async def test_truncated_message_at_end_of_stream_is_internal(
    hw: SimpleNamespace, triple_server: SimpleNamespace, still_serving: Any
) -> None:
    raw = await RawH2.connect(triple_server.port)
    try:
        body = grpc_frame(hw.pb2.HelloRequest(name="cut short").SerializeToString())
        stream_id = await raw.start(SAY_HELLO, body[:-4])
        response = await raw.response(stream_id)
    finally:
        await raw.close()
    code, message = grpc_status(response)
    assert code == StatusCode.INTERNAL
    assert "truncated" in message or "inside a" in message
    await still_serving()


async def test_reserved_flag_bits_are_internal(triple_server: SimpleNamespace, still_serving: Any) -> None:
    raw = await RawH2.connect(triple_server.port)
    try:
        stream_id = await raw.start(SAY_HELLO, b"\x80" + (3).to_bytes(4, "big") + b"\x0a\x01x")
        response = await raw.response(stream_id)
    finally:
        await raw.close()
    assert grpc_status(response)[0] == StatusCode.INTERNAL
    await still_serving()


async def test_two_messages_in_a_unary_request_are_internal(triple_server: SimpleNamespace, still_serving: Any) -> None:
    raw = await RawH2.connect(triple_server.port)
    try:
        stream_id = await raw.start(SAY_HELLO, grpc_frame(b"\x0a\x01a") + grpc_frame(b"\x0a\x01b"))
        response = await raw.response(stream_id)
    finally:
        await raw.close()
    assert grpc_status(response)[0] == StatusCode.INTERNAL
    await still_serving()


async def test_unknown_grpc_encoding_is_unimplemented(triple_server: SimpleNamespace, still_serving: Any) -> None:
    raw = await RawH2.connect(triple_server.port)
    try:
        stream_id = await raw.start(SAY_HELLO, grpc_frame(b"\x0a\x01x", True), extra=[(b"grpc-encoding", b"snappy")])
        response = await raw.response(stream_id)
    finally:
        await raw.close()
    code, message = grpc_status(response)
    assert code == StatusCode.UNIMPLEMENTED
    assert "snappy" in message
    await still_serving()


@pytest.mark.parametrize(
    ("path", "named"),
    [
        ("/no.such.Service/SayHello", "no.such.Service"),
        ("/helloworld.Greeter/NoSuchMethod", "NoSuchMethod"),
    ],
    ids=["unknown-service", "unknown-method"],
)
async def test_unknown_service_or_method_is_unimplemented_naming_it(
    hw: SimpleNamespace, grpc_channel: grpc.aio.Channel, still_serving: Any, path: str, named: str
) -> None:
    call = grpc_channel.unary_unary(
        path,
        request_serializer=hw.pb2.HelloRequest.SerializeToString,
        response_deserializer=hw.pb2.HelloReply.FromString,
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await within(call(hw.pb2.HelloRequest(name="x"), timeout=10), "the call")
    assert caught.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert named in caught.value.details()
    await still_serving()


async def test_unknown_method_over_raw_h2_while_the_body_is_still_coming(
    triple_server: SimpleNamespace, still_serving: Any
) -> None:
    raw = await RawH2.connect(triple_server.port)
    try:
        stream_id = await raw.start("/helloworld.Greeter/Nope", grpc_frame(b"\x0a\x01x"), end=False)
        response = await raw.response(stream_id, "UNIMPLEMENTED before the request ended")
    finally:
        await raw.close()
    code, message = grpc_status(response)
    assert code == StatusCode.UNIMPLEMENTED
    assert "Nope" in message
    await still_serving()
