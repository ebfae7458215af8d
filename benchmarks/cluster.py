"""Consumer-side cost per call of the registry reference stack: directory + failover + load balancer.

A reference found through registries (``Client.reference`` without ``url=``) is a
:class:`~dubbopy.registry.reference.RegistryReference` over a
:class:`~dubbopy.registry.directory.RegistryDirectory` joined by the ``failover`` strategy, which asks the
balancer named by ``loadbalance`` for an invoker on every call. This builds exactly that stack, fed by an
in-memory registry that notifies N provider URLs (1, 10 and 100) written as ``dubbopy.Server`` publishes
them, and refers each to a leaf invoker that returns a ready :class:`~dubbopy.rpc.result.Result` without
any I/O, so only our layers are timed. For each balancer (random, roundrobin, leastactive,
shortestresponse, consistenthash, p2c) it times, in a tight asyncio loop, ``await reference.invoke(inv)``
beside ``await leaf.invoke(inv)`` (the direct call) and reports µs per call, the difference (the
overhead), and the ratio. Each repeat times the direct call and the stack back to back; the medians over
``--repeat`` repeats are reported. Issue 4's goal: under 15 µs of overhead with 100 providers.

    python benchmarks/cluster.py                    # full run (about a minute), updates the doc
    python benchmarks/cluster.py --quick --no-write

The table goes to ``docs/benchmarks.md`` between ``<!-- cluster:start -->`` and ``<!-- cluster:end -->``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import statistics
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import report

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(ROOT) not in sys.path:  # the checkout's dubbopy, also where it is not installed
    sys.path.insert(1, str(ROOT))

from dubbopy.registry.base import NotifyListener, Registry, RegistryAddress, parse_registry_address  # noqa: E402
from dubbopy.registry.publish import provider_url  # noqa: E402
from dubbopy.registry.reference import RegistryReference  # noqa: E402
from dubbopy.rpc.invocation import Invocation  # noqa: E402
from dubbopy.rpc.invoker import Invoker  # noqa: E402
from dubbopy.rpc.result import Result  # noqa: E402
from dubbopy.url import URL  # noqa: E402

DOC = ROOT / "docs" / "benchmarks.md"
START_MARKER = "<!-- cluster:start -->"
END_MARKER = "<!-- cluster:end -->"

SERVICE = "org.dubbopy.bench.EchoService"
BALANCERS = ("random", "roundrobin", "leastactive", "shortestresponse", "consistenthash", "p2c")
PROVIDER_COUNTS = (1, 10, 100)
GOAL_PROVIDERS = 100
GOAL_US = 15.0
#: Calls whose chosen providers are counted (the "providers hit" column).
SPREAD_CALLS = 1000
#: Provider timestamps are this old, past the ten-minute warm-up: the steady state, full weights.
PROVIDER_AGE_MS = 3_600_000


# ---------------------------------------------------------------------------------------------------
# the parts under the stack


class ReadyInvoker(Invoker):
    """A leaf invoker standing for a connected provider: returns the same ready result at once."""

    __slots__ = ("_result", "_url", "calls")

    def __init__(self, url: URL) -> None:
        self._url = url
        self._result = Result("hello")
        self.calls = 0

    @property
    def url(self) -> URL:
        return self._url

    async def invoke(self, invocation: Invocation) -> Result:
        self.calls += 1
        return self._result

    def is_available(self) -> bool:
        return True

    async def close(self) -> None:
        return None


class ListedRegistry(Registry):
    """An in-memory registry that notifies a fixed provider list to every subscriber."""

    def __init__(self, providers: Sequence[URL]) -> None:
        self._address = parse_registry_address("memory://127.0.0.1:1")
        self._providers = list(providers)
        self.registered: list[URL] = []

    @property
    def address(self) -> RegistryAddress:
        return self._address

    async def start(self) -> None:
        return None

    async def register(self, url: URL) -> None:
        self.registered.append(url)

    async def unregister(self, url: URL) -> None:
        with contextlib.suppress(ValueError):
            self.registered.remove(url)

    async def subscribe(self, url: URL, listener: NotifyListener) -> None:
        listener.notify(self._providers)

    async def unsubscribe(self, url: URL, listener: NotifyListener) -> None:
        return None

    async def lookup(self, url: URL) -> list[URL]:
        return list(self._providers)

    async def close(self) -> None:
        return None


def provider_urls(count: int) -> list[URL]:
    """``count`` provider URLs as ``dubbopy.Server`` publishes them, on distinct addresses."""
    timestamp = str(int(time.time() * 1000) - PROVIDER_AGE_MS)
    urls = []
    for i in range(count):
        exported = URL(
            "dubbo",
            f"10.0.{i // 250}.{i % 250 + 1}",
            20880,
            SERVICE,
            {"interface": SERVICE, "application": "bench-provider", "side": "provider", "methods": "echo,echoUser"},
        )
        urls.append(provider_url(exported).with_param("timestamp", timestamp))
    return urls


def consumer_url(loadbalance: str) -> URL:
    """The consumer URL ``Client.reference`` makes, with ``loadbalance`` set."""
    params = {
        "interface": SERVICE,
        "application": "bench-consumer",
        "side": "consumer",
        "category": "providers,configurators,routers",
        "cluster": "failover",
        "loadbalance": loadbalance,
    }
    return URL("consumer", "127.0.0.1", 0, SERVICE, params)


def invocation() -> Invocation:
    """The call both arms make: ``echo("hello")`` of the Java interface."""
    return Invocation(SERVICE, "echo", ("hello",), parameter_types=("java.lang.String",))


async def build_stack(providers: int, loadbalance: str) -> tuple[RegistryReference, list[ReadyInvoker]]:
    """A connected registry reference over ``providers`` leaf invokers, and those leaves."""
    registry = ListedRegistry(provider_urls(providers))
    leaves: list[ReadyInvoker] = []

    def refer(url: URL) -> Invoker:
        leaf = ReadyInvoker(url)
        leaves.append(leaf)
        return leaf

    async def registries() -> list[Registry]:
        return [registry]

    reference = RegistryReference(consumer_url(loadbalance), registries, refer)
    await reference.cluster()
    if len(leaves) != providers:
        raise RuntimeError(f"the directory referred {len(leaves)} of {providers} providers")
    return reference, leaves


# ---------------------------------------------------------------------------------------------------
# timing


async def _loop(invoker: Invoker, inv: Invocation, number: int) -> float:
    """Seconds for ``number`` sequential calls."""
    invoke = invoker.invoke
    start = time.perf_counter()
    for _ in range(number):
        await invoke(inv)
    return time.perf_counter() - start


async def calibrate(invoker: Invoker, inv: Invocation, target_s: float) -> int:
    """A call count that takes about ``target_s``."""
    number = 16
    while True:
        elapsed = await _loop(invoker, inv, number)
        if elapsed >= target_s / 2 or number >= 1 << 22:
            return max(1, int(number * target_s / max(elapsed, 1e-9)))
        number *= 4 if elapsed < target_s / 16 else 2


@dataclass
class Row:
    """The medians of one (providers, balancer) case."""

    providers: int
    loadbalance: str
    direct_us: float = 0.0
    stack_us: float = 0.0
    direct_runs: list[float] = field(default_factory=list)
    stack_runs: list[float] = field(default_factory=list)
    hit: int = 0
    failure: str | None = None

    @property
    def overhead_us(self) -> float:
        """µs the stack adds to a call."""
        return self.stack_us - self.direct_us

    @property
    def ratio(self) -> float:
        """Stack time over direct time."""
        return self.stack_us / self.direct_us if self.direct_us else float("nan")


async def measure_case(providers: int, loadbalance: str, target_s: float, repeat: int) -> Row:
    """Time the direct call and the stack ``repeat`` times each, back to back."""
    row = Row(providers, loadbalance)
    reference, leaves = await build_stack(providers, loadbalance)
    try:
        inv = invocation()
        result = await reference.invoke(inv)
        if result.exception is not None:
            row.failure = f"the stack failed: {result.exception}"
            return row
        for leaf in leaves:
            leaf.calls = 0
        for _ in range(SPREAD_CALLS):
            await reference.invoke(inv)
        row.hit = sum(1 for leaf in leaves if leaf.calls)
        direct = leaves[0]
        direct_n = await calibrate(direct, inv, target_s)
        stack_n = await calibrate(reference, inv, target_s)
        for _ in range(repeat):
            gc.collect()
            row.direct_runs.append(await _loop(direct, inv, direct_n) / direct_n * 1e6)
            gc.collect()
            row.stack_runs.append(await _loop(reference, inv, stack_n) / stack_n * 1e6)
        row.direct_us = statistics.median(row.direct_runs)
        row.stack_us = statistics.median(row.stack_runs)
    finally:
        await reference.close()
    return row


async def measure(counts: Sequence[int], balancers: Sequence[str], target_s: float, repeat: int) -> list[Row]:
    """Every case, in order."""
    rows = []
    for providers in counts:
        for loadbalance in balancers:
            row = await measure_case(providers, loadbalance, target_s, repeat)
            shown = row.failure or f"{row.stack_us:.2f} µs vs {row.direct_us:.2f} µs direct"
            print(f"  {providers:>3} providers, {loadbalance}: {shown}", file=sys.stderr)
            rows.append(row)
    return rows


# ---------------------------------------------------------------------------------------------------
# the report


def render(rows: list[Row], meta: dict[str, Any], args: argparse.Namespace) -> str:
    """The Markdown between the markers."""
    out = report.run_header(meta, quick=args.quick)
    out += [
        f"Python: {meta['python']}, asyncio event loop  ",
        f"Timing: µs per call, sequential `await`s in one coroutine, each run ≈ {args.target_seconds:g} s; "
        f"median of {args.repeat} runs, the direct call and the stack timed back to back in each. "
        f"*Providers hit*: how many leaf invokers took at least one of {SPREAD_CALLS:,} calls with the same "
        f"argument. Goal (issue 4): overhead under {GOAL_US:g} µs with {GOAL_PROVIDERS} providers.",
        "",
        "| providers | loadbalance | direct µs | via reference µs | overhead µs | ratio | providers hit | goal |",
        "|---:|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in rows:
        if row.failure:
            out.append(f"| {row.providers} | {row.loadbalance} | — | — | — | — | — | {row.failure} |")
            continue
        goal = ""
        if row.providers == GOAL_PROVIDERS:
            goal = "met" if row.overhead_us < GOAL_US else "**missed**"
        out.append(
            f"| {row.providers} | {row.loadbalance} | {row.direct_us:.2f} | {row.stack_us:.2f} "
            f"| {row.overhead_us:.2f} | {row.ratio:.1f}× | {row.hit} | {goal} |"  # noqa: RUF001 - a multiplication sign
        )
    return "\n".join(out)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command line."""
    parser = argparse.ArgumentParser(description="Per-call cost of directory + failover + load balancer.")
    parser.add_argument("--quick", action="store_true", help="short timings (numbers mean nothing)")
    parser.add_argument("--repeat", type=int, help="timed runs per case, median reported (default 7; quick 3)")
    parser.add_argument("--target-seconds", type=float, help="length of one timed run (default 0.3; quick 0.01)")
    parser.add_argument("--providers", help=f"comma list of provider counts (default {PROVIDER_COUNTS})")
    parser.add_argument("--loadbalance", help=f"comma list of balancers (default all: {','.join(BALANCERS)})")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--doc", type=Path, default=DOC, help="Markdown file to update")
    parser.add_argument("--json", type=Path, help="write every run here")
    args = parser.parse_args(argv)
    args.repeat = args.repeat or (3 if args.quick else 7)
    args.target_seconds = args.target_seconds or (0.01 if args.quick else 0.3)
    args.counts = [int(x) for x in args.providers.split(",")] if args.providers else list(PROVIDER_COUNTS)
    args.balancers = args.loadbalance.split(",") if args.loadbalance else list(BALANCERS)
    unknown = set(args.balancers) - set(BALANCERS)
    if unknown:
        parser.error(f"unknown balancers: {', '.join(sorted(unknown))}")
    if any(n < 1 for n in args.counts):
        parser.error("provider counts must be at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    """Measure, print the Markdown, update the doc and the JSON file."""
    args = parse_args(argv)
    command = report.command_line(sys.argv[1:] if argv is None else argv, script="benchmarks/cluster.py")
    meta = report.machine_facts(command)
    print(f"{command}\ntiming: median of {args.repeat} runs of ≈{args.target_seconds:g} s", file=sys.stderr)
    rows = asyncio.run(measure(args.counts, args.balancers, args.target_seconds, args.repeat))
    markdown = render(rows, meta, args)
    print(markdown)
    if args.json:
        payload = {"meta": meta, "rows": [{**r.__dict__, "overhead_us": r.overhead_us} for r in rows]}
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    if not args.no_write:
        report.write_section(args.doc, markdown, start=START_MARKER, end=END_MARKER)
        with contextlib.suppress(ValueError):
            print(f"updated {args.doc.resolve().relative_to(ROOT)}", file=sys.stderr)
    return 0 if not any(r.failure for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
