"""gRPC status trailers: ``grpc-status``, ``grpc-message``, ``grpc-status-details-bin`` (``spec/triple.md``
§1.3), and the HTTP status ⇄ gRPC code tables of §4.

``grpc-status-details-bin`` carries a serialized ``google.rpc.Status``::

    message Status { int32 code = 1; string message = 2; repeated google.protobuf.Any details = 3; }
    message Any    { string type_url = 1; bytes value = 2; }

:class:`StatusProto` reads and writes those bytes with a small hand-written protobuf wire codec, so the
runtime does not need the googleapis protos; the packed detail messages (``google.rpc.ErrorInfo``,
``DebugInfo``, …) stay opaque :class:`AnyProto` values for the layer that knows them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from dubbopy.errors import ConfigError, DecodeError, StatusCode
from dubbopy.protocol.triple.codec.metadata import decode_binary_header, encode_binary_header

__all__ = [
    "AnyProto",
    "StatusProto",
    "decode_grpc_message",
    "decode_status_details",
    "encode_grpc_message",
    "encode_status_details",
    "go_code_to_http_status",
    "go_http_status_to_code",
    "grpc_code_to_http_status",
    "http_status_to_grpc_code",
    "parse_grpc_status",
]

# ---------------------------------------------------------------------------------------------------
# grpc-message percent-encoding

# Bytes that travel as themselves: printable ASCII except '%' (the escape) and '+'. The gRPC spec only
# requires escaping '%', but Java decodes grpc-message with netty's QueryStringDecoder, which turns a
# bare '+' into a space; "%2B" is read as '+' by every peer.
_MESSAGE_SAFE = frozenset(range(0x20, 0x7F)) - {ord("%"), ord("+")}
_MESSAGE_TABLE = tuple(chr(b) if b in _MESSAGE_SAFE else f"%{b:02X}" for b in range(256))


def encode_grpc_message(message: str) -> str:
    """Percent-encode a status message for ``grpc-message``: UTF-8, then every byte outside printable
    ASCII, ``%`` and ``+`` becomes ``%XX`` (upper-case hex). Messages that need no escaping are returned
    as they are, without copying."""
    if message.isascii() and message.isprintable() and "%" not in message and "+" not in message:
        return message
    table = _MESSAGE_TABLE
    return "".join([table[b] for b in message.encode("utf-8", "replace")])


def decode_grpc_message(value: str) -> str:
    """Decode ``grpc-message``. Like grpc, it never fails: a ``%`` not followed by two hex digits is
    kept as it is, and bytes that are not UTF-8 become U+FFFD."""
    if "%" not in value:
        return value
    return unquote_to_bytes(value).decode("utf-8", "replace")


def parse_grpc_status(value: str) -> StatusCode:
    """The code of a ``grpc-status`` value; numbers outside 0-16 (such as dubbo-go's 17) read as
    ``UNKNOWN``. Raises :class:`~dubbopy.errors.DecodeError` if it is not a decimal number."""
    if not (value.isascii() and value.isdigit()) or len(value) > 10:
        raise DecodeError(f"invalid grpc-status {value!r}: expected a decimal status code")
    return StatusCode.from_wire(int(value))


# ---------------------------------------------------------------------------------------------------
# google.rpc.Status wire codec

_INT32_MIN = -(2**31)
_INT32_MAX = 2**31 - 1
_WIRE_VARINT = 0
_WIRE_FIXED64 = 1
_WIRE_LEN = 2
_WIRE_FIXED32 = 5


def _varint(value: int) -> bytes:
    if value < 0:
        value &= 0xFFFF_FFFF_FFFF_FFFF  # negative int32 is sign-extended to 10 bytes
    if value < 0x80:
        return bytes((value,))
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _len_field(tag: int, data: bytes) -> bytes:
    return bytes((tag,)) + _varint(len(data)) + data


def _read_varint(data: bytes | memoryview, pos: int, what: str) -> tuple[int, int]:
    result = 0
    shift = 0
    end = len(data)
    while pos < end and shift < 70:
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if byte < 0x80:
            return result, pos
        shift += 7
    if shift >= 70:
        raise DecodeError(f"{what}: varint longer than 10 bytes")
    raise DecodeError(f"{what}: truncated varint")


def _fields(data: bytes | memoryview, what: str) -> list[tuple[int, int, int | memoryview]]:
    """(field number, wire type, value) of every field; length-delimited values as views."""
    view = memoryview(data)
    fields: list[tuple[int, int, int | memoryview]] = []
    pos = 0
    end = len(view)
    while pos < end:
        key, pos = _read_varint(view, pos, what)
        number, wire_type = key >> 3, key & 7
        if number == 0:
            raise DecodeError(f"{what}: field number 0 at byte {pos}")
        value: int | memoryview
        if wire_type == _WIRE_VARINT:
            value, pos = _read_varint(view, pos, what)
        elif wire_type == _WIRE_LEN:
            length, pos = _read_varint(view, pos, what)
            if length > end - pos:
                raise DecodeError(f"{what}: field {number} needs {length} bytes, {end - pos} left")
            value = view[pos : pos + length]
            pos += length
        elif wire_type in (_WIRE_FIXED64, _WIRE_FIXED32):
            size = 8 if wire_type == _WIRE_FIXED64 else 4
            if size > end - pos:
                raise DecodeError(f"{what}: truncated fixed-size field {number}")
            value = int.from_bytes(view[pos : pos + size], "little")
            pos += size
        else:
            raise DecodeError(f"{what}: unsupported wire type {wire_type} for field {number}")
        fields.append((number, wire_type, value))
    return fields


@dataclass(frozen=True, slots=True)
class AnyProto:
    """A ``google.protobuf.Any``: a packed message and the URL naming its type
    (``type.googleapis.com/google.rpc.ErrorInfo``)."""

    type_url: str
    value: bytes = b""

    @property
    def type_name(self) -> str:
        """The full message name: the part of ``type_url`` after the last ``/``."""
        return self.type_url.rpartition("/")[2]

    def to_bytes(self) -> bytes:
        """Protobuf encoding (empty fields omitted, as proto3 does)."""
        out = b""
        if self.type_url:
            out += _len_field(0x0A, self.type_url.encode("utf-8"))
        if self.value:
            out += _len_field(0x12, bytes(self.value))
        return out

    @classmethod
    def from_bytes(cls, data: bytes | memoryview) -> AnyProto:
        """Parse protobuf bytes; unknown fields are skipped. Raises :class:`~dubbopy.errors.DecodeError`."""
        type_url = ""
        value = b""
        for number, wire_type, field in _fields(data, "google.protobuf.Any"):
            if wire_type != _WIRE_LEN or not isinstance(field, memoryview):
                continue
            if number == 1:
                type_url = bytes(field).decode("utf-8", "replace")
            elif number == 2:
                value = bytes(field)
        return cls(type_url, value)


@dataclass(frozen=True, slots=True)
class StatusProto:
    """A ``google.rpc.Status``: the payload of ``grpc-status-details-bin``.

    ``code`` stays a plain ``int`` so codes outside :class:`~dubbopy.errors.StatusCode` survive a round
    trip; ``StatusCode.from_wire(status.code)`` maps it.
    """

    code: int
    message: str = ""
    details: tuple[AnyProto, ...] = ()

    def to_bytes(self) -> bytes:
        """Protobuf encoding, fields in number order, defaults omitted (byte-identical to protobuf's
        own serializer). Raises :class:`~dubbopy.errors.ConfigError` if ``code`` is not an int32."""
        code = int(self.code)
        if not _INT32_MIN <= code <= _INT32_MAX:
            raise ConfigError(f"google.rpc.Status code must fit in int32, got {code}")
        out = b"\x08" + _varint(code) if code else b""
        if self.message:
            out += _len_field(0x12, self.message.encode("utf-8", "replace"))
        for detail in self.details:
            out += _len_field(0x1A, detail.to_bytes())
        return out

    @classmethod
    def from_bytes(cls, data: bytes | memoryview) -> StatusProto:
        """Parse protobuf bytes; unknown fields are skipped and a repeated scalar keeps its last value,
        as protobuf does. Raises :class:`~dubbopy.errors.DecodeError` on malformed input."""
        code = 0
        message = ""
        details: list[AnyProto] = []
        for number, wire_type, field in _fields(data, "google.rpc.Status"):
            if number == 1 and wire_type == _WIRE_VARINT and isinstance(field, int):
                code = field & 0xFFFF_FFFF  # int32: keep the low 32 bits, then sign them
                if code > _INT32_MAX:
                    code -= 1 << 32
            elif number == 2 and isinstance(field, memoryview):
                message = bytes(field).decode("utf-8", "replace")
            elif number == 3 and isinstance(field, memoryview):
                details.append(AnyProto.from_bytes(field))
        return cls(code, message, tuple(details))


def encode_status_details(code: int, message: str = "", details: Sequence[AnyProto] = ()) -> str:
    """``grpc-status-details-bin`` value: a ``google.rpc.Status`` in unpadded base64 (Java style)."""
    return encode_binary_header(StatusProto(code, message, tuple(details)).to_bytes())


def decode_status_details(value: str | bytes) -> StatusProto:
    """Parse a ``grpc-status-details-bin`` value (padding optional).

    Raises :class:`~dubbopy.errors.DecodeError` on invalid base64 or protobuf.
    """
    return StatusProto.from_bytes(decode_binary_header(value, key="grpc-status-details-bin"))


# ---------------------------------------------------------------------------------------------------
# HTTP status ⇄ gRPC code (spec/triple.md §4)

_S = StatusCode

# Java TriRpcStatus.grpcCodeToHttpStatus (HTTP mode B answers).
_JAVA_CODE_TO_HTTP = {
    _S.OK: 200,
    _S.CANCELLED: 499,
    _S.UNKNOWN: 500,
    _S.INVALID_ARGUMENT: 400,
    _S.DEADLINE_EXCEEDED: 504,
    _S.NOT_FOUND: 404,
    _S.ALREADY_EXISTS: 409,
    _S.PERMISSION_DENIED: 403,
    _S.RESOURCE_EXHAUSTED: 429,
    _S.FAILED_PRECONDITION: 400,
    _S.ABORTED: 409,
    _S.OUT_OF_RANGE: 400,
    _S.UNIMPLEMENTED: 501,
    _S.INTERNAL: 500,
    _S.UNAVAILABLE: 503,
    _S.DATA_LOSS: 500,
    _S.UNAUTHENTICATED: 401,
}

# Java TriRpcStatus.httpStatusToGrpcCode (a gRPC response without grpc-status); also the gRPC
# http-grpc-status-mapping table.
_JAVA_HTTP_TO_CODE = {
    400: _S.INTERNAL,
    431: _S.INTERNAL,
    401: _S.UNAUTHENTICATED,
    403: _S.PERMISSION_DENIED,
    404: _S.UNIMPLEMENTED,
    429: _S.UNAVAILABLE,
    502: _S.UNAVAILABLE,
    503: _S.UNAVAILABLE,
    504: _S.UNAVAILABLE,
}

# dubbo-go mode C (connect-derived) tripleCodeToHTTP / tripleHTTPToCode.
_GO_CODE_TO_HTTP = {
    _S.OK: 200,
    _S.CANCELLED: 408,
    _S.UNKNOWN: 500,
    _S.INVALID_ARGUMENT: 400,
    _S.DEADLINE_EXCEEDED: 408,
    _S.NOT_FOUND: 404,
    _S.ALREADY_EXISTS: 409,
    _S.PERMISSION_DENIED: 403,
    _S.RESOURCE_EXHAUSTED: 429,
    _S.FAILED_PRECONDITION: 412,
    _S.ABORTED: 409,
    _S.OUT_OF_RANGE: 400,
    _S.UNIMPLEMENTED: 404,
    _S.INTERNAL: 500,
    _S.UNAVAILABLE: 503,
    _S.DATA_LOSS: 500,
    _S.UNAUTHENTICATED: 401,
}
_GO_HTTP_TO_CODE = {
    400: _S.INVALID_ARGUMENT,
    401: _S.UNAUTHENTICATED,
    403: _S.PERMISSION_DENIED,
    404: _S.UNIMPLEMENTED,
    408: _S.DEADLINE_EXCEEDED,
    412: _S.FAILED_PRECONDITION,
    413: _S.RESOURCE_EXHAUSTED,
    429: _S.UNAVAILABLE,
    431: _S.RESOURCE_EXHAUSTED,
    502: _S.UNAVAILABLE,
    503: _S.UNAVAILABLE,
    504: _S.UNAVAILABLE,
}


def grpc_code_to_http_status(code: StatusCode) -> int:
    """HTTP status for an error answered in plain-HTTP mode, as Java 3.3 maps it (mode B)."""
    return _JAVA_CODE_TO_HTTP.get(code, 500)


def http_status_to_grpc_code(http_status: int) -> StatusCode:
    """The code a gRPC client reports when a response has no ``grpc-status``, from ``:status``
    (Java ``httpStatusToGrpcCode``: 1xx, 400 and 431 → INTERNAL, 401 → UNAUTHENTICATED, 403 →
    PERMISSION_DENIED, 404 → UNIMPLEMENTED, 429/502/503/504 → UNAVAILABLE, anything else → UNKNOWN)."""
    if 100 <= http_status < 200:
        return _S.INTERNAL
    return _JAVA_HTTP_TO_CODE.get(http_status, _S.UNKNOWN)


def go_code_to_http_status(code: StatusCode) -> int:
    """HTTP status for an error in dubbo-go's unary HTTP mode (mode C, ``tripleCodeToHTTP``)."""
    return _GO_CODE_TO_HTTP.get(code, 500)


def go_http_status_to_code(http_status: int) -> StatusCode:
    """The code a dubbo-go mode-C client derives from an HTTP status (``tripleHTTPToCode``)."""
    return _GO_HTTP_TO_CODE.get(http_status, _S.UNKNOWN)
