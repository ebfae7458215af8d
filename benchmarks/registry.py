"""How long a consumer takes to route calls to a provider that just registered (or stop after it left).

For ZooKeeper and etcd, each started as the tests start them (``tests/registry_fixtures.py``: a fresh
server on free loopback ports), this runs a provider process (this script with ``--provider``: a
``dubbopy.Server`` serving ``who(String)`` on dubbo:// with its own registry connection) and, in this
process, a ``dubbopy.Client(registries=[…])`` whose reference is already subscribed. Then, cycle after
cycle:

* **register → first call**: the provider takes ``time.monotonic_ns()`` and issues ``register`` of the
  provider URL it publishes (``dubbopy.registry.publish.provider_url``, a fresh ``timestamp`` each time,
  as a restarted provider would); the consumer, which keeps calling (every ``--poll-ms``; a call with no
  provider fails at once with ``UNAVAILABLE``), takes the same clock when the first call succeeds. This
  includes the registry's notification, dubbopy's re-read and directory refresh, and the new
  connection's first call.
* **unregister → first refusal**: the provider unregisters; the time until the consumer's next call
  fails with "no provider" (the directory has dropped it; the server is still up, so until then calls
  succeed).

``CLOCK_MONOTONIC`` is one clock for every process of the machine, so the provider's and the consumer's
timestamps compare. The baseline, in the same run on the same server: the registry's own notification
latency, a second client's watch seeing a node (ZooKeeper, kazoo ``get_children`` watch) or key (etcd, a
raw ``Watch`` stream of dubbopy's gRPC etcd client) created and deleted by another client.

    python benchmarks/registry.py                    # full run (200 cycles each), updates the doc
    python benchmarks/registry.py --quick --no-write

The table goes to ``docs/benchmarks.md`` between ``<!-- registry:start -->`` and ``<!-- registry:end -->``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.metadata
import json
import math
import os
import shutil
import sys
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import report

SCRIPT = Path(__file__).resolve()
BENCH_DIR = SCRIPT.parent
ROOT = BENCH_DIR.parent
TESTS_DIR = ROOT / "tests"
for _path in (ROOT, TESTS_DIR):  # the checkout's dubbopy; the tests' registry servers
    if str(_path) not in sys.path:
        sys.path.insert(1, str(_path))

import dubbopy  # noqa: E402
from dubbopy import java  # noqa: E402
from dubbopy.errors import RpcError, StatusCode  # noqa: E402
from dubbopy.registry.publish import open_registry, provider_url  # noqa: E402
from dubbopy.url import URL  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
START_MARKER = "<!-- registry:start -->"
END_MARKER = "<!-- registry:end -->"
REGISTRIES = ("zookeeper", "etcd")
#: Longest wait for one cycle's event before the cycle counts as failed.
CYCLE_TIMEOUT_S = 30.0
#: Untimed cycles before the timed ones (connections, first imports, JIT-less warm caches).
WARMUP_CYCLES = 2


def echo_class(service: str) -> Any:
    """The interface both sides use: ``String who(String)``."""

    @dubbopy.service(service)
    class Echo:
        async def who(self, text: java.String) -> java.String:
            return f"provider:{text}"

    return Echo


# ---------------------------------------------------------------------------------------------------
# the provider process


async def provider_main(registry: str, service: str) -> int:
    """Serve ``service`` on dubbo://, then register / unregister on the commands read from stdin."""
    server = dubbopy.Server(application="bench-provider", protocols=["dubbo://127.0.0.1:0"], health=False)
    server.add(echo_class(service)())
    await server.start()
    opened = await open_registry(URL.parse(registry))
    params = {"interface": service, "application": "bench-provider", "side": "provider", "methods": "who"}
    exported = URL("dubbo", "127.0.0.1", server.ports[0], service, params)  # as Server exports it
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    print("READY", flush=True)
    published: URL | None = None
    try:
        while line := (await reader.readline()).decode().strip():
            if line == "register":
                published = provider_url(exported)  # a fresh timestamp, as a restarted provider has
                start = time.monotonic_ns()
                await opened.register(published)
            elif line == "unregister" and published is not None:
                start = time.monotonic_ns()
                await opened.unregister(published)
            else:
                break
            print(f"{line}ed {start} {time.monotonic_ns()}", flush=True)
    finally:
        await opened.close()
        await server.stop(grace=0.5)
    return 0


