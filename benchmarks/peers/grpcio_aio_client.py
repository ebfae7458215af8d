"""Benchmark client on grpcio's asyncio API (``grpc.aio``): one channel, C tasks."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from typing import Any

import common
import grpc

echo_pb2_grpc = common.gen_module("echo_pb2_grpc")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Drive the workload over one ``grpc.aio`` channel."""
    async with grpc.aio.insecure_channel(args.target) as channel:
        await channel.channel_ready()
        stub = echo_pb2_grpc.GreeterStub(channel)
        request = common.make_request()

        def call_unary() -> Any:
            return stub.SayHello(request)

        async def call_stream(n: int) -> AsyncIterator[Any]:
            call = stub.StreamHello(common.make_request(n))
            try:
                async for reply in call:
                    yield reply
            finally:
                call.cancel()

        return await common.drive_async(args, call_unary, call_stream)


if __name__ == "__main__":
    common.client_main(run)
