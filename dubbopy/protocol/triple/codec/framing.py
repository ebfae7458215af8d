"""gRPC "Length-Prefixed-Message" framing of the DATA stream (``spec/triple.md`` §1.2).

Every message on a Triple/gRPC stream is preceded by five bytes::

    +----------------+------------------------------+-------------------------+
    | flags: 1 byte  | length: uint32 big-endian    | message: <length> bytes |
    +----------------+------------------------------+-------------------------+

Flag bit 0 says the message is compressed with the stream's ``grpc-encoding``; bits 1-7 are reserved
and must be zero. HTTP/2 DATA frames do not line up with messages: one message may span many frames
and one frame may carry many messages, so :class:`MessageDecoder` is incremental.

This module does no I/O: the transport feeds it the bytes of DATA frames and sends what it returns.
"""

from __future__ import annotations

import struct

from dubbopy.errors import ConfigError, ProtocolError

__all__ = [
    "DEFAULT_MAX_MESSAGE_SIZE",
    "EMPTY_MESSAGE",
    "FLAG_COMPRESSED",
    "HEADER_SIZE",
    "MAX_WIRE_LENGTH",
    "MessageDecoder",
    "MessageTooLargeError",
    "encode_header",
    "encode_message",
    "encode_message_parts",
]

#: Size of the prefix in front of every message.
HEADER_SIZE = 5
#: Flag bit 0: the message is compressed with the stream's ``grpc-encoding``.
FLAG_COMPRESSED = 0x01
#: Bits 1-7 must be zero on the gRPC wire (Java ``TriDecoder`` rejects them; dubbo-go's 0x80 trailer
#: flag exists only in gRPC-Web and never appears here).
_RESERVED_FLAGS = 0xFE
#: The largest length the 32-bit field can carry.
MAX_WIRE_LENGTH = 0xFFFF_FFFF
#: Default receive limit, as dubbo-go (``DefaultMaxServerRecvMsgSize``) and grpc-go: 4 MiB.
DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024
#: The framed empty message, ``00 00 00 00 00``.
EMPTY_MESSAGE = b"\x00\x00\x00\x00\x00"

_HEADER = struct.Struct(">BI")
_pack_header = _HEADER.pack
_unpack_header = _HEADER.unpack_from


class MessageTooLargeError(ProtocolError):
    """A received message (or its decompressed form) is larger than the configured limit.

    The transport answers it with ``RESOURCE_EXHAUSTED`` (``spec/triple.md`` §1.2). ``size`` is the
    announced length, or ``None`` when only a lower bound is known (a decompression stopped early);
    ``limit`` is the limit that was exceeded.
    """

    def __init__(self, size: int | None, limit: int, *, what: str = "gRPC message") -> None:
        if size is None:
            text = f"{what} is larger than the limit of {limit} bytes"
        else:
            text = f"{what} of {size} bytes is larger than the limit of {limit} bytes"
        super().__init__(text + "; raise max_message_size on the receiving side if this is expected")
        self.size = size
        self.limit = limit


def encode_header(length: int, compressed: bool = False) -> bytes:
    """The five-byte prefix for a message of ``length`` bytes.

    Raises :class:`~dubbopy.errors.ProtocolError` if ``length`` does not fit the 32-bit field.
    """
    try:
        return _pack_header(compressed, length)
    except struct.error:
        raise ProtocolError(
            f"gRPC message of {length} bytes cannot be framed: the length field holds at most {MAX_WIRE_LENGTH} bytes"
        ) from None


def encode_message(payload: bytes, compressed: bool = False) -> bytes:
    """Prefix ``payload`` (already compressed if ``compressed``) with its five-byte header.

    This copies ``payload`` once; :func:`encode_message_parts` avoids the copy when the transport can
    write two buffers.
    """
    try:
        return _pack_header(compressed, len(payload)) + payload
    except struct.error:
        return encode_header(len(payload), compressed) + payload  # raises the readable error


def encode_message_parts(payload: bytes, compressed: bool = False) -> tuple[bytes, bytes]:
    """The header and ``payload`` as two buffers, for transports that write them back to back
    without joining them first (for example a large message split across several DATA frames)."""
    return encode_header(len(payload), compressed), payload


