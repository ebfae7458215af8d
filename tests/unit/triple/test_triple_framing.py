"""5-byte length-prefixed message framing (spec/triple.md §1.2)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dubbopy.errors import ConfigError, ProtocolError
from dubbopy.protocol.triple.codec.framing import (
    EMPTY_MESSAGE,
    MessageDecoder,
    MessageTooLargeError,
    encode_header,
    encode_message,
    encode_message_parts,
)

# spec/triple.md §3.3: GreetingsService.sayHi("world") wrapped in TripleRequestWrapper.
WRAPPER_BODY = bytes.fromhex(
    "0a086865737369616e34"  # 1: "hessian4"
    "120605776f726c64"  # 2: hessian("world")
    "1a106a6176612e6c616e672e537472696e67"  # 3: "java.lang.String"
)
WRAPPER_FRAME = bytes.fromhex("0000000024") + WRAPPER_BODY


def test_spec_request_vector_encodes_to_the_documented_prefix() -> None:
    assert len(WRAPPER_BODY) == 0x24
    assert encode_message(WRAPPER_BODY) == WRAPPER_FRAME
    assert encode_message(WRAPPER_BODY, compressed=False)[:5].hex(" ") == "00 00 00 00 24"


def test_spec_request_vector_decodes() -> None:
    assert MessageDecoder().feed(WRAPPER_FRAME) == [(False, WRAPPER_BODY)]


def test_empty_message_is_five_zero_bytes() -> None:
    assert encode_message(b"") == EMPTY_MESSAGE == bytes.fromhex("0000000000")
    assert MessageDecoder().feed(EMPTY_MESSAGE) == [(False, b"")]


def test_compressed_flag_and_big_endian_length() -> None:
    assert encode_header(0x01020304, compressed=True) == bytes.fromhex("0101020304")
    assert MessageDecoder().feed(bytes.fromhex("0100000002") + b"hi") == [(True, b"hi")]


def test_parts_variant_returns_header_and_the_same_payload_object() -> None:
    payload = b"payload"
    header, body = encode_message_parts(payload, compressed=True)
    assert header == bytes.fromhex("0100000007")
    assert body is payload


def test_header_for_length_beyond_32_bits_is_refused() -> None:
    with pytest.raises(ProtocolError, match="cannot be framed"):
        encode_header(2**32)


def test_many_messages_in_one_feed_and_one_message_over_many_feeds() -> None:
    decoder = MessageDecoder()
    data = encode_message(b"a") + encode_message(b"") + encode_message(b"ccc", compressed=True)
    assert decoder.feed(data) == [(False, b"a"), (False, b""), (True, b"ccc")]

    frame = encode_message(b"0123456789")
    results = [decoder.feed(frame[i : i + 1]) for i in range(len(frame))]
    assert results[:-1] == [[]] * (len(frame) - 1)
    assert results[-1] == [(False, b"0123456789")]
    decoder.eof()


def test_pending_counts_header_and_partial_body() -> None:
    decoder = MessageDecoder()
    frame = encode_message(b"abcdef")
    decoder.feed(frame[:3])
    assert decoder.pending == 3
    decoder.feed(frame[3:8])
    assert decoder.pending == 8
    assert decoder.feed(frame[8:]) == [(False, b"abcdef")]
    assert decoder.pending == 0


@pytest.mark.parametrize("data", [bytearray(b"\x00\x00\x00\x00\x01x"), memoryview(b"\x00\x00\x00\x00\x01x")])
def test_accepts_bytearray_and_memoryview_and_returns_bytes(data: bytearray | memoryview) -> None:
    [(compressed, payload)] = MessageDecoder().feed(data)
    assert type(payload) is bytes
    assert (compressed, payload) == (False, b"x")


def test_input_buffer_is_not_retained() -> None:
    source = bytearray(encode_message(b"abc") + b"\x00\x00")
    decoder = MessageDecoder()
    decoder.feed(source)
    source.extend(b"more")  # would raise BufferError if the decoder still held a view of it
    source[:] = b""
    assert decoder.feed(b"\x00\x00\x01z") == [(False, b"z")]


@pytest.mark.parametrize("flags", [0x02, 0x80, 0xFE, 0x03])
def test_reserved_flag_bits_are_a_protocol_error(flags: int) -> None:
    decoder = MessageDecoder()
    with pytest.raises(ProtocolError, match="gRPC frame header malformed: reserved flag bits set") as info:
        decoder.feed(bytes([flags]) + b"\x00\x00\x00\x01x")
    assert not isinstance(info.value, MessageTooLargeError)
    with pytest.raises(ProtocolError, match="already failed"):
        decoder.feed(b"")
    with pytest.raises(ProtocolError, match="already failed"):
        decoder.eof()


def test_too_large_raises_on_the_header_before_the_body_arrives() -> None:
    decoder = MessageDecoder(max_message_size=10)
    assert decoder.feed(encode_message(b"x" * 10)) == [(False, b"x" * 10)]
    with pytest.raises(MessageTooLargeError) as info:
        decoder.feed(bytes.fromhex("000000000b"))  # header only: 11 bytes announced
    assert (info.value.size, info.value.limit) == (11, 10)
    assert "11 bytes" in str(info.value)
    assert "10 bytes" in str(info.value)
    assert isinstance(info.value, ProtocolError)


def test_too_large_header_split_across_feeds() -> None:
    decoder = MessageDecoder(max_message_size=1000)
    assert decoder.feed(b"\x00\x00\x01") == []
    with pytest.raises(MessageTooLargeError):
        decoder.feed(b"\x00\x00")  # 0x010000 = 65536 announced


def test_default_limit_is_4_mib_and_none_means_unlimited() -> None:
    assert MessageDecoder().max_message_size == 4 * 1024 * 1024
    with pytest.raises(MessageTooLargeError):
        MessageDecoder().feed(encode_header(4 * 1024 * 1024 + 1))
    assert MessageDecoder(None).feed(encode_header(2**32 - 1)) == []


def test_negative_limit_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="max_message_size"):
        MessageDecoder(-1)


def test_eof_inside_a_message_is_an_error() -> None:
    decoder = MessageDecoder()
    decoder.feed(encode_message(b"abcdef")[:7])
    with pytest.raises(ProtocolError, match="got 2 of 6 bytes"):
        decoder.eof()


def test_eof_inside_a_header_is_an_error() -> None:
    decoder = MessageDecoder()
    decoder.feed(b"\x00\x00")
    with pytest.raises(ProtocolError, match="header: got 2 of 5 bytes"):
        decoder.eof()


def test_eof_between_messages_is_fine() -> None:
    decoder = MessageDecoder()
    decoder.feed(encode_message(b"a"))
    decoder.eof()


@given(
    messages=st.lists(st.tuples(st.booleans(), st.binary(max_size=300)), max_size=12),
    cuts=st.lists(st.integers(min_value=0, max_value=4000), max_size=20),
    as_view=st.booleans(),
)
def test_round_trip_with_arbitrary_splits(messages: list[tuple[bool, bytes]], cuts: list[int], as_view: bool) -> None:
    wire = b"".join(encode_message(payload, compressed) for compressed, payload in messages)
    points = sorted({0, len(wire), *(c for c in cuts if c <= len(wire))})
    decoder = MessageDecoder()
    decoded: list[tuple[bool, bytes]] = []
    for start, stop in itertools.pairwise(points):
        chunk = wire[start:stop]
        decoded += decoder.feed(memoryview(chunk) if as_view else chunk)
    decoder.eof()
    assert decoded == messages
    assert decoder.pending == 0
