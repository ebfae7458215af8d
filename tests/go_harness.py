"""Start and drive the dubbo-go v3.3.2 interop peer (``tests/interop/go``) from Python tests.

One Go binary, ``dubbopy-interop-go``, built by ``scripts/install-go-harness.sh`` into
``$DUBBOPY_CACHE/bin`` (README in ``tests/interop/go``), runs in two modes:

* a **provider** (:func:`start_provider`): exports ``org.apache.dubbo.samples.api.GreetingsService``
  (``sayHi(String)`` answering ``"[go] hi, <name>"``) on 127.0.0.1 over dubbo:// (hessian2) or tri://
  (hessian2 wrapper), registers it interface-level in the ZooKeeper or etcd it is given, and prints
  ``READY`` once the registration is done;
* a **consumer call driver** (:func:`start_consumer`): one process serves a whole test session; each
  :meth:`GoConsumer.call` makes one real dubbo-go call that discovers its provider through a registry
  (no URL), retried until it succeeds or ``wait`` seconds pass, and reports the reply or the error.

The driver speaks JSON lines on stdin/stdout, matched by ``"id"`` (see ``tests/interop/go/main.go``).
dubbo-go's own logs go to stderr; the last lines of it go into :class:`GoHarnessError` messages.

Nothing here is a pytest plugin: the fixtures live in ``tests/interop/go_fixtures.py``.
"""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import contextlib
import itertools
import json
import shutil
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from testenv import CACHE, ROOT

GO_DIR = ROOT / "tests" / "interop" / "go"
INSTALL = "scripts/install-go-harness.sh"
BINARY_NAME = "dubbopy-interop-go"
DUBBO_GO_VERSION = "v3.3.2"
GREETINGS_SERVICE = "org.apache.dubbo.samples.api.GreetingsService"
#: what a Go provider puts before every reply, so a test can tell who answered
GO_PREFIX = "[go] "
START_TIMEOUT = 60.0  # seconds; a provider is ready in 0.1-0.5 s on an idle machine
CALL_TIMEOUT = 90.0  # upper bound for one driver answer, on top of the call's own ``wait``


class GoHarnessError(RuntimeError):
    """A Go harness process did not start, died, or did not answer in time."""


# ------------------------------------------------------------------------------------------- build state


def binary() -> Path:
    """Where ``scripts/install-go-harness.sh`` puts the harness binary."""
    return CACHE / "bin" / BINARY_NAME


def sources() -> list[Path]:
    """The files the binary is built from: every ``.go`` file plus ``go.mod`` and ``go.sum``."""
    return [*sorted(GO_DIR.glob("*.go")), GO_DIR / "go.mod", GO_DIR / "go.sum"]


def missing() -> str | None:
    """Why the harness cannot run here (not built, or older than a source), or None."""
    built = binary()
    if not built.is_file():
        hint = "" if shutil.which("go") or Path("/usr/local/go/bin/go").is_file() else "; go is not installed either"
        return f"{built} is not built{hint}"
    newest = max(sources(), key=lambda p: p.stat().st_mtime)
    if newest.stat().st_mtime > built.stat().st_mtime:
        return f"{built} is older than {newest.relative_to(ROOT)}"
    return None


