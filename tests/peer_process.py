"""Drive a long-lived peer process that prints ``READY`` and answers JSON lines on stdin/stdout.

The Go and Java interop harnesses (``tests/go_harness.py``, ``tests/java_harness.py``) both start such
processes: :class:`PeerProcess` starts one, waits (bounded) for its ready line, keeps the end of its log
for error messages, writes lines to its stdin and stops it; :class:`JsonLinesProcess` adds requests
matched to their answers by ``"id"`` (requests may overlap). Each harness subclasses them with its own
error type, names and timeouts.

Nothing here is a pytest plugin, and nothing knows which peer it drives.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import itertools
import json
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar, Self


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


class PeerProcess:
    """One peer process. ``start()`` waits (bounded) until it prints a line starting with ``ready``
    (``None``: do not wait); ``stop()`` sends SIGTERM and waits, killing it only if it lingers. Also a
    context manager.

    stdout after the ready line goes to :meth:`on_line`; stderr (the peer's logs) is kept, and the last lines
    of it go into the errors :meth:`error` makes. Subclasses set the class attributes below.
    """

    #: what :meth:`error` raises
    error_type: ClassVar[type[Exception]] = RuntimeError
    #: what errors call the peer's output, "its <log_name> ends with: ..."
    log_name: ClassVar[str] = "log"
    #: how undecodable bytes in the peer's output are read (``errors=`` of :func:`open`)
    decode_errors: ClassVar[str] = "replace"
    #: :meth:`start`'s default bound (seconds) and how often it looks whether the peer died meanwhile
    start_timeout: ClassVar[float] = 60.0
    poll_interval: ClassVar[float] = 0.1
    #: :meth:`stop`'s default wait (seconds) before SIGKILL
    stop_timeout: ClassVar[float] = 15.0

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        label: str | None = None,
        ready: str | None = "READY",
        cwd: Path | None = None,
    ) -> None:
        self.name = name
        self.argv = list(argv)
        self.label = name if label is None else label  # how errors name the process
        self.ready_prefix = ready
        self.ready_line: str | None = None
        self.cwd = cwd
        self._process: subprocess.Popen[str] | None = None
        self._stderr: collections.deque[str] = collections.deque(maxlen=80)
        self._ready = threading.Event()
        self._exited = threading.Event()
        self._threads: list[threading.Thread] = []
        self._write_lock = threading.Lock()

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    @property
    def pid(self) -> int | None:
        """The process id while it runs."""
        return self._process.pid if self._process is not None else None

    def start(self, timeout: float | None = None) -> Self:
        """Start the process and wait until it is ready; :meth:`error` (with its log) if not."""
        timeout = self.start_timeout if timeout is None else timeout
        self._process = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors=self.decode_errors,
            bufsize=1,
            cwd=self.cwd,
        )
        for target, what in ((self._pump_stdout, "stdout"), (self._pump_stderr, "stderr")):
            thread = threading.Thread(target=target, name=f"{self.name}-{what}", daemon=True)
            thread.start()
            self._threads.append(thread)
        if self.ready_prefix is None:
            return self
        deadline = time.monotonic() + timeout
        while not self._ready.wait(timeout=self.poll_interval):
            if self._exited.is_set() or self._process.poll() is not None:
                status = self._process.wait()
                self.stop()
                raise self.error(f"exited with status {status} before printing {self.ready_prefix}")
            if time.monotonic() > deadline:
                self.stop()
                raise self.error(f"did not print {self.ready_prefix} within {timeout:.0f} s")
        return self

    def error(self, what: str) -> Exception:
        """An :attr:`error_type` naming this process, with the end of its log."""
        tail = self.stderr_tail()
        return self.error_type(f"{self.label} {what}" + (f"; its {self.log_name} ends with:\n{tail}" if tail else ""))

    def stderr_tail(self, lines: int = 40) -> str:
        """The last ``lines`` lines the process wrote to stderr (and stdout before it was ready)."""
        return "\n".join(list(self._stderr)[-lines:])

    def _pump_stdout(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        for raw in self._process.stdout:
            line = raw.rstrip("\n")
            if not self._ready.is_set() and self.ready_prefix is not None:
                if line.startswith(self.ready_prefix):
                    self.ready_line = line
                    self._ready.set()
                else:
                    self._stderr.append(f"[stdout] {line}")
                continue
            self.on_line(line)
        self._exited.set()
        self.on_exit()

    def _pump_stderr(self) -> None:
        assert self._process is not None
        assert self._process.stderr is not None
        for line in self._process.stderr:
            self._stderr.append(line.rstrip("\n"))

    def on_line(self, line: str) -> None:
        """A stdout line after the ready line (subclasses read their protocol here)."""
        self._stderr.append(f"[stdout] {line}")

    def on_exit(self) -> None:
        """stdout ended: the process is gone (subclasses fail what was waiting)."""

    def send(self, line: str) -> None:
        """Write one line to the process's stdin."""
        process = self._process
        if process is None or process.stdin is None or process.poll() is not None:
            raise self.error("is not running")
        with self._write_lock:
            try:
                process.stdin.write(line + "\n")
                process.stdin.flush()
            except OSError as exc:
                raise self.error(f"stopped reading its stdin ({exc})") from exc

    def stop(self, timeout: float | None = None) -> int | None:
        """SIGTERM, wait up to ``timeout`` s (then SIGKILL); returns the exit status."""
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            status = process.wait(timeout=self.stop_timeout if timeout is None else timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            status = process.wait()
        for stream in (process.stdin, process.stdout, process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError):
                    stream.close()
        for thread in self._threads:
            thread.join(timeout=5)
        return status

    def __enter__(self) -> Self:
        return self if self._process is not None else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


class JsonLinesProcess(PeerProcess):
    """A peer answering one JSON object per stdout line to one JSON request per stdin line, matched by
    ``"id"``. Requests may overlap; a request left without an answer when the process exits fails."""

    #: :meth:`request`'s default bound (seconds)
    request_timeout: ClassVar[float] = 60.0

    def __init__(self, name: str, argv: Sequence[str], **kwargs: Any) -> None:
        super().__init__(name, argv, **kwargs)
        self._ids = itertools.count(1)
        self._pending: dict[int, concurrent.futures.Future[dict[str, Any]]] = {}
        self._pending_lock = threading.Lock()

    def submit(self, message: Mapping[str, Any]) -> concurrent.futures.Future[dict[str, Any]]:
        """Send a request; the future gets its answer (or the error of an exit before it)."""
        request_id = next(self._ids)
        future: concurrent.futures.Future[dict[str, Any]] = concurrent.futures.Future()
        with self._pending_lock:
            self._pending[request_id] = future
        try:
            self.send(json.dumps({**message, "id": request_id}, allow_nan=False))
        except Exception:
            self._forget(request_id)
            raise
        future.add_done_callback(lambda _: self._forget(request_id))
        return future

    def _forget(self, request_id: int) -> None:
        with self._pending_lock:
            self._pending.pop(request_id, None)

    def request(self, message: Mapping[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
        """Send a request and wait (bounded) for its answer."""
        timeout = self.request_timeout if timeout is None else timeout
        future = self.submit(message)
        try:
            return future.result(timeout=timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise self.error(f"gave no answer within {timeout:.0f} s to {message!r:.200}") from None

    async def arequest(self, message: Mapping[str, Any], *, wait: float | None = None) -> dict[str, Any]:
        """:meth:`request` for async tests: the event loop keeps running (a Python provider on it can answer)."""
        wait = self.request_timeout if wait is None else wait
        future = self.submit(message)
        try:
            async with asyncio.timeout(wait):
                return await asyncio.wrap_future(future)
        except TimeoutError:
            raise self.error(f"gave no answer within {wait:.0f} s to {message!r:.200}") from None

    def on_line(self, line: str) -> None:
        try:
            answer = json.loads(line)
            request_id = answer["id"]
        except (ValueError, KeyError, TypeError):
            super().on_line(line)
            return
        with self._pending_lock:
            future = self._pending.get(request_id)
        if future is not None and not future.done():
            future.set_result(answer)

    def on_exit(self) -> None:
        with self._pending_lock:
            waiting = list(self._pending.values())
        for future in waiting:
            if not future.done():
                future.set_exception(self.error("exited before answering"))
