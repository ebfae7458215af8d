"""The ``dubbo`` protocol: exports invokers on Dubbo servers and refers Dubbo providers.

:class:`DubboProtocol` is what :data:`dubbopy.extension.protocols` returns for ``dubbo``.

**Export.** One :class:`~dubbopy.protocol.dubbo.server.DubboServer` per listening address, opened by
the first export to it (port 0 binds a free port; the exporter's URL carries the real one). An
exported invoker is found by ``(path, version, group)`` the way Java's ``DubboProtocol.getInvoker``
does: path and version from the request's ``path``/``version`` attachments, else its body fields
(``0.0.0`` and empty mean no version), group from its ``group`` attachment; there is no fallback. The usual invoker is
:class:`~dubbopy.protocol.dubbo.provider.InterfaceInvoker` (a Python implementation of a Java
interface), possibly wrapped in a filter chain; any :class:`~dubbopy.rpc.invoker.Invoker` will do.

Per request the dispatcher builds an :class:`~dubbopy.rpc.invocation.Invocation` (attachments as sent
plus ``path``, ``version`` and ``dubbo``; the deadline from the ``timeout`` attachment), answers
``$echo`` itself (Java's ``EchoFilter``), and calls the invoker inside
:meth:`RpcContext.serving <dubbopy.rpc.context.RpcContext.serving>`. The result becomes the response:
a value, or an exception sent as a Java throwable (:mod:`~dubbopy.protocol.dubbo.exceptions`); an
:class:`~dubbopy.errors.RpcError` raised by the framework (not a :class:`~dubbopy.errors.RemoteError`)
becomes a status byte (:mod:`~dubbopy.protocol.dubbo.status`). Response attachments (``dubbo=2.0.2``,
what the invoker returned, what the handler set with ``RpcContext.set_response_attachment``) are sent
when the request's dubbo version allows them.

**Refer.** One :class:`~dubbopy.protocol.dubbo.invoker.DubboInvoker` per call to :meth:`refer`. With
``connections`` unset or 0 (Java's default) every reference to an address shares one
:class:`~dubbopy.protocol.dubbo.client.ExchangeClient` (of ``shareconnections`` connections, default 1;
the first reference's options make it), closed when the last of them closes; with ``connections=N``
the reference gets N connections of its own.
"""

from __future__ import annotations

import functools
import time
import weakref
from dataclasses import replace
from typing import Any

from dubbopy.errors import ConfigError, RemoteError, RpcError
from dubbopy.protocol.dubbo import constants as c
from dubbopy.protocol.dubbo.client import ClientOptions, ExchangeClient
from dubbopy.protocol.dubbo.codec import DUBBO_VERSION, Request, Response, supports_response_attachments
from dubbopy.protocol.dubbo.exceptions import to_java_exception
from dubbopy.protocol.dubbo.frames import Status
from dubbopy.protocol.dubbo.invoker import DubboInvoker
from dubbopy.protocol.dubbo.server import DubboServer, ServerConnection, ServerOptions
from dubbopy.protocol.dubbo.status import status_for_error
from dubbopy.rpc.context import CallContext, RpcContext
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Exporter, Invoker, RoutedExporter
from dubbopy.rpc.protocol import Protocol
from dubbopy.rpc.result import Result
from dubbopy.rpc.shared import SharedPool
from dubbopy.serialization.hessian2 import ClassRegistry
from dubbopy.url import URL

__all__ = ["DubboProtocol", "ServiceTable", "export_key"]


def export_key(path: str, version: str | None, group: str | None) -> str:
    """Java's provider-side service key: ``[group/]path[:version]``, ``0.0.0`` meaning no version."""
    key = f"{group}/{path}" if group else path
    return f"{key}:{version}" if version and version != "0.0.0" else key


