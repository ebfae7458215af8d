"""A sans-IO HTTP/2 connection (RFC 9113) sized for gRPC: frames in, callbacks out, bytes to send.

:class:`H2Engine` parses received bytes into frames, keeps the connection and stream state (settings,
flow-control windows, which side has closed which stream) and reports what happened to a
:class:`Listener` by direct method calls — no event objects on the hot path. Everything it wants to
send accumulates until :meth:`H2Engine.data_to_send`. It never does I/O and never blocks: callers ask
:meth:`H2Engine.send_window` before :meth:`H2Engine.send_data`.

Deliberate limits: no server push (we advertise ENABLE_PUSH=0 and treat PUSH_PROMISE as an error), no
priorities (PRIORITY frames and fields are checked for errors, then ignored), no h2c upgrade (prior
knowledge only, as gRPC and Dubbo peers use). A GOAWAY in either direction does not end the
connection's ability to finish the streams it covers (RFC 9113 §6.8); refusing new streams after one
is the caller's decision.

A server engine checks each request's header list (:mod:`.validate`) and resets malformed ones before
the listener sees them. Closed streams are remembered for a while with the reason they closed, so a late
frame is ignored (we reset the stream; the peer may not have seen it yet) or answered with the error
RFC 9113 §5.1 asks for (the peer had ended or reset the stream itself).

Connection errors queue a GOAWAY and raise :class:`H2ConnectionError`; the caller flushes and closes.
Stream errors queue a RST_STREAM and report ``on_reset`` for that stream only.
"""

from __future__ import annotations

import struct
from collections import deque
from typing import Protocol

from dubbopy.errors import ProtocolError
from dubbopy.protocol.triple.http2.hpack import Decoder, Encoder, Header, HeaderListTooLarge, HPACKError
from dubbopy.protocol.triple.http2.validate import NameCache, request_problem, trailers_problem

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"

# frame types
DATA, HEADERS, PRIORITY, RST_STREAM, SETTINGS, PUSH_PROMISE, PING, GOAWAY, WINDOW_UPDATE, CONTINUATION = range(10)
# flags
END_STREAM = 0x1
ACK = 0x1
END_HEADERS = 0x4
PADDED = 0x8
PRIORITY_FLAG = 0x20
# error codes (RFC 9113 §7)
NO_ERROR = 0x0
PROTOCOL_ERROR = 0x1
INTERNAL_ERROR = 0x2
FLOW_CONTROL_ERROR = 0x3
SETTINGS_TIMEOUT = 0x4
STREAM_CLOSED = 0x5
FRAME_SIZE_ERROR = 0x6
REFUSED_STREAM = 0x7
CANCEL = 0x8
COMPRESSION_ERROR = 0x9
ENHANCE_YOUR_CALM = 0xB
# settings
SETTINGS_HEADER_TABLE_SIZE = 0x1
SETTINGS_ENABLE_PUSH = 0x2
SETTINGS_MAX_CONCURRENT_STREAMS = 0x3
SETTINGS_INITIAL_WINDOW_SIZE = 0x4
SETTINGS_MAX_FRAME_SIZE = 0x5
SETTINGS_MAX_HEADER_LIST_SIZE = 0x6

DEFAULT_WINDOW = 65535
MAX_WINDOW = (1 << 31) - 1
DEFAULT_MAX_FRAME = 16384

_HEADER = struct.Struct(">HBBBL")
_pack_header = _HEADER.pack
_unpack_header = _HEADER.unpack_from
_U32 = struct.Struct(">L")

# Why a stream closed, remembered for a while to answer late frames as RFC 9113 §5.1 asks:
#: we reset it while the peer could still send: frames in flight are ignored
_CLOSED_BY_US = 0
#: the peer reset it: a later DATA or HEADERS is a stream error STREAM_CLOSED
_CLOSED_BY_PEER_RESET = 1
#: the peer sent END_STREAM: a later DATA or HEADERS is a connection error STREAM_CLOSED
_CLOSED_AFTER_PEER_END = 2
#: how many closed streams are remembered; older ones are forgotten and their late frames ignored
_CLOSED_MEMORY = 4096


