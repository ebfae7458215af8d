"""Connections shared by references: one per key (an address), closed when the last user lets it go.

Several references (and a registry directory's re-referred providers) often point at one provider. They
share its connection, but each holds a **lease**: closing one reference releases its lease, and only
the last release closes the connection, so closing one reference never cuts off another. A closed
connection is replaced by a fresh one on the next lease.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, Protocol, TypeVar

__all__ = ["Closable", "SharedPool"]


class Closable(Protocol):
    """What a pooled connection offers: whether it is closed, and an idempotent close."""

    @property
    def closed(self) -> bool:
        """Whether :meth:`close` was called."""
        ...

    async def close(self) -> None:
        """Close it; idempotent."""
        ...


K = TypeVar("K", bound=Hashable)
C = TypeVar("C", bound=Closable)


class _Entry(Generic[C]):
    __slots__ = ("connection", "leases")

    def __init__(self, connection: C) -> None:
        self.connection = connection
        self.leases = 0


class SharedPool(Generic[K, C]):
    """Connections by key, each closed with its last lease (see the module docstring)."""

    def __init__(self) -> None:
        self._entries: dict[K, _Entry[C]] = {}

    def lease(self, key: K, create: Callable[[], C]) -> tuple[C, Callable[[], Awaitable[None]]]:
        """The connection for ``key`` (made by ``create`` if there is none open) and the coroutine function
        that releases this lease; releasing twice counts once."""
        entry = self._entries.get(key)
        if entry is None or entry.connection.closed:
            entry = self._entries[key] = _Entry(create())
        entry.leases += 1
        released = False

        async def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            entry.leases -= 1
            if entry.leases <= 0:
                if self._entries.get(key) is entry:
                    del self._entries[key]
                await entry.connection.close()

        return entry.connection, release

    def __len__(self) -> int:
        return len(self._entries)

    async def close(self) -> None:
        """Close every connection, leased or not."""
        entries, self._entries = list(self._entries.values()), {}
        for entry in entries:
            await entry.connection.close()
