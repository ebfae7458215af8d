"""Interface-style services (``@dubbopy.service``) served on dubbo:// and tri:// at once, called by
typed references, generic references and the blocking client — Python on both ends.

The same provider object answers both protocols; the Java-side checks live in the interop suite.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import AsyncIterator
from dataclasses import dataclass
from types import SimpleNamespace

import pytest

import dubbopy
from dubbopy import RpcContext, java
from dubbopy.errors import StatusCode
from dubbopy.interfaces import method, service
from dubbopy.serialization.hessian2 import JInt, java_class, java_enum


@java_enum("org.dubbopy.test.Color")
class Color(enum.Enum):
    RED = "RED"
    GREEN = "GREEN"


@java_class("org.dubbopy.test.Address")
@dataclass
class Address:
    city: str = ""


@java_class("org.dubbopy.test.Person")
@dataclass
class Person:
    name: str = ""
    age: JInt = JInt(0)  # noqa: RUF009 - an immutable int marker, safe as a default
    address: Address | None = None
    color: Color | None = None


@service("org.dubbopy.test.TypesService", version="1.0.0")
class Types:
    async def echo(self, text: java.String) -> java.String:
        return f"echo {text}"

    async def add(self, a: java.int, b: java.long) -> java.long:
        return a + b

    @method("describe", params=["int"], returns="java.lang.String")
    async def describe_int(self, n: int) -> str:
        return f"int {n}"

    @method("describe", params=["java.lang.String"], returns="java.lang.String")
    def describe_str(self, text: str) -> str:  # a plain def: runs on the worker pool
        return f"str {text}"

    async def older(self, person: Person) -> Person:
        return Person(person.name.upper(), JInt(person.age + 1), person.address, Color.GREEN)

    async def nothing(self) -> java.String:
        return None

    async def boom(self, text: java.String) -> java.String:
        raise ValueError(f"boom: {text}")

    async def attachments(self) -> java.String:
        call = RpcContext.current_call()
        assert call is not None
        RpcContext.set_response_attachment("servedBy", "py")
        return str(call.get_attachment("traceId"))

    async def slow(self, seconds: java.double) -> java.String:
        await asyncio.sleep(seconds)
        return "done"


@pytest.fixture
async def provider() -> AsyncIterator[SimpleNamespace]:
    server = dubbopy.Server(protocols=["dubbo://127.0.0.1:0", "tri://127.0.0.1:0"])
    server.add(Types())
    await server.start()
    try:
        dubbo_port, tri_port = server.ports
        yield SimpleNamespace(dubbo=f"dubbo://127.0.0.1:{dubbo_port}", tri=f"tri://127.0.0.1:{tri_port}")
    finally:
        await server.stop(grace=1.0)


@pytest.fixture(params=["dubbo", "tri"])
def url(request: pytest.FixtureRequest, provider: SimpleNamespace) -> str:
    address: str = getattr(provider, request.param)
    return address


async def test_typed_reference_calls_every_kind_of_method(url: str) -> None:
    async with dubbopy.Client() as client:
        types = client.reference(Types, url=url)
        assert await types.echo("x") == "echo x"
        assert await types.add(2, 40) == 42
        assert await types.describe_int(3) == "int 3"
        assert await types.describe_str("s") == "str s"
        older = await types.older(Person("bob", JInt(41), Address("sf"), Color.RED))
        assert older == Person("BOB", JInt(42), Address("sf"), Color.GREEN)
        assert await types.nothing() is None


async def test_exceptions_arrive_with_a_java_class_name_and_the_message(url: str) -> None:
    async with dubbopy.Client() as client:
        types = client.reference(Types, url=url)
        with pytest.raises(dubbopy.RemoteError) as caught:
            await types.boom("y")
    assert caught.value.class_name == "java.lang.RuntimeException"
    assert "boom: y" in caught.value.message


async def test_attachments_both_ways(url: str) -> None:
    async with dubbopy.Client() as client:
        types = client.reference(Types, url=url)
        RpcContext.set_attachment("traceId", "t-9")
        assert await types.attachments() == "t-9"
        assert RpcContext.response_attachments().get("servedBy") == "py"


async def test_timeout(url: str) -> None:
    async with dubbopy.Client() as client:
        types = client.reference(Types, url=url, timeout=0.2)
        with pytest.raises(dubbopy.RpcError) as caught:
            await types.slow(5.0)
        assert caught.value.status is StatusCode.DEADLINE_EXCEEDED
        assert await types.slow(0.0) == "done"


async def test_generic_invoke_with_pojos_as_dicts(url: str) -> None:
    async with dubbopy.Client() as client:
        generic = client.generic("org.dubbopy.test.TypesService", url=url, version="1.0.0")
        assert await generic.invoke("describe", ["int"], [5]) == "int 5"
        assert await generic.invoke("describe", ["java.lang.String"], ["z"]) == "str z"
        older = await generic.invoke(
            "older", ["org.dubbopy.test.Person"], [{"class": "org.dubbopy.test.Person", "name": "al", "age": 1}]
        )
        assert older["class"] == "org.dubbopy.test.Person"
        assert (older["name"], older["age"], older["color"]) == ("AL", 2, "GREEN")


async def test_unknown_version_is_refused_on_dubbo(provider: SimpleNamespace) -> None:
    async with dubbopy.Client() as client:
        types = client.reference(Types, url=provider.dubbo, version="9.9.9")
        with pytest.raises(dubbopy.RpcError) as caught:
            await types.echo("x")
    assert "9.9.9" in caught.value.message


async def test_unknown_version_falls_back_to_1_0_0_on_tri_as_java_does(provider: SimpleNamespace) -> None:
    # spec/triple.md §2: TriplePathResolver tries version 1.0.0, then the bare service
    async with dubbopy.Client() as client:
        types = client.reference(Types, url=provider.tri, version="9.9.9")
        assert await types.echo("x") == "echo x"


async def test_blocking_client(provider: SimpleNamespace) -> None:
    def blocking_calls() -> None:
        with dubbopy.SyncClient() as client:
            for url in (provider.dubbo, provider.tri):
                types = client.reference(Types, url=url)
                assert types.echo("sync") == "echo sync"
                RpcContext.set_attachment("traceId", "blocking")
                assert types.attachments() == "blocking"
                assert RpcContext.response_attachments().get("servedBy") == "py"
                generic = client.generic("org.dubbopy.test.TypesService", url=url, version="1.0.0")
                assert generic.invoke("describe", ["int"], [1]) == "int 1"

    # the provider runs on this test's loop: the blocking client must run on another thread
    await asyncio.wait_for(asyncio.to_thread(blocking_calls), 30)
