"""Dubbo frames: the 16-byte header and the incremental frame decoder (``spec/dubbo-protocol.md`` §1).

::

     0      1      2      3      4 .......... 11   12 ...... 15   16 ...
    +------+------+------+------+---------------+--------------+----------------+
    | 0xda | 0xbb | flag |status| request id    | body length  | body           |
    |      |      |      |      | int64 BE      | int32 BE     | (serialized)   |
    +------+------+------+------+---------------+--------------+----------------+

``flag``: ``0x80`` request, ``0x40`` two-way, ``0x20`` event, low five bits the serialization id.

This module does no I/O. :class:`FrameDecoder` takes the bytes a socket delivers, in pieces of any size,
and hands out whole frames. The payload limit (§1.4) is checked from the header alone: a body over the
limit is never buffered; the decoder raises :class:`PayloadLimitError` for it and then skips exactly its
bytes, so the connection can go on. Bytes that do not start with the magic are fatal
(:class:`FrameError`): the stream cannot be resynchronised safely.
"""

from __future__ import annotations

import enum
import struct
from dataclasses import dataclass
from typing import Final

from dubbopy.errors import ConfigError, DecodeError, ProtocolError

__all__ = [
    "DEFAULT_PAYLOAD",
    "FLAG_EVENT",
    "FLAG_REQUEST",
    "FLAG_TWOWAY",
    "HEADER_LENGTH",
    "HESSIAN2",
    "MAGIC",
    "SERIALIZATION_MASK",
    "Frame",
    "FrameDecoder",
    "FrameError",
    "Header",
    "PayloadLimitError",
    "Status",
    "check_payload_limit",
]

HEADER_LENGTH: Final = 16
MAGIC: Final = b"\xda\xbb"
FLAG_REQUEST: Final = 0x80
FLAG_TWOWAY: Final = 0x40
FLAG_EVENT: Final = 0x20
SERIALIZATION_MASK: Final = 0x1F
#: Serialization id of hessian2, the default (§1.1).
HESSIAN2: Final = 2
#: ``payload`` URL parameter default: 8 MiB of body (header excluded), Java ``DEFAULT_PAYLOAD``.
DEFAULT_PAYLOAD: Final = 8 * 1024 * 1024
#: The largest body the signed 32-bit length field can announce.
MAX_WIRE_LENGTH: Final = 0x7FFF_FFFF

_HEADER = struct.Struct(">2sBBqi")
_pack = _HEADER.pack
_unpack = _HEADER.unpack_from


class Status(enum.IntEnum):
    """The response status byte (§3.2); requests carry 0."""

    OK = 20
    SERIALIZATION_ERROR = 25
    CLIENT_TIMEOUT = 30
    SERVER_TIMEOUT = 31
    CHANNEL_INACTIVE = 35
    BAD_REQUEST = 40
    BAD_RESPONSE = 50
    SERVICE_NOT_FOUND = 60
    SERVICE_ERROR = 70
    SERVER_ERROR = 80
    CLIENT_ERROR = 90
    SERVER_THREADPOOL_EXHAUSTED_ERROR = 100


class FrameError(DecodeError):
    """The bytes are not Dubbo frames (wrong magic, negative length); the connection must be closed."""


class PayloadLimitError(ProtocolError):
    """A frame body (received or about to be sent) is larger than the payload limit.

    ``header`` is the received frame's header (``None`` when raised for an outgoing frame): it says which
    request or response was refused, so the receiver can fail that one call and carry on.
    """

    def __init__(self, size: int, limit: int, header: Header | None = None) -> None:
        super().__init__(
            f"Data length too large: {size}, max payload: {limit}; "
            "raise the 'payload' parameter on both sides if such messages are expected"
        )
        self.size = size
        self.limit = limit
        self.header = header


def check_payload_limit(size: int, limit: int) -> None:
    """Raise :class:`PayloadLimitError` when a body of ``size`` bytes is over ``limit``."""
    if size > limit:
        raise PayloadLimitError(size, limit)


@dataclass(frozen=True, slots=True)
class Header:
    """A decoded frame header. ``length`` is the body length announced by the peer."""

    flag: int
    status: int
    request_id: int
    length: int

    @property
    def is_request(self) -> bool:
        """Whether this frame is a request (else a response)."""
        return bool(self.flag & FLAG_REQUEST)

    @property
    def is_twoway(self) -> bool:
        """Whether a request expects a response."""
        return bool(self.flag & FLAG_TWOWAY)

    @property
    def is_event(self) -> bool:
        """Whether this frame is an event (heartbeat, readonly notice)."""
        return bool(self.flag & FLAG_EVENT)

    @property
    def serialization_id(self) -> int:
        """The body's serialization id (2 = hessian2)."""
        return self.flag & SERIALIZATION_MASK

    def pack(self) -> bytes:
        """The 16 header bytes."""
        return pack_header(self.flag, self.status, self.request_id, self.length)

    @classmethod
    def unpack(cls, data: bytes | bytearray | memoryview, offset: int = 0) -> Header:
        """Read a header at ``offset`` (16 bytes must be there); :class:`FrameError` on a wrong magic or a
        negative length."""
        magic, flag, status, request_id, length = _unpack(data, offset)
        if magic != MAGIC:
            raise FrameError(f"not a Dubbo frame: expected magic da bb, got {magic.hex(' ')}")
        if length < 0:
            raise FrameError(f"Dubbo frame announces a negative body length ({length})")
        return cls(flag, status, request_id, length)


