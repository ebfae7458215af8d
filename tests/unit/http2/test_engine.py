"""Our HTTP/2 engine against the ``h2`` library as the peer: the exchanges a working connection has.

Client engine <-> h2 server and h2 client <-> server engine, wired back to back in memory
(``engine_support.Pair``): settings, requests and responses, DATA split across frames and across
arbitrary ``receive()`` chunks, CONTINUATION, trailers, resets, PING, GOAWAY, flow control, padding,
priority fields and unknown frames. Protocol violations are in ``test_engine_errors.py``.
"""

from __future__ import annotations

import struct

import pytest
from engine_support import (
    REQUEST,
    RESPONSE,
    SETTINGS_ACK,
    TRAILERS,
    Pair,
    Recorder,
    frames_of,
    goaway_code,
    headers_frame,
    request_block,
    resets_in,
    server_engine,
)
from h2 import events as ev
from h2.config import H2Configuration
from h2.connection import H2Connection
from h2.settings import SettingCodes
from hyperframe import frame as hf
from hypothesis import given, settings
from hypothesis import strategies as st

from dubbopy.protocol.triple.http2 import connection as c
from dubbopy.protocol.triple.http2.connection import H2ConnectionError, H2Engine, frame

# ---------------------------------------------------------------------------------------- set-up


def test_client_engine_and_h2_server_exchange_preface_and_settings() -> None:
    pair = Pair(
        engine_is_client=True,
        stream_window=100_000,
        connection_window=1 << 20,
        max_header_list_size=8192,
        peer_settings={SettingCodes.MAX_CONCURRENT_STREAMS: 7, SettingCodes.INITIAL_WINDOW_SIZE: 30_000},
    )
    changed = {k: v.new_value for e in pair.peer_of(ev.RemoteSettingsChanged) for k, v in e.changed_settings.items()}
    assert changed[SettingCodes.ENABLE_PUSH] == 0
    assert changed[SettingCodes.INITIAL_WINDOW_SIZE] == 100_000
    assert changed[SettingCodes.MAX_HEADER_LIST_SIZE] == 8192
    # the connection window is raised right after SETTINGS
    assert [e.delta for e in pair.peer_of(ev.WindowUpdated) if e.stream_id == 0] == [(1 << 20) - 65535]
    assert pair.peer_of(ev.SettingsAcknowledged)
    assert pair.engine.peer_max_concurrent_streams == 7
    assert pair.engine.peer_initial_window == 30_000
    stream_id = pair.open()
    assert pair.engine.send_window(stream_id) == 30_000
    assert pair.peer.local_flow_control_window(stream_id) == 100_000


def test_server_engine_and_h2_client_exchange_preface_and_settings() -> None:
    pair = Pair(engine_is_client=False, max_concurrent_streams=10)
    changed = {k: v.new_value for e in pair.peer_of(ev.RemoteSettingsChanged) for k, v in e.changed_settings.items()}
    assert changed[SettingCodes.MAX_CONCURRENT_STREAMS] == 10
    assert pair.peer_of(ev.SettingsAcknowledged)
    assert pair.rec.events == []  # settings are not reported to the listener


# ---------------------------------------------------------------------------------------- requests


def test_request_with_end_stream_on_headers_and_a_full_response() -> None:
    pair = Pair(engine_is_client=False)
    stream_id = pair.open(end_stream=True)
    assert pair.rec.events == [("headers", stream_id, REQUEST, True), ("end", stream_id)]
    pair.engine.send_headers(stream_id, RESPONSE)
    pair.engine.send_data(stream_id, b"reply")
    pair.engine.send_headers(stream_id, TRAILERS, end_stream=True)
    pair.pump()
    assert [type(e) for e in pair.peer_events[-4:]] == [
        ev.ResponseReceived,
        ev.DataReceived,
        ev.TrailersReceived,
        ev.StreamEnded,
    ]
    assert pair.peer_of(ev.ResponseReceived)[0].headers == RESPONSE
    assert pair.peer_data(stream_id) == b"reply"
    assert pair.peer_of(ev.TrailersReceived)[0].headers == TRAILERS
    assert not pair.engine.is_open(stream_id)