class ServiceTable:
    """The invokers exported on one server, by :func:`export_key`; also the server's request handler."""

    def __init__(self, server_registry: ClassRegistry | None = None) -> None:
        self._invokers: dict[str, Invoker] = {}
        self.registry = server_registry

    def add(self, key: str, invoker: Invoker) -> None:
        """Export ``invoker`` under ``key``; a key exported twice is a ConfigError."""
        if key in self._invokers:
            raise ConfigError(f"service {key!r} is already exported on this server")
        self._invokers[key] = invoker

    def remove(self, key: str, invoker: Invoker) -> None:
        """Stop exporting ``invoker`` under ``key``."""
        if self._invokers.get(key) is invoker:
            del self._invokers[key]

    @property
    def keys(self) -> list[str]:
        """The exported service keys."""
        return sorted(self._invokers)

    async def __call__(self, request: Request, connection: ServerConnection) -> Response:
        """Answer one request (see the module docstring)."""
        # Java (DecodeableRpcInvocation) sets path, version and dubbo from the body's fields, then adds
        # the attachments map over them; the exporter is then found by the resulting attachments.
        attachments = request.attachments
        attachments.setdefault(c.PATH_KEY, request.service_path)
        attachments.setdefault(c.VERSION_KEY, request.version)
        attachments.setdefault(c.DUBBO_VERSION_KEY, request.dubbo_version)
        path = _text(attachments[c.PATH_KEY]) or request.service_path
        key = export_key(path, _text(attachments[c.VERSION_KEY]), _text(attachments.get(c.GROUP_KEY)))
        invoker = self._invokers.get(key)
        if invoker is None:
            return Response(
                request.request_id,
                Status.SERVICE_NOT_FOUND,
                error_message=(
                    f"Not found exported service: {key} in {self.keys}, may be version or group mismatch, "
                    f"channel: consumer: {connection.peer} --> provider, "
                    f"message:RpcInvocation [methodName={request.method}]"
                ),
                serialization_id=request.serialization_id,
            )
        with_attachments = supports_response_attachments(request.dubbo_version)
        if request.method == c.ECHO and len(request.arguments) == 1:
            return self._response(request, Result(request.arguments[0]), {}, with_attachments, None)
        invocation = Invocation(
            path,
            request.method,
            request.arguments,
            parameter_types=request.parameter_types,
            attachments=attachments,
            deadline=_deadline(attachments.get(c.TIMEOUT_KEY)),
        )
        invocation.attributes[c.EXECUTOR] = connection.server.executor
        call = CallContext(invocation, peer=connection.peer)
        with RpcContext.serving(call):
            result = await invoker.invoke(invocation)
        return self._response(
            request, result, call.response_attachments, with_attachments, invocation.attributes.get(c.RETURN_TYPE)
        )

    def _response(
        self,
        request: Request,
        result: Result,
        extra: dict[str, Any],
        with_attachments: bool,
        return_type: str | None,
    ) -> Response:
        exception = result.exception
        if isinstance(exception, RpcError) and not isinstance(exception, RemoteError):
            return Response(
                request.request_id,
                status_for_error(exception),
                error_message=exception.message or str(exception),
                serialization_id=request.serialization_id,
            )
        attachments: dict[str, Any] | None = None
        if with_attachments:
            attachments = {c.DUBBO_VERSION_KEY: DUBBO_VERSION}
            attachments.update(result.attachments)
            attachments.update(extra)
        response = Response(
            request.request_id,
            attachments=attachments,
            serialization_id=request.serialization_id,
            return_type=return_type,
        )
        if exception is not None:
            response.exception = to_java_exception(exception, self.registry)
        else:
            response.value = result.value
        return response


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _deadline(timeout: object) -> float | None:
    """The deadline a consumer's ``timeout`` attachment (milliseconds) implies, if it is valid."""
    if isinstance(timeout, str) and timeout.isascii() and timeout.isdigit():
        millis = int(timeout)
        return time.monotonic() + millis / 1000 if millis > 0 else None
    return None


