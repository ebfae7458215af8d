"""Condition routing rules from ZooKeeper's ``routers`` category, end to end.

Two dubbopy providers of one interface register in the real test ZooKeeper; a dubbopy consumer finds them
through ``Client(registries=[...])``. Rules are written as Dubbo Admin writes them: a ``route://`` URL
(``router=condition``, the rule URL-encoded) encoded once more as the name of a node under
``/dubbo/<interface>/routers``. Registry notifications are asynchronous, so each step polls calls until
the rule's effect shows (with a deadline) and then checks a run of calls.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import pytest
from kazoo.client import KazooClient
from registry_fixtures import ZooKeeperServer, kazoo_client
from registry_support import WAIT, echo_service, running_provider

import dubbopy
from dubbopy.registry.zookeeper.registry import node_path
from dubbopy.url import URL, url_encode


@pytest.fixture
def interface_name() -> str:
    return f"org.dubbopy.test.Routed{uuid.uuid4().hex[:8]}"


@pytest.fixture
def registry(zookeeper: ZooKeeperServer) -> str:
    return f"zookeeper://{zookeeper.address}?timeout=10000"


@pytest.fixture
def admin(zookeeper: ZooKeeperServer) -> Iterator[KazooClient]:
    """A plain kazoo client that writes rule nodes as Dubbo Admin does."""
    with kazoo_client(zookeeper.address, WAIT) as client:
        yield client


@pytest.fixture
async def ports(registry: str, interface_name: str) -> AsyncIterator[dict[str, int]]:
    """Two providers, ``p0`` and ``p1``, on the dubbo protocol; yields their ports by tag."""
    echo_class = echo_service(interface_name)
    async with contextlib.AsyncExitStack() as stack:
        servers = {
            tag: await stack.enter_async_context(running_provider(registry, echo_class(tag))) for tag in ("p0", "p1")
        }
        yield {tag: server.ports[0] for tag, server in servers.items()}


@pytest.fixture
async def echo(registry: str, interface_name: str, ports: dict[str, int]) -> AsyncIterator[Any]:
    """A consumer reference that round-robins over whatever the routers leave."""
    async with dubbopy.Client(registries=[registry]) as client:
        yield client.reference(echo_service(interface_name), params={"loadbalance": "roundrobin"})


async def write_rule(admin: KazooClient, interface: str, rule: str, name: str, **params: str) -> str:
    """Create the rule node; returns its path."""
    url = URL(
        "route",
        "0.0.0.0",
        0,
        interface,
        {
            "category": "routers",
            "dynamic": "false",
            "enabled": "true",
            "force": "false",
            "name": name,
            "priority": "0",
            "router": "condition",
            "rule": url_encode(rule),
            "runtime": "false",
            **params,
        },
    )
    path = node_path("/dubbo", url)
    await asyncio.to_thread(admin.create, path, b"", makepath=True)
    return path


async def tags(call: Callable[[str], Awaitable[str]], n: int) -> list[str]:
    """The providers that answered ``n`` calls, in order."""
    return [(await call("x")).split(":")[0] for _ in range(n)]


async def until(what: str, check: Callable[[], Awaitable[bool]]) -> None:
    """Poll ``check`` until it holds, at most :data:`WAIT` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + WAIT
    while not await check():
        assert loop.time() < deadline, f"{what}: not seen within {WAIT:.0f} s"
        await asyncio.sleep(0.05)


def only(call: Callable[[str], Awaitable[str]], tag: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return set(await tags(call, 6)) == {tag}  # round robin over both would show the other one

    return check


def both(call: Callable[[str], Awaitable[str]]) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        return set(await tags(call, 6)) == {"p0", "p1"}

    return check


async def test_a_rule_routes_calls_and_deleting_it_spreads_them_again(
    admin: KazooClient, interface_name: str, ports: dict[str, int], echo: Any
) -> None:
    assert set(await tags(echo.who, 6)) == {"p0", "p1"}
    node = await write_rule(admin, interface_name, f"=> port = {ports['p1']}", "to-p1")
    await until("calls go to p1 only", only(echo.who, "p1"))
    assert set(await tags(echo.who, 20)) == {"p1"}
    assert set(await tags(echo.ping, 20)) == {"p1"}
    await asyncio.to_thread(admin.delete, node)
    await until("calls spread over both providers", both(echo.who))
    assert set(await tags(echo.who, 20)) == {"p0", "p1"}


async def test_a_method_scoped_rule_routes_only_that_method(
    admin: KazooClient, interface_name: str, ports: dict[str, int], echo: Any
) -> None:
    await write_rule(admin, interface_name, f"method = who => port = {ports['p0']}", "who-to-p0")
    await until("who goes to p0 only", only(echo.who, "p0"))
    assert set(await tags(echo.who, 20)) == {"p0"}
    assert set(await tags(echo.ping, 20)) == {"p0", "p1"}


async def test_force_false_rule_that_selects_nothing_leaves_every_provider(
    admin: KazooClient, interface_name: str, echo: Any
) -> None:
    forced = await write_rule(admin, interface_name, "=> port = 1", "forced", force="true")

    async def refused() -> bool:
        try:
            await echo.who("x")
        except dubbopy.RpcError:
            return True
        return False

    await until("a forced rule that selects nothing leaves no provider", refused)
    # the force=false twin arrives before the forced rule leaves, so the consumer never runs rule-less
    await write_rule(admin, interface_name, "=> port = 1", "not-forced", force="false")
    await asyncio.to_thread(admin.delete, forced)

    async def answered() -> bool:
        return not await refused()

    await until("the force=false rule steps aside", answered)
    assert set(await tags(echo.who, 20)) == {"p0", "p1"}
