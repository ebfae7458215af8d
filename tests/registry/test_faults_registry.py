"""Faults of the registry itself, with real provider processes: a ZooKeeper session expiry, a restart.

* A provider process whose ZooKeeper session is expired from outside (``expire_session`` with the session
  id and password the process printed) is back in ZooKeeper, under a new session, within 2 s; and after
  the consumer's own session is expired too, its subscription still delivers: a provider started
  afterwards is discovered and called.
* ZooKeeper or etcd stopped for a few seconds while a consumer calls: no call fails (the consumer's
  directory keeps what it knew), and once the server is back the registrations and subscriptions work
  again: a provider killed afterwards leaves the directory, a new one is discovered and called.
* etcd restarted with its data lost (an empty data dir, after a history of 100 revisions): the providers'
  leases are gone, so they must grant new ones and put their keys again, and the consumer's watches, now
  ahead of the new store's revision, must read it again from scratch instead of waiting for revisions
  that will not come back.

Neither server expires sessions or leases while it is down: ZooKeeper restores sessions from its data
dir with a fresh timeout, and etcd's lessor extends every lease when it becomes leader again. The case of
a session or lease that really ends is in ``test_faults_kill.py`` (a provider paused past it).
"""

from __future__ import annotations

import asyncio
import shutil
import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fault_support import CALL_TIMEOUT, LEAVE_DEADLINE, SESSION, WAIT, Load, directory_addresses, until_directory
from provider_process import fault_service
from provider_processes import ProviderLauncher
from registry_fixtures import EtcdServer, ZooKeeperServer, expire_session

import dubbopy
from dubbopy.registry.etcd.client import EtcdClient
from dubbopy.registry.zookeeper.registry import ZookeeperRegistry, category_path

#: The issue's bound for a provider whose ZooKeeper session expired to be registered again.
REREGISTER_WITHIN = 2.0
#: How long a registry stays down: longer than the providers' sessions and leases.
OUTAGE = SESSION + 1.0


@pytest.fixture
def launcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderLauncher]:
    interface = f"org.dubbopy.test.Faulty{uuid.uuid4().hex[:8]}"
    with ProviderLauncher(tmp_path_factory.mktemp("providers"), interface) as launcher:
        yield launcher


def _owners(address: str, path: str, done: Any, timeout: float) -> tuple[float, dict[str, int]]:
    """Poll the ephemeral owners of ``path``'s children from a kazoo client of our own until
    ``done(owners)``; return when that first held and the owners then. Blocking (run in a thread)."""
    from kazoo.client import KazooClient

    watcher = KazooClient(hosts=address, timeout=10.0)
    watcher.start(timeout=30)
    try:
        deadline = time.monotonic() + timeout
        while True:
            owners = {}
            for child in watcher.get_children(path):
                stat = watcher.exists(f"{path}/{child}")
                if stat is not None:
                    owners[child] = stat.ephemeralOwner
            if done(owners):
                return time.monotonic(), owners
            if time.monotonic() > deadline:
                raise AssertionError(f"{path} never got the expected nodes within {timeout:g} s; last: {owners}")
            time.sleep(0.01)
    finally:
        watcher.stop()
        watcher.close()


