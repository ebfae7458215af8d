"""Every encoding rule of spec/hessian2.md §3: the boundaries of each compact form, string and binary
chunking, list and map forms, class-definition reuse, references and cycles, type references, enums,
exceptions. Each test states the exact bytes Java's rule gives, and that they decode back."""

from __future__ import annotations

import datetime
import decimal
import math
import struct
import uuid
from typing import Any

import pytest
from hessian2_support import REG, Color, User, dec, enc, h, same

from dubbopy.serialization.hessian2 import (
    Hessian2Decoder,
    Hessian2Encoder,
    HessianEncodeError,
    HessianError,
    JavaEnum,
    JavaList,
    JavaMap,
    JavaObject,
    JavaThrowable,
    JBigInteger,
    JChar,
    JFloat,
    JInt,
    JLong,
    JShort,
    dumps,
    float_array,
    loads,
)

UTC = datetime.UTC
INT_MIN, INT_MAX = -(2**31), 2**31 - 1
LONG_MIN, LONG_MAX = -(2**63), 2**63 - 1


def stream(*values: Any) -> bytes:
    e = Hessian2Encoder(registry=REG)
    for v in values:
        e.write(v)
    return e.getvalue()


def read_all(data: bytes) -> list[Any]:
    d = Hessian2Decoder(data, registry=REG, keep_java_types=True)
    out = []
    while not d.at_end:
        out.append(d.read())
    return out


# -- §3.2 int ---------------------------------------------------------------------------------------------

INT_FORMS = [
    (-16, "80"),
    (47, "bf"),
    (-17, "c7 ef"),
    (48, "c8 30"),
    (-2048, "c0 00"),
    (2047, "cf ff"),
    (-2049, "d3 f7 ff"),
    (2048, "d4 08 00"),
    (-262144, "d0 00 00"),
    (262143, "d7 ff ff"),
    (-262145, "49 ff fb ff ff"),
    (262144, "49 00 04 00 00"),
    (INT_MIN, "49 80 00 00 00"),
    (INT_MAX, "49 7f ff ff ff"),
]


@pytest.mark.parametrize(("value", "hexed"), INT_FORMS)
def test_int_uses_the_shortest_form_at_each_boundary(value: int, hexed: str) -> None:
    assert enc(JInt(value)) == h(hexed)
    assert same(dec(h(hexed)), JInt(value))


def test_short_and_byte_are_written_as_ints() -> None:
    assert enc(JShort(300)) == h("c9 2c")
    assert enc([JShort(-1)]) == h("79 8f")


def test_int_markers_refuse_values_outside_their_java_type() -> None:
    with pytest.raises(ValueError, match="does not fit a Java int"):
        JInt(2**31)
    with pytest.raises(ValueError, match="short"):
        JShort(40000)


# -- §3.3 long --------------------------------------------------------------------------------------------

LONG_FORMS = [
    (-8, "d8"),
    (15, "ef"),
    (-9, "f7 f7"),
    (16, "f8 10"),
    (-2048, "f0 00"),
    (2047, "ff ff"),
    (-2049, "3b f7 ff"),
    (2048, "3c 08 00"),
    (-262144, "38 00 00"),
    (262143, "3f ff ff"),
    (-262145, "59 ff fb ff ff"),
    (262144, "59 00 04 00 00"),
    (INT_MIN, "59 80 00 00 00"),
    (INT_MAX, "59 7f ff ff ff"),
    (INT_MIN - 1, "4c ff ff ff ff 7f ff ff ff"),
    (INT_MAX + 1, "4c 00 00 00 00 80 00 00 00"),
    (LONG_MIN, "4c 80 00 00 00 00 00 00 00"),
    (LONG_MAX, "4c 7f ff ff ff ff ff ff ff"),
]


@pytest.mark.parametrize(("value", "hexed"), LONG_FORMS)
def test_long_uses_the_shortest_form_at_each_boundary(value: int, hexed: str) -> None:
    assert enc(value) == h(hexed), "a plain int is a java.lang.Long"
    assert enc(JLong(value)) == h(hexed)
    assert same(dec(h(hexed)), JLong(value))


def test_an_int_beyond_64_bits_is_an_encode_error() -> None:
    with pytest.raises(HessianEncodeError, match="does not fit a Java long"):
        dumps(2**63)
    assert loads(dumps(JBigInteger(2**63))) == 2**63


# -- §3.4 double ------------------------------------------------------------------------------------------

