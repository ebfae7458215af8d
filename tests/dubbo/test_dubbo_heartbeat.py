"""Heartbeats with short intervals: sent when idle, answered both ways, silent peers dropped."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest
from dubbo_support import SERVICE, invoke, value, wait_until

from dubbopy.protocol.dubbo.client import ClientOptions
from dubbopy.protocol.dubbo.codec import Event, Response, decode_request, encode_event, encode_response
from dubbopy.protocol.dubbo.frames import Frame, FrameDecoder
from dubbopy.protocol.dubbo.protocol import DubboProtocol
from dubbopy.protocol.dubbo.server import ServerOptions
from dubbopy.rpc.invoker import Invoker
from dubbopy.url import URL

HEARTBEAT_REQUEST = bytes.fromhex("dabbe2000000000000000002000000014e")
HEARTBEAT_RESPONSE = bytes.fromhex("dabb22140000000000000002000000014e")


async def read_frame(reader: asyncio.StreamReader, decoder: FrameDecoder) -> Frame | None:
    """The next frame from ``reader``, or ``None`` at EOF."""
    while True:
        frame = decoder.next_frame()
        if frame is not None:
            return frame
        data = await reader.read(65536)
        if not data:
            return None
        decoder.feed(data)


class FakeProvider:
    """A raw provider that answers requests with "ok" and heartbeats only if told to; it records what it
    received on each connection."""

    def __init__(self, answer_heartbeats: bool) -> None:
        self.answer_heartbeats = answer_heartbeats
        self.connections = 0
        self.closed = 0
        self.frames: list[Frame] = []
        #: connection number (from 1, in accept order) of each frame in ``frames``
        self.frame_connections: list[int] = []
        self.changed = asyncio.Condition()
        self.writers: list[asyncio.StreamWriter] = []

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        async with self.changed:
            self.connections += 1
            number = self.connections
            self.changed.notify_all()
        decoder = FrameDecoder()
        try:
            while (frame := await read_frame(reader, decoder)) is not None:
                async with self.changed:
                    self.frames.append(frame)
                    self.frame_connections.append(number)
                    self.changed.notify_all()
                header = frame.header
                if header.is_event and header.is_request and self.answer_heartbeats:
                    writer.write(encode_event(Event(header.request_id, None, is_request=False)))
                elif not header.is_event and header.is_request:
                    request = decode_request(frame)
                    writer.write(encode_response(Response(request.request_id, value="ok", attachments={})))
        except ConnectionError:
            pass
        finally:
            writer.close()
            async with self.changed:
                self.closed += 1
                self.changed.notify_all()

    async def wait_for(self, predicate: object) -> None:
        async with asyncio.timeout(10), self.changed:
            await self.changed.wait_for(predicate)  # type: ignore[arg-type]

    def heartbeats(self, connection: int | None = None) -> int:
        return sum(
            1
            for f, n in zip(self.frames, self.frame_connections, strict=True)
            if f.header.is_event and f.header.is_request and f.body == b"N" and connection in (None, n)
        )


@pytest.fixture
async def fake_provider(request: pytest.FixtureRequest) -> AsyncIterator[SimpleNamespace]:
    fake = FakeProvider(answer_heartbeats=getattr(request, "param", True))
    server = await asyncio.start_server(fake.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield SimpleNamespace(fake=fake, port=port)
    finally:
        for writer in fake.writers:
            writer.close()
        server.close()


def heartbeat_consumer(port: int, consumer: DubboProtocol, heartbeat_ms: int) -> Invoker:
    return consumer.refer(URL("dubbo", "127.0.0.1", port, SERVICE, {"heartbeat": str(heartbeat_ms)}))


async def test_idle_client_sends_heartbeats_and_keeps_an_answered_connection(
    fake_provider: SimpleNamespace, consumer: DubboProtocol
) -> None:
    fake = fake_provider.fake
    invoker = heartbeat_consumer(fake_provider.port, consumer, 50)
    assert await value(invoker, "sayHi", ["java.lang.String"], ["x"]) == "ok"
    await fake.wait_for(lambda: fake.heartbeats() >= 5)
    assert fake.connections == 1
    assert fake.closed == 0
    assert await value(invoker, "sayHi", ["java.lang.String"], ["y"]) == "ok"
    assert fake.connections == 1


@pytest.mark.parametrize("fake_provider", [False], indirect=True)
async def test_client_closes_after_three_missed_heartbeats_and_reconnects_on_demand(
    fake_provider: SimpleNamespace, consumer: DubboProtocol
) -> None:
    fake = fake_provider.fake
    invoker = heartbeat_consumer(fake_provider.port, consumer, 50)
    assert await value(invoker, "sayHi", ["java.lang.String"], ["x"]) == "ok"
    await fake.wait_for(lambda: fake.closed == 1)
    assert fake.heartbeats() >= 1
    assert await value(invoker, "sayHi", ["java.lang.String"], ["again"]) == "ok"
    assert fake.connections == 2


async def test_client_answers_the_provider_heartbeat(fake_provider: SimpleNamespace, consumer: DubboProtocol) -> None:
    fake = fake_provider.fake
    invoker = heartbeat_consumer(fake_provider.port, consumer, 60_000)
    assert await value(invoker, "sayHi", ["java.lang.String"], ["x"]) == "ok"
    fake.writers[0].write(bytes.fromhex("dabbe2000000000000000077000000014e"))
    await fake.wait_for(
        lambda: any(f.header.is_event and not f.header.is_request and f.header.request_id == 0x77 for f in fake.frames)
    )


async def test_server_answers_a_raw_heartbeat_byte_for_byte(provider: SimpleNamespace) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", provider.port)
    try:
        writer.write(HEARTBEAT_REQUEST)
        async with asyncio.timeout(10):
            assert await reader.readexactly(len(HEARTBEAT_RESPONSE)) == HEARTBEAT_RESPONSE
    finally:
        writer.close()


@pytest.mark.parametrize("provider_options", [ServerOptions(heartbeat=0.05)], indirect=True)
async def test_server_closes_a_silent_connection(provider: SimpleNamespace) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", provider.port)
    try:
        async with asyncio.timeout(10):
            assert await reader.read() == b""  # closed by the server after three silent heartbeat periods
    finally:
        writer.close()


@pytest.mark.parametrize("provider_options", [ServerOptions(heartbeat=0.1)], indirect=True)
async def test_heartbeating_client_survives_the_server_idle_timeout(
    provider: SimpleNamespace, consumer: DubboProtocol
) -> None:
    consumer.client_options = ClientOptions(heartbeat=0.03)
    invoker = consumer.refer(URL("dubbo", "127.0.0.1", provider.port, SERVICE))
    assert await value(invoker, "sayHi", ["java.lang.String"], ["a"]) == "hi, a"
    [connection] = provider.server.connections
    before = connection.last_read
    # several idle timeouts of the server (0.3 s) pass while heartbeats flow
    await wait_until(lambda: connection.last_read - before >= 1.0, "a second of heartbeats")
    assert not connection.closed
    assert provider.server.connections == {connection}
    result = await invoke(invoker, "sayHi", ["java.lang.String"], ["b"])
    assert result.value == "hi, b"


async def test_heartbeat_zero_turns_heartbeats_off(fake_provider: SimpleNamespace, consumer: DubboProtocol) -> None:
    fake = fake_provider.fake
    quiet = heartbeat_consumer(fake_provider.port, consumer, 0)
    assert await value(quiet, "sayHi", ["java.lang.String"], ["x"]) == "ok"  # connection 1
    other = DubboProtocol()
    try:
        talkative = heartbeat_consumer(fake_provider.port, other, 50)
        assert await value(talkative, "sayHi", ["java.lang.String"], ["x"]) == "ok"  # connection 2
        await fake.wait_for(lambda: fake.heartbeats(2) >= 3)  # several heartbeat periods have passed
        assert fake.heartbeats(1) == 0
    finally:
        await other.close()
