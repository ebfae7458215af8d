"""Hypothesis round trips: value → bytes → value gives an equal value; generic Java values (JavaObject,
JavaList, JavaMap, exceptions, enums) decoded with ``keep_java_types`` re-encode to identical bytes;
several values in one stream share its tables."""

from __future__ import annotations

import datetime
import decimal
import math
import uuid
from typing import Any

from hessian2_support import REG, Color, User, dec, enc, same
from hypothesis import given, settings
from hypothesis import strategies as st

from dubbopy.serialization.hessian2 import (
    Hessian2Decoder,
    Hessian2Encoder,
    JavaEnum,
    JavaList,
    JavaMap,
    JavaObject,
    JavaThrowable,
    JBigInteger,
    JChar,
    JDouble,
    JFloat,
    JInt,
    JLong,
    JShort,
    loads,
)

UTC = datetime.UTC

ints32 = st.integers(-(2**31), 2**31 - 1)
ints64 = st.integers(-(2**63), 2**63 - 1)
floats = st.floats(allow_nan=False).filter(lambda f: not (f == 0 and math.copysign(1.0, f) < 0))
texts = st.text(max_size=40) | st.text(alphabet=st.characters(min_codepoint=0x80), max_size=12)
dates = st.datetimes(
    min_value=datetime.datetime(1, 1, 2), max_value=datetime.datetime(9999, 12, 30), timezones=st.just(UTC)
).map(lambda d: d.replace(microsecond=d.microsecond // 1000 * 1000))
decimals = st.decimals(allow_nan=False, allow_infinity=False, places=None).filter(
    lambda d: not (d.is_zero() and d.is_signed())
)
names = st.sampled_from(["a", "b", "name", "value", "x_y", "中"])
class_names = st.sampled_from(["org.example.A", "org.example.B", "com.x.Thing"])

scalars = st.one_of(
    st.none(),
    st.booleans(),
    ints64,
    ints32.map(JInt),
    ints64.map(JLong),
    st.integers(-(2**15), 2**15 - 1).map(JShort),
    floats,
    floats.map(JDouble),
    st.floats(width=32, allow_nan=False).filter(lambda f: f != 0 or math.copysign(1.0, f) > 0).map(JFloat),
    texts,
    st.characters(max_codepoint=0xFFFF, exclude_categories=["Cs"]).map(JChar),
    st.binary(max_size=40),
    dates,
    decimals,
    st.uuids(),
    st.integers(-(2**200), 2**200).map(JBigInteger),
    st.sampled_from([Color.RED, Color.GREEN]),
    st.builds(JavaEnum, class_names, st.sampled_from(["ONE", "TWO"])),
    st.builds(User, texts, ints32),
)
keys = st.one_of(texts, ints32.map(JInt), ints64, st.none())


def containers(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(
        st.lists(children, max_size=9),
        st.lists(children, max_size=4).map(tuple),
        st.dictionaries(keys, children, max_size=6),
        st.builds(
            JavaList,
            st.sampled_from(["java.util.LinkedList", "[object", "java.util.HashSet"]),
            st.lists(children, max_size=9),
        ),
        st.builds(
            JavaMap,
            st.sampled_from(["java.util.TreeMap", "java.util.LinkedHashMap"]),
            st.dictionaries(keys, children, max_size=5),
        ),
        st.builds(JavaObject, class_names, st.dictionaries(names, children, max_size=5)),
        st.builds(
            JavaThrowable, st.sampled_from(["java.lang.IllegalStateException", "org.x.MyError"]), st.none() | texts
        ),
    )


values = st.recursive(scalars, containers, max_leaves=25)
java_values = containers(values)


@settings(max_examples=300, deadline=None)
@given(values)
def test_values_round_trip(value: Any) -> None:
    assert same(loads(enc(value), registry=REG), _expected(value), strict_types=False)


@settings(max_examples=300, deadline=None)
@given(java_values)
def test_generic_java_values_re_encode_identically(value: Any) -> None:
    data = enc(value)
    assert enc(dec(data)) == data


@settings(max_examples=150, deadline=None)
@given(st.lists(values, min_size=1, max_size=5))
def test_streams_of_values_share_their_tables(items: list[Any]) -> None:
    e = Hessian2Encoder(registry=REG)
    for item in items:
        e.write(item)
    d = Hessian2Decoder(e.getvalue(), registry=REG)
    got = [d.read() for _ in items]
    assert d.at_end
    assert same(got, [_expected(i) for i in items], strict_types=False)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from(["x", "中", "\U0001f600", "é", "\ud83d", "a\udc00"]), max_size=40000 // 4))
def test_any_utf16_text_round_trips_when_chunked(parts: list[str]) -> None:
    s = "".join(parts) * 5
    back = loads(enc(s))
    assert back.encode("utf-16-le", "surrogatepass") == s.encode("utf-16-le", "surrogatepass")


def _expected(value: Any) -> Any:
    """What decoding gives for a value that Java's types change (tuples, sets, JFloat, JChar...)."""
    if isinstance(value, JFloat):
        from dubbopy.serialization.hessian2.text import float_as_java_boxed

        return float_as_java_boxed(value)
    if isinstance(value, JChar):
        return str(value)
    if isinstance(value, decimal.Decimal | uuid.UUID | datetime.datetime):
        return value
    if isinstance(value, JavaList):
        return JavaList(value.java_type, [_expected(v) for v in value])
    if isinstance(value, list | tuple):
        return [_expected(v) for v in value]
    if isinstance(value, JavaMap):
        return JavaMap(value.java_type, {k: _expected(v) for k, v in value.items()})
    if isinstance(value, dict):
        return {k: _expected(v) for k, v in value.items()}
    if isinstance(value, JavaObject):
        if list(value.fields) == ["name"] and isinstance(value.fields["name"], str):
            return JavaEnum(value.class_name, str(value.fields["name"]))  # the wire cannot tell them apart
        return JavaObject(value.class_name, {k: _expected(v) for k, v in value.fields.items()})
    return value
