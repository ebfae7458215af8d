"""A full dubbogo.yml in dubbo-go's style loads into the right values and produces the right URLs."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from dubbopy.config import DubboConfig, load_config
from dubbopy.registry.base import parse_registry_address
from dubbopy.url import URL

SAMPLE = Path(__file__).with_name("dubbogo.yml")


@pytest.fixture
def config() -> DubboConfig:
    return load_config(SAMPLE, env={})


def test_application(config: DubboConfig) -> None:
    app = config.application
    assert (app.name, app.organization, app.module, app.version) == ("greeter-app", "apache", "greeter", "1.0.0")
    assert (app.owner, app.environment, app.metadata_type) == ("team-a", "test", "local")


def test_registries(config: DubboConfig) -> None:
    zk, etcd = config.registries["zk"], config.registries["etcd"]
    assert zk.scheme == "zookeeper"
    assert zk.timeout == 3.0
    assert zk.registry_type == "interface"
    assert (zk.zone, zk.weight, zk.group) == ("hangzhou", 100, "dubbo-test")
    assert dict(zk.params) == {"zk.session": "30000"}
    assert zk.ttl == 900.0  # dubbo-go's default 15m
    assert etcd.scheme == "etcdv3"
    assert (etcd.timeout, etcd.ttl, etcd.preferred) == (0.5, 60.0, True)


def test_protocols(config: DubboConfig) -> None:
    tri, dubbo = config.protocols["tri"], config.protocols["dubbo"]
    assert (tri.name, tri.ip, tri.port, tri.max_server_recv_msg_size) == ("tri", "", 20000, 8 * 1024 * 1024)
    assert (dubbo.name, dubbo.ip, dubbo.port) == ("dubbo", "127.0.0.1", 20880)  # port written as a string


def test_services(config: DubboConfig) -> None:
    greeter = config.service("GreeterProvider")
    assert greeter.interface == "org.apache.dubbo.samples.Greeter"
    assert greeter.protocol_ids == ("tri", "dubbo")
    assert (greeter.version, greeter.group, greeter.serialization) == ("1.0.0", "g1", "hessian2")
    assert (greeter.timeout, greeter.retries, greeter.loadbalance, greeter.cluster) == (
        2.0,
        3,
        "roundrobin",
        "failfast",
    )
    assert greeter.tps_limiter == "default"
    assert [(m.name, m.timeout, m.retries) for m in greeter.methods] == [("SayHello", 0.5, 0)]
    health = config.service("HealthProvider")
    assert (health.cluster, health.loadbalance) == ("failover", "random")  # dubbo-go's defaults
    assert health.not_register


def test_service_inheritance(config: DubboConfig) -> None:
    assert list(config.service_protocols("GreeterProvider")) == ["tri", "dubbo"]
    assert list(config.service_protocols("HealthProvider")) == ["tri", "dubbo"]  # none named: all
    assert list(config.service_registries("GreeterProvider")) == ["zk"]  # provider's registry-ids
    assert config.service_registries("HealthProvider") == {}  # not_register


def test_references(config: DubboConfig) -> None:
    ref = config.reference("GreeterClientImpl")
    assert (ref.protocol, ref.interface, ref.url) == (
        "tri",
        "org.apache.dubbo.samples.Greeter",
        "tri://127.0.0.1:20000",
    )
    assert (ref.timeout, ref.retries, ref.check, ref.loadbalance) == (60.0, 2, True, "consistenthash")
    echo = config.reference("EchoClient")
    assert (echo.timeout, echo.check) == (None, None)  # inherit from consumer
    assert (config.consumer.request_timeout, config.consumer.check) == (5.0, False)
    assert config.consumer.registry_ids == ("zk",)
    assert list(config.reference_registries("EchoClient")) == ["zk"]


def test_unsupported_sections_are_kept(config: DubboConfig) -> None:
    assert config.unsupported == {"metrics": {"enable": True, "port": 9090}}


def test_unsupported_section_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="dubbopy.config.loader"):
        load_config(SAMPLE, env={})
    assert "dubbo.metrics" in caplog.text


def test_loads_from_text_mapping_and_string_path(config: DubboConfig) -> None:
    text = SAMPLE.read_text()
    assert load_config(text, env={}) == config
    assert load_config(str(SAMPLE), env={}) == config


def test_default_path_from_dubbo_go_env(config: DubboConfig) -> None:
    assert load_config(env={"DUBBO_GO_CONFIG_PATH": str(SAMPLE)}) == config


def test_empty_config_has_dubbo_go_defaults() -> None:
    config = load_config({"dubbo": None}, env={})
    assert config.registries == {}
    assert config.provider.services == {}
    assert config.consumer.request_timeout == 3.0
    assert config.consumer.check


def test_config_is_frozen(config: DubboConfig) -> None:
    with pytest.raises(AttributeError):
        config.application.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        config.registries["x"] = config.registries["zk"]  # type: ignore[index]


# ------------------------------------------------------------------------------------------ URLs


def test_registry_urls(config: DubboConfig) -> None:
    urls = config.registry_urls()
    assert urls["zk"] == URL.parse(
        "zookeeper://127.0.0.1:2181?backup=127.0.0.2:2181&group=dubbo-test&registry-type=interface"
        "&timeout=3000&ttl=900000&weight=100&zk.session=30000&zone=hangzhou"
    )
    assert urls["etcd"].to_full_string() == "etcdv3://root:secret@127.0.0.1:2379?preferred=true&timeout=500&ttl=60000"


def test_registry_url_is_what_the_registry_layer_parses(config: DubboConfig) -> None:
    address = parse_registry_address(config.registries["zk"].to_url())
    assert address.addresses == ("127.0.0.1:2181", "127.0.0.2:2181")
    assert (address.root, address.timeout, address.session_timeout) == ("/dubbo-test", 3.0, 30.0)
    etcd = parse_registry_address(config.registries["etcd"].to_url())
    assert (etcd.username, etcd.password) == ("root", "secret")


def test_registry_address_without_port_gets_the_default() -> None:
    config = load_config({"dubbo": {"registries": {"r": {"protocol": "zookeeper", "address": "zk1"}}}}, env={})
    assert config.registries["r"].to_url().address == "zk1:2181"


def test_protocol_url(config: DubboConfig) -> None:
    assert str(config.protocols["tri"].to_url()) == "tri://0.0.0.0:20000"
    assert str(config.protocols["dubbo"].to_url()) == "dubbo://127.0.0.1:20880"


def test_service_urls(config: DubboConfig) -> None:
    tri_url, dubbo_url = config.service_urls("GreeterProvider")
    assert (tri_url.protocol, tri_url.port, dubbo_url.protocol, dubbo_url.port) == ("tri", 20000, "dubbo", 20880)
    assert tri_url.path == "org.apache.dubbo.samples.Greeter"
    params = tri_url.params
    assert params["interface"] == "org.apache.dubbo.samples.Greeter"
    assert (params["version"], params["group"], params["side"]) == ("1.0.0", "g1", "provider")
    assert (params["timeout"], params["retries"]) == ("2000", "3")  # milliseconds, as Java reads them
    assert (params["SayHello.timeout"], params["SayHello.retries"]) == ("500", "0")
    assert (params["application"], params["serialization"], params["tps.limiter"]) == (
        "greeter-app",
        "hessian2",
        "default",
    )


def test_reference_urls(config: DubboConfig) -> None:
    url = config.reference_url("GreeterClientImpl", host="10.0.0.5")
    assert (url.protocol, url.host, url.path) == ("consumer", "10.0.0.5", "org.apache.dubbo.samples.Greeter")
    params = url.params
    assert (params["side"], params["protocol"], params["timeout"], params["check"]) == (
        "consumer",
        "tri",
        "60000",
        "true",
    )
    assert params["SayHello.retries"] == "5"
    echo = config.reference_url("EchoClient").params
    assert (echo["timeout"], echo["check"]) == ("5000", "false")  # consumer's request-timeout and check
    assert config.reference("GreeterClientImpl").direct_urls() == (URL.parse("tri://127.0.0.1:20000"),)
