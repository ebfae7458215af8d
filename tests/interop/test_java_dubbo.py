"""dubbopy and Java Dubbo over ``dubbo://`` (Hessian2), both directions, against Java Dubbo 3.3.6 and 2.7.23.

Issue 3's acceptance list, each item both ways:

* **Python consumer → Java provider**: a typed reference (``client.reference(TypesService, url=...)``,
  the class of ``java_api``) and a generic one call the harness's Java provider
  (``TypesServiceImpl``, ``GreetingsServiceImpl``) directly, no registry;
* **Java consumer → Python provider**: the Java call driver calls a dubbopy server that serves the same
  Java interfaces (``java_api.TypesService``), through the Java interface's own proxy or
  ``GenericService.$invoke``.

Every test runs once per Java line (ids ``java3.3.6`` / ``java2.7.23``), as the behaviour is the same.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import AsyncIterator, Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from java_api import (
    PYTHON_RUNTIME,
    TYPES_SERVICE,
    Color,
    GreetingsService,
    Person,
    TypesService,
    plain_person,
    sample_person,
    serve_in_thread,
    tagged_person,
)
from java_harness import DUBBO_VERSIONS, HessianLite, JavaConsumer, JavaProvider, jint

import dubbopy
from dubbopy import RpcContext
from dubbopy.errors import StatusCode
from dubbopy.serialization.hessian2 import JInt, dumps

pytestmark = pytest.mark.interop

VERSIONS = ["33", "27"]
IDS = [f"java{DUBBO_VERSIONS[v]}" for v in VERSIONS]


@pytest.fixture(params=VERSIONS, ids=IDS)
def java_provider(request: pytest.FixtureRequest) -> JavaProvider:
    """The Java provider of one Dubbo line."""
    provider: JavaProvider = request.getfixturevalue(f"java{request.param}_provider")
    return provider


@pytest.fixture(params=VERSIONS, ids=IDS)
def java_consumer(request: pytest.FixtureRequest) -> JavaConsumer:
    """The Java consumer call driver of one Dubbo line."""
    consumer: JavaConsumer = request.getfixturevalue(f"java{request.param}_consumer")
    return consumer


@pytest.fixture(scope="module")
def python_provider() -> Iterator[SimpleNamespace]:
    """The dubbopy provider of the Java test API, on its own loop thread: ``dubbo_url``."""
    with serve_in_thread() as provider:
        yield provider


@pytest.fixture
async def types(java_provider: JavaProvider) -> AsyncIterator[Any]:
    """A typed reference to the Java provider's TypesService over dubbo://."""
    async with dubbopy.Client() as client:
        yield client.reference(TypesService, url=java_provider.dubbo_url)


@pytest.fixture
def py_url(python_provider: SimpleNamespace) -> str:
    """The Python provider's dubbo:// address."""
    url: str = python_provider.dubbo_url
    return url


def test_python_writes_the_java_api_pojos_as_java_does(hessian_lite: HessianLite) -> None:
    # java_api's classes mirror the Java ones: same fields, same Java types, Java's field order
    for person in (sample_person(), Person()):
        assert dumps(person) == hessian_lite.encode(tagged_person(person))


# ----------------------------------------------------------------------- Python consumer -> Java provider


async def test_python_reaches_the_java_provider(java_provider: JavaProvider, types: Any) -> None:
    assert await types.runtime() == f"java dubbo {DUBBO_VERSIONS[java_provider.version]}"
    async with dubbopy.Client() as client:
        greetings = client.reference(GreetingsService, url=java_provider.dubbo_url)
        assert await greetings.sayHi("world") == "hi, world"


@pytest.mark.parametrize("text", ["", "héllo", "中文 \U0001f600 \u0000 end", "x" * 70_000])
async def test_python_sends_java_a_string(types: Any, text: str) -> None:
    assert await types.echoString(text) == text


