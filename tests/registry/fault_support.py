"""What the fault tests share: sustained load on a reference, the consumer's directory, polling with deadlines."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import dubbopy

#: ZooKeeper session / etcd lease TTL of the provider processes, seconds (the test servers allow >= 1 s).
SESSION = 2.0
#: How long a killed provider may stay in a directory: a few session timeouts (etcd checks leases every
#: 0.5 s, ZooKeeper every tick; a loaded machine adds to both).
LEAVE_DEADLINE = 5 * SESSION + 5.0
#: Upper bound for things that take milliseconds (a notification, a reconnection) on a shared machine.
WAIT = 30.0
#: Per-call timeout of the consumers, seconds: generous, so only the faults under test can fail a call.
CALL_TIMEOUT = 10.0


async def poll(condition: Callable[[], Awaitable[bool] | bool], what: str, timeout: float = WAIT) -> float:  # noqa: ASYNC109
    """Check ``condition`` every 20 ms until it holds; return when (``time.monotonic()``) it first did."""
    deadline = time.monotonic() + timeout
    while True:
        outcome = condition()
        if not isinstance(outcome, bool):
            outcome = await outcome
        if outcome:
            return time.monotonic()
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:g} s: {what}")
        await asyncio.sleep(0.02)


async def directory_addresses(client: dubbopy.Client) -> set[str]:
    """``host:port`` of every invoker in the directory of ``client``'s (only) registry reference.

    This is the consumer's own view, fed by its own subscription (no second registry client to ask).
    """
    (reference,) = client._references  # the Client keeps its registry references private
    cluster = await reference.cluster()
    return {invoker.url.address for invoker in cluster.directory.all()}


async def until_directory(client: dubbopy.Client, expected: Iterable[str], timeout: float = WAIT) -> float:  # noqa: ASYNC109
    """Wait until the consumer's directory holds exactly ``expected``; return when it first did."""
    wanted = set(expected)
    seen: set[str] = set()

    async def holds() -> bool:
        nonlocal seen
        seen = await directory_addresses(client)
        return seen == wanted

    try:
        return await poll(holds, f"the directory to be {sorted(wanted)}", timeout)
    except AssertionError as exc:
        raise AssertionError(f"{exc} (last seen: {sorted(seen)})") from None


@dataclass(frozen=True, slots=True)
class Call:
    """One call of a :class:`Load` caller: when it ran and who answered, or how it failed."""

    caller: int
    started: float
    ended: float
    answer: str | None
    error: BaseException | None


class Load:
    """``callers`` tasks calling ``stub.slow(ms)`` back to back until the ``async with`` block ends.

    Bounded: each caller stops by itself after ``max_seconds`` or ``max_calls``. Every call is kept in
    :attr:`calls` (answers are the provider's name).
    """

    def __init__(self, stub: Any, callers: int, *, ms: int = 20, max_seconds: float = 60.0) -> None:
        self.stub = stub
        self.callers = callers
        self.ms = ms
        self.max_seconds = max_seconds
        self.max_calls = 5000
        self.calls: list[Call] = []
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    async def _caller(self, caller: int) -> None:
        end = time.monotonic() + self.max_seconds
        for _ in range(self.max_calls):
            if self._stop.is_set() or time.monotonic() > end:
                return
            started = time.monotonic()
            try:
                answer: str = await self.stub.slow(self.ms)
            except dubbopy.RpcError as exc:
                self.calls.append(Call(caller, started, time.monotonic(), None, exc))
            else:
                self.calls.append(Call(caller, started, time.monotonic(), answer, None))

    def since(self, moment: float) -> list[Call]:
        """The calls started after ``moment``."""
        return [call for call in self.calls if call.started > moment]

    def answered_by(self, calls: Iterable[Call] | None = None) -> set[str]:
        """Who answered ``calls`` (default: all calls)."""
        return {call.answer for call in (self.calls if calls is None else calls) if call.answer is not None}

    def failures(self) -> list[Call]:
        """The calls that failed."""
        return [call for call in self.calls if call.error is not None]

    async def until_each_caller(self, count: int, since: float, what: str = "") -> None:
        """Wait until every caller finished ``count`` calls started after ``since``."""

        def done() -> bool:
            per_caller = [0] * self.callers
            for call in self.since(since):
                per_caller[call.caller] += 1
            return min(per_caller) >= count

        await poll(done, what or f"every caller to finish {count} calls", WAIT)

    async def __aenter__(self) -> Load:
        self._tasks = [asyncio.create_task(self._caller(i)) for i in range(self.callers)]
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    def describe(self, calls: Iterable[Call]) -> str:
        """A short account of failed calls for assertion messages."""
        lines = [f"caller {c.caller} at +{c.started - self.calls[0].started:.2f}s: {c.error!r}" for c in calls]
        return "\n".join(lines[:10]) + (f"\n… {len(lines) - 10} more" if len(lines) > 10 else "")
