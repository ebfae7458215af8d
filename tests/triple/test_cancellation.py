"""A client's cancel reaches the handler on the other side (RST_STREAM), in both directions, for unary and
streaming calls; the caller sees ``CANCELLED`` and the connection stays usable.
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
from dubbopy.errors import StatusCode

pytestmark = pytest.mark.interop


class Recorder:
    """Streaming handlers that run until cancelled and record how they ended (made a servicer below)."""

    def __init__(self, pb2: Any) -> None:
        self.pb2 = pb2
        self.started = asyncio.Event()
        self.ended = asyncio.Event()
        self.how: list[str] = []

    def _watch(self, context: dubbopy.ServicerContext) -> None:
        self.started.set()
        context.add_done_callback(lambda: self.how.append(f"done, cancelled={context.cancelled()}"))

    async def LotsOfReplies(self, request: Any, context: dubbopy.ServicerContext) -> AsyncIterator[Any]:
        self._watch(context)
        try:
            i = 0
            while True:
                yield self.pb2.HelloReply(message=f"{request.name}{i}")
                i += 1
        except (asyncio.CancelledError, GeneratorExit) as exc:
            self.how.append(type(exc).__name__)
            raise
        finally:
            self.ended.set()

    async def BidiHello(self, requests: Any, context: dubbopy.ServicerContext) -> AsyncIterator[Any]:
        self._watch(context)
        try:
            async for request in requests:
                yield self.pb2.HelloReply(message="bidi " + request.name)
        except (asyncio.CancelledError, GeneratorExit, dubbopy.RpcError) as exc:
            self.how.append(type(exc).__name__)
            raise
        finally:
            self.ended.set()


@pytest.fixture
async def recorder(hw: SimpleNamespace) -> AsyncIterator[SimpleNamespace]:
    """A dubbopy server exporting :class:`Recorder`; ``SimpleNamespace(servicer, target)``."""
    servicer = type("RecordingGreeter", (Recorder, hw.dubbo.GreeterServicer), {})(hw.pb2)
    server = dubbopy.Server(protocols=["tri://127.0.0.1:0"])
    server.add(servicer)
    await server.start()
    try:
        yield SimpleNamespace(servicer=servicer, target=f"127.0.0.1:{server.ports[0]}")
    finally:
        await server.stop(grace=1.0)


# ---------------------------------------------------------------- grpcio client cancels, dubbopy serves


async def test_grpcio_cancel_of_a_unary_call_cancels_the_dubbopy_handler(
    hw: SimpleNamespace, triple_server: SimpleNamespace, grpc_channel: grpc.aio.Channel
) -> None:
    stub = hw.grpc.GreeterStub(grpc_channel)
    call = stub.SayHello(hw.pb2.HelloRequest(name="!sleep:30"), timeout=60)
    await within(triple_server.greeter.event("sleeping").wait(), "the handler to start")
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await within(call, "the cancelled call to end")
    assert await within(call.code(), "the status") == grpc.StatusCode.CANCELLED
    await within(triple_server.greeter.event("cancelled").wait(), "the dubbopy handler to be cancelled")
    assert triple_server.greeter.cancelled == ["!sleep:30"]
    reply = await within(stub.SayHello(hw.pb2.HelloRequest(name="next"), timeout=10), "the next call")
    assert reply.message == "hi next"


async def test_grpcio_cancel_of_a_server_stream_stops_the_dubbopy_handler(
    hw: SimpleNamespace, recorder: SimpleNamespace
) -> None:
    async with grpc.aio.insecure_channel(recorder.target) as channel:
        call = hw.grpc.GreeterStub(channel).LotsOfReplies(hw.pb2.HelloRequest(name="s"), timeout=60)
        assert (await within(call.read(), "the first message")).message == "s0"
        call.cancel()
        await within(recorder.servicer.ended.wait(), "the endless handler to stop")
    how = recorder.servicer.how
    assert "done, cancelled=True" in how
    assert {"CancelledError", "GeneratorExit"} & set(how), how


async def test_grpcio_cancel_of_a_bidi_stream_stops_the_dubbopy_handler(
    hw: SimpleNamespace, recorder: SimpleNamespace
) -> None:
    async with grpc.aio.insecure_channel(recorder.target) as channel:
        call = hw.grpc.GreeterStub(channel).BidiHello(timeout=60)
        await within(call.write(hw.pb2.HelloRequest(name="one")), "a write")
        assert (await within(call.read(), "the echo")).message == "bidi one"
        call.cancel()
        await within(recorder.servicer.ended.wait(), "the bidi handler to stop")
    assert "done, cancelled=True" in recorder.servicer.how


# ---------------------------------------------------------------- dubbopy client cancels, grpcio serves


async def test_dubbopy_cancel_of_a_unary_call_cancels_the_grpcio_handler(
    hw: SimpleNamespace, dubbo_stub: Any, grpc_server: SimpleNamespace
) -> None:
    greeter = grpc_server.greeter
    call = dubbo_stub.SayHello(hw.pb2.HelloRequest(name="!sleep:30"), timeout=60)
    pending = asyncio.ensure_future(_result(call))
    await within(greeter.event("sleeping").wait(), "the grpcio handler to start")
    assert call.cancel()
    with pytest.raises(dubbopy.RpcError) as caught:
        await within(pending, "the cancelled call to end")
    assert caught.value.status is StatusCode.CANCELLED
    assert call.done()
    await within(greeter.event("cancelled").wait(), "the grpcio handler to be cancelled")
    await within(greeter.event("context-done").wait(), "grpcio to end the RPC")
    reply = await within(dubbo_stub.SayHello(hw.pb2.HelloRequest(name="next"), timeout=10), "the next call")
    assert reply.message == "g next"


async def test_cancelling_the_awaiting_task_cancels_the_grpcio_handler(
    hw: SimpleNamespace, dubbo_stub: Any, grpc_server: SimpleNamespace
) -> None:
    greeter = grpc_server.greeter
    task = asyncio.ensure_future(_result(dubbo_stub.SayHello(hw.pb2.HelloRequest(name="!sleep:30"), timeout=60)))
    await within(greeter.event("sleeping").wait(), "the grpcio handler to start")
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await within(task, "the task to end")
    await within(greeter.event("cancelled").wait(), "the grpcio handler to be cancelled")


async def test_dubbopy_cancel_of_a_server_stream_stops_the_grpcio_handler(
    hw: SimpleNamespace, dubbo_stub: Any, grpc_server: SimpleNamespace
) -> None:
    call = dubbo_stub.LotsOfReplies(hw.pb2.HelloRequest(name="s*100000000"), timeout=60)
    assert (await within(call.read(), "the first message")).message == "s0"
    assert call.cancel()
    with pytest.raises(dubbopy.RpcError) as caught:
        await within(_drain(call), "the rest of the cancelled stream")
    assert caught.value.status is StatusCode.CANCELLED
    await within(grpc_server.greeter.event("stream-cancelled").wait(), "the grpcio stream handler to stop")


async def test_dubbopy_cancel_of_a_bidi_call_stops_reading_the_request_iterator(
    hw: SimpleNamespace, dubbo_stub: Any
) -> None:
    queue: asyncio.Queue[str] = asyncio.Queue()
    closed = asyncio.Event()

    async def requests() -> AsyncIterator[Any]:
        try:
            while True:
                yield hw.pb2.HelloRequest(name=await queue.get())
        finally:
            closed.set()

    call = dubbo_stub.BidiHello(requests(), timeout=60)
    queue.put_nowait("a")
    assert (await within(call.read(), "the echo")).message == "bidi a"
    assert call.cancel()
    with pytest.raises(dubbopy.RpcError) as caught:
        await within(call.read(), "the cancelled stream")
    assert caught.value.status is StatusCode.CANCELLED
    # nothing more will be sent, so the client must let go of the caller's iterator
    await within(closed.wait(), "the request iterator to be closed")


async def test_sync_client_cancel_of_a_server_stream(hw: SimpleNamespace, grpc_server: SimpleNamespace) -> None:
    def run() -> StatusCode:
        with dubbopy.SyncClient() as client:
            stub = hw.dubbo.GreeterSyncStub(client.reference(url=grpc_server.url))
            stream = stub.LotsOfReplies(hw.pb2.HelloRequest(name="s*100000000"), timeout=60)
            assert next(stream).message == "s0"
            stream.cancel()
            try:
                for _ in stream:
                    pass
            except dubbopy.RpcError as exc:
                return exc.status
            return StatusCode.OK

    assert await within(asyncio.to_thread(run), "the blocking stream to be cancelled") is StatusCode.CANCELLED
    await within(grpc_server.greeter.event("stream-cancelled").wait(), "the grpcio stream handler to stop")


async def _result(call: Any) -> Any:
    return await call


async def _drain(call: Any) -> None:
    while await call.read() is not None:
        pass
