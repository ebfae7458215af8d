"""Benchmark client on grpclib (pure Python on h2, asyncio): one channel, C tasks."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from typing import Any

import common
from grpclib.client import Channel

echo_grpc = common.gen_module("echo_grpc")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Drive the workload over one grpclib channel."""
    channel = Channel(args.host, args.port)
    try:
        stub = echo_grpc.GreeterStub(channel)
        request = common.make_request()

        def call_unary() -> Any:
            return stub.SayHello(request)

        async def call_stream(n: int) -> AsyncIterator[Any]:
            async with stub.StreamHello.open() as stream:
                await stream.send_message(common.make_request(n), end=True)
                async for reply in stream:
                    yield reply

        return await common.drive_async(args, call_unary, call_stream)
    finally:
        channel.close()


if __name__ == "__main__":
    common.client_main(run)
