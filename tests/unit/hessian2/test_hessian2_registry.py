"""Registered Python classes: Java's field order, annotations choosing wire forms, decoding into the
registered class (and nothing else), exceptions, and registration errors."""

from __future__ import annotations

import datetime
import decimal
import enum
from dataclasses import dataclass, field
from typing import Annotated, Any

import pytest

from dubbopy.errors import ConfigError
from dubbopy.serialization.hessian2 import (
    ClassRegistry,
    Hessian2Encoder,
    HessianEncodeError,
    HessianError,
    JavaObject,
    JavaThrowable,
    JChar,
    JFloat,
    JInt,
    JLong,
    JShort,
    dumps,
    loads,
)


def field_names(data: bytes, registry: ClassRegistry) -> list[str]:
    """The field names of the first class definition in ``data``."""
    obj = loads(data, registry=ClassRegistry())
    assert isinstance(obj, JavaObject | JavaThrowable)
    return list(obj.fields)


def test_field_order_follows_java_primitive_then_compound_reversed() -> None:
    reg = ClassRegistry()

    @reg.java_class("org.example.Address")
    @dataclass
    class Address:
        city: str

    @reg.java_class("org.example.Order")
    @dataclass
    class Order:
        items: list[str]  # compound
        id: int  # long: primitive-ish
        address: Address  # compound
        note: str  # java.lang.String: primitive-ish
        created: datetime.datetime  # java.util.Date: compound
        price: decimal.Decimal  # compound
        flag: bool  # primitive
        extra: Any  # java.lang.Object: compound

    order = Order(
        ["a"], 1, Address("x"), "n", datetime.datetime(2020, 1, 1, tzinfo=datetime.UTC), decimal.Decimal(1), True, None
    )
    data = dumps(order, registry=reg)
    # primitive-ish [id, note, flag] + compound [items, address, created, price, extra], reversed
    assert field_names(data, reg) == ["extra", "price", "created", "address", "items", "flag", "note", "id"]
    assert loads(data, registry=reg) == order


def test_subclass_fields_come_before_superclass_fields_before_reversal() -> None:
    reg = ClassRegistry()

    @dataclass
    class Base:
        base_name: str
        base_list: list[int]

    @reg.java_class("org.example.Child")
    @dataclass
    class Child(Base):
        child_age: JInt
        child_map: dict[str, int]

    data = dumps(Child("b", [1], 3, {}), registry=reg)
    # primitive-ish [child_age, base_name] + compound [child_map, base_list], reversed
    assert field_names(data, reg) == ["base_list", "child_map", "base_name", "child_age"]
    assert loads(data, registry=reg) == Child("b", [1], 3, {})


def test_annotations_pick_the_wire_form_of_each_field() -> None:
    reg = ClassRegistry()

    @reg.java_class("org.example.Forms", field_order=["i", "l", "s", "c", "f", "bf", "d", "li", "m", "t"])
    @dataclass
    class Forms:
        i: JInt
        l: int  # noqa: E741 - Java field name
        s: JShort
        c: JChar
        f: JFloat  # a float field: widened
        bf: JFloat | None  # a Float field: shortest decimal text
        d: float
        li: list[JInt]
        m: dict[str, JInt]
        t: tuple[int, ...]

    value = Forms(1, 1, 2, "x", 1.1, 1.1, 1.0, [1], {"k": 1}, (1,))
    data = dumps(value, registry=reg)
    body = data[data.index(b"`") + 1 :]
    assert body == bytes.fromhex(
        "91"  # JInt → int form
        "e1"  # int → long form
        "92"  # JShort → int form
        "0178"  # JChar
        "443ff19999a0000000"  # float field: (double) 1.1f
        "5f0000044c"  # Float field: 1.1
        "5c"  # double
        "7991"  # List<Integer>
        "48016b915a"  # Map<String, Integer>
        "79e1"  # tuple of longs
    )
    back = loads(data, registry=reg)
    assert back.t == (1,), "a tuple field decodes as a tuple"
    assert dumps(back, registry=reg) == data


def test_java_names_camel_case_and_explicit_java_types() -> None:
    reg = ClassRegistry()

    @reg.java_class("org.example.Named", camel_case=True)
    @dataclass
    class Named:
        user_name: str
        login_count: Annotated[int, "int"]
        tags: list[str] = field(default_factory=list, metadata={"java_type": "java.util.LinkedList<java.lang.String>"})
        raw: str = field(default="", metadata={"java_name": "RAW"})

    data = dumps(Named("u", 3), registry=reg)
    assert field_names(data, reg) == ["tags", "RAW", "loginCount", "userName"]
    assert b"\x93" in data, "login_count is an int field"
    assert loads(data, registry=reg) == Named("u", 3)


def test_decoding_matches_fields_by_name_ignores_unknown_and_defaults_missing() -> None:
    reg = ClassRegistry()

    @reg.java_class("org.example.User")
    @dataclass
    class User:
        name: str
        age: JInt
        nick: str = "none"
        tags: list[str] = field(default_factory=list)
        score: float = field(default=0.0)

    other = JavaObject("org.example.User", {"unknown": [1, 2], "name": "a", "age": JInt(5)})
    user = loads(dumps(other), registry=reg)
    assert user == User("a", 5)
    assert user.tags == []
    assert user.tags is not loads(dumps(other), registry=reg).tags, "a default factory per instance"

    @reg.java_class("org.example.Required")
    @dataclass
    class Required:
        count: JInt
        when: datetime.datetime

    got = loads(dumps(JavaObject("org.example.Required", {})), registry=reg)
    assert got.count == 0, "a missing primitive field keeps Java's zero"
    assert got.when is None


