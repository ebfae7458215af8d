"""The consumer's entry points: :class:`Client` (async) and :class:`SyncClient` (blocking).

::

    async with dubbopy.Client(application="py-consumer") as client:
        greeter = helloworld_dubbo.GreeterStub(client.reference(url="tri://127.0.0.1:50051"))
        reply = await greeter.SayHello(HelloRequest(name="x"), timeout=1.0)

A reference is a :class:`~dubbopy.rpc.channel.Channel`: every stub call becomes an invocation that runs
through the reference's filter chain to a protocol invoker. References to the same address share one
connection. (Registries and clusters come later; a reference is then the same object over a cluster.)

:class:`SyncClient` runs the very same client on a background event-loop thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar, cast, overload

from dubbopy import extension
from dubbopy._loop import LoopThread, loop_thread
from dubbopy._net import local_host
from dubbopy.errors import ConfigError
from dubbopy.interfaces import MethodSpec, interface_of
from dubbopy.protocol.dubbo.generic import GenericService
from dubbopy.protocol.triple.client import ClientOptions
from dubbopy.protocol.triple.interface import WrapperInvoker
from dubbopy.protocol.triple.invoker import TripleInvoker
from dubbopy.protocol.triple.protocol import TripleProtocol
from dubbopy.reference import InterfaceReference
from dubbopy.registry.base import Registry
from dubbopy.registry.publish import open_registry, subscribes
from dubbopy.registry.reference import RegistryReference
from dubbopy.rpc.calls import InvokerChannel
from dubbopy.rpc.channel import Metadata, StreamCall, SyncChannel, SyncStreamCall
from dubbopy.rpc.context import RpcContext
from dubbopy.rpc.filter import Filter, build_chain
from dubbopy.rpc.invoker import Invoker
from dubbopy.rpc.method import MethodDescriptor
from dubbopy.rpc.protocol import Protocol
from dubbopy.url import URL

Req = TypeVar("Req")
Resp = TypeVar("Resp")
T = TypeVar("T")


class Client:
    """A Dubbo consumer: makes references (channels) to services. See the module docstring."""

    def __init__(
        self,
        *,
        application: str = "dubbopy-consumer",
        options: ClientOptions | None = None,
        filters: Sequence[Filter] = (),
        registries: Sequence[str | URL] = (),
    ) -> None:
        self.application = application
        self.options = options or ClientOptions()
        self.filters = tuple(filters)
        self.registry_urls = [r if isinstance(r, URL) else URL.parse(r) for r in registries]
        self._protocols: dict[str, Protocol] = {}
        self._registries: asyncio.Future[list[Registry]] | None = None
        self._references: list[RegistryReference] = []

    def _protocol(self, name: str) -> Protocol:
        protocol = self._protocols.get(name)
        if protocol is None:
            if name not in extension.protocols:
                known = ", ".join(extension.protocols.names())
                raise ConfigError(f"unknown protocol {name!r} (known: {known})")
            protocol = extension.protocols.get(name)
            if isinstance(protocol, TripleProtocol):
                protocol.client_options = self.options
            self._protocols[name] = protocol
        return protocol

    @overload
    def reference(
        self,
        service: type[T],
        *,
        url: str | URL | None = None,
        version: str | None = None,
        group: str | None = None,
        timeout: float | None = None,
        attachments: Mapping[str, str | bytes] | None = None,
        protocol: str | None = None,
        cluster: str = "failover",
        params: Mapping[str, str] | None = None,
    ) -> T: ...

    @overload
    def reference(
        self,
        service: str = "",
        *,
        url: str | URL | None = None,
        version: str | None = None,
        group: str | None = None,
        timeout: float | None = None,
        attachments: Mapping[str, str | bytes] | None = None,
        protocol: str | None = None,
        cluster: str = "failover",
        params: Mapping[str, str] | None = None,
    ) -> InvokerChannel: ...

    def reference(
        self,
        service: str | type[Any] = "",
        *,
        url: str | URL | None = None,
        version: str | None = None,
        group: str | None = None,
        timeout: float | None = None,
        attachments: Mapping[str, str | bytes] | None = None,
        protocol: str | None = None,
        cluster: str = "failover",
        params: Mapping[str, str] | None = None,
    ) -> Any:
        """A reference to a service: at ``url`` (a direct connection), or, without ``url``, at every
        provider the client's registries list (a live directory behind the ``cluster`` strategy, load
        balanced by ``params["loadbalance"]``, default ``random``; ``protocol`` keeps only providers of
        that protocol; ``params`` are consumer URL parameters such as ``retries`` or ``sayHi.timeout``).

        * ``service`` a class decorated with :func:`dubbopy.service` / :func:`dubbopy.interface`: an object
          with that class's methods as coroutines calling the Java interface (``dubbo://`` or ``tri://``,
          where it uses Triple's wrapper mode).
        * ``service`` a name or empty: a :class:`~dubbopy.rpc.channel.Channel` for a generated stub
          (``tri://``); the stub knows its service.

        ``version``/``group`` select the export on the provider (default: the decorator's, or the URL's);
        ``timeout`` (seconds) is the default per call; ``attachments`` go with every call.
        """
        spec = None
        if isinstance(service, type):
            spec = interface_of(service)
            if spec is None:
                raise ConfigError(f"{service.__name__} is not decorated with @dubbopy.service/@dubbopy.interface")
            name, version, group = spec.name, version or spec.version, group or spec.group
        else:
            name, version, group = service, version or "", group or ""
        interface = spec is not None
        if url is None:
            invoker = self._discover(
                name, version, group, interface=interface, protocol=protocol, cluster=cluster, params=params or {}
            )
        else:
            parsed = url if isinstance(url, URL) else URL.parse(url)
            invoker = self._leaf(self._refer(parsed, name or parsed.path, version, group), interface)
        chained = build_chain(invoker, self.filters)
        if spec is not None:
            return InterfaceReference(spec, chained, timeout=timeout, attachments=attachments)
        return InvokerChannel(chained, timeout=timeout, attachments=attachments)

    def _discover(
        self,
        service: str,
        version: str,
        group: str,
        *,
        interface: bool,
        protocol: str | None,
        cluster: str,
        params: Mapping[str, str],
    ) -> Invoker:
        """The invoker of a registry-discovered reference (see :class:`RegistryReference`): with several
        registries, one ``cluster`` invoker per registry joined by ``zone-aware``, which reads each
        registry URL's ``preferred``, ``zone`` and ``weight``."""
        if not self.registry_urls:
            raise ConfigError("a reference without url= needs registries: Client(registries=['zookeeper://...'])")
        if not any(subscribes(u) for u in self.registry_urls):
            raise ConfigError("every registry of this client says subscribe=false: none to discover providers through")
        if not service:
            raise ConfigError("a reference through registries needs the service name")
        consumer_params = {
            "interface": service,
            "application": self.application,
            "side": "consumer",
            "category": "providers,configurators,routers",
            "cluster": cluster,
            **params,
        }
        if version:
            consumer_params["version"] = version
        if group:
            consumer_params["group"] = group
        if protocol:
            consumer_params["protocol"] = protocol
        consumer_url = URL("consumer", local_host(), 0, service, consumer_params)

        def refer(provider: URL) -> Invoker:
            return self._leaf(self._protocol(provider.protocol).refer(provider), interface)

        reference = RegistryReference(consumer_url, self._open_registries, refer)
        self._references.append(reference)
        return reference

    async def _open_registries(self) -> list[Registry]:
        """The client's registries, started once and shared by every reference."""
        if self._registries is None:
            opening = (open_registry(u, application=self.application) for u in self.registry_urls if subscribes(u))
            self._registries = asyncio.ensure_future(asyncio.gather(*opening))
        return list(await asyncio.shield(self._registries))

    def generic(
        self,
        service: str,
        *,
        url: str | URL,
        version: str = "",
        group: str = "",
        timeout: float | None = None,
        attachments: Mapping[str, str | bytes] | None = None,
    ) -> GenericService:
        """A generic reference: call any method of the Java interface ``service`` by name, parameter types
        and arguments (``await svc.invoke("sayHi", ["java.lang.String"], ["x"])``), POJOs as dicts with a
        ``"class"`` key."""
        parsed = url if isinstance(url, URL) else URL.parse(url)
        invoker = self._leaf(self._refer(parsed, service, version, group, generic=True), True)
        return GenericService(build_chain(invoker, self.filters), service, timeout=timeout, attachments=attachments)

    def _refer(self, url: URL, service: str, version: str, group: str, *, generic: bool = False) -> Invoker:
        version = version or url.get("version") or ""
        group = group or url.get("group") or ""
        params = {"application": self.application, "interface": service or url.path, "side": "consumer"}
        if version:
            params["version"] = version
        if group:
            params["group"] = group
        if generic:
            params["generic"] = "true"
        path = service or url.path
        return self._protocol(url.protocol).refer(url.replace(path=path).with_params(**params))

    @staticmethod
    def _leaf(invoker: Invoker, interface: bool) -> Invoker:
        """Interface calls over Triple travel in wrapper mode."""
        if interface and isinstance(invoker, TripleInvoker):
            return WrapperInvoker(invoker)
        return invoker

    async def close(self) -> None:
        """Close every connection; calls in flight end with ``UNAVAILABLE``."""
        references, self._references = self._references, []
        for reference in references:
            await reference.close()
        if self._registries is not None and self._registries.done() and not self._registries.exception():
            for registry in self._registries.result():
                await registry.close()
        self._registries = None
        protocols, self._protocols = list(self._protocols.values()), {}
        for protocol in protocols:
            await protocol.close()

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()


class _SyncStream(SyncStreamCall[Resp]):
    """A streaming call driven from a blocking thread."""

    def __init__(self, runner: LoopThread, call: StreamCall[Resp]) -> None:
        self._runner = runner
        self._call = call

    def __next__(self) -> Resp:
        message = self._runner.run(self._call.read())
        if message is None:
            raise StopIteration
        return message

    def initial_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        return self._runner.run(self._call.initial_metadata())

    def trailing_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        return self._runner.run(self._call.trailing_metadata())

    def cancel(self) -> bool:
        return self._runner.loop.call_soon_threadsafe(self._call.cancel) is not None


async def _from_thread(runner: LoopThread, requests: Iterable[Req]) -> AsyncIterator[Req]:
    """Iterate a blocking iterable on a worker thread, so the loop thread never blocks on it."""
    iterator = iter(requests)
    end = object()
    loop = runner.loop

    def step() -> Req | object:
        return next(iterator, end)

    while True:
        item = await loop.run_in_executor(None, step)
        if item is end:
            return
        yield cast(Req, item)


class SyncChannelAdapter(SyncChannel):
    """A blocking :class:`~dubbopy.rpc.channel.SyncChannel` over an async channel."""

    def __init__(self, runner: LoopThread, channel: InvokerChannel) -> None:
        self._runner = runner
        self._channel = channel

    def unary_unary(
        self,
        method: MethodDescriptor[Req, Resp],
        request: Req,
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> Resp:
        async def call() -> Resp:
            return await self._channel.unary_unary(method, request, timeout=timeout, metadata=metadata)

        return self._runner.run(call())

    def unary_stream(
        self,
        method: MethodDescriptor[Req, Resp],
        request: Req,
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> SyncStreamCall[Resp]:
        return _SyncStream(
            self._runner, self._channel.unary_stream(method, request, timeout=timeout, metadata=metadata)
        )

    def stream_unary(
        self,
        method: MethodDescriptor[Req, Resp],
        requests: Iterable[Req],
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> Resp:
        async def call() -> Resp:
            source = _from_thread(self._runner, requests)
            return await self._channel.stream_unary(method, source, timeout=timeout, metadata=metadata)

        return self._runner.run(call())

    def stream_stream(
        self,
        method: MethodDescriptor[Req, Resp],
        requests: Iterable[Req],
        *,
        timeout: float | None = None,
        metadata: Metadata | None = None,
    ) -> SyncStreamCall[Resp]:
        source = _from_thread(self._runner, requests)
        return _SyncStream(
            self._runner, self._channel.stream_stream(method, source, timeout=timeout, metadata=metadata)
        )


class SyncInterfaceReference:
    """The blocking view of an :class:`~dubbopy.reference.InterfaceReference`: same methods, blocking.

    Attachments set with :class:`~dubbopy.rpc.context.RpcContext` in the calling thread go with the call,
    and the provider's response attachments are visible in that thread afterwards.
    """

    def __init__(self, runner: LoopThread, reference: InterfaceReference) -> None:
        self._runner = runner
        self._reference = reference
        for method in reference.spec.methods:
            setattr(self, method.python_name, self._bind(method))

    def _bind(self, method: MethodSpec) -> Callable[..., Any]:
        def call(*args: Any, timeout: float | None = None) -> Any:
            context = RpcContext.fork_for_call()
            try:
                return self._runner.run(self._reference.invoke(method, args, timeout=timeout), context)
            finally:
                RpcContext.merge_response(context)

        call.__name__ = method.python_name
        return call


class SyncGenericService:
    """The blocking view of a :class:`~dubbopy.protocol.dubbo.generic.GenericService`."""

    def __init__(self, runner: LoopThread, service: GenericService) -> None:
        self._runner = runner
        self._service = service

    def invoke(
        self, method: str, parameter_types: Sequence[str], args: Sequence[Any], *, timeout: float | None = None
    ) -> Any:
        """``$invoke``: see :meth:`GenericService.invoke`."""
        context = RpcContext.fork_for_call()
        try:
            return self._runner.run(self._service.invoke(method, parameter_types, args, timeout=timeout), context)
        finally:
            RpcContext.merge_response(context)

    def echo(self, value: Any, *, timeout: float | None = None) -> Any:
        """``$echo``: see :meth:`GenericService.echo`."""
        return self._runner.run(self._service.echo(value, timeout=timeout))


class SyncClient:
    """The blocking twin of :class:`Client`: same arguments, references are ``SyncChannel`` objects."""

    def __init__(self, **kwargs: Any) -> None:
        self._runner = loop_thread()
        self._client = Client(**kwargs)

    @overload
    def reference(self, service: type[T], **kwargs: Any) -> T: ...

    @overload
    def reference(self, service: str = "", **kwargs: Any) -> SyncChannelAdapter: ...

    def reference(self, service: str | type[Any] = "", **kwargs: Any) -> Any:
        """A blocking reference: a ``SyncChannel`` for generated sync stubs, or, for an interface class,
        an object whose methods block; see :meth:`Client.reference`."""
        reference = self._client.reference(service, **kwargs)
        if isinstance(reference, InterfaceReference):
            return SyncInterfaceReference(self._runner, reference)
        return SyncChannelAdapter(self._runner, reference)

    def generic(self, service: str, **kwargs: Any) -> SyncGenericService:
        """A blocking generic reference; see :meth:`Client.generic`."""
        return SyncGenericService(self._runner, self._client.generic(service, **kwargs))

    def close(self) -> None:
        """Close every connection."""
        self._runner.run(self._client.close())

    def __enter__(self) -> SyncClient:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


__all__ = ["Client", "SyncChannelAdapter", "SyncClient"]
