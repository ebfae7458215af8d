"""The etcd registry against a real etcd 3.4 (``etcd`` fixture, ``tests/registry_fixtures.py``).

What a dubbo-go peer or an operator would notice: the exact key dubbo-go reads, leased registrations that
go with the client and come back after a lost lease, notifications with the full list per category, and
subscriptions that keep delivering across an etcd restart.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from registry_fixtures import EtcdServer
from registry_support import SPEC_PROVIDER, WAIT, Recorder, consumer, is_empty, provider

from dubbopy import extension
from dubbopy.registry import parse_registry_address
from dubbopy.registry.etcd import EtcdRegistry, EtcdRegistryFactory, go_query_escape
from dubbopy.registry.etcd.client import EtcdClient
from dubbopy.url import URL

# spec/url.md §2: a Java 3.3 provider URL; Go's url.QueryEscape of it, written out by hand.
SPEC_KEY_NAME = (
    "dubbo%3A%2F%2F192.168.1.10%3A20880%2Forg.apache.dubbo.demo.DemoService%3Fapplication%3Ddemo-provider"
    "%26deprecated%3Dfalse%26dubbo%3D2.0.2%26dynamic%3Dtrue%26generic%3Dfalse%26interface%3D"
    "org.apache.dubbo.demo.DemoService%26methods%3DsayHello%2CsayHelloAsync%26prefer.serialization%3D"
    "hessian2%2Cfastjson2%26release%3D3.3.0%26service-name-mapping%3Dtrue%26side%3Dprovider"
    "%26timestamp%3D1732233600000"
)
Connect = Callable[..., Awaitable[EtcdRegistry]]


def key_of(interface: str, url: URL, root: str = "/dubbo") -> bytes:
    return f"{root}/{interface}/providers/{go_query_escape(url.to_full_string())}".encode()


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll ``check`` until it holds (bounded by WAIT: a liveness bound, not a timing assertion)."""
    try:
        async with asyncio.timeout(WAIT):
            while not await check():  # noqa: ASYNC110 - polling another process's state in etcd
                await asyncio.sleep(0.05)
    except TimeoutError:
        pytest.fail(f"not within {WAIT:.0f} s: {what}")


@pytest.fixture
def interface() -> str:
    """A service name no other test uses, so tests share the session's server without seeing each other."""
    return f"org.example.Svc{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def connect(etcd: EtcdServer) -> AsyncIterator[Connect]:
    """Started registries on the test server (closed at the end): ``await connect(query="")``."""
    opened: list[EtcdRegistry] = []

    async def open_one(query: str = "") -> EtcdRegistry:
        registry = EtcdRegistry(parse_registry_address(f"{etcd.url}?timeout=20000&ttl=2s{query}"))
        await registry.start()
        opened.append(registry)
        return registry

    yield open_one
    for registry in opened:
        await registry.close()


@pytest.fixture
async def inspector(etcd: EtcdServer) -> AsyncIterator[EtcdClient]:
    """A separate etcd client to look at the keys the way another process would."""
    client = EtcdClient([etcd.address], timeout=20.0)
    yield client
    await client.close()


async def test_etcd_is_a_registry_extension_under_dubbo_go_names() -> None:
    for name in ("etcdv3", "etcd"):
        factory = extension.registries.get(name)
        assert isinstance(factory, EtcdRegistryFactory)
    registry = EtcdRegistryFactory().create(parse_registry_address("etcdv3://10.0.0.1,10.0.0.2:2380?ttl=15s"))
    assert registry.address.addresses == ("10.0.0.1:2379", "10.0.0.2:2380")  # etcd's port, not ZooKeeper's
    assert isinstance(registry, EtcdRegistry)
    assert registry.ttl == 15


def test_keys_are_escaped_as_go_query_escape() -> None:
    assert go_query_escape(SPEC_PROVIDER) == SPEC_KEY_NAME
    assert go_query_escape("a b~c*d/é") == "a+b~c%2Ad%2F%C3%A9"  # Go keeps "~", escapes "*" (Java: the reverse)


