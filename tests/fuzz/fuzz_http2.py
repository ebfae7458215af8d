"""Fuzz the HTTP/2 engine (server side) and the HPACK decoder with whatever bytes a peer could send.

The property is narrow on purpose: whatever arrives, the engine and the decoder either accept it or
refuse it with one of our protocol errors (:class:`H2ConnectionError`, :class:`HPACKError`, both
:class:`~dubbopy.errors.ProtocolError`). Any other exception is a bug, and so is an input that takes
more than ``--input-timeout`` seconds or makes Python allocate more than ``--memory-mb`` MiB at peak
(``tracemalloc``) while being processed.

The first input byte picks the target:

* **engine** — a server :class:`H2Engine` whose listener behaves like a server (answers requests,
  acknowledges data, sometimes resets), fed the rest of the input in chunks whose sizes come from the
  input too; usually after a valid preface and SETTINGS, so the fuzzer starts past the handshake;
* **hpack** — one :class:`Decoder` (some with a tiny header-list limit) decoding a series of blocks,
  so the dynamic table carries state from block to block.

Runs under atheris (libFuzzer, coverage-guided) when it is installed, otherwise Hypothesis generates
inputs until the time is up. Usage: ``scripts/fuzz [--seconds 60] [--engine atheris|hypothesis]``.
"""

from __future__ import annotations

import sys
from typing import Any

from fuzz_runner import USE_ATHERIS, Target, atheris, main

if USE_ATHERIS:
    # atheris selects by top-level package, so all of dubbopy is instrumented; only the HTTP/2 modules
    # run, and code that never runs costs nothing but import time
    with atheris.instrument_imports(include=["dubbopy", "hpack"]):
        from dubbopy.errors import ProtocolError
        from dubbopy.protocol.triple.http2 import connection as c
        from dubbopy.protocol.triple.http2.hpack import Decoder
else:
    from dubbopy.errors import ProtocolError
    from dubbopy.protocol.triple.http2 import connection as c
    from dubbopy.protocol.triple.http2.hpack import Decoder

RESPONSE = [(b":status", b"200"), (b"content-type", b"application/grpc")]
TRAILERS = [(b"grpc-status", b"0")]


class ServerLike:
    """A listener that reacts as a server would, so the fuzzer reaches the sending and closing paths."""

    def __init__(self, choices: bytes) -> None:
        self.engine: c.H2Engine | None = None
        self.choices = choices or b"\x00"
        self.turn = 0

    def _choice(self) -> int:
        self.turn += 1
        return self.choices[self.turn % len(self.choices)]

    def on_headers(self, stream_id: int, headers: list[tuple[bytes, bytes]], end_stream: bool) -> None:
        assert self.engine is not None
        choice = self._choice()
        if choice % 4 == 0:
            self.engine.reset_stream(stream_id, c.CANCEL)
        elif choice % 4 == 1:
            self.engine.send_headers(stream_id, RESPONSE)
            window = self.engine.send_window(stream_id)
            if window > 0:
                self.engine.send_data(stream_id, b"r" * min(window, choice * 70))
            self.engine.send_headers(stream_id, TRAILERS, end_stream=True)
            self.engine.reset_stream(stream_id, c.NO_ERROR)

    def on_trailers(self, stream_id: int, headers: list[tuple[bytes, bytes]]) -> None:
        pass

    def on_data(self, stream_id: int, data: bytes, flow_len: int) -> None:
        assert self.engine is not None
        self.engine.ack_data(stream_id, flow_len)

    def on_end(self, stream_id: int) -> None:
        assert self.engine is not None
        if self.engine.is_open(stream_id) and self._choice() % 2:
            self.engine.send_headers(stream_id, RESPONSE + TRAILERS, end_stream=True)

    def on_reset(self, stream_id: int, error_code: int) -> None:
        pass

    def on_headers_too_large(self, stream_id: int, size: int) -> None:
        assert self.engine is not None
        self.engine.reset_stream(stream_id, c.REFUSED_STREAM)

    def on_window_update(self, stream_id: int) -> None:
        pass

    def on_goaway(self, last_stream_id: int, error_code: int, debug: bytes) -> None:
        pass

    def on_ping_ack(self, data: bytes) -> None:
        pass


