"""Bulk transfer under HTTP/2 flow control, and backpressure against slow readers, with grpcio as the peer.

* 10 MiB in 64 KiB messages each way: client-streaming and server-streaming in both directions, and a
  full-duplex bidi stream; what arrives is compared with what was sent by sha256.
* Slow readers: a receiver that does not read must stop the sender at about one flow-control window.
  The observable is how many 64 KiB messages the *sending application* got rid of (a handler's ``yield``
  or a client's request iterator / ``write``) while the receiver read nothing. Afterwards the receiver
  reads everything, proving the stall was backpressure and not loss.

grpcio peers here run with BDP probing off (``grpc.http2.bdp_probe=0``) so that their receive window
stays at the 64 KiB HTTP/2 default instead of growing with its bandwidth estimate; dubbopy advertises a
1 MiB stream window (``h2base.DEFAULT_STREAM_WINDOW``).

"The sender stopped" is observed as the count not moving for :data:`STILL` seconds (bounded overall):
there is no event for "blocked on window" that a test could wait on from outside.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Callable
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from triple_support import digest, start_grpc_server, within

import dubbopy
from dubbopy.protocol.triple.h2base import DEFAULT_STREAM_WINDOW

pytestmark = pytest.mark.interop

MESSAGE = 64 * 1024
#: 10 MiB in 64 KiB messages
BULK = 160
#: 64 MiB in 64 KiB messages, for the slow-reader tests
FLOOD = 1024
#: seconds without progress that count as "the sender has stopped"
STILL = 1.0
#: grpcio with a fixed 64 KiB window
NO_BDP = [("grpc.http2.bdp_probe", 0)]
UNLIMITED = [("grpc.max_receive_message_length", -1), ("grpc.max_send_message_length", -1)]


def chunks(count: int, seed: int = 7) -> list[str]:
    """``count`` distinct 64 KiB strings (random hex), so that order and content are both checked."""
    rng = random.Random(seed)
    return [rng.randbytes(MESSAGE // 2).hex() for _ in range(count)]


async def stalled(count: Callable[[], int], what: str) -> int:
    """Wait until ``count()`` has not changed for :data:`STILL` seconds; return its value."""

    async def poll() -> int:
        value, since = count(), time.monotonic()
        while time.monotonic() - since < STILL:
            await asyncio.sleep(0.05)
            if count() != value:
                value, since = count(), time.monotonic()
        return value

    return await within(poll(), f"{what} to stop making progress", 30)


# ---------------------------------------------------------------- 10 MiB each way


async def test_grpcio_streams_10_mib_to_dubbopy(hw: SimpleNamespace, triple_server: SimpleNamespace) -> None:
    names = chunks(BULK)

    async def requests() -> AsyncIterator[Any]:
        for name in names:
            yield hw.pb2.HelloRequest(name=name)

    # the test Greeter answers with all names joined: a 10 MiB reply, past grpcio's default 4 MiB limit
    async with grpc.aio.insecure_channel(triple_server.target, options=UNLIMITED) as channel:
        stub = hw.grpc.GreeterStub(channel)
        reply = await within(stub.LotsOfGreetings(requests(), timeout=60), "10 MiB client stream", 60)
    assert digest([reply.message]) == digest([",".join(names)])


async def test_dubbopy_streams_10_mib_to_grpcio(hw: SimpleNamespace, dubbo_stub: Any) -> None:
    names = chunks(BULK)

    async def requests() -> AsyncIterator[Any]:
        for name in names:
            yield hw.pb2.HelloRequest(name=name)

    reply = await within(dubbo_stub.LotsOfGreetings(requests(), timeout=60), "10 MiB client stream", 60)
    assert reply.message == f"{BULK}:{digest(names)}"


async def test_dubbopy_server_streams_10_mib_to_grpcio(hw: SimpleNamespace, grpc_channel: grpc.aio.Channel) -> None:
    (base,) = chunks(1)
    stub = hw.grpc.GreeterStub(grpc_channel)

    async def collect() -> list[str]:
        call = stub.LotsOfReplies(hw.pb2.HelloRequest(name=f"{base}*{BULK}"), timeout=60)
        return [r.message async for r in call]

    received = await within(collect(), "10 MiB server stream", 60)
    assert len(received) == BULK
    assert digest(received) == digest(f"{base}{i}" for i in range(BULK))


async def test_grpcio_server_streams_10_mib_to_dubbopy(hw: SimpleNamespace, dubbo_stub: Any) -> None:
    (base,) = chunks(1)

    async def collect() -> list[str]:
        call = dubbo_stub.LotsOfReplies(hw.pb2.HelloRequest(name=f"{base}*{BULK}"), timeout=60)
        return [r.message async for r in call]

    received = await within(collect(), "10 MiB server stream", 60)
    assert len(received) == BULK
    assert digest(received) == digest(f"{base}{i}" for i in range(BULK))


async def test_grpcio_bidi_10_mib_both_ways_at_once_with_dubbopy(
    hw: SimpleNamespace, grpc_channel: grpc.aio.Channel
) -> None:
    names = chunks(BULK, seed=11)
    call = hw.grpc.GreeterStub(grpc_channel).BidiHello(timeout=60)

    async def write() -> None:
        for name in names:
            await call.write(hw.pb2.HelloRequest(name=name))
        await call.done_writing()

    async def read() -> list[str]:
        return [r.message async for r in call]

    _, received = await within(asyncio.gather(write(), read()), "10 MiB each way on one bidi stream", 60)
    assert digest(received) == digest("bidi " + n for n in names)


async def test_dubbopy_bidi_10_mib_both_ways_at_once_with_grpcio(hw: SimpleNamespace, dubbo_stub: Any) -> None:
    names = chunks(BULK, seed=11)

    async def requests() -> AsyncIterator[Any]:
        for name in names:
            yield hw.pb2.HelloRequest(name=name)

    async def collect() -> list[str]:
        return [r.message async for r in dubbo_stub.BidiHello(requests(), timeout=60)]

    received = await within(collect(), "10 MiB each way on one bidi stream", 60)
    assert digest(received) == digest("bidi " + n for n in names)


# ---------------------------------------------------------------- slow readers


class FloodGreeter:
    """A dubbopy servicer for the slow-reader tests (made a ``GreeterServicer`` subclass by the fixture).

    ``LotsOfReplies`` streams ``<name>*<n>`` as n messages ``<name><i>``, counting in ``yielded``;
    ``LotsOfGreetings`` reads nothing until ``release`` is set, then answers ``<count>:<sha256>``.
    """

    def __init__(self, pb2: Any) -> None:
        self.pb2 = pb2
        self.yielded = 0
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def LotsOfReplies(self, request: Any, context: dubbopy.ServicerContext) -> AsyncIterator[Any]:
        name, _, count = request.name.partition("*")
        self.started.set()
        for i in range(int(count)):
            yield self.pb2.HelloReply(message=f"{name}{i}")
            self.yielded += 1

    async def LotsOfGreetings(self, requests: Any, context: dubbopy.ServicerContext) -> Any:
        self.started.set()
        await self.release.wait()
        names = [r.name async for r in requests]
        return self.pb2.HelloReply(message=f"{len(names)}:{digest(names)}")


@pytest.fixture
async def flood_server(hw: SimpleNamespace) -> AsyncIterator[SimpleNamespace]:
    """A dubbopy server exporting :class:`FloodGreeter`."""
    servicer_type = type("Flood", (FloodGreeter, hw.dubbo.GreeterServicer), {})
    greeter = servicer_type(hw.pb2)
    server = dubbopy.Server(protocols=["tri://127.0.0.1:0"])
    server.add(greeter)
    await server.start()
    try:
        yield SimpleNamespace(greeter=greeter, target=f"127.0.0.1:{server.ports[0]}")
    finally:
        await server.stop(grace=1.0)


async def test_dubbopy_server_stops_streaming_to_a_grpcio_client_that_does_not_read(
    hw: SimpleNamespace, flood_server: SimpleNamespace
) -> None:
    greeter = flood_server.greeter
    (base,) = chunks(1)
    async with grpc.aio.insecure_channel(flood_server.target, options=NO_BDP) as channel:
        call = hw.grpc.GreeterStub(channel).LotsOfReplies(hw.pb2.HelloRequest(name=f"{base}*{FLOOD}"), timeout=120)
        await within(greeter.started.wait(), "the handler to start streaming")
        sent = await stalled(lambda: greeter.yielded, "the streaming handler")
        # the client's 64 KiB window, plus at most one message in the transport's buffer
        assert sent <= 2, f"the handler got {sent} x 64 KiB out to a client that reads nothing"
        received = await within(_read_all(call), "64 MiB once the client reads", 120)
    assert len(received) == FLOOD
    assert digest(received) == digest(f"{base}{i}" for i in range(FLOOD))


async def test_dubbopy_client_stops_sending_to_a_grpcio_server_that_does_not_read(hw: SimpleNamespace) -> None:
    peer = await start_grpc_server(hw, options=NO_BDP)
    names = chunks(8)
    produced = 0

    async def requests() -> AsyncIterator[Any]:
        nonlocal produced
        for i in range(FLOOD):
            yield hw.pb2.HelloRequest(name=names[i % 8])
            produced += 1

    try:
        async with dubbopy.Client() as client:
            stub = hw.dubbo.GreeterStub(client.reference(url=peer.url))
            call = asyncio.ensure_future(stub.LotsOfGreetings(requests(), metadata=[("x-hold", "1")], timeout=120))
            await within(peer.greeter.event("holding").wait(), "the grpcio handler to hold")
            taken = await stalled(lambda: produced, "the request iterator")
            # the iterator runs one message ahead of the one blocked on the server's 64 KiB window
            assert taken <= 3, f"the client took {taken} x 64 KiB from its iterator for a server that reads nothing"
            peer.greeter.event("release").set()
            reply = await within(call, "64 MiB once the server reads", 120)
    finally:
        await peer.server.stop(None)
    assert reply.message == f"{FLOOD}:{digest(names[i % 8] for i in range(FLOOD))}"


async def test_grpcio_client_is_stopped_by_a_dubbopy_handler_that_does_not_read(
    hw: SimpleNamespace, flood_server: SimpleNamespace
) -> None:
    greeter = flood_server.greeter
    names = chunks(8)
    written = 0
    async with grpc.aio.insecure_channel(flood_server.target) as channel:
        call = hw.grpc.GreeterStub(channel).LotsOfGreetings(timeout=120)

        async def write() -> None:
            nonlocal written
            for i in range(FLOOD):
                await call.write(hw.pb2.HelloRequest(name=names[i % 8]))
                written += 1
            await call.done_writing()

        writer = asyncio.ensure_future(write())
        try:
            await within(greeter.started.wait(), "the handler to start")
            accepted = await stalled(lambda: written, "the grpcio writer")
            limit = DEFAULT_STREAM_WINDOW // MESSAGE + 2
            assert accepted <= limit, f"{accepted} x 64 KiB accepted by a handler that reads nothing (limit {limit})"
            greeter.release.set()
            await within(writer, "the rest of the 64 MiB once the handler reads", 120)
            reply = await within(call, "the reply", 60)
        finally:
            writer.cancel()
    assert reply.message == f"{FLOOD}:{digest(names[i % 8] for i in range(FLOOD))}"


async def test_grpcio_server_is_stopped_by_a_dubbopy_client_that_does_not_read(
    hw: SimpleNamespace, dubbo_stub: Any, grpc_server: SimpleNamespace
) -> None:
    greeter = grpc_server.greeter
    (base,) = chunks(1)
    call = dubbo_stub.LotsOfReplies(hw.pb2.HelloRequest(name=f"{base}*{FLOOD}"), timeout=120)
    await within(call.initial_metadata(), "the response headers")
    await within(greeter.event("streaming").wait(), "the grpcio handler to start")
    sent = await stalled(lambda: greeter.yielded, "the grpcio handler")
    limit = DEFAULT_STREAM_WINDOW // MESSAGE + 2
    assert sent <= limit, f"the grpcio handler got {sent} x 64 KiB out to a client that reads nothing"
    received = await within(_read_all(call), "64 MiB once the client reads", 120)
    assert len(received) == FLOOD
    assert digest(received) == digest(f"{base}{i}" for i in range(FLOOD))


async def _read_all(call: Any) -> list[str]:
    return [r.message async for r in call]


# ---------------------------------------------------------------- streams sharing the connection window


@pytest.mark.parametrize("options", [[], NO_BDP], ids=["grpcio-default", "grpcio-64k-window"])
async def test_concurrent_dubbopy_server_streams_share_one_grpcio_connection(
    hw: SimpleNamespace, triple_server: SimpleNamespace, options: list[tuple[str, Any]]
) -> None:
    (base,) = chunks(1)
    count = 40  # 2.5 MiB per stream, 10 MiB in all

    async with grpc.aio.insecure_channel(triple_server.target, options=options) as channel:
        stub = hw.grpc.GreeterStub(channel)

        async def one(n: int) -> list[str]:
            request = hw.pb2.HelloRequest(name=f"{n}{base}*{count}")
            return [r.message async for r in stub.LotsOfReplies(request, timeout=60)]

        results = await within(asyncio.gather(*(one(n) for n in range(4))), "four concurrent streams", 60)
    for n, received in enumerate(results):
        assert digest(received) == digest(f"{n}{base}{i}" for i in range(count))


@pytest.mark.parametrize("options", [[], NO_BDP], ids=["grpcio-default", "grpcio-64k-window"])
async def test_concurrent_dubbopy_client_streams_share_one_connection_to_grpcio(
    hw: SimpleNamespace, options: list[tuple[str, Any]]
) -> None:
    names = chunks(40)
    peer = await start_grpc_server(hw, options=options)

    async def requests(n: int) -> AsyncIterator[Any]:
        for name in names:
            yield hw.pb2.HelloRequest(name=f"{n}{name}")

    try:
        async with dubbopy.Client() as client:
            stub = hw.dubbo.GreeterStub(client.reference(url=peer.url))
            replies = await within(
                asyncio.gather(*(stub.LotsOfGreetings(requests(n), timeout=60) for n in range(4))),
                "four concurrent client streams",
                60,
            )
    finally:
        await peer.server.stop(None)
    for n, reply in enumerate(replies):
        assert reply.message == f"{len(names)}:{digest(f'{n}{name}' for name in names)}"
