"""Benchmark client on apache-dubbo 3.0.0b1 (PyPI ``apache-dubbo``) over Triple: one connection, C threads.

The library's client API is blocking: ``dubbo.Client(ReferenceConfig(...))`` opens one connection
(driven by an asyncio loop in a daemon thread); ``client.unary(name, serializer, deserializer)``
returns a callable that blocks the calling thread until the reply; ``client.server_stream(...)``
returns a callable whose result is a blocking iterator of replies. So concurrency is C threads.
"""

from __future__ import annotations

import argparse
from collections.abc import Iterator
from typing import Any

import common
import dubbo
from dubbo.configs import ReferenceConfig

HelloRequest = common.echo_pb2.HelloRequest
HelloReply = common.echo_pb2.HelloReply


def run(args: argparse.Namespace) -> dict[str, Any]:
    """Drive the workload over one apache-dubbo Triple client."""
    reference = ReferenceConfig(protocol="tri", service=common.SERVICE, host=args.host, port=args.port)
    client = dubbo.Client(reference)
    say_hello = client.unary(
        "SayHello",
        request_serializer=HelloRequest.SerializeToString,
        response_deserializer=HelloReply.FromString,
    )
    stream_hello = client.server_stream(
        "StreamHello",
        request_serializer=HelloRequest.SerializeToString,
        response_deserializer=HelloReply.FromString,
    )
    request = common.make_request()

    def call_unary() -> Any:
        return say_hello(request)

    def call_stream(n: int) -> Iterator[Any]:
        yield from stream_hello(common.make_request(n))

    return common.drive_threads(args, call_unary, call_stream)


if __name__ == "__main__":
    common.client_main(run)
