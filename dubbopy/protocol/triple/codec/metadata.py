"""Metadata and Dubbo attachments ⇄ HTTP/2 headers (``spec/triple.md`` §1.1, §1.3).

Two views of the same headers:

* **gRPC metadata** (what a gRPC servicer or interceptor sees): ordered ``(key, value)`` pairs; keys
  ending in ``-bin`` keep the suffix and carry ``bytes`` (base64 on the wire), all others carry ASCII
  ``str``. :func:`metadata_to_headers` / :func:`headers_to_metadata`.
* **Dubbo attachments** (what ``RpcContext`` holds, Java ``StreamUtils``): a dict whose ``bytes`` values
  travel as ``<key>-bin`` and come back under the bare key, whose keys are lower-cased on the wire with
  the original case restored through ``tri-header-convert``, and from which Dubbo's internal keys
  (``interface``, ``group``, ``path``, …) are dropped. :func:`attachments_to_headers` /
  :func:`headers_to_attachments`.

Reserved headers — never metadata, never attachments, set only by the transport:

* pseudo headers (``:path``, ``:status``, …);
* HTTP framing headers: ``content-type``, ``te``, ``content-length``, ``host`` and the connection-specific
  headers HTTP/2 forbids (``connection``, ``keep-alive``, ``proxy-connection``, ``transfer-encoding``,
  ``upgrade``);
* ``user-agent``: the transport writes its own; a server that wants the peer's reads the header itself
  (Java would turn it into an attachment, which only adds noise to ``RpcContext``);
* every ``grpc-*`` name (the gRPC spec reserves the prefix);
* the Triple transport headers :data:`TRI_SERVICE_VERSION`, :data:`TRI_SERVICE_GROUP`,
  :data:`TRI_SERVICE_TIMEOUT`, :data:`TRI_CONSUMER_APPNAME`, :data:`TRI_HEADER_CONVERT`,
  :data:`TRI_EXCEPTION_CODE` (Java ``TripleHeaderEnum``). The older dubbo-go names (``tri-req-id``,
  ``tri-trace-*``, ``tri-unit-info``, ``tri-attachment``) are *not* reserved: Java never reads them and
  the spec says to treat them as ordinary attachments.

Sending reserved or malformed metadata raises :class:`~dubbopy.errors.ConfigError` naming the key;
attachments with a reserved key are dropped silently, as Java does, because a Dubbo context naturally
carries keys like ``interface`` that must not reach the wire.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import email.utils
import json
import re
from collections.abc import Iterable, Mapping

from dubbopy.errors import ConfigError, DecodeError

__all__ = [
    "BINARY_SUFFIX",
    "CONTENT_TYPE",
    "GRPC_ACCEPT_ENCODING",
    "GRPC_ENCODING",
    "GRPC_MESSAGE",
    "GRPC_STATUS",
    "GRPC_STATUS_DETAILS_BIN",
    "GRPC_TIMEOUT",
    "TE",
    "TRI_CONSUMER_APPNAME",
    "TRI_EXCEPTION_CODE",
    "TRI_HEADER_CONVERT",
    "TRI_REQ_ID",
    "TRI_SERVICE_GROUP",
    "TRI_SERVICE_TIMEOUT",
    "TRI_SERVICE_VERSION",
    "USER_AGENT",
    "attachments_to_headers",
    "decode_binary_header",
    "encode_binary_header",
    "headers_to_attachments",
    "headers_to_metadata",
    "is_reserved_attachment",
    "is_reserved_header",
    "metadata_to_headers",
    "validate_metadata",
]

CONTENT_TYPE = "content-type"
TE = "te"
USER_AGENT = "user-agent"
GRPC_TIMEOUT = "grpc-timeout"
GRPC_ENCODING = "grpc-encoding"
GRPC_ACCEPT_ENCODING = "grpc-accept-encoding"
GRPC_STATUS = "grpc-status"
GRPC_MESSAGE = "grpc-message"
GRPC_STATUS_DETAILS_BIN = "grpc-status-details-bin"

#: Service version the call is for (Java sends the reference's version; dubbo-go ``version``).
TRI_SERVICE_VERSION = "tri-service-version"
#: Service group the call is for.
TRI_SERVICE_GROUP = "tri-service-group"
#: Request timeout in milliseconds, HTTP (non-gRPC) mode only (``spec/triple.md`` §7).
TRI_SERVICE_TIMEOUT = "tri-service-timeout"
#: Consumer application name; a Java server exposes it as ``remote.application``.
TRI_CONSUMER_APPNAME = "tri-consumer-appname"
#: Percent-encoded JSON ``{lowercasekey: OriginalKey}`` restoring attachment key case.
TRI_HEADER_CONVERT = "tri-header-convert"
#: Java wrapper-mode business exception marker on response headers (``spec/triple.md`` §3.4).
TRI_EXCEPTION_CODE = "tri-exception-code"
#: Request id of the older Go implementation; an ordinary attachment, not reserved.
TRI_REQ_ID = "tri-req-id"

#: Suffix of metadata keys whose values are binary (base64 on the wire).
BINARY_SUFFIX = "-bin"

_RESERVED_HEADERS = frozenset(
    {
        CONTENT_TYPE,
        TE,
        USER_AGENT,
        "content-length",
        "host",
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "upgrade",
        TRI_SERVICE_VERSION,
        TRI_SERVICE_GROUP,
        TRI_SERVICE_TIMEOUT,
        TRI_CONSUMER_APPNAME,
        TRI_HEADER_CONVERT,
        TRI_EXCEPTION_CODE,
    }
)

# Keys Java keeps out of attachments in both directions (``TripleHeaderEnum.excludeAttachmentsSet``)
# on top of the reserved headers: Dubbo's own invocation keys and the REST mode's routing headers.
_JAVA_INTERNAL_KEYS = frozenset(
    {
        "group",
        "interface",
        "path",
        "remote.application",
        "application",
        "serialization",
        "rest-service-version",
        "rest-service-group",
        "http-status",
    }
)

_RESERVED_PREFIXES = (":", "grpc-")
_NOT_ATTACHMENTS = _RESERVED_HEADERS | _JAVA_INTERNAL_KEYS

_KEY_RE = re.compile(r"[0-9a-z_.\-]+")
_fullmatch_key = _KEY_RE.fullmatch
# What Java's tri-header-convert encoder (netty QueryStringEncoder) leaves unescaped.
_CONVERT_SAFE = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.*")
_CONVERT_TABLE = tuple(chr(b) if b in _CONVERT_SAFE else f"%{b:02X}" for b in range(256))

_b64encode = binascii.b2a_base64


def is_reserved_header(name: str) -> bool:
    """Whether ``name`` (lower-case) belongs to the transport and is never metadata."""
    return name in _RESERVED_HEADERS or name.startswith(_RESERVED_PREFIXES)


def is_reserved_attachment(key: str) -> bool:
    """Whether the lower-cased attachment ``key`` never travels as a header (reserved headers plus
    Java's internal invocation keys such as ``interface`` and ``group``)."""
    return key in _NOT_ATTACHMENTS or key.startswith(_RESERVED_PREFIXES)


def encode_binary_header(data: bytes | bytearray | memoryview) -> str:
    """Base64 (standard alphabet) **without** padding, as Java writes ``-bin`` values."""
    return _b64encode(data, newline=False).rstrip(b"=").decode("ascii")


def decode_binary_header(value: str | bytes, *, key: str = "") -> bytes:
    """Decode a ``-bin`` header value; padding is optional, whitespace and other characters are not.

    Raises :class:`~dubbopy.errors.DecodeError` naming ``key`` on invalid base64.
    """
    missing = -len(value) % 4
    if missing:
        value = value + "=" * missing if isinstance(value, str) else value + b"=" * missing
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError) as exc:
        more = "..." if len(value) > 40 else ""
        raise DecodeError(f"header {key or '<-bin>'!r} is not valid base64 ({exc}): {value[:40]!r}{more}") from None


