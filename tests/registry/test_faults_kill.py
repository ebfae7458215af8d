"""Faults with real provider processes and real registries: a provider dies without a goodbye.

Three ``provider_process.py`` processes register in the session's ZooKeeper or etcd (2 s sessions /
leases); an in-process consumer drives sustained concurrent load through a registry reference; one
provider gets SIGKILL mid-load.

* ``failover``: not one call fails; every caller keeps getting answers, from the survivors only, and
  the dead provider leaves the consumer's directory once its session or lease ends.
* ``failfast``: the calls routed to the dead provider fail with ``UNAVAILABLE`` at the caller; once the
  directory has dropped it, every call succeeds.
* A provider paused (SIGSTOP) past its session / lease loses its registration, and registers again by
  itself when it resumes, so the consumer sees it leave and come back.

Each strategy runs on both registries and, to cover both transports without doubling the time, on
``dubbo`` with one registry and ``tri`` with the other.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import pytest
from fault_support import CALL_TIMEOUT, LEAVE_DEADLINE, SESSION, Load, until_directory
from provider_process import fault_service
from provider_processes import ProviderLauncher

import dubbopy
from dubbopy.errors import StatusCode

CALLERS = 8
#: per cluster strategy, how many calls every caller makes after the directory dropped the killed provider
AFTER_THE_KILL = {"failover": (5, "get answers"), "failfast": (10, "make calls")}


@pytest.fixture
def launcher(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProviderLauncher]:
    # one interface per test: the session's registries are shared with every other test
    interface = f"org.dubbopy.test.Faulty{uuid.uuid4().hex[:8]}"
    with ProviderLauncher(tmp_path_factory.mktemp("providers"), interface) as launcher:
        yield launcher


def _registry(request: pytest.FixtureRequest, kind: str) -> str:
    server = request.getfixturevalue(kind)  # the session's zookeeper / etcd
    return str(server.url)


async def _kill_one_mid_load(
    request: pytest.FixtureRequest,
    launcher: ProviderLauncher,
    kind: str,
    protocol: str,
    cluster: str,
) -> tuple[Load, float, float]:
    """Providers p1-p3 under load through a ``cluster`` reference; p1 gets SIGKILL once every caller had 5
    answers. Returns the load, when p1 was killed, and when the directory had dropped it (after which every
    caller went on as :data:`AFTER_THE_KILL` says).

    The reference balances round robin: the :data:`CALLERS` calls in flight at any moment are the last
    picks, so p1 always has some of them when it dies (with random picks, none of 8 is on p1 one time
    in 25, and then nothing could fail)."""
    registry = _registry(request, kind)
    providers = await launcher.start(["p1", "p2", "p3"], registry, protocol=protocol, session=SESSION)
    victim, survivors = providers[0], providers[1:]
    service = fault_service(launcher.interface)
    async with dubbopy.Client(registries=[f"{registry}?timeout=10000"]) as client:
        stub = client.reference(
            service, cluster=cluster, protocol=protocol, timeout=CALL_TIMEOUT, params={"loadbalance": "roundrobin"}
        )
        await until_directory(client, {p.address for p in providers})
        async with Load(stub, CALLERS) as load:
            await load.until_each_caller(5, 0.0)
            victim.kill()
            killed = time.monotonic()
            left = await until_directory(client, {p.address for p in survivors}, LEAVE_DEADLINE)
            calls, what = AFTER_THE_KILL[cluster]
            await load.until_each_caller(calls, left, f"every caller to {what} after p1 left")
    return load, killed, left


@pytest.mark.parametrize(("kind", "protocol"), [("zookeeper", "dubbo"), ("etcd", "tri")])
async def test_failover_loses_no_call_when_a_provider_is_killed_mid_load(
    kind: str, protocol: str, request: pytest.FixtureRequest, launcher: ProviderLauncher
) -> None:
    load, killed, _ = await _kill_one_mid_load(request, launcher, kind, protocol, "failover")
    assert not load.failures(), f"failover let calls fail:\n{load.describe(load.failures())}"
    assert load.answered_by(load.calls) == {"p1", "p2", "p3"}, "the load did not reach every provider before the kill"
    for caller in range(CALLERS):
        after = [call for call in load.since(killed) if call.caller == caller]
        assert after, f"caller {caller} got no answer after the kill"
        assert load.answered_by(after) <= {"p2", "p3"}, f"caller {caller}: {load.answered_by(after)}"
    assert load.answered_by(load.since(killed)) == {"p2", "p3"}, "the survivors did not share the load"


@pytest.mark.parametrize(("kind", "protocol"), [("zookeeper", "tri"), ("etcd", "dubbo")])
async def test_failfast_reports_a_killed_provider_to_the_caller(
    kind: str, protocol: str, request: pytest.FixtureRequest, launcher: ProviderLauncher
) -> None:
    load, killed, left = await _kill_one_mid_load(request, launcher, kind, protocol, "failfast")
    failures = load.failures()
    assert failures, "no call failed although failfast sent calls to a killed provider"
    for call in failures:
        assert call.ended >= killed - 0.5, f"a call failed before the kill: {call.error!r}"
        assert isinstance(call.error, dubbopy.RpcError)
        assert call.error.status is StatusCode.UNAVAILABLE, f"{call.error!r}"
    late = [call for call in load.since(left) if call.error is not None]
    assert not late, f"calls failed after the directory dropped p1:\n{load.describe(late)}"
    assert load.answered_by(load.since(left)) == {"p2", "p3"}


@pytest.mark.parametrize("kind", ["zookeeper", "etcd"])
async def test_a_provider_paused_past_its_session_registers_again_when_it_resumes(
    kind: str, request: pytest.FixtureRequest, launcher: ProviderLauncher
) -> None:
    registry = _registry(request, kind)
    sleeper, steady = await launcher.start(["p1", "p2"], registry, session=SESSION)
    service = fault_service(launcher.interface)
    async with dubbopy.Client(registries=[f"{registry}?timeout=10000"]) as client:
        stub = client.reference(service, timeout=CALL_TIMEOUT)
        both = {sleeper.address, steady.address}
        await until_directory(client, both)
        sleeper.pause()  # no pings, no keep-alives: the server ends its session / lease
        try:
            await until_directory(client, {steady.address}, LEAVE_DEADLINE)
        finally:
            sleeper.resume()
        await until_directory(client, both)  # it noticed, and registered again by itself
        answers = {await stub.whoami() for _ in range(30)}
    assert answers == {"p1", "p2"}
