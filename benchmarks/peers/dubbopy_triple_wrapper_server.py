"""``org.dubbopy.bench.EchoService`` on dubbopy's Triple server in wrapper mode (Hessian 2 inside Triple).

The same interface-style service as ``dubbopy_dubbo``, reached over tri:// the way Java calls an interface
without a .proto: ``String echo(String)`` for the contract's unary case, ``User echoUser(User)`` for the
POJO case, no stream (``echo_service.py``, ``interface_peer.py``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

import common
import interface_peer


async def start(host: str, port: int) -> Callable[[], Awaitable[None]]:
    """Listen on ``host:port`` (tri://); return the coroutine function that stops the server."""
    return await interface_peer.start_server(host, port, "tri")


if __name__ == "__main__":
    common.server_main(start)