def test_request_without_end_stream_then_data_then_end() -> None:
    pair = Pair(engine_is_client=False)
    stream_id = pair.open()
    pair.peer.send_data(stream_id, b"one")
    pair.peer.send_data(stream_id, b"two", end_stream=True)
    pair.pump()
    assert pair.rec.events == [
        ("headers", stream_id, REQUEST, False),
        ("data", stream_id, b"one", 3),
        ("data", stream_id, b"two", 3),
        ("end", stream_id),
    ]
    assert pair.engine.is_open(stream_id)  # half-closed (remote): we may still respond


def test_client_engine_request_and_h2_server_response_with_trailers() -> None:
    pair = Pair(engine_is_client=True)
    stream_id = pair.open()
    pair.engine.send_data(stream_id, b"request", end_stream=True)
    pair.pump()
    request = pair.peer_of(ev.RequestReceived)[0]
    assert request.headers == REQUEST
    assert pair.peer_data(stream_id) == b"request"
    assert pair.peer_of(ev.StreamEnded)
    pair.peer.send_headers(stream_id, RESPONSE)
    pair.peer.send_data(stream_id, b"response")
    pair.peer.send_headers(stream_id, TRAILERS, end_stream=True)
    pair.pump()
    assert pair.rec.events == [
        ("headers", stream_id, RESPONSE, False),
        ("data", stream_id, b"response", 8),
        ("trailers", stream_id, TRAILERS),
        ("end", stream_id),
    ]
    assert not pair.engine.is_open(stream_id)
    assert pair.engine.open_outbound == 0


def test_client_engine_sends_request_trailers() -> None:
    pair = Pair(engine_is_client=True)
    stream_id = pair.open()
    pair.engine.send_data(stream_id, b"body")
    pair.engine.send_headers(stream_id, [(b"x-checksum", b"1")], end_stream=True)
    pair.pump()
    assert pair.peer_of(ev.TrailersReceived)[0].headers == [(b"x-checksum", b"1")]
    assert pair.peer_of(ev.StreamEnded)


def test_large_data_is_split_into_frames_of_the_peer_max_frame_size() -> None:
    pair = Pair(engine_is_client=True, peer_config={})
    stream_id = pair.open()
    body = bytes(range(256)) * 200  # 51200 bytes, under the default 65535 window
    pair.engine.send_data(stream_id, body, end_stream=True)
    pair.pump()
    sizes = [len(e.data) for e in pair.peer_of(ev.DataReceived)]
    assert sizes == [16384, 16384, 16384, 2048]
    assert pair.peer_data(stream_id) == body


def test_a_larger_max_frame_size_from_the_peer_is_used() -> None:
    pair = Pair(engine_is_client=True, peer_settings={SettingCodes.MAX_FRAME_SIZE: 65536})
    assert pair.engine.max_outbound_frame_size == 65536
    stream_id = pair.open()
    pair.engine.send_data(stream_id, b"x" * 40000)
    pair.pump()
    assert [len(e.data) for e in pair.peer_of(ev.DataReceived)] == [40000]


def test_data_from_h2_split_across_frames_arrives_in_order() -> None:
    pair = Pair(engine_is_client=False)
    stream_id = pair.open()
    body = bytes(range(256)) * 150
    pair.peer_send_data(stream_id, body, end_stream=True)
    pair.pump()
    assert [len(e[2]) for e in pair.rec.of("data")] == [16384, 16384, 5632]
    assert pair.rec.data(stream_id) == body
    assert pair.rec.events[-1] == ("end", stream_id)


def client_byte_stream() -> bytes:
    """Everything an h2 client sends for two requests with padded and plain DATA, trailers and a PING."""
    client = H2Connection(H2Configuration(client_side=True, header_encoding=None))
    client.initiate_connection()
    client.send_headers(1, REQUEST)
    client.send_data(1, b"a" * 1000, pad_length=17)
    client.send_data(1, b"b" * 16384)
    client.send_headers(3, REQUEST, end_stream=True)
    client.ping(b"pingpong")
    client.send_data(1, b"")
    client.send_headers(1, [(b"x-trailer", b"t")], end_stream=True)
    return client.data_to_send()


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_receive_chunking_gives_the_same_events(data: st.DataObject) -> None:
    stream = client_byte_stream()
    whole = H2Engine(Recorder(), client_side=False)
    whole.receive(stream)
    expected = whole.listener.events
    cuts = sorted(data.draw(st.sets(st.integers(1, len(stream) - 1), max_size=40)))
    chunked = H2Engine(Recorder(), client_side=False)
    for start, end in zip([0, *cuts], [*cuts, len(stream)], strict=True):
        chunked.receive(stream[start:end])
    assert chunked.listener.events == expected
    assert ("data", 1, b"a" * 1000, 1018) in expected  # padding counts for flow control
    assert expected[-2:] == [("trailers", 1, [(b"x-trailer", b"t")]), ("end", 1)]


