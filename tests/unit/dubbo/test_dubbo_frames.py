"""Dubbo frame header and the incremental frame decoder (spec/dubbo-protocol.md §1, §4, §7)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dubbopy.errors import ConfigError, ProtocolError
from dubbopy.protocol.dubbo.frames import (
    DEFAULT_PAYLOAD,
    Frame,
    FrameDecoder,
    FrameError,
    Header,
    PayloadLimitError,
    Status,
    pack_header,
)

# spec §7: heartbeat request / response and the readonly event, byte for byte
HEARTBEAT_REQUEST = bytes.fromhex("dabbe2000000000000000002000000014e")
HEARTBEAT_RESPONSE = bytes.fromhex("dabb22140000000000000002000000014e")
READONLY_EVENT = bytes.fromhex("dabba2000000000000000003000000020152")


def frame_bytes(flag: int, status: int, request_id: int, body: bytes) -> bytes:
    return pack_header(flag, status, request_id, len(body)) + body


def test_heartbeat_vectors_decode_to_their_flags() -> None:
    decoder = FrameDecoder()
    decoder.feed(HEARTBEAT_REQUEST + HEARTBEAT_RESPONSE + READONLY_EVENT)
    request, response, event = decoder.next_frame(), decoder.next_frame(), decoder.next_frame()
    assert decoder.next_frame() is None
    assert request == Frame(Header(0xE2, 0, 2, 1), b"N")
    assert (request.header.is_request, request.header.is_twoway, request.header.is_event) == (True, True, True)
    assert request.header.serialization_id == 2
    assert response is not None
    assert response.header == Header(0x22, Status.OK, 2, 1)
    assert (response.header.is_request, response.header.is_event) == (False, True)
    assert event is not None
    assert (event.header.flag, event.header.is_twoway) == (0xA2, False)
    assert event.body == b"\x01R"


def test_header_pack_round_trips_the_spec_vectors() -> None:
    assert Header(0xE2, 0, 2, 1).pack() + b"N" == HEARTBEAT_REQUEST
    assert Header(0x22, 20, 2, 1).pack() + b"N" == HEARTBEAT_RESPONSE
    assert Header.unpack(READONLY_EVENT) == Header(0xA2, 0, 3, 2)


def test_request_id_is_signed_64_bit_big_endian() -> None:
    data = pack_header(0xC2, 0, -2, 0)
    assert data[4:12] == bytes.fromhex("fffffffffffffffe")
    assert Header.unpack(data).request_id == -2
    with pytest.raises(ProtocolError, match="cannot build a Dubbo header"):
        pack_header(0xC2, 0, 2**63, 0)


def test_one_frame_fed_byte_by_byte() -> None:
    wire = frame_bytes(0xC2, 0, 7, b"hello")
    decoder = FrameDecoder()
    for i in range(len(wire) - 1):
        decoder.feed(wire[i : i + 1])
        assert decoder.next_frame() is None
    decoder.feed(wire[-1:])
    assert decoder.next_frame() == Frame(Header(0xC2, 0, 7, 5), b"hello")
    assert decoder.buffered == 0
    decoder.eof()


@pytest.mark.parametrize("garbage", [b"GET / HTTP/1.1\r\n", b"ls\r\n", b"\xda\x00", b"\x00"])
def test_wrong_magic_is_fatal_as_soon_as_it_shows(garbage: bytes) -> None:
    decoder = FrameDecoder()
    decoder.feed(garbage)
    with pytest.raises(FrameError, match="not a Dubbo frame: expected magic da bb"):
        decoder.next_frame()
    with pytest.raises(FrameError, match="already failed"):
        decoder.feed(HEARTBEAT_REQUEST)
    with pytest.raises(FrameError, match="already failed"):
        decoder.next_frame()


def test_wrong_magic_after_a_good_frame() -> None:
    decoder = FrameDecoder()
    decoder.feed(HEARTBEAT_REQUEST + b"\x00" * 16)
    assert decoder.next_frame() is not None
    with pytest.raises(FrameError, match="got 00 00"):
        decoder.next_frame()


def test_negative_length_is_fatal() -> None:
    decoder = FrameDecoder()
    decoder.feed(bytes.fromhex("dabbc200000000000000000180000000"))
    with pytest.raises(FrameError, match="negative body length"):
        decoder.next_frame()


def test_oversize_body_is_refused_from_the_header_and_skipped_without_buffering() -> None:
    decoder = FrameDecoder(max_payload=10)
    decoder.feed(pack_header(0x02, 20, 9, 1000))
    with pytest.raises(PayloadLimitError) as info:
        decoder.next_frame()
    error = info.value
    assert (error.size, error.limit) == (1000, 10)
    assert error.header == Header(0x02, 20, 9, 1000)
    assert "Data length too large: 1000, max payload: 10" in str(error)
    assert decoder.skipping == 1000
    for _ in range(9):
        decoder.feed(b"x" * 100)  # the body arrives in pieces and is dropped, never stored
        assert decoder.buffered == 0
        assert decoder.next_frame() is None
    decoder.feed(b"x" * 100 + HEARTBEAT_REQUEST)
    assert decoder.skipping == 0
    assert decoder.next_frame() == Frame(Header(0xE2, 0, 2, 1), b"N")


def test_oversize_frame_already_complete_in_the_buffer_is_skipped() -> None:
    decoder = FrameDecoder(max_payload=3)
    decoder.feed(frame_bytes(0xC2, 0, 1, b"abcd") + frame_bytes(0xC2, 0, 2, b"abc"))
    with pytest.raises(PayloadLimitError):
        decoder.next_frame()
    assert decoder.next_frame() == Frame(Header(0xC2, 0, 2, 3), b"abc")


def test_payload_limit_defaults_to_8_mib_and_is_configurable() -> None:
    assert DEFAULT_PAYLOAD == 8 * 1024 * 1024
    assert FrameDecoder().max_payload == DEFAULT_PAYLOAD
    decoder = FrameDecoder()
    decoder.feed(pack_header(0xC2, 0, 1, DEFAULT_PAYLOAD))
    assert decoder.next_frame() is None  # exactly the limit is allowed: waits for the body
    big = FrameDecoder()
    big.feed(pack_header(0xC2, 0, 1, DEFAULT_PAYLOAD + 1))
    with pytest.raises(PayloadLimitError):
        big.next_frame()
    unlimited = FrameDecoder(None)
    unlimited.feed(pack_header(0xC2, 0, 1, 2**31 - 1))
    assert unlimited.next_frame() is None


@pytest.mark.parametrize("bad", [-1, True, 1.5, "8"])
def test_bad_payload_limit_is_a_config_error(bad: object) -> None:
    with pytest.raises(ConfigError, match="payload limit"):
        FrameDecoder(bad)  # type: ignore[arg-type]


def test_eof_inside_a_frame_or_a_skipped_body_is_an_error() -> None:
    decoder = FrameDecoder()
    decoder.feed(HEARTBEAT_REQUEST[:10])
    assert decoder.next_frame() is None
    with pytest.raises(FrameError, match="10 bytes of an incomplete frame"):
        decoder.eof()
    skipping = FrameDecoder(max_payload=1)
    skipping.feed(pack_header(0xC2, 0, 1, 5))
    with pytest.raises(PayloadLimitError):
        skipping.next_frame()
    with pytest.raises(FrameError, match="inside an oversize frame body"):
        skipping.eof()


frames_strategy = st.lists(
    st.tuples(
        st.sampled_from([0xC2, 0x82, 0xE2, 0x02, 0x22, 0xA2]),
        st.sampled_from([0, 20, 70]),
        st.integers(min_value=-(2**63), max_value=2**63 - 1),
        st.binary(max_size=64),
    ),
    max_size=10,
)


@given(frames=frames_strategy, cuts=st.lists(st.integers(min_value=0, max_value=1000), max_size=25))
def test_frames_split_at_arbitrary_points_decode_to_the_same_frames(
    frames: list[tuple[int, int, int, bytes]], cuts: list[int]
) -> None:
    wire = b"".join(frame_bytes(*f) for f in frames)
    points = sorted({0, len(wire), *(c for c in cuts if c <= len(wire))})
    decoder = FrameDecoder()
    decoded: list[tuple[int, int, int, bytes]] = []
    for start, stop in itertools.pairwise(points):
        decoder.feed(wire[start:stop])
        while (frame := decoder.next_frame()) is not None:
            h = frame.header
            decoded.append((h.flag, h.status, h.request_id, frame.body))
    decoder.eof()
    assert decoded == frames


@given(
    bodies=st.lists(st.binary(max_size=40), max_size=10),
    limit=st.integers(min_value=0, max_value=40),
    cuts=st.lists(st.integers(min_value=0, max_value=800), max_size=25),
)
def test_oversize_frames_in_a_split_stream_are_refused_and_the_rest_decoded(
    bodies: list[bytes], limit: int, cuts: list[int]
) -> None:
    wire = b"".join(frame_bytes(0xC2, 0, i, body) for i, body in enumerate(bodies))
    points = sorted({0, len(wire), *(c for c in cuts if c <= len(wire))})
    decoder = FrameDecoder(max_payload=limit)
    accepted: list[int] = []
    refused: list[int | None] = []
    for start, stop in itertools.pairwise(points):
        decoder.feed(wire[start:stop])
        while True:
            try:
                frame = decoder.next_frame()
            except PayloadLimitError as exc:
                refused.append(exc.header.request_id if exc.header is not None else None)
                continue
            if frame is None:
                break
            accepted.append(frame.header.request_id)
            assert frame.body == bodies[frame.header.request_id]
        assert decoder.buffered <= max(limit, 0) + 16 + 16  # never more than one allowed frame plus a header
    decoder.eof()
    assert accepted == [i for i, b in enumerate(bodies) if len(b) <= limit]
    assert refused == [i for i, b in enumerate(bodies) if len(b) > limit]
