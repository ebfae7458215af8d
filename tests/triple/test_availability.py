"""A Triple provider whose connection is lost is unavailable until a background reconnection succeeds.

Real Triple servers on loopback. "Killing" a server aborts every accepted connection (the sockets close
without a GOAWAY, as when the process dies) and closes its listener; "restarting" it listens on the same
port again. The consumer side is a :class:`~dubbopy.protocol.triple.invoker.TripleInvoker`, alone or two
of them joined by the ``failfast`` cluster over a ``StaticDirectory``.

Every wait polls with a deadline (:func:`triple_support.wait_until`); nothing asserts how long a step took.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import pytest
from triple_support import client_connections, wait_until, within

import dubbopy
from dubbopy import extension
from dubbopy.cluster.directory import StaticDirectory
from dubbopy.errors import RpcError, StatusCode
from dubbopy.protocol.triple.handlers import HandlerTable
from dubbopy.protocol.triple.invoker import TripleInvoker
from dubbopy.protocol.triple.server import TripleServer
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.rpc.reconnect import RECONNECT_INTERVAL
from dubbopy.url import URL

#: seconds allowed for a provider to come back: a few reconnection intervals, generous for a loaded machine
BACK_DEADLINE = RECONNECT_INTERVAL * 5


def make_servicer(hw: SimpleNamespace, name: str) -> Any:
    """A Greeter answering ``<name> <request>``; ``!hold`` waits for ``servicer.release``."""

    class Named(hw.dubbo.GreeterServicer):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            self.holding = asyncio.Event()
            self.release = asyncio.Event()

        async def SayHello(self, request: Any, context: dubbopy.ServicerContext) -> Any:
            if request.name == "!hold":
                self.holding.set()
                await self.release.wait()
            return hw.pb2.HelloReply(message=f"{name} {request.name}")

    return Named()


class Provider:
    """One Triple server that can be killed and started again on its port."""

    def __init__(self, hw: SimpleNamespace, name: str, port: int = 0) -> None:
        self.hw = hw
        self.name = name
        self.port = port
        self.servicer = make_servicer(hw, name)
        self.server: TripleServer | None = None

    async def start(self) -> Provider:
        handlers = HandlerTable()
        handlers.add(self.hw.dubbo.GREETER_SERVICE, self.servicer)
        self.server = TripleServer(handlers)
        self.port = await self.server.start("127.0.0.1", self.port)
        return self

    async def kill(self) -> None:
        """Drop every connection without a GOAWAY, then stop listening."""
        server, self.server = self.server, None
        assert server is not None
        for connection in list(server.connections):
            assert connection.transport is not None
            connection.transport.abort()
        await server.stop(grace=0)

    async def stop(self) -> None:
        if self.server is not None:
            server, self.server = self.server, None
            await server.stop(grace=0)

    def url(self) -> URL:
        return URL("tri", "127.0.0.1", self.port, "helloworld.Greeter")


@pytest.fixture
async def providers(hw: SimpleNamespace) -> AsyncIterator[list[Provider]]:
    """Two running providers, ``p1`` and ``p2``; stopped after the test."""
    started = [await Provider(hw, "p1").start(), await Provider(hw, "p2").start()]
    try:
        yield started
    finally:
        for provider in started:
            await provider.stop()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def say_hello(hw: SimpleNamespace, name: str) -> Invocation:
    method = hw.dubbo.GREETER_SERVICE.method("SayHello")
    return Invocation("helloworld.Greeter", "SayHello", hw.pb2.HelloRequest(name=name), method=method, timeout=10.0)


async def answer(invoker: Invoker, hw: SimpleNamespace, name: str = "ada") -> str:
    result = await within(invoker.invoke(say_hello(hw, name)), f"a call through {invoker!r}")
    return str(result.value_or_raise().message)


def reconnect_tasks() -> list[asyncio.Task[Any]]:
    return [t for t in asyncio.all_tasks() if t.get_coro().__qualname__ == "Reconnector._reconnect"]


async def test_invoker_is_unavailable_once_its_server_dies_and_available_again_when_it_is_back(
    hw: SimpleNamespace, providers: list[Provider]
) -> None:
    p1 = providers[0]
    invoker = TripleInvoker(p1.url())
    try:
        assert await answer(invoker, hw) == "p1 ada"
        assert invoker.is_available()
        await p1.kill()
        await wait_until(lambda: not invoker.is_available(), "the invoker to see its connection lost")
        await p1.start()
        # no call is made: the background reconnection alone brings it back
        await wait_until(invoker.is_available, "the invoker to reconnect by itself", BACK_DEADLINE)
        assert client_connections(p1.port) == 1
        assert await answer(invoker, hw) == "p1 ada"
    finally:
        await invoker.close()


async def test_a_refused_connection_makes_the_invoker_unavailable_until_the_server_listens(
    hw: SimpleNamespace,
) -> None:
    port = free_port()
    invoker = TripleInvoker(URL("tri", "127.0.0.1", port, "helloworld.Greeter"))
    late = Provider(hw, "late", port)
    try:
        assert invoker.is_available(), "a provider never tried counts as available"
        result = await invoker.invoke(say_hello(hw, "ada"))
        assert isinstance(result.exception, RpcError)
        assert result.exception.status is StatusCode.UNAVAILABLE
        assert f"cannot connect to 127.0.0.1:{port}" in result.exception.message
        assert not invoker.is_available()
        await late.start()
        await wait_until(invoker.is_available, "the invoker to reconnect by itself", BACK_DEADLINE)
        assert await answer(invoker, hw) == "late ada"
    finally:
        await invoker.close()
        await late.stop()


async def test_closing_the_invoker_stops_reconnecting(hw: SimpleNamespace) -> None:
    invoker = TripleInvoker(URL("tri", "127.0.0.1", free_port(), "helloworld.Greeter"))
    await invoker.invoke(say_hello(hw, "ada"))
    assert not invoker.is_available()
    assert reconnect_tasks(), "a refused connection should start the reconnection task"
    await invoker.close()
    assert not reconnect_tasks()
    assert not invoker.is_available()


async def test_goaway_from_a_stopping_server_makes_it_unavailable_while_calls_finish(
    hw: SimpleNamespace, providers: list[Provider]
) -> None:
    p1 = providers[0]
    invoker = TripleInvoker(p1.url())
    try:
        held = asyncio.ensure_future(invoker.invoke(say_hello(hw, "!hold")))
        await within(p1.servicer.holding.wait(), "the held call to reach the server")
        assert p1.server is not None
        stopping = asyncio.ensure_future(p1.server.stop(grace=30))
        await wait_until(lambda: not invoker.is_available(), "the invoker to see the GOAWAY")
        assert not held.done(), "the connection should still be draining the held call"
        p1.servicer.release.set()
        assert (await within(held, "the held call to finish")).value_or_raise().message == "p1 !hold"
        await within(stopping, "the server to stop")
        p1.server = None
    finally:
        await invoker.close()


async def test_a_server_that_rotates_its_connection_stays_available(
    hw: SimpleNamespace, providers: list[Provider], monkeypatch: pytest.MonkeyPatch
) -> None:
    # A GOAWAY from a server that keeps listening (connection age limits, a proxy draining) costs one
    # reconnection, not a reconnection interval: with the interval made an hour, the provider must
    # still be back, on a new connection, without any call asking for it.
    monkeypatch.setattr("dubbopy.rpc.reconnect.RECONNECT_INTERVAL", 3600.0)
    p1 = providers[0]
    invoker = TripleInvoker(p1.url())
    try:
        assert await answer(invoker, hw) == "p1 ada"
        assert p1.server is not None
        (first,) = p1.server.connections
        first.send_goaway()
        await wait_until(lambda: first not in p1.server.connections, "the client to close the rotated connection")
        await wait_until(lambda: len(p1.server.connections) == 1, "the client to reconnect by itself")
        assert invoker.is_available()
        assert await answer(invoker, hw, "bob") == "p1 bob"
    finally:
        await invoker.close()


async def test_a_call_cut_by_a_dying_server_names_the_server(hw: SimpleNamespace, providers: list[Provider]) -> None:
    p1 = providers[0]
    invoker = TripleInvoker(p1.url())
    try:
        held = asyncio.ensure_future(invoker.invoke(say_hello(hw, "!hold")))
        await within(p1.servicer.holding.wait(), "the held call to reach the server")
        await p1.kill()
        result = await within(held, "the held call to fail")
        assert isinstance(result.exception, RpcError)
        assert result.exception.status is StatusCode.UNAVAILABLE
        assert result.exception.message == f"connection to 127.0.0.1:{p1.port} was lost"
    finally:
        await invoker.close()


async def test_failfast_cluster_stops_calling_a_killed_provider(hw: SimpleNamespace, providers: list[Provider]) -> None:
    p1, p2 = providers
    invokers = [TripleInvoker(p1.url()), TripleInvoker(p2.url())]
    consumer = URL("consumer", "127.0.0.1", 0, "helloworld.Greeter", {"loadbalance": "random"})
    cluster = extension.clusters.get("failfast").join(StaticDirectory(invokers, consumer))
    try:
        answered: set[str] = set()

        async def until_both_answer() -> None:
            while answered != {"p1", "p2"}:
                answered.add((await answer(cluster, hw)).split()[0])

        await within(until_both_answer(), "both providers to answer through the cluster")

        await p1.kill()
        # calls racing the connection loss may fail; once the loss is seen, no call fails or goes to p1
        await wait_until(lambda: not invokers[0].is_available(), "the cluster's p1 invoker to go down")
        results = await asyncio.gather(*(cluster.invoke(say_hello(hw, f"c{i}")) for i in range(100)))
        failures = [r.exception for r in results if r.exception is not None]
        assert not failures, f"calls failed after p1 was seen down: {failures[:3]}"
        assert {r.value.message.split()[0] for r in results} == {"p2"}

        await p1.start()
        await wait_until(invokers[0].is_available, "p1 to be reconnected", BACK_DEADLINE)
        answered.clear()
        await within(until_both_answer(), "p1 to take calls again")
    finally:
        await cluster.close()
