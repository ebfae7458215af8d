"""A Server and a Client built from a config file call each other; what they cannot honour is refused."""

from __future__ import annotations

import uuid
from types import SimpleNamespace
from typing import Any

import pytest
from greeter_support import make_greeter
from registry_fixtures import kazoo_client

import dubbopy
from dubbopy.config import build_client, build_server, load_config, reference_from_config
from dubbopy.errors import ConfigError, StatusCode
from dubbopy.url import URL, url_decode

PROVIDER = """
dubbo:
  application:
    name: greeter-provider
  registries:
    zk:
      protocol: zookeeper
      address: ${ZK:127.0.0.1:2181}
  protocols:
    tri:
      name: tri
      ip: 127.0.0.1
      port: 0
      max-server-recv-msg-size: 1mib
  provider:
    services:
      GreeterProvider:
        interface: helloworld.Greeter
"""

CONSUMER = """
dubbo:
  application:
    name: greeter-consumer
  registries:
    zk:
      protocol: zookeeper
      address: ${ZK:127.0.0.1:2181}
  consumer:
    request-timeout: 2s
    references:
      GreeterClientImpl:
        protocol: tri
        interface: helloworld.Greeter
        url: tri://127.0.0.1:${PORT}
      Discovered:
        protocol: tri
        interface: helloworld.Greeter
        loadbalance: roundrobin
"""


async def test_server_and_client_from_config(hw: SimpleNamespace, zookeeper: Any) -> None:
    env = {"ZK": zookeeper.address}
    server = build_server(load_config(PROVIDER, env=env), services={"GreeterProvider": make_greeter(hw)})
    assert server.application == "greeter-provider"
    assert server.options.max_receive_message_size == 1024 * 1024
    async with server:  # publishes helloworld.Greeter in ZooKeeper
        config = load_config(CONSUMER, env={**env, "PORT": str(server.ports[0])})
        async with build_client(config) as client:
            assert client.application == "greeter-consumer"
            direct = hw.dubbo.GreeterStub(reference_from_config(client, config, "GreeterClientImpl"))
            reply = await direct.SayHello(hw.pb2.HelloRequest(name="yaml"))
            discovered = hw.dubbo.GreeterStub(reference_from_config(client, config, "Discovered"))
            found = await discovered.SayHello(hw.pb2.HelloRequest(name="zk"))
    assert reply.message == "hi yaml"
    assert found.message == "hi zk"


def test_service_ids_must_match_the_config(hw: SimpleNamespace) -> None:
    config = load_config(PROVIDER, env={})
    with pytest.raises(ConfigError, match=r"no entry 'GreeterProvidr' .*\(did you mean 'GreeterProvider'\?\)"):
        build_server(config, services={"GreeterProvidr": make_greeter(hw)})
    with pytest.raises(ConfigError, match=r"dubbo\.provider\.services\.GreeterProvider: no implementation"):
        build_server(config, services={})


def test_interface_must_match_the_implementation(hw: SimpleNamespace) -> None:
    config = load_config(PROVIDER.replace("helloworld.Greeter", "other.Greeter"), env={})
    with pytest.raises(
        ConfigError, match=r"services\.GreeterProvider\.interface: 'other\.Greeter' but .*'helloworld\.Greeter'"
    ):
        build_server(config, services={"GreeterProvider": make_greeter(hw)})


def test_services_on_different_protocols_are_refused() -> None:
    data: dict[str, Any] = {
        "dubbo": {
            "protocols": {"tri": {"name": "tri"}, "dubbo": {"name": "dubbo"}},
            "provider": {"services": {"a": {"protocol-ids": "tri"}, "b": {"protocol-ids": "dubbo"}}},
        }
    }
    with pytest.raises(ConfigError, match=r"services\.b\.protocol-ids: \['dubbo'\] differs from a's \['tri'\]"):
        build_server(load_config(data, env={}), services={"a": object(), "b": object()})


def test_a_reference_without_url_needs_a_registry() -> None:
    config = load_config({"dubbo": {"consumer": {"references": {"r": {"interface": "a.B"}}}}}, env={})
    client = build_client(config)
    with pytest.raises(ConfigError, match=r"needs registries"):
        reference_from_config(client, config, "r")
    with pytest.raises(ConfigError, match=r"dubbo\.consumer\.references: no entry 'x'"):
        reference_from_config(client, config, "x")