@pytest.mark.parametrize(
    ("method", "value"),
    [
        ("echoInt", -(2**31)),
        ("echoInt", 2**31 - 1),
        ("echoInt", 48),
        ("echoLong", 2**40 + 1),
        ("echoLong", -(2**63)),
        ("echoLong", 7),
        ("echoDouble", 0.1),
        ("echoDouble", -1.5e300),
        ("echoDouble", 3.0),
        ("echoBoolean", True),
        ("echoBoolean", False),
    ],
)
async def test_python_sends_java_primitives(types: Any, method: str, value: Any) -> None:
    echoed = await getattr(types, method)(value)
    assert echoed == value
    assert isinstance(echoed, type(value))


@pytest.mark.parametrize("data", [b"", b"\x00\xff", bytes(range(256)) * 300], ids=["empty", "two", "76800-bytes"])
async def test_python_sends_java_bytes(types: Any, data: bytes) -> None:
    echoed = await types.echoBytes(data)
    assert isinstance(echoed, bytes)
    assert echoed == data


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


async def test_python_sends_java_null(types: Any) -> None:
    assert await types.returnNull() is None
    assert await types.ping() is None
    assert await types.echoString(None) is None
    assert await types.echoPerson(None) is None
    assert await types.echoListOfMaps(None) is None
    assert await types.echoPerson(Person()) == Person()  # a POJO of nulls and zeros


async def test_python_picks_java_overloads(types: Any) -> None:
    assert await types.describe_int(5) == "int:5"
    assert await types.describe_string("5") == "string:5"


async def test_a_java_exception_reaches_python(types: Any) -> None:
    with pytest.raises(dubbopy.RemoteError) as caught:
        await types.fail("x")
    assert caught.value.class_name == "java.lang.IllegalStateException"
    assert caught.value.message == "boom: x"
    assert await types.echoString("after") == "after"  # the connection serves on


async def test_python_attachments_with_java(types: Any) -> None:
    RpcContext.set_attachment("x-request", "forth")
    seen = await types.attachments("back")
    assert seen["x-request"] == "forth"
    assert RpcContext.response_attachments()["echo-response"] == "back"
    # attachments go with one call only
    assert "x-request" not in await types.attachments(None)


async def test_python_selects_a_java_version_and_group(java_provider: JavaProvider) -> None:
    async with dubbopy.Client() as client:
        versioned = client.reference(GreetingsService, url=java_provider.dubbo_url, version="1.0.0", group="interop")
        assert await versioned.sayHi("v") == "[interop/1.0.0] hi, v"
        assert await client.reference(GreetingsService, url=java_provider.dubbo_url).sayHi("v") == "hi, v"


async def test_python_calls_java_concurrently_on_one_connection(types: Any) -> None:
    texts = [f"call {n}" for n in range(32)]
    slow, *echoed = await asyncio.gather(types.sleep(200), *(types.echoString(t) for t in texts))
    assert (slow, echoed) == ("slept 200", texts)  # answers overtake the slow one and still find their caller


async def test_python_times_out_on_a_slow_java_method(java_provider: JavaProvider) -> None:
    async with dubbopy.Client() as client:
        types = client.reference(TypesService, url=java_provider.dubbo_url, timeout=0.3)
        with pytest.raises(dubbopy.RpcError) as caught:
            await types.sleep(2000)
        assert caught.value.status is StatusCode.DEADLINE_EXCEEDED
        assert await types.sleep(0) == "slept 0"  # the reference works on after a timeout


async def test_python_generic_invoke_to_java(java_provider: JavaProvider) -> None:
    async with dubbopy.Client() as client:
        generic = client.generic(TYPES_SERVICE, url=java_provider.dubbo_url)
        assert await generic.invoke("describe", ["int"], [JInt(5)]) == "int:5"
        assert await generic.echo("OK") == "OK"
        assert await generic.invoke("describe", ["java.lang.String"], ["5"]) == "string:5"
        pojo = {"class": "org.dubbopy.interop.Person", "name": "g", "age": 3, "tags": ["t"], "color": "BLUE"}
        echoed = await generic.invoke("echoPerson", ["org.dubbopy.interop.Person"], [pojo])
        assert {k: echoed[k] for k in pojo} == pojo
        with pytest.raises(dubbopy.RemoteError) as caught:
            await generic.invoke("fail", ["java.lang.String"], ["g"])
        assert (caught.value.class_name, caught.value.message) == ("java.lang.IllegalStateException", "boom: g")
        greetings = client.generic("org.apache.dubbo.samples.api.GreetingsService", url=java_provider.dubbo_url)
        assert await greetings.invoke("sayHi", ["java.lang.String"], ["generic"]) == "hi, generic"