# ---------------------------------------------------------------------------------------------------
# results


@dataclass
class Series:
    """The latencies of one measured event, in ms."""

    registry: str
    what: str
    samples: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    #: calls that failed otherwise while the consumer waited (e.g. cut off by the directory closing an invoker)
    stray: list[str] = field(default_factory=list)

    def percentile(self, p: float) -> float | None:
        """Nearest-rank percentile."""
        if not self.samples:
            return None
        ordered = sorted(self.samples)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def _ms(ns: int) -> float:
    return ns / 1e6


# ---------------------------------------------------------------------------------------------------
# baselines: the registry's own notifications


def zookeeper_baseline(address: str, cycles: int) -> tuple[Series, Series]:
    """A kazoo ``get_children`` watch seeing an ephemeral node that another kazoo client creates / deletes."""
    from kazoo.client import KazooClient

    created, deleted = Series("zookeeper", "created"), Series("zookeeper", "deleted")
    watcher, writer = KazooClient(hosts=address, timeout=10.0), KazooClient(hosts=address, timeout=10.0)
    watcher.start(timeout=30)
    writer.start(timeout=30)
    path = f"/bench/{uuid.uuid4().hex}"
    try:
        writer.ensure_path(path)
        for cycle in range(WARMUP_CYCLES + cycles):
            for series, create in ((created, True), (deleted, False)):
                fired = threading.Event()
                seen: list[int] = []

                def on_event(_event: Any, seen: list[int] = seen, fired: threading.Event = fired) -> None:
                    seen.append(time.monotonic_ns())
                    fired.set()

                watcher.get_children(path, watch=on_event)
                start = time.monotonic_ns()
                if create:
                    writer.create(f"{path}/node", b"", ephemeral=True)
                else:
                    writer.delete(f"{path}/node")
                if not fired.wait(CYCLE_TIMEOUT_S):
                    series.failures.append(f"no watch event within {CYCLE_TIMEOUT_S:g} s")
                elif cycle >= WARMUP_CYCLES:
                    series.samples.append(_ms(seen[0] - start))
    finally:
        for client in (watcher, writer):
            client.stop()
            client.close()
    return created, deleted


async def etcd_baseline(address: str, cycles: int) -> tuple[Series, Series]:
    """A raw etcd ``Watch`` stream seeing a key that another client puts / deletes."""
    from dubbopy.registry.etcd._proto import rpc_pb2 as pb
    from dubbopy.registry.etcd.client import EtcdClient, prefix_end

    created, deleted = Series("etcd", "created"), Series("etcd", "deleted")
    watcher, writer = EtcdClient([address]), EtcdClient([address])
    prefix = f"/bench/{uuid.uuid4().hex}/".encode()
    stream = watcher.watch_stream()
    try:
        await stream.write(
            pb.WatchRequest(create_request=pb.WatchCreateRequest(key=prefix, range_end=prefix_end(prefix)))
        )
        answer = await asyncio.wait_for(stream.read(), CYCLE_TIMEOUT_S)  # the "created" confirmation
        if not answer.created:
            raise RuntimeError(f"etcd did not confirm the watch: {answer}")
        for cycle in range(WARMUP_CYCLES + cycles):
            for series, put in ((created, True), (deleted, False)):
                start = time.monotonic_ns()
                change = writer.put(prefix + b"node", b"") if put else writer.delete(prefix + b"node")
                change_task = asyncio.ensure_future(change)
                try:
                    while True:
                        answer = await asyncio.wait_for(stream.read(), CYCLE_TIMEOUT_S)
                        if answer.events:
                            break
                    seen = time.monotonic_ns()
                except TimeoutError:
                    series.failures.append(f"no watch event within {CYCLE_TIMEOUT_S:g} s")
                    seen = 0
                await change_task
                if seen and cycle >= WARMUP_CYCLES:
                    series.samples.append(_ms(seen - start))
    finally:
        stream.cancel()
        await watcher.close()
        await writer.close()
    return created, deleted


