"""Registry URL options that decide what is written where, read back from a real ZooKeeper.

* ``simplified=true`` (and ``extra-keys``): provider and consumer nodes keep only the keys Java 3.x keeps;
  the call still works, and method-level settings still apply.
* ``register=false``: nothing is written in that registry; consumers still discover through it.
* ``subscribe=false``: consumers do not discover through that registry; providers still register there.

Each test uses its own interface and registry root, so no other test's nodes are seen.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import pytest
from registry_fixtures import ZooKeeperServer, kazoo_client
from registry_support import echo_service, running_provider

import dubbopy
from dubbopy.errors import ConfigError
from dubbopy.url import URL, url_decode, url_encode


@pytest.fixture
def interface_name() -> str:
    return f"org.dubbopy.test.Options{uuid.uuid4().hex[:8]}"


def registry(zookeeper: ZooKeeperServer, **params: str) -> str:
    """A registry address with a root of its own and ``params``."""
    query = "&".join(f"{k}={v}" for k, v in {"group": f"/opt-{uuid.uuid4().hex[:8]}", **params}.items())
    return f"zookeeper://{zookeeper.address}?{query}"


def nodes(zookeeper: ZooKeeperServer, address: str, interface: str, category: str) -> list[URL]:
    """The URLs written under ``{root}/{interface}/{category}`` of the registry at ``address``."""
    root = URL.parse(address).get("group")
    with kazoo_client(zookeeper.address) as zk:
        path = f"{root}/{url_encode(interface)}/{category}"
        if not zk.exists(path):
            return []
        return [URL.parse(url_decode(child)) for child in zk.get_children(path)]


async def until_nodes(zookeeper: ZooKeeperServer, address: str, interface: str, category: str) -> list[URL]:
    for _ in range(100):
        found = await asyncio.to_thread(nodes, zookeeper, address, interface, category)
        if found:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"no {category} node of {interface} appeared in {address}")


async def test_a_simplified_registry_gets_only_the_keys_java_keeps(
    zookeeper: ZooKeeperServer, interface_name: str
) -> None:
    full = registry(zookeeper)
    simple = registry(zookeeper, simplified="true", **{"extra-keys": "timestamp"})
    echo = echo_service(interface_name)("p")
    # who.timeout is a method-level setting, threads a provider-only one Java never keeps when simplified
    protocol = "dubbo://127.0.0.1:0?who.timeout=4000&weight=7&threads=9"
    async with (
        running_provider(full, echo, protocol),
        running_provider(simple, echo_service(interface_name)("q"), protocol),
    ):
        (written_full,) = await until_nodes(zookeeper, full, interface_name, "providers")
        (written_simple,) = await until_nodes(zookeeper, simple, interface_name, "providers")
        async with dubbopy.Client(registries=[simple]) as client:
            reference = client.reference(echo_service(interface_name))
            assert await reference.who("x") == "q:x"
            (consumer_node,) = await until_nodes(zookeeper, simple, interface_name, "consumers")

    assert {"methods", "interface", "threads", "generic", "dynamic"} <= set(written_full.params)
    assert set(written_simple.params) == {
        "application",
        "deprecated",
        "dubbo",
        "release",
        "side",
        "timestamp",  # named by extra-keys
        "weight",
        "who.timeout",  # starts with a method name
    }
    assert written_simple.interface == interface_name  # from the path, as the node's parent says
    assert written_simple.get_method_int("who", "timeout", 0) == 4000
    assert set(consumer_node.params) == {"application", "category", "check"}
    assert (consumer_node.get("category"), consumer_node.get("check")) == ("consumers", "false")


async def test_a_register_false_registry_gets_no_node_but_still_finds_providers(
    zookeeper: ZooKeeperServer, interface_name: str
) -> None:
    shared = registry(zookeeper)
    read_only = URL.parse(shared).with_param("register", "false").to_full_string()
    echo_class = echo_service(interface_name)
    async with (
        running_provider(shared, echo_class("listed")),
        running_provider(read_only, echo_class("unlisted")),
    ):
        async with dubbopy.Client(registries=[read_only]) as client:
            reference = client.reference(echo_class)
            replies = {await reference.who("x") for _ in range(20)}
        providers = await asyncio.to_thread(nodes, zookeeper, shared, interface_name, "providers")
        consumers = await asyncio.to_thread(nodes, zookeeper, shared, interface_name, "consumers")
    assert replies == {"listed:x"}, "the register=false provider should not be discoverable"
    assert len(providers) == 1
    assert consumers == [], "a consumer should write nothing in a register=false registry"


async def test_a_subscribe_false_registry_is_not_used_to_discover(
    zookeeper: ZooKeeperServer, interface_name: str
) -> None:
    listed_here = registry(zookeeper)
    elsewhere = registry(zookeeper)
    not_read = URL.parse(listed_here).with_param("subscribe", "false").to_full_string()
    echo_class = echo_service(interface_name)
    async with (
        running_provider(not_read, echo_class("here")),  # providers still register in it
        running_provider(elsewhere, echo_class("there")),
    ):
        assert len(await until_nodes(zookeeper, listed_here, interface_name, "providers")) == 1
        async with dubbopy.Client(registries=[not_read, elsewhere]) as client:
            reference: Any = client.reference(echo_class)
            replies = {await reference.who("x") for _ in range(20)}
        async with dubbopy.Client(registries=[not_read]) as client:
            with pytest.raises(ConfigError, match="subscribe=false"):
                client.reference(echo_class)
    assert replies == {"there:x"}
