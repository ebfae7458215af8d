"""dubbopy and Java Dubbo 3.3.6 over ``tri://``, both directions, in both of Triple's payload modes.

* **Wrapper mode** (Hessian2 inside ``TripleRequestWrapper``/``TripleResponseWrapper``,
  ``spec/triple.md`` §3): ``org.dubbopy.interop.TypesService``, a plain Java interface. A Python consumer
  calls the Java provider through ``client.reference(TypesService, url="tri://...")``; the Java consumer
  calls a dubbopy server serving ``java_api.TypesService`` on Triple. Issue 3's acceptance list: the same
  values, overloads, exceptions (``tri-exception-code``), attachments (headers), timeouts and generic
  ``$invoke`` as over dubbo://.
* **Protobuf mode** (raw protobuf, as gRPC): ``org.dubbopy.interop.PbService``
  (``StringValue upper(StringValue)``), a Java interface over protobuf messages, served and called in
  Python through a hand-written descriptor (``java_api.PB_SERVICE``) — no .proto, no generated code.

Java Dubbo 2.7 has no Triple; only the 3.3.6 line runs here.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from google.protobuf.wrappers_pb2 import StringValue
from java_api import (
    FAIL,
    PB_SERVICE_NAME,
    PYTHON_RUNTIME,
    TYPES_SERVICE,
    UPPER,
    Color,
    GreetingsService,
    Person,
    TypesService,
    plain_person,
    sample_person,
    serve_in_thread,
    tagged_person,
)
from java_harness import JavaConsumer, JavaProvider, jint

import dubbopy
from dubbopy import RpcContext
from dubbopy.errors import StatusCode
from dubbopy.serialization.hessian2 import JInt

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def python_provider() -> Iterator[SimpleNamespace]:
    """The dubbopy provider of the Java test API, on its own loop thread: ``tri_url``."""
    with serve_in_thread() as provider:
        yield provider


@pytest.fixture
def py_url(python_provider: SimpleNamespace) -> str:
    """The Python provider's Triple address."""
    url: str = python_provider.tri_url
    return url


@pytest.fixture
def java_url(java33_provider: JavaProvider) -> str:
    """The Java 3.3.6 provider's Triple address."""
    url = java33_provider.tri_url
    assert url is not None
    return url


@pytest.fixture
async def types(java_url: str) -> AsyncIterator[Any]:
    """A typed reference to the Java provider's TypesService over tri:// (wrapper mode)."""
    async with dubbopy.Client() as client:
        yield client.reference(TypesService, url=java_url)


# ------------------------------------------------------------- wrapper mode: Python consumer -> Java provider


async def test_python_reaches_the_java_provider(java_url: str, types: Any) -> None:
    assert await types.runtime() == "java dubbo 3.3.6"
    async with dubbopy.Client() as client:
        greetings = client.reference(GreetingsService, url=java_url)
        assert await greetings.sayHi("world") == "hi, world"


