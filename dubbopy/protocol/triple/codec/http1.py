"""HTTP/1.1 requests, sans-IO: bytes in, request heads and complete bodies out (RFC 9112).

Just enough HTTP/1.1 for the plain-HTTP unary mode that shares the Triple port (``spec/triple.md`` §7,
§8): request line and header fields, ``Content-Length`` and ``chunked`` bodies, keep-alive and
pipelining (whatever follows a request stays buffered for the next one), ``Expect: 100-continue``.

:class:`RequestParser` is fed received bytes and yields, per request, one :class:`RequestHead` and then
one :class:`RequestBody` holding the whole body (bodies are bounded by the message size limit, so the
JSON layer never sees a partial one). Anything it cannot accept raises :class:`Http1Error` with the
HTTP status to answer; after that the connection must be closed, since the framing is lost:

* 400: not HTTP at all (detected from the first bytes, without waiting for a line end), a malformed
  request line, header field, ``Content-Length`` or chunk, both ``Content-Length`` and
  ``Transfer-Encoding``, or an HTTP/1.1 request without ``Host``;
* 413: a body larger than ``max_body_size`` (raised as soon as ``Content-Length`` or the chunk sizes
  say so, never after buffering it);
* 431: a request line plus header fields (or chunked trailer fields) larger than ``max_head_size``;
* 501: a transfer coding other than ``chunked``;
* 505: a major HTTP version other than 1.

:func:`encode_response_head` writes a status line and header fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from dubbopy.errors import ProtocolError

__all__ = ["Http1Error", "RequestBody", "RequestHead", "RequestParser", "encode_response_head", "reason_phrase"]

Header = tuple[bytes, bytes]

# RFC 9110 §5.6.2 token characters: method names and header field names.
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_REQUEST_LINE = re.compile(rb"([!#$%&'*+\-.^_`|~0-9A-Za-z]+) ([\x21-\x7e\x80-\xff]+) HTTP/(\d)\.(\d)")
_NOT_TOKEN = re.compile(rb"[^!#$%&'*+\-.^_`|~0-9A-Za-z]")
_HEAD_END = re.compile(rb"\r?\n\r?\n")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
#: longest method name accepted before the first space proves the bytes are not a request line
_MAX_METHOD = 32
#: longest chunk-size line (size, extensions, CRLF)
_MAX_CHUNK_LINE = 1024


class Http1Error(ProtocolError):
    """The request cannot be served; ``status`` is the HTTP status to answer before closing."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True, slots=True)
class RequestHead:
    """A request line and its header fields (names lower-cased, values without surrounding spaces)."""

    method: bytes
    target: bytes
    #: ``(1, 1)`` or ``(1, 0)``
    version: tuple[int, int]
    headers: list[Header]
    #: whether the connection may carry another request after this one
    keep_alive: bool
    #: whether the client waits for ``100 Continue`` before sending the body
    expect_continue: bool
    #: body size from ``Content-Length``; ``None`` for a chunked body
    content_length: int | None

    def get(self, name: bytes, default: bytes = b"") -> bytes:
        """The value of the (lower-case) header ``name``; repeated fields are joined with ``, ``."""
        values = [v for k, v in self.headers if k == name]
        return b", ".join(values) if values else default


@dataclass(frozen=True, slots=True)
class RequestBody:
    """The complete body of the request whose head came before."""

    data: bytes


