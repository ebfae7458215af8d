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

from collections.abc import AsyncIterator, Iterable, Mapping, Sequence
from types import TracebackType
from typing import Any, TypeVar, cast

from dubbopy import extension
from dubbopy._loop import LoopThread, loop_thread
from dubbopy.errors import ConfigError
from dubbopy.protocol.triple.client import ClientOptions
from dubbopy.protocol.triple.protocol import TripleProtocol
from dubbopy.rpc.calls import InvokerChannel
from dubbopy.rpc.channel import Metadata, StreamCall, SyncChannel, SyncStreamCall
from dubbopy.rpc.filter import Filter, build_chain
from dubbopy.rpc.invoker import Invoker
from dubbopy.rpc.method import MethodDescriptor
from dubbopy.rpc.protocol import Protocol
from dubbopy.url import URL

Req = TypeVar("Req")
Resp = TypeVar("Resp")


class Client:
    """A Dubbo consumer: makes references (channels) to services. See the module docstring."""

    def __init__(
        self,
        *,
        application: str = "dubbopy-consumer",
        options: ClientOptions | None = None,
        filters: Sequence[Filter] = (),
    ) -> None:
        self.application = application
        self.options = options or ClientOptions()
        self.filters = tuple(filters)
        self._protocols: dict[str, Protocol] = {}

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

    def reference(
        self,
        service: str = "",
        *,
        url: str | URL,
        version: str = "",
        group: str = "",
        timeout: float | None = None,
        attachments: Mapping[str, str | bytes] | None = None,
    ) -> InvokerChannel:
        """A channel to ``service`` at ``url`` (``tri://host:port``) for a generated stub.

        ``service`` is informative for direct URLs (the stub knows its service); ``version``/``group``
        select the export on the provider; ``timeout`` (seconds) is the default per call.
        """
        parsed = url if isinstance(url, URL) else URL.parse(url)
        version = version or parsed.get("version") or ""
        group = group or parsed.get("group") or ""
        params = {"application": self.application, "interface": service or parsed.path, "side": "consumer"}
        if version:
            params["version"] = version
        if group:
            params["group"] = group
        invoker = self._protocol(parsed.protocol).refer(parsed.with_params(**params))
        chained: Invoker = build_chain(invoker, self.filters)
        return InvokerChannel(chained, timeout=timeout, attachments=attachments)

    async def close(self) -> None:
        """Close every connection; calls in flight end with ``UNAVAILABLE``."""
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


class SyncClient:
    """The blocking twin of :class:`Client`: same arguments, references are ``SyncChannel`` objects."""

    def __init__(self, **kwargs: Any) -> None:
        self._runner = loop_thread()
        self._client = Client(**kwargs)

    def reference(self, service: str = "", **kwargs: Any) -> SyncChannelAdapter:
        """A blocking channel; see :meth:`Client.reference`."""
        return SyncChannelAdapter(self._runner, self._client.reference(service, **kwargs))

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
