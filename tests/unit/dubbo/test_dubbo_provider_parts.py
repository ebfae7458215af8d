"""Provider-side pieces without sockets: service descriptions, status mapping, exceptions, generic POJOs."""

from __future__ import annotations

import enum
from dataclasses import dataclass

import pytest

from dubbopy.errors import ConfigError, RemoteError, RpcError, StatusCode
from dubbopy.protocol.dubbo.exceptions import generic_exception, remote_error, to_java_exception
from dubbopy.protocol.dubbo.frames import Status
from dubbopy.protocol.dubbo.pojo import generalize, realize
from dubbopy.protocol.dubbo.protocol import export_key
from dubbopy.protocol.dubbo.service import InterfaceMethod, InterfaceService
from dubbopy.protocol.dubbo.status import error_for_status, status_for_error, status_to_code
from dubbopy.serialization.hessian2 import ClassRegistry, JavaObject, JavaThrowable, JInt, dumps, loads

registry = ClassRegistry()


@registry.java_class("org.dubbopy.unit.Address")
@dataclass
class Address:
    city: str


@registry.java_class("org.dubbopy.unit.Person")
@dataclass
class Person:
    name: str
    age: JInt
    address: Address | None = None


@registry.java_class("org.dubbopy.unit.Color")
class Color(enum.Enum):
    RED = "RED"
    BLUE = "BLUE"


def noop(*args: object) -> None:
    return None


# ------------------------------------------------------------------------------------- service


def test_method_normalises_types_and_computes_its_descriptor() -> None:
    method = InterfaceMethod("f", ["int", "int[]", "java.lang.String[]"], noop, "long")
    assert method.parameter_types == ("int", "[I", "[Ljava.lang.String;")
    assert method.descriptor == "I[I[Ljava/lang/String;"
    assert method.signature == "f(I[I[Ljava/lang/String;)"
    assert not method.is_async


async def test_async_functions_are_recognised() -> None:
    async def f() -> None:
        return None

    assert InterfaceMethod("f", [], f).is_async


@pytest.mark.parametrize(
    ("args", "match"),
    [
        (("$invoke", [], noop), "identifier"),
        (("f", ["no such type!"], noop), "not a Java class name"),
        (("f", [], "not callable"), "not callable"),
    ],
)
def test_bad_methods_are_config_errors(args: tuple[object, ...], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        InterfaceMethod(*args)  # type: ignore[arg-type]


def test_overloads_and_lookup_by_descriptor() -> None:
    service = InterfaceService(
        "org.example.Calc",
        [InterfaceMethod("add", ["int", "int"], noop), InterfaceMethod("add", ["long", "long"], noop)],
    )
    assert service.method("add", "II") is service.methods[0]
    assert service.method("add", "JJ") is service.methods[1]
    assert service.method("add", "DD") is None
    assert len(service.overloads("add")) == 2
    assert service.method_names == ("add",)


def test_duplicate_signature_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match=r"add\(II\) is declared twice"):
        InterfaceService("org.example.Calc", [InterfaceMethod("add", ["int", "int"], noop)] * 2)


def test_generic_resolution_by_types_or_unambiguous_arity() -> None:
    service = InterfaceService(
        "org.example.Calc",
        [
            InterfaceMethod("add", ["int", "int"], noop),
            InterfaceMethod("add", ["long", "long"], noop),
            InterfaceMethod("neg", ["int"], noop),
        ],
    )
    assert service.resolve("add", ["long", "long"], 2).descriptor == "JJ"
    assert service.resolve("neg", [], 1).name == "neg"
    with pytest.raises(LookupError, match="ambiguous"):
        service.resolve("add", None, 2)
    with pytest.raises(LookupError, match=r"no method add\(DD\)"):
        service.resolve("add", ["double", "double"], 2)
    with pytest.raises(LookupError, match="no method 'sub'"):
        service.resolve("sub", [], 0)


def test_export_key_is_javas_service_key() -> None:
    assert export_key("a.B", "1.0.0", "g") == "g/a.B:1.0.0"
    assert export_key("a.B", "0.0.0", "") == "a.B"
    assert export_key("a.B", None, None) == "a.B"


# ------------------------------------------------------------------------------------- status


@pytest.mark.parametrize(
    ("status", "code"),
    [
        (20, StatusCode.OK),
        (25, StatusCode.INTERNAL),
        (30, StatusCode.DEADLINE_EXCEEDED),
        (31, StatusCode.DEADLINE_EXCEEDED),
        (35, StatusCode.UNAVAILABLE),
        (40, StatusCode.INTERNAL),
        (50, StatusCode.INTERNAL),
        (60, StatusCode.UNIMPLEMENTED),
        (70, StatusCode.UNKNOWN),
        (80, StatusCode.INTERNAL),
        (90, StatusCode.INTERNAL),
        (100, StatusCode.RESOURCE_EXHAUSTED),
        (123, StatusCode.UNKNOWN),
    ],
)
def test_status_bytes_map_to_status_codes(status: int, code: StatusCode) -> None:
    assert status_to_code(status) is code


