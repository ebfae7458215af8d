"""The Java test API of the interop harness (``tests/interop/java/common-api``), written in Python.

* ``Color``, ``Address``, ``Person``: the Python classes registered under the Java class names of
  ``org.dubbopy.interop.{Color, Address, Person}``, with the same fields and Java types, so the Hessian
  bytes either side writes are what the other reads;
* ``TypesService``, ``GreetingsService``: interface-style services with the Java interface names and
  signatures of ``org.dubbopy.interop.TypesService`` and ``org.apache.dubbo.samples.api.GreetingsService``.
  Each behaves as the Java implementation does (``TypesServiceImpl``), except where a Python peer must
  differ (``fail`` raises a Python exception, ``runtime`` names Python). The same class is the typed
  view a Python consumer calls a Java provider through;
* ``PB_SERVICE``/``PbServicer``/``UPPER``: ``org.dubbopy.interop.PbService`` (``StringValue upper(StringValue)``,
  ``fail``) in Triple's raw protobuf mode, by hand (no .proto: the Java side is a plain interface);
* :func:`serve_in_thread`: a dubbopy server serving all three (GreetingsService twice, as the Java provider
  does: the second copy with version ``1.0.0``, group ``interop``) on its own event-loop thread, so that
  the blocking Java call driver can call it from any test.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import decimal
import enum
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from google.protobuf.wrappers_pb2 import StringValue
from java_harness import jdate, jenum, jint, jobject

import dubbopy
from dubbopy import RpcContext, java
from dubbopy.interfaces import method, service
from dubbopy.rpc.method import CallType, MethodDescriptor, ServiceDescriptor
from dubbopy.rpc.servicer import Servicer, ServicerContext
from dubbopy.serialization.hessian2 import JavaThrowable, JInt, java_class, java_enum

TYPES_SERVICE = "org.dubbopy.interop.TypesService"
GREETINGS_SERVICE = "org.apache.dubbo.samples.api.GreetingsService"
PB_SERVICE_NAME = "org.dubbopy.interop.PbService"
#: what the Python provider's ``runtime()`` answers
PYTHON_RUNTIME = "python dubbopy"


# ------------------------------------------------------------------------------------------- the POJOs


@java_enum("org.dubbopy.interop.Color")
class Color(enum.Enum):
    """``org.dubbopy.interop.Color``."""

    RED = "RED"
    GREEN = "GREEN"
    BLUE = "BLUE"


@java_class("org.dubbopy.interop.Address")
@dataclass
class Address:
    """``org.dubbopy.interop.Address``: ``String street, city; int zip``."""

    street: str | None = None
    city: str | None = None
    zip: JInt = JInt(0)  # noqa: RUF009 - an immutable int marker


@java_class("org.dubbopy.interop.Person")
@dataclass
class Person:
    """``org.dubbopy.interop.Person``: primitives, a nested POJO, an enum, a Date, a BigDecimal, a List."""

    name: str | None = None
    age: JInt = JInt(0)  # noqa: RUF009 - an immutable int marker
    id: int = 0
    score: float = 0.0
    active: bool = False
    address: Address | None = None
    color: Color | None = None
    birthday: dt.datetime | None = None
    balance: decimal.Decimal | None = None
    tags: list[str] | None = None


def sample_person() -> Person:
    """The Person every test sends: every field set, a non-BMP character, a date with milliseconds."""
    return Person(
        name="Ada \U0001f600",
        age=JInt(36),
        id=2**40 + 1,
        score=9.75,
        active=True,
        address=Address("1 Main St", "Sofia", JInt(1000)),
        color=Color.GREEN,
        birthday=dt.datetime(1990, 5, 17, 12, 30, 15, 123000, tzinfo=dt.UTC),
        balance=decimal.Decimal("1234.50"),
        tags=["x", "y"],
    )


def tagged_person(person: Person) -> dict[str, Any]:
    """``person`` in the harness's tagged JSON, for the Java call driver's arguments."""
    address = person.address
    return jobject(
        "org.dubbopy.interop.Person",
        {
            "name": person.name,
            "age": jint(person.age),
            "id": person.id,
            "score": person.score,
            "active": person.active,
            "address": None
            if address is None
            else jobject(
                "org.dubbopy.interop.Address",
                {"street": address.street, "city": address.city, "zip": jint(address.zip)},
            ),
            "color": None if person.color is None else jenum("org.dubbopy.interop.Color", person.color.name),
            "birthday": None if person.birthday is None else jdate(person.birthday),
            "balance": person.balance,
            "tags": person.tags,
        },
    )


def plain_person(person: Person) -> dict[str, Any]:
    """``person`` as ``java_harness.untag`` shows a Java Person: a dict of its fields plus ``"class"``."""
    address = person.address
    return {
        "class": "org.dubbopy.interop.Person",
        "name": person.name,
        "age": person.age,
        "id": person.id,
        "score": person.score,
        "active": person.active,
        "address": None
        if address is None
        else {
            "class": "org.dubbopy.interop.Address",
            "street": address.street,
            "city": address.city,
            "zip": address.zip,
        },
        "color": None if person.color is None else {"class": "org.dubbopy.interop.Color", "name": person.color.name},
        "birthday": person.birthday,
        "balance": person.balance,
        "tags": person.tags,
    }


# ------------------------------------------------------------------------------ interface-style services


@service(GREETINGS_SERVICE)
class GreetingsService:
    """``org.apache.dubbo.samples.api.GreetingsService``; ``prefix`` tells exports of other versions apart."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix

    async def sayHi(self, name: java.String) -> java.String:
        return f"{self.prefix}hi, {name}"


