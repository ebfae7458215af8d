"""A Python implementation of a Java interface for the Dubbo protocol tests, and helpers to call it."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from dubbopy.errors import RemoteError, StatusCode
from dubbopy.protocol.dubbo import constants as c
from dubbopy.protocol.dubbo.protocol import DubboProtocol
from dubbopy.protocol.dubbo.provider import InterfaceInvoker
from dubbopy.protocol.dubbo.server import ServerOptions
from dubbopy.protocol.dubbo.service import InterfaceMethod, InterfaceService
from dubbopy.rpc.context import RpcContext
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.rpc.result import Result
from dubbopy.serialization.hessian2 import JavaThrowable, JInt, java_class
from dubbopy.url import URL

SERVICE = "org.apache.dubbo.samples.api.GreetingsService"


@java_class("org.dubbopy.test.User")
@dataclass
class User:
    name: str
    age: JInt


class Greetings:
    """The provider's implementation; it records what it saw so tests can check the provider side."""

    def __init__(self) -> None:
        self.notified: list[str] = []
        self.notified_event = asyncio.Event()
        self.release = threading.Event()
        self.blocked = threading.Event()
        self.seen_attachments: dict[str, Any] = {}
        self.slow_started = asyncio.Event()
        self.hold_started = asyncio.Event()
        self.hold_release = asyncio.Event()

    async def say_hi(self, name: str) -> str:
        return f"hi, {name}"

    def thread_name(self) -> str:
        return threading.current_thread().name

    async def add_ints(self, a: int, b: int) -> int:
        return a + b

    async def add_longs(self, a: int, b: int) -> str:
        return f"long:{a + b}"

    async def types(self, i: int, j: int, d: float, z: bool, data: bytes, names: list[str]) -> list[Any]:  # noqa: PLR0917
        return [i, j, d, z, data, names]

    async def older(self, user: User) -> User:
        return User(user.name, JInt(user.age + 1))

    async def fail(self, text: str) -> str:
        raise ValueError(text)

    async def fail_java(self, text: str) -> str:
        raise JavaThrowable("java.lang.IllegalStateException", text)

    async def fail_remote(self, text: str) -> str:
        raise RemoteError(StatusCode.UNKNOWN, text, class_name="org.example.BusinessException")

    async def nothing(self) -> None:
        return None

    async def maybe(self, present: bool) -> str | None:
        return "here" if present else None

    async def slow(self, seconds: float) -> str:
        self.slow_started.set()
        await asyncio.sleep(seconds)
        return "done"

    async def hold(self) -> str:
        self.hold_started.set()
        await self.hold_release.wait()
        return "held"

    async def notify(self, text: str) -> None:
        self.notified.append(text)
        self.notified_event.set()

    async def context(self) -> str:
        call = RpcContext.current_call()
        assert call is not None
        self.seen_attachments = dict(call.attachments)
        RpcContext.set_response_attachment("provider-said", "hello")
        return str(call.get_attachment("trace", ""))

    def context_sync(self) -> str:
        call = RpcContext.current_call()
        assert call is not None
        RpcContext.set_response_attachment("from-thread", threading.current_thread().name)
        return str(call.get_attachment("trace", ""))

    async def wrong_type(self) -> Any:
        return "not an int"

    def block(self) -> str:
        self.blocked.set()
        self.release.wait(30)
        return "released"

    async def big(self, size: int) -> str:
        return "x" * size

    async def length(self, data: str) -> int:
        return len(data)


def greetings_service(impl: Greetings) -> InterfaceService:
    """The Java interface ``GreetingsService`` as the provider declares it."""
    m = InterfaceMethod
    return InterfaceService(
        SERVICE,
        [
            m("sayHi", ["java.lang.String"], impl.say_hi, "java.lang.String"),
            m("threadName", [], impl.thread_name, "java.lang.String"),
            m("add", ["int", "int"], impl.add_ints, "int"),
            m("add", ["long", "long"], impl.add_longs, "java.lang.String"),
            m("types", ["int", "long", "double", "boolean", "byte[]", "java.util.List"], impl.types, "java.util.List"),
            m("older", ["org.dubbopy.test.User"], impl.older, "org.dubbopy.test.User"),
            m("fail", ["java.lang.String"], impl.fail),
            m("failJava", ["java.lang.String"], impl.fail_java),
            m("failRemote", ["java.lang.String"], impl.fail_remote),
            m("nothing", [], impl.nothing, "void"),
            m("maybe", ["boolean"], impl.maybe, "java.lang.String"),
            m("slow", ["double"], impl.slow, "java.lang.String"),
            m("hold", [], impl.hold, "java.lang.String"),
            m("notify", ["java.lang.String"], impl.notify, "void"),
            m("context", [], impl.context, "java.lang.String"),
            m("block", [], impl.block, "java.lang.String"),
            m("contextSync", [], impl.context_sync, "java.lang.String"),
            m("wrongType", [], impl.wrong_type, "int"),
            m("big", ["int"], impl.big, "java.lang.String"),
            m("length", ["java.lang.String"], impl.length, "int"),
        ],
    )


async def wait_until(predicate: Callable[[], bool], what: str) -> None:
    """Poll ``predicate`` until it holds (for states that have no event to wait on), at most 10 s."""
    try:
        async with asyncio.timeout(10):
            while not predicate():  # noqa: ASYNC110 - the state polled here has no event to wait on
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"timed out waiting for {what}") from None


async def invoke(
    invoker: Invoker,
    method: str,
    types: Sequence[str] = (),
    args: Sequence[Any] = (),
    *,
    timeout: float | None = 10.0,  # noqa: ASYNC109 - the call's deadline, carried by the invocation
    attachments: dict[str, Any] | None = None,
    return_type: str | None = None,
) -> Result:
    """One call through ``invoker``, the way a reference proxy makes it."""
    invocation = Invocation(
        SERVICE, method, tuple(args), parameter_types=tuple(types), attachments=attachments, timeout=timeout
    )
    if return_type is not None:
        invocation.attributes[c.RETURN_TYPE] = return_type
    return await invoker.invoke(invocation)


async def value(invoker: Invoker, method: str, types: Sequence[str] = (), args: Sequence[Any] = (), **kw: Any) -> Any:
    """The value of one call, raising its error."""
    return (await invoke(invoker, method, types, args, **kw)).value_or_raise()


async def start_provider(options: ServerOptions, **params: str) -> SimpleNamespace:
    """A provider of ``GreetingsService`` on a free port (URL parameters in ``params``)."""
    protocol = DubboProtocol(server_options=options)
    impl = Greetings()
    url = URL("dubbo", "127.0.0.1", 0, SERVICE, {"interface": SERVICE, **params})
    exporter = await protocol.export(InterfaceInvoker(url, greetings_service(impl)))
    server = protocol.server_for(url)
    assert server is not None
    return SimpleNamespace(
        protocol=protocol, impl=impl, url=exporter.url, port=exporter.url.port, server=server, exporter=exporter
    )