@pytest.mark.parametrize(
    ("method", "value"),
    [
        ("echoString", ""),
        ("echoString", "中文 \U0001f600 \u0000 end"),
        ("echoString", "x" * 70_000),
        ("echoInt", -(2**31)),
        ("echoInt", 2**31 - 1),
        ("echoLong", 2**40 + 1),
        ("echoLong", -(2**63)),
        ("echoDouble", 0.1),
        ("echoDouble", -1.5e300),
        ("echoBoolean", True),
        ("echoBoolean", False),
        ("echoBytes", b""),
        ("echoBytes", bytes(range(256)) * 300),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None,
)
async def test_python_sends_java_scalars(types: Any, method: str, value: Any) -> None:
    echoed = await getattr(types, method)(value)
    assert echoed == value
    assert isinstance(echoed, type(value))


async def test_python_sends_java_a_list_of_maps(types: Any) -> None:
    value = [
        {"a": JInt(1), "b": "x", "n": None, "l": 2**40, "d": 1.5, "t": True, "nested": {"k": ["v", JInt(2)]}},
        {},
        {"when": dt.datetime(2024, 1, 2, 3, 4, 5, 678000, tzinfo=dt.UTC), "raw": b"\x01"},
        {"person": sample_person(), "again": sample_person(), "color": Color.RED},  # POJOs as Object values
    ]
    assert await types.echoListOfMaps(value) == value


async def test_python_sends_java_a_pojo(types: Any) -> None:
    person = sample_person()
    echoed = await types.echoPerson(person)
    assert isinstance(echoed, Person)
    assert echoed == person
    assert await types.echoPerson(Person()) == Person()


async def test_python_sends_java_null(types: Any) -> None:
    assert await types.returnNull() is None
    assert await types.ping() is None
    assert await types.echoString(None) is None
    assert await types.echoPerson(None) is None


async def test_python_picks_java_overloads(types: Any) -> None:
    assert await types.describe_int(5) == "int:5"
    assert await types.describe_string("5") == "string:5"


async def test_a_java_exception_reaches_python(types: Any) -> None:
    with pytest.raises(dubbopy.RemoteError) as caught:
        await types.fail("x")
    assert caught.value.class_name == "java.lang.IllegalStateException"
    assert caught.value.message == "boom: x"
    assert await types.echoString("after") == "after"


async def test_python_attachments_with_java(types: Any) -> None:
    RpcContext.set_attachment("x-request", "forth")
    seen = await types.attachments("back")
    assert seen["x-request"] == "forth"
    assert RpcContext.response_attachments()["echo-response"] == "back"
    assert "x-request" not in await types.attachments(None)


async def test_python_selects_a_java_version_and_group(java_url: str) -> None:
    async with dubbopy.Client() as client:
        versioned = client.reference(GreetingsService, url=java_url, version="1.0.0", group="interop")
        assert await versioned.sayHi("v") == "[interop/1.0.0] hi, v"
        assert await client.reference(GreetingsService, url=java_url).sayHi("v") == "hi, v"


async def test_python_calls_java_concurrently_on_one_connection(types: Any) -> None:
    texts = [f"call {n}" for n in range(32)]
    slow, *echoed = await asyncio.gather(types.sleep(200), *(types.echoString(t) for t in texts))
    assert (slow, echoed) == ("slept 200", texts)  # answers overtake the slow one and still find their caller


async def test_python_times_out_on_a_slow_java_method(java_url: str) -> None:
    async with dubbopy.Client() as client:
        types = client.reference(TypesService, url=java_url, timeout=0.3)
        with pytest.raises(dubbopy.RpcError) as caught:
            await types.sleep(2000)
        assert caught.value.status is StatusCode.DEADLINE_EXCEEDED
        assert await types.sleep(0) == "slept 0"


async def test_python_generic_invoke_to_java(java_url: str) -> None:
    async with dubbopy.Client() as client:
        generic = client.generic(TYPES_SERVICE, url=java_url)
        assert await generic.invoke("describe", ["int"], [JInt(5)]) == "int:5"
        assert await generic.echo("OK") == "OK"
        assert await generic.invoke("describe", ["java.lang.String"], ["5"]) == "string:5"
        pojo = {"class": "org.dubbopy.interop.Person", "name": "g", "age": 3, "tags": ["t"], "color": "BLUE"}
        echoed = await generic.invoke("echoPerson", ["org.dubbopy.interop.Person"], [pojo])
        assert {k: echoed[k] for k in pojo} == pojo
        with pytest.raises(dubbopy.RemoteError) as caught:
            await generic.invoke("fail", ["java.lang.String"], ["g"])
        assert (caught.value.class_name, caught.value.message) == ("java.lang.IllegalStateException", "boom: g")


# ------------------------------------------------------------- wrapper mode: Java consumer -> Python provider


def test_java_reaches_the_python_provider(java33_consumer: JavaConsumer, py_url: str) -> None:
    assert java33_consumer.call("TypesService.runtime", py_url).value == PYTHON_RUNTIME
    assert java33_consumer.call("GreetingsService.sayHi", py_url, ["world"]).value == "hi, world"


@pytest.mark.parametrize(
    ("method", "arg", "wire"),
    [
        ("echoString", "", ""),
        ("echoString", "中文 \U0001f600 \u0000 end", "中文 \U0001f600 \u0000 end"),
        ("echoString", "x" * 70_000, "x" * 70_000),
        ("echoInt", jint(-(2**31)), jint(-(2**31))),
        ("echoInt", jint(2**31 - 1), jint(2**31 - 1)),
        ("echoLong", 2**40 + 1, {"$long": str(2**40 + 1)}),
        ("echoLong", -(2**63), {"$long": str(-(2**63))}),
        ("echoDouble", 0.1, {"$double": 0.1}),
        ("echoDouble", -1.5e300, {"$double": -1.5e300}),
        ("echoBoolean", True, True),
        ("echoBoolean", False, False),
        ("echoBytes", b"", {"$bytes": ""}),
        ("echoBytes", bytes(range(256)) * 300, {"$bytes": (bytes(range(256)) * 300).hex()}),
    ],
    ids=lambda v: v if isinstance(v, str) and len(v) < 20 else None,
)
def test_java_sends_python_scalars(
    java33_consumer: JavaConsumer, py_url: str, method: str, arg: Any, wire: Any
) -> None:
    result = java33_consumer.call(f"TypesService.{method}", py_url, [arg])
    assert result.ok, result.error
    assert result.result == wire


def test_java_sends_python_a_list_of_maps(java33_consumer: JavaConsumer, py_url: str) -> None:
    person = sample_person()
    value = [
        {"a": jint(1), "b": "x", "n": None, "l": 2**40, "d": 1.5, "nested": {"k": ["v"]}},
        {},
        {"person": tagged_person(person)},  # a POJO as an Object value
    ]
    result = java33_consumer.call("TypesService.echoListOfMaps", py_url, [value])
    assert result.value == [
        {"a": 1, "b": "x", "n": None, "l": 2**40, "d": 1.5, "nested": {"k": ["v"]}},
        {},
        {"person": plain_person(person)},
    ]


def test_a_python_echo_keeps_java_integers_apart_from_longs(java33_consumer: JavaConsumer, py_url: str) -> None:
    result = java33_consumer.call("TypesService.echoListOfMaps", py_url, [[{"a": jint(1), "l": 2**40}]])
    echoed = dict(result.result["$list"][0]["$map"])
    assert (echoed["a"], echoed["l"]) == (jint(1), {"$long": str(2**40)})


def test_java_sends_python_a_pojo(java33_consumer: JavaConsumer, py_url: str) -> None:
    person = sample_person()
    result = java33_consumer.call("TypesService.echoPerson", py_url, [tagged_person(person)])
    assert result.value == plain_person(person)
    empty = java33_consumer.call("TypesService.echoPerson", py_url, [tagged_person(Person())])
    assert empty.value == plain_person(Person())


def test_java_sends_python_null(java33_consumer: JavaConsumer, py_url: str) -> None:
    assert java33_consumer.call("TypesService.returnNull", py_url).value is None
    assert java33_consumer.call("TypesService.ping", py_url).value is None
    assert java33_consumer.call("TypesService.echoString", py_url, [None]).value is None
    assert java33_consumer.call("TypesService.echoPerson", py_url, [None]).value is None


def test_java_picks_python_overloads(java33_consumer: JavaConsumer, py_url: str) -> None:
    assert java33_consumer.call("TypesService.describe", py_url, [jint(5)], types=["int"]).value == "int:5"
    assert java33_consumer.call("TypesService.describe", py_url, ["5"], types=["java.lang.String"]).value == "string:5"


def test_a_python_exception_reaches_java(java33_consumer: JavaConsumer, py_url: str) -> None:
    result = java33_consumer.call("TypesService.fail", py_url, ["x"])
    assert result.error is not None
    assert (result.error.cls, result.error.message) == ("java.lang.RuntimeException", "ValueError: boom: x")
    result = java33_consumer.call("TypesService.fail", py_url, ["java:y"])
    assert result.error is not None
    assert (result.error.cls, result.error.message) == ("java.lang.IllegalStateException", "boom: y")
    assert java33_consumer.call("TypesService.echoString", py_url, ["after"]).value == "after"


def test_java_attachments_with_python(java33_consumer: JavaConsumer, py_url: str) -> None:
    result = java33_consumer.call("TypesService.attachments", py_url, ["back"], attachments={"x-request": "forth"})
    assert result.value["x-request"] == "forth"
    assert result.response_attachments["echo-response"] == "back"


def test_java_selects_a_python_version_and_group(java33_consumer: JavaConsumer, py_url: str) -> None:
    url = py_url
    versioned = java33_consumer.call("GreetingsService.sayHi", url, ["v"], version="1.0.0", group="interop")
    assert versioned.value == "[interop/1.0.0] hi, v"
    assert java33_consumer.call("GreetingsService.sayHi", url, ["v"]).value == "hi, v"


async def test_java_calls_python_concurrently(java33_consumer: JavaConsumer, py_url: str) -> None:
    url = py_url
    texts = [f"call {n}" for n in range(32)]
    slow, *echoed = await asyncio.gather(
        java33_consumer.acall("TypesService.sleep", url, [jint(200)]),
        *(java33_consumer.acall("TypesService.echoString", url, [t]) for t in texts),
    )
    assert (slow.value, [e.value for e in echoed]) == ("slept 200", texts)


def test_java_times_out_on_a_slow_python_method(java33_consumer: JavaConsumer, py_url: str) -> None:
    result = java33_consumer.call("TypesService.sleep", py_url, [jint(1500)], timeout_ms=300)
    assert result.error is not None
    assert result.error.timeout, result.error
    assert java33_consumer.call("TypesService.sleep", py_url, [jint(0)]).value == "slept 0"


def test_java_generic_invoke_to_python(java33_consumer: JavaConsumer, py_url: str) -> None:
    pojo = {"class": "org.dubbopy.interop.Person", "name": "g", "age": jint(3), "tags": ["t"], "color": "BLUE"}
    result = java33_consumer.call(
        "TypesService.echoPerson", py_url, [pojo], generic=True, types=["org.dubbopy.interop.Person"]
    )
    echoed = result.value
    assert {k: echoed[k] for k in ("class", "name", "age", "tags", "color")} == {
        "class": "org.dubbopy.interop.Person",
        "name": "g",
        "age": 3,
        "tags": ["t"],
        "color": "BLUE",
    }
    hi = java33_consumer.call(
        "org.apache.dubbo.samples.api.GreetingsService.sayHi", py_url, ["g"], generic=True, types=["java.lang.String"]
    )
    assert hi.value == "hi, g"
    overload = java33_consumer.call(f"{TYPES_SERVICE}.describe", py_url, [jint(4)], generic=True, types=["int"])
    assert overload.value == "int:4"
    failed = java33_consumer.call(f"{TYPES_SERVICE}.fail", py_url, ["g"], generic=True, types=["java.lang.String"])
    assert failed.error is not None
    assert "boom: g" in str(failed.error.message)


# ------------------------------------------------------------------------------ protobuf mode, both ways


@pytest.mark.parametrize("text", ["abc", "", "héllo \U0001f600"])
async def test_python_calls_java_protobuf_service(java_url: str, text: str) -> None:
    async with dubbopy.Client() as client:
        channel = client.reference(PB_SERVICE_NAME, url=java_url)
        reply = await channel.unary_unary(UPPER, StringValue(value=text))
    assert reply == StringValue(value=text.upper())


async def test_a_java_exception_reaches_python_in_protobuf_mode(java_url: str) -> None:
    async with dubbopy.Client() as client:
        channel = client.reference(PB_SERVICE_NAME, url=java_url)
        with pytest.raises(dubbopy.RpcError) as caught:
            await channel.unary_unary(FAIL, StringValue(value="abc"))
        assert caught.value.status is StatusCode.UNKNOWN
        assert "boom: abc" in caught.value.message
        assert await channel.unary_unary(UPPER, StringValue(value="ok")) == StringValue(value="OK")


@pytest.mark.parametrize("text", ["abc", "", "héllo \U0001f600"])
def test_java_calls_python_protobuf_service(java33_consumer: JavaConsumer, py_url: str, text: str) -> None:
    result = java33_consumer.call("PbService.upper", py_url, [text])
    assert result.value["proto"] == "google.protobuf.StringValue"
    assert StringValue.FromString(result.value["bytes"]) == StringValue(value=text.upper())


def test_a_python_exception_reaches_java_in_protobuf_mode(java33_consumer: JavaConsumer, py_url: str) -> None:
    result = java33_consumer.call("PbService.fail", py_url, ["abc"])
    assert result.error is not None
    assert "ValueError: boom: abc" in str(result.error.message)
    assert (
        java33_consumer.call("PbService.upper", py_url, ["ok"]).value["bytes"]
        == StringValue(value="OK").SerializeToString()
    )