def test_preface_in_pieces_is_accepted() -> None:
    engine = H2Engine(Recorder(), client_side=False)
    for i in range(len(c.PREFACE)):
        engine.receive(c.PREFACE[i : i + 1])
    engine.receive(frame(c.SETTINGS, 0, 0))
    assert SETTINGS_ACK in engine.data_to_send()


# ---------------------------------------------------------------------------------------- CONTINUATION


def test_large_header_block_from_h2_arrives_through_continuation() -> None:
    pair = Pair(engine_is_client=False, max_header_list_size=1 << 20)
    big = [(f"x-big-{i}".encode(), bytes(range(33, 127)) * 40) for i in range(12)]  # ~45 KiB, not compressible
    stream_id = pair.peer.get_next_available_stream_id()
    pair.peer.send_headers(stream_id, REQUEST + big, end_stream=True)
    sent = frames_of(pair.peer.data_to_send())
    assert [type(f) for f in sent].count(hf.ContinuationFrame) >= 2
    for f in sent:
        pair.engine.receive(f.serialize())
    assert pair.rec.events == [("headers", stream_id, REQUEST + big, True), ("end", stream_id)]


def test_large_header_block_to_h2_is_split_into_continuation() -> None:
    pair = Pair(engine_is_client=True)
    big = [(f"x-big-{i}".encode(), b"%d" % i * 3000) for i in range(12)]
    stream_id = pair.engine.new_stream_id()
    pair.engine.send_headers(stream_id, REQUEST + big, end_stream=True)
    out = pair.engine.data_to_send()
    assert [type(f) for f in frames_of(out)] == [hf.HeadersFrame, hf.ContinuationFrame, hf.ContinuationFrame]
    pair.peer_events += pair.peer.receive_data(out)
    assert pair.peer_of(ev.RequestReceived)[0].headers == REQUEST + big


def test_frames_between_headers_and_continuation_are_a_connection_error() -> None:
    engine = server_engine()
    block = request_block(REQUEST)
    with pytest.raises(H2ConnectionError, match="expected CONTINUATION"):
        engine.receive(frame(c.HEADERS, c.END_STREAM, 1, block[:3]) + frame(c.PING, 0, 0, b"12345678"))
    assert goaway_code(engine) == c.PROTOCOL_ERROR


def test_continuation_on_another_stream_is_a_connection_error() -> None:
    engine = server_engine()
    block = request_block(REQUEST)
    with pytest.raises(H2ConnectionError, match="unexpected CONTINUATION"):
        engine.receive(frame(c.HEADERS, 0, 1, block[:3]) + frame(c.CONTINUATION, c.END_HEADERS, 3, block[3:]))
    assert goaway_code(engine) == c.PROTOCOL_ERROR


def test_endless_continuation_is_refused() -> None:
    engine = server_engine(max_header_list_size=1024)
    engine.receive(frame(c.HEADERS, 0, 1, b"\x82"))
    flood = frame(c.CONTINUATION, 0, 1, b"\x00" * 16000) * 100
    with pytest.raises(H2ConnectionError, match="header block of more than") as caught:
        engine.receive(flood)
    assert caught.value.error_code == c.ENHANCE_YOUR_CALM


# ---------------------------------------------------------------------------------------- resets, ping, goaway


def test_h2_resets_a_stream_of_the_engine() -> None:
    pair = Pair(engine_is_client=True)
    stream_id = pair.open()
    pair.peer.reset_stream(stream_id, error_code=c.CANCEL)
    pair.pump()
    assert pair.rec.events == [("reset", stream_id, c.CANCEL)]
    assert not pair.engine.is_open(stream_id)
    assert pair.engine.send_window(stream_id) == 0