def test_error_for_status_keeps_the_message_or_names_the_status() -> None:
    assert error_for_status(70, "boom").message == "boom"
    assert error_for_status(100, "").message == "provider answered SERVER_THREADPOOL_EXHAUSTED_ERROR"
    assert error_for_status(123, "").message == "provider answered status 123"


@pytest.mark.parametrize(
    ("code", "status"),
    [
        (StatusCode.DEADLINE_EXCEEDED, Status.SERVER_TIMEOUT),
        (StatusCode.UNIMPLEMENTED, Status.SERVICE_NOT_FOUND),
        (StatusCode.RESOURCE_EXHAUSTED, Status.SERVER_THREADPOOL_EXHAUSTED_ERROR),
        (StatusCode.INTERNAL, Status.SERVER_ERROR),
        (StatusCode.PERMISSION_DENIED, Status.SERVICE_ERROR),
    ],
)
def test_provider_errors_map_to_status_bytes(code: StatusCode, status: int) -> None:
    assert status_for_error(RpcError(code, "x")) == status


# ------------------------------------------------------------------------------------- exceptions


def test_python_exceptions_become_runtime_exceptions() -> None:
    converted = to_java_exception(KeyError("k"))
    assert isinstance(converted, JavaThrowable)
    assert (converted.class_name, converted.message) == ("java.lang.RuntimeException", "KeyError: 'k'")


def test_java_throwables_and_remote_errors_keep_their_class() -> None:
    thrown = JavaThrowable("java.lang.IllegalArgumentException", "bad")
    assert to_java_exception(thrown) is thrown
    remote = to_java_exception(RemoteError(StatusCode.UNKNOWN, "m", class_name="org.example.E"))
    assert isinstance(remote, JavaThrowable)
    assert (remote.class_name, remote.message) == ("org.example.E", "m")


def test_remote_error_from_decoded_values() -> None:
    error = remote_error(loads(dumps(JavaThrowable("java.lang.IllegalStateException", "s"))))
    assert error.status is StatusCode.UNKNOWN
    assert (error.class_name, error.message) == ("java.lang.IllegalStateException", "s")
    unknown = remote_error(JavaObject("org.example.Weird", {"detailMessage": "w"}))
    assert (unknown.class_name, unknown.message) == ("org.example.Weird", "w")
    not_throwable = remote_error("just text")
    assert "expect Throwable" in not_throwable.message


def test_generic_exception_round_trips_through_hessian_and_unwraps() -> None:
    wrapped = generic_exception(ValueError("nope"))
    assert wrapped.class_name == "com.alibaba.dubbo.rpc.service.GenericException"
    decoded = loads(dumps(wrapped))
    assert isinstance(decoded, JavaThrowable)
    assert decoded.fields["exceptionClass"] == "ValueError"
    assert decoded.fields["exceptionMessage"] == "nope"
    assert decoded.fields["cause"] is decoded  # no cause: itself, as Java writes it
    error = remote_error(decoded)
    assert (error.class_name, error.message) == ("ValueError", "nope")


# ------------------------------------------------------------------------------------- generic POJOs


def test_realize_builds_registered_classes_from_maps() -> None:
    data = {"class": "org.dubbopy.unit.Person", "name": "ann", "age": 3, "address": {"city": "Oslo"}}
    person = realize(data, None, registry)
    assert person == Person("ann", JInt(3), Address("Oslo"))


def test_realize_uses_the_declared_type_and_enum_names() -> None:
    assert realize({"name": "bob", "age": 1}, "org.dubbopy.unit.Person", registry) == Person("bob", JInt(1))
    assert realize("BLUE", "org.dubbopy.unit.Color", registry) is Color.BLUE
    assert realize([{"city": "Rome"}], "[Lorg.dubbopy.unit.Address;", registry) == [Address("Rome")]


def test_realize_follows_list_and_map_type_arguments() -> None:
    people = realize([{"name": "a", "age": 1}], "java.util.List<org.dubbopy.unit.Person>", registry)
    assert people == [Person("a", JInt(1))]
    by_name = realize({"x": {"city": "Oslo"}}, "java.util.Map<java.lang.String, org.dubbopy.unit.Address>", registry)
    assert by_name == {"x": Address("Oslo")}


def test_method_keeps_type_arguments_for_writing_but_not_in_the_descriptor() -> None:
    method = InterfaceMethod("ids", ["java.util.List<java.lang.Long>"], noop, "java.util.List<java.lang.Integer>")
    assert method.descriptor == "Ljava/util/List;"
    assert method.return_type == "java.util.List<java.lang.Integer>"


def test_realize_leaves_unknown_classes_as_maps() -> None:
    data = {"class": "org.example.Unknown", "x": 1}
    assert realize(data, None, registry) == data


def test_generalize_gives_javas_generic_form() -> None:
    person = Person("ann", JInt(3), Address("Oslo"))
    assert generalize(person, registry) == {
        "class": "org.dubbopy.unit.Person",
        "name": "ann",
        "age": 3,
        "address": {"class": "org.dubbopy.unit.Address", "city": "Oslo"},
    }
    assert generalize([Color.RED, (1, 2)], registry) == ["RED", [1, 2]]
    assert generalize(JavaObject("org.example.X", {"a": 1}), registry) == {"class": "org.example.X", "a": 1}
