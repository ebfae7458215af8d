"""Hostile and broken input: every case is a HessianError naming the byte offset (never IndexError,
RecursionError, MemoryError or a silent wrong value), raised before allocating for absurd sizes."""

from __future__ import annotations

import contextlib
import re
from typing import Any

import pytest
from hessian2_support import REG, Color, User, enc, h
from hypothesis import given, settings
from hypothesis import strategies as st

from dubbopy.errors import DecodeError
from dubbopy.serialization.hessian2 import (
    Hessian2Decoder,
    Hessian2Encoder,
    HessianEncodeError,
    HessianError,
    HessianLimitError,
    JavaObject,
    JavaThrowable,
    loads,
)


def fails(data: bytes, pattern: str, offset: int | None = None, **limits: Any) -> HessianError:
    with pytest.raises(HessianError, match=pattern) as info:
        loads(data, registry=REG, **limits)
    if offset is not None:
        assert info.value.offset == offset
        assert f"byte offset {offset}" in str(info.value)
    return info.value


def test_hessian_errors_are_decode_errors() -> None:
    err = fails(h("40"), "unknown tag 0x40", 0)
    assert isinstance(err, DecodeError)


@pytest.mark.parametrize("tag", ["40", "45", "47", "50"])
def test_reserved_tags(tag: str) -> None:
    fails(h("79 " + tag), f"unknown tag 0x{tag}", 1)


def test_end_marker_outside_a_container() -> None:
    fails(h("5a"), "end marker", 0)


def test_every_truncation_of_a_rich_stream_is_a_clean_error() -> None:
    exc = JavaThrowable("java.lang.RuntimeException", "boom")
    value = [User("a", 1), Color.RED, {"k": [1.5, 2**40, "中文\U0001f600", b"\x00" * 20]}, exc, "x" * 40]
    data = enc(value)
    for cut in range(len(data)):
        with pytest.raises(HessianError, match=r"input ends|bytes left") as info:
            loads(data[:cut], registry=REG)
        assert info.value.offset is not None
        assert info.value.offset <= cut


def test_trailing_bytes() -> None:
    fails(h("90 90"), "1 trailing byte", 1)


def test_reference_to_an_undefined_index() -> None:
    fails(h("51 90"), r"reference to undefined value #0 \(0 defined", 0)
    fails(h("7a 78 51 93"), r"undefined value #3 \(2 defined", 2)


def test_reference_to_a_value_still_being_built() -> None:
    # An enum whose name field refers to the enum itself.
    fails(h('43 11 "org.example.Color" 91 04 "name" 60 51 90'), "still being read")


def test_class_definition_with_an_absurd_field_count() -> None:
    err = fails(h('43 03 "a.B" 49 7f ff ff ff'), "class field count 2147483647 is more than the 0 bytes left", 5)
    assert err.expected == "class field count"
    fails(h('43 03 "a.B" 49 ff ff ff ff'), "negative class field count")
    fails(h('43 03 "a.B" 93 01 61'), "class field count 3 is more than the 2 bytes left", 5)


def test_object_of_an_undefined_class() -> None:
    fails(h("60"), r"undefined class #0 \(0 defined", 0)
    fails(h('7a 43 03 "a.B" 90 60 4f 99'), r"undefined class #9 \(1 defined", 8)


def test_type_reference_to_an_undefined_type() -> None:
    fails(h("71 95 91"), r"type reference #5 is undefined \(0 types", 1)


@pytest.mark.parametrize(
    ("hexed", "offset", "byte"),
    [("01 80", 1, "0x80"), ("02 61 bf", 2, "0xbf"), ("01 f0 9f 98 80", 1, "0xf0"), ("01 ff", 1, "0xff")],
)
def test_bad_utf8_lead_bytes(hexed: str, offset: int, byte: str) -> None:
    err = fails(h(hexed), f"bad UTF-8 lead byte {byte}", offset)
    assert err.expected is not None
    assert "lead byte" in err.expected


def test_truncated_strings_and_utf8_sequences() -> None:
    fails(h("03 61 62"), "input ends inside a string", 1)
    fails(h("01 e4 b8"), "input ends inside a string", 1)
    fails(h("52 00 02 61"), "input ends")
    fails(h("52 00 01 61"), "next string chunk", 4)
    fails(h("52 00 01 61 90"), "expected a string chunk, got tag 0x90", 4)


def test_lengths_beyond_the_input_are_rejected_before_allocating() -> None:
    fails(h("58 49 7f ff ff ff"), "list length 2147483647 is more than the 0 bytes left", 0)
    fails(h("56 01 61 49 7f ff ff ff"), "list length", 0)
    fails(h("58 49 ff ff ff ff"), "negative list length", 0)
    fails(h("42 ff ff 00"), "input ends inside binary data", 3)
    fails(h("53 ff ff 61"), "input ends inside a string", 3)


def test_binary_chunk_continuations_must_be_binary() -> None:
    fails(h("41 00 01 61 01 61"), "expected a binary chunk, got tag 0x01", 4)


