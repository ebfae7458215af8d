"""Java Dubbo and dubbopy finding each other through a real ZooKeeper (interface-level registration).

* A Java 3.3.6 / 2.7.23 provider registered in ZooKeeper → a dubbopy consumer discovers and calls it
  (over dubbo://; and over tri:// for 3.3.6).
* A dubbopy provider registered in ZooKeeper → the Java 3.3.6 / 2.7.23 consumer discovers and calls it.
* Both ways again through a ``simplified=true`` registry, where Java 3.3.6 and dubbopy write provider
  nodes without ``methods``, ``interface`` and the other keys Java leaves out.
* Tag routing both ways: Java 3.3.6 consumers route by the ``dubbo.tag`` dubbopy providers register, and
  dubbopy consumers by the one a Java provider registers (``dubbo.provider.tag``).
* A Java 3.3.6 provider exported with ``token=true`` is called over dubbo:// and tri:// (the consumer
  sends the token its provider URL carries).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from java_api import GREETINGS_SERVICE, GreetingsService
from java_fixtures import require_java_harness
from java_harness import JavaConsumer, JavaProvider, start_provider
from registry_fixtures import ZooKeeperServer, kazoo_client

import dubbopy
from dubbopy.url import URL, url_decode

pytestmark = pytest.mark.interop


def _provider_in_zk(
    request: pytest.FixtureRequest, zookeeper: ZooKeeperServer, version: str, options: str = ""
) -> Iterator[JavaProvider]:
    """A Java provider of the test API, registered in the test ZooKeeper under its own root; ``options``
    are more registry URL parameters (``&simplified=true``)."""
    require_java_harness(request, version)
    root = f"/java{version}-{uuid.uuid4().hex[:6]}"
    registry = f"zookeeper://{zookeeper.address}?group={root}{options}"
    with start_provider(version, properties={"dubbopy.registry": registry}) as provider:
        provider.registry = registry  # type: ignore[attr-defined]
        yield provider


@pytest.fixture(scope="module")
def java33_in_zk(request: pytest.FixtureRequest, zookeeper: ZooKeeperServer) -> Iterator[JavaProvider]:
    yield from _provider_in_zk(request, zookeeper, "33")


@pytest.fixture(scope="module")
def java27_in_zk(request: pytest.FixtureRequest, zookeeper: ZooKeeperServer) -> Iterator[JavaProvider]:
    yield from _provider_in_zk(request, zookeeper, "27")


@pytest.fixture(scope="module")
def java33_in_simplified_zk(request: pytest.FixtureRequest, zookeeper: ZooKeeperServer) -> Iterator[JavaProvider]:
    yield from _provider_in_zk(request, zookeeper, "33", "&simplified=true")


@contextlib.asynccontextmanager
async def _python_provider(registry: str, servicer: object, protocol: str = "dubbo://0.0.0.0:0") -> AsyncIterator[None]:
    """A dubbopy provider of ``servicer`` registered in ``registry``, on every interface: Java consumers
    never dial 127.0.0.1 (``NetUtils.filterLocalHost``), and the URL registered carries this host's address."""
    server = dubbopy.Server(application="py-provider", protocols=[protocol], registries=[registry])
    server.add(servicer)
    await server.start()
    try:
        yield
    finally:
        await server.stop(grace=1.0)


async def _call_until_found(greetings: Any, name: str) -> str:
    """The provider registers right after READY: retry briefly while the registry catches up."""
    for _ in range(40):
        try:
            reply: str = await greetings.sayHi(name)
            return reply
        except dubbopy.RpcError:
            await asyncio.sleep(0.25)
    last: str = await greetings.sayHi(name)
    return last


@pytest.mark.parametrize("provider_fixture", ["java33_in_zk", "java27_in_zk"])
async def test_python_discovers_a_java_provider_over_dubbo(
    provider_fixture: str, request: pytest.FixtureRequest
) -> None:
    provider: JavaProvider = request.getfixturevalue(provider_fixture)
    registry = provider.registry  # type: ignore[attr-defined]
    async with dubbopy.Client(application="py-consumer", registries=[registry]) as client:
        greetings = client.reference(GreetingsService, protocol="dubbo")
        assert await _call_until_found(greetings, "py") == "hi, py"


async def test_python_discovers_a_java_provider_over_tri(java33_in_zk: JavaProvider) -> None:
    # (Dubbo 2.7 has no Triple protocol)
    registry = java33_in_zk.registry  # type: ignore[attr-defined]
    async with dubbopy.Client(application="py-consumer", registries=[registry]) as client:
        greetings = client.reference(GreetingsService, protocol="tri")
        assert await _call_until_found(greetings, "tri") == "hi, tri"


@pytest.mark.parametrize("consumer_fixture", ["java33_consumer", "java27_consumer"])
async def test_a_java_consumer_discovers_a_python_provider(
    consumer_fixture: str, request: pytest.FixtureRequest, zookeeper: ZooKeeperServer
) -> None:
    consumer: JavaConsumer = request.getfixturevalue(consumer_fixture)
    registry = f"zookeeper://{zookeeper.address}?group=/py-{uuid.uuid4().hex[:6]}"
    async with _python_provider(registry, GreetingsService()):
        result = await consumer.acall("GreetingsService.sayHi", None, ["java"], registry=registry, protocol="dubbo")
    assert result.ok, result.error
    assert result.value == "hi, java"


