"""``org.dubbopy.bench.EchoService`` (interface-style, Hessian 2) on dubbopy's dubbo:// server.

The dubbo protocol has no streams and no ``bench.Greeter``: the contract's unary case is
``String echo(String)``, the POJO case ``User echoUser(User)`` (``echo_service.py``, ``interface_peer.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import common
import interface_peer


async def start(host: str, port: int) -> Callable[[], Awaitable[None]]:
    """Listen on ``host:port`` (dubbo://); return the coroutine function that stops the server."""
    return await interface_peer.start_server(host, port, "dubbo")


if __name__ == "__main__":
    common.server_main(start)
