"""The ZooKeeper registry against a real ZooKeeper 3.8 (``zookeeper`` fixture, ``tests/registry_fixtures.py``).

What a Java Dubbo peer or an operator would notice: the exact node Java reads, notifications with the full
list per category, ephemeral nodes that go with the client, and recovery after a lost session.
"""

from __future__ import annotations

import asyncio
import threading
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator

import pytest
from kazoo.client import KazooClient
from registry_fixtures import ZooKeeperServer, expire_session
from registry_support import SPEC_PROVIDER, Recorder, addresses, consumer, is_empty, provider

from dubbopy import extension
from dubbopy.registry import parse_registry_address
from dubbopy.registry.zookeeper import ZookeeperRegistry, ZookeeperRegistryFactory
from dubbopy.url import URL, url_encode

# spec/url.md §2: the ZooKeeper provider node name of a Java 3.3 provider, written out by hand.
SPEC_NODE_NAME = (
    "dubbo%3A%2F%2F192.168.1.10%3A20880%2Forg.apache.dubbo.demo.DemoService%3Fapplication%3Ddemo-provider"
    "%26deprecated%3Dfalse%26dubbo%3D2.0.2%26dynamic%3Dtrue%26generic%3Dfalse%26interface%3D"
    "org.apache.dubbo.demo.DemoService%26methods%3DsayHello%2CsayHelloAsync%26prefer.serialization%3D"
    "hessian2%2Cfastjson2%26release%3D3.3.0%26service-name-mapping%3Dtrue%26side%3Dprovider"
    "%26timestamp%3D1732233600000"
)
Connect = Callable[..., Awaitable[ZookeeperRegistry]]


@pytest.fixture
def interface() -> str:
    """A service name no other test uses, so tests share the session's server without seeing each other."""
    return f"org.example.Svc{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def connect(zookeeper: ZooKeeperServer) -> AsyncIterator[Connect]:
    """Started registries on the test server (closed at the end): ``await connect(query="")``."""
    opened: list[ZookeeperRegistry] = []

    async def open_one(query: str = "") -> ZookeeperRegistry:
        registry = ZookeeperRegistry(parse_registry_address(f"{zookeeper.url}?timeout=20000{query}"))
        await registry.start()
        opened.append(registry)
        return registry

    yield open_one
    for registry in opened:
        await registry.close()


@pytest.fixture
def inspector(zookeeper: ZooKeeperServer) -> Iterator[KazooClient]:
    """A plain kazoo client to look at the tree the way another Dubbo process would."""
    client = KazooClient(hosts=zookeeper.address)
    client.start(timeout=30)
    yield client
    client.stop()
    client.close()


async def test_zookeeper_is_a_registry_extension() -> None:
    assert isinstance(extension.registries.get("zookeeper"), ZookeeperRegistryFactory)


async def test_register_writes_the_node_java_reads(connect: Connect, inspector: KazooClient) -> None:
    registry = await connect()
    url = URL.parse(SPEC_PROVIDER)
    await registry.register(url)
    path = f"/dubbo/org.apache.dubbo.demo.DemoService/providers/{SPEC_NODE_NAME}"
    stat = await asyncio.to_thread(inspector.exists, path)
    assert stat is not None, await asyncio.to_thread(
        inspector.get_children, "/dubbo/org.apache.dubbo.demo.DemoService/providers"
    )
    assert stat.ephemeralOwner == registry.client.client_id[0]  # dynamic=true: ephemeral, ours
    # and it reads back as the same URL
    assert URL.parse_encoded(SPEC_NODE_NAME) == url
    await registry.unregister(url)
    assert await asyncio.to_thread(inspector.exists, path) is None


async def test_group_sets_the_root(connect: Connect, inspector: KazooClient, interface: str) -> None:
    registry = await connect("&group=/custom-root")
    url = provider(interface, 20880)
    await registry.register(url)
    children = await asyncio.to_thread(inspector.get_children, f"/custom-root/{interface}/providers")
    assert [URL.parse_encoded(c) for c in children] == [url]
    assert await registry.lookup(consumer(interface)) == [url]


