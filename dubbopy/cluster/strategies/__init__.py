"""Fault-tolerance strategies (Dubbo's ``cluster`` names): failover, failfast, failsafe, available,
failback, forking, broadcast, and zone-aware (which joins one invoker per registry). The shared
machinery is in :mod:`.base`."""

from __future__ import annotations

from dubbopy.cluster.strategies.base import Cluster, ClusterInvoker

__all__ = ["Cluster", "ClusterInvoker"]
