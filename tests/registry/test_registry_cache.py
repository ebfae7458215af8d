"""The local address cache (``dubbopy/registry/cache.py``): a consumer starts and calls while its registry is
down, from the file an earlier consumer wrote, and goes live again when the registry comes back.

The end-to-end tests run against real ZooKeeper and etcd servers of their own (``private_zookeeper``,
``private_etcd``: they are stopped and started again), with in-process ``dubbopy.Server`` providers on
real ports and ``dubbopy.Client`` consumers; the file-format tests check the bytes Java's
``Properties.store`` writes (captured from OpenJDK 17).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import uuid
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from registry_fixtures import ServerProcess, free_port
from registry_support import WAIT, echo_service, running_provider

import dubbopy
from dubbopy.errors import StatusCode
from dubbopy.registry.base import parse_registry_address
from dubbopy.registry.cache import CacheFile, RegistryCache, cache_path
from dubbopy.registry.properties import dump_properties, load_properties
from dubbopy.registry.publish import open_registry
from dubbopy.url import URL

# ------------------------------------------------------------------------------------- file format

# java.util.Properties.store(OutputStream, "Dubbo Registry Cache") of these two entries, OpenJDK 17
JAVA_STORED = (
    "#Dubbo Registry Cache\n"
    "#Sun Nov 22 04:13:37 UTC 2026\n"
    "g/org.apache.Demo\\:1.0.0=dubbo\\://10.0.0.1\\:20880/org.apache.Demo?a\\=b&c\\=x y "
    "empty\\://10.0.0.2/org.apache.Demo?category\\=routers\n"
    "\\ lead\\ key\\=\\:\\#\\!=\\ lead\\tvalue\\#\\!\\=\\:\\\\ \\u00E9\\u4E2D\\uD83D\\uDE00\\n\n"
)
JAVA_ENTRIES = {
    "g/org.apache.Demo:1.0.0": "dubbo://10.0.0.1:20880/org.apache.Demo?a=b&c=x y "
    "empty://10.0.0.2/org.apache.Demo?category=routers",
    " lead key=:#!": " lead\tvalue#!=:\\ \u00e9\u4e2d\U0001f600\n",
}


def test_java_properties_are_read_and_written_as_java_does() -> None:
    assert load_properties(JAVA_STORED) == JAVA_ENTRIES
    ours = dump_properties(JAVA_ENTRIES, "Dubbo Registry Cache")
    entry_lines = [line for line in ours.splitlines() if not line.startswith("#")]
    assert sorted(entry_lines) == sorted(line for line in JAVA_STORED.splitlines() if not line.startswith("#"))
    assert ours.startswith("#Dubbo Registry Cache\n")
    assert ours.isascii()


def test_properties_syntax_java_accepts_is_read() -> None:
    text = "a b\n  c:d\ne = = f\n! comment\n# comment\n g\\\n   h=1\\\\\nk\ncont=x\\\n  # not a comment\n"
    assert load_properties(text) == {"a": "b", "c": "d", "e": "= f", "gh": "1\\", "k": "", "cont": "x# not a comment"}


def test_a_malformed_unicode_escape_is_an_error() -> None:
    with pytest.raises(ValueError, match="malformed"):
        load_properties("key=\\u12G4\n")


@given(st.dictionaries(st.text(), st.text(), max_size=8))
def test_properties_round_trip(entries: dict[str, str]) -> None:
    assert load_properties(dump_properties(entries)) == entries


def _address(text: str) -> Any:
    return parse_registry_address(URL.parse(text))


def test_cache_location(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DUBBOPY_REGISTRY_CACHE_DIR", str(tmp_path / "caches"))
    assert cache_path(_address("zookeeper://10.0.0.1:2181")) == (
        tmp_path / "caches" / "dubbopy-registry-zookeeper-10.0.0.1-2181.cache"
    )
    home = tmp_path
    assert cache_path(_address("zookeeper://10.0.0.1:2181"), home=home) == (
        home / ".dubbo" / "dubbopy-registry-zookeeper-10.0.0.1-2181.cache"
    )
    named = _address("etcdv3://10.0.0.1:2379?application=shop&group=blue")
    assert cache_path(named, home=home) == home / ".dubbo" / "dubbopy-registry-shop-etcdv3-10.0.0.1-2379-blue.cache"
    assert cache_path(_address(f"zookeeper://h:1?file={tmp_path}/x.properties")) == tmp_path / "x.properties"
    assert cache_path(_address("zookeeper://h:1?file.cache=false")) is None  # Java 2.7's key
    assert cache_path(_address("zookeeper://h:1?file-cache=false")) is None  # Java 3.2+'s key


PROVIDER = URL.parse("dubbo://10.0.0.1:20880/org.x.Echo?interface=org.x.Echo&methods=who&side=provider&note=a:b=c")
OVERRIDE = URL.parse("override://0.0.0.0/org.x.Echo?category=configurators&weight=50")


async def test_recorded_urls_survive_in_the_file(tmp_path: Path) -> None:
    file = CacheFile(tmp_path / "registry.cache")
    cache = RegistryCache(file)
    await cache.load()
    cache.record("org.x.Echo", "providers", [PROVIDER])
    cache.record("org.x.Echo", "configurators", [OVERRIDE])
    await cache.close()
    assert file.read() == {"org.x.Echo": f"{OVERRIDE.to_full_string()} {PROVIDER.to_full_string()}"}

    again = RegistryCache(file)
    await again.load()
    assert again.cached("org.x.Echo") == {"providers": [PROVIDER], "configurators": [OVERRIDE]}


async def test_writers_keep_each_others_entries(tmp_path: Path) -> None:
    path = tmp_path / "shared.cache"
    first, second = RegistryCache(CacheFile(path)), RegistryCache(CacheFile(path))
    await first.load()
    await second.load()
    first.record("org.x.A", "providers", [PROVIDER])
    second.record("org.x.B", "providers", [PROVIDER])
    await asyncio.gather(first.close(), second.close())
    assert set(CacheFile(path).read()) == {"org.x.A", "org.x.B"}
    left = sorted(await asyncio.to_thread(os.listdir, tmp_path))
    assert left == ["shared.cache", "shared.cache.lock"]  # no temporary file left behind


async def test_an_unreadable_cache_is_logged_and_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    corrupt = tmp_path / "corrupt.cache"
    corrupt.write_bytes(b"org.x.Echo=\\u12G4 \xff\x00\n")
    directory = tmp_path / "a-directory.cache"
    directory.mkdir()
    bad_url = tmp_path / "bad-url.cache"
    bad_url.write_text(dump_properties({"org.x.Echo": f"://nohost {PROVIDER.to_full_string()}"}))
    caplog.set_level(logging.WARNING, "dubbopy.registry.cache")
    for path in (corrupt, directory):
        cache = RegistryCache(CacheFile(path))
        await cache.load()
        assert cache.cached("org.x.Echo") == {}
        assert f"ignoring registry cache file {path}" in caplog.text
    cache = RegistryCache(CacheFile(bad_url))
    await cache.load()
    assert cache.cached("org.x.Echo") == {"providers": [PROVIDER]}  # the one good URL
    assert "ignoring a URL of 'org.x.Echo'" in caplog.text


# -------------------------------------------------------------------------------- real registries


@pytest.fixture
def interface_name() -> str:
    return f"org.dubbopy.test.Cached{uuid.uuid4().hex[:8]}"


def _registry_url(kind: str, address: str) -> str:
    scheme = "zookeeper" if kind == "zookeeper" else "etcdv3"
    return f"{scheme}://{address}?timeout=3000"


@pytest.fixture(params=["zookeeper", "etcd"])
def private_registry(request: pytest.FixtureRequest) -> tuple[str, ServerProcess]:
    """A registry server of this test's own (it gets stopped) and its registry URL."""
    server: ServerProcess = request.getfixturevalue(f"private_{request.param}")
    return _registry_url(request.param, server.address), server


