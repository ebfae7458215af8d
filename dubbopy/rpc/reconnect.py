"""The *down* state of a client to one provider, shared by the Dubbo and Triple clients.

A client whose connections were all lost, or whose connection attempt failed, is down: a cluster does
not pick it while it has other providers (Java's ``isAvailable`` requires a connected client), and a
background task tries to connect at once, then every :data:`RECONNECT_INTERVAL` seconds (Java's
reconnect timer) until a connection is up again. The attempt at once is for a server that only rotated
its connection (a GOAWAY while still listening): it is back within a round trip instead of being
skipped for an interval; a server that is really gone refuses it and the client stays down. A call made
while down may still connect; :meth:`Reconnector.up` ends the state either way.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
from collections.abc import Awaitable, Callable
from typing import Final

from dubbopy.errors import RpcError

__all__ = ["RECONNECT_INTERVAL", "Reconnector"]

#: Seconds between reconnection attempts to a provider that is down.
RECONNECT_INTERVAL: Final = 2.0


class Reconnector:
    """Whether a client is down, and the task that reconnects it; ``connect`` opens one connection
    (raising :class:`~dubbopy.errors.RpcError` when it cannot)."""

    __slots__ = ("_connect", "_quick_at", "_stopped", "_task", "down")

    def __init__(self, connect: Callable[[], Awaitable[object]]) -> None:
        self._connect = connect
        self._task: asyncio.Task[None] | None = None
        self._stopped = False
        self._quick_at = -math.inf  # loop time of the last attempt made at once
        self.down = False

    def mark_down(self) -> None:
        """The client has no open connection: start reconnecting in the background (once)."""
        if self._stopped:
            return
        self.down = True
        if self._task is None or self._task.done():
            with contextlib.suppress(RuntimeError):  # no running loop: the next call reconnects
                self._task = asyncio.get_running_loop().create_task(self._reconnect())

    def up(self) -> None:
        """A connection is open again."""
        self.down = False

    async def stop(self) -> None:
        """The client is closing: stop reconnecting."""
        self._stopped = True
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            await asyncio.wait([task])

    async def _reconnect(self) -> None:
        now = asyncio.get_running_loop().time()
        if now - self._quick_at < RECONNECT_INTERVAL:
            # the last attempt at once was recent: a server that accepts and drops again at once
            # (one shutting down while still listening) must not make this a busy loop
            await asyncio.sleep(RECONNECT_INTERVAL)
        else:
            self._quick_at = now
            await asyncio.sleep(0)  # let the caller finish what made it mark the client down
        while self.down and not self._stopped:
            with contextlib.suppress(RpcError):
                await self._connect()
            if self.down and not self._stopped:
                await asyncio.sleep(RECONNECT_INTERVAL)