async def test_subscribe_sees_additions_and_removals(connect: Connect, interface: str) -> None:
    providers_side, consumer_side = await connect(), await connect()
    recorder = Recorder()
    await consumer_side.subscribe(consumer(interface), recorder)
    first = recorder.queue.get_nowait()  # delivered before subscribe returned
    assert is_empty(first)
    assert first[0].get("category") == "providers"

    a, b = provider(interface, 1001), provider(interface, 1002)
    await providers_side.register(a)
    assert addresses(await recorder.until(lambda u: not is_empty(u))) == {"127.0.0.1:1001"}
    await providers_side.register(b)
    got = await recorder.until(lambda u: len(u) == 2)
    assert set(got) == {a, b}  # the full list, parsed back to the registered URLs
    await providers_side.unregister(a)
    assert addresses(await recorder.until(lambda u: len(u) == 1)) == {"127.0.0.1:1002"}
    await providers_side.unregister(b)
    await recorder.until(is_empty)
    assert recorder.threads == {threading.get_ident()}  # always on the event loop's thread

    await consumer_side.unsubscribe(consumer(interface), recorder)
    await providers_side.register(a)
    assert await consumer_side.lookup(consumer(interface)) == [a]
    assert recorder.queue.empty()


async def test_subscription_filters_group_version_and_disabled(connect: Connect, interface: str) -> None:
    registry = await connect()
    wanted = provider(interface, 1, group="g1", version="1.0")
    for url in (wanted, provider(interface, 2, group="g2", version="1.0"), provider(interface, 3, group="g1")):
        await registry.register(url)
    await registry.register(provider(interface, 4, group="g1", version="1.0", enabled="false"))
    recorder = Recorder()
    await registry.subscribe(consumer(interface).with_params(group="g1", version="1.0"), recorder)
    assert recorder.queue.get_nowait() == [wanted]


async def test_ephemeral_node_goes_when_the_client_closes(connect: Connect, interface: str) -> None:
    owner, watcher = await connect(), await connect()
    dynamic, static = provider(interface, 1), provider(interface, 2, dynamic="false")
    await owner.register(dynamic)
    await owner.register(static)
    recorder = Recorder()
    await watcher.subscribe(consumer(interface), recorder)
    assert set(recorder.queue.get_nowait()) == {dynamic, static}
    await owner.close()
    # the ephemeral node is gone, the dynamic=false one (persistent) stays
    assert await recorder.until(lambda u: len(u) == 1) == [static]


async def test_session_expiry_reregisters_and_keeps_delivering(
    connect: Connect, zookeeper: ZooKeeperServer, inspector: KazooClient, interface: str
) -> None:
    providers_side, consumer_side = await connect(), await connect()
    a = provider(interface, 1001)
    await providers_side.register(a)
    recorder = Recorder()
    await consumer_side.subscribe(consumer(interface), recorder)
    assert recorder.queue.get_nowait() == [a]
    path = f"/dubbo/{interface}/providers/{url_encode(a.to_full_string())}"
    old_session = providers_side.client.client_id[0]

    expired_at = time.monotonic()
    await asyncio.to_thread(expire_session, zookeeper.address, providers_side.client.client_id)
    owner = None
    while time.monotonic() - expired_at < 2.0:  # the acceptance bound: back within 2 s
        stat = await asyncio.to_thread(inspector.exists, path)
        owner = None if stat is None else stat.ephemeralOwner
        if owner not in (None, old_session):
            break
        await asyncio.sleep(0.05)
    assert owner not in (None, old_session), "provider node not re-created under a new session within 2 s"
    assert owner == providers_side.client.client_id[0]
    await recorder.until(lambda u: u == [a])  # the consumer sees it (again, or still)

    # the consumer's own session expires: its subscription must keep delivering changes
    await asyncio.to_thread(expire_session, zookeeper.address, consumer_side.client.client_id)
    b = provider(interface, 1002)
    await providers_side.register(b)
    assert set(await recorder.until(lambda u: len(u) == 2)) == {a, b}
    await providers_side.unregister(a)
    assert await recorder.until(lambda u: len(u) == 1) == [b]