def test_engine_resets_a_stream_of_h2() -> None:
    pair = Pair(engine_is_client=False)
    stream_id = pair.open()
    pair.engine.reset_stream(stream_id, c.REFUSED_STREAM)
    pair.engine.reset_stream(stream_id, c.CANCEL)  # already closed: nothing more is sent
    pair.pump()
    resets = pair.peer_of(ev.StreamReset)
    assert [(e.stream_id, e.error_code) for e in resets] == [(stream_id, c.REFUSED_STREAM)]
    assert pair.rec.of("reset") == []  # our own reset is not reported back to us


def test_ping_both_ways() -> None:
    pair = Pair(engine_is_client=True)
    pair.engine.ping(b"12345678")
    pair.pump()
    assert pair.peer_of(ev.PingReceived)[0].ping_data == b"12345678"
    assert pair.rec.events == [("ping_ack", b"12345678")]
    pair.peer.ping(b"abcdefgh")
    pair.pump()
    assert pair.peer_of(ev.PingAckReceived)[0].ping_data == b"abcdefgh"


def test_streams_finish_after_the_peer_sends_goaway() -> None:
    pair = Pair(engine_is_client=True)
    first = pair.open(end_stream=True)
    pair.peer.close_connection(error_code=0, additional_data=b"bye", last_stream_id=first)
    pair.pump()
    assert pair.rec.events == [("goaway", first, 0, b"bye")]
    assert pair.engine.goaway_received
    # h2 refuses to send after its own GOAWAY; the rest of the response comes as raw frames, encoded
    # with h2's HPACK context so the engine's decoder stays in step
    encode = pair.peer.encoder.encode
    pair.engine.receive(
        frame(c.HEADERS, c.END_HEADERS, first, encode(RESPONSE))
        + frame(c.DATA, 0, first, b"late but fine")
        + frame(c.HEADERS, c.END_HEADERS | c.END_STREAM, first, encode(TRAILERS))
    )
    assert pair.rec.data(first) == b"late but fine"
    assert pair.rec.events[-1] == ("end", first)


def test_streams_finish_after_the_engine_sends_goaway() -> None:
    pair = Pair(engine_is_client=False)
    stream_id = pair.open()
    pair.engine.goaway(c.NO_ERROR)
    pair.pump()
    terminated = pair.peer_of(ev.ConnectionTerminated)[0]
    assert (terminated.error_code, terminated.last_stream_id) == (0, stream_id)
    assert pair.engine.goaway_sent
    # h2 refuses to send after a GOAWAY; the stream's remaining frames come as raw bytes
    pair.engine.receive(frame(c.DATA, c.END_STREAM, stream_id, b"rest"))
    assert pair.rec.events[-2:] == [("data", stream_id, b"rest", 4), ("end", stream_id)]
    pair.engine.send_headers(stream_id, RESPONSE)
    pair.engine.send_headers(stream_id, TRAILERS, end_stream=True)
    assert not pair.engine.is_open(stream_id)


# ---------------------------------------------------------------------------------------- flow control


def test_engine_sender_blocked_at_the_window_resumes_after_h2_acknowledges() -> None:
    pair = Pair(engine_is_client=True)
    stream_id = pair.open()
    window = pair.engine.send_window(stream_id)
    assert window == 65535
    pair.engine.send_data(stream_id, b"x" * window)
    pair.pump()
    assert pair.engine.send_window(stream_id) == 0
    with pytest.raises(c.ProtocolError, match="exceed the flow-control window"):
        pair.engine.send_data(stream_id, b"x")
    received = sum(e.flow_controlled_length for e in pair.peer_of(ev.DataReceived))
    pair.peer.acknowledge_received_data(received, stream_id)
    pair.pump()
    assert ("window", stream_id) in pair.rec.events
    assert ("window", 0) in pair.rec.events
    assert pair.engine.send_window(stream_id) == 65535


def test_h2_sender_blocked_at_our_window_resumes_after_ack_data() -> None:
    pair = Pair(engine_is_client=False, stream_window=1000, connection_window=65535)
    stream_id = pair.open()
    assert pair.peer.local_flow_control_window(stream_id) == 1000
    pair.peer.send_data(stream_id, b"x" * 1000)
    pair.pump()
    assert pair.peer.local_flow_control_window(stream_id) == 0
    pair.engine.ack_data(stream_id, 400)  # under half the window: batched, nothing sent yet
    pair.pump()
    assert pair.peer.local_flow_control_window(stream_id) == 0
    pair.engine.ack_data(stream_id, 600)
    pair.pump()
    assert pair.peer.local_flow_control_window(stream_id) == 1000
    assert [e.delta for e in pair.peer_of(ev.WindowUpdated) if e.stream_id == stream_id] == [1000]


