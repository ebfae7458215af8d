"""bench.Greeter on grpclib's server (pure Python on h2, asyncio)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import common
from grpclib.server import Server, Stream

echo_grpc = common.gen_module("echo_grpc")


class Greeter(echo_grpc.GreeterBase):
    """Unary echo and a server stream of ``request.count`` echoes."""

    async def SayHello(self, stream: Stream[Any, Any]) -> None:
        """Echo the name back."""
        request = await stream.recv_message()
        await stream.send_message(common.make_reply(request))

    async def StreamHello(self, stream: Stream[Any, Any]) -> None:
        """Send ``request.count`` copies of the echo."""
        request = await stream.recv_message()
        reply = common.make_reply(request)
        for _ in range(request.count):
            await stream.send_message(reply)


async def start(host: str, port: int) -> Callable[[], Awaitable[None]]:
    """Listen on ``host:port``; return the coroutine function that stops the server."""
    server = Server([Greeter()])
    await server.start(host, port)

    async def stop() -> None:
        server.close()
        await server.wait_closed()

    return stop


if __name__ == "__main__":
    common.server_main(start)