@service(TYPES_SERVICE)
class TypesService:
    """``org.dubbopy.interop.TypesService`` (every method of the Java interface, same behaviour).

    ``fail(arg)`` raises ``ValueError("boom: " + arg)`` — a plain Python exception, which a Java consumer
    sees as ``java.lang.RuntimeException("ValueError: boom: " + arg)`` — unless ``arg`` starts with
    ``"java:"``: then it raises the Java provider's ``IllegalStateException("boom: " + rest)`` itself.
    """

    async def echoString(self, value: java.String) -> java.String:
        return value

    async def echoInt(self, value: java.int) -> java.int:
        return value

    async def echoLong(self, value: java.long) -> java.long:
        return value

    async def echoDouble(self, value: java.double) -> java.double:
        return value

    async def echoBoolean(self, value: java.boolean) -> java.boolean:
        return value

    async def echoInteger(self, value: java.Integer) -> java.Integer:
        return value

    async def echoFloat(self, value: java.float) -> java.float:
        return value

    async def echoBytes(self, value: java.bytes) -> java.bytes:
        return value

    async def echoDate(self, value: java.Date) -> java.Date:
        return value

    async def echoDecimal(self, value: java.BigDecimal) -> java.BigDecimal:
        return value

    async def echoColor(self, value: Color | None) -> Color | None:
        return value

    async def echoStringList(self, value: list[str] | None) -> list[str] | None:
        return value

    async def echoStringArray(self, value: java.String_array) -> java.String_array:
        return value

    async def echoIntArray(self, value: java.int_array) -> java.int_array:
        return value

    async def echoListOfMaps(self, value: list[dict[str, Any]] | None) -> list[dict[str, Any]] | None:
        return value

    async def echoMap(self, value: dict[str, Any] | None) -> dict[str, Any] | None:
        return value

    async def echoPerson(self, value: Person | None) -> Person | None:
        return value

    async def echoObject(self, value: java.Object) -> java.Object:
        return value

    async def returnNull(self) -> Person | None:
        return None

    async def ping(self) -> java.void:
        return None

    @method("describe", params=["int"], returns="java.lang.String")
    async def describe_int(self, value: int) -> str:
        return f"int:{value}"

    @method("describe", params=["java.lang.String"], returns="java.lang.String")
    async def describe_string(self, value: str) -> str:
        return f"string:{value}"

    async def fail(self, arg: java.String) -> java.String:
        if arg is not None and arg.startswith("java:"):
            raise JavaThrowable("java.lang.IllegalStateException", f"boom: {arg[5:]}")
        raise ValueError(f"boom: {arg}")

    async def attachments(self, responseValue: java.String) -> java.Map:
        call = RpcContext.current_call()
        seen = {} if call is None else {k: v for k, v in call.attachments.items() if isinstance(v, str)}
        if responseValue is not None:
            RpcContext.set_response_attachment("echo-response", responseValue)
        return seen

    async def sleep(self, millis: java.int) -> java.String:
        await asyncio.sleep(millis / 1000)
        return f"slept {millis}"

    async def runtime(self) -> java.String:
        return PYTHON_RUNTIME


