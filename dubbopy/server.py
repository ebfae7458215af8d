"""The provider's entry point: :class:`Server`.

::

    server = dubbopy.Server(protocols=["tri://0.0.0.0:50051"])
    server.add(Greeter())                 # a servicer generated from .proto, subclassed
    await server.serve()                  # until SIGTERM/SIGINT, then a graceful shutdown

Every Triple server also serves ``grpc.health.v1.Health`` (NOT_SERVING once shutdown starts) and gRPC
server reflection (v1 and v1alpha), unless turned off.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from types import TracebackType
from typing import Any, Final

from dubbopy import extension
from dubbopy.errors import ConfigError
from dubbopy.interfaces import interface_of, interface_service
from dubbopy.protocol.dubbo.provider import InterfaceInvoker
from dubbopy.protocol.dubbo.service import InterfaceService
from dubbopy.protocol.triple.interface import wrapper_service
from dubbopy.protocol.triple.protocol import ServiceInvoker, TripleProtocol
from dubbopy.protocol.triple.server import ServerOptions
from dubbopy.registry.base import Registry
from dubbopy.registry.publish import open_registry, provider_url, registered_provider_url, registers
from dubbopy.rpc.invoker import Exporter, Invoker
from dubbopy.rpc.method import ServiceDescriptor
from dubbopy.rpc.protocol import Protocol
from dubbopy.services.health import HealthServicer, ServingStatus
from dubbopy.services.names import HEALTH_SERVICE, REFLECTION_SERVICES
from dubbopy.url import URL

log = logging.getLogger(__name__)

DEFAULT_PROTOCOL = "tri://0.0.0.0:50051"


@dataclass(frozen=True, slots=True)
class _Export:
    """One added service: a generated servicer (``descriptor``) or an ``@service`` class (``interface``)."""

    name: str
    implementation: Any
    version: str
    group: str
    descriptor: ServiceDescriptor | None = None
    interface: InterfaceService | None = None
    params: Mapping[str, str] = field(default_factory=dict)


#: provider settings that Java enforces in provider filters, which dubbopy does not run yet
_UNENFORCED: Final = (
    "token",
    "tps.limiter",
    "tps.limit.rate",
    "execute.limit",
    "accesslog",
    "auth",
    "param.sign",
    "service.filter",
)


def _warn_unenforced(url: URL) -> None:
    """Log the settings of a published provider URL that Java consumers see but nothing here enforces."""
    found = [key for key in _UNENFORCED if url.get(key)]
    if found:
        log.warning(
            "%s: %s published but not enforced: dubbopy does not run provider filters yet",
            url.path,
            ", ".join(f"{key}={url.get(key)}" for key in found),
        )


class Server:
    """A Dubbo provider process: services exported on one or more protocol ports.

    ``protocols`` are URLs such as ``tri://0.0.0.0:50051`` (port 0 picks a free port; :attr:`ports`
    tells which); each protocol is looked up by name in :data:`dubbopy.extension.protocols`.
    ``options`` tunes the Triple transport (limits, keepalive, TLS).
    """

    def __init__(
        self,
        *,
        application: str = "dubbopy-provider",
        protocols: Sequence[str | URL] = (DEFAULT_PROTOCOL,),
        options: ServerOptions | None = None,
        health: bool = True,
        reflection: bool = True,
        registries: Sequence[str | URL] = (),
    ) -> None:
        self.application = application
        self.registry_urls = [r if isinstance(r, URL) else URL.parse(r) for r in registries]
        self._registries: list[Registry] = []
        self._registered: list[tuple[Registry, URL]] = []
        self.urls = [p if isinstance(p, URL) else URL.parse(p) for p in protocols]
        for url in self.urls:
            if url.protocol not in extension.protocols:
                known = ", ".join(extension.protocols.names())
                raise ConfigError(f"unknown protocol {url.protocol!r} in {url} (known: {known})")
        self.options = options or ServerOptions()
        self._services: list[_Export] = []
        self._protocols: dict[str, Protocol] = {}
        self._exporters: list[Exporter] = []
        self._ports: list[int] = []
        self._started = False
        self._health: HealthServicer | None = HealthServicer() if health else None
        self._reflection = reflection

    def add(
        self,
        servicer: Any,
        *,
        version: str | None = None,
        group: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> None:
        """Export ``servicer``: an instance of a generated ``XxxServicer`` subclass (served on ``tri``), or
        of a class decorated with :func:`dubbopy.service` (served on ``dubbo`` and, in wrapper mode, on
        ``tri``).

        ``version``/``group`` select it among exports of the same service (``tri-service-version`` /
        ``tri-service-group`` headers, the Dubbo request's version and group); for ``@service`` classes
        they default to the decorator's. ``params`` are more provider URL parameters of this service,
        published in registries (``weight``, ``timeout``, ``dubbo.tag``, ``<method>.timeout``; they
        override the protocol URL's). Must be called before :meth:`start`.
        """
        if self._started:
            raise ConfigError("add services before the server starts")
        spec = interface_of(servicer)
        if spec is not None:
            entry = _Export(
                spec.name,
                servicer,
                version if version is not None else spec.version,
                group if group is not None else spec.group,
                interface=interface_service(servicer, spec),
            )
        else:
            descriptor = getattr(servicer, "SERVICE", None)
            if not isinstance(descriptor, ServiceDescriptor):
                raise ConfigError(
                    f"{type(servicer).__name__} is neither a generated servicer (no SERVICE descriptor) nor "
                    "decorated with @dubbopy.service"
                )
            entry = _Export(descriptor.name, servicer, version or "", group or "", descriptor=descriptor)
        if params:
            entry = replace(entry, params=dict(params))
        if any((e.name, e.group, e.version) == (entry.name, entry.group, entry.version) for e in self._services):
            raise ConfigError(
                f"service {entry.name!r} (group {entry.group!r}, version {entry.version!r}) is added twice"
            )
        self._services.append(entry)
        if self._health is not None:
            self._health.set(entry.name, ServingStatus.SERVING)

    @property
    def health(self) -> HealthServicer | None:
        """The built-in ``grpc.health.v1.Health`` service (``health.set(name, status)``), if enabled."""
        return self._health

    @property
    def ports(self) -> list[int]:
        """The bound ports, in the order of ``protocols`` (after :meth:`start`)."""
        return list(self._ports)

    def _protocol(self, name: str) -> Protocol:
        protocol = self._protocols.get(name)
        if protocol is None:
            protocol = extension.protocols.get(name)
            if isinstance(protocol, TripleProtocol):
                protocol.server_options = self.options
            self._protocols[name] = protocol
        return protocol

    def _all_services(self) -> list[_Export]:
        services = list(self._services)
        if self._health is not None:
            services.append(_Export(self._health.SERVICE.name, self._health, "", "", descriptor=self._health.SERVICE))
        if self._reflection:
            from dubbopy.services.reflection import ReflectionServicer  # noqa: PLC0415 - optional built-in

            reflection = ReflectionServicer([e.descriptor for e in services if e.descriptor is not None])
            services.extend(_Export(d.name, reflection, "", "", descriptor=d) for d in reflection.SERVICES)
        return services

    async def start(self) -> None:
        """Export every service on every protocol URL, opening the ports."""
        if self._started:
            return
        self._started = True
        services = self._all_services()
        for url in self.urls:
            protocol = self._protocol(url.protocol)
            port = url.port
            exported = 0
            for entry in services:
                invoker = self._invoker_for(url, entry)
                if invoker is None:
                    continue
                exporter = await protocol.export(invoker)
                self._exporters.append(exporter)
                port = exporter.url.port
                exported += 1
            if not exported:
                raise ConfigError(f"no service added to this server can be served on {url}")
            self._ports.append(port)
        for exporter in self._exporters:
            _warn_unenforced(exporter.url)
        await self._register()

    async def _register(self) -> None:
        """Publish every exported user service on every registry (built-ins are not published)."""
        writable = [u for u in self.registry_urls if registers(u)]
        if not writable:
            return
        self._registries = [await open_registry(u, application=self.application) for u in writable]
        builtin = {HEALTH_SERVICE, *REFLECTION_SERVICES}
        for exporter in self._exporters:
            url = exporter.url
            if url.path in builtin:
                continue
            published = provider_url(url)
            for registry in self._registries:
                node = registered_provider_url(published, registry.address.url)
                await registry.register(node)
                self._registered.append((registry, node))

    def _invoker_for(self, url: URL, entry: _Export) -> Invoker | None:
        """The provider invoker exporting ``entry`` on ``url``'s protocol, or ``None`` if it cannot go there."""
        if entry.interface is not None:
            methods: Sequence[str] = entry.interface.method_names
        else:
            assert entry.descriptor is not None
            methods = tuple(entry.descriptor.methods)
        params = {**entry.params, "interface": entry.name, "application": self.application, "side": "provider"}
        params["methods"] = ",".join(sorted(methods))
        if entry.version:
            params["version"] = entry.version
        if entry.group:
            params["group"] = entry.group
        export_url = url.replace(path=entry.name).with_params(**params)
        if url.protocol == "tri":
            if entry.interface is not None:
                # dubbo-go consumers read IDL-mode from the provider URL; without it they call in IDL mode
                export_url = export_url.with_param("IDL-mode", "non-IDL")
                descriptor, implementation = wrapper_service(entry.interface, export_url)
                return ServiceInvoker(export_url, descriptor, implementation)
            assert entry.descriptor is not None
            return ServiceInvoker(export_url, entry.descriptor, entry.implementation)
        if entry.interface is not None:
            return InterfaceInvoker(export_url, entry.interface)
        return None

    async def stop(self, grace: float | None = 5.0) -> None:
        """Graceful shutdown: health goes NOT_SERVING, GOAWAY, in-flight calls get ``grace`` seconds."""
        if self._health is not None:
            self._health.enter_graceful_shutdown()
        # unregister first, so consumers stop choosing this provider before it stops answering
        registered, self._registered = self._registered, []
        for registry, url in registered:
            with contextlib.suppress(Exception):
                await registry.unregister(url)
        registries, self._registries = self._registries, []
        for registry in registries:
            with contextlib.suppress(Exception):
                await registry.close()
        protocols, self._protocols = list(self._protocols.values()), {}
        for protocol in protocols:
            await protocol.stop_servers(grace)
            await protocol.close()
        self._exporters.clear()

    async def serve(self, grace: float | None = 5.0) -> None:
        """Start, serve until SIGTERM or SIGINT, then stop gracefully."""
        await self.start()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        installed = []
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.add_signal_handler(sig, stop.set)
                installed.append(sig)
        try:
            await stop.wait()
        finally:
            for sig in installed:
                loop.remove_signal_handler(sig)
            await self.stop(grace)

    def run(self, grace: float | None = 5.0) -> None:
        """Blocking :meth:`serve` for scripts (uses uvloop when installed)."""
        from dubbopy._loop import new_event_loop  # noqa: PLC0415

        with asyncio.Runner(loop_factory=new_event_loop) as runner:
            runner.run(self.serve(grace))

    async def __aenter__(self) -> Server:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()