class DubboProtocol(Protocol):
    """See the module docstring. Options apply to every server and client this instance creates;
    URL parameters override them per export / reference."""

    def __init__(
        self,
        server_options: ServerOptions | None = None,
        client_options: ClientOptions | None = None,
        *,
        registry: ClassRegistry | None = None,
    ) -> None:
        self.server_options = server_options or ServerOptions()
        self.client_options = client_options or ClientOptions()
        self.registry = registry
        self._servers: dict[str, tuple[DubboServer, ServiceTable, int]] = {}
        self._exporters: list[RoutedExporter] = []
        self._shared: SharedPool[str, ExchangeClient] = SharedPool()
        self._dedicated: weakref.WeakSet[DubboInvoker] = weakref.WeakSet()

    @property
    def default_port(self) -> int:
        """20880, Java's default."""
        return c.DEFAULT_PORT

    def server_for(self, url: URL) -> DubboServer | None:
        """The server listening for ``url``'s address, if one was opened."""
        entry = self._servers.get(_bind_address(url))
        return entry[0] if entry is not None else None

    # ------------------------------------------------------------------ export

    async def export(self, invoker: Invoker) -> Exporter:
        """Serve ``invoker`` at ``invoker.url`` (``dubbo://host:port/<interface>?version=&group=``)."""
        url = invoker.url
        path = url.path or url.interface
        if not path:
            raise ConfigError(f"a Dubbo export URL needs the service in its path, got {url.to_string()!r}")
        address = _bind_address(url)
        entry = self._servers.get(address)
        if entry is None:
            table = ServiceTable(self.registry)
            server = DubboServer(table, self.server_options.with_url(url))
            port = await server.start(url.host or "0.0.0.0", url.port)
            entry = (server, table, port)
            self._servers[address] = entry
        _server, table, port = entry
        key = export_key(path, url.version, url.group)
        table.add(key, invoker)
        exporter = RoutedExporter(invoker, url.replace(port=port), functools.partial(table.remove, key, invoker))
        self._exporters.append(exporter)
        return exporter

    # ------------------------------------------------------------------ refer

    def refer(self, url: URL) -> Invoker:
        """A :class:`~dubbopy.protocol.dubbo.invoker.DubboInvoker` for ``url`` (no I/O here)."""
        if not url.host or not url.port:
            raise ConfigError(f"a Dubbo provider URL needs host and port, got {url.to_string()!r}")
        options = self.client_options.with_url(url)
        serialization = options.serializations.choose(
            url.get_list(c.PREFER_SERIALIZATION_KEY), url.get(c.SERIALIZATION_KEY)
        )
        dedicated = url.get_int(c.CONNECTIONS_KEY, 0)
        if dedicated > 0:
            invoker = DubboInvoker(url, ExchangeClient(url.host, url.port, options), serialization)
            self._dedicated.add(invoker)
            return invoker
        count = url.get_int(c.SHARE_CONNECTIONS_KEY, options.connections)
        if count < 1:
            raise ConfigError(f"URL parameter {c.SHARE_CONNECTIONS_KEY}={count} must be >= 1")
        client, release = self._shared.lease(
            url.address, lambda: ExchangeClient(url.host, url.port, replace(options, connections=count))
        )
        return DubboInvoker(url, client, serialization, release=release)

    # ------------------------------------------------------------------ shutdown

    async def stop_servers(self, grace: float | None) -> None:
        """Graceful shutdown of every server: readonly event, ``grace`` seconds for calls in flight."""
        servers, self._servers = list(self._servers.values()), {}
        for server, _table, _port in servers:
            await server.stop(grace)

    async def close(self) -> None:
        """Unexport everything, close every referred invoker and shared client, stop the servers."""
        exporters, self._exporters = self._exporters, []
        for exporter in exporters:
            await exporter.unexport()
        await self.stop_servers(grace=0)
        for invoker in list(self._dedicated):
            await invoker.close()
        await self._shared.close()


def _bind_address(url: URL) -> str:
    return f"{url.host or '0.0.0.0'}:{url.port}"
