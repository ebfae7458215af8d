"""Triple wrapper envelopes against the bytes of spec/triple.md §3.3 (Java field order)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dubbopy.errors import DecodeError
from dubbopy.protocol.triple.wrapper import (
    RequestWrapper,
    ResponseWrapper,
    decode_request,
    decode_response,
    encode_request,
    encode_response,
)

# GreetingsService.sayHi("world"): the request message after the 5-byte prefix 00 00 00 00 24
REQUEST = bytes.fromhex("0a086865737369616e34120605776f726c641a106a6176612e6c616e672e537472696e67")
# its response: "hi, world"
RESPONSE = bytes.fromhex("0a086865737369616e34120a0968692c20776f726c641a106a6176612e6c616e672e537472696e67")


def test_request_bytes_equal_javas() -> None:
    wrapper = RequestWrapper("hessian4", [bytes.fromhex("05776f726c64")], ["java.lang.String"])
    assert encode_request(wrapper) == REQUEST
    assert len(REQUEST) == 0x24
    assert decode_request(REQUEST) == wrapper


def test_response_bytes_equal_javas() -> None:
    wrapper = ResponseWrapper("hessian4", bytes.fromhex("0968692c20776f726c64"), "java.lang.String")
    assert encode_response(wrapper) == RESPONSE
    assert len(RESPONSE) == 0x28
    assert decode_response(RESPONSE) == wrapper


def test_response_without_data_still_writes_the_type_field() -> None:
    encoded = encode_response(ResponseWrapper("hessian2", None, ""))
    assert encoded == bytes.fromhex("0a086865737369616e321a00")
    assert decode_response(encoded) == ResponseWrapper("hessian2", None, "")


def test_dubbo_go_response_written_as_a_one_arg_request_reads_as_a_response() -> None:
    as_request = encode_request(RequestWrapper("hessian2", [b"\x91"], ["int"]))
    assert decode_response(as_request) == ResponseWrapper("hessian2", b"\x91", "int")


@given(
    st.text(max_size=20),
    st.lists(st.binary(max_size=300), max_size=5),
    st.lists(st.text(max_size=40), max_size=5),
)
def test_round_trip(serialize_type: str, args: list[bytes], arg_types: list[str]) -> None:
    wrapper = RequestWrapper(serialize_type, args, arg_types)
    assert decode_request(encode_request(wrapper)) == wrapper


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x0a\x05abc", "runs past the end"),
        (b"\x0a", "truncated"),
        (b"\x0b\x00", "wire type 3"),
        (b"\x12\x02\xff\xfe\x1a\x02\xff\xfe", "not UTF-8"),
    ],
)
def test_garbage_is_a_clear_error(data: bytes, message: str) -> None:
    with pytest.raises(DecodeError, match=message):
        decode_request(data)
