"""The consumer-side Triple invoker: one provider address, every call kind.

``invoke`` opens a stream through the address's :class:`~dubbopy.protocol.triple.client.ClientTransport`,
sends the request message(s) and returns the outcome as a :class:`~dubbopy.rpc.result.Result` (never
raising for a failed call, per the :mod:`dubbopy.rpc.invoker` contract). For server- and bidi-streaming
calls the result's value is the live stream; the request side of client- and bidi-streaming calls is
sent by a task that iterates the caller's (async) iterable.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, Awaitable, Callable, Iterable
from typing import Any

from dubbopy._duration import url_timeout
from dubbopy.errors import ConfigError, RpcError, StatusCode
from dubbopy.protocol.triple import wire_metadata
from dubbopy.protocol.triple.client import ClientOptions, ClientTransport
from dubbopy.protocol.triple.client_stream import ClientStream
from dubbopy.rpc.calls import CANCELLED, METADATA, STREAM
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import BaseInvoker
from dubbopy.rpc.result import Result
from dubbopy.url import URL


def _response_attachments(stream: ClientStream) -> dict[str, str | bytes] | None:
    """The Dubbo view of the trailers, when they carry more than the status (the common case)."""
    trailers = stream.trailers
    if len(trailers) <= 1:
        return None
    return wire_metadata.to_attachments(trailers)


def client_options_for(url: URL, options: ClientOptions | None) -> ClientOptions:
    """``options`` plus what ``url`` says for every call on the connection: the ``version``, ``group`` and
    ``application`` headers and the ``compressor``."""
    extra = list(options.extra_headers) if options else []
    version = url.get("version") or ""
    group = url.get("group") or ""
    application = url.get("application") or ""
    if version:
        extra.append(("tri-service-version", version))
    if group:
        extra.append(("tri-service-group", group))
    if application:
        extra.append(("tri-consumer-appname", application))
    base = options or ClientOptions()
    return ClientOptions(
        max_receive_message_size=base.max_receive_message_size,
        compression=base.compression or url.get("compressor"),
        connect_timeout=base.connect_timeout,
        keepalive_time=base.keepalive_time,
        keepalive_timeout=base.keepalive_timeout,
        ssl=base.ssl,
        server_hostname=base.server_hostname,
        extra_headers=tuple(extra),
    )


class TripleInvoker(BaseInvoker):
    """Calls one Triple provider; the URL gives address, ``version``, ``group`` and ``application``."""

    def __init__(
        self,
        url: URL,
        options: ClientOptions | None = None,
        *,
        transport: ClientTransport | None = None,
        release: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """``transport`` is a connection shared with other invokers (same address, version, group):
        :meth:`close` then awaits ``release`` instead of closing it. Without one the invoker opens its own."""
        super().__init__(url)
        if not url.host or not url.port:
            raise ConfigError(f"a Triple address needs host and port, got {url.to_string()!r}")
        self.options = client_options_for(url, options)
        self.transport = transport or ClientTransport(url.host, url.port, self.options)
        self._release = release
        self._senders: set[asyncio.Task[None]] = set()
        # a provider exported with token= checks it on every call; like Java's TripleInvoker, send the
        # provider URL's token as an attachment (per call: a shared connection may serve other services)
        self._token = url.get("token") or ""

    async def invoke(self, invocation: Invocation) -> Result:
        method = invocation.method
        if method is None:
            return Result.from_exception(RpcError(StatusCode.INTERNAL, "Triple calls need a method descriptor"))
        if self.closed:
            return Result.from_exception(RpcError(StatusCode.UNAVAILABLE, "invoker is closed"))
        call_type = method.call_type
        attachments = invocation.attachments
        if self._token:
            attachments = {"token": self._token, **attachments}
        try:
            stream = await self.transport.start_call(
                method,
                timeout=self._timeout(invocation),
                metadata=invocation.attributes.get(METADATA),
                attachments=attachments,
            )
        except RpcError as exc:
            return Result.from_exception(exc)
        invocation.attributes[STREAM] = stream
        if invocation.attributes.get(CANCELLED):
            stream.cancel()
        try:
            if call_type.client_streams:
                self._start_sender(stream, invocation.arguments)
            else:
                await self.transport.send(stream, self.transport.frame(method, invocation.arguments), end_stream=True)
            if call_type.server_streams:
                return Result(stream)
            value = await stream.unary_result()
        except RpcError as exc:
            if not stream.ended:
                stream.cancel(str(exc))
            return Result.from_exception(exc, attachments=_response_attachments(stream))
        return Result(value, attachments=_response_attachments(stream))

    def _timeout(self, invocation: Invocation) -> float | None:
        """The call's timeout (s): what is left of the invocation's deadline, else the URL's ``<method>.timeout``
        or ``timeout`` (ms, or a Go duration such as ``3s``; the consumer's parameters are already merged
        over the provider's), else none: unlike the Dubbo protocol, no default deadline is invented.
        Each attempt of a retrying strategy gets the URL's timeout afresh, as in Java."""
        remaining = invocation.time_remaining()
        if remaining is not None:
            return remaining
        return url_timeout(self.url, invocation.method_name)

    def _start_sender(self, stream: ClientStream, requests: Any) -> None:
        task = asyncio.get_running_loop().create_task(self._send_all(stream, requests))
        self._senders.add(task)
        task.add_done_callback(self._senders.discard)
        # once the call has ended nothing more can be sent: stop waiting on the caller's iterator
        stream.done.add_done_callback(lambda _: task.cancel())

    async def _send_all(self, stream: ClientStream, requests: AsyncIterable[Any] | Iterable[Any]) -> None:
        method = stream.method
        transport = self.transport
        try:
            if isinstance(requests, AsyncIterable):
                async for request in requests:
                    if stream.ended:
                        return
                    await transport.send(stream, transport.frame(method, request), end_stream=False)
            else:
                for request in requests:
                    if stream.ended:
                        return
                    await transport.send(stream, transport.frame(method, request), end_stream=False)
            transport.end_stream(stream)
        except RpcError as exc:
            stream.cancel(f"sending requests failed: {exc}")
        except asyncio.CancelledError:
            stream.cancel("request sender cancelled")
            raise
        except Exception as exc:
            stream.cancel(f"the request iterator raised {type(exc).__name__}: {exc}")

    def is_available(self) -> bool:
        """Not closed, and the provider's connection not down (lost or refused, until a background
        reconnection succeeds; see :mod:`dubbopy.protocol.triple.client`)."""
        return not self.closed and self.transport.is_available()

    async def close(self) -> None:
        if self.closed:
            return
        await super().close()
        for task in list(self._senders):
            task.cancel()
        with contextlib.suppress(Exception):
            if self._release is not None:
                await self._release()
            else:
                await self.transport.close()