def pack_header(flag: int, status: int, request_id: int, length: int) -> bytes:
    """The 16 header bytes for the given fields (``request_id`` a signed 64-bit value)."""
    try:
        return _pack(MAGIC, flag, status, request_id, length)
    except struct.error as exc:
        raise ProtocolError(
            f"cannot build a Dubbo header (flag={flag}, status={status}, id={request_id}, length={length}): {exc}"
        ) from exc


@dataclass(frozen=True, slots=True)
class Frame:
    """A whole frame: its header and exactly ``header.length`` body bytes."""

    header: Header
    body: bytes


class FrameDecoder:
    """Incremental decoder of Dubbo frames. See the module docstring.

    Usage: :meth:`feed` the received bytes, then call :meth:`next_frame` until it returns ``None``::

        decoder.feed(data)
        while True:
            try:
                frame = decoder.next_frame()
            except PayloadLimitError as exc:    # that frame is dropped; exc.header says which
                ...
                continue
            if frame is None:
                break
            ...

    :class:`FrameError` (wrong magic, negative length) is fatal: every later call raises it again.
    ``max_payload`` limits the body length (``None``: only the 31-bit length field limits it).
    """

    __slots__ = ("_buffer", "_error", "_max", "_pos", "_skip")

    def __init__(self, max_payload: int | None = DEFAULT_PAYLOAD) -> None:
        if max_payload is None:
            max_payload = MAX_WIRE_LENGTH
        elif isinstance(max_payload, bool) or not isinstance(max_payload, int) or max_payload < 0:
            raise ConfigError(f"payload limit must be an int >= 0, got {max_payload!r}")
        self._max = max_payload
        self._buffer = bytearray()
        self._pos = 0
        #: body bytes of an oversize frame still to be thrown away as they arrive
        self._skip = 0
        self._error: FrameError | None = None

    @property
    def max_payload(self) -> int:
        """The largest accepted body length."""
        return self._max

    @property
    def buffered(self) -> int:
        """Bytes received that do not yet form a whole frame."""
        return len(self._buffer) - self._pos

    @property
    def skipping(self) -> int:
        """Body bytes of a refused oversize frame that are still to arrive (and be dropped)."""
        return self._skip

    def feed(self, data: bytes | bytearray | memoryview) -> None:
        """Add received bytes (bytes of a refused oversize body are dropped here, never stored)."""
        if self._error is not None:
            raise FrameError(f"Dubbo frame decoder already failed: {self._error}")
        skip = self._skip
        if skip:
            size = len(data)
            if size <= skip:
                self._skip = skip - size
                return
            self._skip = 0
            data = memoryview(data)[skip:]
        self._buffer += data

    def next_frame(self) -> Frame | None:
        """The next whole frame, or ``None`` until more bytes are fed.

        Raises :class:`PayloadLimitError` for a frame over the limit (recoverable, see the class doc) and
        :class:`FrameError` for bytes that are not Dubbo frames (fatal).
        """
        if self._error is not None:
            raise FrameError(f"Dubbo frame decoder already failed: {self._error}")
        buffer = self._buffer
        pos = self._pos
        available = len(buffer) - pos
        if available < HEADER_LENGTH:
            # check the magic as soon as it is there: text sent to the port fails fast
            if available and (buffer[pos] != 0xDA or (available > 1 and buffer[pos + 1] != 0xBB)):
                raise self._fail(
                    FrameError(f"not a Dubbo frame: expected magic da bb, got {buffer[pos : pos + 2].hex(' ')}")
                )
            self._compact()
            return None
        try:
            header = Header.unpack(buffer, pos)
        except FrameError as exc:
            raise self._fail(exc) from None
        length = header.length
        if length > self._max:
            body_start = pos + HEADER_LENGTH
            have = len(buffer) - body_start
            if have >= length:
                self._pos = body_start + length
            else:
                self._pos = len(buffer)
                self._skip = length - have
            self._compact()
            raise PayloadLimitError(length, self._max, header)
        end = pos + HEADER_LENGTH + length
        if len(buffer) < end:
            self._compact()
            return None
        body = bytes(buffer[pos + HEADER_LENGTH : end])
        self._pos = end
        return Frame(header, body)

    def _compact(self) -> None:
        if self._pos:
            del self._buffer[: self._pos]
            self._pos = 0

    def _fail(self, error: FrameError) -> FrameError:
        self._error = error
        self._buffer.clear()
        self._pos = 0
        return error

    def eof(self) -> None:
        """The connection ended: raise :class:`FrameError` if a frame was cut off."""
        if self._error is not None:
            raise FrameError(f"Dubbo frame decoder already failed: {self._error}")
        if self._skip:
            raise FrameError(f"connection ended inside an oversize frame body ({self._skip} bytes missing)")
        available = self.buffered
        if available:
            raise FrameError(f"connection ended inside a Dubbo frame: {available} bytes of an incomplete frame")
