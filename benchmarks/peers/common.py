"""What every benchmark peer shares: the workload, the command lines, the drivers and the report.

The contract of the common workload (see docs/benchmarks.md): a server is ``<name>_server.py --port N``;
it prints ``READY`` (flushed) once it listens, serves ``bench.Greeter`` and exits with status 0 on
SIGTERM. A client is ``<name>_client.py --target HOST:PORT --mode unary|stream --concurrency C
--calls N --max-seconds S --warmup W --stream-n M`` and prints one JSON line.

A peer only writes the library-specific parts and hands them to this module:

- an async client passes ``call_unary()`` (a coroutine returning a ``HelloReply``) and ``call_stream(n)``
  (an async iterator of replies) to :func:`drive_async`, which runs C tasks on the peer's one
  connection; a blocking client passes the same two as plain callables to :func:`drive_threads`
  (C threads). :func:`client_main` parses the command line and prints the report. A peer whose
  replies are not ``HelloReply`` (the dubbo-protocol and raw TCP peers) also passes ``check(reply)``;
  one with options of its own passes ``add_arguments(parser)`` to :func:`client_main`.
- a server passes ``start(host, port)`` to :func:`server_main`; ``start`` listens and returns the
  ``stop()`` to call on SIGTERM (both may be coroutines).

Timing. W warm-up calls (at concurrency C) run untimed. Then C workers take calls from a shared budget
of N until it is spent or S seconds have passed. Client CPU (``time.process_time``, all threads) is
taken over the timed phase only. Two marker lines on stderr, ``BENCH-WARMED`` and ``BENCH-TIMED-END``,
bracket the timed phase so that ``run.py`` can sample the server's CPU over exactly that phase.

Stream mode runs C streams at once (one per worker; the contract's case is C = 1) of M messages each;
the warm-up is one stream of W messages. ``--calls`` is not used in stream mode.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import inspect
import itertools
import json
import math
import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

BENCH_DIR = Path(__file__).resolve().parents[1]
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))
codegen = importlib.import_module("codegen")
GEN_DIR: Path = codegen.ensure_generated()
if str(GEN_DIR) not in sys.path:
    # The generated modules import each other as top-level ``echo_pb2``.
    sys.path.insert(0, str(GEN_DIR))

echo_pb2: Any = importlib.import_module("echo_pb2")

#: 98 ASCII characters: ``HelloRequest(name=NAME)`` is exactly 100 bytes on the wire.
NAME = ("abcdefghijklmnopqrstuvwxyz" * 4)[:98]
SERVICE = "bench.Greeter"
WARMED_MARKER = "BENCH-WARMED"
TIMED_END_MARKER = "BENCH-TIMED-END"
_MAX_ERROR_TEXT = 200


def gen_module(name: str) -> ModuleType:
    """Import a module generated from ``echo.proto`` (``echo_pb2_grpc``, ``echo_grpc``, ...)."""
    return importlib.import_module(name)


def make_request(count: int = 0) -> Any:
    """The benchmark request; ``count`` is the number of replies wanted from ``StreamHello``."""
    return echo_pb2.HelloRequest(name=NAME, count=count)


def make_reply(request: Any) -> Any:
    """The reply every server sends for ``request``: its name echoed back."""
    return echo_pb2.HelloReply(message=request.name)


def is_echo_reply(reply: Any) -> bool:
    """The default reply check of the drivers: a ``HelloReply`` carrying :data:`NAME`."""
    return bool(reply.message == NAME)


ReplyCheck = Callable[[Any], bool]


# ---------------------------------------------------------------------------------------------------
# command lines


def parse_client_args(
    argv: list[str] | None = None,
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
) -> argparse.Namespace:
    """Parse the client command line of the contract (plus ``--uvloop`` for async peers).

    ``add_arguments(parser)`` adds a peer's own options (``--payload`` of the dubbo-protocol peers).
    """
    parser = argparse.ArgumentParser(description="bench.Greeter benchmark client")
    parser.add_argument("--target", required=True, help="HOST:PORT of the server")
    parser.add_argument("--mode", choices=("unary", "stream"), default="unary")
    parser.add_argument("--concurrency", type=int, default=1, help="tasks or threads on one connection")
    parser.add_argument("--calls", type=int, default=10_000, help="timed unary calls (budget shared by all)")
    parser.add_argument("--max-seconds", type=float, default=10.0, help="stop the timed phase after this")
    parser.add_argument("--warmup", type=int, default=100, help="untimed calls (stream: messages) first")
    parser.add_argument("--stream-n", type=int, default=10_000, help="messages per stream")
    parser.add_argument("--uvloop", action="store_true", help="run an async client on uvloop")
    if add_arguments is not None:
        add_arguments(parser)
    args = parser.parse_args(argv)
    if args.concurrency < 1:
        parser.error("--concurrency must be at least 1")
    host, sep, port = args.target.rpartition(":")
    if not sep or not host or not port.isdigit():
        parser.error(f"--target must be HOST:PORT, got {args.target!r}")
    args.host, args.port = host, int(port)
    return args


def parse_server_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Parse the server command line of the contract (plus ``--host`` and ``--uvloop``)."""
    parser = argparse.ArgumentParser(description="bench.Greeter benchmark server")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--uvloop", action="store_true", help="run an async server on uvloop")
    return parser.parse_args(argv)