def _provider(registry: str, echo: Any) -> contextlib.AbstractAsyncContextManager[dubbopy.Server]:
    return running_provider(registry, echo, grace=0.5, health=False, reflection=False)


async def _until(condition: Any, what: str) -> None:
    """Poll ``await condition()`` until it is true; fail naming ``what`` after a generous deadline."""
    try:
        async with asyncio.timeout(WAIT * 2):
            while not await condition():  # noqa: ASYNC110 - polling calls and another process's state
                await asyncio.sleep(0.1)
    except TimeoutError:
        pytest.fail(f"not within {WAIT * 2:g} s: {what}")


async def test_a_consumer_starts_from_the_cache_while_the_registry_is_down(
    private_registry: tuple[str, ServerProcess], interface_name: str, tmp_path: Path
) -> None:
    registry, server = private_registry
    cache_file = tmp_path / "consumer.cache"
    consumer_registry = f"{registry}&file={cache_file}"
    echo_class = echo_service(interface_name)
    first, second = echo_class("p1"), echo_class("p2")
    async with _provider(registry, first) as p1:
        async with dubbopy.Client(registries=[consumer_registry]) as client:
            assert await client.reference(echo_class).who("a") == "p1:a"
        cached = CacheFile(cache_file).read()[interface_name]
        assert f"dubbo://127.0.0.1:{p1.ports[0]}/{interface_name}?" in cached

        await asyncio.to_thread(server.stop)
        async with dubbopy.Client(registries=[f"{consumer_registry}&check=false"]) as client:
            echo = client.reference(echo_class, params={"loadbalance": "roundrobin"})
            assert await echo.who("b") == "p1:b"  # from the cache: the registry is down

            await asyncio.to_thread(server.start)
            async with _provider(registry, second):

                async def second_is_called() -> bool:
                    with contextlib.suppress(dubbopy.RpcError):  # lists may be in flux while it reconnects
                        await echo.who("c")
                    return second.calls > 0

                await _until(second_is_called, "the subscription is live again: a new provider gets calls")

                observer = await open_registry(URL.parse(f"{registry}&file.cache=false"))
                try:
                    wanted = URL.parse(f"consumer://127.0.0.1/{interface_name}?interface={interface_name}")

                    async def both_registered() -> bool:
                        return len(await observer.lookup(wanted)) == 2

                    await _until(both_registered, "the first provider is registered again")
                finally:
                    await observer.close()
    assert first.calls >= 2