def frame(frame_type: int, flags: int, stream_id: int, payload: bytes = b"") -> bytes:
    """One serialized frame."""
    length = len(payload)
    return _pack_header(length >> 8, length & 0xFF, frame_type, flags, stream_id) + payload


class H2ConnectionError(ProtocolError):
    """The peer broke HTTP/2; a GOAWAY with ``error_code`` is queued and the connection must close."""

    def __init__(self, error_code: int, message: str) -> None:
        super().__init__(f"HTTP/2 connection error {error_code:#x}: {message}")
        self.error_code = error_code


class Listener(Protocol):
    """What an :class:`H2Engine` reports. Called synchronously from :meth:`H2Engine.receive`."""

    def on_headers(self, stream_id: int, headers: list[Header], end_stream: bool) -> None:
        """The first HEADERS of a stream (a request on servers, a response on clients)."""

    def on_trailers(self, stream_id: int, headers: list[Header]) -> None:
        """A later HEADERS with END_STREAM (trailers); :meth:`on_end` follows."""

    def on_data(self, stream_id: int, data: bytes, flow_len: int) -> None:
        """DATA; ``flow_len`` (with padding) must be given back with :meth:`H2Engine.ack_data`."""

    def on_end(self, stream_id: int) -> None:
        """The peer half-closed the stream."""

    def on_reset(self, stream_id: int, error_code: int) -> None:
        """The stream was reset by the peer, or by us because of a stream error."""

    def on_headers_too_large(self, stream_id: int, size: int) -> None:
        """A new stream's headers exceed our MAX_HEADER_LIST_SIZE (the stream is still open)."""

    def on_window_update(self, stream_id: int) -> None:
        """Send window grew (``stream_id`` 0: the connection's, or every stream's after SETTINGS)."""

    def on_goaway(self, last_stream_id: int, error_code: int, debug: bytes) -> None:
        """The peer sent GOAWAY."""

    def on_ping_ack(self, data: bytes) -> None:
        """A PING we sent was answered."""


class _Stream:
    __slots__ = ("local_closed", "recv_pending", "recv_window", "remote_closed", "saw_headers", "send_window")

    def __init__(self, send_window: int, recv_window: int) -> None:
        self.send_window = send_window
        self.recv_window = recv_window
        self.recv_pending = 0
        self.local_closed = False
        self.remote_closed = False
        self.saw_headers = False


