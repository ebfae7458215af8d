"""The four call kinds across the real grpcio peer, in both directions.

* grpcio client (``grpc.aio``) → dubbopy server (``triple_server``, the test Greeter of ``make_greeter``);
* dubbopy client (``Client`` + ``GreeterStub``, and ``SyncClient`` + ``GreeterSyncStub``) → grpcio server
  (``grpc_server``, ``triple_support.GrpcGreeter``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from triple_support import within

import dubbopy

pytestmark = pytest.mark.interop


# ---------------------------------------------------------------- grpcio client → dubbopy server


async def test_grpcio_unary_to_dubbopy(hw: SimpleNamespace, grpc_channel: grpc.aio.Channel) -> None:
    stub = hw.grpc.GreeterStub(grpc_channel)
    reply = await within(stub.SayHello(hw.pb2.HelloRequest(name="ada"), timeout=10), "SayHello")
    assert reply.message == "hi ada"


async def test_grpcio_server_stream_from_dubbopy(hw: SimpleNamespace, grpc_channel: grpc.aio.Channel) -> None:
    stub = hw.grpc.GreeterStub(grpc_channel)

    async def collect() -> list[str]:
        return [r.message async for r in stub.LotsOfReplies(hw.pb2.HelloRequest(name="n*5"), timeout=10)]

    assert await within(collect(), "LotsOfReplies") == ["n0", "n1", "n2", "n3", "n4"]


async def test_grpcio_client_stream_to_dubbopy(hw: SimpleNamespace, grpc_channel: grpc.aio.Channel) -> None:
    stub = hw.grpc.GreeterStub(grpc_channel)

    async def names() -> AsyncIterator[Any]:
        for name in ("a", "b", "c"):
            yield hw.pb2.HelloRequest(name=name)

    reply = await within(stub.LotsOfGreetings(names(), timeout=10), "LotsOfGreetings")
    assert reply.message == "a,b,c"


async def test_grpcio_bidi_with_dubbopy_answers_each_message_as_it_arrives(
    hw: SimpleNamespace, grpc_channel: grpc.aio.Channel
) -> None:
    stub = hw.grpc.GreeterStub(grpc_channel)
    call = stub.BidiHello(timeout=10)
    # ping-pong: each answer must come before the next request is written
    for name in ("x", "y", "z"):
        await within(call.write(hw.pb2.HelloRequest(name=name)), f"writing {name}")
        reply = await within(call.read(), f"the answer to {name}")
        assert reply.message == "bidi " + name
    await within(call.done_writing(), "the half-close")
    assert await within(call.read(), "the end of the stream") is grpc.aio.EOF
    assert await within(call.code(), "the status") == grpc.StatusCode.OK


# ---------------------------------------------------------------- dubbopy client → grpcio server


async def test_dubbopy_unary_to_grpcio(hw: SimpleNamespace, dubbo_stub: Any) -> None:
    reply = await within(dubbo_stub.SayHello(hw.pb2.HelloRequest(name="ada"), timeout=10), "SayHello")
    assert reply.message == "g ada"


async def test_dubbopy_server_stream_from_grpcio(hw: SimpleNamespace, dubbo_stub: Any) -> None:
    async def collect() -> list[str]:
        return [r.message async for r in dubbo_stub.LotsOfReplies(hw.pb2.HelloRequest(name="n*4"), timeout=10)]

    assert await within(collect(), "LotsOfReplies") == ["n0", "n1", "n2", "n3"]


async def test_dubbopy_client_stream_to_grpcio(hw: SimpleNamespace, dubbo_stub: Any) -> None:
    import hashlib

    async def names() -> AsyncIterator[Any]:
        for name in ("a", "b", "c"):
            yield hw.pb2.HelloRequest(name=name)

    reply = await within(dubbo_stub.LotsOfGreetings(names(), timeout=10), "LotsOfGreetings")
    assert reply.message == f"3:{hashlib.sha256(b'abc').hexdigest()}"


async def test_dubbopy_client_stream_from_a_plain_iterable(hw: SimpleNamespace, dubbo_stub: Any) -> None:
    requests = [hw.pb2.HelloRequest(name=str(i)) for i in range(10)]
    reply = await within(dubbo_stub.LotsOfGreetings(requests, timeout=10), "LotsOfGreetings")
    assert reply.message.startswith("10:")


async def test_dubbopy_bidi_with_grpcio_answers_each_message_as_it_arrives(
    hw: SimpleNamespace, dubbo_stub: Any
) -> None:
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    async def requests() -> AsyncIterator[Any]:
        while (name := await queue.get()) is not None:
            yield hw.pb2.HelloRequest(name=name)

    call = dubbo_stub.BidiHello(requests(), timeout=10)
    for name in ("x", "y", "z"):
        queue.put_nowait(name)
        reply = await within(call.read(), f"the answer to {name}")
        assert reply.message == "bidi " + name
    queue.put_nowait(None)
    assert await within(call.read(), "the end of the stream") is None
    assert await within(call.code(), "the status") == dubbopy.StatusCode.OK


async def test_sync_client_unary_and_server_stream_to_grpcio(hw: SimpleNamespace, grpc_server: SimpleNamespace) -> None:
    def run() -> tuple[str, list[str]]:
        with dubbopy.SyncClient() as client:
            stub = hw.dubbo.GreeterSyncStub(client.reference(url=grpc_server.url))
            unary = stub.SayHello(hw.pb2.HelloRequest(name="sync"), timeout=10).message
            streamed = [r.message for r in stub.LotsOfReplies(hw.pb2.HelloRequest(name="s*3"), timeout=10)]
            return unary, streamed

    # the grpcio server lives on this loop, so the blocking client runs on a worker thread
    unary, streamed = await within(asyncio.to_thread(run), "the blocking client")
    assert unary == "g sync"
    assert streamed == ["s0", "s1", "s2"]


async def test_sync_client_client_stream_and_bidi_to_grpcio(hw: SimpleNamespace, grpc_server: SimpleNamespace) -> None:
    def run() -> tuple[str, list[str]]:
        with dubbopy.SyncClient() as client:
            stub = hw.dubbo.GreeterSyncStub(client.reference(url=grpc_server.url))
            joined = stub.LotsOfGreetings(iter([hw.pb2.HelloRequest(name="q")]), timeout=10).message
            echoed = [r.message for r in stub.BidiHello(iter([hw.pb2.HelloRequest(name="b")]), timeout=10)]
            return joined, echoed

    joined, echoed = await within(asyncio.to_thread(run), "the blocking client")
    assert joined.startswith("1:")
    assert echoed == ["bidi b"]