def test_engine_to_engine_sender_is_woken_by_the_receivers_ack() -> None:
    client_rec, server_rec = Recorder(), Recorder()
    client = H2Engine(client_rec, client_side=True)
    server = H2Engine(server_rec, client_side=False, stream_window=4096, connection_window=65535)
    client.initiate()
    server.initiate()

    def pump() -> None:
        while True:
            a, b = client.data_to_send(), server.data_to_send()
            if not a and not b:
                return
            server.receive(a)
            client.receive(b)

    pump()
    stream_id = client.new_stream_id()
    client.send_headers(stream_id, REQUEST)
    client.send_data(stream_id, b"x" * client.send_window(stream_id))
    pump()
    assert client.send_window(stream_id) == 0
    client_rec.events.clear()
    for event in server_rec.of("data"):
        server.ack_data(stream_id, event[3])
    pump()
    assert client_rec.events == [("window", stream_id)]
    assert client.send_window(stream_id) == 4096


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 70_000), st.integers(0, 70_000)), min_size=1, max_size=25))
def test_windows_agree_with_h2_and_never_go_negative(steps: list[tuple[int, int]]) -> None:
    """The engine sends as much as its window allows, h2 acknowledges some of what it got: after each
    round our idea of the send window equals h2's idea of what we may send, and neither is negative."""
    pair = Pair(engine_is_client=True)
    stream_id = pair.open()
    sent = acked = 0
    for want, wanted_ack in steps:
        size = min(want, pair.engine.send_window(stream_id))
        if size:
            pair.engine.send_data(stream_id, b"z" * size)
            sent += size
        pair.pump()
        ack = min(wanted_ack, sent - acked)
        if ack:
            pair.peer.acknowledge_received_data(ack, stream_id)
            acked += ack
        pair.pump()
        window = pair.engine.send_window(stream_id)
        assert window >= 0
        assert window == pair.peer.remote_flow_control_window(stream_id)
    assert len(pair.peer_data(stream_id)) == sent


def test_peer_exceeding_the_stream_window_gets_a_stream_error() -> None:
    engine = server_engine(stream_window=100, connection_window=1 << 20)
    engine.receive(headers_frame(1, REQUEST, end_stream=False) + frame(c.DATA, 0, 1, b"x" * 100))
    engine.receive(frame(c.DATA, 0, 1, b"y"))
    assert resets_in(engine.data_to_send()) == [(1, c.FLOW_CONTROL_ERROR)]
    assert engine.listener.events[-1] == ("reset", 1, c.FLOW_CONTROL_ERROR)


def test_peer_exceeding_the_connection_window_is_a_connection_error() -> None:
    engine = server_engine(stream_window=1 << 20, connection_window=65535)
    engine.receive(headers_frame(1, REQUEST, end_stream=False))
    with pytest.raises(H2ConnectionError, match="connection window") as caught:
        engine.receive(frame(c.DATA, 0, 1, b"x" * 16384) * 5)
    assert caught.value.error_code == c.FLOW_CONTROL_ERROR
    assert goaway_code(engine) == c.FLOW_CONTROL_ERROR


def test_window_update_overflow() -> None:
    engine = server_engine()
    engine.receive(headers_frame(1, REQUEST, end_stream=False))
    engine.receive(frame(c.WINDOW_UPDATE, 0, 1, struct.pack(">L", c.MAX_WINDOW)))
    assert resets_in(engine.data_to_send()) == [(1, c.FLOW_CONTROL_ERROR)]
    with pytest.raises(H2ConnectionError) as caught:
        engine.receive(frame(c.WINDOW_UPDATE, 0, 0, struct.pack(">L", c.MAX_WINDOW)))
    assert caught.value.error_code == c.FLOW_CONTROL_ERROR


