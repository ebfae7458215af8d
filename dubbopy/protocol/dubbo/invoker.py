"""The consumer-side Dubbo invoker: one provider address, one service.

:class:`DubboInvoker` turns an :class:`~dubbopy.rpc.invocation.Invocation` into a Dubbo request and the
response into a :class:`~dubbopy.rpc.result.Result`, never raising for a failed call (the
:mod:`dubbopy.rpc.invoker` contract). What the invocation must carry:

* ``method_name``; ``arguments`` — a tuple (or list) with one value per parameter;
* ``parameter_types`` — the Java types of the parameters (``java.lang.String``, ``int``, ``[I``,
  ``int[]``…): they form the descriptor that picks the Java overload and decide how each argument is
  written (an ``int`` parameter is written as a Hessian int even for a plain Python ``int``);
* optionally ``attributes[RETURN_TYPE]`` — the declared Java return type, to read the value as that
  type.

The request carries the attachments Java consumers send (``spec/dubbo-protocol.md`` §2.2): ``path``,
``interface``, ``version``, ``timeout`` (ms), ``group`` and ``remote.application`` when set, then the
invocation's own. The call waits for the invocation's deadline, else the URL's ``timeout``
(``<method>.timeout`` first; milliseconds such as ``3000`` or a Go duration such as ``3s``; default
1000 ms). ``return=false`` (URL, per method, or as an attachment)
sends the call one-way: the result is an empty success as soon as the request is written.

Outcomes: the value and the response attachments; a provider exception as
:class:`~dubbopy.errors.RemoteError` with the Java class and message; a non-OK status as
:class:`~dubbopy.errors.RpcError` (mapping in :mod:`dubbopy.protocol.dubbo.status`); transport failures
as ``UNAVAILABLE`` / ``DEADLINE_EXCEEDED`` / ``RESOURCE_EXHAUSTED``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from dubbopy._duration import url_timeout
from dubbopy.errors import ConfigError, ProtocolError, RpcError, StatusCode
from dubbopy.protocol.dubbo import constants as c
from dubbopy.protocol.dubbo.client import ExchangeClient
from dubbopy.protocol.dubbo.codec import Request, Response, encode_request
from dubbopy.protocol.dubbo.connection import next_request_id
from dubbopy.protocol.dubbo.descriptor import canonical_type
from dubbopy.protocol.dubbo.exceptions import remote_error
from dubbopy.protocol.dubbo.frames import PayloadLimitError, Status
from dubbopy.protocol.dubbo.serialization import Serialization
from dubbopy.protocol.dubbo.status import error_for_status
from dubbopy.rpc.invocation import AttachmentValue, Invocation
from dubbopy.rpc.invoker import BaseInvoker
from dubbopy.rpc.result import Result
from dubbopy.url import URL

__all__ = ["DubboInvoker"]


def _parameter_types(types: Any) -> tuple[str, ...]:
    """One spelling per type (``int[]`` → ``[I``; type arguments kept), as the codec writes them."""
    return tuple(canonical_type(t) for t in types)


class DubboInvoker(BaseInvoker):
    """Calls the service at ``url`` through ``client``; see the module docstring.

    ``release`` is awaited on :meth:`close` instead of closing ``client`` (a client shared by several
    invokers is closed by its owner when the last one lets it go).
    """

    def __init__(
        self,
        url: URL,
        client: ExchangeClient,
        serialization: Serialization,
        *,
        release: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(url)
        self.client = client
        self.serialization = serialization
        self._release = release
        # the body's service field is the interface (Java DubboCodec: attachment interface, else path)
        self._interface = url.interface
        if not self._interface:
            raise ConfigError(f"a Dubbo reference URL needs the service in its path, got {url.to_string()!r}")
        self._path = url.path or self._interface
        self._version = url.version
        self._group = url.group
        self._application = url.get("application") or ""
        self._token = url.get(c.TOKEN_KEY) or ""
        self._types_cache: dict[tuple[str, ...], tuple[str, ...]] = {}
        #: seconds per method name, parsed from the URL once
        self._timeouts: dict[str, float] = {}

    def _timeout(self, invocation: Invocation) -> float:
        remaining = invocation.time_remaining()
        if remaining is not None:
            return remaining
        method = invocation.method_name
        timeout = self._timeouts.get(method)
        if timeout is None:
            timeout = self._url_timeout(method)
            if len(self._timeouts) < 256:
                self._timeouts[method] = timeout
        return timeout

    def _url_timeout(self, method: str) -> float:
        """The URL's ``<method>.timeout`` or ``timeout`` in seconds: milliseconds as Java writes them
        (``3000``) or a Go duration as dubbo-go does (``3s``, ``500ms``), the same forms the Triple
        invoker reads; 1000 ms when absent. Raises ``RpcError(INTERNAL)`` for anything else."""
        timeout = url_timeout(self.url, method)
        return c.DEFAULT_TIMEOUT_MS / 1000 if timeout is None else timeout

    def _attachments(self, invocation: Invocation, timeout: float) -> dict[str, Any]:
        attachments: dict[str, Any] = {
            c.PATH_KEY: self._path,
            c.INTERFACE_KEY: self._interface,
            c.VERSION_KEY: self._version or "0.0.0",
            c.TIMEOUT_KEY: str(max(1, round(timeout * 1000))),
        }
        if self._group:
            attachments[c.GROUP_KEY] = self._group
        if self._token:
            attachments[c.TOKEN_KEY] = self._token
        if self._application:
            attachments[c.APPLICATION_KEY] = self._application
        for key, value in invocation.attachments.items():
            if key not in (c.PATH_KEY, c.VERSION_KEY, c.TIMEOUT_KEY):
                attachments[key] = value
        return attachments

    def _is_oneway(self, invocation: Invocation) -> bool:
        if invocation.attachments.get(c.RETURN_KEY) == "false":
            return True
        return self.url.get_method_param(invocation.method_name, c.RETURN_KEY, "true") == "false"

    async def invoke(self, invocation: Invocation) -> Result:
        """Send the call and report its outcome (see the module docstring)."""
        if self.closed:
            return Result.from_exception(RpcError(StatusCode.UNAVAILABLE, "invoker is closed"))
        try:
            request, frame, timeout = self._encode(invocation)
        except RpcError as exc:
            return Result.from_exception(exc)
        try:
            if not request.twoway:
                await self.client.send(frame)
                return Result(None)
            response = await self.client.request(
                request.request_id,
                frame,
                timeout=timeout,
                serialization_id=self.serialization.id,
                return_type=invocation.attributes.get(c.RETURN_TYPE),
            )
        except RpcError as exc:
            return Result.from_exception(exc)
        return self._result(response)

    def _encode(self, invocation: Invocation) -> tuple[Request, bytes, float]:
        raw_types = tuple(invocation.parameter_types)
        types = self._types_cache.get(raw_types)
        try:
            if types is None:
                types = _parameter_types(raw_types)
                if len(self._types_cache) < 256:
                    self._types_cache[raw_types] = types
        except ConfigError as exc:
            raise RpcError(StatusCode.INVALID_ARGUMENT, f"{invocation.method_name}: {exc}") from exc
        arguments = invocation.arguments
        if arguments is None:
            arguments = ()
        elif not isinstance(arguments, tuple | list):
            raise RpcError(
                StatusCode.INVALID_ARGUMENT,
                f"{invocation.method_name}: Dubbo arguments must be a tuple with one value per parameter type",
            )
        timeout = self._timeout(invocation)
        request = Request(
            next_request_id(),
            self._interface,
            invocation.method_name,
            types,
            tuple(arguments),
            self._attachments(invocation, timeout),
            version=self._version or "0.0.0",
            twoway=not self._is_oneway(invocation),
            serialization_id=self.serialization.id,
        )
        try:
            frame = encode_request(request, self.serialization, payload_limit=self.client.options.payload)
        except PayloadLimitError as exc:
            raise RpcError(StatusCode.RESOURCE_EXHAUSTED, f"request not sent: {exc}") from exc
        except ProtocolError as exc:
            raise RpcError(StatusCode.INTERNAL, f"could not encode the request: {exc}") from exc
        return request, frame, timeout

    def _result(self, response: Response) -> Result:
        attachments: dict[str, AttachmentValue] = response.attachments or {}
        if response.status != Status.OK:
            return Result.from_exception(error_for_status(response.status, response.error_message))
        if response.exception is not None:
            return Result.from_exception(remote_error(response.exception), attachments=attachments)
        return Result(response.value, attachments=attachments)

    def is_available(self) -> bool:
        """Open, and the provider has not gone read-only on every connection."""
        return not self.closed and self.client.is_available()

    async def close(self) -> None:
        """Close (or release the shared client); idempotent."""
        if self.closed:
            return
        await super().close()
        if self._release is not None:
            await self._release()
        else:
            await self.client.close()
