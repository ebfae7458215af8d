"""The interface-level etcd v3 registry (dubbo-go ``etcdv3``'s layout) on our own small gRPC client."""

from __future__ import annotations

from dubbopy.registry.etcd.registry import EtcdRegistry, EtcdRegistryFactory, go_query_escape, node_key

__all__ = ["EtcdRegistry", "EtcdRegistryFactory", "go_query_escape", "node_key"]
