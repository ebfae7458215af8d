"""Zone-aware references end to end: two real registries (the session's ZooKeeper and etcd), a real
dubbopy provider registered in each, and one consumer subscribed to both.

The ZooKeeper registry is zone ``east`` and its provider answers ``east:…``; the etcd registry is zone
``west`` and its provider answers ``west:…``. Each provider is registered in its own registry only, so
the reply says which registry's invoker took the call.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from registry_fixtures import EtcdServer, ZooKeeperServer
from registry_support import WAIT, echo_service, start_provider

import dubbopy
from dubbopy.errors import StatusCode
from dubbopy.rpc.context import RpcContext


class Zones:
    """The two registries (as the consumer writes them, before zone options) and their providers."""

    def __init__(self, interface: str, east: str, west: str) -> None:
        self.echo = echo_service(interface)
        self.east = east
        self.west = west
        self.servers: dict[str, dubbopy.Server] = {}
        self.providers: dict[str, Any] = {}

    async def start(self, tag: str, registry: str, protocol: str) -> None:
        self.providers[tag] = self.echo(tag)
        self.servers[tag] = await start_provider(registry, self.providers[tag], f"{protocol}://127.0.0.1:0")

    async def stop(self, tag: str) -> None:
        await self.servers.pop(tag).stop(grace=1.0)

    def client(self, east: str = "zone=east", west: str = "zone=west") -> dubbopy.Client:
        return dubbopy.Client(registries=[f"{self.east}&{east}", f"{self.west}&{west}"])


@pytest.fixture
async def zones(zookeeper: ZooKeeperServer, etcd: EtcdServer) -> AsyncIterator[Zones]:
    # one interface per test: no test sees another test's providers
    interface = f"org.dubbopy.test.Zoned{uuid.uuid4().hex[:8]}"
    setup = Zones(interface, f"zookeeper://{zookeeper.address}?timeout=10000", f"{etcd.url}?timeout=10000")
    try:
        await setup.start("east", setup.east, "tri")
        await setup.start("west", setup.west, "dubbo")
        yield setup
    finally:
        for tag in list(setup.servers):
            await setup.stop(tag)


async def _who(echo: Any, text: str, **attachments: str) -> str:
    for key, value in attachments.items():
        RpcContext.set_attachment(key, value)
    async with asyncio.timeout(WAIT):  # not wait_for: its task would not consume the context's attachments
        reply: str = await echo.who(text)
    return reply.split(":", maxsplit=1)[0]


async def test_the_preferred_registry_takes_the_calls(zones: Zones) -> None:
    async with zones.client(west="zone=west&preferred=true") as client:
        echo = client.reference(zones.echo)
        tags = [await _who(echo, "x") for _ in range(20)]
        # preferred wins over a call that asks for the other registry's zone
        zoned = [await _who(echo, "y", registry_zone="east") for _ in range(5)]
    assert set(tags) == {"west"}
    assert set(zoned) == {"west"}


async def test_without_preference_calls_reach_both_registries(zones: Zones) -> None:
    # dubbo-go spells the registry's options with a "registry." prefix
    async with zones.client(east="registry.zone=east", west="registry.zone=west&registry.weight=100") as client:
        echo = client.reference(zones.echo)
        tags = {await _who(echo, "x") for _ in range(40)}
    assert tags == {"east", "west"}


async def test_the_last_registry_names_the_strategy_that_joins_the_registries(zones: Zones) -> None:
    # Java reads the joining strategy from the last registry URL's cluster parameter; broadcast calls both
    async with zones.client(west="zone=west&cluster=broadcast") as client:
        echo = client.reference(zones.echo)
        for _ in range(5):
            await _who(echo, "x")
    assert (zones.providers["east"].calls, zones.providers["west"].calls) == (5, 5)


async def test_the_call_zone_routes_to_that_registry(zones: Zones) -> None:
    async with zones.client() as client:
        echo = client.reference(zones.echo)
        west = [await _who(echo, "x", registry_zone="west") for _ in range(10)]
        east = [await _who(echo, "x", registry_zone="east") for _ in range(10)]
        # dubbo-go's attachment name works too
        go_west = [await _who(echo, "x", **{"registry.zone": "west"}) for _ in range(5)]
    assert (set(west), set(east), set(go_west)) == ({"west"}, {"east"}, {"west"})


async def test_forcing_a_zone_without_providers_fails_naming_the_zone(zones: Zones) -> None:
    async with zones.client() as client:
        echo = client.reference(zones.echo)
        assert await _who(echo, "warm") in ("east", "west")
        with pytest.raises(dubbopy.RpcError) as caught:
            await _who(echo, "x", registry_zone="north", registry_zone_force="true")
        assert caught.value.status is StatusCode.UNAVAILABLE
        assert "'north'" in str(caught.value)
        # without force the call goes to some registry
        assert await _who(echo, "x", registry_zone="north") in ("east", "west")

        await zones.stop("west")
        # once the west registry lists no provider, a forced west call fails and an unforced one goes east
        async with asyncio.timeout(WAIT):
            while True:
                try:
                    await _who(echo, "x", registry_zone="west", registry_zone_force="true")
                except dubbopy.RpcError as exc:
                    if "'west'" in str(exc):
                        break
                await asyncio.sleep(0.05)
        assert await _who(echo, "x", registry_zone="west") == "east"


async def test_calls_leave_the_preferred_registry_when_its_last_provider_stops(zones: Zones) -> None:
    async with zones.client(east="zone=east&preferred=true") as client:
        echo = client.reference(zones.echo)
        assert {await _who(echo, "x") for _ in range(10)} == {"east"}
        await zones.stop("east")
        # the east registry notices the provider leaving; until then a call may still try it
        async with asyncio.timeout(WAIT):
            while True:
                try:
                    if await _who(echo, "x") == "west":
                        break
                except dubbopy.RpcError:
                    pass
                await asyncio.sleep(0.05)
        assert {await _who(echo, "x") for _ in range(10)} == {"west"}
        # and come back when a provider registers in the preferred registry again
        await zones.start("east", zones.east, "tri")
        async with asyncio.timeout(WAIT):
            while await _who(echo, "x") != "east":  # noqa: ASYNC110 - polling a remote state
                await asyncio.sleep(0.05)