DOUBLE_FORMS = [
    (0.0, "5b"),
    (-0.0, "5b"),
    (1.0, "5c"),
    (-1.0, "5d ff"),
    (127.0, "5d 7f"),
    (-128.0, "5d 80"),
    (128.0, "5e 00 80"),
    (-129.0, "5e ff 7f"),
    (32767.0, "5e 7f ff"),
    (-32768.0, "5e 80 00"),
    (32768.0, "5f 01 f4 00 00"),
    (-32769.0, "5f fe 0b fc 18"),
    (0.5, "5f 00 00 01 f4"),
    (0.001, "5f 00 00 00 01"),
    (2147483.647, "5f 7f ff ff ff"),
    (0.0001, "44" + struct.pack(">d", 0.0001).hex()),
    (2147483647.0, "44" + struct.pack(">d", 2147483647.0).hex()),
    (1e300, "44" + struct.pack(">d", 1e300).hex()),
    (float("inf"), "44 7f f0 00 00 00 00 00 00"),
    (float("-inf"), "44 ff f0 00 00 00 00 00 00"),
    (struct.unpack(">d", bytes.fromhex("7ff8000000000001"))[0], "44 7f f8 00 00 00 00 00 00"),
]


@pytest.mark.parametrize(("value", "hexed"), DOUBLE_FORMS)
def test_double_follows_java_write_double(value: float, hexed: str) -> None:
    assert enc(value) == h(hexed)
    got = dec(h(hexed))
    assert got == value or (math.isnan(got) and math.isnan(value))


def test_mill_form_is_read_as_thousandths_like_java() -> None:
    assert dec(h("5f 00 00 2f da")) == 12.25
    assert dec(h("5f ff ff ff ff")) == -0.001


def test_boxed_float_goes_through_its_shortest_decimal_text() -> None:
    assert enc(JFloat(1.1)) == h("5f 00 00 04 4c")
    assert enc(JFloat(0.1)) == h("5f 00 00 00 64")
    assert enc(JFloat(3.4028234663852886e38)) == h("44" + struct.pack(">d", 3.4028235e38).hex())
    assert enc(JFloat(1e39)) == h("44 7f f0 00 00 00 00 00 00"), "beyond float range is Infinity"


def test_float_array_elements_are_widened_without_the_text_step() -> None:
    widened = struct.unpack(">f", struct.pack(">f", 1.1))[0]
    assert enc(float_array([1.1])) == h('71 06 "[float" 44') + struct.pack(">d", widened)


# -- §3.5 date --------------------------------------------------------------------------------------------


def at_ms(ms: int) -> datetime.datetime:
    return datetime.datetime(1970, 1, 1, tzinfo=UTC) + datetime.timedelta(milliseconds=ms)


@pytest.mark.parametrize(
    ("ms", "hexed"),
    [
        (0, "4b 00 00 00 00"),
        (60000, "4b 00 00 00 01"),
        (-60000, "4b ff ff ff ff"),
        (1, "4a 00 00 00 00 00 00 00 01"),
        (-1, "4a ff ff ff ff ff ff ff ff"),
        (INT_MAX * 60000, "4b 7f ff ff ff"),
        ((INT_MAX + 1) * 60000, "4a 00 00 75 30 00 00 00 00"),
    ],
)
def test_date_uses_minutes_only_when_exact_and_in_int_range(ms: int, hexed: str) -> None:
    assert enc(at_ms(ms)) == h(hexed)
    assert dec(h(hexed)) == at_ms(ms)


def test_dates_outside_python_datetime_range_are_decode_errors() -> None:
    with pytest.raises(HessianError, match="outside Python's datetime range"):
        dec(h("4b 80 00 00 00"))


def test_naive_datetimes_are_utc_and_other_zones_are_converted() -> None:
    naive = datetime.datetime(1998, 5, 8, 9, 51, 31)
    assert enc(naive) == h("4a 00 00 00 d0 4b 92 84 b8")
    cet = datetime.datetime(1998, 5, 8, 10, 51, 31, tzinfo=datetime.timezone(datetime.timedelta(hours=1)))
    assert enc(cet) == h("4a 00 00 00 d0 4b 92 84 b8")
    decoded = dec(h("4a 00 00 00 d0 4b 92 84 b8"))
    assert decoded.tzinfo is UTC


