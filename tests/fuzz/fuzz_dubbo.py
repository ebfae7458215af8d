"""Fuzz the Dubbo protocol's frame decoder and body decoders with whatever bytes a peer could send.

The property: a stream of bytes fed to :class:`FrameDecoder` in chunks (sizes from the input) yields
frames, or fails with :class:`FrameError` (not Dubbo: the connection closes) or
:class:`PayloadLimitError` (one frame over the limit: skipped, decoding goes on); every frame's body
decodes as a request, response or event, or fails with a :class:`~dubbopy.errors.DecodeError`. Any
other exception, an input that runs too long or allocates too much is a bug (see ``fuzz_runner``).

The first input byte picks the payload limit (tiny, to reach the skipping path, or the default).
Usage: ``scripts/fuzz dubbo [--seconds 60] [--engine atheris|hypothesis]``.
"""

from __future__ import annotations

import sys

from fuzz_runner import USE_ATHERIS, Target, atheris, main

if USE_ATHERIS:
    with atheris.instrument_imports(include=["dubbopy"]):
        from dubbopy.errors import DecodeError
        from dubbopy.protocol.dubbo import codec
        from dubbopy.protocol.dubbo.frames import FrameDecoder, FrameError, PayloadLimitError
else:
    from dubbopy.errors import DecodeError
    from dubbopy.protocol.dubbo import codec
    from dubbopy.protocol.dubbo.frames import FrameDecoder, FrameError, PayloadLimitError


def run_input(data: bytes) -> None:
    """Decode every frame of ``data[2:]``, fed in chunks of ``data[1]`` bytes (0: all at once)."""
    if len(data) < 2:
        return
    decoder = FrameDecoder(64 if data[0] & 1 else 8 << 20)
    chunk = data[1] or len(data)
    stream = data[2:]
    for start in range(0, len(stream), chunk):
        decoder.feed(stream[start : start + chunk])
        while True:
            try:
                frame = decoder.next_frame()
            except PayloadLimitError:
                continue  # recoverable: that frame's body is skipped
            if frame is None:
                break
            header = frame.header
            try:
                if header.is_event:
                    codec.decode_event(frame)
                elif header.is_request:
                    codec.decode_request(frame)
                else:
                    codec.decode_response(frame)
            except DecodeError:
                pass  # one bad body: answered or dropped, the connection goes on


def seeds() -> list[bytes]:
    """Valid frames to start from: a request, a response, a heartbeat."""
    request = codec.encode_request(
        codec.Request(
            7,
            "org.apache.dubbo.samples.api.GreetingsService",
            "sayHi",
            ("java.lang.String", "int"),
            ("world", 3),
            {"path": "org.apache.dubbo.samples.api.GreetingsService", "traceId": "t-1"},
        )
    )
    response = codec.encode_response(codec.Response(7, value="hi, world", attachments={"k": "v"}))
    heartbeat = codec.encode_event(codec.Event(8, is_request=True, twoway=True))
    return [b"\x00\x00" + request + response + heartbeat, b"\x01\x05" + request]


if __name__ == "__main__":
    # FrameError is a DecodeError too: decoding after it keeps raising, which ends the input's stream
    sys.exit(main(Target("dubbo", run_input, (FrameError, DecodeError), seeds), __doc__.split("\n\n")[0]))
