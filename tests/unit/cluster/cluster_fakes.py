"""Fake invokers for the cluster tests: scripted outcomes, recorded calls."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

from dubbopy.errors import RpcError, StatusCode
from dubbopy.rpc import BaseInvoker, Invocation, Result
from dubbopy.url import URL

SERVICE = "org.example.DemoService"


def provider_url(port: int, **params: str | int) -> URL:
    """A provider URL on 127.0.0.1:``port`` with ``params``."""
    return URL("dubbo", "127.0.0.1", port, SERVICE, {"interface": SERVICE}).with_params(params)


def invocation(method: str = "sayHello", arguments: object = None) -> Invocation:
    """A call of ``method``."""
    return Invocation(SERVICE, method, arguments)


class FakeInvoker(BaseInvoker):
    """Answers from a script: each item is a value, an exception, or a gate (awaited before answering);
    once the script is used up it answers ``name``."""

    def __init__(
        self, port: int, *, script: Iterable[object] = (), delay: asyncio.Event | None = None, **params: str | int
    ) -> None:
        super().__init__(provider_url(port, **params))
        self.name = f"p{port}"
        self.script = list(script)
        self.gate = delay
        self.calls = 0
        self.available = True
        self.cancelled = False

    def is_available(self) -> bool:
        return self.available and super().is_available()

    async def invoke(self, invocation: Invocation) -> Result:
        self.calls += 1
        if self.gate is not None:
            try:
                await self.gate.wait()
            except asyncio.CancelledError:
                self.cancelled = True
                raise
        outcome: object = self.script.pop(0) if self.script else self.name
        if isinstance(outcome, BaseException):
            return Result.from_exception(outcome)
        return Result(outcome)


def unavailable(message: str = "connection refused") -> RpcError:
    """A transport failure."""
    return RpcError(StatusCode.UNAVAILABLE, message)
