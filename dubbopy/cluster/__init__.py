"""The cluster layer: one invoker made of many.

A :class:`~dubbopy.cluster.directory.Directory` lists the invokers of one service; a fault-tolerance
strategy (:mod:`dubbopy.cluster.strategies`, looked up by Dubbo's ``cluster`` names) joins them into a
single :class:`~dubbopy.rpc.invoker.Invoker`, asking a load balancer (:mod:`dubbopy.cluster.loadbalance`,
Dubbo's ``loadbalance`` names) which one takes each call.

Built-ins register here lazily, by the names Dubbo uses in URLs.
"""

from __future__ import annotations

from dubbopy import extension

_LB = "dubbopy.cluster.loadbalance"
_ST = "dubbopy.cluster.strategies"

for _name, _target in (
    ("random", f"{_LB}.weighted:RandomLoadBalance"),
    ("roundrobin", f"{_LB}.weighted:RoundRobinLoadBalance"),
    ("leastactive", f"{_LB}.adaptive:LeastActiveLoadBalance"),
    ("shortestresponse", f"{_LB}.adaptive:ShortestResponseLoadBalance"),
    ("p2c", f"{_LB}.adaptive:P2CLoadBalance"),
    ("consistenthash", f"{_LB}.consistenthash:ConsistentHashLoadBalance"),
    # dubbo-go's spelling of the same balancer
    ("consistenthashing", f"{_LB}.consistenthash:ConsistentHashLoadBalance"),
):
    extension.loadbalances.register_lazy(_name, _target, replace=True)

for _name, _target in (
    ("failover", f"{_ST}.failover:FailoverCluster"),
    ("failfast", f"{_ST}.simple:FailfastCluster"),
    ("failsafe", f"{_ST}.simple:FailsafeCluster"),
    ("available", f"{_ST}.simple:AvailableCluster"),
    ("failback", f"{_ST}.failback:FailbackCluster"),
    ("forking", f"{_ST}.fanout:ForkingCluster"),
    ("broadcast", f"{_ST}.fanout:BroadcastCluster"),
    ("zone-aware", f"{_ST}.zoneaware:ZoneAwareCluster"),
):
    extension.clusters.register_lazy(_name, _target, replace=True)