def test_frozen_and_slotted_dataclasses_decode_and_post_init_runs() -> None:
    reg = ClassRegistry()

    @reg.java_class("org.example.Point")
    @dataclass(frozen=True, slots=True)
    class Point:
        x: JInt
        y: JInt

    @reg.java_class("org.example.Checked")
    @dataclass
    class Checked:
        value: JInt
        doubled: JInt = 0

        def __post_init__(self) -> None:
            if self.value < 0:
                raise ValueError("value must not be negative")
            self.doubled = self.value * 2

    assert loads(dumps(Point(1, 2), registry=reg), registry=reg) == Point(1, 2)
    assert loads(dumps(Checked(4), registry=reg), registry=reg).doubled == 8
    bad = dumps(JavaObject("org.example.Checked", {"value": JInt(-1)}))
    with pytest.raises(HessianError, match="__post_init__ rejected"):
        loads(bad, registry=reg)


def test_nothing_unregistered_is_ever_instantiated() -> None:
    # Class names that are importable Python paths stay generic objects.
    for name in ["os._wrap_close", "subprocess.Popen", "builtins.eval"]:
        got = loads(dumps(JavaObject(name, {"args": ["rm", "-rf"]})))
        assert type(got) is JavaObject
        assert got.class_name == name
    got = loads(dumps(JavaObject("dubbopy.errors.DubboError", {"detailMessage": "x"})))
    assert type(got) is JavaThrowable, "an exception-like name gives the generic JavaThrowable, not the class"


def test_registered_enums_by_name_and_unknown_constants_fail() -> None:
    reg = ClassRegistry()

    @reg.java_class("org.example.Level")
    class Level(enum.Enum):
        LOW = 1
        HIGH = 2

    assert loads(dumps([Level.HIGH, Level.LOW], registry=reg), registry=reg) == [Level.HIGH, Level.LOW]
    with pytest.raises(HessianError, match="has no constant 'MEDIUM'"):
        loads(dumps(JavaObject("org.example.Level", {"name": "MEDIUM"})), registry=reg)


def test_registered_exceptions_carry_message_cause_and_fields() -> None:
    reg = ClassRegistry()

    @reg.java_class("org.example.NotFound")
    @dataclass
    class NotFound(Exception):
        code: JInt = 0

    err = NotFound(404)
    err.args = ("no such user",)
    data = dumps(err, registry=reg)
    # the Throwable fields after the class's own: [code, detailMessage, cause] + [stackTrace, suppressed], reversed
    assert field_names(data, reg) == ["suppressedExceptions", "stackTrace", "cause", "detailMessage", "code"]
    back = loads(data, registry=reg)
    assert type(back) is NotFound
    assert back.code == 404
    assert back.args == ("no such user",)
    assert back.__cause__ is None

    wrapped = NotFound(1)
    wrapped.__cause__ = JavaThrowable("java.io.IOException", "disk")
    back = loads(dumps(wrapped, registry=reg), registry=reg)
    assert isinstance(back.__cause__, JavaThrowable)
    assert back.__cause__.message == "disk"


def test_unregistered_python_classes_are_encode_errors() -> None:
    @dataclass
    class Loose:
        x: int

    class Mood(enum.Enum):
        OK = 1

    for value, hint in [
        (Loose(1), "@java_class"),
        (Mood.OK, "@java_enum"),
        (KeyError("k"), "JavaThrowable"),
        (object(), "cannot write"),
    ]:
        with pytest.raises(HessianEncodeError, match=hint):
            dumps(value)


def test_registration_errors_name_the_problem() -> None:
    reg = ClassRegistry()

    class Plain:
        pass

    with pytest.raises(ConfigError, match="must be a dataclass"):
        reg.register_class("x.Plain", Plain)

    @dataclass
    class A:
        v: int

    @dataclass
    class B:
        v: int

    reg.register_class("x.A", A)
    reg.register_class("x.A", A)  # the same pair again is harmless
    with pytest.raises(ConfigError, match="already registered"):
        reg.register_class("x.A", B)
    with pytest.raises(ConfigError, match="already registered"):
        reg.register_class("x.A2", A)

    reg.register_class("x.B", B, field_order=["nope"])
    with pytest.raises(ConfigError, match="field_order"):
        dumps(B(1), registry=reg)


def test_a_child_registry_falls_back_to_its_parent() -> None:
    parent = ClassRegistry()

    @parent.java_class("x.Shared")
    @dataclass
    class Shared:
        v: JLong

    child = ClassRegistry(parent)
    assert loads(dumps(Shared(1), registry=child), registry=child) == Shared(1)
    enc = Hessian2Encoder(registry=child)
    enc.write(Shared(2))
    assert loads(enc.getvalue(), registry=parent) == Shared(2)


def test_registering_in_a_parent_later_changes_what_a_child_decodes() -> None:
    parent = ClassRegistry()
    child = ClassRegistry(parent)
    data = dumps(JavaObject("x.Late", {"v": JLong(1)}))
    assert type(loads(data, registry=child)) is JavaObject

    @parent.java_class("x.Late")
    @dataclass
    class Late:
        v: int

    assert loads(data, registry=child) == Late(1)
    assert dumps(Late(1), registry=child) == data
