"""Many calls at once: 1,000 concurrent unary calls multiplexed on one connection (both directions), and
several client connections served side by side by one dubbopy server.

"One connection" is checked from the outside: this process's established TCP connections to the
server's port (:func:`triple_support.client_connections`), counted while the calls are in flight.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from triple_support import client_connections, within

import dubbopy

pytestmark = pytest.mark.interop

CALLS = 1000


async def test_grpcio_makes_1000_concurrent_calls_to_dubbopy_on_one_connection(
    hw: SimpleNamespace, triple_server: SimpleNamespace
) -> None:
    seen: set[int] = set()
    async with grpc.aio.insecure_channel(triple_server.target) as channel:
        stub = hw.grpc.GreeterStub(channel)

        async def one(i: int) -> str:
            reply = await stub.SayHello(hw.pb2.HelloRequest(name=f"c{i}"), timeout=60)
            if i % 100 == 0:  # sampled: listing connections is slow
                seen.add(client_connections(triple_server.port))
            return str(reply.message)

        replies = await within(asyncio.gather(*(one(i) for i in range(CALLS))), "1,000 calls", 90)
    assert replies == [f"hi c{i}" for i in range(CALLS)]
    assert seen == {1}, f"connections from this client to the server while calling: {sorted(seen)}"


async def test_dubbopy_makes_1000_concurrent_calls_to_grpcio_on_one_connection(
    hw: SimpleNamespace, dubbo_stub: Any, grpc_server: SimpleNamespace
) -> None:
    seen: set[int] = set()

    async def one(i: int) -> str:
        reply = await dubbo_stub.SayHello(hw.pb2.HelloRequest(name=f"c{i}"), timeout=60)
        if i % 100 == 0:  # sampled: listing connections is slow
            seen.add(client_connections(grpc_server.port))
        return str(reply.message)

    replies = await within(asyncio.gather(*(one(i) for i in range(CALLS))), "1,000 calls", 90)
    assert replies == [f"g c{i}" for i in range(CALLS)]
    assert seen == {1}, f"connections from this client to the server while calling: {sorted(seen)}"


async def test_two_references_to_one_address_share_the_connection(
    hw: SimpleNamespace, dubbo_client: dubbopy.Client, grpc_server: SimpleNamespace
) -> None:
    first = hw.dubbo.GreeterStub(dubbo_client.reference(url=grpc_server.url))
    second = hw.dubbo.GreeterStub(dubbo_client.reference(url=grpc_server.url, timeout=30))
    replies = await within(
        asyncio.gather(
            *(first.SayHello(hw.pb2.HelloRequest(name="a"), timeout=30) for _ in range(50)),
            *(second.SayHello(hw.pb2.HelloRequest(name="b")) for _ in range(50)),
        ),
        "100 calls over two references",
    )
    assert {r.message for r in replies} == {"g a", "g b"}
    assert client_connections(grpc_server.port) == 1


async def test_several_grpcio_connections_all_make_progress(
    hw: SimpleNamespace, triple_server: SimpleNamespace
) -> None:
    channels = 8
    calls = 200
    all_connected = asyncio.Barrier(channels)
    connected_at_once = 0
    # a local subchannel pool per channel: otherwise grpcio would share one connection between them
    opened = [
        grpc.aio.insecure_channel(triple_server.target, options=[("grpc.use_local_subchannel_pool", 1)])
        for _ in range(channels)
    ]
    try:

        async def run(n: int, channel: grpc.aio.Channel) -> list[str]:
            nonlocal connected_at_once
            stub = hw.grpc.GreeterStub(channel)
            replies = []
            for i in range(calls):
                reply = await stub.SayHello(hw.pb2.HelloRequest(name=f"{n}.{i}"), timeout=60)
                replies.append(reply.message)
                if i == 0 and await all_connected.wait() == 0:
                    connected_at_once = client_connections(triple_server.port)
            return replies

        results = await within(
            asyncio.gather(*(run(n, ch) for n, ch in enumerate(opened))), "8 channels x 200 calls", 120
        )
    finally:
        for channel in opened:
            await channel.close()
    for n, replies in enumerate(results):
        assert replies == [f"hi {n}.{i}" for i in range(calls)]
    assert connected_at_once == channels, f"expected {channels} connections at once, saw {connected_at_once}"