def free_port() -> int:
    """A loopback TCP port that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# -------------------------------------------------------------------------------------------- processes


class GoProcess:
    """One harness process. ``start()`` waits (bounded) for its ``READY`` line; ``stop()`` sends SIGTERM
    and waits, killing it only if it lingers. Also a context manager."""

    def __init__(self, name: str, args: list[str]) -> None:
        self.name = name
        self.argv = [str(binary()), *args]
        self.ready_line: str | None = None
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

    def start(self, timeout: float = START_TIMEOUT) -> Self:
        """Start the process and wait until it prints READY; :class:`GoHarnessError` (with its log) if not."""
        self._process = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="replace",
            bufsize=1,
            cwd=GO_DIR,
        )
        for target, what in ((self._pump_stdout, "stdout"), (self._pump_stderr, "stderr")):
            thread = threading.Thread(target=target, name=f"{self.name}-{what}", daemon=True)
            thread.start()
            self._threads.append(thread)
        deadline = time.monotonic() + timeout
        while not self._ready.wait(timeout=0.1):
            if self._exited.is_set() or self._process.poll() is not None:
                status = self._process.wait()
                self.stop()
                raise self.error(f"exited with status {status} before printing READY")
            if time.monotonic() > deadline:
                self.stop()
                raise self.error(f"did not print READY within {timeout:.0f} s")
        return self

    def error(self, what: str) -> GoHarnessError:
        """A :class:`GoHarnessError` naming this process, with the end of its log."""
        tail = "\n".join(list(self._stderr)[-40:])
        return GoHarnessError(f"{self.name} {what}" + (f"; its log ends with:\n{tail}" if tail else ""))

    def _pump_stdout(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        for raw in self._process.stdout:
            line = raw.rstrip("\n")
            if not self._ready.is_set() and line.startswith("READY"):
                self.ready_line = line
                self._ready.set()
            elif self._ready.is_set():
                self.on_line(line)
            else:
                self._stderr.append(f"[stdout] {line}")
        self._exited.set()
        self.on_exit()

    def _pump_stderr(self) -> None:
        assert self._process is not None
        assert self._process.stderr is not None
        for line in self._process.stderr:
            self._stderr.append(line.rstrip("\n"))

    def on_line(self, line: str) -> None:
        """A stdout line after READY (the consumer reads its answers here)."""
        self._stderr.append(f"[stdout] {line}")

    def on_exit(self) -> None:
        """stdout ended: the process is gone."""

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

    def stop(self, timeout: float = 15.0) -> int | None:
        """SIGTERM, wait up to ``timeout`` s (then SIGKILL); returns the exit status."""
        process, self._process = self._process, None
        if process is None:
            return None
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
        try:
            status = process.wait(timeout=timeout)
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


# ------------------------------------------------------------------------------------------------ provider


class GoProvider(GoProcess):
    """A dubbo-go provider of GreetingsService on ``127.0.0.1:port``, registered in ``registry``."""

    def __init__(self, registry: str, *, protocol: str, port: int, interface: str, version: str, group: str) -> None:
        args = ["provider", f"-registry={registry}", f"-protocol={protocol}", f"-port={port}"]
        args += [f"-interface={interface}", f"-version={version}", f"-group={group}", f"-prefix={GO_PREFIX}"]
        super().__init__(f"go-provider[{protocol}:{port}]", args)
        self.registry = registry
        self.protocol = protocol
        self.port = port
        self.interface = interface
        self.version = version
        self.group = group

    @property
    def url(self) -> str:
        """Where it serves: ``<protocol>://127.0.0.1:<port>``."""
        return f"{self.protocol}://127.0.0.1:{self.port}"


def start_provider(
    registry: str,
    *,
    protocol: str = "dubbo",
    interface: str = GREETINGS_SERVICE,
    version: str = "",
    group: str = "",
    timeout: float = START_TIMEOUT,
) -> GoProvider:
    """Start a Go provider registered in ``registry`` (``zookeeper://host:port`` or ``etcdv3://host:port``,
    ``?group=`` for a ZooKeeper root of its own) on a free port and wait until it is registered."""
    if protocol not in ("dubbo", "tri"):
        raise ValueError(f"protocol must be dubbo or tri, not {protocol!r}")
    for attempt in itertools.count(1):
        provider = GoProvider(
            registry, protocol=protocol, port=free_port(), interface=interface, version=version, group=group
        )
        try:
            return provider.start(timeout)
        except GoHarnessError as exc:
            # the free port may have been taken before Go bound it: try a fresh one, twice
            if attempt == 3 or "address already in use" not in str(exc):
                raise
    raise AssertionError("unreachable")


# ------------------------------------------------------------------------------------- consumer driver


@dataclass(frozen=True)
class GoCallResult:
    """What one Go consumer call gave: ``value`` or ``error`` (dubbo-go's message), and how many attempts
    the driver made before it succeeded or gave up."""

    ok: bool
    value: str | None
    error: str | None
    attempts: int


