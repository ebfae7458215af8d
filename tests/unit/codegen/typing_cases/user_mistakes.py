"""Mistakes a user can make with the generated helloworld module; mypy must report each line marked
``# error``, and nothing else (checked by ``test_codegen_typing.py``; never imported by pytest)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import helloworld_dubbo
from helloworld_pb2 import HelloReply, HelloRequest

from dubbopy.rpc.channel import Channel, SyncChannel
from dubbopy.rpc.servicer import ServicerContext


class WrongGreeter(helloworld_dubbo.GreeterServicer):
    async def SayHello(self, request: HelloRequest, context: ServicerContext) -> str:  # error
        return request.name

    # a coroutine returning one reply is not a stream of replies
    async def LotsOfReplies(self, request: HelloRequest, context: ServicerContext) -> HelloReply:  # error
        return HelloReply()

    # a client-streaming handler gets the request stream, not one request
    def LotsOfGreetings(self, requests: HelloRequest, context: ServicerContext) -> HelloReply:  # error
        return HelloReply()


async def misuse_async(channel: Channel) -> None:
    stub = helloworld_dubbo.GreeterStub(channel)
    await stub.SayHello(HelloReply())  # error
    await stub.SayHello(HelloRequest(), 1.0)  # error
    wrong: HelloRequest = await stub.SayHello(HelloRequest())  # error
    print(wrong)
    await stub.LotsOfReplies(HelloRequest())  # error


def misuse_sync(channel: SyncChannel) -> None:
    stub = helloworld_dubbo.GreeterSyncStub(channel)

    async def names() -> AsyncIterator[HelloRequest]:
        yield HelloRequest()

    stub.LotsOfGreetings(names())  # error
    reply: str = stub.SayHello(HelloRequest())  # error
    print(reply)