def test_date_drops_microseconds_below_a_millisecond() -> None:
    assert enc(at_ms(1) + datetime.timedelta(microseconds=999)) == enc(at_ms(1))


# -- §3.6 string ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "header"),
    [(0, "00"), (31, "1f"), (32, "30 20"), (1023, "33 ff"), (1024, "53 04 00"), (0x8000, "53 80 00")],
)
def test_string_headers_at_each_boundary(n: int, header: str) -> None:
    data = enc("x" * n)
    assert data == h(header) + b"x" * n
    assert dec(data) == "x" * n


def test_strings_longer_than_0x8000_units_are_chunked_like_java() -> None:
    s = "y" * (0x8000 * 2 + 5)
    assert enc(s) == h("52 80 00") + b"y" * 0x8000 + h("52 80 00") + b"y" * 0x8000 + h("05") + b"yyyyy"
    assert dec(enc(s)) == s


def test_a_chunk_never_ends_on_a_high_surrogate() -> None:
    s = "a" * 32767 + "\U0001f600" + "b"  # unit 32768 would be the high half of the emoji
    data = enc(s)
    assert data == h("52 7f ff") + b"a" * 32767 + h("03 ed a0 bd ed b8 80 62")
    assert dec(data) == s


def test_supplementary_characters_count_two_units_and_use_cesu8() -> None:
    s = "a" * 30 + "\U0001f600"
    data = enc(s)
    assert data[:2] == h("30 20"), "31 characters are 32 UTF-16 units"
    assert b"\xf0" not in data, "never 4-byte UTF-8"
    assert dec(data) == s
    assert enc(JChar("\u00e9")) == h("01 c3 a9")


def test_lone_surrogates_survive_both_ways() -> None:
    assert enc("\ud83d") == h("01 ed a0 bd")
    assert dec(h("01 ed a0 bd")) == "\ud83d"
    assert dec(h("02 ed b8 80 ed a0 bd")) == "\ude00\ud83d", "a low then a high surrogate is not a pair"


def test_a_surrogate_pair_split_across_chunks_is_joined() -> None:
    assert dec(h("52 00 01 ed a0 bd 01 ed b8 80")) == "\U0001f600"


def test_decoder_is_as_lenient_as_java_with_overlong_forms() -> None:
    assert dec(h("01 c0 80")) == "\x00"


def test_non_ascii_strings_of_every_width_round_trip() -> None:
    for s in ["é" * 40, "中" * 1500, "\U0001f600" * 20000, "a中é\U0001f600" * 9000]:
        assert dec(enc(s)) == s


