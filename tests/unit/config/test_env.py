"""Environment overrides (``DUBBO_<PATH>``) and ``${…}`` placeholders."""

from __future__ import annotations

from typing import Any

import pytest

from dubbopy.config import load_config
from dubbopy.errors import ConfigError

BASE: dict[str, Any] = {
    "dubbo": {
        "application": {"name": "from-file"},
        "registries": {
            "zk": {"protocol": "zookeeper", "address": "127.0.0.1:2181"},
            "my_etcd": {"address": "etcdv3://e:2379"},
        },
        "protocols": {"tri": {"name": "tri", "port": 20000}},
        "provider": {"services": {"GreeterProvider": {"interface": "a.Greeter"}}},
        "consumer": {"references": {"GreeterClientImpl": {"interface": "a.Greeter"}}},
    }
}


def test_env_overrides_the_file() -> None:
    config = load_config(
        BASE,
        env={
            "DUBBO_APPLICATION_NAME": "from-env",
            "DUBBO_REGISTRIES_ZK_ADDRESS": "10.0.0.1:2181",
            "DUBBO_REGISTRIES_ZK_TIMEOUT": "10s",
            "DUBBO_REGISTRIES_ZK_REGISTRY_TYPE": "interface",
            "DUBBO_PROTOCOLS_TRI_PORT": "50051",
            "DUBBO_CONSUMER_REQUEST_TIMEOUT": "250ms",
            "DUBBO_CONSUMER_CHECK": "false",
            "DUBBO_PROVIDER_SERVICES_GREETERPROVIDER_VERSION": "2.0.0",
            "DUBBO_CONSUMER_REFERENCES_GREETERCLIENTIMPL_FORCE_TAG": "true",
            "DUBBO_PROVIDER_REGISTRY_IDS": "zk,my_etcd",
        },
    )
    assert config.application.name == "from-env"
    zk = config.registries["zk"]
    assert (zk.address, zk.timeout, zk.registry_type) == ("10.0.0.1:2181", 10.0, "interface")
    assert config.protocols["tri"].port == 50051
    assert (config.consumer.request_timeout, config.consumer.check) == (0.25, False)
    assert config.service("GreeterProvider").version == "2.0.0"
    assert config.reference("GreeterClientImpl").force_tag
    assert config.provider.registry_ids == ("zk", "my_etcd")


def test_env_matches_ids_with_underscores() -> None:
    config = load_config(BASE, env={"DUBBO_REGISTRIES_MY_ETCD_TIMEOUT": "1s"})
    assert config.registries["my_etcd"].timeout == 1.0
    assert set(config.registries) == {"zk", "my_etcd"}


def test_env_creates_missing_entries() -> None:
    config = load_config(
        {"dubbo": None},
        env={"DUBBO_REGISTRIES_NACOS_ONE_ADDRESS": "nacos://n:8848", "DUBBO_REGISTRIES_NACOS_ONE_GROUP": "g"},
    )
    assert config.registries["nacos_one"].to_url().protocol == "nacos"
    assert config.registries["nacos_one"].group == "g"


def test_env_values_are_validated_with_their_path() -> None:
    with pytest.raises(ConfigError, match=r"^dubbo\.registries\.zk\.timeout: 'soon' is not a duration"):
        load_config(BASE, env={"DUBBO_REGISTRIES_ZK_TIMEOUT": "soon"})


def test_env_naming_a_section_but_no_key_is_an_error() -> None:
    with pytest.raises(ConfigError, match=r"DUBBO_APPLICATION_NAMEE names no config key under dubbo\.application"):
        load_config(BASE, env={"DUBBO_APPLICATION_NAMEE": "x"})


def test_other_dubbo_variables_are_left_alone() -> None:
    env = {"DUBBO_GO_CONFIG_PATH": "/x.yml", "DUBBO_IP_TO_REGISTRY": "1.2.3.4", "DUBBO_NAMESPACE": "ns", "HOME": "/"}
    assert load_config(BASE, env=env) == load_config(BASE, env={})


def test_placeholder_from_config_key_as_dubbo_go_does() -> None:
    data = {"dubbo": {"application": {"name": "app", "module": "${dubbo.application.name}"}}}
    assert load_config(data, env={}).application.module == "app"


def test_placeholder_from_environment_with_and_without_default() -> None:
    data = {
        "dubbo": {
            "registries": {
                "zk": {"address": "zookeeper://${ZK_HOST:127.0.0.1}:${ZK_PORT}", "timeout": "${ZK_TIMEOUT:3s}"}
            },
            "protocols": {"tri": {"name": "tri", "port": "${PORT:20000}"}},
        }
    }
    config = load_config(data, env={"ZK_PORT": "2182"})
    assert config.registries["zk"].to_url().address == "127.0.0.1:2182"
    assert config.registries["zk"].timeout == 3.0
    assert config.protocols["tri"].port == 20000
    config = load_config(data, env={"ZK_HOST": "zk.internal", "ZK_PORT": "2181", "PORT": "50051"})
    assert config.registries["zk"].to_url().address == "zk.internal:2181"
    assert config.protocols["tri"].port == 50051


def test_unresolved_placeholder_names_its_path() -> None:
    data = {"dubbo": {"registries": {"zk": {"address": "zookeeper://${ZK_HOST}"}}}}
    with pytest.raises(ConfigError, match=r"^dubbo\.registries\.zk\.address: placeholder \$\{ZK_HOST\} names no"):
        load_config(data, env={})


def test_env_override_may_use_placeholders() -> None:
    config = load_config(BASE, env={"DUBBO_APPLICATION_NAME": "${APP:fallback}"})
    assert config.application.name == "fallback"
