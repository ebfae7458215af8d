"""The ``tri`` protocol: exports servicers on Triple servers and refers Triple providers.

:class:`TripleProtocol` is what :data:`dubbopy.extension.protocols` returns for ``tri``. It keeps one
:class:`~dubbopy.protocol.triple.server.TripleServer` per listening address, opened by the first export
to that address (port 0 binds a free port; the exporter's URL carries the real one), and hands out one
:class:`~dubbopy.protocol.triple.invoker.TripleInvoker` per referred provider address and service key.

A provider-side :class:`ServiceInvoker` carries the servicer and its descriptor: the Triple server
dispatches requests to the servicer's methods directly (the fast path), so ``invoke`` is for in-process
callers only.
"""

from __future__ import annotations

import functools
import inspect
from typing import Any

from dubbopy.errors import ConfigError, RpcError, StatusCode
from dubbopy.protocol.triple.client import ClientOptions, ClientTransport
from dubbopy.protocol.triple.handlers import HandlerTable
from dubbopy.protocol.triple.http_json import install_json_mode
from dubbopy.protocol.triple.invoker import TripleInvoker, client_options_for
from dubbopy.protocol.triple.server import ServerOptions, TripleServer
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import BaseInvoker, Exporter, Invoker, RoutedExporter
from dubbopy.rpc.method import ServiceDescriptor
from dubbopy.rpc.protocol import Protocol
from dubbopy.rpc.result import Result
from dubbopy.rpc.shared import SharedPool
from dubbopy.url import URL

DEFAULT_PORT = 50051

#: ``invocation.attributes`` key under which an in-process caller may pass a ServicerContext
CONTEXT = "dubbopy.servicer_context"


class ServiceInvoker(BaseInvoker):
    """A servicer exported under ``url`` (path = service name; ``version``/``group`` params)."""

    def __init__(self, url: URL, descriptor: ServiceDescriptor, implementation: Any) -> None:
        super().__init__(url)
        self.descriptor = descriptor
        self.implementation = implementation

    async def invoke(self, invocation: Invocation) -> Result:
        """Run a unary method in-process (the wire path does not come through here)."""
        method = self.descriptor.method(invocation.method_name)
        if method is None or method.call_type.client_streams or method.call_type.server_streams:
            return Result.from_exception(
                RpcError(
                    StatusCode.UNIMPLEMENTED, f"no unary method {invocation.method_name!r} in {self.descriptor.name}"
                )
            )
        try:
            value = getattr(self.implementation, method.name)(invocation.arguments, invocation.attributes.get(CONTEXT))
            if inspect.isawaitable(value):
                value = await value
        except Exception as exc:
            return Result.from_exception(exc)
        return Result(value)


class TripleProtocol(Protocol):
    """See the module docstring. Options apply to every server / invoker this instance creates."""

    def __init__(
        self, server_options: ServerOptions | None = None, client_options: ClientOptions | None = None
    ) -> None:
        self.server_options = server_options or ServerOptions()
        self.client_options = client_options or ClientOptions()
        self._servers: dict[str, TripleServer] = {}
        self._ports: dict[str, int] = {}
        self._exporters: list[RoutedExporter] = []
        self._transports: SharedPool[tuple[str, int, str, str], ClientTransport] = SharedPool()

    @property
    def default_port(self) -> int:
        return DEFAULT_PORT

    def server_for(self, url: URL) -> TripleServer | None:
        """The server listening for ``url``'s address, if one was opened."""
        return self._servers.get(self._address(url))

    def _address(self, url: URL) -> str:
        return f"{url.host or '0.0.0.0'}:{url.port}"

    async def export(self, invoker: Invoker) -> Exporter:
        if not isinstance(invoker, ServiceInvoker):
            raise ConfigError(f"the tri protocol exports servicers (ServiceInvoker), not {type(invoker).__name__}")
        url = invoker.url
        address = self._address(url)
        server = self._servers.get(address)
        if server is None:
            server = TripleServer(HandlerTable(), self.server_options)
            install_json_mode(server)
            self._ports[address] = await server.start(url.host or "0.0.0.0", url.port)
            self._servers[address] = server
        server.handlers.add(
            invoker.descriptor, invoker.implementation, group=url.get("group") or "", version=url.get("version") or ""
        )
        group, version = url.get("group") or "", url.get("version") or ""
        withdraw = functools.partial(server.handlers.remove, invoker.descriptor, group=group, version=version)
        exporter = RoutedExporter(invoker, url.replace(port=self._ports[address]), withdraw)
        self._exporters.append(exporter)
        return exporter

    def refer(self, url: URL) -> Invoker:
        """An invoker for ``url`` (no I/O here). References to one address, version and group share a
        connection; each invoker reads its own URL's parameters (``timeout``, …) and closing it releases
        only its lease on the connection."""
        if not url.host or not url.port:
            raise ConfigError(f"a Triple address needs host and port, got {url.to_string()!r}")
        key = (url.host, url.port, url.get("version") or "", url.get("group") or "")
        options = client_options_for(url, self.client_options)
        transport, release = self._transports.lease(key, lambda: ClientTransport(url.host, url.port, options))
        return TripleInvoker(url, self.client_options, transport=transport, release=release)

    async def stop_servers(self, grace: float | None) -> None:
        """Graceful shutdown of every server (GOAWAY, ``grace`` seconds for in-flight calls)."""
        servers, self._servers = list(self._servers.values()), {}
        for server in servers:
            await server.stop(grace)

    async def close(self) -> None:
        for exporter in self._exporters:
            await exporter.unexport()
        self._exporters.clear()
        await self.stop_servers(grace=0)
        await self._transports.close()
