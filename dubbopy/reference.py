"""Consumer views of interface-style services: typed references and generic references.

:class:`InterfaceReference` is what ``Client.reference(SomeInterface, url=...)`` returns: an object with
one coroutine method per method of the interface, each making an
:class:`~dubbopy.rpc.invocation.Invocation` with the Java parameter types (they pick the Java overload
and the wire form of every argument) and the declared return type, through the reference's invoker (the
filter chain and the protocol below it). Over ``tri://`` the same calls travel in Triple's wrapper mode.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from dubbopy.interfaces import InterfaceSpec, MethodSpec
from dubbopy.protocol.dubbo.constants import RETURN_TYPE
from dubbopy.rpc.context import RpcContext
from dubbopy.rpc.invocation import AttachmentValue, Invocation
from dubbopy.rpc.invoker import Invoker


class InterfaceReference:
    """A remote Java interface; see the module docstring. ``timeout`` is the default per call (s)."""

    def __init__(
        self,
        spec: InterfaceSpec,
        invoker: Invoker,
        *,
        timeout: float | None = None,
        attachments: Mapping[str, AttachmentValue] | None = None,
    ) -> None:
        self._spec = spec
        self._invoker = invoker
        self._timeout = timeout
        self._attachments = dict(attachments or {})
        for method in spec.methods:
            setattr(self, method.python_name, self._bind(method))

    def _bind(self, method: MethodSpec) -> Callable[..., Awaitable[Any]]:
        async def call(*args: Any, timeout: float | None = None) -> Any:  # noqa: ASYNC109 - the call's deadline
            return await self.invoke(method, args, timeout=timeout)

        call.__name__ = method.python_name
        call.__qualname__ = f"{self._spec.name}.{method.java_name}"
        call.__doc__ = f"{method.return_type} {method.java_name}({', '.join(method.parameter_types)})"
        return call

    async def invoke(self, method: MethodSpec, args: tuple[Any, ...], *, timeout: float | None = None) -> Any:  # noqa: ASYNC109
        """Call ``method`` with ``args``; returns the value or raises the call's error."""
        if len(args) != len(method.parameter_types):
            raise TypeError(
                f"{self._spec.name}.{method.java_name} takes {len(method.parameter_types)} arguments, got {len(args)}"
            )
        attachments = dict(self._attachments)
        attachments.update(RpcContext.take_attachments())
        invocation = Invocation(
            self._spec.name,
            method.java_name,
            args,
            parameter_types=method.parameter_types,
            attachments=attachments,
            timeout=self._timeout if timeout is None else timeout,
        )
        invocation.attributes[RETURN_TYPE] = method.return_type
        result = await self._invoker.invoke(invocation)
        RpcContext.record_response(result.attachments)
        return result.value_or_raise()

    @property
    def spec(self) -> InterfaceSpec:
        """The interface this reference calls."""
        return self._spec

    def __repr__(self) -> str:
        return f"InterfaceReference({self._spec.name!r}, {self._invoker.url})"
