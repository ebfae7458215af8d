"""A reference whose providers come from registries: the invoker behind ``Client.reference`` without a URL.

References are made outside coroutines, but subscribing needs the event loop, so
:class:`RegistryReference` connects on its first call (once, shared by concurrent first calls): it opens
the client's registries, subscribes a :class:`~dubbopy.registry.directory.RegistryDirectory` (the first
notification arrives before the subscription returns, so the first call already sees the providers),
joins the directory with the cluster strategy named by the consumer URL's ``cluster`` parameter, and
registers the consumer URL under ``consumers`` as Java does (not in a registry that says
``register=false``; only the simplified keys in one that says ``simplified=true``). Every call after
that goes straight to the cluster invoker.

With several registries, as in Java, each registry gets its own directory and strategy, and those
per-registry invokers (:class:`~dubbopy.cluster.strategies.zoneaware.RegistryInvoker`, carrying the
registry URL's ``preferred``/``zone``/``weight``) are joined by the ``zone-aware`` strategy, or by the
strategy the last registry URL names in its ``cluster`` parameter.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable

from dubbopy import extension
from dubbopy.cluster.directory import StaticDirectory
from dubbopy.cluster.strategies.base import Cluster, ClusterInvoker
from dubbopy.cluster.strategies.zoneaware import ZONE_AWARE, RegistryInvoker
from dubbopy.errors import DubboError, RpcError, StatusCode
from dubbopy.registry.base import Registry
from dubbopy.registry.directory import RegistryDirectory
from dubbopy.registry.publish import registered_consumer_url, registers
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.rpc.result import Result
from dubbopy.url import URL


def _cluster(name: str) -> Cluster:
    if name not in extension.clusters:
        raise RpcError(
            StatusCode.INTERNAL, f"unknown cluster {name!r} (known: {', '.join(extension.clusters.names())})"
        )
    cluster: Cluster = extension.clusters.get(name)
    return cluster


class RegistryReference(Invoker):
    """See the module docstring. ``registries`` opens (or returns) the client's started registries."""

    def __init__(
        self,
        consumer_url: URL,
        registries: Callable[[], Awaitable[list[Registry]]],
        refer: Callable[[URL], Invoker],
    ) -> None:
        self._url = consumer_url
        self._open_registries = registries
        self._refer = refer
        self._ready: asyncio.Future[ClusterInvoker] | None = None
        self._registered: list[tuple[Registry, URL]] = []
        self._closed = False

    @property
    def url(self) -> URL:
        return self._url

    def is_available(self) -> bool:
        ready = self._ready
        if ready is None or not ready.done() or ready.exception() is not None:
            return not self._closed
        return ready.result().is_available()

    async def _connect(self) -> ClusterInvoker:
        registries = await self._open_registries()
        cluster = _cluster(self._url.get("cluster") or "failover")
        if len(registries) == 1:
            invoker = await self._join(cluster, registries[0])
        else:
            members: list[Invoker] = []
            try:
                for registry in registries:
                    members.append(RegistryInvoker(registry.address.url, await self._join(cluster, registry)))
            except BaseException:
                for member in members:
                    await member.close()
                raise
            # as Java's ReferenceConfig: the last registry URL's cluster joins them, zone-aware by default
            joining = registries[-1].address.url.get("cluster") or ZONE_AWARE
            invoker = _cluster(joining).join(StaticDirectory(members, self._url))
        for registry in registries:
            if not registers(registry.address.url):
                continue
            consumer = registered_consumer_url(self._url, registry.address.url)
            with contextlib.suppress(DubboError):  # a consumer node is informative; calls do not need it
                await registry.register(consumer)
                self._registered.append((registry, consumer))
        return invoker

    async def _join(self, cluster: Cluster, registry: Registry) -> ClusterInvoker:
        """``cluster`` over a subscribed directory of ``registry``'s providers."""
        directory = RegistryDirectory(self._url, [registry], self._refer)
        try:
            await directory.subscribe()
        except BaseException:
            await directory.close()
            raise
        return cluster.join(directory)

    async def cluster(self) -> ClusterInvoker:
        """The cluster invoker, connecting first if needed."""
        if self._ready is None:
            self._ready = asyncio.ensure_future(self._connect())
        try:
            return await asyncio.shield(self._ready)
        except Exception:
            self._ready = None  # let a later call try again (the registry may come back)
            raise

    async def invoke(self, invocation: Invocation) -> Result:
        if self._closed:
            return Result.from_exception(RpcError(StatusCode.UNAVAILABLE, "reference is closed"))
        try:
            cluster = await self.cluster()
        except DubboError as exc:
            return Result.from_exception(
                RpcError(StatusCode.UNAVAILABLE, f"cannot reach the registries for {self._url.path}: {exc}")
            )
        return await cluster.invoke(invocation)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        registered, self._registered = self._registered, []
        for registry, url in registered:
            with contextlib.suppress(Exception):
                await registry.unregister(url)
        ready = self._ready
        if ready is not None and ready.done() and ready.exception() is None:
            await ready.result().close()
