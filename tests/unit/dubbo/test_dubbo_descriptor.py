"""JVM parameter descriptors (spec/dubbo-protocol.md §2.1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dubbopy.errors import ConfigError, DecodeError
from dubbopy.protocol.dubbo.descriptor import (
    GENERIC_DESCRIPTOR,
    GENERIC_PARAMETER_TYPES,
    canonical_type,
    erasure,
    java_descriptor,
    parse_descriptor,
    type_descriptor,
)

SPEC_TABLE = [
    (["java.lang.String"], "Ljava/lang/String;"),
    (["int", "[I"], "I[I"),
    (["[Ljava.lang.String;", "long"], "[Ljava/lang/String;J"),
    (["java.util.List", "java.util.Map", "[[I"], "Ljava/util/List;Ljava/util/Map;[[I"),
    ([], ""),
]


@pytest.mark.parametrize(("names", "descriptor"), SPEC_TABLE)
def test_spec_table_both_ways(names: list[str], descriptor: str) -> None:
    assert java_descriptor(names) == descriptor
    assert parse_descriptor(descriptor) == names


def test_every_primitive_and_inner_classes() -> None:
    names = ["boolean", "byte", "char", "double", "float", "int", "long", "short", "org.example.Outer$Inner"]
    assert java_descriptor(names) == "ZBCDFIJSLorg/example/Outer$Inner;"
    assert parse_descriptor("ZBCDFIJSLorg/example/Outer$Inner;") == names


def test_source_style_arrays_are_accepted_on_input() -> None:
    assert type_descriptor("int[]") == "[I"
    assert type_descriptor("java.lang.String[][]") == "[[Ljava/lang/String;"
    assert java_descriptor(["org.example.User[]"]) == "[Lorg/example/User;"


def test_type_arguments_are_dropped_from_the_descriptor_and_kept_in_the_name() -> None:
    assert erasure("java.util.Map<java.lang.String, java.util.List<java.lang.Integer>>[]") == "java.util.Map[]"
    assert java_descriptor(["java.util.List<java.lang.Integer>", "java.util.Map<K, V>[]"]) == (
        "Ljava/util/List;[Ljava/util/Map;"
    )
    assert canonical_type("java.util.List<java.lang.Integer>") == "java.util.List<java.lang.Integer>"
    assert canonical_type("int[]") == "[I"
    assert canonical_type("java.lang.String[]") == "[Ljava.lang.String;"
    with pytest.raises(ConfigError, match="unclosed"):
        type_descriptor("java.util.List<java.lang.Integer")


def test_generic_invoke_descriptor() -> None:
    assert java_descriptor(GENERIC_PARAMETER_TYPES) == GENERIC_DESCRIPTOR
    assert GENERIC_DESCRIPTOR == "Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/Object;"


@pytest.mark.parametrize("bad", ["", "java lang", "1abc", "[X", "[", "void[]x", "a..b", "[Ljava.lang.String"])
def test_bad_type_names_are_config_errors(bad: str) -> None:
    with pytest.raises(ConfigError):
        type_descriptor(bad)


@pytest.mark.parametrize(
    ("bad", "why"),
    [
        ("Ljava/lang/String", "no closing ';'"),
        ("[", "ends inside an array type"),
        ("Q", "unexpected 'Q'"),
        ("[V", "unexpected 'V'"),
        ("L;", "is not a class name"),
        ("Ljava//String;", "is not a class name"),
    ],
)
def test_malformed_descriptors_are_decode_errors(bad: str, why: str) -> None:
    with pytest.raises(DecodeError, match=why):
        parse_descriptor(bad)


def test_very_long_descriptor_is_parsed_without_caching() -> None:
    descriptor = "I" * 10_000
    assert parse_descriptor(descriptor) == ["int"] * 10_000


identifier = st.from_regex(r"[a-z][a-zA-Z0-9_$]{0,8}", fullmatch=True)
class_name = st.lists(identifier, min_size=1, max_size=4).map(".".join)
component = st.one_of(
    st.sampled_from(["boolean", "byte", "char", "double", "float", "int", "long", "short"]), class_name
)


@given(st.lists(st.tuples(component, st.integers(min_value=0, max_value=3)), max_size=8))
def test_round_trip_of_random_parameter_lists(items: list[tuple[str, int]]) -> None:
    names = [name + "[]" * dims for name, dims in items]
    descriptor = java_descriptor(names)
    parsed = parse_descriptor(descriptor)
    assert len(parsed) == len(names)
    assert java_descriptor(parsed) == descriptor
