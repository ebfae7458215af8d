"""bench.Greeter on apache-dubbo 3.0.0b1 (PyPI ``apache-dubbo``, the official dubbo-python) over Triple.

How that library serves: ``RpcMethodHandler.unary`` / ``.server_stream`` wrap a plain (blocking)
function with request deserializer and reply serializer (here the protobuf ``FromString`` /
``SerializeToString``); ``RpcServiceHandler`` names the service (the ``/bench.Greeter/...`` path);
``dubbo.Server(ServiceConfig(...)).start()`` binds. Its asyncio loop runs in a daemon thread and every
call runs on a fixed 10-thread pool. A unary function receives the request; a server-stream function
receives the call's stream, reads the request from it and returns an iterable of replies.
The library has no public way to stop a server, so ``stop`` only lets the process end.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import common
import dubbo
from dubbo.configs import ServiceConfig
from dubbo.proxy.handlers import RpcMethodHandler, RpcServiceHandler

HelloRequest = common.echo_pb2.HelloRequest
HelloReply = common.echo_pb2.HelloReply


def say_hello(request: Any) -> Any:
    """Echo the name back."""
    return common.make_reply(request)


def stream_hello(stream: Any) -> Iterator[Any]:
    """Send ``request.count`` copies of the echo (the request is read from the call's stream)."""
    request = stream.read()
    reply = common.make_reply(request)
    for _ in range(request.count):
        yield reply


def start(host: str, port: int) -> Callable[[], None]:
    """Listen on ``host:port`` with the Triple protocol; return a no-op stop (see module doc)."""
    handler = RpcServiceHandler(
        service_name=common.SERVICE,
        method_handlers=[
            RpcMethodHandler.unary(
                say_hello,
                method_name="SayHello",
                request_deserializer=HelloRequest.FromString,
                response_serializer=HelloReply.SerializeToString,
            ),
            RpcMethodHandler.server_stream(
                stream_hello,
                method_name="StreamHello",
                request_deserializer=HelloRequest.FromString,
                response_serializer=HelloReply.SerializeToString,
            ),
        ],
    )
    server = dubbo.Server(ServiceConfig(service_handler=handler, host=host, port=port, protocol="tri"))
    server.start()
    return lambda: None


if __name__ == "__main__":
    common.server_main(start)
