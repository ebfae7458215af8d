"""Deadlines across the real grpcio peer: the caller sees ``DEADLINE_EXCEEDED`` and the handler on the
other side is told (its work is cancelled), in both directions.

The dubbopy test Greeter's ``!sleep:<s>`` records its cancellation (``greeter.cancelled`` and
``event("cancelled")``); so does ``GrpcGreeter``, whose ``event("context-done")`` is also set by grpcio's
done callback when the RPC is over for grpcio.
"""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from triple_support import RawH2, grpc_frame, within

import dubbopy
from dubbopy.errors import StatusCode

pytestmark = pytest.mark.interop


async def test_grpcio_client_timeout_cancels_the_dubbopy_handler(
    hw: SimpleNamespace, triple_server: SimpleNamespace, grpc_channel: grpc.aio.Channel
) -> None:
    stub = hw.grpc.GreeterStub(grpc_channel)
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await within(stub.SayHello(hw.pb2.HelloRequest(name="!sleep:30"), timeout=0.5), "the call to time out")
    assert caught.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
    await within(triple_server.greeter.event("cancelled").wait(), "the dubbopy handler to be cancelled")
    assert triple_server.greeter.cancelled == ["!sleep:30"]
    # the connection is still good
    assert (await within(stub.SayHello(hw.pb2.HelloRequest(name="after"), timeout=10), "a call")).message == "hi after"


async def test_dubbopy_server_enforces_the_deadline_it_was_sent(
    hw: SimpleNamespace, triple_server: SimpleNamespace
) -> None:
    # a client that sends grpc-timeout but never resets the stream itself: the server must end the call
    raw = await RawH2.connect(triple_server.port)
    try:
        request = hw.pb2.HelloRequest(name="!sleep:30").SerializeToString()
        stream_id = await raw.start(
            "/helloworld.Greeter/SayHello", grpc_frame(request), extra=[(b"grpc-timeout", b"300m")]
        )
        response = await raw.response(stream_id, "the server's DEADLINE_EXCEEDED")
    finally:
        await raw.close()
    status = response.trailers.get(b"grpc-status") or response.headers.get(b"grpc-status")
    assert status == b"%d" % StatusCode.DEADLINE_EXCEEDED
    await within(triple_server.greeter.event("cancelled").wait(), "the dubbopy handler to be cancelled")


async def test_dubbopy_server_reports_the_time_remaining_to_its_handler(hw: SimpleNamespace) -> None:
    # the deadline travels: grpcio's 30 s timeout must arrive as roughly 30 s remaining, not more
    remaining: list[float | None] = []

    class Probe(hw.dubbo.GreeterServicer):  # type: ignore[misc,name-defined]
        async def SayHello(self, request: Any, context: dubbopy.ServicerContext) -> Any:
            remaining.append(context.time_remaining())
            return hw.pb2.HelloReply(message="probed")

    server = dubbopy.Server(protocols=["tri://127.0.0.1:0"])
    server.add(Probe())
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.ports[0]}") as channel:
            stub = hw.grpc.GreeterStub(channel)
            await within(stub.SayHello(hw.pb2.HelloRequest(name="p"), timeout=30), "the call")
            await within(stub.SayHello(hw.pb2.HelloRequest(name="p")), "a call without deadline")
    finally:
        await server.stop(grace=1.0)
    with_deadline, without = remaining
    assert with_deadline is not None
    # grpc-core rounds the grpc-timeout it sends up to a few significant digits ("30100m"), so the
    # server may see a little over 30 s; a unit mistake would be off by a factor of 1000
    assert 20 < with_deadline <= 30.5
    assert without is None


async def test_dubbopy_client_timeout_against_a_slow_grpcio_handler(
    hw: SimpleNamespace, dubbo_stub: Any, grpc_server: SimpleNamespace
) -> None:
    with pytest.raises(dubbopy.RpcError) as caught:
        await within(dubbo_stub.SayHello(hw.pb2.HelloRequest(name="!sleep:30"), timeout=0.5), "the call to time out")
    assert caught.value.status is StatusCode.DEADLINE_EXCEEDED
    greeter = grpc_server.greeter
    await within(greeter.event("cancelled").wait(), "the grpcio handler to be cancelled")
    assert greeter.cancelled == ["!sleep:30"]
    await within(greeter.event("context-done").wait(), "grpcio to end the RPC (its context's done callback)")
    reply = await within(dubbo_stub.SayHello(hw.pb2.HelloRequest(name="after"), timeout=10), "a call")
    assert reply.message == "g after"


async def test_dubbopy_reference_default_timeout_applies(
    hw: SimpleNamespace, dubbo_client: dubbopy.Client, grpc_server: SimpleNamespace
) -> None:
    stub = hw.dubbo.GreeterStub(dubbo_client.reference(url=grpc_server.url, timeout=0.5))
    with pytest.raises(dubbopy.RpcError) as caught:
        await within(stub.SayHello(hw.pb2.HelloRequest(name="!sleep:30")), "the call to time out")
    assert caught.value.status is StatusCode.DEADLINE_EXCEEDED
    await within(grpc_server.greeter.event("cancelled").wait(), "the grpcio handler to be cancelled")


async def test_dubbopy_streaming_call_times_out_mid_stream(
    hw: SimpleNamespace, dubbo_stub: Any, grpc_server: SimpleNamespace
) -> None:
    # ten million 1 KiB messages cannot arrive within the 1 s deadline: the stream ends mid-way
    call = dubbo_stub.LotsOfReplies(hw.pb2.HelloRequest(name="x" * 1024 + "*10000000"), timeout=1.0)
    received = 0

    async def read_until_the_end() -> None:
        nonlocal received
        while await call.read() is not None:
            received += 1

    with pytest.raises(dubbopy.RpcError) as caught:
        await within(read_until_the_end(), "the deadline to end the stream")
    assert caught.value.status is StatusCode.DEADLINE_EXCEEDED
    assert received > 0
    await within(grpc_server.greeter.event("stream-cancelled").wait(), "the grpcio stream handler to be cancelled")


async def test_sync_client_timeout_against_a_slow_grpcio_handler(
    hw: SimpleNamespace, grpc_server: SimpleNamespace
) -> None:
    def call() -> None:
        with dubbopy.SyncClient() as client:
            stub = hw.dubbo.GreeterSyncStub(client.reference(url=grpc_server.url))
            stub.SayHello(hw.pb2.HelloRequest(name="!sleep:30"), timeout=0.5)

    with pytest.raises(dubbopy.RpcError) as caught:
        await within(asyncio.to_thread(call), "the blocking call to time out")
    assert caught.value.status is StatusCode.DEADLINE_EXCEEDED
    await within(grpc_server.greeter.event("cancelled").wait(), "the grpcio handler to be cancelled")