class MessageDecoder:
    """Incremental decoder of length-prefixed messages.

    :meth:`feed` takes the bytes of each DATA frame as they arrive and returns the messages completed
    so far as ``(compressed, payload)`` pairs; partial messages are kept until the rest arrives. The
    header is checked as soon as its five bytes are in: reserved flag bits raise
    :class:`~dubbopy.errors.ProtocolError`, a length above ``max_message_size`` raises
    :class:`MessageTooLargeError` before any of the body is buffered. After an error the decoder is
    dead and every later call raises again (the stream must be reset).

    ``max_message_size=None`` means no limit other than the 32-bit length field.
    """

    __slots__ = ("_buffer", "_compressed", "_error", "_length", "_max")

    def __init__(self, max_message_size: int | None = DEFAULT_MAX_MESSAGE_SIZE) -> None:
        if max_message_size is None:
            max_message_size = MAX_WIRE_LENGTH
        elif max_message_size < 0:
            raise ConfigError(f"max_message_size must be >= 0, got {max_message_size}")
        self._max = max_message_size
        self._buffer = bytearray()
        #: body length of the message whose header has been read, or -1 while waiting for a header
        self._length = -1
        self._compressed = False
        self._error: ProtocolError | None = None

    @property
    def max_message_size(self) -> int:
        """The largest accepted message length."""
        return self._max

    @property
    def pending(self) -> int:
        """Bytes received that do not yet form a whole message (header bytes included)."""
        if self._length >= 0:
            return HEADER_SIZE + len(self._buffer)
        return len(self._buffer)

    def feed(self, data: bytes | bytearray | memoryview) -> list[tuple[bool, bytes]]:
        """Add received bytes; return every message they complete, in order."""
        if self._error is not None:
            raise ProtocolError(f"gRPC message decoder already failed: {self._error}")
        buffer = self._buffer
        if buffer:
            buffer += data
            # A view lets ``bytes(src[a:b])`` copy a body once; released before the buffer is resized.
            with memoryview(buffer) as view:
                messages, consumed = self._parse(view)
            del buffer[:consumed]
            return messages
        if type(data) is bytes:
            # Fast path: the chunk is exactly one valid message (a small unary call's DATA frame).
            if self._length < 0 and len(data) >= HEADER_SIZE:
                flags, length = _unpack_header(data, 0)
                if length + HEADER_SIZE == len(data) and flags <= FLAG_COMPRESSED and length <= self._max:
                    return [(flags == FLAG_COMPRESSED, data[HEADER_SIZE:])]
            messages, consumed = self._parse(data)
            if consumed < len(data):
                buffer += memoryview(data)[consumed:]
            return messages
        with memoryview(data) as view:
            messages, consumed = self._parse(view)
            if consumed < len(view):
                buffer += view[consumed:]
        return messages

    def _parse(self, src: bytes | memoryview) -> tuple[list[tuple[bool, bytes]], int]:
        messages: list[tuple[bool, bytes]] = []
        end = len(src)
        pos = 0
        length = self._length
        compressed = self._compressed
        while True:
            if length < 0:
                if end - pos < HEADER_SIZE:
                    break
                flags, length = _unpack_header(src, pos)
                if flags & _RESERVED_FLAGS or length > self._max:
                    self._length = -1
                    raise self._fail(flags, length)
                compressed = flags == FLAG_COMPRESSED
                pos += HEADER_SIZE
            if end - pos < length:
                break
            stop = pos + length
            messages.append((compressed, bytes(src[pos:stop])))
            pos = stop
            length = -1
        self._length = length
        self._compressed = compressed
        return messages, pos

    def _fail(self, flags: int, length: int) -> ProtocolError:
        error: ProtocolError
        if flags & _RESERVED_FLAGS:
            error = ProtocolError(
                f"gRPC frame header malformed: reserved flag bits set (flags=0x{flags:02x}); "
                "the peer is not speaking gRPC framing"
            )
        else:
            error = MessageTooLargeError(length, self._max)
        self._error = error
        return error

    def eof(self) -> None:
        """The stream ended: raise :class:`~dubbopy.errors.ProtocolError` if a message is incomplete."""
        if self._error is not None:
            raise ProtocolError(f"gRPC message decoder already failed: {self._error}")
        if self._length >= 0:
            raise ProtocolError(f"stream ended inside a gRPC message: got {len(self._buffer)} of {self._length} bytes")
        if self._buffer:
            raise ProtocolError(
                f"stream ended inside a gRPC message header: got {len(self._buffer)} of {HEADER_SIZE} bytes"
            )
