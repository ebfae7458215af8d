"""The provider and consumer nodes dubbopy writes in ZooKeeper, read back by Java Dubbo 3.3.6 and 2.7.23.

The reader (``RegistryNodes.java``) lists a ZooKeeper path and parses each child name with the registry's
parser (``URLStrParser.parseEncodedStr``) and with ``URL.valueOf(URL.decode(name))``, and evaluates
``UrlUtils.isMatch(consumer, url)``: a node Java parses back to every parameter we wrote, and matches for the
consumers it should, is one a Java consumer selects. ``reencoded`` (``URL.encode(url.toFullString())``) is the
node name Java would write for what it read: it must be ours, byte for byte.

A parameter value cannot hold ``&`` or ``;``: Java writes values raw in ``toFullString`` (so does dubbopy)
and its parsers split parameters at both; :func:`test_java_cannot_read_back_a_value_with_ampersand_or_semicolon`
pins that down, the other tests keep to values Java can carry.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from java_api import GreetingsService
from java_harness import RegistryNodes
from kazoo.client import KazooClient
from registry_fixtures import ZooKeeperServer, kazoo_client

import dubbopy
from dubbopy.registry.zookeeper.registry import node_path
from dubbopy.url import URL

pytestmark = pytest.mark.interop

INTERFACE = "org.apache.dubbo.samples.api.GreetingsService"
VERSION = "1.2.3"
GROUP = "g1"
# values that need escaping in a node name; no leading or trailing space (toFullString trims values, in
# Java too) and no "&" or ";" (see the module documentation)
TRICKY = {
    "note": "a,b /c=d e:f?g%h+i#k@!$'()*[]~\"<>|\\^`{}",
    "label": "é中文 ключ 😀 ✓",
    "path.like": "/a/b/c,d",
    "sayHi.timeout": "50",
}
PROVIDER_PARAMS = {"weight": "7", "timeout": "3000", **TRICKY}
DEADLINE = 30.0  # seconds for a node to appear (a loaded 2-core machine; it takes milliseconds)


@pytest.fixture(params=["33", "27"])
def reader(request: pytest.FixtureRequest) -> RegistryNodes:
    """The Java 3.3.6 / 2.7.23 node reader."""
    found: RegistryNodes = request.getfixturevalue(f"java{request.param}_registry_nodes")
    return found


@pytest.fixture
def inspector(zookeeper: ZooKeeperServer) -> Iterator[KazooClient]:
    """A plain kazoo client, to wait for nodes and read their names."""
    with kazoo_client(zookeeper.address, DEADLINE) as client:
        yield client


@pytest.fixture
async def provider(zookeeper: ZooKeeperServer) -> AsyncIterator[tuple[dubbopy.Server, str]]:
    """A dubbopy GreetingsService provider (version, group, weight, timeouts, tricky parameters) registered
    in the test ZooKeeper under a root of its own; yields it and its registry address."""
    registry = f"zookeeper://{zookeeper.address}?group=/py-nodes-{uuid.uuid4().hex[:6]}"
    protocol = URL("dubbo", "0.0.0.0", 0, params=PROVIDER_PARAMS)
    server = dubbopy.Server(application="py-provider", protocols=[protocol], registries=[registry])
    server.add(GreetingsService(), version=VERSION, group=GROUP)
    await server.start()
    try:
        yield server, registry
    finally:
        await server.stop(grace=1.0)


def _category(registry: str, category: str) -> str:
    return f"{URL.parse(registry).get('group')}/{INTERFACE}/{category}"


async def _names(inspector: KazooClient, path: str) -> list[str]:
    """The children of ``path`` once there are any (polled)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE
    while True:
        if await asyncio.to_thread(inspector.exists, path):
            names: list[str] = sorted(await asyncio.to_thread(inspector.get_children, path))
            if names:
                return names
        assert loop.time() < deadline, f"no node under {path} within {DEADLINE:.0f} s"
        await asyncio.sleep(0.05)