async def test_a_provider_whose_zookeeper_session_expires_is_back_within_2_s(
    zookeeper: ZooKeeperServer, launcher: ProviderLauncher
) -> None:
    registry = zookeeper.url
    (p1,) = await launcher.start(["p1"], registry, session=SESSION)
    assert p1.session is not None
    old_session = p1.session[0]
    path = category_path("/dubbo", launcher.interface, "providers")
    service = fault_service(launcher.interface)
    async with dubbopy.Client(registries=[f"{registry}?timeout=10000"]) as client:
        stub = client.reference(service, timeout=CALL_TIMEOUT)
        assert await stub.whoami() == "p1"

        await asyncio.to_thread(expire_session, zookeeper.address, p1.session)
        expired = time.monotonic()
        back, owners = await asyncio.to_thread(
            _owners, zookeeper.address, path, lambda o: len(o) == 1 and old_session not in o.values(), WAIT
        )
        took = back - expired
        assert took <= REREGISTER_WITHIN, (
            f"p1's node came back {took:.2f} s after its session expired (required: within {REREGISTER_WITHIN} s)"
        )
        assert await stub.whoami() == "p1"

        # the consumer's own session ends too: its watches must be set again under the new one
        (opened,) = await client._open_registries()
        consumer_registry = getattr(opened, "registry", opened)  # the real one, if a cache wraps it
        assert isinstance(consumer_registry, ZookeeperRegistry)
        await asyncio.to_thread(expire_session, zookeeper.address, consumer_registry.client.client_id)
        (p2,) = await launcher.start(["p2"], registry, session=SESSION)
        await until_directory(client, {p1.address, p2.address})
        answers = {await stub.whoami() for _ in range(40)}
    assert answers == {"p1", "p2"}, f"took {took:.2f} s; {sorted(owners)}"


async def _age(server: EtcdServer, changes: int = 100) -> None:
    """Give etcd a history (a long-lived registry has seen many revisions; a fresh one counts from 1)."""
    client = EtcdClient((server.address,), timeout=10.0)
    try:
        for i in range(changes):
            await client.put(b"/history", str(i).encode())
    finally:
        await client.close()


def _wipe(server: ZooKeeperServer | EtcdServer) -> None:
    """Empty the (stopped) server's data dir: it comes back as a registry that never saw anyone."""
    data = server.data_dir
    shutil.rmtree(data)
    if isinstance(server, ZooKeeperServer):
        data.mkdir()


@pytest.mark.parametrize(
    ("kind", "data_lost"),
    [("zookeeper", False), ("etcd", False), ("etcd", True)],
    ids=["zookeeper", "etcd", "etcd-data-lost"],
)
async def test_after_a_registry_restart_everything_registers_and_subscribes_again(
    kind: str, data_lost: bool, request: pytest.FixtureRequest, launcher: ProviderLauncher
) -> None:
    server: ZooKeeperServer | EtcdServer = request.getfixturevalue(f"private_{kind}")
    registry = server.url
    if data_lost:
        assert isinstance(server, EtcdServer)
        await _age(server)
    p1, p2 = await launcher.start(["p1", "p2"], registry, session=SESSION)
    service = fault_service(launcher.interface)
    async with dubbopy.Client(registries=[f"{registry}?timeout=10000"]) as client:
        stub = client.reference(service, timeout=CALL_TIMEOUT)
        await until_directory(client, {p1.address, p2.address})
        async with Load(stub, 4) as load:
            await load.until_each_caller(3, 0.0)
            await asyncio.to_thread(server.stop)
            if data_lost:
                _wipe(server)
            stopped = time.monotonic()
            await asyncio.sleep(OUTAGE)  # the outage itself: calls go on meanwhile
            await load.until_each_caller(3, stopped, "calls to go on while the registry is down")
            await asyncio.to_thread(server.start)
            restarted = time.monotonic()
            await load.until_each_caller(3, restarted)
        assert not load.failures(), f"calls failed across the restart:\n{load.describe(load.failures())}"
        assert load.answered_by(load.since(stopped)) == {"p1", "p2"}

        # the registrations are in the registry again (etcd without its data: put again under new leases)
        async with dubbopy.Client(registries=[f"{registry}?timeout=10000"]) as newcomer:
            fresh = newcomer.reference(service, timeout=CALL_TIMEOUT)
            await until_directory(newcomer, {p1.address, p2.address})
            assert await fresh.whoami() in {"p1", "p2"}

        # and the consumer's subscription delivers again: a departure, then an arrival
        p1.kill()
        await until_directory(client, {p2.address}, LEAVE_DEADLINE)
        (p3,) = await launcher.start(["p3"], registry, session=SESSION)
        await until_directory(client, {p2.address, p3.address})
        answers = {await stub.whoami() for _ in range(40)}
        assert answers == {"p2", "p3"}, f"directory: {await directory_addresses(client)}"