# -- §3.7 binary ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("n", "header"),
    [(0, "20"), (15, "2f"), (16, "34 10"), (1023, "37 ff"), (1024, "42 04 00"), (0xFFFF, "42 ff ff")],
)
def test_binary_headers_at_each_boundary(n: int, header: str) -> None:
    payload = bytes(range(256)) * (n // 256) + bytes(n % 256)
    data = enc(payload)
    assert data == h(header) + payload
    assert dec(data) == payload


def test_binary_over_65535_bytes_uses_A_chunks_then_a_final_piece() -> None:
    payload = b"z" * (0xFFFF + 20)
    assert enc(payload) == h("41 ff ff") + b"z" * 0xFFFF + h("34 14") + b"z" * 20
    assert dec(enc(payload)) == payload
    assert enc(bytearray(b"ab")) == enc(memoryview(b"ab")) == h("22 61 62")


def test_binary_chunks_of_any_size_decode() -> None:
    # node-modules/hessian.js test/fixtures/v2/bytes/32769.bin: eight 4093-byte A chunks, then 34 19.
    data = (h("41 0f fd") + b"A" * 4093) * 8 + h("34 19") + b"A" * 25
    assert dec(data) == b"A" * 32769
    assert dec(h("41 00 01 61 42 00 01 62")) == b"ab"
    assert dec(h("41 00 01 61 21 62")) == b"ab"


def test_byte_arrays_take_no_reference_slot() -> None:
    blob = b"xy"
    lst: list[Any] = []
    assert enc([blob, blob, lst, lst]) == h("7c 22 78 79 22 78 79 78 51 91")


# -- §3.8 list --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n", range(10))
def test_untyped_and_typed_list_forms_by_length(n: int) -> None:
    items = [JInt(1)] * n
    untyped = enc(items)
    typed = enc(JavaList("java.util.LinkedList", items))
    body = b"\x91" * n
    if n <= 7:
        assert untyped == bytes([0x78 + n]) + body
        assert typed == bytes([0x70 + n]) + h('14 "java.util.LinkedList"') + body
    else:
        assert untyped == h("58") + bytes([0x90 + n]) + body
        assert typed == h('56 14 "java.util.LinkedList"') + bytes([0x90 + n]) + body
    assert dec(untyped) == items
    assert same(dec(typed), JavaList("java.util.LinkedList", items))


def test_variable_length_lists_decode() -> None:
    assert dec(h("57 91 92 5a")) == [1, 2]
    assert same(dec(h('55 04 "[int" 91 5a')), JavaList("[int", [JInt(1)]))
    assert dec(h("58 49 00 00 00 02 91 92")) == [1, 2], "a length in any int form"


def test_tuples_and_sets_are_written_as_java_collections() -> None:
    assert enc((JInt(1), "a")) == h("7a 91 01 61")
    assert enc({JInt(1)}) == h('71 11 "java.util.HashSet" 91')
    assert dec(enc(frozenset({"x"}))) == JavaList("java.util.HashSet", ["x"])


def test_type_names_are_written_once_then_referred_to_by_index() -> None:
    # spec §3.10: two LinkedList[x] in one stream
    a = JavaList("java.util.LinkedList", [JInt(1)])
    b = JavaList("java.util.LinkedList", [JInt(2)])
    data = stream(a, b)
    assert data == h('71 14 "java.util.LinkedList" 91 71 90 92')
    assert same(read_all(data), [a, b])
    # the type table is shared by lists and maps
    m = JavaMap("java.util.TreeMap", {})
    data = stream(m, JavaList("java.util.TreeMap", []), a, JavaMap("java.util.LinkedList", {}))
    assert data == h('4d 11 "java.util.TreeMap" 5a 70 90 71 14 "java.util.LinkedList" 91 4d 91 5a')
    assert [x.java_type for x in read_all(data)] == ["java.util.TreeMap"] * 2 + ["java.util.LinkedList"] * 2


# -- §3.9 map ---------------------------------------------------------------------------------------------


def test_untyped_and_typed_maps() -> None:
    assert enc({"a": JInt(1)}) == h("48 01 61 91 5a")
    assert enc(JavaMap("java.util.LinkedHashMap", {"a": None})) == h('4d 17 "java.util.LinkedHashMap" 01 61 4e 5a')
    assert same(dec(h('4d 17 "java.util.LinkedHashMap" 01 61 4e 5a')), JavaMap("java.util.LinkedHashMap", {"a": None}))


def test_maps_keep_entry_order_and_accept_any_hashable_key() -> None:
    m = {JInt(3): "c", None: "n", "k": [1], 2.5: True, JavaEnum("E", "A"): 1}
    assert list(dec(enc(m))) == list(m)


# -- §3.11 objects and class definitions -----------------------------------------------------------------


def test_a_class_is_defined_once_per_stream_across_top_level_values() -> None:
    data = stream(User("a", 1), User("b", 2))
    assert data == h('43 10 "org.example.User" 92 03 "age" 04 "name" 60 91 01 61 60 92 01 62')
    assert read_all(data) == [User("a", 1), User("b", 2)]
    again = stream(User("a", 1))
    assert again.startswith(b"C"), "a new stream defines the class again"


def test_more_than_16_classes_use_the_O_form() -> None:
    objects = [JavaObject(f"C{i}", {"v": JInt(i)}) for i in range(18)]
    data = stream(*objects)
    assert h('43 03 "C16" 91 01 "v" 4f a0 a0') in data
    assert h('43 03 "C17" 91 01 "v" 4f a1 a1') in data
    assert same(read_all(data), objects)
    assert same(read_all(data + h("4f a0 91")), [*objects, JavaObject("C16", {"v": JInt(1)})])


def test_java_objects_re_encode_to_the_bytes_they_came_from() -> None:
    inner = JavaObject("org.example.Inner", {"x": JInt(1), "when": at_ms(60000)})
    outer = JavaObject("org.example.Outer", {"inner": inner, "again": inner, "list": JavaList("[int", [JInt(5)])})
    data = enc(outer)
    assert enc(dec(data)) == data


def test_bigdecimal_uses_java_to_string() -> None:
    for text, wire in [("123.45", "123.45"), ("1E+3", "1E+3"), ("1.23E-7", "1.23E-7"), ("-0.00", "0.00")]:
        data = enc(decimal.Decimal(text))
        assert data.endswith(bytes([len(wire)]) + wire.encode())
        assert dec(data) == decimal.Decimal(wire)
    with pytest.raises(HessianEncodeError, match="BigDecimal"):
        dumps(decimal.Decimal("NaN"))


def test_uuid_and_biginteger() -> None:
    u = uuid.uuid4()
    assert dec(enc(u)) == u
    one = enc(JBigInteger(1))
    assert one.startswith(h('43 14 "java.math.BigInteger" 96 03 "mag"'))
    assert one.endswith(h('60 71 04 "[int" 91 90 90 90 90 91'))
    for v in [0, -1, 2**31, -(2**100) + 7, 2**64 - 1]:
        got = dec(enc(JBigInteger(v)))
        assert type(got) is JBigInteger
        assert got == v


# -- §3.12 references -------------------------------------------------------------------------------------


def test_repeated_mutable_values_become_references_and_cycles_resolve() -> None:
    shared: dict[str, Any] = {"k": 1}
    assert enc([shared, shared]) == h("7a 48 01 6b e1 5a 51 91")
    a, b = dec(enc([shared, shared]))
    assert a is b
    cyc: dict[str, Any] = {}
    cyc["self"] = cyc
    assert enc(cyc) == h('48 04 "self" 51 90 5a')
    back = dec(enc(cyc))
    assert back["self"] is back


def test_mutual_cycles_between_lists_maps_and_objects() -> None:
    obj = JavaObject("org.example.Node", {"next": None, "items": []})
    lst = [obj]
    obj.fields["next"] = obj
    obj.fields["items"].append(lst)
    back = dec(enc(lst))
    node = back[0]
    assert node.fields["next"] is node
    assert node.fields["items"][0] is back


def test_tuples_take_a_slot_but_are_never_referred_to() -> None:
    t = ("x",)
    shared: list[Any] = []
    data = enc([t, t, shared, shared])
    assert data == h("7c 79 01 78 79 01 78 78 51 93")
    got = dec(data)
    assert got[2] is got[3]
    assert got[0] is not got[1]


def test_references_count_across_top_level_values() -> None:
    shared = [1]
    data = stream(shared, "x", shared)
    assert data == h("79 e1 01 78 51 90")
    first, _, third = read_all(data)
    assert first is third


def test_enums_take_reference_slots() -> None:
    data = enc([Color.RED, Color.GREEN, Color.RED, JavaEnum("org.x.E", "A")])
    assert data == h(
        '7c 43 11 "org.example.Color" 91 04 "name" 60 03 "RED" 60 05 "GREEN" 51 91'
        ' 43 07 "org.x.E" 91 04 "name" 61 01 "A"'
    )
    assert dec(data) == [Color.RED, Color.GREEN, Color.RED, JavaEnum("org.x.E", "A")]


# -- exceptions -------------------------------------------------------------------------------------------


def test_throwable_without_cause_refers_to_itself() -> None:
    data = enc(JavaThrowable("java.lang.IllegalStateException", "bad"))
    assert data.endswith(h('51 90 03 "bad"'))
    exc = dec(data)
    assert exc.fields["cause"] is exc
    assert exc.message == "bad"
    assert exc.args == ("bad",)


def test_throwable_with_a_cause_and_the_shared_empty_suppressed_list() -> None:
    root = JavaThrowable("java.io.IOException", "disk")
    top = JavaThrowable("java.lang.RuntimeException", "wrapped")
    top.__cause__ = root
    data = enc(top)
    back = dec(data)
    assert back.cause is not None
    assert back.__cause__ is back.fields["cause"]
    assert back.cause.message == "disk"
    # Java's Throwable shares one Collections.emptyList() for suppressedExceptions: the second
    # exception refers to the list the first one wrote (ref slot 1: slot 0 is the outer exception).
    assert back.cause.fields["suppressedExceptions"] is back.fields["suppressedExceptions"]
    assert h('43 13 "java.io.IOException"') in data
    assert h("61 51 91 70") in data


def test_decoded_exceptions_re_encode_identically() -> None:
    trace = JavaList(
        "[java.lang.StackTraceElement",
        [
            JavaObject(
                "java.lang.StackTraceElement",
                {"declaringClass": "Foo", "methodName": "bar", "fileName": "Foo.java", "lineNumber": JInt(3)},
            )
        ],
    )
    exc = JavaThrowable(
        "org.example.MyException",
        "m",
        {
            "suppressedExceptions": JavaList("java.util.Collections$EmptyList"),
            "stackTrace": trace,
            "cause": None,
            "detailMessage": "m",
            "code": JInt(7),
        },
    )
    data = enc(exc)
    back = dec(data)
    assert back.stack_trace[0]["methodName"] == "bar"
    assert enc(back) == data


def test_unknown_classes_named_like_exceptions_decode_as_java_throwable() -> None:
    data = h('43 10 "com.x.FooFailure" 92 0a "stackTrace" 0d "detailMessage" 60 4e 02 "no"')
    exc = dec(data)
    assert isinstance(exc, JavaThrowable)
    assert str(exc) == "com.x.FooFailure: no"


# -- declared Java types (write_as / read_as) --------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "java_type", "hexed"),
    [
        (5, "int", "95"),
        (5, "java.lang.Integer", "95"),
        (5, "long", "e5"),
        (5, "double", "5d 05"),
        (1.1, "float", "5f 00 00 04 4c"),
        ("a", "char", "01 61"),
        (None, "int", "4e"),
        ([1, 2], "[I", '72 04 "[int" 91 92'),
        ([1, 2], "int[]", '72 04 "[int" 91 92'),
        (["a"], "[Ljava.lang.String;", '71 07 "[string" 01 61'),
        ([[1]], "[[I", '71 05 "[[int" 71 04 "[int" 91'),
        ([1], "java.util.List<java.lang.Integer>", "79 91"),
        ({"a": 1}, "java.util.Map<java.lang.String,java.lang.Integer>", "48 01 61 91 5a"),
        (b"ab", "[B", "22 61 62"),
        ("hi", "[C", "02 68 69"),
        ("1.5", "java.math.BigDecimal", '43 14 "java.math.BigDecimal" 91 05 "value" 60 03 "1.5"'),
    ],
)
def test_write_as_uses_the_declared_type(value: Any, java_type: str, hexed: str) -> None:
    e = Hessian2Encoder()
    e.write_as(value, java_type)
    assert e.getvalue() == h(hexed)


