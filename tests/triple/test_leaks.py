"""No leak: a dubbopy server in its own process (``leak_server.py``) serves 100,000 unary calls and 1,000
streams over one grpcio connection, and its resident memory ends within 10 MB of where it was after a
warm-up of the same mix.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import grpc
import psutil
import pytest
from triple_support import within

pytestmark = [pytest.mark.interop, pytest.mark.slow]

SERVER_SCRIPT = Path(__file__).with_name("leak_server.py")
WORKERS = 64
MB = 1_000_000


@pytest.fixture
def server_process(hw: SimpleNamespace) -> Iterator[SimpleNamespace]:
    """``leak_server.py`` running; ``SimpleNamespace(process, port, target)``."""
    process = subprocess.Popen(
        [sys.executable, str(SERVER_SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.strip().isdigit(), f"the server printed {line!r} instead of its port"
        port = int(line)
        yield SimpleNamespace(process=psutil.Process(process.pid), port=port, target=f"127.0.0.1:{port}")
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


async def _unary_calls(stub: Any, pb2: Any, count: int) -> None:
    async def worker(start: int) -> None:
        for i in range(start, count, WORKERS):
            reply = await stub.SayHello(pb2.HelloRequest(name=f"n{i}"), timeout=30)
            assert reply.message == f"hi n{i}"

    await asyncio.gather(*(worker(w) for w in range(WORKERS)))


async def _streams(stub: Any, pb2: Any, count: int) -> None:
    async def names() -> AsyncIterator[Any]:
        for name in ("a", "b", "c"):
            yield pb2.HelloRequest(name=name)

    async def one(i: int) -> None:
        kind = i % 3
        if kind == 0:
            replies = [r.message async for r in stub.LotsOfReplies(pb2.HelloRequest(name="s*10"), timeout=30)]
            assert len(replies) == 10
        elif kind == 1:
            assert (await stub.LotsOfGreetings(names(), timeout=30)).message == "a,b,c"
        else:
            replies = [r.message async for r in stub.BidiHello(names(), timeout=30)]
            assert replies == ["bidi a", "bidi b", "bidi c"]

    async def worker(start: int) -> None:
        for i in range(start, count, WORKERS):
            await one(i)

    await asyncio.gather(*(worker(w) for w in range(WORKERS)))


async def test_server_memory_is_flat_over_100k_calls_and_1k_streams(
    hw: SimpleNamespace, server_process: SimpleNamespace
) -> None:
    async with grpc.aio.insecure_channel(server_process.target) as channel:
        stub = hw.grpc.GreeterStub(channel)
        await within(_unary_calls(stub, hw.pb2, 10_000), "the warm-up calls", 120)
        await within(_streams(stub, hw.pb2, 300), "the warm-up streams", 120)
        before = server_process.process.memory_info().rss
        await within(_unary_calls(stub, hw.pb2, 100_000), "100,000 unary calls", 240)
        await within(_streams(stub, hw.pb2, 1_000), "1,000 streams", 120)
        after = server_process.process.memory_info().rss
        connections = [c for c in server_process.process.net_connections(kind="tcp") if c.raddr]
    assert len(connections) == 1, f"the server had {len(connections)} connections, expected the one channel's"
    grown = (after - before) / MB
    assert grown < 10, f"server RSS grew by {grown:.1f} MB (from {before / MB:.1f} MB to {after / MB:.1f} MB)"
