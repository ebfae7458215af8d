"""Benchmark client on grpcio's blocking API: one channel, C threads."""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

import common
import grpc

echo_pb2_grpc = common.gen_module("echo_pb2_grpc")


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Drive the workload over one blocking grpcio channel."""
    with grpc.insecure_channel(args.target) as channel:
        grpc.channel_ready_future(channel).result(timeout=10)
        stub = echo_pb2_grpc.GreeterStub(channel)
        request = common.make_request()

        def call_unary() -> Any:
            return stub.SayHello(request)

        def call_stream(n: int) -> Iterator[Any]:
            call = stub.StreamHello(common.make_request(n))
            try:
                yield from call
            finally:
                call.cancel()

        return common.drive_threads(args, call_unary, call_stream)


if __name__ == "__main__":
    common.client_main(run)
