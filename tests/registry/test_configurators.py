"""Override rules written into a real ZooKeeper as Dubbo Admin writes them change what running dubbopy
consumers do, and removing them undoes it: Admin 2.6's ``override://`` nodes under
``/dubbo/<interface>/configurators``, and Admin 0.5+'s YAML rules in the config centre
(``/dubbo/config/dubbo/<interface>::.configurators`` and ``<application>.configurators``), and condition
routing rules there (``….condition-router``). Which rule
applies where, and how YAML becomes rules, is checked against Java itself in
``interop/test_java_configurators.py``; this is the path from ZooKeeper to calls."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from registry_fixtures import ZooKeeperServer, kazoo_client
from registry_support import WAIT, running_provider

import dubbopy
from dubbopy import java
from dubbopy.errors import StatusCode
from dubbopy.url import URL, url_encode


def _service(name: str) -> Any:
    @dubbopy.service(name)
    class Named:
        def __init__(self, tag: str) -> None:
            self.tag = tag

        async def who(self, text: java.String) -> java.String:
            if text.startswith("sleep:"):
                await asyncio.sleep(float(text.split(":", 1)[1]))
            return f"{self.tag}:{text}"

    return Named


class Admin:
    """Writes and deletes override rules the way Dubbo Admin does."""

    def __init__(self, zookeeper: ZooKeeperServer, interface: str) -> None:
        self.zookeeper = zookeeper
        self.parent = f"/dubbo/{url_encode(interface)}/configurators"
        self.interface = interface

    @contextlib.contextmanager
    def config_rule(self, key: str, text: str) -> Iterator[None]:
        """A rule in the config centre (``/dubbo/config/dubbo/<key>``), as Dubbo Admin 0.5+ writes them."""
        path = f"/dubbo/config/dubbo/{key}"
        with kazoo_client(self.zookeeper.address) as zk:
            zk.create(path, text.encode(), makepath=True)
        try:
            yield
        finally:
            with kazoo_client(self.zookeeper.address) as zk:
                zk.delete(path)

    @contextlib.contextmanager
    def rule(self, host: str, port: int = 0, **params: str) -> Iterator[None]:
        url = URL("override", host, port, self.interface, {"category": "configurators", "dynamic": "false", **params})
        path = f"{self.parent}/{url_encode(url.to_full_string())}"
        with kazoo_client(self.zookeeper.address) as zk:
            zk.create(path, makepath=True)
        try:
            yield
        finally:
            with kazoo_client(self.zookeeper.address) as zk:
                zk.delete(path)


@pytest.fixture
async def two_providers(zookeeper: ZooKeeperServer) -> AsyncIterator[tuple[str, Any, Admin, list[dubbopy.Server]]]:
    interface = f"org.dubbopy.test.Governed{uuid.uuid4().hex[:8]}"
    named = _service(interface)
    registry = f"zookeeper://{zookeeper.address}?timeout=10000"
    async with (
        running_provider(registry, named("p1")) as p1,
        running_provider(registry, named("p2")) as p2,
    ):
        yield registry, named, Admin(zookeeper, interface), [p1, p2]


async def answering(reference: Any, calls: int = 20) -> set[str]:
    return {(await reference.who("x")).split(":")[0] for _ in range(calls)}


async def until(reference: Any, tags: set[str]) -> None:
    async with asyncio.timeout(WAIT):
        while await answering(reference, 10) != tags:  # noqa: ASYNC110 - polling a remote state
            await asyncio.sleep(0.05)


async def _until_deadline_exceeded(reference: Any) -> None:
    failure: dubbopy.RpcError | None = None
    async with asyncio.timeout(WAIT):
        while failure is None:
            try:
                await reference.who("sleep:0.5")
            except dubbopy.RpcError as exc:
                failure = exc
            await asyncio.sleep(0.05)
    assert failure.status is StatusCode.DEADLINE_EXCEEDED


async def test_a_disabled_provider_takes_no_calls_until_the_rule_goes(
    two_providers: tuple[str, Any, Admin, list[dubbopy.Server]],
) -> None:
    registry, named, admin, (p1, _) = two_providers
    async with dubbopy.Client(registries=[registry]) as client:
        reference = client.reference(named)
        await until(reference, {"p1", "p2"})
        with admin.rule("127.0.0.1", p1.ports[0], disabled="true"):
            await until(reference, {"p2"})
            assert await answering(reference) == {"p2"}
        await until(reference, {"p1", "p2"})


async def test_an_override_timeout_beats_the_consumer_s_own(
    two_providers: tuple[str, Any, Admin, list[dubbopy.Server]],
) -> None:
    registry, named, admin, _ = two_providers
    async with dubbopy.Client(registries=[registry]) as client:
        reference = client.reference(named, params={"timeout": "5000"})
        assert (await reference.who("sleep:0.5")).endswith("sleep:0.5")
        with admin.rule("0.0.0.0", timeout="200"):
            await _until_deadline_exceeded(reference)


async def test_a_service_rule_in_the_config_centre_overrides_the_timeout_until_deleted(
    two_providers: tuple[str, Any, Admin, list[dubbopy.Server]],
) -> None:
    registry, named, admin, _ = two_providers
    rule = f"""