class GoConsumer(GoProcess):
    """The Go consumer call driver: :meth:`call` / :meth:`acall` discover through a registry and call."""

    def __init__(self) -> None:
        super().__init__("go-consumer", ["consumer"])
        self._ids = itertools.count(1)
        self._pending: dict[int, concurrent.futures.Future[dict[str, Any]]] = {}
        self._pending_lock = threading.Lock()

    def submit(self, message: Mapping[str, Any]) -> concurrent.futures.Future[dict[str, Any]]:
        """Send a request; the future gets its answer (or a :class:`GoHarnessError`)."""
        request_id = next(self._ids)
        future: concurrent.futures.Future[dict[str, Any]] = concurrent.futures.Future()
        with self._pending_lock:
            self._pending[request_id] = future
        try:
            self.send(json.dumps({**message, "id": request_id}))
        except Exception:
            with self._pending_lock:
                self._pending.pop(request_id, None)
            raise
        return future

    @staticmethod
    def _request(
        registry: str,
        args: list[str],
        *,
        interface: str,
        method: str,
        protocol: str,
        version: str,
        group: str,
        wait: float,
    ) -> dict[str, Any]:
        return {
            "registry": registry,
            "interface": interface,
            "method": method,
            "args": args,
            "protocol": protocol,
            "version": version,
            "group": group,
            "wait": wait,
        }

    def call(
        self,
        registry: str,
        args: list[str],
        *,
        interface: str = GREETINGS_SERVICE,
        method: str = "sayHi",
        protocol: str = "dubbo",
        version: str = "",
        group: str = "",
        wait: float = 30.0,
    ) -> GoCallResult:
        """Discover ``interface`` in ``registry`` and call ``method(*args)`` (String arguments), retrying
        for up to ``wait`` seconds while no provider is found or the call fails."""
        request = self._request(
            registry,
            args,
            interface=interface,
            method=method,
            protocol=protocol,
            version=version,
            group=group,
            wait=wait,
        )
        future = self.submit(request)
        try:
            return _result(future.result(timeout=wait + CALL_TIMEOUT))
        except concurrent.futures.TimeoutError:
            raise self.error(f"gave no answer within {wait + CALL_TIMEOUT:.0f} s to {request!r:.200}") from None

    async def acall(
        self,
        registry: str,
        args: list[str],
        *,
        interface: str = GREETINGS_SERVICE,
        method: str = "sayHi",
        protocol: str = "dubbo",
        version: str = "",
        group: str = "",
        wait: float = 30.0,
    ) -> GoCallResult:
        """:meth:`call` for async tests: the event loop keeps running (a Python provider on it can answer)."""
        request = self._request(
            registry,
            args,
            interface=interface,
            method=method,
            protocol=protocol,
            version=version,
            group=group,
            wait=wait,
        )
        future = self.submit(request)
        try:
            async with asyncio.timeout(wait + CALL_TIMEOUT):
                answer: dict[str, Any] = await asyncio.wrap_future(future)
                return _result(answer)
        except TimeoutError:
            raise self.error(f"gave no answer within {wait + CALL_TIMEOUT:.0f} s to {request!r:.200}") from None

    def on_line(self, line: str) -> None:
        try:
            answer = json.loads(line)
            request_id = answer["id"]
        except (ValueError, KeyError, TypeError):
            super().on_line(line)
            return
        with self._pending_lock:
            future = self._pending.pop(request_id, None)
        if future is not None and not future.done():
            future.set_result(answer)

    def on_exit(self) -> None:
        with self._pending_lock:
            waiting, self._pending = list(self._pending.values()), {}
        for future in waiting:
            if not future.done():
                future.set_exception(self.error("exited before answering"))


def _result(answer: Mapping[str, Any]) -> GoCallResult:
    return GoCallResult(
        ok=bool(answer.get("ok")),
        value=answer.get("value"),
        error=answer.get("error"),
        attempts=int(answer.get("attempts", 0)),
    )


def start_consumer(*, timeout: float = START_TIMEOUT) -> GoConsumer:
    """Start the Go consumer call driver and wait until it is ready."""
    return GoConsumer().start(timeout)
