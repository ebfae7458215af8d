"""``zone-aware``: one reference over several registries, choosing a registry for each call.

With more than one registry a reference does not pour every registry's providers into one list: as in
Java (``ReferenceConfig.createInvoker``), each registry gets its own directory joined by the user's
strategy (failover, …), and the per-registry invokers are joined by ``zone-aware``. Each member is a
:class:`RegistryInvoker`, whose :attr:`~RegistryInvoker.url` is its registry's URL (Java's
``ClusterInvoker.getRegistryUrl``); that is where the registry's ``preferred``, ``zone`` and ``weight``
are read. dubbo-go writes them ``registry.preferred``, ``registry.zone``, ``registry.weight``; both
spellings are read, Java's first.

A call goes, in this order (Java ``ZoneAwareClusterInvoker``):

1. to the first preferred registry that has an available provider;
2. when the call carries a zone (attachment ``registry_zone``, or dubbo-go's ``registry.zone``; an
   :class:`~dubbopy.rpc.context.RpcContext` attachment becomes one), to the first registry of that zone
   with an available provider — and if there is none and ``registry_zone_force`` (``registry.zone.force``)
   is ``true``, the call fails with ``UNAVAILABLE`` naming the zone;
3. to a registry picked at random among those with an available provider, in proportion to their
   weights (default 100);
4. when no registry has an available provider, to the first registry (whose strategy reports the
   failure).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Final

from dubbopy.cluster.directory import Directory
from dubbopy.cluster.loadbalance.base import weighted_pick
from dubbopy.cluster.strategies.base import Cluster, ClusterInvoker, no_provider
from dubbopy.errors import RpcError, StatusCode
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.rpc.result import Result
from dubbopy.url import URL

__all__ = [
    "DEFAULT_REGISTRY_WEIGHT",
    "ZONE_AWARE",
    "RegistryInvoker",
    "ZoneAwareCluster",
    "ZoneAwareClusterInvoker",
    "call_zone",
    "registry_preferred",
    "registry_weight",
    "registry_zone",
]

#: The ``cluster`` name of this strategy.
ZONE_AWARE: Final = "zone-aware"
#: The weight of a registry whose URL names none (Java ``DEFAULT_WEIGHT``).
DEFAULT_REGISTRY_WEIGHT: Final = 100

# Java's key first, then dubbo-go's.
_PREFERRED: Final = ("preferred", "registry.preferred")
_ZONE: Final = ("zone", "registry.zone")
_WEIGHT: Final = ("weight", "registry.weight")
_CALL_ZONE: Final = ("registry_zone", "registry.zone")
_CALL_ZONE_FORCE: Final = ("registry_zone_force", "registry.zone.force")


def _param(url: URL, keys: Sequence[str]) -> str:
    for key in keys:
        value = url.get(key)
        if value:
            return value
    return ""


def registry_preferred(url: URL) -> bool:
    """Whether the registry URL says ``preferred=true`` (or ``registry.preferred=true``)."""
    return _param(url, _PREFERRED).strip().lower() == "true"


def registry_zone(url: URL) -> str:
    """The registry URL's ``zone`` (or ``registry.zone``); empty when it names none."""
    return _param(url, _ZONE)


def registry_weight(url: URL) -> int:
    """The registry URL's ``weight`` (or ``registry.weight``), default 100; a value that is not a
    non-negative integer counts as the default."""
    value = _param(url, _WEIGHT).strip()
    return int(value) if value.isdigit() else DEFAULT_REGISTRY_WEIGHT


def _attachment(invocation: Invocation, keys: Sequence[str]) -> str:
    for key in keys:
        value = invocation.get_attachment(key)
        if isinstance(value, bytes):
            value = value.decode("utf-8", "replace")
        if value:
            return value
    return ""


def _describe(url: URL) -> str:
    # no user info: a registry URL may carry a password
    zone = registry_zone(url)
    return f"{url.protocol}://{url.address}" + (f" (zone {zone})" if zone else "")


def call_zone(invocation: Invocation) -> tuple[str, bool]:
    """The zone a call asks for (empty: none) and whether it insists on it (``registry_zone_force``)."""
    zone = _attachment(invocation, _CALL_ZONE)
    force = _attachment(invocation, _CALL_ZONE_FORCE).strip().lower() == "true"
    return zone, force


class RegistryInvoker(Invoker):
    """The invoker of one registry inside a zone-aware reference: ``cluster`` (the user's strategy over
    that registry's directory) seen through the registry's URL, where zone-aware reads ``preferred``,
    ``zone`` and ``weight``. Closing it closes ``cluster``."""

    def __init__(self, registry_url: URL, cluster: Invoker) -> None:
        self._registry_url = registry_url
        self._cluster = cluster

    @property
    def url(self) -> URL:
        """The registry's URL (``zookeeper://…?zone=…&preferred=…``)."""
        return self._registry_url

    @property
    def cluster(self) -> Invoker:
        """The strategy over this registry's providers."""
        return self._cluster

    def is_available(self) -> bool:
        """Whether this registry lists an available provider."""
        return self._cluster.is_available()

    async def invoke(self, invocation: Invocation) -> Result:
        """Run the call through this registry's strategy."""
        return await self._cluster.invoke(invocation)

    async def close(self) -> None:
        """Close the strategy and its directory."""
        await self._cluster.close()

    def __repr__(self) -> str:
        return f"RegistryInvoker({self._registry_url})"


class ZoneAwareClusterInvoker(ClusterInvoker):
    """See the module docstring. The directory lists one invoker per registry (normally
    :class:`RegistryInvoker`); ``rng`` is the random source of rule 3 (seed it in tests)."""

    def __init__(self, directory: Directory) -> None:
        super().__init__(directory)
        self.rng = random.Random()

    async def do_invoke(self, invocation: Invocation, invokers: Sequence[Invoker]) -> Result:
        """Pick a registry by the rules of the module docstring and let it run the call."""
        if not invokers:
            raise no_provider(invocation, self.directory)
        available = [invoker for invoker in invokers if invoker.is_available()]
        for invoker in available:
            if registry_preferred(invoker.url):
                return await invoker.invoke(invocation)
        zone, force = call_zone(invocation)
        if zone:
            for invoker in available:
                if registry_zone(invoker.url) == zone:
                    return await invoker.invoke(invocation)
            if force:
                registries = ", ".join(_describe(invoker.url) for invoker in invokers)
                raise RpcError(
                    StatusCode.UNAVAILABLE,
                    f"no registry in zone {zone!r} has an available provider of {invocation.path} and "
                    f"registry_zone_force is true (registries: {registries})",
                )
        if available:
            weights = [registry_weight(invoker.url) for invoker in available]
            chosen = available[weighted_pick(self.rng, range(len(available)), weights)]
            return await chosen.invoke(invocation)
        return await invokers[0].invoke(invocation)


class ZoneAwareCluster(Cluster):
    """``zone-aware``."""

    __slots__ = ()

    def join(self, directory: Directory) -> ClusterInvoker:
        """A :class:`ZoneAwareClusterInvoker` over ``directory`` (one invoker per registry)."""
        return ZoneAwareClusterInvoker(directory)
