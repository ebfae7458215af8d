"""Load balancers: which invoker of a cluster takes a call (Dubbo's ``loadbalance`` names).

``random`` and ``roundrobin`` are in :mod:`.weighted`, ``leastactive``, ``shortestresponse`` and ``p2c``
in :mod:`.adaptive`, ``consistenthash`` in :mod:`.consistenthash`; the weights they share in :mod:`.base`.
"""

from __future__ import annotations

from dubbopy.cluster.loadbalance.base import (
    DEFAULT_WARMUP_MS,
    DEFAULT_WEIGHT,
    LoadBalance,
    calculate_warmup_weight,
    get_weight,
    weighted_pick,
)

__all__ = [
    "DEFAULT_WARMUP_MS",
    "DEFAULT_WEIGHT",
    "LoadBalance",
    "calculate_warmup_weight",
    "get_weight",
    "weighted_pick",
]
