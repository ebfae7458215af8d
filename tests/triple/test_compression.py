"""gzip message compression across the real grpcio peer, both ways, checked on the wire.

Each test relays the connection through :class:`triple_support.CountingProxy` and sends a 1 MiB, highly
compressible message: compressed it is a few KiB on the wire, uncompressed over 1 MiB. A control test
without compression shows the observable tells the two apart.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from triple_support import CountingProxy, start_grpc_server, within

import dubbopy

pytestmark = pytest.mark.interop

MIB = 1 << 20
#: what a gzip-compressed 1 MiB run of one letter (plus HTTP/2 framing) must stay under
SMALL = 64 << 10
UNLIMITED = [("grpc.max_receive_message_length", -1)]


@pytest.fixture
async def proxy_to_dubbopy(triple_server: SimpleNamespace) -> AsyncIterator[CountingProxy]:
    proxy = await CountingProxy(triple_server.port).start()
    try:
        yield proxy
    finally:
        await proxy.close()


async def test_uncompressed_megabyte_is_a_megabyte_on_the_wire(
    hw: SimpleNamespace, proxy_to_dubbopy: CountingProxy
) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{proxy_to_dubbopy.port}", options=UNLIMITED) as channel:
        reply = await within(
            hw.grpc.GreeterStub(channel).SayHello(hw.pb2.HelloRequest(name="a" * MIB), timeout=30), "the call"
        )
    assert reply.message == "hi " + "a" * MIB
    assert proxy_to_dubbopy.up > MIB
    assert proxy_to_dubbopy.down > MIB


async def test_grpcio_gzip_channel_to_dubbopy_is_answered_compressed(
    hw: SimpleNamespace, proxy_to_dubbopy: CountingProxy
) -> None:
    async with grpc.aio.insecure_channel(
        f"127.0.0.1:{proxy_to_dubbopy.port}", options=UNLIMITED, compression=grpc.Compression.Gzip
    ) as channel:
        reply = await within(
            hw.grpc.GreeterStub(channel).SayHello(hw.pb2.HelloRequest(name="a" * MIB), timeout=30), "the call"
        )
    assert reply.message == "hi " + "a" * MIB
    assert proxy_to_dubbopy.up < SMALL, f"{proxy_to_dubbopy.up} bytes sent: the request was not compressed"
    assert proxy_to_dubbopy.down < SMALL, f"{proxy_to_dubbopy.down} bytes received: the reply was not compressed"


async def test_grpcio_gzip_on_one_call_to_dubbopy(hw: SimpleNamespace, proxy_to_dubbopy: CountingProxy) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{proxy_to_dubbopy.port}", options=UNLIMITED) as channel:
        stub = hw.grpc.GreeterStub(channel)
        reply = await within(
            stub.SayHello(hw.pb2.HelloRequest(name="b" * MIB), timeout=30, compression=grpc.Compression.Gzip),
            "the compressed call",
        )
        assert reply.message == "hi " + "b" * MIB
        assert proxy_to_dubbopy.up < SMALL
        assert proxy_to_dubbopy.down < SMALL
        # the next call on the same channel, without compression, is plain again (both ways)
        reply = await within(stub.SayHello(hw.pb2.HelloRequest(name="c" * MIB), timeout=30), "the plain call")
        assert reply.message == "hi " + "c" * MIB
        assert proxy_to_dubbopy.up > MIB
        assert proxy_to_dubbopy.down > MIB


async def test_grpcio_gzip_bidi_with_dubbopy(hw: SimpleNamespace, proxy_to_dubbopy: CountingProxy) -> None:
    async with grpc.aio.insecure_channel(
        f"127.0.0.1:{proxy_to_dubbopy.port}", compression=grpc.Compression.Gzip
    ) as channel:
        call = hw.grpc.GreeterStub(channel).BidiHello(timeout=30)
        for letter in "xyz":
            await within(call.write(hw.pb2.HelloRequest(name=letter * (256 << 10))), "a write")
            reply = await within(call.read(), "the echo")
            assert reply.message == "bidi " + letter * (256 << 10)
        await within(call.done_writing(), "the half-close")
        assert await within(call.code(), "the end") == grpc.StatusCode.OK
    assert proxy_to_dubbopy.up < SMALL
    assert proxy_to_dubbopy.down < SMALL


async def test_dubbopy_gzip_client_to_grpcio_gzip_server(hw: SimpleNamespace) -> None:
    peer = await start_grpc_server(hw, options=UNLIMITED, compression=grpc.Compression.Gzip)
    proxy = await CountingProxy(peer.port).start()
    try:
        options = dubbopy.ClientOptions(compression="gzip", max_receive_message_size=4 * MIB)
        async with dubbopy.Client(options=options) as client:
            stub = hw.dubbo.GreeterStub(client.reference(url=f"tri://127.0.0.1:{proxy.port}"))
            reply = await within(stub.SayHello(hw.pb2.HelloRequest(name="a" * MIB), timeout=30), "the call")
            assert reply.message == "g " + "a" * MIB

            async def names() -> AsyncIterator[Any]:
                for _ in range(8):
                    yield hw.pb2.HelloRequest(name="n" * (128 << 10))

            joined = await within(stub.LotsOfGreetings(names(), timeout=30), "the client stream")
            assert joined.message.startswith("8:")
    finally:
        await proxy.close()
        await peer.server.stop(None)
    assert proxy.up < SMALL, f"{proxy.up} bytes sent: the requests were not compressed"
    assert proxy.down < SMALL, f"{proxy.down} bytes received: the replies were not compressed"


async def test_dubbopy_plain_client_reads_a_gzip_answer_from_grpcio(hw: SimpleNamespace) -> None:
    # the client compresses nothing, but advertises gzip: grpcio may (and here does) compress its answer
    peer = await start_grpc_server(hw, compression=grpc.Compression.Gzip)
    proxy = await CountingProxy(peer.port).start()
    try:
        async with dubbopy.Client() as client:
            stub = hw.dubbo.GreeterStub(client.reference(url=f"tri://127.0.0.1:{proxy.port}"))
            reply = await within(stub.SayHello(hw.pb2.HelloRequest(name=f"!big:{MIB}"), timeout=30), "the call")
    finally:
        await proxy.close()
        await peer.server.stop(None)
    assert reply.message == "x" * MIB
    assert proxy.down < SMALL
