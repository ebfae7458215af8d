"""Bad input to the provider over raw sockets: each is answered or closed as Java does, and the server
keeps serving a second client throughout."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest
from dubbo_support import value

from dubbopy.protocol.dubbo.codec import Request, decode_response, encode_request
from dubbopy.protocol.dubbo.frames import Frame, FrameDecoder, Status, pack_header
from dubbopy.protocol.dubbo.server import ServerOptions
from dubbopy.rpc.invoker import Invoker

HEARTBEAT_REQUEST = bytes.fromhex("dabbe2000000000000000002000000014e")
HEARTBEAT_RESPONSE = bytes.fromhex("dabb22140000000000000002000000014e")


class RawClient:
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer
        self.decoder = FrameDecoder()

    async def frame(self) -> Frame | None:
        async with asyncio.timeout(10):
            while (frame := self.decoder.next_frame()) is None:
                data = await self.reader.read(65536)
                if not data:
                    return None
                self.decoder.feed(data)
            return frame

    async def closed_by_peer(self) -> bool:
        async with asyncio.timeout(10):
            try:
                return await self.reader.read() == b""
            except ConnectionError:
                return True


@pytest.fixture
async def raw(provider: SimpleNamespace) -> AsyncIterator[RawClient]:
    reader, writer = await asyncio.open_connection("127.0.0.1", provider.port)
    try:
        yield RawClient(reader, writer)
    finally:
        writer.close()


async def assert_still_serving(invoker: Invoker) -> None:
    assert await value(invoker, "sayHi", ["java.lang.String"], ["still here"]) == "hi, still here"


async def test_wrong_magic_closes_that_connection_only(raw: RawClient, invoker: Invoker) -> None:
    await assert_still_serving(invoker)
    raw.writer.write(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert await raw.closed_by_peer()
    await assert_still_serving(invoker)


async def test_truncated_frame_then_disconnect(raw: RawClient, invoker: Invoker) -> None:
    frame = encode_request(Request(1, "svc", "m", ("java.lang.String",), ("x" * 100,)))
    raw.writer.write(frame[: len(frame) // 2])
    await raw.writer.drain()
    raw.writer.close()
    await assert_still_serving(invoker)


async def test_garbage_body_is_answered_with_bad_request(raw: RawClient, invoker: Invoker) -> None:
    raw.writer.write(pack_header(0xC2, 0, 41, 3) + b"\xff\xff\xff")
    frame = await raw.frame()
    assert frame is not None
    response = decode_response(frame)
    assert (response.request_id, response.status) == (41, Status.BAD_REQUEST)
    assert response.error_message.startswith("Fail to decode request due to:")
    raw.writer.write(HEARTBEAT_REQUEST)  # the connection is still usable
    heartbeat = await raw.frame()
    assert heartbeat is not None
    assert heartbeat.header.pack() + heartbeat.body == HEARTBEAT_RESPONSE
    await assert_still_serving(invoker)


async def test_one_way_garbage_gets_no_answer(raw: RawClient) -> None:
    raw.writer.write(pack_header(0x82, 0, 42, 2) + b"\xff\xff" + HEARTBEAT_REQUEST)
    frame = await raw.frame()
    assert frame is not None
    assert frame.header.is_event  # the first answer is the heartbeat's: the one-way request got none


async def test_unknown_serialization_id_is_answered_with_bad_request(raw: RawClient) -> None:
    raw.writer.write(pack_header(0xC0 | 9, 0, 43, 1) + b"N")
    frame = await raw.frame()
    assert frame is not None
    assert frame.header.serialization_id == 2  # answered in hessian2: the only one both sides know
    response = decode_response(frame)
    assert (response.request_id, response.status) == (43, Status.BAD_REQUEST)
    assert "Unrecognized serialize type from consumer: 9" in response.error_message


@pytest.mark.parametrize("provider_options", [ServerOptions(payload=1024)], indirect=True)
async def test_length_over_the_limit_is_refused_from_the_header(raw: RawClient, invoker: Invoker) -> None:
    raw.writer.write(pack_header(0xC2, 0, 44, 10_000_000))  # announces 10 MB and sends none of it
    frame = await raw.frame()
    assert frame is not None
    response = decode_response(frame)
    assert (response.request_id, response.status) == (44, Status.BAD_REQUEST)
    assert "Data length too large: 10000000, max payload: 1024" in response.error_message
    await assert_still_serving(invoker)


async def test_negative_length_closes_the_connection(raw: RawClient, invoker: Invoker) -> None:
    raw.writer.write(bytes.fromhex("dabbc2000000000000000001ffffffff"))
    assert await raw.closed_by_peer()
    await assert_still_serving(invoker)


async def test_response_frames_from_a_consumer_are_ignored(raw: RawClient) -> None:
    raw.writer.write(pack_header(0x02, 20, 7, 1) + b"N" + HEARTBEAT_REQUEST)
    frame = await raw.frame()
    assert frame is not None
    assert frame.header.request_id == 2  # only the heartbeat was answered