async def test_register_writes_the_key_dubbo_go_reads(connect: Connect, inspector: EtcdClient) -> None:
    registry = await connect()
    url = URL.parse(SPEC_PROVIDER)
    await registry.register(url)
    key = f"/dubbo/org.apache.dubbo.demo.DemoService/providers/{SPEC_KEY_NAME}".encode()
    kv = await inspector.get(key)
    assert kv is not None
    assert kv.value == b""
    assert kv.lease == registry.lease != 0  # leased: the key lives as long as this client
    for parent in (
        b"/dubbo",
        b"/dubbo/org.apache.dubbo.demo.DemoService",
        b"/dubbo/org.apache.dubbo.demo.DemoService/providers",
    ):
        directory = await inspector.get(parent)  # dubbo-go's CreatePath: persistent empty keys
        assert directory is not None
        assert (directory.value, directory.lease) == (b"", 0)
    assert URL.parse_encoded(SPEC_KEY_NAME) == url
    await registry.unregister(url)
    assert await inspector.get(key) is None


async def test_group_sets_the_root(connect: Connect, inspector: EtcdClient, interface: str) -> None:
    registry = await connect("&group=custom-root")
    url = provider(interface, 20880)
    await registry.register(url)
    assert await inspector.get(key_of(interface, url, "/custom-root")) is not None
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
    assert await recorder.until(lambda u: not is_empty(u)) == [a]
    await providers_side.register(b)
    got = await recorder.until(lambda u: len(u) == 2)
    assert set(got) == {a, b}  # the full list, parsed back to the registered URLs
    await providers_side.unregister(a)
    assert await recorder.until(lambda u: len(u) == 1) == [b]
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


async def test_closing_revokes_the_lease(connect: Connect, inspector: EtcdClient, interface: str) -> None:
    owner, watcher = await connect(), await connect()
    dynamic, static = provider(interface, 1), provider(interface, 2, dynamic="false")
    await owner.register(dynamic)
    await owner.register(static)
    recorder = Recorder()
    await watcher.subscribe(consumer(interface), recorder)
    assert set(recorder.queue.get_nowait()) == {dynamic, static}
    await owner.close()
    # revoked, not left to expire: the leased key is gone as soon as close returns
    assert await inspector.get(key_of(interface, dynamic)) is None
    assert await recorder.until(lambda u: len(u) == 1) == [static]  # dynamic=false: no lease, it stays
    await inspector.delete(key_of(interface, static))


async def test_lost_lease_registers_again(connect: Connect, inspector: EtcdClient, interface: str) -> None:
    providers_side, consumer_side = await connect(), await connect()
    a = provider(interface, 1001)
    await providers_side.register(a)
    recorder = Recorder()
    await consumer_side.subscribe(consumer(interface), recorder)
    assert recorder.queue.get_nowait() == [a]
    old_lease = providers_side.lease

    await inspector.revoke(old_lease)  # what etcd does to a lease whose keep-alives stopped arriving
    await recorder.until(is_empty)

    async def back_under_a_new_lease() -> bool:
        kv = await inspector.get(key_of(interface, a))
        return kv is not None and kv.lease not in (0, old_lease)

    await eventually(back_under_a_new_lease, "the provider key re-created under a new lease")
    assert await recorder.until(lambda u: not is_empty(u)) == [a]
    assert (await inspector.get(key_of(interface, a))).lease == providers_side.lease  # type: ignore[union-attr]


async def test_etcd_restart_keeps_registrations_and_subscriptions(
    connect: Connect, etcd: EtcdServer, inspector: EtcdClient, interface: str
) -> None:
    providers_side, consumer_side = await connect(), await connect()
    a, b = provider(interface, 1001), provider(interface, 1002)
    await providers_side.register(a)
    recorder = Recorder()
    await consumer_side.subscribe(consumer(interface), recorder)
    assert recorder.queue.get_nowait() == [a]

    try:
        await asyncio.to_thread(etcd.stop)
        await providers_side.register(b)  # while etcd is down: written once it is back
        await asyncio.to_thread(etcd.start)
    finally:
        if not etcd.running:
            await asyncio.to_thread(etcd.start)

    # the provider's keys are there (a kept alive across the restart, b written after it) ...
    async def both_registered() -> bool:
        return all([await inspector.get(key_of(interface, u)) is not None for u in (a, b)])

    await eventually(both_registered, "both registrations present after the restart")
    # ... and the consumer's watch resumed: it saw b, and it sees later changes
    assert set(await recorder.until(lambda u: len(u) == 2)) == {a, b}
    await providers_side.unregister(a)
    assert await recorder.until(lambda u: len(u) == 1) == [b]
    assert (await inspector.get(key_of(interface, b))).lease == providers_side.lease  # type: ignore[union-attr]
