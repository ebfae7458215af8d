"""Triple "wrapper" mode: Hessian (or another serialization) carried inside protobuf envelopes.

Java interfaces that are not protobuf-generated cross Triple as ``TripleRequestWrapper`` /
``TripleResponseWrapper`` messages (``spec/triple.md`` §3): each argument serialized on its own, with the
Java class names of the declared parameter types next to them. This module reads and writes those
envelopes with a few lines of protobuf wire format (no generated code), in the field order Java writes:
request = field 1, every field 2, every field 3; response = field 1, field 2 (when there is data),
field 3 (always). Decoders go by field number, so dubbo-go's response-as-request-wrapper form reads too.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from dubbopy.errors import DecodeError

#: what Java writes as ``serializeType`` for hessian2 (a historical name); both are accepted
JAVA_HESSIAN_NAME = "hessian4"
HESSIAN_NAMES = frozenset({"hessian4", "hessian2"})


@dataclass(slots=True)
class RequestWrapper:
    """``org.apache.dubbo.triple.TripleRequestWrapper``."""

    serialize_type: str
    args: list[bytes] = field(default_factory=list)
    arg_types: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ResponseWrapper:
    """``org.apache.dubbo.triple.TripleResponseWrapper``; ``data`` is ``None`` when absent."""

    serialize_type: str
    data: bytes | None = None
    type: str = ""


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(number: int, payload: bytes) -> bytes:
    return _varint((number << 3) | 2) + _varint(len(payload)) + payload


def encode_request(wrapper: RequestWrapper) -> bytes:
    """Protobuf bytes of a request wrapper, field order as Java writes it."""
    parts = [_field(1, wrapper.serialize_type.encode())]
    parts.extend(_field(2, arg) for arg in wrapper.args)
    parts.extend(_field(3, name.encode()) for name in wrapper.arg_types)
    return b"".join(parts)


def encode_response(wrapper: ResponseWrapper) -> bytes:
    """Protobuf bytes of a response wrapper, field order as Java writes it (field 3 always)."""
    parts = [_field(1, wrapper.serialize_type.encode())]
    if wrapper.data is not None:
        parts.append(_field(2, wrapper.data))
    parts.append(_field(3, wrapper.type.encode()))
    return b"".join(parts)


def _read_varint(data: bytes, pos: int) -> tuple[int, int]:
    result = shift = 0
    while True:
        if pos >= len(data):
            raise DecodeError(f"Triple wrapper truncated in a varint at byte {pos}")
        byte = data[pos]
        pos += 1
        result |= (byte & 0x7F) << shift
        if not byte & 0x80:
            return result, pos
        shift += 7
        if shift > 63:
            raise DecodeError(f"Triple wrapper varint too long at byte {pos}")


def _fields(data: bytes, what: str) -> list[tuple[int, bytes]]:
    """Every length-delimited field as (number, payload); other wire types are skipped."""
    out: list[tuple[int, bytes]] = []
    pos = 0
    end = len(data)
    while pos < end:
        key, pos = _read_varint(data, pos)
        number, wire_type = key >> 3, key & 7
        if wire_type == 2:
            length, pos = _read_varint(data, pos)
            if pos + length > end:
                raise DecodeError(f"{what}: field {number} of {length} bytes runs past the end ({end - pos} left)")
            out.append((number, data[pos : pos + length]))
            pos += length
        elif wire_type == 0:
            _, pos = _read_varint(data, pos)
        elif wire_type == 1:
            pos += 8
        elif wire_type == 5:
            pos += 4
        else:
            raise DecodeError(f"{what}: unsupported protobuf wire type {wire_type} at byte {pos}")
    if pos != end:
        raise DecodeError(f"{what}: truncated")
    return out


def _text(payload: bytes, what: str) -> str:
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DecodeError(f"{what}: a string field is not UTF-8 ({exc})") from None


def decode_request(data: bytes) -> RequestWrapper:
    """Parse a ``TripleRequestWrapper``; raises :class:`DecodeError` with what was wrong."""
    wrapper = RequestWrapper("")
    for number, payload in _fields(data, "TripleRequestWrapper"):
        if number == 1:
            wrapper.serialize_type = _text(payload, "TripleRequestWrapper.serializeType")
        elif number == 2:
            wrapper.args.append(payload)
        elif number == 3:
            wrapper.arg_types.append(_text(payload, "TripleRequestWrapper.argTypes"))
    return wrapper


def decode_response(data: bytes) -> ResponseWrapper:
    """Parse a ``TripleResponseWrapper`` (or dubbo-go's one-arg request wrapper, which is the same bytes)."""
    wrapper = ResponseWrapper("")
    for number, payload in _fields(data, "TripleResponseWrapper"):
        if number == 1:
            wrapper.serialize_type = _text(payload, "TripleResponseWrapper.serializeType")
        elif number == 2:
            wrapper.data = payload
        elif number == 3:
            wrapper.type = _text(payload, "TripleResponseWrapper.type")
    return wrapper