@pytest.mark.parametrize("kind", ["zookeeper", "etcd"])
async def test_check_true_with_the_registry_down_and_no_cache_names_the_registry(kind: str, tmp_path: Path) -> None:
    address = f"127.0.0.1:{free_port()}"  # nothing listens there
    cache_file = tmp_path / "never.cache"
    echo_class = echo_service("org.dubbopy.test.Unreachable")
    async with dubbopy.Client(registries=[f"{_registry_url(kind, address)}&file={cache_file}"]) as client:
        with pytest.raises(dubbopy.RpcError) as caught:
            await client.reference(echo_class).who("x")
    assert caught.value.status is StatusCode.UNAVAILABLE
    assert address in str(caught.value)
    assert not cache_file.exists()


async def test_a_corrupt_cache_file_is_logged_and_then_replaced(
    zookeeper: Any, interface_name: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    registry = _registry_url("zookeeper", zookeeper.address)
    cache_file = tmp_path / "corrupt.cache"
    cache_file.write_bytes(b"\x00\xff garbage \\uZZZZ\n")
    caplog.set_level(logging.WARNING, "dubbopy.registry.cache")
    echo_class = echo_service(interface_name)
    client = dubbopy.Client(registries=[f"{registry}&file={cache_file}"])
    async with _provider(registry, echo_class("p1")) as p1, client:
        assert await client.reference(echo_class).who("a") == "p1:a"
    assert f"ignoring registry cache file {cache_file}" in caplog.text
    assert f"127.0.0.1:{p1.ports[0]}" in CacheFile(cache_file).read()[interface_name]


@pytest.mark.parametrize("switch", ["file.cache=false", "file-cache=false"])
async def test_no_file_when_the_cache_is_off(
    zookeeper: Any, interface_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, switch: str
) -> None:
    monkeypatch.setenv("DUBBOPY_REGISTRY_CACHE_DIR", str(tmp_path / ".dubbo"))
    registry = _registry_url("zookeeper", zookeeper.address)
    echo_class = echo_service(interface_name)
    client = dubbopy.Client(registries=[f"{registry}&{switch}"])
    async with _provider(registry, echo_class("p1")), client:
        assert await client.reference(echo_class).who("a") == "p1:a"
    assert await asyncio.to_thread(os.listdir, tmp_path) == []


async def test_two_registries_write_two_files(
    zookeeper: Any, etcd: Any, interface_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DUBBOPY_REGISTRY_CACHE_DIR", str(tmp_path / ".dubbo"))
    registries = [_registry_url("zookeeper", zookeeper.address), _registry_url("etcd", etcd.address)]
    echo_class = echo_service(interface_name)
    client = dubbopy.Client(registries=registries)
    async with _provider(registries[0], echo_class("zk")), _provider(registries[1], echo_class("etcd")), client:
        assert (await client.reference(echo_class).who("a")).endswith(":a")
    names = {
        f"dubbopy-registry-dubbopy-consumer-zookeeper-{zookeeper.address.replace(':', '-')}.cache",
        f"dubbopy-registry-dubbopy-consumer-etcdv3-{etcd.address.replace(':', '-')}.cache",
    }
    listed = await asyncio.to_thread(os.listdir, tmp_path / ".dubbo")
    files = {name: tmp_path / ".dubbo" / name for name in listed if name.endswith(".cache")}
    assert set(files) == names
    for path in files.values():
        assert f"/{interface_name}?" in CacheFile(path).read()[interface_name]