def test_reference_protocol_must_match_its_url() -> None:
    config = load_config(
        {"dubbo": {"consumer": {"references": {"r": {"interface": "a.B", "protocol": "dubbo", "url": "tri://h:1"}}}}},
        env={},
    )
    with pytest.raises(ConfigError, match=r"references\.r\.protocol: 'dubbo' but url uses 'tri'"):
        reference_from_config(build_client(config), config, "r")


TUNED_PROVIDER = """
dubbo:
  application:
    name: tuned-provider
    owner: data-team
  registries:
    zk:
      protocol: zookeeper
      address: ${ZK}
      group: ${ROOT}
  protocols:
    tri:
      name: tri
      ip: 127.0.0.1
      port: 0
  provider:
    services:
      GreeterProvider:
        interface: helloworld.Greeter
        tag: gray
        weight: 7
        timeout: 2s
        loadbalance: roundrobin
        methods:
          - name: SayHello
            timeout: 500ms
"""


async def test_service_settings_reach_the_registered_provider_url(hw: SimpleNamespace, zookeeper: Any) -> None:
    root = f"/tuned-{uuid.uuid4().hex[:8]}"
    config = load_config(TUNED_PROVIDER, env={"ZK": zookeeper.address, "ROOT": root})
    async with build_server(config, services={"GreeterProvider": make_greeter(hw)}):
        with kazoo_client(zookeeper.address) as zk:
            (node,) = zk.get_children(f"{root}/helloworld.Greeter/providers")
    url = URL.parse(url_decode(node))
    expected = {
        "dubbo.tag": "gray",
        "weight": "7",
        "timeout": "2000",
        "loadbalance": "roundrobin",
        "SayHello.timeout": "500",
        "owner": "data-team",
        "application": "tuned-provider",
    }
    assert {k: url.get(k) for k in expected} == expected


ROOTED_PROVIDER = """
dubbo:
  registries:
    zk: {protocol: zookeeper, address: "${ZK}", group: "${ROOT}"}
  protocols:
    tri: {name: tri, ip: 127.0.0.1, port: 0}
  provider:
    services:
      GreeterProvider: {interface: helloworld.Greeter}
"""

METHOD_TIMEOUT_CONSUMER = """
dubbo:
  registries:
    zk: {protocol: zookeeper, address: "${ZK}", group: "${ROOT}"}
  consumer:
    request-timeout: 10s
    references:
      Discovered:
        protocol: tri
        interface: helloworld.Greeter
        methods:
          - name: SayHello
            timeout: 300ms
"""


async def test_a_method_timeout_in_the_config_overrides_the_reference_timeout(
    hw: SimpleNamespace, zookeeper: Any
) -> None:
    env = {"ZK": zookeeper.address, "ROOT": f"/method-timeout-{uuid.uuid4().hex[:8]}"}
    async with build_server(load_config(ROOTED_PROVIDER, env=env), services={"GreeterProvider": make_greeter(hw)}):
        config = load_config(METHOD_TIMEOUT_CONSUMER, env=env)
        async with build_client(config) as client:
            stub = hw.dubbo.GreeterStub(reference_from_config(client, config, "Discovered"))
            assert (await stub.SayHello(hw.pb2.HelloRequest(name="quick"))).message == "hi quick"
            # 2 s is within the reference's 10 s but not within SayHello's own 300 ms
            with pytest.raises(dubbopy.RpcError) as caught:
                await stub.SayHello(hw.pb2.HelloRequest(name="!sleep:2"))
    assert caught.value.status is StatusCode.DEADLINE_EXCEEDED


async def test_provider_settings_nothing_enforces_are_named_in_a_warning(
    hw: SimpleNamespace, caplog: pytest.LogCaptureFixture
) -> None:
    config = load_config(
        """
dubbo:
  protocols:
    tri: {name: tri, ip: 127.0.0.1, port: 0}
  provider:
    services:
      GreeterProvider: {interface: helloworld.Greeter, token: "true", tps.limiter: default}
"""
    )
    with caplog.at_level("WARNING", logger="dubbopy.server"):
        async with build_server(config, services={"GreeterProvider": make_greeter(hw)}):
            pass
    warned = [r.getMessage() for r in caplog.records if r.name == "dubbopy.server"]
    assert any("token=true" in m and "tps.limiter=default" in m and "not enforced" in m for m in warned), warned
