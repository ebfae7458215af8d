"""Helpers for the engine tests: a recording listener, an engine wired to an ``h2`` peer, raw frames.

:class:`Pair` connects our engine to an ``h2`` connection of the other side in memory; :meth:`Pair.pump`
moves each side's output into the other until both are quiet, so every byte crosses a real protocol
boundary. :func:`server_engine` is a server engine past the handshake, for tests that send raw frames
(built with our ``frame()`` and the ``hpack`` encoder) where h2 will not misbehave on purpose.
"""

from __future__ import annotations

from typing import Any

import hpack
from h2 import events as ev
from h2.config import H2Configuration
from h2.connection import H2Connection
from hyperframe import frame as hf

from dubbopy.protocol.triple.http2 import connection as c
from dubbopy.protocol.triple.http2.connection import H2Engine, frame

REQUEST = [
    (b":method", b"POST"),
    (b":scheme", b"http"),
    (b":path", b"/pkg.Svc/Method"),
    (b":authority", b"localhost"),
    (b"content-type", b"application/grpc"),
    (b"te", b"trailers"),
]
RESPONSE = [(b":status", b"200"), (b"content-type", b"application/grpc")]
TRAILERS = [(b"grpc-status", b"0"), (b"grpc-message", b"ok")]
SETTINGS_ACK = frame(c.SETTINGS, c.ACK, 0)


class Recorder:
    """A :class:`~dubbopy.protocol.triple.http2.connection.Listener` that records every call."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []

    def on_headers(self, stream_id: int, headers: list[tuple[bytes, bytes]], end_stream: bool) -> None:
        self.events.append(("headers", stream_id, headers, end_stream))

    def on_trailers(self, stream_id: int, headers: list[tuple[bytes, bytes]]) -> None:
        self.events.append(("trailers", stream_id, headers))

    def on_data(self, stream_id: int, data: bytes, flow_len: int) -> None:
        self.events.append(("data", stream_id, data, flow_len))

    def on_end(self, stream_id: int) -> None:
        self.events.append(("end", stream_id))

    def on_reset(self, stream_id: int, error_code: int) -> None:
        self.events.append(("reset", stream_id, error_code))

    def on_headers_too_large(self, stream_id: int, size: int) -> None:
        self.events.append(("too_large", stream_id, size))

    def on_window_update(self, stream_id: int) -> None:
        self.events.append(("window", stream_id))

    def on_goaway(self, last_stream_id: int, error_code: int, debug: bytes) -> None:
        self.events.append(("goaway", last_stream_id, error_code, debug))

    def on_ping_ack(self, data: bytes) -> None:
        self.events.append(("ping_ack", data))

    def of(self, kind: str) -> list[tuple[Any, ...]]:
        return [e for e in self.events if e[0] == kind]

    def data(self, stream_id: int) -> bytes:
        return b"".join(e[2] for e in self.events if e[0] == "data" and e[1] == stream_id)


def frames_of(data: bytes) -> list[hf.Frame]:
    """Parse serialized frames (after the client preface, if any) with hyperframe."""
    data = data.removeprefix(c.PREFACE)
    frames = []
    while data:
        parsed, length = hf.Frame.parse_frame_header(memoryview(data[:9]))
        parsed.parse_body(memoryview(data[9 : 9 + length]))
        frames.append(parsed)
        data = data[9 + length :]
    return frames


def goaway_code(engine: H2Engine) -> int:
    """The error code of the GOAWAY the engine queued."""
    goaways = [f for f in frames_of(engine.data_to_send()) if isinstance(f, hf.GoAwayFrame)]
    assert len(goaways) == 1
    return int(goaways[0].error_code)


def resets_in(data: bytes) -> list[tuple[int, int]]:
    return [(f.stream_id, f.error_code) for f in frames_of(data) if isinstance(f, hf.RstStreamFrame)]


class Pair:
    """Our engine and an h2 connection of the other side, connected in memory."""

    def __init__(
        self,
        engine_is_client: bool,
        *,
        peer_settings: dict[int, int] | None = None,
        peer_config: dict[str, Any] | None = None,
        **engine_options: Any,
    ) -> None:
        self.rec = Recorder()
        self.engine = H2Engine(self.rec, client_side=engine_is_client, **engine_options)
        config = H2Configuration(client_side=not engine_is_client, header_encoding=None, **(peer_config or {}))
        self.peer = H2Connection(config)
        self.peer_events: list[ev.Event] = []
        self.peer.initiate_connection()
        if peer_settings:
            self.peer.update_settings(peer_settings)
        self.engine.initiate()
        self.pump()

    def pump(self) -> None:
        """Move bytes both ways until neither side has anything to send."""
        for _ in range(1000):
            out = self.engine.data_to_send()
            if out:
                self.peer_events += self.peer.receive_data(out)
            back = self.peer.data_to_send()
            if back:
                self.engine.receive(back)
            if not out and not back:
                return
        raise AssertionError("the two sides never went quiet")

    def peer_of(self, kind: type[ev.Event]) -> list[Any]:
        return [e for e in self.peer_events if isinstance(e, kind)]

    def peer_data(self, stream_id: int) -> bytes:
        return b"".join(e.data for e in self.peer_of(ev.DataReceived) if e.stream_id == stream_id)

    def peer_send_data(self, stream_id: int, data: bytes, end_stream: bool = False) -> None:
        """h2 does not split DATA itself: frames of at most our MAX_FRAME_SIZE."""
        size = self.peer.max_outbound_frame_size
        chunks = [data[i : i + size] for i in range(0, len(data), size)] or [b""]
        for i, chunk in enumerate(chunks):
            self.peer.send_data(stream_id, chunk, end_stream=end_stream and i == len(chunks) - 1)

    def open(self, end_stream: bool = False) -> int:
        """Start a request stream from whichever side is the client; returns its id."""
        if self.engine.client_side:
            stream_id = self.engine.new_stream_id()
            self.engine.send_headers(stream_id, REQUEST, end_stream=end_stream)
        else:
            stream_id = self.peer.get_next_available_stream_id()
            self.peer.send_headers(stream_id, REQUEST, end_stream=end_stream)
        self.pump()
        return stream_id


def server_engine(**options: Any) -> H2Engine:
    """A server engine that has seen a valid preface and SETTINGS (its own output discarded)."""
    engine = H2Engine(Recorder(), client_side=False, **options)
    engine.initiate()
    engine.receive(c.PREFACE + frame(c.SETTINGS, 0, 0))
    engine.data_to_send()
    return engine


def request_block(headers: list[tuple[bytes, bytes]], encoder: hpack.Encoder | None = None) -> bytes:
    return (encoder or hpack.Encoder()).encode(headers)


def headers_frame(stream_id: int, headers: list[tuple[bytes, bytes]], end_stream: bool = True) -> bytes:
    flags = c.END_HEADERS | (c.END_STREAM if end_stream else 0)
    return frame(c.HEADERS, flags, stream_id, request_block(headers))
