"""Our HTTP/2 engine against a misbehaving peer: connection errors, stream errors, malformed requests.

``h2`` will not break the protocol on purpose, so these tests feed raw frames to a server engine past
the handshake (``engine_support.server_engine``) and check the error it raises (with a GOAWAY queued),
or the RST_STREAM it sends and what its listener is told. Includes RFC 9113 §5.1 frames on closed
streams and the §8.2-8.3 request checks.
"""

from __future__ import annotations

import struct
from typing import Any

import hpack
import pytest
from engine_support import (
    REQUEST,
    RESPONSE,
    TRAILERS,
    Pair,
    Recorder,
    frames_of,
    goaway_code,
    headers_frame,
    resets_in,
    server_engine,
)
from hyperframe import frame as hf

from dubbopy.protocol.triple.http2 import connection as c
from dubbopy.protocol.triple.http2.connection import H2ConnectionError, H2Engine, frame

# ---------------------------------------------------------------------------------------- violations


def bad_preface() -> H2Engine:
    engine = H2Engine(Recorder(), client_side=False)
    engine.receive(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    return engine


def first_frame_not_settings() -> H2Engine:
    engine = H2Engine(Recorder(), client_side=False)
    engine.receive(c.PREFACE + frame(c.PING, 0, 0, b"12345678"))
    return engine


@pytest.mark.parametrize(
    ("raw", "code", "message"),
    [
        (frame(c.DATA, 0, 0, b"x"), c.PROTOCOL_ERROR, "DATA on stream 0"),
        (headers_frame(2, REQUEST), c.PROTOCOL_ERROR, "even stream 2"),
        (frame(c.DATA, 0, 1, b"x"), c.PROTOCOL_ERROR, "idle stream 1"),
        (frame(c.RST_STREAM, 0, 1, b"\x00" * 4), c.PROTOCOL_ERROR, "idle stream 1"),
        (frame(c.WINDOW_UPDATE, 0, 5, b"\x00\x00\x00\x01"), c.PROTOCOL_ERROR, "idle stream 5"),
        (frame(c.DATA, 0, 1, b"x" * 16385), c.FRAME_SIZE_ERROR, "exceeds 16384"),
        (frame(c.PUSH_PROMISE, c.END_HEADERS, 1, b"\x00\x00\x00\x02\x82"), c.PROTOCOL_ERROR, "PUSH_PROMISE"),
        (frame(c.WINDOW_UPDATE, 0, 0, b"\x00\x00\x00\x00"), c.PROTOCOL_ERROR, "WINDOW_UPDATE of 0"),
        (frame(c.WINDOW_UPDATE, 0, 0, b"\x00\x01"), c.FRAME_SIZE_ERROR, "must be 4 bytes"),
        (frame(c.SETTINGS, 0, 1, b""), c.PROTOCOL_ERROR, "SETTINGS on a stream"),
        (frame(c.SETTINGS, 0, 0, b"\x00" * 5), c.FRAME_SIZE_ERROR, "multiple of 6"),
        (frame(c.SETTINGS, c.ACK, 0, b"\x00" * 6), c.FRAME_SIZE_ERROR, "ACK with a payload"),
        (frame(c.SETTINGS, 0, 0, struct.pack(">HL", 5, 100)), c.PROTOCOL_ERROR, "MAX_FRAME_SIZE 100"),
        (frame(c.SETTINGS, 0, 0, struct.pack(">HL", 2, 2)), c.PROTOCOL_ERROR, "ENABLE_PUSH 2"),
        (frame(c.SETTINGS, 0, 0, struct.pack(">HL", 4, 1 << 31)), c.FLOW_CONTROL_ERROR, "INITIAL_WINDOW_SIZE"),
        (frame(c.PING, 0, 1, b"12345678"), c.PROTOCOL_ERROR, "PING on a stream"),
        (frame(c.PING, 0, 0, b"1234"), c.FRAME_SIZE_ERROR, "PING must be 8 bytes"),
        (frame(c.GOAWAY, 0, 1, b"\x00" * 8), c.PROTOCOL_ERROR, "GOAWAY on a stream"),
        (frame(c.RST_STREAM, 0, 0, b"\x00" * 4), c.PROTOCOL_ERROR, "RST_STREAM on stream 0"),
        (frame(c.CONTINUATION, c.END_HEADERS, 1, b"\x82"), c.PROTOCOL_ERROR, "unexpected CONTINUATION"),
        (frame(c.HEADERS, c.END_HEADERS, 1, b"\x80"), c.COMPRESSION_ERROR, "index 0"),
    ],
)
def test_protocol_violations_raise_and_queue_goaway(raw: bytes, code: int, message: str) -> None:
    engine = server_engine()
    with pytest.raises(H2ConnectionError, match=message) as caught:
        engine.receive(raw)
    assert caught.value.error_code == code
    assert goaway_code(engine) == code


@pytest.mark.parametrize("make", [bad_preface, first_frame_not_settings])
def test_bad_connection_start_raises_and_queues_goaway(make: Any) -> None:
    with pytest.raises(H2ConnectionError, match=r"preface|first frame must be SETTINGS") as caught:
        make()
    assert caught.value.error_code == c.PROTOCOL_ERROR


def test_bad_padding_is_a_connection_error() -> None:
    engine = server_engine()
    engine.receive(headers_frame(1, REQUEST, end_stream=False))
    with pytest.raises(H2ConnectionError, match="padding longer than the frame"):
        engine.receive(frame(c.DATA, c.PADDED, 1, b"\x05abc"))
    assert goaway_code(engine) == c.PROTOCOL_ERROR


def test_client_engine_refuses_push_enabled_by_the_server() -> None:
    engine = H2Engine(Recorder(), client_side=True)
    engine.initiate()
    with pytest.raises(H2ConnectionError, match="ENABLE_PUSH 1"):
        engine.receive(frame(c.SETTINGS, 0, 0, struct.pack(">HL", c.SETTINGS_ENABLE_PUSH, 1)))


# ---------------------------------------------------------------------------------------- closed streams (§5.1)


def test_data_after_the_peers_end_stream_on_an_open_stream_is_a_stream_error() -> None:
    engine = server_engine()
    engine.receive(headers_frame(1, REQUEST, end_stream=True))
    engine.receive(frame(c.DATA, 0, 1, b"more"))
    assert resets_in(engine.data_to_send()) == [(1, c.STREAM_CLOSED)]
    assert engine.listener.events[-1] == ("reset", 1, c.STREAM_CLOSED)


def test_data_after_both_sides_ended_is_a_connection_error() -> None:
    engine = server_engine()
    engine.receive(headers_frame(1, REQUEST, end_stream=True))
    engine.send_headers(1, RESPONSE + TRAILERS, end_stream=True)
    with pytest.raises(H2ConnectionError, match="after the peer ended it") as caught:
        engine.receive(frame(c.DATA, 0, 1, b"more"))
    assert caught.value.error_code == c.STREAM_CLOSED


def test_headers_after_both_sides_ended_is_a_connection_error() -> None:
    engine = server_engine()
    encoder = hpack.Encoder()
    engine.receive(frame(c.HEADERS, c.END_HEADERS | c.END_STREAM, 1, encoder.encode(REQUEST)))
    engine.send_headers(1, RESPONSE + TRAILERS, end_stream=True)
    with pytest.raises(H2ConnectionError) as caught:
        engine.receive(frame(c.HEADERS, c.END_HEADERS | c.END_STREAM, 1, encoder.encode(REQUEST)))
    assert caught.value.error_code == c.STREAM_CLOSED


def test_frames_in_flight_after_our_reset_are_ignored_and_their_window_returned() -> None:
    engine = server_engine(connection_window=65535)
    encoder = hpack.Encoder()
    engine.receive(frame(c.HEADERS, c.END_HEADERS, 1, encoder.encode(REQUEST)))
    engine.reset_stream(1, c.CANCEL)
    engine.data_to_send()
    for _ in range(4):  # more than the connection window in total: every byte must be handed back
        engine.receive(frame(c.DATA, 0, 1, b"x" * 16000))
    engine.receive(frame(c.HEADERS, c.END_HEADERS | c.END_STREAM, 1, encoder.encode([(b"x-t", b"1")])))
    sent = frames_of(engine.data_to_send())
    assert not [f for f in sent if isinstance(f, hf.RstStreamFrame | hf.GoAwayFrame)]
    assert sum(f.window_increment for f in sent if isinstance(f, hf.WindowUpdateFrame) and f.stream_id == 0) >= 32768
    # the decoder stayed in sync: a new stream still decodes
    engine.receive(frame(c.HEADERS, c.END_HEADERS | c.END_STREAM, 3, encoder.encode(REQUEST)))
    assert engine.listener.events[-2] == ("headers", 3, REQUEST, True)


def test_data_after_the_peer_reset_the_stream_gets_stream_closed() -> None:
    engine = server_engine()
    engine.receive(headers_frame(1, REQUEST, end_stream=False))
    engine.receive(frame(c.RST_STREAM, 0, 1, struct.pack(">L", c.CANCEL)))
    engine.data_to_send()
    engine.receive(frame(c.DATA, 0, 1, b"late"))
    assert resets_in(engine.data_to_send()) == [(1, c.STREAM_CLOSED)]


def test_crossing_resets_make_later_frames_errors() -> None:
    engine = server_engine()
    engine.receive(headers_frame(1, REQUEST, end_stream=False))
    engine.reset_stream(1)
    engine.receive(frame(c.RST_STREAM, 0, 1, struct.pack(">L", c.CANCEL)))
    engine.data_to_send()
    engine.receive(frame(c.DATA, 0, 1, b"late"))
    assert resets_in(engine.data_to_send()) == [(1, c.STREAM_CLOSED)]


def test_headers_on_a_stream_id_the_client_skipped_is_a_connection_error() -> None:
    engine = server_engine()
    encoder = hpack.Encoder()
    engine.receive(frame(c.HEADERS, c.END_HEADERS | c.END_STREAM, 5, encoder.encode(REQUEST)))
    with pytest.raises(H2ConnectionError, match="stream 3, which the peer skipped") as caught:
        engine.receive(frame(c.HEADERS, c.END_HEADERS | c.END_STREAM, 3, encoder.encode(REQUEST)))
    assert caught.value.error_code == c.PROTOCOL_ERROR


def test_window_update_of_zero_on_a_closed_stream_is_answered_with_reset() -> None:
    engine = server_engine()
    engine.receive(headers_frame(1, REQUEST, end_stream=True))
    engine.send_headers(1, RESPONSE + TRAILERS, end_stream=True)
    engine.data_to_send()
    engine.receive(frame(c.WINDOW_UPDATE, 0, 1, b"\x00\x00\x00\x00"))
    engine.receive(frame(c.WINDOW_UPDATE, 0, 1, b"\x00\x00\x00\x01"))  # fine: ignored
    assert resets_in(engine.data_to_send()) == [(1, c.PROTOCOL_ERROR)]


def test_client_gets_a_stream_error_for_data_before_the_response_headers() -> None:
    pair = Pair(engine_is_client=True)
    stream_id = pair.open()
    pair.engine.receive(frame(c.DATA, 0, stream_id, b"no headers first"))
    assert pair.rec.events == [("reset", stream_id, c.PROTOCOL_ERROR)]


def test_a_closed_stream_is_forgotten_after_enough_others_close() -> None:
    engine = server_engine()
    encoder = hpack.Encoder()
    engine.receive(frame(c.HEADERS, c.END_HEADERS, 1, encoder.encode(REQUEST)))
    engine.reset_stream(1)
    for stream_id in range(3, 3 + 2 * 5000, 2):
        engine.receive(frame(c.HEADERS, c.END_HEADERS, stream_id, encoder.encode(REQUEST)))
        engine.receive(frame(c.RST_STREAM, 0, stream_id, b"\x00\x00\x00\x08"))
    engine.data_to_send()
    assert len(engine._closed) <= 4096
    engine.receive(frame(c.DATA, 0, 1, b"ancient"))  # forgotten: ignored, no error
    assert resets_in(engine.data_to_send()) == []


# ---------------------------------------------------------------------------------------- malformed requests


MALFORMED_REQUESTS = {
    "upper-case name": [*REQUEST, (b"X-Upper", b"1")],
    "unknown pseudo": [(b":bogus", b"1"), *REQUEST],
    "response pseudo": [(b":status", b"200"), *REQUEST],
    "pseudo after regular": [*REQUEST, (b":method", b"POST")],
    "connection header": [*REQUEST, (b"connection", b"keep-alive")],
    "te not trailers": [*REQUEST[:-1], (b"te", b"gzip")],
    "empty path": [(n, b"" if n == b":path" else v) for n, v in REQUEST],
    "no method": REQUEST[1:],
    "no scheme": [REQUEST[0], *REQUEST[2:]],
    "no path": [*REQUEST[:2], *REQUEST[3:]],
    "two methods": [REQUEST[0], *REQUEST],
    "two paths": [*REQUEST[:3], (b":path", b"/x"), *REQUEST[3:]],
    "empty name": [*REQUEST, (b"", b"1")],
    "space in name": [*REQUEST, (b"x y", b"1")],
}


@pytest.mark.parametrize("headers", MALFORMED_REQUESTS.values(), ids=MALFORMED_REQUESTS.keys())
def test_malformed_requests_are_reset_and_never_reported(headers: list[tuple[bytes, bytes]]) -> None:
    engine = server_engine()
    engine.receive(headers_frame(1, headers))
    assert resets_in(engine.data_to_send()) == [(1, c.PROTOCOL_ERROR)]
    assert engine.listener.events == []
    engine.receive(headers_frame(3, REQUEST))  # the connection goes on
    assert engine.listener.events[0] == ("headers", 3, REQUEST, True)


def test_connect_requests_name_only_the_authority() -> None:
    engine = server_engine()
    engine.receive(headers_frame(1, [(b":method", b"CONNECT"), (b":authority", b"example.com:443")]))
    engine.receive(headers_frame(3, [(b":method", b"CONNECT"), *REQUEST[1:]]))
    assert resets_in(engine.data_to_send()) == [(3, c.PROTOCOL_ERROR)]
    assert engine.listener.events[0][:2] == ("headers", 1)


def test_request_trailers_with_a_pseudo_header_are_reset() -> None:
    engine = server_engine()
    encoder = hpack.Encoder()
    engine.receive(frame(c.HEADERS, c.END_HEADERS, 1, encoder.encode(REQUEST)))
    engine.receive(frame(c.HEADERS, c.END_HEADERS | c.END_STREAM, 1, encoder.encode([(b":path", b"/x")])))
    assert resets_in(engine.data_to_send()) == [(1, c.PROTOCOL_ERROR)]
    assert engine.listener.events[-1] == ("reset", 1, c.PROTOCOL_ERROR)


def test_second_headers_without_end_stream_is_a_stream_error() -> None:
    engine = server_engine()
    encoder = hpack.Encoder()
    engine.receive(frame(c.HEADERS, c.END_HEADERS, 1, encoder.encode(REQUEST)))
    engine.receive(frame(c.HEADERS, c.END_HEADERS, 1, encoder.encode([(b"x-a", b"1")])))
    assert resets_in(engine.data_to_send()) == [(1, c.PROTOCOL_ERROR)]


def test_too_large_request_headers_are_reported_not_delivered() -> None:
    engine = server_engine(max_header_list_size=200)
    engine.receive(headers_frame(1, [*REQUEST, (b"x-big", b"v" * 300)]))
    assert engine.listener.events == [("too_large", 1, pytest.approx(600, abs=200))]
    assert engine.is_open(1)


def test_streams_over_our_concurrency_limit_are_refused() -> None:
    engine = server_engine(max_concurrent_streams=1)
    encoder = hpack.Encoder()
    engine.receive(frame(c.HEADERS, c.END_HEADERS, 1, encoder.encode(REQUEST)))
    engine.receive(frame(c.HEADERS, c.END_HEADERS, 3, encoder.encode(REQUEST)))
    assert resets_in(engine.data_to_send()) == [(3, c.REFUSED_STREAM)]
    assert [e[1] for e in engine.listener.of("headers")] == [1]
