"""Discovery end to end through a real ZooKeeper: dubbopy providers register, dubbopy consumers find them.

Providers are ``dubbopy.Server(registries=[...])``; consumers are ``Client(registries=[...]).reference(...)``
without a URL (a registry directory behind a cluster strategy). Java in the loop comes with the rest of
issue 4.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from registry_fixtures import ZooKeeperServer
from registry_support import echo_service, running_provider, start_provider

import dubbopy
from dubbopy import java
from dubbopy.errors import StatusCode


@pytest.fixture
def interface_name() -> str:
    # one interface per test: subscriptions of one test never see another test's providers
    return f"org.dubbopy.test.Echo{uuid.uuid4().hex[:8]}"


@pytest.fixture
def registry(zookeeper: ZooKeeperServer) -> str:
    return f"zookeeper://{zookeeper.address}?timeout=10000"


@pytest.fixture
async def providers(registry: str, interface_name: str) -> AsyncIterator[list[Any]]:
    echo_class = echo_service(interface_name)
    started: list[tuple[dubbopy.Server, Any]] = []
    async with contextlib.AsyncExitStack() as stack:
        for i, protocol in enumerate(["dubbo", "dubbo", "tri"]):
            echo = echo_class(f"p{i}")
            server = await stack.enter_async_context(running_provider(registry, echo, f"{protocol}://127.0.0.1:0"))
            started.append((server, echo))
        yield started


async def test_a_consumer_finds_every_provider_and_spreads_calls(
    registry: str, interface_name: str, providers: list[Any]
) -> None:
    echo_class = echo_service(interface_name)
    async with dubbopy.Client(registries=[registry]) as client:
        echo = client.reference(echo_class, params={"loadbalance": "roundrobin"})
        replies = [await echo.who("x") for _ in range(30)]
        dubbo_only = client.reference(echo_class, protocol="dubbo")
        dubbo_replies = {await dubbo_only.who("y") for _ in range(20)}
    assert {r.split(":")[0] for r in replies} == {"p0", "p1", "p2"}
    assert all(calls > 0 for _, e in providers for calls in [e.calls])
    assert dubbo_replies <= {"p0:y", "p1:y"}


async def test_a_stopped_provider_leaves_and_failover_hides_it(
    registry: str, interface_name: str, providers: list[Any]
) -> None:
    echo_class = echo_service(interface_name)
    async with dubbopy.Client(registries=[registry]) as client:
        echo = client.reference(echo_class, protocol="dubbo")
        assert (await echo.who("a")).startswith("p")
        await providers[0][0].stop(grace=0.5)
        # failover retries elsewhere while the registry catches up; afterwards only p1 answers
        replies = [await echo.who("b") for _ in range(20)]
        assert all(r == "p1:b" for r in replies[-5:])


async def test_no_provider_is_a_clear_unavailable(registry: str) -> None:
    echo_class = echo_service("org.dubbopy.test.Nobody")
    async with dubbopy.Client(registries=[registry]) as client:
        echo = client.reference(echo_class)
        with pytest.raises(dubbopy.RpcError) as caught:
            await asyncio.wait_for(echo.who("x"), 20)
    assert caught.value.status is StatusCode.UNAVAILABLE


@pytest.mark.parametrize("protocol", ["dubbo", "tri"])
async def test_a_call_in_flight_survives_its_provider_leaving(
    registry: str, interface_name: str, protocol: str
) -> None:
    # the provider unregisters, then stops gracefully: the consumer, told the provider left, must let the
    # call still running on it finish instead of closing the connection under it (retries=0: no failover)
    @dubbopy.service(interface_name)
    class Slow:
        async def who(self, text: java.String) -> java.String:
            await asyncio.sleep(1.0)
            return f"slow:{text}"

    server = await start_provider(registry, Slow(), f"{protocol}://127.0.0.1:0")
    try:
        async with dubbopy.Client(registries=[registry]) as client:
            echo = client.reference(Slow, params={"retries": "0", "timeout": "5000"})
            call = asyncio.ensure_future(echo.who("a"))
            await asyncio.sleep(0.3)
            await server.stop(grace=5.0)
            assert await call == "slow:a"
    finally:
        await server.stop(grace=0)
