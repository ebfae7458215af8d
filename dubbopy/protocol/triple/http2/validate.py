"""Checks that a received request header list is well-formed HTTP/2 (RFC 9113 §8.2, §8.3).

A malformed request is a stream error of type PROTOCOL_ERROR (§8.1.1): the engine resets the stream
and the application never sees it. These checks cover the field *names* and the pseudo-header rules
(which pseudo-headers, how often, in what order, never in trailers); field *values* are passed through
as opaque bytes, which the Triple layer treats them as. Only requests are checked: responses come
from a server we chose to call.

The work per request is kept to one dict look-up per field: a :class:`NameCache` remembers the field
names already classified on the connection, and RPC traffic repeats the same dozen names.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

Header = tuple[bytes, bytes]

#: RFC 9113 §8.2.2: fields that only mean something to one HTTP/1.1 hop
CONNECTION_SPECIFIC = frozenset({b"connection", b"keep-alive", b"proxy-connection", b"transfer-encoding", b"upgrade"})

_METHOD, _SCHEME, _PATH, _AUTHORITY = 1, 2, 4, 8
_REQUEST_PSEUDO = {b":method": _METHOD, b":scheme": _SCHEME, b":path": _PATH, b":authority": _AUTHORITY}
_REQUIRED = _METHOD | _SCHEME | _PATH
#: kinds of field name in a :class:`NameCache`: a checked regular name, ``te``, or a pseudo-header bit
_REGULAR = 0
_TE = 16

#: a field name is a lower-case HTTP token (RFC 9110 §5.1, RFC 9113 §8.2.1)
_bad_name = re.compile(rb"[^!#$%&'*+\-.^_`|~0-9a-z]").search

_CACHE_LIMIT = 256


class NameCache:
    """Field names already classified on one connection (bounded: a peer cannot grow it).

    Maps each name to its kind, so checking a field is one dict look-up: the request pseudo-headers
    and ``te`` are there from the start, regular names once they have been found valid.
    """

    __slots__ = ("kinds",)

    def __init__(self) -> None:
        self.kinds: dict[bytes, int] = {**_REQUEST_PSEUDO, b"te": _TE}

    def learn(self, name: bytes) -> str | None:
        """Check a regular field name seen for the first time; remember it if it is valid."""
        if not name or _bad_name(name):
            return f"invalid field name {name!r}"
        if name in CONNECTION_SPECIFIC:
            return f"connection-specific field {name.decode()!r}"
        if len(self.kinds) < _CACHE_LIMIT:
            self.kinds[name] = _REGULAR
        return None


def request_problem(headers: Sequence[Header], cache: NameCache) -> str | None:
    """Why ``headers`` is not a well-formed request header list, or None if it is."""
    kinds = cache.kinds
    seen = 0
    regular = False
    method = b""
    for name, value in headers:
        kind = kinds.get(name)
        if kind == _REGULAR:
            regular = True
        elif kind is None:
            if name[:1] == b":":
                return f"unknown or response pseudo-header {name!r} in a request"
            regular = True
            problem = cache.learn(name)
            if problem is not None:
                return problem
        elif kind == _TE:
            regular = True
            if value != b"trailers":
                return "te field with a value other than 'trailers'"
        else:  # a request pseudo-header
            if regular:
                return f"pseudo-header {name!r} after a regular field"
            if seen & kind:
                return f"duplicate pseudo-header {name!r}"
            seen |= kind
            if kind == _METHOD:
                method = value
            elif kind == _PATH and not value:
                return "empty :path"
    if seen & _REQUIRED != _REQUIRED:
        if method == b"CONNECT" and seen == _METHOD | _AUTHORITY:
            return None  # §8.5: CONNECT names only the authority
        missing = [n.decode() for n, bit in _REQUEST_PSEUDO.items() if bit & _REQUIRED and not seen & bit]
        return f"request without {', '.join(missing)}"
    if method == b"CONNECT":
        return "CONNECT request must have :authority and no :scheme or :path"
    return None


def trailers_problem(headers: Sequence[Header], cache: NameCache) -> str | None:
    """Why ``headers`` is not a well-formed trailer section (no pseudo-headers, §8.1), or None."""
    kinds = cache.kinds
    for name, value in headers:
        kind = kinds.get(name)
        if kind == _REGULAR:
            continue
        if kind is None:
            if name[:1] == b":":
                return f"pseudo-header {name!r} in trailers"
            problem = cache.learn(name)
            if problem is not None:
                return problem
        elif kind == _TE:
            if value != b"trailers":
                return "te field with a value other than 'trailers'"
        else:
            return f"pseudo-header {name!r} in trailers"
    return None
