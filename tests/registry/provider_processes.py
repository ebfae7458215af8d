"""Start, watch and kill provider processes (``provider_process.py``) from a test.

:class:`ProviderLauncher` starts each provider with ``subprocess.Popen`` from the calling (main) thread,
reads its stdout on a small thread until the ``READY`` line, and keeps its stderr in a log file that
error messages quote. Closing the launcher kills every process it started, whatever the test did, and
each provider also dies with the test process (``PR_SET_PDEATHSIG``), so no provider outlives its test.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import TracebackType

PROVIDER_SCRIPT = Path(__file__).resolve().with_name("provider_process.py")
#: Upper bound for a provider to print READY (measured 0.3-0.4 s alone; a loaded 2-core machine is slower).
READY_TIMEOUT = 30.0


class ProviderProcess:
    """One running ``provider_process.py``; :attr:`port`, :attr:`session` / :attr:`lease` after READY."""

    def __init__(self, name: str, proc: subprocess.Popen[str], log: Path) -> None:
        self.name = name
        self.proc = proc
        self.log = log
        self.port = 0
        #: ZooKeeper ``(session id, password)`` as ``registry_fixtures.expire_session`` takes it
        self.session: tuple[int, bytes] | None = None
        #: etcd lease id
        self.lease: int | None = None
        self._ready = threading.Event()
        self._lines: list[str] = []
        self._reader = threading.Thread(target=self._read, name=f"stdout of {name}", daemon=True)
        self._reader.start()

    @property
    def address(self) -> str:
        """``127.0.0.1:<port>``, as the provider URL it registered says."""
        return f"127.0.0.1:{self.port}"

    @property
    def alive(self) -> bool:
        """Whether the process has not exited."""
        return self.proc.poll() is None

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.append(line.rstrip("\n"))
            words = line.split()
            if words[:1] == ["READY"] and not self._ready.is_set():
                self.port = int(words[1])
                if words[2] == "zookeeper":
                    self.session = (int(words[3], 16), bytes.fromhex(words[4]))
                else:
                    self.lease = int(words[3], 16)
                self._ready.set()

    def diagnostics(self) -> str:
        """The exit code, stdout lines and the tail of stderr, for failure messages."""
        stderr = self.log.read_text(errors="replace")[-3000:] if self.log.exists() else ""
        return f"provider {self.name} (exit {self.proc.poll()}): stdout {self._lines!r}; stderr:\n{stderr}"

    async def wait_ready(self, timeout: float = READY_TIMEOUT) -> None:  # noqa: ASYNC109 - a bounded startup wait
        """Wait for the READY line (the provider is registered); raise with its output if it never comes."""
        deadline = time.monotonic() + timeout
        while not self._ready.is_set():
            if not self.alive:
                await asyncio.to_thread(self._reader.join, 2.0)  # the last lines may still be on their way
                if self._ready.is_set():
                    break
                raise RuntimeError(f"exited before READY: {self.diagnostics()}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"no READY within {timeout:g} s: {self.diagnostics()}")
            await asyncio.sleep(0.02)

    def kill(self) -> None:
        """SIGKILL: no unregistration, no goodbye; the registry learns only when the session/lease ends."""
        if self.alive:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def pause(self) -> None:
        """SIGSTOP: the process keeps its sockets but stops answering and stops its session/lease."""
        self.proc.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        """SIGCONT after :meth:`pause`."""
        self.proc.send_signal(signal.SIGCONT)

    def terminate(self, timeout: float = 10.0) -> int:
        """SIGTERM and wait: the provider unregisters, closes its port and exits 0."""
        if self.alive:
            self.proc.send_signal(signal.SIGCONT)  # a paused process cannot handle SIGTERM
            self.proc.terminate()
        return self.proc.wait(timeout=timeout)


class ProviderLauncher:
    """Starts providers for one test and kills all of them on :meth:`close` (a context manager)."""

    def __init__(self, log_dir: Path, interface: str) -> None:
        self.log_dir = log_dir
        self.interface = interface
        self.processes: list[ProviderProcess] = []

    def spawn(self, name: str, registry: str, *, protocol: str = "dubbo", session: float = 2.0) -> ProviderProcess:
        """Start a provider (not waiting for READY); ``session`` is its ZooKeeper session / etcd lease, s."""
        log = self.log_dir / f"provider-{name}.log"
        with log.open("w") as err:
            proc = subprocess.Popen(  # from this thread: PR_SET_PDEATHSIG follows the thread that forks
                [
                    sys.executable,
                    str(PROVIDER_SCRIPT),
                    "--registry",
                    registry,
                    "--name",
                    name,
                    "--interface",
                    self.interface,
                    "--protocol",
                    protocol,
                    "--session",
                    str(session),
                ],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=err,
                text=True,
            )
        provider = ProviderProcess(name, proc, log)
        self.processes.append(provider)
        return provider

    async def start(
        self, names: list[str], registry: str, *, protocol: str = "dubbo", session: float = 2.0
    ) -> list[ProviderProcess]:
        """Start providers side by side and wait until every one is registered."""
        providers = [self.spawn(name, registry, protocol=protocol, session=session) for name in names]
        await asyncio.gather(*(p.wait_ready() for p in providers))
        return providers

    def close(self) -> None:
        """SIGKILL every provider still running and reap it."""
        for provider in self.processes:
            with contextlib.suppress(ProcessLookupError, subprocess.TimeoutExpired):
                provider.proc.send_signal(signal.SIGKILL)
                provider.proc.wait(timeout=10)
        for provider in self.processes:
            provider._reader.join(5.0)  # EOF once the process is gone
            if provider.proc.stdout is not None and not provider._reader.is_alive():
                provider.proc.stdout.close()

    def __enter__(self) -> ProviderLauncher:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