# ----------------------------------------------------------------------- Java consumer -> Python provider


def test_java_reaches_the_python_provider(java_consumer: JavaConsumer, py_url: str) -> None:
    assert java_consumer.call("TypesService.runtime", py_url).value == PYTHON_RUNTIME
    assert java_consumer.call("GreetingsService.sayHi", py_url, ["world"]).value == "hi, world"


@pytest.mark.parametrize("text", ["", "héllo", "中文 \U0001f600 \u0000 end", "x" * 70_000])
def test_java_sends_python_a_string(java_consumer: JavaConsumer, py_url: str, text: str) -> None:
    result = java_consumer.call("TypesService.echoString", py_url, [text])
    assert result.value == text


@pytest.mark.parametrize(
    ("method", "arg", "wire"),
    [
        ("echoInt", jint(-(2**31)), jint(-(2**31))),
        ("echoInt", jint(2**31 - 1), jint(2**31 - 1)),
        ("echoLong", 2**40 + 1, {"$long": str(2**40 + 1)}),
        ("echoLong", -(2**63), {"$long": str(-(2**63))}),
        ("echoDouble", 0.1, {"$double": 0.1}),
        ("echoDouble", -1.5e300, {"$double": -1.5e300}),
        ("echoBoolean", True, True),
        ("echoBoolean", False, False),
    ],
)
def test_java_sends_python_primitives(
    java_consumer: JavaConsumer, py_url: str, method: str, arg: Any, wire: Any
) -> None:
    result = java_consumer.call(f"TypesService.{method}", py_url, [arg])
    assert result.ok, result.error
    assert result.result == wire


@pytest.mark.parametrize("data", [b"", b"\x00\xff", bytes(range(256)) * 300], ids=["empty", "two", "76800-bytes"])
def test_java_sends_python_bytes(java_consumer: JavaConsumer, py_url: str, data: bytes) -> None:
    assert java_consumer.call("TypesService.echoBytes", py_url, [data]).value == data


def test_java_sends_python_a_list_of_maps(java_consumer: JavaConsumer, py_url: str) -> None:
    person = sample_person()
    value = [
        {"a": jint(1), "b": "x", "n": None, "l": 2**40, "d": 1.5, "nested": {"k": ["v"]}},
        {},
        {"person": tagged_person(person)},  # a POJO as an Object value
    ]
    result = java_consumer.call("TypesService.echoListOfMaps", py_url, [value])
    assert result.value == [
        {"a": 1, "b": "x", "n": None, "l": 2**40, "d": 1.5, "nested": {"k": ["v"]}},
        {},
        {"person": plain_person(person)},
    ]


def test_a_python_echo_keeps_java_integers_apart_from_longs(java_consumer: JavaConsumer, py_url: str) -> None:
    value = [{"a": jint(1), "l": 2**40}]
    result = java_consumer.call("TypesService.echoListOfMaps", py_url, [value])
    echoed = dict(result.result["$list"][0]["$map"])
    assert (echoed["a"], echoed["l"]) == (jint(1), {"$long": str(2**40)})


def test_java_sends_python_a_pojo(java_consumer: JavaConsumer, py_url: str) -> None:
    person = sample_person()
    result = java_consumer.call("TypesService.echoPerson", py_url, [tagged_person(person)])
    assert result.value == plain_person(person)
    empty = java_consumer.call("TypesService.echoPerson", py_url, [tagged_person(Person())])
    assert empty.value == plain_person(Person())