configVersion: v2.7
scope: service
key: {admin.interface}
enabled: true
configs:
  - side: consumer
    addresses: [0.0.0.0]
    parameters:
      timeout: 200
"""
    async with dubbopy.Client(registries=[registry]) as client:
        reference = client.reference(named, params={"timeout": "5000"})
        assert (await reference.who("sleep:0.5")).endswith("sleep:0.5")
        with admin.config_rule(f"{admin.interface}::.configurators", rule):
            await _until_deadline_exceeded(reference)
        async with asyncio.timeout(WAIT):
            while True:
                with contextlib.suppress(dubbopy.RpcError):
                    if (await reference.who("sleep:0.5")).endswith("sleep:0.5"):
                        break
                await asyncio.sleep(0.05)


async def test_an_application_rule_disables_one_provider_for_that_application(
    two_providers: tuple[str, Any, Admin, list[dubbopy.Server]],
) -> None:
    registry, named, admin, (p1, _) = two_providers
    rule = f"""
configVersion: v2.7
scope: application
key: governed-app
configs:
  - side: consumer
    providerAddresses: ["127.0.0.1:{p1.ports[0]}"]
    parameters:
      disabled: true
"""
    async with (
        dubbopy.Client(application="governed-app", registries=[registry]) as governed,
        dubbopy.Client(application="other-app", registries=[registry]) as other,
    ):
        governed_ref, other_ref = governed.reference(named), other.reference(named)
        with admin.config_rule("governed-app.configurators", rule):
            await until(governed_ref, {"p2"})
            assert await answering(governed_ref) == {"p2"}
            assert await answering(other_ref) == {"p1", "p2"}
        await until(governed_ref, {"p1", "p2"})


async def test_a_rule_that_does_not_parse_changes_nothing(
    two_providers: tuple[str, Any, Admin, list[dubbopy.Server]], caplog: pytest.LogCaptureFixture
) -> None:
    registry, named, admin, _ = two_providers
    async with dubbopy.Client(registries=[registry]) as client:
        reference = client.reference(named)
        await until(reference, {"p1", "p2"})  # subscribed (references connect on their first call)
        with admin.config_rule(f"{admin.interface}::.configurators", "configs: [not, a, mapping]"):
            async with asyncio.timeout(WAIT):
                while not any("ignoring the config-centre rule" in r.getMessage() for r in caplog.records):  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
            assert await answering(reference) == {"p1", "p2"}


async def test_a_condition_rule_in_the_config_centre_routes_until_deleted(
    two_providers: tuple[str, Any, Admin, list[dubbopy.Server]],
) -> None:
    registry, named, admin, (p1, _) = two_providers
    rule = f"""
configVersion: v3.0
scope: service
key: {admin.interface}
force: true
conditions:
  - "method = who => port != {p1.ports[0]}"
"""
    async with dubbopy.Client(registries=[registry]) as client:
        reference = client.reference(named)
        await until(reference, {"p1", "p2"})
        with admin.config_rule(f"{admin.interface}::.condition-router", rule):
            await until(reference, {"p2"})
            assert await answering(reference) == {"p2"}
        await until(reference, {"p1", "p2"})


async def test_an_application_condition_rule_routes_that_application_only(
    two_providers: tuple[str, Any, Admin, list[dubbopy.Server]],
) -> None:
    registry, named, admin, (_, p2) = two_providers
    rule = f"""
configVersion: v3.0
scope: application
key: routed-app
conditions:
  - "=> port != {p2.ports[0]}"
"""
    async with (
        dubbopy.Client(application="routed-app", registries=[registry]) as routed,
        dubbopy.Client(application="other-app", registries=[registry]) as other,
    ):
        routed_ref, other_ref = routed.reference(named), other.reference(named)
        with admin.config_rule("routed-app.condition-router", rule):
            await until(routed_ref, {"p1"})
            assert await answering(other_ref) == {"p1", "p2"}


async def test_the_providers_application_condition_rule_routes_their_consumers(zookeeper: ZooKeeperServer) -> None:
    # Java 3.x's ProviderAppStateRouter: a rule keyed by the providers' own application
    interface = f"org.dubbopy.test.AppRouted{uuid.uuid4().hex[:8]}"
    named = _service(interface)
    registry = f"zookeeper://{zookeeper.address}?timeout=10000"
    provider_app = f"provider-app-{uuid.uuid4().hex[:6]}"
    admin = Admin(zookeeper, interface)
    async with (
        running_provider(registry, named("p1"), application=provider_app) as p1,
        running_provider(registry, named("p2"), application=provider_app),
        dubbopy.Client(application="some-consumer", registries=[registry]) as client,
    ):
        reference = client.reference(named)
        await until(reference, {"p1", "p2"})
        rule = (
            f"configVersion: v3.0\nscope: application\nkey: {provider_app}\nconditions: ['=> port = {p1.ports[0]}']\n"
        )
        with admin.config_rule(f"{provider_app}.condition-router", rule):
            await until(reference, {"p1"})
        await until(reference, {"p1", "p2"})