# ---------------------------------------------------------------------------------------------------
# dubbopy: provider process + consumer here


class Provider:
    """The ``--provider`` process, driven line by line."""

    def __init__(self, proc: asyncio.subprocess.Process) -> None:
        self.proc = proc

    @classmethod
    async def start(cls, registry: str, service: str) -> Provider:
        """Start it and wait for READY."""
        proc = await asyncio.create_subprocess_exec(
            sys.executable,
            str(SCRIPT),
            "--provider",
            registry,
            "--service",
            service,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        provider = cls(proc)
        line = await provider._line(60.0)
        if line != "READY":
            await provider.stop()
            raise RuntimeError(f"the provider process said {line!r} instead of READY")
        return provider

    async def _line(self, timeout: float) -> str:  # noqa: ASYNC109 - a bounded read by design
        assert self.proc.stdout is not None
        raw = await asyncio.wait_for(self.proc.stdout.readline(), timeout)
        if not raw:
            raise RuntimeError(f"the provider process exited ({await self.proc.wait()})")
        return raw.decode().strip()

    async def command(self, what: str) -> int:
        """Send ``register`` or ``unregister``; the monotonic ns at which the provider issued it."""
        assert self.proc.stdin is not None
        self.proc.stdin.write(f"{what}\n".encode())
        await self.proc.stdin.drain()
        answer = await self._line(CYCLE_TIMEOUT_S)
        word, start, _end = answer.split()
        if word != f"{what}ed":
            raise RuntimeError(f"the provider answered {answer!r} to {what}")
        return int(start)

    async def stop(self) -> None:
        """Close its stdin (it stops) and wait; kill it after 15 s."""
        if self.proc.stdin is not None:
            with contextlib.suppress(OSError):
                self.proc.stdin.close()
        try:
            await asyncio.wait_for(self.proc.wait(), 15.0)
        except TimeoutError:
            self.proc.kill()
            await self.proc.wait()


async def _call_until(
    call: Callable[[], Awaitable[str]], want_success: bool, poll_s: float, stray: list[str] | None = None
) -> int:
    """Call until a call succeeds (``want_success``) or fails with "no provider"; monotonic ns then.

    Calls that fail otherwise are noted in ``stray`` and the calling goes on."""
    deadline = time.monotonic() + CYCLE_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            await call()
        except RpcError as exc:
            if exc.status is not StatusCode.UNAVAILABLE or "no provider" not in str(exc):
                if stray is not None:
                    stray.append(str(exc)[:300])
            elif not want_success:
                return time.monotonic_ns()
        else:
            if want_success:
                return time.monotonic_ns()
        await asyncio.sleep(poll_s)
    raise TimeoutError(f"no {'successful' if want_success else 'refused'} call within {CYCLE_TIMEOUT_S:g} s")


async def dubbopy_cycles(kind: str, registry: str, cycles: int, poll_s: float) -> tuple[Series, Series]:
    """register → first successful call, and unregister → first refused call, ``cycles`` times."""
    appeared, left = Series(kind, "appeared"), Series(kind, "left")
    service = f"org.dubbopy.bench.Registry{uuid.uuid4().hex[:8]}"
    provider = await Provider.start(registry, service)
    try:
        async with dubbopy.Client(application="bench-consumer", registries=[registry]) as client:
            echo = client.reference(echo_class(service), timeout=5.0)
            await _call_until(lambda: echo.who("x"), False, poll_s)  # subscribed, no provider yet
            for cycle in range(WARMUP_CYCLES + cycles):
                for series, what, want in ((appeared, "register", True), (left, "unregister", False)):
                    stray = series.stray if cycle >= WARMUP_CYCLES else []
                    waiting = asyncio.ensure_future(_call_until(lambda: echo.who("x"), want, poll_s, stray))
                    try:
                        start = await provider.command(what)
                        seen = await waiting
                    except Exception as exc:
                        waiting.cancel()
                        series.failures.append(f"{type(exc).__name__}: {exc}"[:200])
                        if what == "register":
                            with contextlib.suppress(Exception):
                                await provider.command("unregister")
                                await _call_until(lambda: echo.who("x"), False, poll_s)
                        break
                    if cycle >= WARMUP_CYCLES:
                        series.samples.append(_ms(seen - start))
    finally:
        await provider.stop()
    return appeared, left


# ---------------------------------------------------------------------------------------------------
# the servers


@contextlib.contextmanager
def registry_server(kind: str) -> Iterator[tuple[str, str]]:
    """A fresh server as the tests start it: ``(address, dubbopy registry URL)``. Raises ``LookupError``
    naming the install script when the server is not installed."""
    import registry_fixtures as rf

    if kind == "zookeeper":
        java = shutil.which("java")
        if java is None or not rf.ZOOKEEPER_JAR.is_file():
            raise LookupError(f"java or {rf.ZOOKEEPER_JAR} missing: run {rf.INSTALL_ZOOKEEPER}")
        with rf.running_zookeeper(java) as zk:
            yield zk.address, f"{zk.url}?timeout=10000"
    else:
        binary = os.environ.get("ETCD_BIN") or shutil.which("etcd") or "/usr/bin/etcd"
        if not os.access(binary, os.X_OK):
            raise LookupError(f"etcd missing: run {rf.INSTALL_ETCD}")
        with rf.running_etcd(binary) as server:
            yield server.address, server.url


@dataclass
class Outcome:
    """Everything measured on one registry."""

    registry: str
    series: list[Series] = field(default_factory=list)
    failure: str | None = None


async def measure_registry(kind: str, cycles: int, poll_s: float) -> Outcome:
    """The baseline then dubbopy, on one fresh server."""
    outcome = Outcome(kind)
    try:
        with registry_server(kind) as (address, url):
            print(f"  {kind} at {address}: baseline", file=sys.stderr)
            if kind == "zookeeper":
                baseline = await asyncio.to_thread(zookeeper_baseline, address, cycles)
            else:
                baseline = await etcd_baseline(address, cycles)
            print(f"  {kind}: dubbopy", file=sys.stderr)
            ours = await dubbopy_cycles(kind, url, cycles, poll_s)
            outcome.series = [baseline[0], ours[0], baseline[1], ours[1]]
    except Exception as exc:
        outcome.failure = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:300]
    return outcome