class RequestParser:
    """Incremental request parser for one connection. See the module docstring.

    Call :meth:`feed` with received bytes, then :meth:`next_event` until it returns ``None`` (more bytes
    needed). Each state is one method; the table :attr:`_states` maps the state name to it.
    """

    def __init__(self, max_head_size: int, max_body_size: int) -> None:
        self.max_head_size = max_head_size
        self.max_body_size = max_body_size
        self._buffer = bytearray()
        self._state = "head"
        self._scanned = 0  # bytes of the buffer already searched for the end of a head / trailer section
        self._remaining = 0  # body bytes still expected (content-length) or in the current chunk
        self._body = bytearray()
        self._error = Http1Error(400, "no error")
        self._states: dict[str, Callable[[], RequestHead | RequestBody | None]] = {
            "head": self._read_head,
            "length": self._read_fixed_body,
            "chunk_size": self._read_chunk_size,
            "chunk_data": self._read_chunk_data,
            "chunk_end": self._read_chunk_end,
            "trailers": self._read_trailers,
            "failed": self._failed,
        }

    @property
    def buffered(self) -> int:
        """Bytes received and not yet returned in an event."""
        return len(self._buffer) + len(self._body)

    @property
    def between_requests(self) -> bool:
        """Whether nothing of a next request has been received (a clean place to close)."""
        return self._state == "head" and not self._buffer.strip(b"\r\n")

    def feed(self, data: bytes) -> None:
        """Add received bytes."""
        self._buffer += data

    def next_event(self) -> RequestHead | RequestBody | None:
        """The next head or complete body, or ``None`` until more bytes arrive.

        Raises :class:`Http1Error`; the parser is then unusable (it raises the same error again).
        """
        while True:
            state = self._state
            size = len(self._buffer)
            event = self._states[state]()
            if event is not None:
                return event
            if self._state == state and len(self._buffer) == size:
                return None

    def _fail(self, status: int, message: str) -> Http1Error:
        self._error = Http1Error(status, message)
        self._state = "failed"
        return self._error

    def _failed(self) -> None:
        raise self._error

    # ------------------------------------------------------------------ head

    def _read_head(self) -> RequestHead | None:
        buffer = self._buffer
        # RFC 9112 §2.2: ignore empty lines before a request line
        skip = 0
        while skip < len(buffer) and buffer[skip] in b"\r\n":
            skip += 1
        if skip:
            del buffer[:skip]
            self._scanned = 0
        if not buffer:
            return None
        self._check_request_line_start(buffer)
        match = _HEAD_END.search(buffer, max(0, self._scanned - 3))
        if match is None:
            self._scanned = len(buffer)
            if len(buffer) > self.max_head_size:
                raise self._fail(431, f"request line and header fields exceed {self.max_head_size} bytes")
            return None
        end = match.end()
        if end > self.max_head_size:
            raise self._fail(431, f"request line and header fields exceed {self.max_head_size} bytes")
        lines = bytes(buffer[: match.start()]).split(b"\n")
        del buffer[:end]
        self._scanned = 0
        head = self._parse_head([line.removesuffix(b"\r") for line in lines])
        if head.content_length is None:
            self._state = "chunk_size"
        elif head.content_length > self.max_body_size:
            # the head is still reported, so the caller can answer in the request's own error shape
            self._fail(413, f"request body of {head.content_length} bytes exceeds the limit of {self.max_body_size}")
        else:
            self._remaining = head.content_length
            self._state = "length"
        return head

    def _check_request_line_start(self, buffer: bytearray) -> None:
        """Reject bytes that cannot start a request line as soon as they arrive (TLS, binary garbage)."""
        prefix = bytes(buffer[: _MAX_METHOD + 1])
        space = prefix.find(b" ")
        method = prefix if space < 0 else prefix[:space]
        bad = _NOT_TOKEN.search(method)
        if bad is not None or space == 0 or (space < 0 and len(prefix) > _MAX_METHOD):
            raise self._fail(400, "not an HTTP/1.1 request: bad request line")

    def _parse_head(self, lines: list[bytes]) -> RequestHead:
        match = _REQUEST_LINE.fullmatch(lines[0])
        if match is None:
            raise self._fail(400, f"malformed request line {lines[0][:80]!r}")
        method, target, major, minor = match.groups()
        if major != b"1":
            raise self._fail(505, f"HTTP/{major.decode()}.{minor.decode()} is not supported; use HTTP/1.1 or HTTP/2")
        version = (1, int(minor))
        headers: list[Header] = []
        for line in lines[1:]:
            name, colon, value = line.partition(b":")
            if not colon or not _TOKEN.fullmatch(name):
                # also catches obsolete line folding (a line starting with a space), RFC 9112 §5.2
                raise self._fail(400, f"malformed header field {line[:80]!r}")
            value = value.strip(b" \t")
            if b"\0" in value or b"\r" in value:
                raise self._fail(400, f"invalid character in header field {name.decode('latin-1')!r}")
            headers.append((name.lower(), value))
        return self._framing(method, target, version, headers)

    def _framing(self, method: bytes, target: bytes, version: tuple[int, int], headers: list[Header]) -> RequestHead:
        """Body length, keep-alive and expectations from the header fields (RFC 9112 §6, §9.3)."""
        lengths = {v.strip() for k, value in headers if k == b"content-length" for v in value.split(b",")}
        codings = [c.strip().lower() for k, v in headers if k == b"transfer-encoding" for c in v.split(b",")]
        connection = {t.strip().lower() for k, v in headers if k == b"connection" for t in v.split(b",")}
        content_length: int | None = 0
        if codings:
            if lengths:
                raise self._fail(400, "request has both Content-Length and Transfer-Encoding")
            if version < (1, 1):
                raise self._fail(400, "Transfer-Encoding is not allowed in an HTTP/1.0 request")
            if codings != [b"chunked"]:
                coding = b", ".join(codings).decode("latin-1")
                raise self._fail(501, f"transfer coding {coding!r} is not supported (only 'chunked')")
            content_length = None
        elif lengths:
            if len(lengths) != 1:
                raise self._fail(400, "conflicting Content-Length values")
            (text,) = lengths
            if not (text.isdigit() and len(text) <= 18):
                raise self._fail(400, f"invalid Content-Length {text[:20]!r}")
            content_length = int(text)
        if version >= (1, 1) and not any(k == b"host" for k, _ in headers):
            raise self._fail(400, "HTTP/1.1 request without a Host header")
        keep_alive = b"close" not in connection if version >= (1, 1) else b"keep-alive" in connection
        expect = any(k == b"expect" and v.lower() == b"100-continue" for k, v in headers)
        return RequestHead(method, target, version, headers, keep_alive, expect and version >= (1, 1), content_length)

    # ------------------------------------------------------------------ body

    def _complete(self) -> RequestBody:
        data = bytes(self._body)
        self._body.clear()
        self._state = "head"
        return RequestBody(data)

    def _read_fixed_body(self) -> RequestBody | None:
        take = min(self._remaining, len(self._buffer))
        if take:
            self._body += self._buffer[:take]
            del self._buffer[:take]
            self._remaining -= take
        return self._complete() if self._remaining == 0 else None

    def _read_chunk_size(self) -> None:
        buffer = self._buffer
        end = buffer.find(b"\n")
        if end < 0:
            if len(buffer) > _MAX_CHUNK_LINE:
                raise self._fail(400, "chunk size line too long")
            return
        line = bytes(buffer[:end]).removesuffix(b"\r")
        del buffer[: end + 1]
        size_text = line.partition(b";")[0].strip(b" \t")
        if not _HEX.fullmatch(size_text):
            raise self._fail(400, f"invalid chunk size {size_text[:20]!r}")
        size = int(size_text, 16)
        if size == 0:
            self._state = "trailers"
            self._scanned = 0
            return
        if len(self._body) + size > self.max_body_size:
            raise self._fail(413, f"chunked request body exceeds the limit of {self.max_body_size} bytes")
        self._remaining = size
        self._state = "chunk_data"
        return

    def _read_chunk_data(self) -> None:
        take = min(self._remaining, len(self._buffer))
        self._body += self._buffer[:take]
        del self._buffer[:take]
        self._remaining -= take
        if self._remaining == 0:
            self._state = "chunk_end"

    def _read_chunk_end(self) -> None:
        buffer = self._buffer
        if buffer[:2] == b"\r\n":
            del buffer[:2]
        elif buffer[:1] == b"\n":
            del buffer[:1]
        elif bytes(buffer) in (b"", b"\r"):
            return  # the line end has not arrived yet
        else:
            raise self._fail(400, "chunk data not followed by CRLF")
        self._state = "chunk_size"

    def _read_trailers(self) -> RequestBody | None:
        buffer = self._buffer
        # no trailer fields: the last chunk is followed directly by an empty line
        if buffer[:2] == b"\r\n" or buffer[:1] == b"\n":
            del buffer[: 2 if buffer[:1] == b"\r" else 1]
            return self._complete()
        match = _HEAD_END.search(buffer, max(0, self._scanned - 3))
        if match is None:
            self._scanned = len(buffer)
            if len(buffer) > self.max_head_size:
                raise self._fail(431, f"chunked trailer fields exceed {self.max_head_size} bytes")
            return None
        del buffer[: match.end()]  # trailer fields are ignored: nothing in the JSON mode reads them
        self._scanned = 0
        return self._complete()


_REASONS = {
    100: "Continue",
    200: "OK",
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    408: "Request Timeout",
    409: "Conflict",
    412: "Precondition Failed",
    413: "Content Too Large",
    415: "Unsupported Media Type",
    429: "Too Many Requests",
    431: "Request Header Fields Too Large",
    499: "Client Closed Request",
    500: "Internal Server Error",
    501: "Not Implemented",
    503: "Service Unavailable",
    504: "Gateway Timeout",
    505: "HTTP Version Not Supported",
}


def reason_phrase(status: int) -> str:
    """The usual reason phrase for ``status`` (clients ignore it; RFC 9112 §4)."""
    return _REASONS.get(status, "Unknown")


def encode_response_head(status: int, headers: Iterable[Header]) -> bytes:
    """``HTTP/1.1 <status> <reason>`` and the header fields, ending with the empty line.

    Header names and values must already be valid (no CR/LF): the callers build them from validated
    metadata and fixed names.
    """
    parts = [b"HTTP/1.1 %d %s\r\n" % (status, reason_phrase(status).encode("ascii"))]
    parts.extend(b"%s: %s\r\n" % (name, value) for name, value in headers)
    parts.append(b"\r\n")
    return b"".join(parts)
