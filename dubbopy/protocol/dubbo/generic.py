"""Generic invocation as a consumer: call any method of any Dubbo service without its classes.

:class:`GenericService` is Java's ``GenericService`` for Python. ``invoke(method, parameter_types,
args)`` sends ``$invoke`` (``spec/dubbo-protocol.md`` §5) with the ``generic=true`` attachment: the
real method name, its Java parameter types (``java.lang.String``, ``int``, ``org.example.User``…) and
the arguments, POJOs written as dicts with a ``"class"`` key::

    svc = GenericService(invoker, "org.apache.dubbo.samples.api.GreetingsService")
    await svc.invoke("sayHi", ["java.lang.String"], ["world"])                     # "hi, world"
    await svc.invoke("save", ["org.example.User"], [{"class": "org.example.User", "name": "a"}])

A Java provider answers with the result generalized (POJOs as dicts with ``"class"``, enums as their
names). A failure raises :class:`~dubbopy.errors.RemoteError` with the provider's exception class and
message (unwrapped from the ``GenericException`` Java sends), or :class:`~dubbopy.errors.RpcError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dubbopy.protocol.dubbo import constants as c
from dubbopy.protocol.dubbo.descriptor import GENERIC_PARAMETER_TYPES
from dubbopy.rpc.context import RpcContext
from dubbopy.rpc.invocation import AttachmentValue, Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.serialization.hessian2 import object_array, string_array

__all__ = ["GenericService"]


class GenericService:
    """Generic calls to ``service`` through ``invoker`` (a protocol invoker, or a chain over one).

    ``timeout`` (seconds) is the default per call; ``attachments`` go with every call (a call's own
    :class:`~dubbopy.rpc.context.RpcContext` attachments win). Response attachments are available
    afterwards from :meth:`RpcContext.response_attachments`.
    """

    def __init__(
        self,
        invoker: Invoker,
        service: str,
        *,
        timeout: float | None = None,
        attachments: Mapping[str, AttachmentValue] | None = None,
    ) -> None:
        self.invoker = invoker
        self.service = service
        self.timeout = timeout
        self.attachments = dict(attachments or {})

    async def invoke(
        self,
        method: str,
        parameter_types: Sequence[str],
        args: Sequence[Any],
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - the call's deadline, sent to the provider
    ) -> Any:
        """``$invoke(method, parameter_types, args)``: the provider's (generalized) return value."""
        return await self._call(c.INVOKE, method, parameter_types, args, timeout)

    async def invoke_async(
        self,
        method: str,
        parameter_types: Sequence[str],
        args: Sequence[Any],
        *,
        timeout: float | None = None,  # noqa: ASYNC109 - the call's deadline, sent to the provider
    ) -> Any:
        """``$invokeAsync``: the same call under the name Java's ``GenericService.$invokeAsync`` uses
        (a Java provider completes it asynchronously; the caller sees no difference)."""
        return await self._call(c.INVOKE_ASYNC, method, parameter_types, args, timeout)

    async def echo(self, value: Any, *, timeout: float | None = None) -> Any:  # noqa: ASYNC109
        """``$echo(value)``: the provider sends ``value`` back (a liveness check)."""
        invocation = self._invocation(c.ECHO, (value,), ("java.lang.Object",), timeout)
        result = await self.invoker.invoke(invocation)
        RpcContext.record_response(result.attachments)
        return result.value_or_raise()

    def _invocation(
        self, method: str, arguments: tuple[Any, ...], types: Sequence[str], timeout: float | None
    ) -> Invocation:
        attachments = dict(self.attachments)
        attachments.update(RpcContext.take_attachments())
        return Invocation(
            self.service,
            method,
            arguments,
            parameter_types=types,
            attachments=attachments,
            timeout=self.timeout if timeout is None else timeout,
        )

    async def _call(
        self,
        name: str,
        method: str,
        parameter_types: Sequence[str],
        args: Sequence[Any],
        timeout: float | None,  # noqa: ASYNC109 - the call's deadline, sent to the provider
    ) -> Any:
        arguments = (method, string_array(parameter_types), object_array(args))
        invocation = self._invocation(name, arguments, GENERIC_PARAMETER_TYPES, timeout)
        invocation.attachments[c.GENERIC_KEY] = "true"
        result = await self.invoker.invoke(invocation)
        RpcContext.record_response(result.attachments)
        return result.value_or_raise()
