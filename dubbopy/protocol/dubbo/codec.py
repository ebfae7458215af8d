"""Dubbo message bodies: requests, responses and events ⇄ frames (``spec/dubbo-protocol.md`` §2-§4).

Sans-IO: every function here takes values and returns bytes, or takes a
:class:`~dubbopy.protocol.dubbo.frames.Frame` and returns a message. The exchange layer (client and
server) drives them.

* :class:`Request` — an RPC call: dubbo version ``2.0.2``, service path, service version, method, the
  JVM parameter descriptor, one value per parameter (written in the wire form of its declared Java
  type), the attachments map.
* :class:`Response` — status 20 with a value, ``null`` or an exception, with or without attachments
  (kinds 0-5, §3), or another status with an error message (§3.2).
* :class:`Event` — heartbeats (body = the serialization's ``null``) and string events such as the
  readonly notice ``"R"`` (§4).

Decoding errors are :class:`~dubbopy.errors.DecodeError` with the request id and what was wrong;
:class:`BadRequestError` also says whether the peer waits for an answer, so a server can reply
``BAD_REQUEST`` (what Java does, ``HeaderExchangeHandler``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Any, Final

from dubbopy.errors import DecodeError, ProtocolError
from dubbopy.protocol.dubbo.descriptor import java_descriptor, parse_descriptor
from dubbopy.protocol.dubbo.frames import (
    DEFAULT_PAYLOAD,
    FLAG_EVENT,
    FLAG_REQUEST,
    FLAG_TWOWAY,
    Frame,
    Header,
    Status,
    check_payload_limit,
    pack_header,
)
from dubbopy.protocol.dubbo.serialization import HESSIAN2_SERIALIZATION, Serialization, SerializationTable

__all__ = [
    "DUBBO_VERSION",
    "HEARTBEAT",
    "READONLY_EVENT",
    "WRITEABLE_EVENT",
    "BadRequestError",
    "Event",
    "Request",
    "Response",
    "ResponseKind",
    "decode_event",
    "decode_request",
    "decode_response",
    "encode_event",
    "encode_request",
    "encode_response",
    "supports_response_attachments",
]

#: The Dubbo protocol version every Java 2.7/3.x and dubbo-go peer sends (§2, field 1).
DUBBO_VERSION: Final = "2.0.2"
#: ``Event.data`` of a heartbeat.
HEARTBEAT: Final = None
#: Provider → consumer: stop sending new requests on this connection (graceful shutdown).
READONLY_EVENT: Final = "R"
#: Provider → consumer: requests are welcome again.
WRITEABLE_EVENT: Final = "W"
#: Java refuses string events longer than this many bytes (``deserialization.event.size``).
MAX_EVENT_SIZE: Final = 15


class ResponseKind:
    """The first value of an OK response body (§3)."""

    WITH_EXCEPTION: Final = 0
    VALUE: Final = 1
    NULL_VALUE: Final = 2
    WITH_EXCEPTION_WITH_ATTACHMENTS: Final = 3
    VALUE_WITH_ATTACHMENTS: Final = 4
    NULL_VALUE_WITH_ATTACHMENTS: Final = 5


_VERSION_PART = re.compile(r"\d+")
_LOWEST_ATTACHMENT_VERSION: Final = 2_00_02_00
_HIGHEST_PROTOCOL_VERSION: Final = 2_00_99_00


def _int_version(version: str) -> int:
    """Java ``Version.getIntVersion``: ``2.0.2`` → 2000200 (two decimal digits per part, four parts)."""
    parts = version.split(".")
    if not 1 <= len(parts) <= 4:
        return -1
    value = 0
    for part in parts:
        match = _VERSION_PART.match(part)
        if match is None:
            return -1
        value = value * 100 + int(match.group())
    for _ in range(4 - len(parts)):
        value *= 100
    return value


def supports_response_attachments(dubbo_version: str | None) -> bool:
    """Whether a request with this dubbo version gets the ``_WITH_ATTACHMENTS`` response kinds
    (Java ``Version.isSupportResponseAttachment``: 2.0.2 ≤ v ≤ 2.0.99)."""
    if not dubbo_version:
        return False
    if len(dubbo_version) <= 16:  # the version comes from the wire: cache only short strings
        return _supports_response_attachments(dubbo_version)
    return _LOWEST_ATTACHMENT_VERSION <= _int_version(dubbo_version) <= _HIGHEST_PROTOCOL_VERSION


@functools.lru_cache(maxsize=64)
def _supports_response_attachments(dubbo_version: str) -> bool:
    return _LOWEST_ATTACHMENT_VERSION <= _int_version(dubbo_version) <= _HIGHEST_PROTOCOL_VERSION


# ------------------------------------------------------------------------------------- messages


@dataclass(slots=True)
class Request:
    """One RPC request.

    ``parameter_types`` are Java names (``java.lang.String``, ``int``, ``[I``) and decide the wire form
    of each argument; ``arguments`` has one value per type. ``version`` is the service version
    (``"0.0.0"`` when unset, as Java sends it). The group travels in ``attachments["group"]``.
    """

    request_id: int
    service_path: str
    method: str
    parameter_types: tuple[str, ...] = ()
    arguments: tuple[Any, ...] = ()
    attachments: dict[str, Any] = field(default_factory=dict)
    version: str = "0.0.0"
    dubbo_version: str = DUBBO_VERSION
    twoway: bool = True
    serialization_id: int = HESSIAN2_SERIALIZATION.id


@dataclass(slots=True)
class Response:
    """One response.

    With ``status == 20``: ``exception`` set (a decoded Java throwable or a Python exception to send),
    else ``value`` (``None`` is sent as the null kind). ``attachments`` is ``None`` for the kinds without
    attachments (a request older than dubbo 2.0.2). With another status only ``error_message`` counts.
    ``return_type``, when known, is the declared Java return type the value is written as.
    """

    request_id: int
    status: int = Status.OK
    value: Any = None
    exception: Any = None
    attachments: dict[str, Any] | None = None
    error_message: str = ""
    serialization_id: int = HESSIAN2_SERIALIZATION.id
    return_type: str | None = None

    @property
    def ok(self) -> bool:
        """Whether the status is 20."""
        return self.status == Status.OK


@dataclass(slots=True)
class Event:
    """A heartbeat (``data is None``) or a string event, request or response."""

    request_id: int
    data: str | None = HEARTBEAT
    is_request: bool = True
    twoway: bool = True
    status: int = 0
    serialization_id: int = HESSIAN2_SERIALIZATION.id

    @property
    def is_heartbeat(self) -> bool:
        """Whether this is a heartbeat (request or response)."""
        return self.data is None


class BadRequestError(DecodeError):
    """A request frame whose body could not be decoded; ``request_id`` and ``twoway`` come from its
    header, so the server can answer ``BAD_REQUEST`` when the consumer waits for one."""

    def __init__(self, message: str, *, request_id: int, twoway: bool) -> None:
        super().__init__(message)
        self.request_id = request_id
        self.twoway = twoway


# ------------------------------------------------------------------------------------- encoding


def _frame(flag: int, status: int, request_id: int, body: bytes, payload_limit: int | None) -> bytes:
    if payload_limit is not None:
        check_payload_limit(len(body), payload_limit)
    return pack_header(flag, status, request_id, len(body)) + body


def encode_request(
    request: Request,
    serialization: Serialization = HESSIAN2_SERIALIZATION,
    *,
    payload_limit: int | None = DEFAULT_PAYLOAD,
) -> bytes:
    """The frame of ``request``.

    Raises :class:`~dubbopy.errors.ProtocolError` when the arguments do not match the parameter types or
    a value cannot be written, :class:`~dubbopy.protocol.dubbo.frames.PayloadLimitError` when the body is
    over ``payload_limit``, and :class:`~dubbopy.errors.ConfigError` for a parameter type that is not a
    Java type name.
    """
    types = request.parameter_types
    arguments = request.arguments
    if len(arguments) != len(types):
        raise ProtocolError(
            f"{request.method}: {len(arguments)} argument(s) for {len(types)} parameter type(s) {list(types)}"
        )
    descriptor = java_descriptor(types)
    writer = serialization.writer()
    try:
        writer.write(request.dubbo_version)
        writer.write(request.service_path)
        writer.write(request.version)
        writer.write(request.method)
        writer.write(descriptor)
        for value, java_type in zip(arguments, types, strict=True):
            writer.write_as(value, java_type)
        writer.write(request.attachments)
        body = writer.getvalue()
    except ProtocolError:
        raise
    except Exception as exc:  # HessianEncodeError and friends: a value this side cannot write
        raise ProtocolError(f"cannot encode the request {request.service_path}.{request.method}: {exc}") from exc
    flag = FLAG_REQUEST | serialization.id
    if request.twoway:
        flag |= FLAG_TWOWAY
    return _frame(flag, 0, request.request_id, body, payload_limit)


def encode_response(
    response: Response,
    serialization: Serialization = HESSIAN2_SERIALIZATION,
    *,
    payload_limit: int | None = DEFAULT_PAYLOAD,
) -> bytes:
    """The frame of ``response``.

    Raises :class:`~dubbopy.errors.ProtocolError` when a value cannot be written and
    :class:`~dubbopy.protocol.dubbo.frames.PayloadLimitError` when the body is over ``payload_limit``
    (the server then sends a ``SERIALIZATION_ERROR`` response instead, as Java 3 does).
    """
    writer = serialization.writer()
    try:
        if response.status != Status.OK:
            writer.write(response.error_message)
        else:
            attachments = response.attachments
            with_attachments = attachments is not None
            if response.exception is not None:
                kind = ResponseKind.WITH_EXCEPTION_WITH_ATTACHMENTS if with_attachments else ResponseKind.WITH_EXCEPTION
                writer.write_as(kind, "int")
                writer.write(response.exception)
            elif response.value is None:
                kind = ResponseKind.NULL_VALUE_WITH_ATTACHMENTS if with_attachments else ResponseKind.NULL_VALUE
                writer.write_as(kind, "int")
            else:
                kind = ResponseKind.VALUE_WITH_ATTACHMENTS if with_attachments else ResponseKind.VALUE
                writer.write_as(kind, "int")
                if response.return_type is None:
                    writer.write(response.value)
                else:
                    writer.write_as(response.value, response.return_type)
            if with_attachments:
                writer.write(attachments)
        body = writer.getvalue()
    except ProtocolError:
        raise
    except Exception as exc:  # HessianEncodeError and friends: a value this side cannot write
        raise ProtocolError(f"cannot encode the response to request {response.request_id}: {exc}") from exc
    return _frame(serialization.id, response.status, response.request_id, body, payload_limit)


def encode_event(event: Event, serialization: Serialization = HESSIAN2_SERIALIZATION) -> bytes:
    """The frame of a heartbeat or string event (request or response)."""
    if event.data is None:
        body = serialization.null
    else:
        writer = serialization.writer()
        writer.write(event.data)
        body = writer.getvalue()
    flag = FLAG_EVENT | serialization.id
    if event.is_request:
        flag |= FLAG_REQUEST
        if event.twoway:
            flag |= FLAG_TWOWAY
        status = 0
    else:
        status = event.status or Status.OK
    return pack_header(flag, status, event.request_id, len(body)) + body


# ------------------------------------------------------------------------------------- decoding


def _serialization(header: Header, table: SerializationTable | None) -> Serialization | None:
    if table is None:
        return HESSIAN2_SERIALIZATION if header.serialization_id == HESSIAN2_SERIALIZATION.id else None
    return table.by_id(header.serialization_id)


def _string(value: Any, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DecodeError(f"{what} must be a string, got {type(value).__name__}")
    return value


def decode_event(frame: Frame, serializations: SerializationTable | None = None) -> Event:
    """The event in an EVENT frame: a heartbeat when the body is the serialization's ``null``, else a
    short string (Java refuses more than 15 bytes)."""
    header = frame.header
    body = frame.body
    serialization = _serialization(header, serializations)
    data: str | None
    if serialization is None:
        if body not in (b"", b"N"):
            raise DecodeError(f"event {header.request_id} uses unknown serialization id {header.serialization_id}")
        data = None
    elif body in (b"", serialization.null):
        data = None
    else:
        if len(body) > MAX_EVENT_SIZE:
            raise DecodeError(
                f"event {header.request_id}: body of {len(body)} bytes is longer than the {MAX_EVENT_SIZE} "
                "bytes allowed for an event"
            )
        try:
            data = _string(serialization.reader(body).read(), "event data")
        except DecodeError:
            raise
        except Exception as exc:
            raise DecodeError(f"event {header.request_id}: cannot decode its data: {exc}") from exc
    return Event(
        header.request_id,
        data,
        is_request=header.is_request,
        twoway=header.is_twoway,
        status=header.status,
        serialization_id=header.serialization_id,
    )


def decode_request(frame: Frame, serializations: SerializationTable | None = None) -> Request:
    """The request in a (non-event) request frame.

    Each argument is read as the Java type its descriptor element names, so an ``int`` parameter sent
    in a long form still arrives as an int (Java's readers accept that, ``spec/hessian2.md`` §4.2).
    Missing version (``N``) reads as ``""``; a missing attachments map as ``{}``.

    Raises :class:`BadRequestError` for an unknown serialization or a body that cannot be decoded.
    """
    header = frame.header
    request_id = header.request_id
    twoway = header.is_twoway
    serialization = _serialization(header, serializations)
    if serialization is None:
        raise BadRequestError(
            f"Unrecognized serialize type from consumer: {header.serialization_id}",
            request_id=request_id,
            twoway=twoway,
        )
    try:
        reader = serialization.reader(frame.body)
        dubbo_version = _string(reader.read(), "dubbo version")
        path = _string(reader.read(), "service path")
        version = _string(reader.read(), "service version")
        method = _string(reader.read(), "method name")
        types = tuple(parse_descriptor(_string(reader.read(), "parameter types descriptor")))
        arguments = tuple(reader.read_as(java_type) for java_type in types)
        attachments: Any = {} if reader.at_end else reader.read()
        if attachments is None:
            attachments = {}
        elif not isinstance(attachments, dict):
            raise DecodeError(f"attachments must be a map, got {type(attachments).__name__}")
    except Exception as exc:
        raise BadRequestError(f"{type(exc).__name__}: {exc}", request_id=request_id, twoway=twoway) from exc
    return Request(
        request_id,
        path,
        method,
        types,
        arguments,
        attachments,
        version=version,
        dubbo_version=dubbo_version,
        twoway=twoway,
        serialization_id=header.serialization_id,
    )


def decode_response(
    frame: Frame, serializations: SerializationTable | None = None, *, return_type: str | None = None
) -> Response:
    """The response in a (non-event) response frame.

    ``return_type`` is the declared Java return type when the caller knows it (the value is then read as
    that type). Raises :class:`~dubbopy.errors.DecodeError` for an unknown serialization or a body that
    cannot be decoded.
    """
    header = frame.header
    request_id = header.request_id
    serialization = _serialization(header, serializations)
    if serialization is None:
        raise DecodeError(f"response {request_id} uses unknown serialization id {header.serialization_id}")
    response = Response(request_id, header.status, serialization_id=header.serialization_id)
    try:
        reader = serialization.reader(frame.body)
        if header.status != Status.OK:
            response.error_message = "" if reader.at_end else _string(reader.read(), "error message")
            return response
        kind = reader.read()
        if isinstance(kind, bool) or not isinstance(kind, int):
            raise DecodeError(f"response type must be an int 0-5, got {kind!r}")
        if kind in (ResponseKind.VALUE, ResponseKind.VALUE_WITH_ATTACHMENTS):
            response.value = reader.read() if return_type is None else reader.read_as(return_type)
        elif kind in (ResponseKind.WITH_EXCEPTION, ResponseKind.WITH_EXCEPTION_WITH_ATTACHMENTS):
            response.exception = reader.read()
        elif kind not in (ResponseKind.NULL_VALUE, ResponseKind.NULL_VALUE_WITH_ATTACHMENTS):
            raise DecodeError(f"unknown response type {kind} (expected 0-5)")
        if kind in (
            ResponseKind.WITH_EXCEPTION_WITH_ATTACHMENTS,
            ResponseKind.VALUE_WITH_ATTACHMENTS,
            ResponseKind.NULL_VALUE_WITH_ATTACHMENTS,
        ):
            attachments = reader.read()
            if attachments is None:
                attachments = {}
            elif not isinstance(attachments, dict):
                raise DecodeError(f"response attachments must be a map, got {type(attachments).__name__}")
            response.attachments = attachments
    except Exception as exc:
        raise DecodeError(f"cannot decode the response to request {request_id}: {type(exc).__name__}: {exc}") from exc
    return response
