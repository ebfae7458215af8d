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

import itertools
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypedDict, Unpack

from peer_process import JsonLinesProcess, PeerProcess, free_port
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


# -------------------------------------------------------------------------------------------- processes


class GoProcess(PeerProcess):
    """One harness process (``peer_process``): the harness binary run in ``tests/interop/go``, failing with
    :class:`GoHarnessError`."""

    error_type = GoHarnessError
    start_timeout = START_TIMEOUT

    def __init__(self, name: str, args: list[str]) -> None:
        super().__init__(name, [str(binary()), *args], cwd=GO_DIR)


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


class CallOptions(TypedDict, total=False):
    """The keyword arguments of :meth:`GoConsumer.call` (see :func:`call_request` for their defaults)."""

    interface: str
    method: str
    protocol: str
    version: str
    group: str
    wait: float
    plain: bool


def call_request(
    registry: str,
    args: list[str],
    *,
    interface: str = GREETINGS_SERVICE,
    method: str = "sayHi",
    protocol: str = "dubbo",
    version: str = "",
    group: str = "",
    wait: float = 30.0,
    plain: bool = False,
) -> dict[str, Any]:
    """The driver request for one call (see ``tests/interop/go/main.go``). ``plain``: a tri reference made
    as a dubbo-go application makes it, without the driver's own ``IDL-mode=non-IDL``."""
    return {
        "registry": registry,
        "interface": interface,
        "method": method,
        "args": args,
        "protocol": protocol,
        "version": version,
        "group": group,
        "wait": wait,
        "plain": plain,
    }


class GoConsumer(GoProcess, JsonLinesProcess):
    """The Go consumer call driver: :meth:`call` / :meth:`acall` discover through a registry and call."""

    def __init__(self) -> None:
        super().__init__("go-consumer", ["consumer"])

    def call(self, registry: str, args: list[str], **options: Unpack[CallOptions]) -> GoCallResult:
        """Discover ``interface`` in ``registry`` and call ``method(*args)`` (String arguments), retrying
        for up to ``wait`` seconds while no provider is found or the call fails."""
        request = call_request(registry, args, **options)
        return _result(self.request(request, timeout=request["wait"] + CALL_TIMEOUT))

    async def acall(self, registry: str, args: list[str], **options: Unpack[CallOptions]) -> GoCallResult:
        """:meth:`call` for async tests: the event loop keeps running (a Python provider on it can answer)."""
        request = call_request(registry, args, **options)
        return _result(await self.arequest(request, wait=request["wait"] + CALL_TIMEOUT))


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
