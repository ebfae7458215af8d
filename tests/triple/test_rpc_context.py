"""Dubbo-style attachments through RpcContext over Triple, the way Java users pass trace ids."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import dubbopy
from dubbopy import RpcContext


def _servicer(hw: SimpleNamespace) -> Any:
    class Echo(hw.dubbo.GreeterServicer):  # type: ignore[misc,name-defined]
        async def SayHello(self, request: Any, context: dubbopy.ServicerContext) -> Any:
            call = RpcContext.current_call()
            assert call is not None
            RpcContext.set_response_attachment("servedBy", "py-provider")
            RpcContext.set_response_attachment("blob", b"\x00\xff")
            trace = call.get_attachment("traceId")
            raw = call.get_attachment("raw")
            return hw.pb2.HelloReply(message=f"{call.method_name}|{trace}|{raw!r}")

        def LotsOfGreetings(self, requests: Any, context: dubbopy.ServicerContext) -> Any:
            # a plain def handler runs on a worker thread and still sees the call
            call = RpcContext.current_call()
            assert call is not None
            names = [r.name for r in requests]
            return hw.pb2.HelloReply(message=f"{call.get_attachment('traceId')}|{len(names)}")

    return Echo()


async def test_attachments_travel_both_ways_and_keep_their_case(hw: SimpleNamespace) -> None:
    server = dubbopy.Server(protocols=["tri://127.0.0.1:0"])
    server.add(_servicer(hw))
    await server.start()
    try:
        async with dubbopy.Client() as client:
            stub = hw.dubbo.GreeterStub(client.reference(url=f"tri://127.0.0.1:{server.ports[0]}"))
            RpcContext.set_attachment("traceId", "t-1")
            RpcContext.set_attachment("raw", b"\x01\x02")
            reply = await stub.SayHello(hw.pb2.HelloRequest(name="x"), timeout=10)
            returned = dict(RpcContext.response_attachments())
            # attachments go with one call only
            RpcContext.set_attachment("traceId", "t-2")
            streamed = await stub.LotsOfGreetings([hw.pb2.HelloRequest(name=n) for n in "ab"], timeout=10)
            after = await stub.SayHello(hw.pb2.HelloRequest(name="y"), timeout=10)
    finally:
        await server.stop(grace=1.0)
    assert reply.message == "SayHello|t-1|b'\\x01\\x02'"
    assert returned["servedBy"] == "py-provider"
    assert returned["blob"] == b"\x00\xff"
    assert streamed.message == "t-2|2"
    assert after.message == "SayHello|None|None"