def test_initial_window_size_change_adjusts_open_streams() -> None:
    pair = Pair(engine_is_client=True)
    stream_id = pair.open()
    pair.peer.increment_flow_control_window(1 << 20)  # make the connection window not the limit
    pair.pump()
    pair.rec.events.clear()
    pair.peer.update_settings({SettingCodes.INITIAL_WINDOW_SIZE: 100_000})
    pair.pump()
    assert pair.engine.send_window(stream_id) == 100_000
    assert pair.rec.events == [("window", 0)]
    pair.engine.send_data(stream_id, b"x" * 90_000)
    pair.pump()
    # shrinking makes the window negative (RFC 9113 §6.9.2): nothing may be sent until it recovers
    pair.peer.update_settings({SettingCodes.INITIAL_WINDOW_SIZE: 1000})
    pair.pump()
    assert pair.engine.send_window(stream_id) == 1000 - 90_000
    with pytest.raises(c.ProtocolError):
        pair.engine.send_data(stream_id, b"x")
    pair.peer.acknowledge_received_data(90_000, stream_id)
    pair.pump()
    assert pair.engine.send_window(stream_id) == pair.peer.remote_flow_control_window(stream_id) == 1000


def test_initial_window_size_pushing_a_stream_over_the_maximum_is_a_connection_error() -> None:
    engine = server_engine()
    engine.receive(headers_frame(1, REQUEST, end_stream=False))
    engine.receive(frame(c.WINDOW_UPDATE, 0, 1, struct.pack(">L", c.MAX_WINDOW - 65535)))
    with pytest.raises(H2ConnectionError, match="over 2\\^31-1") as caught:
        engine.receive(frame(c.SETTINGS, 0, 0, struct.pack(">HL", c.SETTINGS_INITIAL_WINDOW_SIZE, 65536)))
    assert caught.value.error_code == c.FLOW_CONTROL_ERROR


# ---------------------------------------------------------------------------------------- padding, priority, extensions


def test_padded_data_from_h2_counts_padding_for_flow_control() -> None:
    pair = Pair(engine_is_client=False)
    stream_id = pair.open()
    pair.peer.send_data(stream_id, b"payload", pad_length=20)
    pair.pump()
    assert pair.rec.events[-1] == ("data", stream_id, b"payload", 7 + 20 + 1)


def test_padded_headers_with_priority_fields() -> None:
    engine = server_engine()
    f = hf.HeadersFrame(1, request_block(REQUEST), flags=["END_HEADERS", "END_STREAM", "PADDED", "PRIORITY"])
    f.pad_length = 30
    f.depends_on, f.stream_weight, f.exclusive = 0, 200, True
    engine.receive(f.serialize())
    assert engine.listener.events == [("headers", 1, REQUEST, True), ("end", 1)]


def test_priority_from_h2_is_accepted_and_ignored() -> None:
    pair = Pair(engine_is_client=False)
    stream_id = pair.peer.get_next_available_stream_id()
    pair.peer.send_headers(stream_id, REQUEST, priority_weight=42, priority_depends_on=0, priority_exclusive=False)
    pair.peer.prioritize(stream_id, weight=7)
    pair.peer.prioritize(stream_id + 2, weight=7, depends_on=stream_id)  # an idle stream
    pair.pump()
    assert pair.rec.events == [("headers", stream_id, REQUEST, False)]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (frame(c.PRIORITY, 0, 1, struct.pack(">LB", 1, 16)), "depends on itself"),
        (frame(c.HEADERS, c.END_HEADERS | c.PRIORITY_FLAG, 1, struct.pack(">LB", 1, 16) + b"\x82"), "itself"),
        (frame(c.PRIORITY, 0, 0, struct.pack(">LB", 1, 16)), "PRIORITY on stream 0"),
        (frame(c.PRIORITY, 0, 1, b"\x00" * 4), "must be 5 bytes"),
    ],
)
def test_bad_priority_is_a_connection_error(raw: bytes, message: str) -> None:
    engine = server_engine()
    with pytest.raises(H2ConnectionError, match=message):
        engine.receive(raw)


def test_unknown_frame_types_and_flags_are_ignored() -> None:
    engine = server_engine()
    engine.receive(frame(0xFA, 0xFF, 0, b"whatever") + frame(0x0B, 0, 1, b"?"))
    engine.receive(frame(c.PING, 0xF0, 0, b"12345678"))  # undefined flags
    assert frames_of(engine.data_to_send())[0].flags == {"ACK"}
    engine.receive(headers_frame(1, REQUEST))
    assert engine.listener.events == [("headers", 1, REQUEST, True), ("end", 1)]