def test_integers_expected_where_java_reads_an_int() -> None:
    fails(h("51 01 61"), r"expected an integer \(a reference index\)", 1)
    fails(h('43 03 "a.B" 54'), r"expected an integer \(a field count\)", 5)
    fails(h("43 91"), r"expected a string \(a class name\)", 1)


def test_nesting_beyond_max_depth() -> None:
    deep = h("79") * 70 + h("78")
    err = fails(deep, "nested more than 64 levels")
    assert isinstance(err, HessianLimitError)
    assert loads(h("79") * 10 + h("78"), max_depth=11) is not None
    fails(h("57") * 100 + h("5a") * 100, "nested more than 64")
    fails(h("48 01 61") * 100, "nested more than 64")
    fails(h('43 01 "N" 91 01 "n"') + h("60") * 100, "nested more than 64")


def test_nesting_beyond_the_python_stack_is_still_a_hessian_error() -> None:
    deep = h("79") * 100_000 + h("78")
    with pytest.raises(HessianError, match=r"nested (more than|too deeply)"):
        loads(deep, max_depth=1_000_000)


def test_encoder_depth_limit_and_cycles() -> None:
    nested: list[Any] = []
    cur = nested
    for _ in range(100):
        cur.append([])
        cur = cur[0]
    with pytest.raises(HessianEncodeError, match="nested more than 64"):
        Hessian2Encoder().write(nested)
    cyc: list[Any] = []
    cyc.append(cyc)
    assert enc(cyc) == h("79 51 90"), "cycles are references, not depth"


def test_collection_and_string_limits() -> None:
    fails(h("58 93 90 90 90"), "exceeds max_collection=2", max_collection=2)
    fails(h("57 90 90 90 5a"), "longer than max_collection=2", max_collection=2)
    fails(h("48 90 90 91 91 92 92 5a"), "larger than max_collection=2", max_collection=2)
    fails(h("03 61 61 61"), "exceeds max_string=2", max_string=2)
    fails(h("79 03 61 61 61"), "exceeds max_string=2", max_string=2)
    fails(h("48 90 03 61 61 61 5a"), "exceeds max_string=2", max_string=2)
    fails(h("48 03 61 61 61 90 5a"), "exceeds max_string=2", max_string=2)
    fails(h("52 00 02 61 61 01 61"), "longer than max_string=2", max_string=2)
    fails(h("23 01 02 03"), "exceeds max_binary=2", max_binary=2)


def test_unhashable_map_keys() -> None:
    fails(h("48 78 90 5a"), "map key of type list")


def test_bad_values_of_known_jdk_classes() -> None:
    fails(h('43 14 "java.math.BigDecimal" 91 05 "value" 60 03 "abc"'), "bad java.math.BigDecimal value 'abc'")
    fails(h('43 0e "java.util.UUID" 91 05 "value" 60 90'), "bad java.util.UUID value 0")
    fails(h('43 14 "java.math.BigInteger" 92 06 "signum" 03 "mag" 60 95 78'), "bad java.math.BigInteger")


def test_registered_enum_without_name_field() -> None:
    fails(h('43 11 "org.example.Color" 91 05 "other" 60 90'), "defined without a 'name' field", 0)


def test_errors_leave_no_partial_state_that_reads_on() -> None:
    d = Hessian2Decoder(h("91 40 92"))
    assert d.read() == 1
    with pytest.raises(HessianError):
        d.read()
    assert d.position == 2


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=64))
def test_random_bytes_decode_or_fail_cleanly(data: bytes) -> None:
    try:
        loads(data, registry=REG)
    except HessianError as exc:
        error: HessianError | None = exc
    else:
        error = None
    assert error is None or error.offset is None or re.search(r"byte offset \d+", str(error))


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mutated_valid_streams_decode_or_fail_cleanly(data: st.DataObject) -> None:
    base = bytearray(enc([User("a", 1), {"k": [1, "中文", 2.5, Color.GREEN]}, JavaObject("x.Y", {"s": None})]))
    for _ in range(data.draw(st.integers(1, 4))):
        base[data.draw(st.integers(0, len(base) - 1))] = data.draw(st.integers(0, 255))
    with contextlib.suppress(HessianError):
        loads(bytes(base), registry=REG)


def test_typed_array_elements_must_have_the_element_type() -> None:
    fails(h('71 04 "[int" 01 61'), r"bad element in a \[int array: a str is not a number", 0)
    fails(h('71 05 "[[int" 91'), r"bad element in a \[\[int array: a int is not a \[int", 0)
    fails(h('71 06 "[[byte" 91'), r"a int is not a \[byte", 0)
    fails(h('71 15 "[java.math.BigDecimal" 01 61'), r"a str is not a java.math.BigDecimal", 0)
    assert loads(h('72 04 "[int" e1 5f 00 00 0b b8')) == [1, 3], "Java's readInt converts long and double"
