"""Every bad key or value is reported with its path in the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from dubbopy.config import ProtocolConfig, RegistryConfig, ServiceConfig, load_config
from dubbopy.errors import ConfigError


def load(dubbo: Any) -> None:
    load_config({"dubbo": dubbo}, env={})


def error_of(dubbo: Any) -> str:
    with pytest.raises(ConfigError) as info:
        load(dubbo)
    return str(info.value)


ZK = {"protocol": "zookeeper", "address": "127.0.0.1:2181"}


@pytest.mark.parametrize(
    ("dubbo", "message"),
    [
        ({"registry": {}}, "dubbo.registry: unknown key (did you mean 'registries'?)"),
        ({"application": {"nmae": "x"}}, "dubbo.application.nmae: unknown key (did you mean 'name'?)"),
        (
            {"registries": {"zk": {**ZK, "registry_type": "interface"}}},
            "dubbo.registries.zk.registry_type: unknown key (did you mean 'registry-type'?)",
        ),
        (
            {"consumer": {"references": {"r": {"interface": "a.B", "timout": "1s"}}}},
            "dubbo.consumer.references.r.timout: unknown key (did you mean 'timeout'?)",
        ),
        (
            {"provider": {"services": {"s": {"methods": [{"name": "m", "retry": 1}]}}}},
            "dubbo.provider.services.s.methods[0].retry: unknown key (did you mean 'retries'?)",
        ),
    ],
)
def test_unknown_key(dubbo: Any, message: str) -> None:
    assert error_of(dubbo) == message


@pytest.mark.parametrize(
    ("dubbo", "message"),
    [
        ({"registries": {"zk": {**ZK, "timeout": "3x"}}}, "dubbo.registries.zk.timeout: '3x' is not a duration"),
        ({"consumer": {"request-timeout": "soon"}}, "dubbo.consumer.request-timeout: 'soon' is not a duration"),
        ({"registries": {"zk": {**ZK, "timeout": -5}}}, "dubbo.registries.zk.timeout: -5 is negative"),
    ],
)
def test_bad_duration(dubbo: Any, message: str) -> None:
    assert error_of(dubbo).startswith(message)


@pytest.mark.parametrize(
    ("dubbo", "message"),
    [
        ({"protocols": {"tri": {"name": "tri", "port": "http"}}}, "dubbo.protocols.tri.port: 'http' is not an integer"),
        ({"protocols": {"tri": {"name": "tri", "port": 70000}}}, "dubbo.protocols.tri.port: 70000 is not in 0-65535"),
        ({"consumer": {"check": "maybe"}}, "dubbo.consumer.check: 'maybe' is not a boolean"),
        ({"application": {"name": ["a"]}}, "dubbo.application.name: ['a'] is not a string"),
        ({"application": {"group": True}}, "dubbo.application.group: True is not a string"),
        ({"application": "greeter"}, "dubbo.application: 'greeter' is not a mapping"),
        ({"registries": ["zk"]}, "dubbo.registries: ['zk'] is not a mapping of ids"),
        ({"registries": {"zk": {**ZK, "params": "a=b"}}}, "dubbo.registries.zk.params: 'a=b' is not a mapping"),
        ({"registries": {"zk": {**ZK, "registry-type": "app"}}}, "dubbo.registries.zk.registry-type: 'app' is not one"),
        ({"provider": {"services": {"s": {"retries": "-1"}}}}, "dubbo.provider.services.s.retries: -1 is negative"),
        (
            {"provider": {"services": {"s": {"methods": {"name": "m"}}}}},
            "dubbo.provider.services.s.methods: {'name': 'm'} is not a list",
        ),
        (
            {"protocols": {"tri": {"name": "tri", "max-server-recv-msg-size": "4 lots"}}},
            "dubbo.protocols.tri.max-server-recv-msg-size: '4 lots' is not a size",
        ),
    ],
)
def test_wrong_type(dubbo: Any, message: str) -> None:
    assert error_of(dubbo).startswith(message)


@pytest.mark.parametrize(
    ("dubbo", "message"),
    [
        ({"registries": {"zk": {"protocol": "zookeeper"}}}, "dubbo.registries.zk.address: is required"),
        ({"registries": {"zk": {"address": "127.0.0.1:2181"}}}, "dubbo.registries.zk.protocol: is required"),
        ({"protocols": {"p": {"name": ""}}}, "dubbo.protocols.p.name: is required"),
        (
            {"consumer": {"references": {"r": {"url": "tri://h:1"}}}},
            "dubbo.consumer.references.r.interface: is required",
        ),
        (
            {"provider": {"services": {"s": {"methods": [{"timeout": "1s"}]}}}},
            "dubbo.provider.services.s.methods[0].name: is required",
        ),
    ],
)
def test_missing_required(dubbo: Any, message: str) -> None:
    assert error_of(dubbo).startswith(message)


def test_unknown_ids_are_named_with_a_suggestion() -> None:
    message = error_of(
        {
            "registries": {"zk": ZK},
            "protocols": {"tri": {"name": "tri"}},
            "provider": {"services": {"s": {"protocol-ids": ["trii"]}}},
        }
    )
    assert message == "dubbo.provider.services.s.protocol-ids: 'trii' is not a protocol id (did you mean 'tri'?)"
    message = error_of({"registries": {"zk": ZK}, "consumer": {"registry-ids": "etcd"}})
    assert message == "dubbo.consumer.registry-ids: 'etcd' is not a registry id (defined: zk)"


def test_duplicate_method_names() -> None:
    message = error_of({"provider": {"services": {"s": {"methods": [{"name": "m"}, {"name": "m"}]}}}})
    assert message == "dubbo.provider.services.s.methods[1].name: 'm' appears twice"


def test_bad_direct_url() -> None:
    assert error_of({"consumer": {"references": {"r": {"interface": "a.B", "url": "tri://h:99999"}}}}).startswith(
        "dubbo.consumer.references.r."
    )


def test_missing_root() -> None:
    with pytest.raises(
        ConfigError, match=r"no 'dubbo:' root key \(found 'dubo'\) \('dubo' looks like a misspelling of 'dubbo'\)"
    ):
        load_config({"dubo": {}}, env={})


def test_file_errors_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "dubbogo.yml"
    path.write_text(
        "dubbo:\n  registries:\n    zk:\n      address: 127.0.0.1\n      protocol: zookeeper\n      timeout: 3x\n"
    )
    with pytest.raises(ConfigError) as info:
        load_config(path, env={})
    assert str(info.value).startswith(f"{path}: dubbo.registries.zk.timeout: '3x' is not a duration")
    path.write_text("dubbo: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(path, env={})
    with pytest.raises(ConfigError, match="cannot read config file"):
        load_config(tmp_path / "absent.yml", env={})


def test_yaml_object_construction_is_refused() -> None:
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config("dubbo: !!python/object/apply:os.system ['true']\n", env={})


def test_objects_built_in_code_are_validated() -> None:
    with pytest.raises(ConfigError, match="address: is required"):
        RegistryConfig(protocol="zookeeper")
    with pytest.raises(ConfigError, match="port: 70000"):
        ProtocolConfig(name="tri", port=70000)
    with pytest.raises(ConfigError, match="retries: -1 is negative"):
        ServiceConfig(retries=-1)
    assert dict(RegistryConfig(address="zookeeper://h", params={"check": False}).params)  # type: ignore[dict-item] == {"check": "false"}
