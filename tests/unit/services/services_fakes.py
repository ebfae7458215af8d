"""A minimal in-memory ServicerContext and RequestStream for calling servicers directly in unit tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Iterator, Sequence
from typing import Any, NoReturn, TypeVar

from dubbopy.errors import RpcError, StatusCode
from dubbopy.rpc.servicer import RequestStream, ServicerContext

T = TypeVar("T")


class FakeContext(ServicerContext):
    """A context whose call can be cancelled from the test with :meth:`cancel`."""

    def __init__(self, method: str = "/test.Service/Method") -> None:
        self._method = method
        self._cancelled = False
        self._callbacks: list[Callable[[], None]] = []
        self.trailing: list[tuple[str, str | bytes]] = []

    def cancel(self) -> None:
        """End the call as a client reset would: mark it cancelled and run the done callbacks."""
        self._cancelled = True
        for callback in self._callbacks:
            callback()

    def peer(self) -> str:
        return "ipv4:127.0.0.1:50000"

    def invocation_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        return ()

    def method(self) -> str:
        return self._method

    def time_remaining(self) -> float | None:
        return None

    def cancelled(self) -> bool:
        return self._cancelled

    def add_done_callback(self, callback: Callable[[], None]) -> None:
        self._callbacks.append(callback)

    def set_trailing_metadata(self, metadata: Sequence[tuple[str, str | bytes]]) -> None:
        self.trailing.extend(metadata)

    async def send_initial_metadata(self, metadata: Sequence[tuple[str, str | bytes]]) -> None:
        return None

    def set_compression(self, name: str) -> None:
        return None

    def abort(self, code: StatusCode, message: str = "", *, details: bytes | None = None) -> NoReturn:
        raise RpcError(code, message, details=details)

    @property
    def attachments(self) -> dict[str, Any]:
        return {}


class FakeRequests(RequestStream[T]):
    """Client messages fed by the test with :meth:`send`; :meth:`close` is the client's half-close."""

    def __init__(self, messages: Iterable[T] = (), *, closed: bool = False) -> None:
        self._queue: asyncio.Queue[T | None] = asyncio.Queue()
        for message in messages:
            self._queue.put_nowait(message)
        if closed:
            self._queue.put_nowait(None)

    def send(self, message: T) -> None:
        self._queue.put_nowait(message)

    def close(self) -> None:
        self._queue.put_nowait(None)

    async def read(self) -> T | None:
        return await self._queue.get()

    async def _messages(self) -> AsyncIterator[T]:
        while (message := await self.read()) is not None:
            yield message

    def __aiter__(self) -> AsyncIterator[T]:
        return self._messages()

    def __iter__(self) -> Iterator[T]:
        raise TypeError("FakeRequests is for async handlers only")
