"""bench.Greeter on dubbopy's Triple server."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import common

import dubbopy

echo_dubbo = common.gen_module("echo_dubbo")


class Greeter(echo_dubbo.GreeterServicer):  # type: ignore[misc]
    """Unary echo and a server stream of ``request.count`` echoes."""

    async def SayHello(self, request: Any, context: dubbopy.ServicerContext) -> Any:
        """Echo the name back."""
        return common.make_reply(request)

    async def StreamHello(self, request: Any, context: dubbopy.ServicerContext) -> AsyncIterator[Any]:
        """Send ``request.count`` copies of the echo."""
        reply = common.make_reply(request)
        for _ in range(request.count):
            yield reply


async def start(host: str, port: int) -> Callable[[], Awaitable[None]]:
    """Listen on ``host:port``; return the coroutine function that stops the server."""
    server = dubbopy.Server(protocols=[f"tri://{host}:{port}"], reflection=False)
    server.add(Greeter())
    await server.start()

    async def stop() -> None:
        await server.stop(grace=1.0)

    return stop


if __name__ == "__main__":
    common.server_main(start)
