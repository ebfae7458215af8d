"""The provider-side invoker that runs Python code for a Dubbo call: :class:`InterfaceInvoker`.

It is what :meth:`DubboProtocol.export <dubbopy.protocol.dubbo.protocol.DubboProtocol.export>` serves for
an :class:`~dubbopy.protocol.dubbo.service.InterfaceService`: the protocol's dispatcher decodes a request
into an :class:`~dubbopy.rpc.invocation.Invocation` (``arguments`` = the decoded argument tuple,
``parameter_types`` = their Java types) and calls :meth:`InterfaceInvoker.invoke`, possibly through a
filter chain. The invoker

* finds the method by name and parameter descriptor (Java overloads);
* answers ``$invoke`` / ``$invokeAsync`` (generic calls, ``spec/dubbo-protocol.md`` §5): finds the real
  method from the name and type names given, turns generalized POJO maps into registered classes,
  calls it, and generalizes the result; a failure is wrapped as Java's ``GenericException``;
* runs ``async def`` functions on the loop and plain functions on the server's bounded worker pool
  (the :data:`~dubbopy.protocol.dubbo.constants.EXECUTOR` attribute the server sets), with the call
  context copied to the thread;
* reports what the function raised in the result (the dispatcher turns it into a Java throwable), and
  records the method's declared return type under
  :data:`~dubbopy.protocol.dubbo.constants.RETURN_TYPE` so the value is written in that Java type's form.

An unknown method is ``RpcError(UNIMPLEMENTED)`` naming what the service does export.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import inspect
from collections.abc import Sequence
from concurrent.futures import Executor
from typing import Any

from dubbopy.errors import ConfigError, RemoteError, RpcError, StatusCode
from dubbopy.protocol.dubbo import constants as c
from dubbopy.protocol.dubbo.descriptor import GENERIC_PARAMETER_TYPES, java_descriptor
from dubbopy.protocol.dubbo.exceptions import generic_exception
from dubbopy.protocol.dubbo.pojo import generalize, realize
from dubbopy.protocol.dubbo.service import OBJECT, VOID, InterfaceMethod, InterfaceService
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import BaseInvoker
from dubbopy.rpc.result import Result
from dubbopy.serialization.hessian2 import ClassRegistry
from dubbopy.url import URL

__all__ = ["SUPPORTED_GENERIC", "InterfaceInvoker"]

#: ``generic`` attachment values this provider answers (maps with ``"class"`` for POJOs).
SUPPORTED_GENERIC = frozenset({"true", ""})


def _as_tuple(arguments: Any) -> tuple[Any, ...]:
    if arguments is None:
        return ()
    if isinstance(arguments, tuple):
        return arguments
    if isinstance(arguments, list):
        return tuple(arguments)
    return (arguments,)


class InterfaceInvoker(BaseInvoker):
    """Runs the methods of ``service`` for calls exported at ``url``; see the module docstring.

    ``registry`` is the Hessian2 class registry used to realize generic arguments (default: the
    codec's default registry).
    """

    def __init__(self, url: URL, service: InterfaceService, *, registry: ClassRegistry | None = None) -> None:
        super().__init__(url)
        if not isinstance(service, InterfaceService):
            raise ConfigError(f"InterfaceInvoker needs an InterfaceService, not {type(service).__name__}")
        self.service = service
        self.registry = registry

    async def invoke(self, invocation: Invocation) -> Result:
        """Run the method ``invocation`` names; failures are in the result (see the module docstring)."""
        name = invocation.method_name
        arguments = _as_tuple(invocation.arguments)
        types = tuple(invocation.parameter_types)
        generic = name in (c.INVOKE, c.INVOKE_ASYNC) and types == GENERIC_PARAMETER_TYPES
        if generic and self.service.method(name, java_descriptor(types)) is None:
            return await self._invoke_generic(invocation, arguments)
        try:
            descriptor = java_descriptor(types)
        except ConfigError as exc:
            return Result.from_exception(RpcError(StatusCode.INVALID_ARGUMENT, str(exc)))
        method = self.service.method(name, descriptor)
        if method is None:
            return Result.from_exception(RpcError(StatusCode.UNIMPLEMENTED, self._not_found(name, descriptor)))
        if method.return_type not in (OBJECT, VOID):
            invocation.attributes[c.RETURN_TYPE] = method.return_type
        return await self._call(method, arguments, invocation)

    def _not_found(self, name: str, descriptor: str) -> str:
        overloads = self.service.overloads(name)
        if overloads:
            known = ", ".join(m.signature for m in overloads)
            return f"no method {name}({descriptor}) in service {self.service.name}; it has {known}"
        names = ", ".join(self.service.method_names) or "none"
        return f"no method {name!r} in service {self.service.name} (methods: {names})"

    async def _call(self, method: InterfaceMethod, arguments: tuple[Any, ...], invocation: Invocation) -> Result:
        if len(arguments) != len(method.parameter_types):
            return Result.from_exception(
                RpcError(
                    StatusCode.INVALID_ARGUMENT,
                    f"{method.signature} takes {len(method.parameter_types)} argument(s), got {len(arguments)}",
                )
            )
        function = method.function
        try:
            if method.is_async:
                value = await function(*arguments)
            else:
                value = await self._run_in_pool(invocation.attributes.get(c.EXECUTOR), function, arguments)
            if inspect.isawaitable(value):
                value = await value
        except Exception as exc:  # the user's exception, or ThreadPoolExhaustedError from the pool
            return Result.from_exception(exc)
            return Result.from_exception(exc)
        if method.return_type == VOID:
            value = None
        return Result(value)

    @staticmethod
    async def _run_in_pool(executor: Executor | None, function: Any, arguments: tuple[Any, ...]) -> Any:
        loop = asyncio.get_running_loop()
        ctx = contextvars.copy_context()
        # submitting raises ThreadPoolExhaustedError at once when the bounded pool is full
        future = loop.run_in_executor(executor, functools.partial(ctx.run, function, *arguments))
        return await future

    async def _invoke_generic(self, invocation: Invocation, arguments: tuple[Any, ...]) -> Result:
        generic = str(invocation.attachments.get(c.GENERIC_KEY, "") or "").lower()
        if generic not in SUPPORTED_GENERIC:
            return Result.from_exception(
                RpcError(StatusCode.UNIMPLEMENTED, f"generic={generic!r} is not supported by this provider (use true)")
            )
        if len(arguments) != 3 or not isinstance(arguments[0], str):
            return Result.from_exception(
                RpcError(StatusCode.INVALID_ARGUMENT, "$invoke needs (method name, parameter types, arguments)")
            )
        name, raw_types, raw_args = arguments
        types: Sequence[str] = [str(t) for t in raw_types] if raw_types else []
        args = list(raw_args) if raw_args else []
        try:
            method = self.service.resolve(name, types, len(args))
        except LookupError as exc:  # Java's GenericFilter fails the call itself (not a business exception)
            return Result.from_exception(RpcError(StatusCode.UNIMPLEMENTED, str(exc)))
        realized = tuple(
            realize(value, java_type, self.registry)
            for value, java_type in zip(args, method.parameter_types, strict=False)
        )
        result = await self._call(method, realized, invocation)
        exception = result.exception
        if exception is not None:
            if isinstance(exception, RpcError) and not isinstance(exception, RemoteError):
                return result  # the framework failed the call: answered with a status, not wrapped
            return Result.from_exception(generic_exception(exception, self.registry))
        return Result(generalize(result.value, self.registry))
