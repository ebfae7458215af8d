"""Timeouts from URLs bound real calls: a consumer's ``<method>.timeout`` / ``timeout`` and a provider's
registered ``timeout``, through a real ZooKeeper to a real slow provider, over ``tri`` and ``dubbo``.

Both methods of the provider sleep for the seconds they are given, so a call that fails has been cut
by a deadline and a call that succeeds was allowed to wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
from registry_fixtures import ZooKeeperServer
from registry_support import WAIT, running_provider

import dubbopy
from dubbopy import java
from dubbopy.errors import StatusCode

SLOW = "1.5"  # seconds: longer than the 200/300 ms timeouts below, well within the 5 s one
PROTOCOLS = ["tri", "dubbo"]


def _service(name: str) -> Any:
    @dubbopy.service(name)
    class Sleeper:
        def __init__(self) -> None:
            self.calls: dict[str, int] = {}

        async def _sleep(self, method: str, seconds: str) -> str:
            self.calls[method] = self.calls.get(method, 0) + 1
            await asyncio.sleep(float(seconds))
            return f"{method} slept {seconds}"

        async def sayHi(self, seconds: java.String) -> java.String:
            return await self._sleep("sayHi", seconds)

        async def sayBye(self, seconds: java.String) -> java.String:
            return await self._sleep("sayBye", seconds)

    return Sleeper


StartProvider = Callable[[str], Awaitable[Any]]


@pytest.fixture
async def provider(zookeeper: ZooKeeperServer) -> AsyncIterator[tuple[str, Any, StartProvider]]:
    """(registry address, service class, start(protocol URL) → the servicer) with providers stopped at the end."""
    registry = f"zookeeper://{zookeeper.address}?timeout=10000"
    sleeper = _service(f"org.dubbopy.test.Sleeper{uuid.uuid4().hex[:8]}")
    async with contextlib.AsyncExitStack() as stack:

        async def start(protocol_url: str) -> Any:
            servicer = sleeper()
            await stack.enter_async_context(running_provider(registry, servicer, protocol_url, grace=0.5))
            return servicer

        yield registry, sleeper, start


async def _until(condition: Callable[[], bool]) -> None:
    async with asyncio.timeout(WAIT):
        while not condition():  # noqa: ASYNC110 - polling what the provider counted
            await asyncio.sleep(0.02)


async def _deadline_exceeded(call: Awaitable[Any]) -> None:
    with pytest.raises(dubbopy.RpcError) as caught:
        async with asyncio.timeout(WAIT):
            await call
    assert caught.value.status is StatusCode.DEADLINE_EXCEEDED, caught.value


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_method_timeout_cuts_that_method_only(protocol: str, provider: tuple[str, Any, StartProvider]) -> None:
    registry, sleeper, start = provider
    servicer = await start(f"{protocol}://127.0.0.1:0")
    async with dubbopy.Client(registries=[registry]) as client:
        # method level beats the reference level: sayHi gets 200 ms, sayBye 5 s
        ref = client.reference(sleeper, params={"timeout": "5000", "sayHi.timeout": "200", "retries": "0"})
        await _deadline_exceeded(ref.sayHi(SLOW))
        assert await ref.sayBye(SLOW) == f"sayBye slept {SLOW}"
        # a per-call timeout still wins over the URL
        assert await ref.sayHi(SLOW, timeout=10.0) == f"sayHi slept {SLOW}"
    await _until(lambda: servicer.calls == {"sayHi": 2, "sayBye": 1})


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_a_provider_registered_timeout_applies_unless_the_consumer_sets_one(
    protocol: str, provider: tuple[str, Any, StartProvider]
) -> None:
    registry, sleeper, start = provider
    await start(f"{protocol}://127.0.0.1:0?timeout=300")
    async with dubbopy.Client(registries=[registry]) as client:
        plain = client.reference(sleeper, params={"retries": "0"})
        await _deadline_exceeded(plain.sayBye(SLOW))
        patient = client.reference(sleeper, params={"timeout": "5000", "retries": "0"})
        assert await patient.sayBye(SLOW) == f"sayBye slept {SLOW}"


async def test_triple_invents_no_deadline_when_no_url_names_one(provider: tuple[str, Any, StartProvider]) -> None:
    registry, sleeper, start = provider
    await start("tri://127.0.0.1:0")
    async with dubbopy.Client(registries=[registry]) as client:
        ref = client.reference(sleeper, params={"retries": "0"})
        assert await ref.sayHi(SLOW) == f"sayHi slept {SLOW}"


async def test_every_failover_attempt_gets_the_method_timeout(provider: tuple[str, Any, StartProvider]) -> None:
    registry, sleeper, start = provider
    servicer = await start("tri://127.0.0.1:0")
    async with dubbopy.Client(registries=[registry]) as client:
        ref = client.reference(sleeper, params={"sayHi.timeout": "200", "retries": "2"})
        await _deadline_exceeded(ref.sayHi(SLOW))
    # the provider saw all three attempts: the first attempt's 200 ms did not eat the retries' time
    await _until(lambda: servicer.calls == {"sayHi": 3})
