"""``zone-aware`` over fake registries: each member is a fake provider seen through a registry URL."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from cluster_fakes import SERVICE, FakeInvoker, invocation, unavailable

from dubbopy import extension
from dubbopy.cluster.directory import StaticDirectory
from dubbopy.cluster.strategies import Cluster
from dubbopy.cluster.strategies.zoneaware import (
    RegistryInvoker,
    ZoneAwareClusterInvoker,
    registry_preferred,
    registry_weight,
    registry_zone,
)
from dubbopy.errors import RpcError, StatusCode
from dubbopy.rpc import Invocation, Invoker
from dubbopy.url import URL


def registry(port: int, **params: str) -> URL:
    return URL("zookeeper", "127.0.0.1", port, "org.apache.dubbo.registry.RegistryService", params)


def member(port: int, **params: str) -> tuple[RegistryInvoker, FakeInvoker]:
    """A registry on ``port`` whose single provider answers ``p<port>``."""
    provider = FakeInvoker(port)
    return RegistryInvoker(registry(port, **params), provider), provider


def zone_aware(*members: RegistryInvoker) -> ZoneAwareClusterInvoker:
    cluster = extension.clusters.get("zone-aware")
    assert isinstance(cluster, Cluster)
    listed: list[Invoker] = list(members)
    consumer = URL("consumer", "127.0.0.1", 0, SERVICE, {"interface": SERVICE})
    invoker = cluster.join(StaticDirectory(listed, consumer))
    assert isinstance(invoker, ZoneAwareClusterInvoker)
    invoker.rng = random.Random(7)
    return invoker


def call(**attachments: str) -> Invocation:
    inv = invocation()
    inv.attachments.update(attachments)
    return inv


async def test_the_preferred_registry_takes_every_call() -> None:
    a, _ = member(1, zone="z1")
    b, _ = member(2, preferred="true")
    invoker = zone_aware(a, b)
    # preferred beats even a call that names the other registry's zone
    values = {(await invoker.invoke(call(registry_zone="z1"))).value for _ in range(20)}
    assert values == {"p2"}


async def test_an_unavailable_preferred_registry_is_passed_over() -> None:
    a, _ = member(1)
    b, provider = member(2, preferred="true")
    provider.available = False
    invoker = zone_aware(a, b)
    assert {(await invoker.invoke(call())).value for _ in range(10)} == {"p1"}


async def test_dubbo_go_spellings_of_preferred_zone_and_weight() -> None:
    url = registry(1, **{"registry.preferred": "true", "registry.zone": "z9", "registry.weight": "7"})
    assert (registry_preferred(url), registry_zone(url), registry_weight(url)) == (True, "z9", 7)
    assert (registry_preferred(registry(1)), registry_zone(registry(1)), registry_weight(registry(1))) == (
        False,
        "",
        100,
    )
    a, _ = member(1, **{"registry.zone": "east"})
    b, _ = member(2, **{"registry.zone": "west"})
    invoker = zone_aware(a, b)
    assert (await invoker.invoke(call(**{"registry.zone": "west"}))).value == "p2"


async def test_the_call_zone_picks_the_registry_of_that_zone() -> None:
    a, _ = member(1, zone="east")
    b, _ = member(2, zone="west")
    invoker = zone_aware(a, b)
    assert {(await invoker.invoke(call(registry_zone="west"))).value for _ in range(10)} == {"p2"}
    assert {(await invoker.invoke(call(registry_zone="east"))).value for _ in range(10)} == {"p1"}


async def test_a_zone_without_providers_falls_back_unless_forced() -> None:
    a, _ = member(1, zone="east")
    b, provider = member(2, zone="west")
    provider.available = False
    invoker = zone_aware(a, b)
    assert (await invoker.invoke(call(registry_zone="west"))).value == "p1"
    assert (await invoker.invoke(call(registry_zone="north"))).value == "p1"
    result = await invoker.invoke(call(registry_zone="west", registry_zone_force="true"))
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.UNAVAILABLE
    assert "'west'" in str(result.exception)
    assert "127.0.0.1:2 (zone west)" in str(result.exception)
    assert provider.calls == 0


async def test_forcing_an_unknown_zone_fails_too() -> None:
    a, _ = member(1, zone="east")
    result = await zone_aware(a).invoke(call(**{"registry.zone": "mars", "registry.zone.force": "TRUE"}))
    assert isinstance(result.exception, RpcError)
    assert "'mars'" in str(result.exception)


async def test_without_preference_or_zone_registries_share_calls_by_weight() -> None:
    a, _ = member(1, weight="300")
    b, _ = member(2)  # default weight 100
    c, _ = member(3, weight="0")
    invoker = zone_aware(a, b, c)
    counts = Counter([(await invoker.invoke(call())).value for _ in range(400)])
    assert counts["p3"] == 0
    assert 200 < counts["p1"] < 380  # expected 300 of 400
    assert counts["p1"] + counts["p2"] == 400


async def test_unavailable_registries_are_skipped_by_the_weighted_pick() -> None:
    a, provider = member(1, weight="1000")
    b, _ = member(2, weight="1")
    provider.available = False
    invoker = zone_aware(a, b)
    assert {(await invoker.invoke(call())).value for _ in range(20)} == {"p2"}


async def test_no_available_registry_lets_the_first_report_the_failure() -> None:
    a, first = member(1)
    b, second = member(2)
    first.available = second.available = False
    first.script = [unavailable("first registry's provider is gone")]
    invoker = zone_aware(a, b)
    assert not invoker.is_available()
    result = await invoker.invoke(call())
    assert isinstance(result.exception, RpcError)
    assert "first registry's provider is gone" in str(result.exception)
    assert (first.calls, second.calls) == (1, 0)


async def test_closing_closes_every_registry_member() -> None:
    a, first = member(1)
    b, second = member(2)
    invoker = zone_aware(a, b)
    await invoker.close()
    assert not first.is_available()
    assert not second.is_available()
    result = await invoker.invoke(call())
    assert isinstance(result.exception, RpcError)


@pytest.mark.parametrize("weight", ["-5", "ten", ""])
def test_a_weight_that_is_not_a_count_is_the_default(weight: str) -> None:
    assert registry_weight(registry(1, weight=weight)) == 100