def test_java_sends_python_null(java_consumer: JavaConsumer, py_url: str) -> None:
    assert java_consumer.call("TypesService.returnNull", py_url).value is None
    assert java_consumer.call("TypesService.ping", py_url).value is None
    assert java_consumer.call("TypesService.echoString", py_url, [None]).value is None
    assert java_consumer.call("TypesService.echoPerson", py_url, [None]).value is None


def test_java_picks_python_overloads(java_consumer: JavaConsumer, py_url: str) -> None:
    assert java_consumer.call("TypesService.describe", py_url, [jint(5)], types=["int"]).value == "int:5"
    assert java_consumer.call("TypesService.describe", py_url, ["5"], types=["java.lang.String"]).value == "string:5"


def test_a_python_exception_reaches_java(java_consumer: JavaConsumer, py_url: str) -> None:
    result = java_consumer.call("TypesService.fail", py_url, ["x"])
    assert not result.ok
    assert result.error is not None
    assert (result.error.cls, result.error.message) == ("java.lang.RuntimeException", "ValueError: boom: x")
    # a Python provider may raise a Java exception class the consumer has: it arrives as that class
    result = java_consumer.call("TypesService.fail", py_url, ["java:y"])
    assert result.error is not None
    assert (result.error.cls, result.error.message) == ("java.lang.IllegalStateException", "boom: y")
    assert java_consumer.call("TypesService.echoString", py_url, ["after"]).value == "after"


def test_java_attachments_with_python(java_consumer: JavaConsumer, py_url: str) -> None:
    result = java_consumer.call("TypesService.attachments", py_url, ["back"], attachments={"x-request": "forth"})
    assert result.value["x-request"] == "forth"
    assert result.response_attachments["echo-response"] == "back"


def test_java_selects_a_python_version_and_group(java_consumer: JavaConsumer, py_url: str) -> None:
    versioned = java_consumer.call("GreetingsService.sayHi", py_url, ["v"], version="1.0.0", group="interop")
    assert versioned.value == "[interop/1.0.0] hi, v"
    assert java_consumer.call("GreetingsService.sayHi", py_url, ["v"]).value == "hi, v"


async def test_java_calls_python_concurrently(java_consumer: JavaConsumer, py_url: str) -> None:
    texts = [f"call {n}" for n in range(32)]
    slow, *echoed = await asyncio.gather(
        java_consumer.acall("TypesService.sleep", py_url, [jint(200)]),
        *(java_consumer.acall("TypesService.echoString", py_url, [t]) for t in texts),
    )
    assert (slow.value, [e.value for e in echoed]) == ("slept 200", texts)


def test_java_times_out_on_a_slow_python_method(java_consumer: JavaConsumer, py_url: str) -> None:
    result = java_consumer.call("TypesService.sleep", py_url, [jint(1500)], timeout_ms=300)
    assert not result.ok
    assert result.error is not None
    assert result.error.timeout, result.error
    assert java_consumer.call("TypesService.sleep", py_url, [jint(0)]).value == "slept 0"


def test_java_generic_invoke_to_python(java_consumer: JavaConsumer, py_url: str) -> None:
    pojo = {"class": "org.dubbopy.interop.Person", "name": "g", "age": jint(3), "tags": ["t"], "color": "BLUE"}
    result = java_consumer.call(
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
    hi = java_consumer.call(
        "org.apache.dubbo.samples.api.GreetingsService.sayHi", py_url, ["g"], generic=True, types=["java.lang.String"]
    )
    assert hi.value == "hi, g"
    overload = java_consumer.call(f"{TYPES_SERVICE}.describe", py_url, [jint(4)], generic=True, types=["int"])
    assert overload.value == "int:4"
    failed = java_consumer.call(f"{TYPES_SERVICE}.fail", py_url, ["g"], generic=True, types=["java.lang.String"])
    assert failed.error is not None
    assert "boom: g" in str(failed.error.message)
