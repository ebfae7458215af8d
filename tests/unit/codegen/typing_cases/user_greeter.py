"""A user's code against the generated helloworld module: both override styles and both stubs.

Type-checked with ``mypy --strict`` by ``test_codegen_typing.py``; it is never imported by pytest.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import helloworld_dubbo
from helloworld_pb2 import HelloReply, HelloRequest

from dubbopy.rpc.channel import Channel, SyncChannel
from dubbopy.rpc.servicer import RequestStream, ServicerContext


class AsyncGreeter(helloworld_dubbo.GreeterServicer):
    """Every handler ``async def``."""

    async def SayHello(self, request: HelloRequest, context: ServicerContext) -> HelloReply:
        return HelloReply(message=f"hello {request.name}")

    async def LotsOfReplies(self, request: HelloRequest, context: ServicerContext) -> AsyncIterator[HelloReply]:
        for n in range(3):
            yield HelloReply(message=f"hello {request.name} #{n}")

    async def LotsOfGreetings(self, requests: RequestStream[HelloRequest], context: ServicerContext) -> HelloReply:
        names = [request.name async for request in requests]
        return HelloReply(message="hello " + ", ".join(names))

    async def BidiHello(
        self, requests: RequestStream[HelloRequest], context: ServicerContext
    ) -> AsyncIterator[HelloReply]:
        async for request in requests:
            yield HelloReply(message=f"hello {request.name}")


class SyncGreeter(helloworld_dubbo.GreeterServicer):
    """Every handler a plain ``def`` (run on a worker thread by the server)."""

    def SayHello(self, request: HelloRequest, context: ServicerContext) -> HelloReply:
        return HelloReply(message=f"hello {request.name}")

    def LotsOfReplies(self, request: HelloRequest, context: ServicerContext) -> Iterator[HelloReply]:
        yield HelloReply(message=f"hello {request.name}")

    def LotsOfGreetings(self, requests: RequestStream[HelloRequest], context: ServicerContext) -> HelloReply:
        return HelloReply(message="hello " + ", ".join(request.name for request in requests))

    def BidiHello(self, requests: RequestStream[HelloRequest], context: ServicerContext) -> Iterator[HelloReply]:
        for request in requests:
            yield HelloReply(message=f"hello {request.name}")


async def call_async(channel: Channel) -> list[str]:
    stub = helloworld_dubbo.GreeterStub(channel)
    reply: HelloReply = await stub.SayHello(HelloRequest(name="a"), timeout=1.0, metadata=[("k", "v")])
    messages = [reply.message]
    async for streamed in stub.LotsOfReplies(HelloRequest(name="b")):
        messages.append(streamed.message)
    reply = await stub.LotsOfGreetings([HelloRequest(name="c"), HelloRequest(name="d")])

    async def names() -> AsyncIterator[HelloRequest]:
        yield HelloRequest(name="e")

    reply = await stub.LotsOfGreetings(names())
    messages.append(reply.message)
    call = stub.BidiHello(names())
    async for streamed in call:
        messages.append(streamed.message)
    print(await call.trailing_metadata())
    return messages


def call_sync(channel: SyncChannel) -> list[str]:
    stub = helloworld_dubbo.GreeterSyncStub(channel)
    reply: HelloReply = stub.SayHello(HelloRequest(name="a"), timeout=1.0)
    messages = [reply.message]
    messages += [streamed.message for streamed in stub.LotsOfReplies(HelloRequest(name="b"))]
    messages.append(stub.LotsOfGreetings(iter([HelloRequest(name="c")])).message)
    messages += [streamed.message for streamed in stub.BidiHello([HelloRequest(name="d")])]
    return messages