def _run_coroutine(factory: Callable[[], Awaitable[Any]], use_uvloop: bool) -> Any:
    loop_factory = None
    if use_uvloop:
        import uvloop

        loop_factory = uvloop.new_event_loop

    async def main() -> Any:
        return await factory()

    with asyncio.Runner(loop_factory=loop_factory) as runner:
        return runner.run(main())


# ---------------------------------------------------------------------------------------------------
# measuring


def percentile(sorted_values: list[float], q: float) -> float:
    """Nearest-rank percentile ``q`` (0-100) of an ascending list; 0.0 for an empty list."""
    if not sorted_values:
        return 0.0
    rank = math.ceil(q / 100.0 * len(sorted_values))
    return sorted_values[min(max(rank, 1), len(sorted_values)) - 1]


def _mark(marker: str) -> None:
    print(marker, file=sys.stderr, flush=True)


def _describe(exc: BaseException) -> str:
    text = f"{type(exc).__name__}: {exc}".replace("\n", " ")
    return text[:_MAX_ERROR_TEXT]


class _Phase:
    """Budget, deadline and results of one phase (warm-up or timed), shared by all workers."""

    def __init__(self, budget: int, seconds: float | None, label: str = "") -> None:
        self.budget = budget
        self.deadline = math.inf if seconds is None else time.perf_counter() + seconds
        self.label = label
        self.latencies_ns: list[int] = []
        self.messages = 0
        self.errors: Counter[str] = Counter()
        self.t0 = time.perf_counter()
        self.cpu0 = time.process_time()

    def error(self, text: str) -> None:
        self.errors[f"{self.label}{text}"] += 1

    def expired(self) -> bool:
        return time.perf_counter() >= self.deadline


def _check_complete(phase: _Phase, received: int, n: int) -> None:
    """A stream that ended normally must have carried all ``n`` replies."""
    if received != n:
        phase.error(f"stream ended after {received} of {n} messages")