class H2Engine:
    """See the module docstring. ``stream_window``/``connection_window`` are what we let peers send."""

    def __init__(
        self,
        listener: Listener,
        *,
        client_side: bool,
        stream_window: int = 1 << 20,
        connection_window: int = 1 << 24,
        max_header_list_size: int = 16 << 10,
        max_concurrent_streams: int | None = None,
    ) -> None:
        self.listener = listener
        self.client_side = client_side
        self.streams: dict[int, _Stream] = {}
        self._out: list[bytes] = []
        self._buffer = b""
        self._expect_preface = not client_side
        self._expect_settings = True
        self._encoder = Encoder()
        self._decoder = Decoder(max_header_list_size=max_header_list_size)
        self._local_stream_window = stream_window
        self._local_connection_window = connection_window
        self._max_header_list_size = max_header_list_size
        self._local_max_concurrent = max_concurrent_streams
        self._recv_conn_window = connection_window
        self._recv_conn_pending = 0
        self._send_conn_window = DEFAULT_WINDOW
        self.peer_initial_window = DEFAULT_WINDOW
        self.peer_max_frame_size = DEFAULT_MAX_FRAME
        self.peer_max_concurrent_streams = 1 << 31
        self._next_stream_id = 1 if client_side else 2
        self.last_remote_stream_id = 0
        self._continuation: tuple[int, int, list[bytes], int] | None = None
        #: recently closed stream id -> why (``_CLOSED_*``); ids up to ``_closed_floor`` may be forgotten
        self._closed: dict[int, int] = {}
        self._closed_order: deque[int] = deque()  # a dict's oldest key is slow to find after deletions
        self._closed_floor = 0
        self._valid_names = NameCache()
        self.goaway_sent = False
        self.goaway_received = False
        self.open_outbound = 0

    # ------------------------------------------------------------------ connection set-up

    def initiate(self) -> None:
        """Queue our preface (client), SETTINGS and the connection window increase."""
        settings = [
            (SETTINGS_ENABLE_PUSH, 0),
            (SETTINGS_INITIAL_WINDOW_SIZE, self._local_stream_window),
            (SETTINGS_MAX_HEADER_LIST_SIZE, self._max_header_list_size),
        ]
        if self._local_max_concurrent is not None:
            settings.append((SETTINGS_MAX_CONCURRENT_STREAMS, self._local_max_concurrent))
        payload = b"".join(struct.pack(">HL", k, v) for k, v in settings)
        if self.client_side:
            self._out.append(PREFACE)
        self._out.append(frame(SETTINGS, 0, 0, payload))
        increment = self._local_connection_window - DEFAULT_WINDOW
        if increment > 0:
            self._out.append(frame(WINDOW_UPDATE, 0, 0, _U32.pack(increment)))

    def data_to_send(self) -> bytes:
        """Everything queued since the last call."""
        out = self._out
        if not out:
            return b""
        data = out[0] if len(out) == 1 else b"".join(out)
        out.clear()
        return data

    # ------------------------------------------------------------------ receiving

    def receive(self, data: bytes) -> None:
        """Process received bytes; raises :class:`H2ConnectionError` on a connection error."""
        if self._buffer:
            data = self._buffer + data
            self._buffer = b""
        pos = 0
        end = len(data)
        if self._expect_preface:
            if end < len(PREFACE):
                if PREFACE.startswith(data):
                    self._buffer = data
                    return
                self._fail(PROTOCOL_ERROR, "invalid connection preface")
            if not data.startswith(PREFACE):
                self._fail(PROTOCOL_ERROR, "invalid connection preface")
            self._expect_preface = False
            pos = len(PREFACE)
        max_frame = self._local_max_frame
        while end - pos >= 9:
            hi, lo, frame_type, flags, stream_id = _unpack_header(data, pos)
            length = (hi << 8) | lo
            if length > max_frame:
                self._fail(FRAME_SIZE_ERROR, f"frame of {length} bytes exceeds {max_frame}")
            frame_end = pos + 9 + length
            if frame_end > end:
                break
            payload = data[pos + 9 : frame_end]
            pos = frame_end
            stream_id &= 0x7FFFFFFF
            if self._expect_settings:
                if frame_type != SETTINGS or flags & ACK:
                    self._fail(PROTOCOL_ERROR, "the first frame must be SETTINGS")
                self._expect_settings = False
            if self._continuation is not None and frame_type != CONTINUATION:
                self._fail(PROTOCOL_ERROR, "expected CONTINUATION")
            if frame_type == DATA:
                self._on_data(flags, stream_id, payload)
            elif frame_type == HEADERS:
                self._on_headers(flags, stream_id, payload)
            elif frame_type == WINDOW_UPDATE:
                self._on_window_update(stream_id, payload)
            elif frame_type == RST_STREAM:
                self._on_rst(stream_id, payload)
            elif frame_type == SETTINGS:
                self._on_settings(flags, stream_id, payload)
            elif frame_type == PING:
                self._on_ping(flags, stream_id, payload)
            elif frame_type == GOAWAY:
                self._on_goaway(stream_id, payload)
            elif frame_type == CONTINUATION:
                self._on_continuation(flags, stream_id, payload)
            elif frame_type == PUSH_PROMISE:
                self._fail(PROTOCOL_ERROR, "PUSH_PROMISE received although push is disabled")
            elif frame_type == PRIORITY:
                self._on_priority(stream_id, payload)
            # unknown frame types are ignored (RFC 9113 §4.1)
        if pos < end:
            self._buffer = data[pos:]

    _local_max_frame = DEFAULT_MAX_FRAME

    def _fail(self, code: int, message: str) -> None:
        if not self.goaway_sent:
            self.goaway(code, message.encode()[:200])
        raise H2ConnectionError(code, message)

    def _strip_padding(self, flags: int, payload: bytes, what: str) -> bytes:
        if flags & PADDED:
            if not payload:
                self._fail(PROTOCOL_ERROR, f"padded {what} frame without pad length")
            pad = payload[0]
            if pad >= len(payload):
                self._fail(PROTOCOL_ERROR, f"{what} padding longer than the frame")
            return payload[1 : len(payload) - pad]
        return payload

    def _on_data(self, flags: int, stream_id: int, payload: bytes) -> None:
        if stream_id == 0:
            self._fail(PROTOCOL_ERROR, "DATA on stream 0")
        flow_len = len(payload)
        self._recv_conn_window -= flow_len
        if self._recv_conn_window < 0:
            self._fail(FLOW_CONTROL_ERROR, "peer exceeded the connection window")
        data = self._strip_padding(flags, payload, "DATA") if flags & PADDED else payload
        stream = self.streams.get(stream_id)
        if stream is None or stream.remote_closed or not stream.saw_headers:
            # nothing will read it: give the connection window back at once
            self.ack_data(stream_id, flow_len)
            if stream is None:
                self._idle_check(stream_id, "DATA")
                self._closed_stream_frame(stream_id, "DATA")
            else:
                # after the peer's END_STREAM (§5.1 half-closed), or before any HEADERS (§8.1)
                self._stream_error(stream_id, STREAM_CLOSED if stream.remote_closed else PROTOCOL_ERROR)
            return
        stream.recv_window -= flow_len
        if stream.recv_window < 0:
            self.ack_data(stream_id, flow_len)
            self._stream_error(stream_id, FLOW_CONTROL_ERROR)
            return
        listener = self.listener
        if data or not flags & END_STREAM:
            listener.on_data(stream_id, data, flow_len)
        elif flow_len:
            self.ack_data(stream_id, flow_len)
        if flags & END_STREAM:
            self._remote_end(stream_id, stream)

    def _idle_check(self, stream_id: int, what: str) -> None:
        """Frames on a stream that was never opened are a connection error (RFC 9113 §5.1)."""
        own = (stream_id & 1) == (1 if self.client_side else 0)
        if own and stream_id >= self._next_stream_id:
            self._fail(PROTOCOL_ERROR, f"{what} on idle stream {stream_id}")
        if not own and stream_id > self.last_remote_stream_id:
            self._fail(PROTOCOL_ERROR, f"{what} on idle stream {stream_id}")

    def _closed_stream_frame(self, stream_id: int, what: str) -> None:
        """DATA or HEADERS on a stream that is no longer open: ignore, reset or fail (RFC 9113 §5.1)."""
        reason = self._closed.get(stream_id)
        if reason is None:
            peer_initiated = (stream_id & 1) != (1 if self.client_side else 0)
            if peer_initiated and stream_id > self._closed_floor:
                # below the peer's highest stream id but never opened: §5.1.1 makes it unusable
                self._fail(PROTOCOL_ERROR, f"{what} on stream {stream_id}, which the peer skipped")
            return  # closed too long ago to remember why: ignore
        if reason == _CLOSED_BY_PEER_RESET:
            self._out.append(frame(RST_STREAM, 0, stream_id, _U32.pack(STREAM_CLOSED)))
        elif reason == _CLOSED_AFTER_PEER_END:
            self._fail(STREAM_CLOSED, f"{what} on stream {stream_id} after the peer ended it")
        # _CLOSED_BY_US: the peer may have sent this before it saw our RST_STREAM

    def _remote_end(self, stream_id: int, stream: _Stream) -> None:
        stream.remote_closed = True
        if stream.local_closed:
            self._close(stream_id, _CLOSED_AFTER_PEER_END)
        self.listener.on_end(stream_id)

    def _on_headers(self, flags: int, stream_id: int, payload: bytes) -> None:
        if stream_id == 0:
            self._fail(PROTOCOL_ERROR, "HEADERS on stream 0")
        if flags & PADDED:
            payload = self._strip_padding(flags, payload, "HEADERS")
        if flags & PRIORITY_FLAG:
            if len(payload) < 5:
                self._fail(FRAME_SIZE_ERROR, "HEADERS priority fields truncated")
            self._check_dependency(stream_id, payload)
            payload = payload[5:]
        if flags & END_HEADERS:
            self._headers_complete(stream_id, flags, payload)
        else:
            self._continuation = (stream_id, flags, [payload], len(payload))

    def _on_continuation(self, flags: int, stream_id: int, payload: bytes) -> None:
        pending = self._continuation
        if pending is None or pending[0] != stream_id:
            self._fail(PROTOCOL_ERROR, "unexpected CONTINUATION")
            return
        _, first_flags, fragments, size = pending
        if payload:  # empty CONTINUATION frames must not grow the list without bound
            fragments.append(payload)
        size += len(payload)
        if size > max(1 << 16, 4 * self._max_header_list_size):
            self._fail(ENHANCE_YOUR_CALM, f"header block of more than {size} bytes")
        if flags & END_HEADERS:
            self._continuation = None
            self._headers_complete(stream_id, first_flags, b"".join(fragments))
        else:
            self._continuation = (stream_id, first_flags, fragments, size)

    def _headers_complete(self, stream_id: int, flags: int, block: bytes) -> None:
        too_large = 0
        try:
            headers = self._decoder.decode(block)
        except HeaderListTooLarge as exc:
            headers, too_large = [], exc.size
        except HPACKError as exc:
            self._fail(COMPRESSION_ERROR, str(exc))
            return
        end_stream = bool(flags & END_STREAM)
        stream = self.streams.get(stream_id)
        listener = self.listener
        if stream is None:
            if self.client_side or stream_id <= self.last_remote_stream_id:
                # a response for a stream we already reset, or a late frame
                self._idle_check(stream_id, "HEADERS")
                self._closed_stream_frame(stream_id, "HEADERS")
                return
            if stream_id % 2 == 0:
                self._fail(PROTOCOL_ERROR, f"client opened even stream {stream_id}")
            self.last_remote_stream_id = stream_id
            stream = _Stream(self.peer_initial_window, self._local_stream_window)
            self.streams[stream_id] = stream
            if self._local_max_concurrent is not None and len(self.streams) > self._local_max_concurrent:
                self._stream_error(stream_id, REFUSED_STREAM, report=False)
                return
        if stream.remote_closed:
            self._stream_error(stream_id, STREAM_CLOSED)
            return
        if too_large:
            if not stream.saw_headers:
                stream.saw_headers = True
                if end_stream:
                    stream.remote_closed = True
                listener.on_headers_too_large(stream_id, too_large)
            else:
                self._stream_error(stream_id, PROTOCOL_ERROR)
            return
        if not stream.saw_headers:
            stream.saw_headers = True
            if not self.client_side and request_problem(headers, self._valid_names) is not None:
                # a malformed request (RFC 9113 §8.1.1): the application never sees it
                stream.remote_closed = end_stream
                self._stream_error(stream_id, PROTOCOL_ERROR, report=False)
                return
            if end_stream:
                stream.remote_closed = True
                if stream.local_closed:
                    self._close(stream_id, _CLOSED_AFTER_PEER_END)
            listener.on_headers(stream_id, headers, end_stream)
            if end_stream:
                listener.on_end(stream_id)
            return
        if not end_stream:
            self._stream_error(stream_id, PROTOCOL_ERROR)
            return
        if not self.client_side and trailers_problem(headers, self._valid_names) is not None:
            stream.remote_closed = True
            self._stream_error(stream_id, PROTOCOL_ERROR)
            return
        listener.on_trailers(stream_id, headers)
        self._remote_end(stream_id, stream)

    def _on_window_update(self, stream_id: int, payload: bytes) -> None:
        if len(payload) != 4:
            self._fail(FRAME_SIZE_ERROR, "WINDOW_UPDATE must be 4 bytes")
        increment = _U32.unpack(payload)[0] & 0x7FFFFFFF
        if stream_id == 0:
            if increment == 0:
                self._fail(PROTOCOL_ERROR, "WINDOW_UPDATE of 0 on the connection")
            self._send_conn_window += increment
            if self._send_conn_window > MAX_WINDOW:
                self._fail(FLOW_CONTROL_ERROR, "connection window over 2^31-1")
            self.listener.on_window_update(0)
            return
        stream = self.streams.get(stream_id)
        if stream is None:
            self._idle_check(stream_id, "WINDOW_UPDATE")
            if increment == 0:  # malformed even on a closed stream (§6.9)
                self._out.append(frame(RST_STREAM, 0, stream_id, _U32.pack(PROTOCOL_ERROR)))
            return
        if increment == 0:
            self._stream_error(stream_id, PROTOCOL_ERROR)
            return
        stream.send_window += increment
        if stream.send_window > MAX_WINDOW:
            self._stream_error(stream_id, FLOW_CONTROL_ERROR)
            return
        self.listener.on_window_update(stream_id)

    def _on_rst(self, stream_id: int, payload: bytes) -> None:
        if len(payload) != 4:
            self._fail(FRAME_SIZE_ERROR, "RST_STREAM must be 4 bytes")
        if stream_id == 0:
            self._fail(PROTOCOL_ERROR, "RST_STREAM on stream 0")
        if stream_id not in self.streams:
            self._idle_check(stream_id, "RST_STREAM")
            if self._closed.get(stream_id) == _CLOSED_BY_US:
                # our resets crossed: from now on the peer must not send on it either
                self._closed[stream_id] = _CLOSED_BY_PEER_RESET
            return
        self._close(stream_id, _CLOSED_BY_PEER_RESET)
        self.listener.on_reset(stream_id, _U32.unpack(payload)[0])

    def _on_settings(self, flags: int, stream_id: int, payload: bytes) -> None:
        if stream_id != 0:
            self._fail(PROTOCOL_ERROR, "SETTINGS on a stream")
        if flags & ACK:
            if payload:
                self._fail(FRAME_SIZE_ERROR, "SETTINGS ACK with a payload")
            return
        if len(payload) % 6:
            self._fail(FRAME_SIZE_ERROR, "SETTINGS length not a multiple of 6")
        window_changed = False
        for offset in range(0, len(payload), 6):
            key, value = struct.unpack_from(">HL", payload, offset)
            if key == SETTINGS_INITIAL_WINDOW_SIZE:
                if value > MAX_WINDOW:
                    self._fail(FLOW_CONTROL_ERROR, "INITIAL_WINDOW_SIZE over 2^31-1")
                delta = value - self.peer_initial_window
                self.peer_initial_window = value
                for stream in self.streams.values():
                    stream.send_window += delta
                    if stream.send_window > MAX_WINDOW:
                        self._fail(FLOW_CONTROL_ERROR, "INITIAL_WINDOW_SIZE pushes a stream window over 2^31-1")
                window_changed = window_changed or delta > 0
            elif key == SETTINGS_MAX_FRAME_SIZE:
                if not DEFAULT_MAX_FRAME <= value <= (1 << 24) - 1:
                    self._fail(PROTOCOL_ERROR, f"invalid MAX_FRAME_SIZE {value}")
                self.peer_max_frame_size = value
            elif key == SETTINGS_MAX_CONCURRENT_STREAMS:
                self.peer_max_concurrent_streams = value
            elif key == SETTINGS_HEADER_TABLE_SIZE:
                self._encoder.set_max_table_size(value)
            elif key == SETTINGS_ENABLE_PUSH and (value > 1 or (value == 1 and self.client_side)):
                # §6.5.2: only clients advertise push, and only 0 or 1
                self._fail(PROTOCOL_ERROR, f"invalid ENABLE_PUSH {value}")
        self._out.append(frame(SETTINGS, ACK, 0))
        if window_changed:
            self.listener.on_window_update(0)

    def _on_ping(self, flags: int, stream_id: int, payload: bytes) -> None:
        if stream_id != 0:
            self._fail(PROTOCOL_ERROR, "PING on a stream")
        if len(payload) != 8:
            self._fail(FRAME_SIZE_ERROR, "PING must be 8 bytes")
        if flags & ACK:
            self.listener.on_ping_ack(payload)
        else:
            self._out.append(frame(PING, ACK, 0, payload))

    def _on_priority(self, stream_id: int, payload: bytes) -> None:
        # priorities are not acted on (RFC 9113 §5.3.2 deprecates them), only checked
        if stream_id == 0:
            self._fail(PROTOCOL_ERROR, "PRIORITY on stream 0")
        if len(payload) != 5:
            self._fail(FRAME_SIZE_ERROR, "PRIORITY frame must be 5 bytes")
        self._check_dependency(stream_id, payload)

    def _check_dependency(self, stream_id: int, priority: bytes) -> None:
        # a stream depending on itself is a stream error (RFC 9113 §5.3.1); §5.4.1 lets us escalate it,
        # which spares resetting a stream that may still be idle
        if _U32.unpack_from(priority)[0] & 0x7FFFFFFF == stream_id:
            self._fail(PROTOCOL_ERROR, f"stream {stream_id} depends on itself")

    def _on_goaway(self, stream_id: int, payload: bytes) -> None:
        if stream_id != 0:
            self._fail(PROTOCOL_ERROR, "GOAWAY on a stream")
        if len(payload) < 8:
            self._fail(FRAME_SIZE_ERROR, "GOAWAY shorter than 8 bytes")
        last, code = struct.unpack_from(">LL", payload)
        self.goaway_received = True
        self.listener.on_goaway(last & 0x7FFFFFFF, code, payload[8:])

    # ------------------------------------------------------------------ sending

    def new_stream_id(self) -> int:
        """The id for the next stream we open (clients: odd)."""
        stream_id = self._next_stream_id
        self._next_stream_id += 2
        return stream_id

    def send_headers(
        self, stream_id: int, headers: list[Header] | tuple[Header, ...], end_stream: bool = False
    ) -> None:
        """Queue HEADERS (+ CONTINUATION); opens the stream if it is new (clients)."""
        stream = self.streams.get(stream_id)
        if stream is None:
            if stream_id >= self._next_stream_id - 2 and self.client_side:
                stream = _Stream(self.peer_initial_window, self._local_stream_window)
                stream.saw_headers = False
                self.streams[stream_id] = stream
                self.open_outbound += 1
            else:
                raise ProtocolError(f"stream {stream_id} is closed")
        elif stream.local_closed:
            raise ProtocolError(f"stream {stream_id} is closed for sending")
        block = self._encoder.encode(headers)
        flags = END_STREAM if end_stream else 0
        max_frame = self.peer_max_frame_size
        if len(block) <= max_frame:
            self._out.append(frame(HEADERS, flags | END_HEADERS, stream_id, block))
        else:
            self._out.append(frame(HEADERS, flags, stream_id, block[:max_frame]))
            rest = block[max_frame:]
            while rest:
                chunk, rest = rest[:max_frame], rest[max_frame:]
                self._out.append(frame(CONTINUATION, 0 if rest else END_HEADERS, stream_id, chunk))
        if end_stream:
            self._local_end(stream_id, stream)

    def _local_end(self, stream_id: int, stream: _Stream) -> None:
        stream.local_closed = True
        if stream.remote_closed:
            self._close(stream_id, _CLOSED_AFTER_PEER_END)

    def send_window(self, stream_id: int) -> int:
        """How many DATA bytes may be sent on ``stream_id`` now (0 if it is closed)."""
        stream = self.streams.get(stream_id)
        if stream is None or stream.local_closed:
            return 0
        window = stream.send_window
        conn = self._send_conn_window
        return window if window < conn else conn

    def send_data(self, stream_id: int, data: bytes, end_stream: bool = False) -> None:
        """Queue DATA; ``len(data)`` must not exceed :meth:`send_window` (split into max-size frames)."""
        stream = self.streams.get(stream_id)
        if stream is None or stream.local_closed:
            raise ProtocolError(f"stream {stream_id} is closed for sending")
        size = len(data)
        if size > stream.send_window or size > self._send_conn_window:
            raise ProtocolError(f"{size} bytes exceed the flow-control window of stream {stream_id}")
        stream.send_window -= size
        self._send_conn_window -= size
        max_frame = self.peer_max_frame_size
        out = self._out
        if size <= max_frame:
            out.append(_pack_header(size >> 8, size & 0xFF, DATA, END_STREAM if end_stream else 0, stream_id))
            out.append(data)
        else:
            view = memoryview(data)
            for offset in range(0, size, max_frame):
                chunk = view[offset : offset + max_frame]
                last = offset + max_frame >= size
                n = len(chunk)
                out.append(_pack_header(n >> 8, n & 0xFF, DATA, END_STREAM if last and end_stream else 0, stream_id))
                out.append(bytes(chunk))
        if end_stream:
            self._local_end(stream_id, stream)

    def end_stream(self, stream_id: int) -> None:
        """Half-close our side with an empty DATA frame."""
        stream = self.streams.get(stream_id)
        if stream is None or stream.local_closed:
            return
        self._out.append(frame(DATA, END_STREAM, stream_id))
        self._local_end(stream_id, stream)

    def reset_stream(self, stream_id: int, error_code: int = CANCEL) -> None:
        """Queue RST_STREAM and forget the stream (no-op if it is already closed)."""
        stream = self.streams.get(stream_id)
        if stream is not None:
            self._close(stream_id, _CLOSED_AFTER_PEER_END if stream.remote_closed else _CLOSED_BY_US)
            self._out.append(frame(RST_STREAM, 0, stream_id, _U32.pack(error_code)))

    def _stream_error(self, stream_id: int, error_code: int, *, report: bool = True) -> None:
        self.reset_stream(stream_id, error_code)
        if report:
            self.listener.on_reset(stream_id, error_code)

    def _close(self, stream_id: int, reason: int) -> None:
        self.streams.pop(stream_id, None)
        self._closed[stream_id] = reason
        order = self._closed_order
        order.append(stream_id)
        if len(order) > _CLOSED_MEMORY:
            oldest = order.popleft()
            self._closed.pop(oldest, None)
            self._closed_floor = max(self._closed_floor, oldest)
        if (stream_id & 1) == (1 if self.client_side else 0):
            self.open_outbound -= 1

    def ack_data(self, stream_id: int, size: int) -> None:
        """Give ``size`` received bytes of window back to the peer (batched: half-window thresholds)."""
        if size <= 0:
            return
        pending = self._recv_conn_pending + size
        if pending >= self._local_connection_window >> 1:
            self._out.append(frame(WINDOW_UPDATE, 0, 0, _U32.pack(pending)))
            self._recv_conn_window += pending
            pending = 0
        self._recv_conn_pending = pending
        stream = self.streams.get(stream_id)
        if stream is not None and not stream.remote_closed:
            stream_pending = stream.recv_pending + size
            if stream_pending >= self._local_stream_window >> 1:
                self._out.append(frame(WINDOW_UPDATE, 0, stream_id, _U32.pack(stream_pending)))
                stream.recv_window += stream_pending
                stream_pending = 0
            stream.recv_pending = stream_pending

    def ping(self, data: bytes) -> None:
        """Queue a PING (8 bytes of opaque data)."""
        self._out.append(frame(PING, 0, 0, data[:8].ljust(8, b"\0")))

    def goaway(self, error_code: int = NO_ERROR, debug: bytes = b"", last_stream_id: int | None = None) -> None:
        """Queue GOAWAY naming the last stream we will process (default: the last one the peer opened)."""
        self.goaway_sent = True
        last = self.last_remote_stream_id if last_stream_id is None else last_stream_id
        self._out.append(frame(GOAWAY, 0, 0, struct.pack(">LL", last, error_code) + debug))

    # ------------------------------------------------------------------ names shared with h2's API

    def local_flow_control_window(self, stream_id: int) -> int:
        """Same as :meth:`send_window` (the name ``h2`` uses)."""
        return self.send_window(stream_id)

    @property
    def max_outbound_frame_size(self) -> int:
        """The peer's SETTINGS_MAX_FRAME_SIZE."""
        return self.peer_max_frame_size

    @property
    def has_output(self) -> bool:
        """Whether frames are queued for sending."""
        return bool(self._out)

    def is_open(self, stream_id: int) -> bool:
        """Whether the stream is still open in either direction."""
        return stream_id in self.streams