def validate_metadata(key: str, value: str | bytes) -> None:
    """Check one outgoing metadata pair; raise :class:`~dubbopy.errors.ConfigError` naming the key.

    Keys are lower-case ``[0-9a-z-_.]`` and not reserved; ``-bin`` keys take ``bytes``, the others a
    ``str`` of printable ASCII (0x20-0x7e).
    """
    if not _fullmatch_key(key):
        raise ConfigError(
            f"metadata key {key!r} is invalid: keys must be non-empty and use only lower-case "
            "letters, digits, '-', '_' and '.'"
        )
    if is_reserved_header(key):
        raise ConfigError(f"metadata key {key!r} is reserved for the transport and cannot be set")
    if key.endswith(BINARY_SUFFIX):
        if not isinstance(value, bytes | bytearray | memoryview):
            raise ConfigError(f"metadata key {key!r} ends in -bin, so its value must be bytes")
    elif not isinstance(value, str):
        raise ConfigError(f"metadata key {key!r} takes a str value; use a key ending in -bin for bytes values")
    elif not (value.isascii() and value.isprintable()):
        raise ConfigError(
            f"metadata value for {key!r} must be printable ASCII; use a key ending in -bin and bytes for other data"
        )


def metadata_to_headers(metadata: Iterable[tuple[str, str | bytes]]) -> list[tuple[str, str]]:
    """Outgoing gRPC metadata → header pairs (order and duplicates kept; ``-bin`` values base64'd)."""
    headers: list[tuple[str, str]] = []
    for key, value in metadata:
        validate_metadata(key, value)
        if isinstance(value, str):
            headers.append((key, value))
        else:
            headers.append((key, encode_binary_header(value)))
    return headers


