"""``leastactive`` and ``shortestresponse`` under real load: three real providers registered in a real
ZooKeeper, one of them slow (its handler sleeps), and a consumer driving concurrent calls. The slow
provider must get clearly fewer calls than its even share; the providers count the calls themselves.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from registry_fixtures import ZooKeeperServer
from registry_support import WAIT, running_provider

import dubbopy
from dubbopy import java

CALLS = 150
CONCURRENCY = 10
SLOW_SECONDS = 0.25
FAST_SECONDS = 0.005


def _service(name: str) -> Any:
    @dubbopy.service(name)
    class Worker:
        def __init__(self, tag: str, seconds: float) -> None:
            self.tag = tag
            self.seconds = seconds
            self.calls = 0

        async def work(self, text: java.String) -> java.String:
            self.calls += 1
            await asyncio.sleep(self.seconds)
            return self.tag

    return Worker


@pytest.fixture
async def workers(zookeeper: ZooKeeperServer) -> AsyncIterator[tuple[str, Any, dict[str, Any]]]:
    """(registry, service class, tag → servicer) for providers ``fast1``, ``fast2`` and ``slow``."""
    registry = f"zookeeper://{zookeeper.address}?timeout=10000"
    worker = _service(f"org.dubbopy.test.Worker{uuid.uuid4().hex[:8]}")
    servicers: dict[str, Any] = {}
    async with contextlib.AsyncExitStack() as stack:
        for tag, seconds in (("fast1", FAST_SECONDS), ("fast2", FAST_SECONDS), ("slow", SLOW_SECONDS)):
            servicers[tag] = worker(tag, seconds)
            await stack.enter_async_context(running_provider(registry, servicers[tag], "tri://127.0.0.1:0"))
        yield registry, worker, servicers


async def _drive(reference: Any) -> None:
    """``CALLS`` calls from ``CONCURRENCY`` concurrent callers."""
    remaining = iter(range(CALLS))

    async def caller() -> None:
        for _ in remaining:
            await reference.work("x")

    async with asyncio.timeout(WAIT * 4):
        await asyncio.gather(*(caller() for _ in range(CONCURRENCY)))


@pytest.mark.parametrize("loadbalance", ["leastactive", "shortestresponse"])
async def test_the_slow_provider_gets_few_calls(loadbalance: str, workers: tuple[str, Any, dict[str, Any]]) -> None:
    registry, worker, servicers = workers
    async with dubbopy.Client(registries=[registry]) as client:
        reference = client.reference(worker, params={"loadbalance": loadbalance, "timeout": "10000"})
        await _drive(reference)
    counts = {tag: servicer.calls for tag, servicer in servicers.items()}
    assert sum(counts.values()) == CALLS
    # an even spread would give the slow provider a third (50 calls); the balancer keeps it far below
    assert counts["slow"] < CALLS * 0.15, counts
    assert counts["fast1"] > 0, counts
    assert counts["fast2"] > 0, counts


async def test_random_gives_the_slow_provider_its_share(workers: tuple[str, Any, dict[str, Any]]) -> None:
    # the control: the setup above does not starve the slow provider by itself
    registry, worker, servicers = workers
    async with dubbopy.Client(registries=[registry]) as client:
        reference = client.reference(worker, params={"loadbalance": "random", "timeout": "10000"})
        await _drive(reference)
    counts = {tag: servicer.calls for tag, servicer in servicers.items()}
    assert counts["slow"] > CALLS * 0.2, counts  # expected a third (50 calls)