def test_write_as_rejects_values_that_do_not_fit() -> None:
    with pytest.raises(HessianEncodeError, match="int"):
        Hessian2Encoder().write_as("x", "int")
    with pytest.raises(HessianEncodeError, match="int cannot be written from a int"):
        Hessian2Encoder().write_as(2**40, "int")
    with pytest.raises(HessianEncodeError, match="char cannot be written from a str"):
        Hessian2Encoder().write_as("ab", "char")


def test_elements_of_generic_collections_prefer_the_declared_type_java_erases_it() -> None:
    e = Hessian2Encoder()
    e.write_as([1, "x", 2**40], "java.util.List<java.lang.Integer>")
    assert e.getvalue() == h("7b 91 01 78 4c 00 00 01 00 00 00 00 00")


@pytest.mark.parametrize(
    ("hexed", "java_type", "expected"),
    [
        ("e5", "int", 5),
        ("4c 00 00 00 01 00 00 00 05", "int", 5),
        ("5f 00 00 0b b8", "int", 3),
        ("95", "double", 5.0),
        ("4e", "int", 0),
        ("4e", "java.lang.Integer", None),
        ("54", "int", 1),
        ("95", "boolean", True),
        ("91", "java.lang.String", "1"),
        ("01 61", "char", "a"),
    ],
)
def test_read_as_converts_like_java_typed_reads(hexed: str, java_type: str, expected: Any) -> None:
    got = Hessian2Decoder(h(hexed)).read_as(java_type)
    assert got == expected
    assert type(got) is type(expected)


def test_read_as_rejects_values_java_would_reject() -> None:
    with pytest.raises(HessianError, match="cannot read a int"):
        Hessian2Decoder(h("01 61")).read_as("int")


def test_same_class_name_with_other_fields_in_another_message_is_read_with_its_own_fields() -> None:
    # the decoder remembers definitions across messages; a peer may still send another field set
    first = dec(enc(JavaObject("org.example.Versioned", {"a": JInt(1)})))
    second = dec(enc(JavaObject("org.example.Versioned", {"b": JInt(2), "a": JInt(3)})))
    again = dec(enc(JavaObject("org.example.Versioned", {"a": JInt(4)})))
    assert [first.fields, second.fields, again.fields] == [{"a": 1}, {"b": 2, "a": 3}, {"a": 4}]
