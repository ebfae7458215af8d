"""Message size limits: a message over the receiver's limit fails its call with ``RESOURCE_EXHAUSTED`` and
nothing else. A bidi stream opened before on the same connection keeps going, later calls work, and the
client still has exactly one connection. Both directions, default (4 MiB) and configured limits, plain
and gzip-compressed (a small compressed message that inflates past the limit).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from triple_support import client_connections, start_grpc_server, within

import dubbopy
from dubbopy.errors import StatusCode

pytestmark = pytest.mark.interop

MIB = 1 << 20
OVER_DEFAULT = 5 * MIB


def request_of_size(hw: SimpleNamespace, size: int) -> Any:
    """A HelloRequest whose serialized size is exactly ``size`` bytes (size >= 131)."""
    name_length = size - 1 - (2 if size - 3 < 1 << 14 else 3)
    request = hw.pb2.HelloRequest(name="r" * name_length)
    assert request.ByteSize() == size
    return request


# ---------------------------------------------------------------- grpcio client → dubbopy server


class GrpcioSession:
    """A grpcio channel to a dubbopy server with a bidi stream held open across the test."""

    def __init__(self, hw: SimpleNamespace, target: str, **channel_args: Any) -> None:
        self.hw = hw
        self.channel = grpc.aio.insecure_channel(target, **channel_args)
        self.stub = hw.grpc.GreeterStub(self.channel)
        self.bidi: Any = None

    async def open_bidi(self) -> None:
        self.bidi = self.stub.BidiHello(timeout=60)
        await self.ping("before")

    async def ping(self, name: str) -> None:
        await within(self.bidi.write(self.hw.pb2.HelloRequest(name=name)), "a bidi write")
        assert (await within(self.bidi.read(), "a bidi echo")).message == "bidi " + name

    async def finish(self, port: int) -> None:
        await self.ping("after")
        await within(self.bidi.done_writing(), "the half-close")
        assert await within(self.bidi.code(), "the bidi stream to end") == grpc.StatusCode.OK
        reply = await within(self.stub.SayHello(self.hw.pb2.HelloRequest(name="next"), timeout=10), "a new call")
        assert reply.message == "hi next"
        assert client_connections(port) == 1
        await self.channel.close()


async def test_grpcio_message_over_4_mib_to_dubbopy(hw: SimpleNamespace, triple_server: SimpleNamespace) -> None:
    session = GrpcioSession(hw, triple_server.target)
    await session.open_bidi()
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await within(session.stub.SayHello(hw.pb2.HelloRequest(name="a" * OVER_DEFAULT), timeout=30), "the big call")
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    assert "larger than max" in caught.value.details()
    await session.finish(triple_server.port)


async def test_grpcio_gzip_message_inflating_over_4_mib_to_dubbopy(
    hw: SimpleNamespace, triple_server: SimpleNamespace
) -> None:
    session = GrpcioSession(hw, triple_server.target, compression=grpc.Compression.Gzip)
    await session.open_bidi()
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await within(session.stub.SayHello(hw.pb2.HelloRequest(name="a" * OVER_DEFAULT), timeout=30), "the bomb")
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    await session.finish(triple_server.port)


async def test_grpcio_client_rejects_a_dubbopy_reply_over_its_4_mib(
    hw: SimpleNamespace, triple_server: SimpleNamespace
) -> None:
    # grpcio enforces its own limit and resets the stream: the dubbopy server must shrug that off
    session = GrpcioSession(hw, triple_server.target)
    await session.open_bidi()
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await within(session.stub.SayHello(hw.pb2.HelloRequest(name=f"!big:{OVER_DEFAULT}"), timeout=30), "the call")
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    await session.finish(triple_server.port)


@pytest.fixture
async def small_limit_server(hw: SimpleNamespace) -> AsyncIterator[SimpleNamespace]:
    """A dubbopy server (the test Greeter) that accepts request messages of at most 1 KiB."""
    from greeter_support import make_greeter

    server = dubbopy.Server(
        protocols=["tri://127.0.0.1:0"], options=dubbopy.ServerOptions(max_receive_message_size=1024)
    )
    server.add(make_greeter(hw))
    await server.start()
    try:
        yield SimpleNamespace(port=server.ports[0], target=f"127.0.0.1:{server.ports[0]}")
    finally:
        await server.stop(grace=1.0)


async def test_configured_server_limit_is_exact(hw: SimpleNamespace, small_limit_server: SimpleNamespace) -> None:
    session = GrpcioSession(hw, small_limit_server.target)
    await session.open_bidi()
    at_limit = request_of_size(hw, 1024)
    reply = await within(session.stub.SayHello(at_limit, timeout=10), "a call at the limit")
    assert reply.message == "hi " + at_limit.name
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await within(session.stub.SayHello(request_of_size(hw, 1025), timeout=10), "a call one byte over")
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    await session.finish(small_limit_server.port)


async def test_configured_server_limit_fails_a_client_stream_mid_way(
    hw: SimpleNamespace, small_limit_server: SimpleNamespace
) -> None:
    session = GrpcioSession(hw, small_limit_server.target)
    await session.open_bidi()

    async def names() -> AsyncIterator[Any]:
        yield hw.pb2.HelloRequest(name="small")
        yield request_of_size(hw, 2048)
        yield hw.pb2.HelloRequest(name="never joined")

    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await within(session.stub.LotsOfGreetings(names(), timeout=10), "the client stream")
    assert caught.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
    await session.finish(small_limit_server.port)


# ---------------------------------------------------------------- dubbopy client → grpcio server


async def _dubbopy_session(hw: SimpleNamespace, url: str, client: dubbopy.Client, test: Any, port: int) -> None:
    """Run ``test(stub)`` while a bidi stream is open on the same connection; check everything after."""
    stub = hw.dubbo.GreeterStub(client.reference(url=url))
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    async def requests() -> AsyncIterator[Any]:
        while (item := await queue.get()) is not None:
            yield hw.pb2.HelloRequest(name=item)

    bidi = stub.BidiHello(requests(), timeout=60)
    queue.put_nowait("before")
    assert (await within(bidi.read(), "a bidi echo")).message == "bidi before"
    await test(stub)
    queue.put_nowait("after")
    assert (await within(bidi.read(), "a bidi echo after the failure")).message == "bidi after"
    queue.put_nowait(None)
    assert await within(bidi.read(), "the bidi end") is None
    reply = await within(stub.SayHello(hw.pb2.HelloRequest(name="next"), timeout=10), "a new call")
    assert reply.message == "g next"
    assert client_connections(port) == 1


async def test_dubbopy_client_rejects_a_grpcio_reply_over_4_mib(
    hw: SimpleNamespace, dubbo_client: dubbopy.Client, grpc_server: SimpleNamespace
) -> None:
    async def big_reply(stub: Any) -> None:
        with pytest.raises(dubbopy.RpcError) as caught:
            await within(stub.SayHello(hw.pb2.HelloRequest(name=f"!big:{OVER_DEFAULT}"), timeout=30), "the call")
        assert caught.value.status is StatusCode.RESOURCE_EXHAUSTED

    await _dubbopy_session(hw, grpc_server.url, dubbo_client, big_reply, grpc_server.port)


async def test_dubbopy_client_rejects_a_gzip_reply_inflating_over_4_mib(hw: SimpleNamespace) -> None:
    peer = await start_grpc_server(hw, compression=grpc.Compression.Gzip)

    async def bomb(stub: Any) -> None:
        with pytest.raises(dubbopy.RpcError) as caught:
            await within(stub.SayHello(hw.pb2.HelloRequest(name=f"!big:{OVER_DEFAULT}"), timeout=30), "the call")
        assert caught.value.status is StatusCode.RESOURCE_EXHAUSTED

    try:
        async with dubbopy.Client() as client:
            await _dubbopy_session(hw, peer.url, client, bomb, peer.port)
    finally:
        await peer.server.stop(None)


async def test_grpcio_server_rejects_a_dubbopy_request_over_its_4_mib(
    hw: SimpleNamespace, dubbo_client: dubbopy.Client, grpc_server: SimpleNamespace
) -> None:
    async def big_request(stub: Any) -> None:
        with pytest.raises(dubbopy.RpcError) as caught:
            await within(stub.SayHello(hw.pb2.HelloRequest(name="a" * OVER_DEFAULT), timeout=30), "the call")
        assert caught.value.status is StatusCode.RESOURCE_EXHAUSTED

    await _dubbopy_session(hw, grpc_server.url, dubbo_client, big_request, grpc_server.port)


async def test_configured_client_limit(hw: SimpleNamespace, grpc_server: SimpleNamespace) -> None:
    async def limited(stub: Any) -> None:
        reply = await within(stub.SayHello(hw.pb2.HelloRequest(name="!big:1000"), timeout=10), "a small reply")
        assert reply.message == "x" * 1000
        with pytest.raises(dubbopy.RpcError) as caught:
            await within(stub.SayHello(hw.pb2.HelloRequest(name="!big:2000"), timeout=10), "a reply over 1 KiB")
        assert caught.value.status is StatusCode.RESOURCE_EXHAUSTED
        # a server stream of messages over the limit fails on the first one
        stream = stub.LotsOfReplies(hw.pb2.HelloRequest(name="y" * 1100 + "*3"), timeout=10)
        with pytest.raises(dubbopy.RpcError) as caught:
            await within(stream.read(), "the first message")
        assert caught.value.status is StatusCode.RESOURCE_EXHAUSTED

    options = dubbopy.ClientOptions(max_receive_message_size=1024)
    async with dubbopy.Client(options=options) as client:
        await _dubbopy_session(hw, grpc_server.url, client, limited, grpc_server.port)