def _consumer(**params: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"consumer://10.9.8.7/{INTERFACE}?{query}" if query else f"consumer://10.9.8.7/{INTERFACE}"


# consumer URL -> whether Java's isMatch must select our provider for it
CONSUMERS = {
    _consumer(version=VERSION, group=GROUP): True,
    _consumer(version=VERSION, group="g2"): False,
    _consumer(version="9.9.9", group=GROUP): False,
    _consumer(): False,
    _consumer(version="*", group="*"): True,
    _consumer(version=VERSION, group=f"other,{GROUP}"): True,
    _consumer(version=VERSION, group=GROUP, enabled="true"): True,
}


def _assert_same_url(java: dict[str, Any], ours: URL) -> None:
    assert (java["protocol"], java["host"], java["port"], java["path"]) == (
        ours.protocol,
        ours.host,
        ours.port,
        ours.path,
    )
    assert java["parameters"] == dict(ours.params)
    assert java["serviceKey"] == ours.service_key


async def test_java_reads_every_parameter_of_a_python_provider_node(
    reader: RegistryNodes, provider: tuple[dubbopy.Server, str], inspector: KazooClient, zookeeper: ZooKeeperServer
) -> None:
    server, registry = provider
    path = _category(registry, "providers")
    names = await _names(inspector, path)
    nodes = await asyncio.to_thread(reader.read, zookeeper.address, path, list(CONSUMERS))
    assert [node["name"] for node in nodes] == names == [names[0]]
    node = nodes[0]
    ours = URL.parse_encoded(node["name"])
    # what we meant to publish is what the node says, to us and to Java
    assert ours.port == server.ports[0]
    assert {k: ours.params[k] for k in PROVIDER_PARAMS} == PROVIDER_PARAMS
    assert (ours.version, ours.group, ours.get("methods"), ours.path) == (VERSION, GROUP, "sayHi", INTERFACE)
    for parse in ("registry", "valueOf"):
        _assert_same_url(node[parse], ours)
        assert node[parse]["matches"] == list(CONSUMERS.values()), parse
    assert node["reencoded"] == node["name"]


async def test_java_reads_a_python_consumer_node_and_would_select_our_provider(
    reader: RegistryNodes, provider: tuple[dubbopy.Server, str], inspector: KazooClient, zookeeper: ZooKeeperServer
) -> None:
    _, registry = provider
    params = {"note": TRICKY["note"], "label": TRICKY["label"], "sayHi.retries": "0"}
    async with dubbopy.Client(application="py-consumer", registries=[registry]) as client:
        greetings = client.reference(GreetingsService, version=VERSION, group=GROUP, protocol="dubbo", params=params)
        assert "nodes" in await greetings.sayHi("nodes")  # the first call registers the consumer node
        names = await _names(inspector, _category(registry, "consumers"))
        nodes = await asyncio.to_thread(reader.read, zookeeper.address, _category(registry, "consumers"))
        assert [node["name"] for node in nodes] == names
        ours = URL.parse_encoded(names[0])
        assert ours.protocol == "consumer"
        assert {k: ours.params[k] for k in params} == params
        for parse in ("registry", "valueOf"):
            _assert_same_url(nodes[0][parse], ours)
        assert nodes[0]["reencoded"] == names[0]
        # Java, subscribing with the consumer URL we registered (as a subscription: the categories it
        # reads instead of category=consumers), selects the provider we registered
        subscription = ours.with_param("category", "providers,configurators,routers").to_full_string()
        providers = await asyncio.to_thread(
            reader.read, zookeeper.address, _category(registry, "providers"), [subscription]
        )
        assert [p["registry"]["matches"] for p in providers] == [[True]]


def _random_value(rng: random.Random) -> str:
    alphabet = ",/=:?%+#@!$'()*[] ~-_.\"<>|\\^`{}" + "aZ09" + "éß中文ключ😀\u00a0"
    return "".join(rng.choice(alphabet) for _ in range(rng.randrange(1, 14))).strip(" ") or "x"


def _node_name(url: URL) -> str:
    return node_path("/dubbo", url).rsplit("/", 1)[1]


def test_java_and_dubbopy_parse_node_names_alike(reader: RegistryNodes) -> None:
    """Node names dubbopy writes for URLs with random values (every printable ASCII but ``&`` and ``;``,
    non-ASCII, astral), parsed by Java's two parsers: the values written, as dubbopy reads them too."""
    rng = random.Random(4242)
    urls: list[URL] = []
    for n in range(60):
        params = {"interface": INTERFACE, "side": "provider", "version": VERSION}
        params.update({f"k{i}": _random_value(rng) for i in range(4)})
        urls.append(URL("dubbo", f"10.0.{n}.1", 20000 + n, INTERFACE, params))
    names = [_node_name(url) for url in urls]
    by_name = {node["name"]: node for node in reader.parse(names, [_consumer(version=VERSION)])}
    for url, name in zip(urls, names, strict=True):
        node = by_name[name]
        assert URL.parse_encoded(name) == url
        for parse in ("registry", "valueOf"):
            _assert_same_url(node[parse], url)
            assert node[parse]["matches"] == [True]
        assert node["reencoded"] == name


@pytest.mark.parametrize("value", ["a&b", "a;b", "x=1&y=2"])
def test_java_cannot_read_back_a_value_with_ampersand_or_semicolon(reader: RegistryNodes, value: str) -> None:
    # Java's format has no escape for them inside a value: a Java provider's own node breaks the same way
    url = URL("dubbo", "10.0.0.1", 20880, INTERFACE, {"interface": INTERFACE, "note": value})
    node = reader.parse([_node_name(url)])[0]
    assert node["registry"].get("parameters", {}).get("note") != value
    assert node["valueOf"]["parameters"].get("note") != value