async def test_python_calls_a_java_provider_through_a_simplified_registry(
    java33_in_simplified_zk: JavaProvider, zookeeper: ZooKeeperServer
) -> None:
    registry = java33_in_simplified_zk.registry  # type: ignore[attr-defined]
    async with dubbopy.Client(application="py-consumer", registries=[registry]) as client:
        greetings = client.reference(GreetingsService, protocol="dubbo")
        assert await _call_until_found(greetings, "simple") == "hi, simple"
    # Java did write the simplified node (so the call above read one)
    root = URL.parse(registry).get("group")
    with kazoo_client(zookeeper.address) as zk:
        children = zk.get_children(f"{root}/{GREETINGS_SERVICE}/providers")
    written = [URL.parse(url_decode(child)) for child in children]
    assert written
    assert all("methods" not in u.params for u in written), written
    assert all("interface" not in u.params for u in written), written


async def test_java_calls_a_python_provider_through_a_simplified_registry(
    java33_consumer: JavaConsumer, zookeeper: ZooKeeperServer
) -> None:
    registry = f"zookeeper://{zookeeper.address}?group=/py-simple-{uuid.uuid4().hex[:6]}&simplified=true"
    async with _python_provider(registry, GreetingsService()):
        result = await java33_consumer.acall(
            "GreetingsService.sayHi", None, ["simple"], registry=registry, protocol="dubbo"
        )
    assert result.ok, result.error
    assert result.value == "hi, simple"


async def test_java_routes_by_the_tags_dubbopy_providers_register(
    java33_consumer: JavaConsumer, zookeeper: ZooKeeperServer
) -> None:
    registry = f"zookeeper://{zookeeper.address}?group=/py-tags-{uuid.uuid4().hex[:6]}"
    async with (
        _python_provider(registry, GreetingsService()),
        _python_provider(registry, GreetingsService(prefix="gray "), "dubbo://0.0.0.0:0?dubbo.tag=gray"),
    ):
        call = {"registry": registry, "protocol": "dubbo"}
        untagged = [await java33_consumer.acall("GreetingsService.sayHi", None, ["java"], **call) for _ in range(6)]
        gray = {"dubbo.tag": "gray"}
        tagged = [
            await java33_consumer.acall("GreetingsService.sayHi", None, ["java"], attachments=gray, **call)
            for _ in range(6)
        ]
    assert {r.value if r.ok else r.error for r in untagged} == {"hi, java"}
    assert {r.value if r.ok else r.error for r in tagged} == {"gray hi, java"}


async def test_dubbopy_routes_by_the_tag_a_java_provider_registers(
    request: pytest.FixtureRequest, zookeeper: ZooKeeperServer
) -> None:
    # a Java 3.3.6 provider tagged through Dubbo's own property, beside an untagged dubbopy provider
    require_java_harness(request, "33")
    registry = f"zookeeper://{zookeeper.address}?group=/java-tags-{uuid.uuid4().hex[:6]}"
    async with _python_provider(registry, GreetingsService(prefix="python ")):
        with start_provider("33", properties={"dubbopy.registry": registry, "dubbo.provider.tag": "gray"}):
            async with dubbopy.Client(application="py-consumer", registries=[registry]) as client:
                greetings = client.reference(GreetingsService, protocol="dubbo")
                gray = client.reference(GreetingsService, protocol="dubbo", params={"dubbo.tag": "gray"})
                # until the Java provider is listed, a gray call falls back to the untagged provider
                async with asyncio.timeout(20):
                    while await _call_until_found(gray, "a") != "hi, a":  # noqa: ASYNC110 - polling a remote state
                        await asyncio.sleep(0.1)
                assert {await greetings.sayHi("b") for _ in range(10)} == {"python hi, b"}
                assert {await gray.sayHi("c") for _ in range(10)} == {"hi, c"}


@pytest.mark.parametrize("protocol", ["dubbo", "tri"])
async def test_python_calls_a_java_provider_that_checks_a_token(
    protocol: str, request: pytest.FixtureRequest, zookeeper: ZooKeeperServer
) -> None:
    # token=true: Java's TokenFilter rejects calls without the random token its provider URL carries
    require_java_harness(request, "33")
    registry = f"zookeeper://{zookeeper.address}?group=/java-token-{uuid.uuid4().hex[:6]}"
    with start_provider("33", properties={"dubbopy.registry": registry, "dubbo.provider.token": "true"}):
        async with dubbopy.Client(application="py-consumer", registries=[registry]) as client:
            greetings = client.reference(GreetingsService, protocol=protocol)
            assert await _call_until_found(greetings, "token") == "hi, token"
        root = URL.parse(registry).get("group")
        with kazoo_client(zookeeper.address) as zk:
            children = zk.get_children(f"{root}/{GREETINGS_SERVICE}/providers")
    tokens = {URL.parse(url_decode(child)).get("token") for child in children}
    assert None not in tokens, "Java should register a token"
    assert "true" not in tokens, f"Java should register a generated token, not the setting: {tokens}"
