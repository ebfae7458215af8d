"""Registries: where providers publish their URLs and consumers find them (``spec/service-discovery.md``).

:mod:`dubbopy.registry.base` holds the contract; each registry lives in its own subpackage and is
registered lazily in :data:`dubbopy.extension.registries` under its URL protocol (``zookeeper``), so its
client library (kazoo, …) is imported only when a registry of that kind is used.
"""

from __future__ import annotations

from dubbopy import extension
from dubbopy.registry.base import (
    NotifyListener,
    Registry,
    RegistryAddress,
    RegistryFactory,
    parse_registry_address,
)

__all__ = ["NotifyListener", "Registry", "RegistryAddress", "RegistryFactory", "parse_registry_address"]

extension.registries.register_lazy(
    "zookeeper", "dubbopy.registry.zookeeper.registry:ZookeeperRegistryFactory", replace=True
)
for _name in ("etcdv3", "etcd"):
    extension.registries.register_lazy(_name, "dubbopy.registry.etcd.registry:EtcdRegistryFactory", replace=True)
