"""The interface-level ZooKeeper registry on kazoo (Java ``ZookeeperRegistry``'s layout)."""

from __future__ import annotations

from dubbopy.registry.zookeeper.registry import ZookeeperRegistry, ZookeeperRegistryFactory, node_path

__all__ = ["ZookeeperRegistry", "ZookeeperRegistryFactory", "node_path"]
