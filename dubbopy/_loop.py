"""The background event-loop thread behind the synchronous API.

The sync API never re-implements anything: it submits the async core's coroutines to one event loop
running on a daemon thread (started on first use, uvloop when installed) and waits for their results.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextvars
import threading
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

_lock = threading.Lock()
_instance: LoopThread | None = None


def new_event_loop() -> asyncio.AbstractEventLoop:
    """A new event loop: uvloop's when installed, else asyncio's default."""
    try:
        import uvloop  # noqa: PLC0415 - optional accelerator
    except ImportError:
        return asyncio.new_event_loop()
    loop: asyncio.AbstractEventLoop = uvloop.new_event_loop()
    return loop


class LoopThread:
    """An event loop running forever on a daemon thread."""

    def __init__(self) -> None:
        self.loop = new_event_loop()
        self._thread = threading.Thread(target=self._main, name="dubbopy-loop", daemon=True)
        self._started = threading.Event()
        self._thread.start()
        self._started.wait()

    def _main(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.call_soon(self._started.set)
        self.loop.run_forever()

    def submit(
        self, coro: Coroutine[Any, Any, T], context: contextvars.Context | None = None
    ) -> concurrent.futures.Future[T]:
        """Schedule ``coro`` on the loop (in ``context`` if given); the returned future is safe to wait on
        from any thread."""
        if context is None:
            return asyncio.run_coroutine_threadsafe(coro, self.loop)
        result: concurrent.futures.Future[T] = concurrent.futures.Future()

        def start() -> None:
            task = self.loop.create_task(coro, context=context)

            def done(finished: asyncio.Task[T]) -> None:
                if finished.cancelled():
                    result.cancel()
                elif finished.exception() is not None:
                    result.set_exception(finished.exception())
                else:
                    result.set_result(finished.result())

            task.add_done_callback(done)

        self.loop.call_soon_threadsafe(start)
        return result

    def run(self, coro: Coroutine[Any, Any, T], context: contextvars.Context | None = None) -> T:
        """Run ``coro`` on the loop and wait for its result (re-raising its exception).

        Must not be called from the loop thread itself (that would deadlock): raises ``RuntimeError``.
        """
        if threading.current_thread() is self._thread:
            coro.close()
            raise RuntimeError("the sync dubbopy API was called from its own event-loop thread; use the async API")
        future = self.submit(coro, context)
        try:
            return future.result()
        except KeyboardInterrupt:
            future.cancel()
            raise


def loop_thread() -> LoopThread:
    """The process-wide loop thread, started on first use."""
    global _instance
    if _instance is None:
        with _lock:
            if _instance is None:
                _instance = LoopThread()
    return _instance