# ---------------------------------------------------------------------------------------------------
# the report

LABELS = {
    ("zookeeper", "created"): "raw kazoo watch: node created → watch fires",
    ("zookeeper", "deleted"): "raw kazoo watch: node deleted → watch fires",
    ("etcd", "created"): "raw etcd Watch stream: key put → event read",
    ("etcd", "deleted"): "raw etcd Watch stream: key deleted → event read",
    ("zookeeper", "appeared"): "**dubbopy: register → first call routed to it succeeds**",
    ("etcd", "appeared"): "**dubbopy: register → first call routed to it succeeds**",
    ("zookeeper", "left"): "dubbopy: unregister → first call refused (no provider)",
    ("etcd", "left"): "dubbopy: unregister → first call refused (no provider)",
}


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def _cell(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def render(outcomes: list[Outcome], meta: dict[str, Any], args: argparse.Namespace) -> str:
    """The Markdown between the markers."""
    out = report.run_header(meta, quick=args.quick)
    out += [
        f"Python: {meta['python']}; kazoo {_version('kazoo')}, grpcio {_version('grpcio')}  ",
        f"Cycles: {args.cycles} per registry after {WARMUP_CYCLES} untimed; the consumer calls every "
        f"{args.poll_ms:g} ms while it waits. Milliseconds, nearest-rank percentiles.",
        "",
        "| registry | measured | cycles | p50 ms | p99 ms | max ms | failed cycles | other failed calls |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for outcome in outcomes:
        if outcome.failure:
            out.append(f"| {outcome.registry} | not measured: {outcome.failure} | | | | | | |")
            continue
        for s in outcome.series:
            out.append(
                f"| {s.registry} | {LABELS[s.registry, s.what]} | {len(s.samples)} | {_cell(s.percentile(50))} "
                f"| {_cell(s.percentile(99))} | {_cell(max(s.samples, default=None))} | {len(s.failures)} "
                f"| {len(s.stray) if s.what in ('appeared', 'left') else 'n/a'} |"
            )
    problems = [f"- {s.registry}, {s.what}: {f}" for o in outcomes for s in o.series for f in s.failures[:3]]
    if problems:
        out += ["", "Failed cycles (the first three of each):", "", *problems]
    strays = [f"- {s.registry}, {s.what}: {f}" for o in outcomes for s in o.series for f in s.stray[:3]]
    if strays:
        out += ["", "Other failed calls (the first three of each):", "", *strays]
    return "\n".join(out)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command line."""
    parser = argparse.ArgumentParser(description="Registration-to-first-call latency on ZooKeeper and etcd.")
    parser.add_argument("--quick", action="store_true", help="a few cycles (numbers mean nothing)")
    parser.add_argument("--cycles", type=int, help="timed cycles per registry (default 200; quick 5)")
    parser.add_argument("--poll-ms", type=float, default=1.0, help="pause between the consumer's calls (1)")
    parser.add_argument("--registries", default=",".join(REGISTRIES), help="comma list of zookeeper,etcd")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--doc", type=Path, default=DOC, help="Markdown file to update")
    parser.add_argument("--json", type=Path, help="write every sample here")
    parser.add_argument("--provider", metavar="REGISTRY_URL", help=argparse.SUPPRESS)
    parser.add_argument("--service", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    args.cycles = args.cycles or (5 if args.quick else 200)
    args.kinds = args.registries.split(",")
    unknown = set(args.kinds) - set(REGISTRIES)
    if unknown:
        parser.error(f"unknown registries: {', '.join(sorted(unknown))}")
    return args


async def measure(kinds: list[str], cycles: int, poll_s: float) -> list[Outcome]:
    """Every registry, one after the other."""
    return [await measure_registry(kind, cycles, poll_s) for kind in kinds]


def main(argv: list[str] | None = None) -> int:
    """Measure, print the Markdown, update the doc and the JSON file."""
    args = parse_args(argv)
    if args.provider:
        return asyncio.run(provider_main(args.provider, args.service))
    command = report.command_line(sys.argv[1:] if argv is None else argv, script="benchmarks/registry.py")
    meta = report.machine_facts(command)
    print(f"{command}\n{args.cycles} cycles per registry", file=sys.stderr)
    outcomes = asyncio.run(measure(args.kinds, args.cycles, args.poll_ms / 1000))
    markdown = render(outcomes, meta, args)
    print(markdown)
    if args.json:
        payload = {
            "meta": meta,
            "outcomes": [{**o.__dict__, "series": [s.__dict__ for s in o.series]} for o in outcomes],
        }
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    if not args.no_write:
        report.write_section(args.doc, markdown, start=START_MARKER, end=END_MARKER)
        with contextlib.suppress(ValueError):
            print(f"updated {args.doc.resolve().relative_to(ROOT)}", file=sys.stderr)
    failed = any(o.failure or any(s.failures for s in o.series) for o in outcomes)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