def fuzz_engine(data: bytes) -> None:
    """Feed ``data`` to a server engine; layout: flags, 4 choice bytes, 4 chunk-size bytes, the bytes."""
    if len(data) < 9:
        return
    flags, choices, sizes, stream = data[0], data[1:5], data[5:9], data[9:]
    listener = ServerLike(choices)
    engine = c.H2Engine(
        listener,
        client_side=False,
        stream_window=1 << (8 + flags % 16),
        connection_window=1 << 20,
        max_header_list_size=256 << (flags >> 4) % 8,
        max_concurrent_streams=None if flags & 0x40 else 2,
    )
    listener.engine = engine
    engine.initiate()
    if not flags & 0x80:
        stream = c.PREFACE + c.frame(c.SETTINGS, 0, 0) + stream
    pos = 0
    turn = 0
    while pos < len(stream):
        size = sizes[turn % 4] * 8 + 1
        turn += 1
        engine.receive(stream[pos : pos + size])
        engine.data_to_send()
        pos += size


def fuzz_hpack(data: bytes) -> None:
    """Decode a series of blocks on one decoder; layout: flags, then (length byte, block) pairs."""
    if not data:
        return
    decoder = Decoder(max_table_size=256 << data[0] % 5, max_header_list_size=64 << data[0] % 12)
    pos = 1
    while pos < len(data):
        length = data[pos] * 4
        block = data[pos + 1 : pos + 1 + length]
        pos += 1 + length
        try:
            decoder.decode(block)
        except ProtocolError:
            # HeaderListTooLarge leaves the decoder usable; after HPACKError a connection would close,
            # but decoding on must still only ever raise our errors
            continue


def run_input(data: bytes) -> None:
    """The first byte picks the target (odd: HPACK, even: the engine)."""
    if data[:1] and data[0] % 2:
        fuzz_hpack(data[1:])
    else:
        fuzz_engine(data[1:])


def seeds() -> list[bytes]:
    """Valid traffic to start from, so the fuzzer does not have to discover HTTP/2 from nothing."""
    out = []
    try:
        from h2.config import H2Configuration
        from h2.connection import H2Connection
    except ImportError:
        h2_client: Any = None
    else:
        h2_client = H2Connection(H2Configuration(client_side=True, header_encoding=None))
    if h2_client is not None:
        h2_client.initiate_connection()
        request = [(b":method", b"POST"), (b":scheme", b"http"), (b":path", b"/a.B/C"), (b":authority", b"h")]
        h2_client.send_headers(1, [*request, (b"content-type", b"application/grpc"), (b"te", b"trailers")])
        h2_client.send_data(1, b"\x00\x00\x00\x00\x02hi", pad_length=3)
        h2_client.send_headers(3, request, end_stream=True)
        h2_client.ping(b"12345678")
        h2_client.reset_stream(1)
        h2_client.send_headers(5, [*request, (b"x-big", b"v" * 20000)], end_stream=True)
        raw = h2_client.data_to_send().removeprefix(c.PREFACE)
        # even first byte: engine target; flags 0x40 keeps the preface added and no stream limit
        out.append(b"\x00\x40\x01\x01\x01\x01\xff\x20\x07\x80" + raw)
    import hpack

    encoder = hpack.Encoder()
    blocks = [encoder.encode([(b"x-a", b"1"), (b":path", b"/p")]), encoder.encode([(b"x-a", b"1")], huffman=False)]
    # hpack target (odd first byte); each block padded with indexed fields to the 4-byte length unit
    framed = [bytes((len(b) // 4 + 1,)) + b.ljust(len(b) // 4 * 4 + 4, b"\x82") for b in blocks]
    out.append(b"\x01\x03" + b"".join(framed))
    return out


if __name__ == "__main__":
    # H2ConnectionError, HPACKError, HeaderListTooLarge and misuse of our own API are all ProtocolError
    sys.exit(main(Target("http2", run_input, (ProtocolError,), seeds), __doc__.split("\n\n")[0]))
