"""dubbo-go v3.3.2 and dubbopy finding each other through a real ZooKeeper and a real etcd (interface level).

For each registry:

* a Go provider registered there → a dubbopy consumer (``Client(registries=[...])``, no URL) discovers
  and calls it;
* a dubbopy provider registered with ``Server(registries=[...])`` → the Go consumer discovers and calls it.

Over dubbo:// (hessian2) and over tri:// (Triple with dubbo-go's hessian2 wrapper). Every test exports
GreetingsService under a version of its own, so providers of other tests sharing the session's registry
server never answer (dubbo-go's etcd consumer always watches ``/dubbo``, so a registry root per test would
not isolate them there).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

import pytest
from go_harness import GO_PREFIX, GoConsumer, GoProvider
from java_api import GreetingsService

import dubbopy

pytestmark = pytest.mark.interop

PY_PREFIX = "[py] "
PROTOCOLS = ["dubbo", "tri"]


@pytest.fixture(params=["zookeeper", "etcd"])
def registry(request: pytest.FixtureRequest) -> str:
    """The registry address of the session's ZooKeeper (``zookeeper://``) or etcd (``etcdv3://``)."""
    server: Any = request.getfixturevalue(request.param)
    return f"zookeeper://{server.address}" if request.param == "zookeeper" else f"etcdv3://{server.address}"


@pytest.fixture
def version() -> str:
    """A service version no other test uses."""
    return f"1.0.{uuid.uuid4().hex[:8]}"


async def _call_until_found(greetings: Any, name: str) -> str:
    """A registration takes a moment to reach a new subscriber: retry (bounded) while none is known."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 60
    while True:
        try:
            reply: str = await greetings.sayHi(name)
            return reply
        except dubbopy.RpcError as exc:
            if loop.time() > deadline:
                raise AssertionError(f"no answer within 60 s; the last call failed with {exc!r}") from exc
            await asyncio.sleep(0.25)


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_python_discovers_a_go_provider(
    registry: str, version: str, protocol: str, go_providers: Callable[..., GoProvider]
) -> None:
    go_providers(registry, protocol=protocol, version=version)
    async with dubbopy.Client(application="py-consumer", registries=[registry]) as client:
        greetings = client.reference(GreetingsService, protocol=protocol, version=version)
        assert await _call_until_found(greetings, "py") == f"{GO_PREFIX}hi, py"


@pytest.mark.parametrize("protocol", PROTOCOLS)
async def test_go_discovers_a_python_provider(
    registry: str, version: str, protocol: str, go_consumer: GoConsumer
) -> None:
    server = dubbopy.Server(application="py-provider", protocols=[f"{protocol}://127.0.0.1:0"], registries=[registry])
    server.add(GreetingsService(PY_PREFIX), version=version)
    await server.start()
    try:
        result = await go_consumer.acall(registry, ["go"], protocol=protocol, version=version, wait=60)
    finally:
        await server.stop(grace=1.0)
    assert result.ok, result.error
    assert result.value == f"{PY_PREFIX}hi, go"


async def test_a_plain_go_triple_consumer_calls_a_python_provider(
    registry: str, version: str, go_consumer: GoConsumer
) -> None:
    # dubbo-go refers Triple in IDL mode unless the provider URL says IDL-mode=non-IDL: dubbopy's
    # wrapper-mode exports say it, so a Go application needs no special option to call them
    server = dubbopy.Server(application="py-provider", protocols=["tri://127.0.0.1:0"], registries=[registry])
    server.add(GreetingsService(PY_PREFIX), version=version)
    await server.start()
    try:
        result = await go_consumer.acall(registry, ["go"], protocol="tri", version=version, wait=60, plain=True)
    finally:
        await server.stop(grace=1.0)
    assert result.ok, result.error
    assert result.value == f"{PY_PREFIX}hi, go"