# --------------------------------------------------------------------------- PbService, raw protobuf mode


def _pb_method(name: str) -> MethodDescriptor[StringValue, StringValue]:
    return MethodDescriptor(
        service=PB_SERVICE_NAME,
        name=name,
        call_type=CallType.UNARY,
        request_serializer=StringValue.SerializeToString,
        request_deserializer=StringValue.FromString,
        response_serializer=StringValue.SerializeToString,
        response_deserializer=StringValue.FromString,
        request_type=StringValue,
        response_type=StringValue,
    )


UPPER = _pb_method("upper")
FAIL = _pb_method("fail")
PB_SERVICE = ServiceDescriptor(PB_SERVICE_NAME, {"upper": UPPER, "fail": FAIL})


class PbServicer(Servicer):
    """``org.dubbopy.interop.PbService`` as the Java ``PbServiceImpl`` behaves."""

    SERVICE = PB_SERVICE

    async def upper(self, request: StringValue, context: ServicerContext) -> StringValue:
        return StringValue(value=request.value.upper())

    async def fail(self, request: StringValue, context: ServicerContext) -> StringValue:
        raise ValueError(f"boom: {request.value}")


# ---------------------------------------------------------------------------- a provider on its own loop


@contextlib.contextmanager
def serve_in_thread(timeout: float = 30.0) -> Iterator[SimpleNamespace]:
    """A dubbopy server with GreetingsService, TypesService (dubbo:// and tri://) and PbService (tri://) on
    free loopback ports, running on its own event-loop thread: yields ``dubbo_url`` and ``tri_url``."""
    started = threading.Event()
    state: dict[str, Any] = {}

    async def main() -> None:
        # every interface: a Java consumer given 127.0.0.1 connects to the machine's own address instead
        # (Dubbo's NetUtils.filterLocalHost); the Java provider binds every interface too
        server = dubbopy.Server(application="py-interop-provider", protocols=["dubbo://0.0.0.0:0", "tri://0.0.0.0:0"])
        server.add(GreetingsService())
        server.add(GreetingsService("[interop/1.0.0] "), version="1.0.0", group="interop")  # as the Java provider
        server.add(TypesService())
        server.add(PbServicer())
        stop = asyncio.Event()
        state["stop"] = (asyncio.get_running_loop(), stop)
        try:
            await server.start()
            state["ports"] = server.ports
        except BaseException as exc:
            state["error"] = exc
            raise
        finally:
            started.set()
        try:
            await stop.wait()
        finally:
            await server.stop(grace=1.0)

    thread = threading.Thread(target=lambda: asyncio.run(main()), name="py-interop-provider", daemon=True)
    thread.start()
    if not started.wait(timeout):
        raise RuntimeError("the Python provider did not start")
    if "error" in state:
        raise RuntimeError("the Python provider did not start") from state["error"]
    dubbo_port, tri_port = state["ports"]
    try:
        yield SimpleNamespace(dubbo_url=f"dubbo://127.0.0.1:{dubbo_port}", tri_url=f"tri://127.0.0.1:{tri_port}")
    finally:
        loop, stop = state["stop"]
        loop.call_soon_threadsafe(stop.set)
        thread.join(timeout)
