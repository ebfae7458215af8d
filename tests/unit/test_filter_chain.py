"""Filters as continuations: chain order, short-circuits, errors, and Dubbo's filter-list rules."""

from __future__ import annotations

import asyncio

import pytest

from dubbopy.errors import ConfigError, RpcError, StatusCode
from dubbopy.extension import ExtensionRegistry
from dubbopy.rpc import (
    BaseInvoker,
    Filter,
    Invocation,
    Invoker,
    Result,
    build_chain,
    build_filter_chain,
    resolve_filter_names,
)
from dubbopy.url import URL

URL_ = URL.parse("tri://127.0.0.1:50051/greet.Greeter?interface=greet.Greeter")


class EchoInvoker(BaseInvoker):
    """Answers with the request and records what it saw."""

    def __init__(self, log: list[str] | None = None) -> None:
        super().__init__(URL_)
        self.log = [] if log is None else log
        self.seen: list[Invocation] = []

    async def invoke(self, invocation: Invocation) -> Result:
        self.seen.append(invocation)
        self.log.append("invoker")
        return Result(invocation.arguments, attachments={"from": "invoker"})


class Recording(Filter):
    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    async def invoke(self, next_invoker: Invoker, invocation: Invocation) -> Result:
        self.log.append(f"{self.name}>")
        invocation.attachments[self.name] = "in"
        result = await next_invoker.invoke(invocation)
        result.attachments[self.name] = "out"
        self.log.append(f"<{self.name}")
        return result


def _call(payload: object = "hi") -> Invocation:
    return Invocation("greet.Greeter", "SayHello", payload)


async def test_empty_chain_is_the_invoker_itself() -> None:
    invoker = EchoInvoker()
    assert build_chain(invoker, []) is invoker
    assert build_filter_chain(invoker, None) is invoker
    assert build_filter_chain(invoker, "-default", ["echo"]) is invoker


async def test_filters_run_in_order_around_the_invoker() -> None:
    log: list[str] = []
    invoker = EchoInvoker(log)
    chain = build_chain(invoker, [Recording("a", log), Recording("b", log)])
    result = await chain.invoke(_call())
    assert log == ["a>", "b>", "invoker", "<b", "<a"]
    assert result.value == "hi"
    assert result.attachments == {"from": "invoker", "b": "out", "a": "out"}
    assert invoker.seen[0].attachments == {"a": "in", "b": "in"}


async def test_a_filter_can_answer_without_calling_next() -> None:
    class Reject(Filter):
        async def invoke(self, next_invoker: Invoker, invocation: Invocation) -> Result:
            return Result.from_exception(RpcError(StatusCode.PERMISSION_DENIED, "bad token"))

    log: list[str] = []
    invoker = EchoInvoker(log)
    result = await build_chain(invoker, [Recording("a", log), Reject()]).invoke(_call())
    assert invoker.seen == []
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.PERMISSION_DENIED
    assert log == ["a>", "<a"]
    with pytest.raises(RpcError, match="bad token"):
        result.value_or_raise()


async def test_an_exception_raised_by_a_filter_becomes_a_failed_result() -> None:
    class Broken(Filter):
        async def invoke(self, next_invoker: Invoker, invocation: Invocation) -> Result:
            raise ValueError("filter bug")

    log: list[str] = []
    result = await build_chain(EchoInvoker(), [Recording("outer", log), Broken()]).invoke(_call())
    assert isinstance(result.exception, ValueError)
    # the outer filter saw a result, not an exception
    assert log == ["outer>", "<outer"]


async def test_cancellation_is_not_swallowed() -> None:
    started = asyncio.Event()

    class Slow(Filter):
        async def invoke(self, next_invoker: Invoker, invocation: Invocation) -> Result:
            started.set()
            await asyncio.Event().wait()
            return await next_invoker.invoke(invocation)

    task = asyncio.create_task(build_chain(EchoInvoker(), [Slow()]).invoke(_call()))
    await started.wait()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_chain_reports_and_closes_the_wrapped_invoker() -> None:
    invoker = EchoInvoker()
    chain = build_chain(invoker, [Recording("a", []), Recording("b", [])])
    assert chain.url is URL_
    assert chain.is_available()
    await chain.close()
    assert invoker.closed
    assert not chain.is_available()


async def test_shared_filter_instance_serves_concurrent_calls() -> None:
    class Stamp(Filter):
        async def invoke(self, next_invoker: Invoker, invocation: Invocation) -> Result:
            invocation.attributes["stamp"] = invocation.arguments
            await asyncio.sleep(0)
            result = await next_invoker.invoke(invocation)
            result.attachments["stamp"] = str(invocation.attributes["stamp"])
            return result

    chain = build_chain(EchoInvoker(), [Stamp()])
    results = await asyncio.gather(*(chain.invoke(_call(i)) for i in range(20)))
    assert [r.attachments["stamp"] for r in results] == [str(i) for i in range(20)]


# ------------------------------------------------------------------------------------ filter lists

DUBBO_GO_PROVIDER_DEFAULTS = ["echo", "token", "accesslog", "tps", "generic_service", "execute", "pshutdown"]


@pytest.mark.parametrize(
    ("spec", "defaults", "expected"),
    [
        (None, ["echo", "token"], ["echo", "token"]),
        ("", ["echo"], ["echo"]),
        ("a,b", ["echo"], ["echo", "a", "b"]),
        ("a,default,b", ["echo", "token"], ["a", "echo", "token", "b"]),
        ("default,a", ["echo"], ["echo", "a"]),
        ("-token", ["echo", "token"], ["echo"]),
        ("-default,a", ["echo", "token"], ["a"]),
        ("token,a", ["echo", "token"], ["echo", "token", "a"]),
        ("a,-a", [], []),
        (" a , ,b ", [], ["a", "b"]),
        (["x", "-echo"], ["echo", "y"], ["y", "x"]),
        (
            "-accesslog,auth",
            DUBBO_GO_PROVIDER_DEFAULTS,
            ["echo", "token", "tps", "generic_service", "execute", "pshutdown", "auth"],
        ),
    ],
)
def test_resolve_filter_names(spec: str | list[str] | None, defaults: list[str], expected: list[str]) -> None:
    assert resolve_filter_names(spec, defaults) == expected


async def test_build_filter_chain_looks_names_up_in_the_registry() -> None:
    log: list[str] = []
    registry: ExtensionRegistry[Filter] = ExtensionRegistry("filter")
    registry.register("first", lambda: Recording("first", log))
    registry.register("second", lambda: Recording("second", log))
    registry.register("third", lambda: Recording("third", log))
    chain = build_filter_chain(EchoInvoker(log), "third,-second", ["first", "second"], registry=registry)
    await chain.invoke(_call())
    assert log == ["first>", "third>", "invoker", "<third", "<first"]


def test_unknown_filter_fails_when_the_chain_is_built() -> None:
    registry: ExtensionRegistry[Filter] = ExtensionRegistry("filter")
    registry.register("echo", lambda: Recording("echo", []))
    with pytest.raises(ConfigError, match="unknown filter 'ecoh'; known: echo"):
        build_filter_chain(EchoInvoker(), "ecoh", registry=registry)