def _unary_report(phase: _Phase, elapsed: float, cpu: float, args: argparse.Namespace) -> dict[str, Any]:
    lat_ms = sorted(ns / 1e6 for ns in phase.latencies_ns)
    calls = len(lat_ms)
    return {
        "mode": "unary",
        "concurrency": args.concurrency,
        "calls": calls,
        "elapsed_s": round(elapsed, 4),
        "calls_per_s": round(calls / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": round(percentile(lat_ms, 50), 3),
        "p90_ms": round(percentile(lat_ms, 90), 3),
        "p99_ms": round(percentile(lat_ms, 99), 3),
        "max_ms": round(lat_ms[-1], 3) if lat_ms else 0.0,
        "cpu_s": round(cpu, 4),
        "cpu_us_per_call": round(cpu / calls * 1e6, 1) if calls else None,
        "warmup": args.warmup,
    }


def _stream_report(phase: _Phase, elapsed: float, cpu: float, args: argparse.Namespace) -> dict[str, Any]:
    messages = phase.messages
    return {
        "mode": "stream",
        "concurrency": args.concurrency,
        "streams": args.concurrency,
        "stream_n": args.stream_n,
        "messages": messages,
        "elapsed_s": round(elapsed, 4),
        "msgs_per_s": round(messages / elapsed, 1) if elapsed > 0 else 0.0,
        "cpu_s": round(cpu, 4),
        "cpu_us_per_msg": round(cpu / messages * 1e6, 1) if messages else None,
        "warmup": args.warmup,
    }


def _finish(
    report: Callable[[_Phase, float, float, argparse.Namespace], dict[str, Any]],
    warm: _Phase,
    timed: _Phase,
    args: argparse.Namespace,
) -> dict[str, Any]:
    """End the timed phase (which started when ``timed`` was made) and build the report."""
    elapsed = time.perf_counter() - timed.t0
    cpu = time.process_time() - timed.cpu0
    _mark(TIMED_END_MARKER)
    result = report(timed, elapsed, cpu, args)
    result["errors"] = dict(warm.errors + timed.errors)
    return result


# ---------------------------------------------------------------------------------------------------
# asyncio driver

UnaryCoro = Callable[[], Awaitable[Any]]
StreamAiter = Callable[[int], AsyncIterator[Any]]


def _wrong(reply: Any) -> str:
    shown = getattr(reply, "message", reply)
    return f"wrong reply: {str(shown)[:40]!r}"


async def _unary_worker(phase: _Phase, call_unary: UnaryCoro, check: ReplyCheck) -> None:
    latencies = phase.latencies_ns
    clock = time.perf_counter_ns
    while phase.budget > 0 and not phase.expired():
        phase.budget -= 1
        started = clock()
        try:
            reply = await call_unary()
        except Exception as exc:
            phase.error(_describe(exc))
            continue
        ended = clock()
        if check(reply):
            latencies.append(ended - started)
        else:
            phase.error(_wrong(reply))


async def _stream_worker(phase: _Phase, call_stream: StreamAiter, n: int) -> None:
    received = 0
    try:
        async with contextlib.aclosing(call_stream(n)) as replies:
            async for reply in replies:
                if reply.message != NAME:
                    phase.error("wrong reply in stream")
                    break
                received += 1
                if phase.expired():
                    break
            else:
                _check_complete(phase, received, n)
    except Exception as exc:
        phase.error(_describe(exc))
    phase.messages += received


async def drive_async(
    args: argparse.Namespace,
    call_unary: UnaryCoro,
    call_stream: StreamAiter,
    check: ReplyCheck = is_echo_reply,
) -> dict[str, Any]:
    """Run the warm-up and timed phase of ``args.mode`` with ``args.concurrency`` asyncio tasks.

    ``check(reply)`` tells a right unary reply (default: a ``HelloReply`` echoing :data:`NAME`); a wrong
    one counts as an error, not a call.
    """
    if args.mode == "unary":
        warm = _Phase(args.warmup, None, "warmup: ")
        await asyncio.gather(*(_unary_worker(warm, call_unary, check) for _ in range(args.concurrency)))
        _mark(WARMED_MARKER)
        timed = _Phase(args.calls, args.max_seconds)
        await asyncio.gather(*(_unary_worker(timed, call_unary, check) for _ in range(args.concurrency)))
        return _finish(_unary_report, warm, timed, args)

    warm = _Phase(0, None, "warmup: ")
    if args.warmup > 0:
        await _stream_worker(warm, call_stream, args.warmup)
    _mark(WARMED_MARKER)
    timed = _Phase(0, args.max_seconds)
    streams = [_stream_worker(timed, call_stream, args.stream_n) for _ in range(args.concurrency)]
    await asyncio.gather(*streams)
    return _finish(_stream_report, warm, timed, args)


# ---------------------------------------------------------------------------------------------------
# thread driver (blocking client APIs)

UnaryCall = Callable[[], Any]
StreamIter = Callable[[int], Iterator[Any]]


def _unary_thread(
    phase: _Phase, tickets: Iterator[int], call_unary: UnaryCall, check: ReplyCheck, out: list[int]
) -> None:
    clock = time.perf_counter_ns
    budget = phase.budget
    while next(tickets) < budget and not phase.expired():
        started = clock()
        try:
            reply = call_unary()
        except Exception as exc:
            phase.error(_describe(exc))
            continue
        ended = clock()
        if check(reply):
            out.append(ended - started)
        else:
            phase.error(_wrong(reply))


def _stream_thread(phase: _Phase, call_stream: StreamIter, n: int, out: list[int]) -> None:
    received = 0
    try:
        replies = call_stream(n)
        try:
            for reply in replies:
                if reply.message != NAME:
                    phase.error("wrong reply in stream")
                    break
                received += 1
                if phase.expired():
                    break
            else:
                _check_complete(phase, received, n)
        finally:
            close = getattr(replies, "close", None)
            if close is not None:
                close()
    except Exception as exc:
        phase.error(_describe(exc))
    out.append(received)


def _in_threads(count: int, target: Callable[..., None], *args: Any) -> list[list[int]]:
    outs: list[list[int]] = [[] for _ in range(count)]
    threads = [
        threading.Thread(target=target, args=(*args, out), name=f"bench-{i}", daemon=True) for i, out in enumerate(outs)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outs


def drive_threads(
    args: argparse.Namespace,
    call_unary: UnaryCall,
    call_stream: StreamIter,
    check: ReplyCheck = is_echo_reply,
) -> dict[str, Any]:
    """Run the warm-up and timed phase of ``args.mode`` with ``args.concurrency`` threads.

    ``check`` is as for :func:`drive_async`.

    Counters shared between threads are only touched through ``itertools.count`` (atomic in CPython)
    and ``Counter`` updates of errors (rare); latencies go to one list per thread.
    """
    c = args.concurrency
    if args.mode == "unary":
        warm = _Phase(args.warmup, None, "warmup: ")
        _in_threads(c, _unary_thread, warm, itertools.count(), call_unary, check)
        _mark(WARMED_MARKER)
        timed = _Phase(args.calls, args.max_seconds)
        outs = _in_threads(c, _unary_thread, timed, itertools.count(), call_unary, check)
        timed.latencies_ns = [ns for out in outs for ns in out]
        return _finish(_unary_report, warm, timed, args)

    warm = _Phase(0, None, "warmup: ")
    if args.warmup > 0:
        _stream_thread(warm, call_stream, args.warmup, [])
    _mark(WARMED_MARKER)
    timed = _Phase(0, args.max_seconds)
    outs = _in_threads(c, _stream_thread, timed, call_stream, args.stream_n)
    timed.messages = sum(n for out in outs for n in out)
    return _finish(_stream_report, warm, timed, args)


# ---------------------------------------------------------------------------------------------------
# mains


ClientRun = Callable[[argparse.Namespace], Awaitable[dict[str, Any]] | dict[str, Any]]


def client_main(
    run: ClientRun,
    argv: list[str] | None = None,
    add_arguments: Callable[[argparse.ArgumentParser], None] | None = None,
) -> None:
    """Parse the client command line, call ``run(args)`` (async or not) and print its JSON line.

    ``add_arguments(parser)`` adds the peer's own options (see :func:`parse_client_args`).

    A failure outside the calls (cannot connect, bad peer code) is reported as a JSON line with no
    calls and the error under ``errors``, and the exit status is 1.
    """
    args = parse_client_args(argv, add_arguments)
    peer = Path(sys.argv[0]).stem.removesuffix("_client")
    status = 0
    try:
        result = _run_coroutine(lambda: run(args), args.uvloop) if inspect.iscoroutinefunction(run) else run(args)
    except Exception as exc:
        status = 1
        key = "calls" if args.mode == "unary" else "messages"
        result = {"mode": args.mode, "concurrency": args.concurrency, key: 0, "errors": {_describe(exc): 1}}
    print(json.dumps({"client": peer, **result}), flush=True)
    sys.exit(status)


def _ready() -> None:
    print("READY", flush=True)


async def _serve_async(args: argparse.Namespace, start: Callable[[str, int], Awaitable[Any]]) -> None:
    stop = await start(args.host, args.port)
    loop = asyncio.get_running_loop()
    stopping = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stopping.set)
    _ready()
    await stopping.wait()
    if stop is not None:
        await stop()


def _serve_blocking(args: argparse.Namespace, start: Callable[[str, int], Any]) -> None:
    stopping = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    stop = start(args.host, args.port)
    _ready()
    while not stopping.wait(1.0):
        pass
    if stop is not None:
        stop()


def server_main(start: Callable[[str, int], Any], argv: list[str] | None = None) -> None:
    """Parse ``--port``, call ``start(host, port)``, print ``READY``, and on SIGTERM call its ``stop()``.

    ``start`` listens before returning ``stop`` (or None). If ``start`` is a coroutine function the
    server runs on an asyncio loop (uvloop with ``--uvloop``) and ``stop`` must be a coroutine function
    too; otherwise the main thread sleeps until the signal.
    """
    args = parse_server_args(argv)
    if inspect.iscoroutinefunction(start):
        _run_coroutine(lambda: _serve_async(args, start), args.uvloop)
    else:
        _serve_blocking(args, start)
