"""Benchmark client on dubbopy's Triple client: one connection, C tasks."""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator
from typing import Any

import common

import dubbopy

echo_dubbo = common.gen_module("echo_dubbo")


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Drive the workload over one dubbopy reference."""
    async with dubbopy.Client(application="bench") as client:
        stub = echo_dubbo.GreeterStub(client.reference(url=f"tri://{args.target}"))
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