def _text(item: str | bytes) -> str:
    if isinstance(item, str):
        return item
    try:
        return item.decode("utf-8")
    except UnicodeDecodeError:
        # Java (netty AsciiString) writes one byte per char, which is Latin-1 for non-ASCII text.
        return item.decode("latin-1")


def headers_to_metadata(headers: Iterable[tuple[str | bytes, str | bytes]]) -> list[tuple[str, str | bytes]]:
    """Received header pairs → gRPC metadata: reserved headers dropped, ``-bin`` values decoded.

    Raises :class:`~dubbopy.errors.DecodeError` naming the key on invalid base64.
    """
    metadata: list[tuple[str, str | bytes]] = []
    append = metadata.append
    reserved, prefixes = _RESERVED_HEADERS, _RESERVED_PREFIXES
    for raw_key, raw_value in headers:
        key = raw_key if type(raw_key) is str else _text(raw_key)
        if key in reserved or key.startswith(prefixes):
            continue
        if key.endswith(BINARY_SUFFIX):
            append((key, decode_binary_header(raw_value, key=key)))
        else:
            append((key, raw_value if type(raw_value) is str else _text(raw_value)))
    return metadata


def _attachment_value(key: str, value: object) -> tuple[str, str]:
    """Header name and value for one attachment, with Java's ``StreamUtils.putHeader`` type rules."""
    if isinstance(value, str):
        if key.endswith(BINARY_SUFFIX):
            raise ConfigError(
                f"attachment {key!r} ends in -bin but has a str value; -bin headers carry base64 "
                "bytes, so pass bytes (sent as key + '-bin') or rename the key"
            )
        if not (value.isascii() and value.isprintable()):
            raise ConfigError(
                f"attachment {key!r} must be printable ASCII to travel as a header; pass bytes "
                "to send other data (it is then sent base64-encoded under key + '-bin')"
            )
        return key, value
    if isinstance(value, bool):
        return key, "true" if value else "false"  # Java Boolean.toString
    if isinstance(value, int | float):
        return key, str(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return key + BINARY_SUFFIX, encode_binary_header(value)
    if isinstance(value, datetime.datetime):
        # Java sends java.util.Date as an HTTP date (netty DateFormatter): "Sun, 06 Nov 1994 08:49:37 GMT".
        return key, email.utils.format_datetime(value.astimezone(datetime.UTC), usegmt=True)
    raise ConfigError(
        f"attachment {key!r} has a {type(value).__name__} value; Triple headers carry only "
        "str, bool, int, float, datetime or bytes"
    )


def attachments_to_headers(attachments: Mapping[str, object], *, convert_keys: bool = True) -> list[tuple[str, str]]:
    """Dubbo attachments → header pairs, as Java ``StreamUtils.putHeaders`` writes them.

    Keys are lower-cased; keys that are reserved (:func:`is_reserved_attachment`) and ``None`` values
    are skipped; ``bytes`` values go out as ``<key>-bin`` in unpadded base64. When ``convert_keys`` and
    some key had upper-case letters, a ``tri-header-convert`` header maps the lower-case names back.
    Raises :class:`~dubbopy.errors.ConfigError` naming the key for a key that is not a valid header
    name once lower-cased, or a value that cannot travel as a header.
    """
    headers: dict[str, str] = {}
    converted: dict[str, str] = {}
    excluded, prefixes = _NOT_ATTACHMENTS, _RESERVED_PREFIXES
    for key, value in attachments.items():
        if value is None:
            continue
        lower = key.lower()
        if lower in excluded or lower.startswith(prefixes):
            continue
        if not _fullmatch_key(lower):
            raise ConfigError(
                f"attachment key {key!r} cannot be a header name: use only letters, digits, '-', '_' and '.'"
            )
        if lower != key and convert_keys:
            converted[lower] = key
        if type(value) is str and value.isascii() and value.isprintable() and not lower.endswith(BINARY_SUFFIX):
            headers[lower] = value
        else:
            name, text = _attachment_value(lower, value)
            headers[name] = text
    if converted:
        as_json = json.dumps(converted, separators=(",", ":"), ensure_ascii=False)
        headers[TRI_HEADER_CONVERT] = "".join([_CONVERT_TABLE[b] for b in as_json.encode("utf-8")])
    return list(headers.items())


def headers_to_attachments(headers: Iterable[tuple[str | bytes, str | bytes]]) -> dict[str, str | bytes]:
    """Received header pairs → Dubbo attachments, as Java ``StreamUtils.toAttachments`` reads them.

    Reserved headers are skipped; ``x-bin`` headers become ``bytes`` under key ``x``; a
    ``tri-header-convert`` header restores the original key case. A repeated key keeps its last value.
    Raises :class:`~dubbopy.errors.DecodeError` naming the key on invalid base64 or an unreadable
    ``tri-header-convert``.
    """
    attachments: dict[str, str | bytes] = {}
    convert: str | None = None
    excluded, prefixes = _NOT_ATTACHMENTS, _RESERVED_PREFIXES
    for raw_key, raw_value in headers:
        key = raw_key if type(raw_key) is str else _text(raw_key)
        if key in excluded or key.startswith(prefixes):
            if key == TRI_HEADER_CONVERT:
                convert = _text(raw_value)
            continue
        if key.endswith(BINARY_SUFFIX):
            bare = key[: -len(BINARY_SUFFIX)]
            if bare and not (bare in excluded or bare.startswith(prefixes)):
                attachments[bare] = decode_binary_header(raw_value, key=key)
        else:
            attachments[key] = raw_value if type(raw_value) is str else _text(raw_value)
    if convert is not None:
        for lower, original in _parse_header_convert(convert).items():
            value = attachments.pop(lower, None)
            if value is not None and not is_reserved_attachment(original.lower()):
                attachments[original] = value
    return attachments


def _parse_header_convert(value: str) -> dict[str, str]:
    from urllib.parse import unquote  # noqa: PLC0415 - rare path (Java peers with upper-case keys)

    try:
        mapping = json.loads(unquote(value, errors="strict"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise DecodeError(f"header {TRI_HEADER_CONVERT!r} is not percent-encoded JSON: {exc}") from None
    if not isinstance(mapping, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()):
        raise DecodeError(f"header {TRI_HEADER_CONVERT!r} must be a JSON object of strings, got {value!r}")
    return mapping
