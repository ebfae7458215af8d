"""bench.Greeter on grpcio's asyncio server (``grpc.aio``)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import common
import grpc

echo_pb2_grpc = common.gen_module("echo_pb2_grpc")


class Greeter(echo_pb2_grpc.GreeterServicer):
    """Unary echo and a server stream of ``request.count`` echoes."""

    async def SayHello(self, request: Any, context: grpc.aio.ServicerContext) -> Any:
        """Echo the name back."""
        return common.make_reply(request)

    async def StreamHello(self, request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        """Send ``request.count`` copies of the echo."""
        reply = common.make_reply(request)
        for _ in range(request.count):
            yield reply


async def start(host: str, port: int) -> Callable[[], Awaitable[None]]:
    """Listen on ``host:port``; return the coroutine function that stops the server."""
    server = grpc.aio.server()
    echo_pb2_grpc.add_GreeterServicer_to_server(Greeter(), server)
    server.add_insecure_port(f"{host}:{port}")
    await server.start()

    async def stop() -> None:
        await server.stop(grace=1.0)

    return stop


if __name__ == "__main__":
    common.server_main(start)
