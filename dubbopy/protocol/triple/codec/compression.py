"""Message compression: ``grpc-encoding`` / ``grpc-accept-encoding`` (``spec/triple.md`` §1.2, §6).

A :class:`Compressor` turns one message payload into its compressed form and back. Decompression is
always bounded: it stops as soon as the output would pass ``max_size`` and raises
:class:`~dubbopy.protocol.triple.codec.framing.MessageTooLargeError`, so a small "gzip bomb" cannot
make us allocate gigabytes.

Negotiation follows dubbo-go ``negotiateCompression`` and the gRPC compression doc: a sender picks a
``grpc-encoding`` only among the names the peer listed in ``grpc-accept-encoding``; with no such header
only ``identity`` is safe. An unknown ``grpc-encoding`` on a received stream is answered with
``UNIMPLEMENTED`` by the transport (:meth:`CompressorRegistry.get` returns ``None``).
"""

from __future__ import annotations

import abc
import zlib
from collections.abc import Iterable, Sequence

from dubbopy.errors import ConfigError, DecodeError
from dubbopy.protocol.triple.codec.framing import MessageTooLargeError

__all__ = [
    "GZIP",
    "IDENTITY",
    "Compressor",
    "CompressorRegistry",
    "GzipCompressor",
    "IdentityCompressor",
    "default_registry",
    "format_accept_encoding",
    "negotiate_encoding",
    "parse_accept_encoding",
]


class Compressor(abc.ABC):
    """One ``grpc-encoding``.

    Contract: instances are stateless and shared by every stream, so both methods must be safe to call
    concurrently. :meth:`decompress` never returns more than ``max_size`` bytes: it raises
    :class:`~dubbopy.protocol.triple.codec.framing.MessageTooLargeError` instead, and
    :class:`~dubbopy.errors.DecodeError` for corrupt input.
    """

    #: the ``grpc-encoding`` token, lower-case (``gzip``)
    name: str

    @abc.abstractmethod
    def compress(self, data: bytes) -> bytes:
        """The compressed form of one message payload."""

    @abc.abstractmethod
    def decompress(self, data: bytes, max_size: int | None = None) -> bytes:
        """The original payload; at most ``max_size`` bytes (``None``: unbounded)."""

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


class IdentityCompressor(Compressor):
    """``identity``: no compression. A message flagged compressed under ``identity`` is a peer bug
    the transport rejects; this class just passes bytes through."""

    name = "identity"

    def compress(self, data: bytes) -> bytes:
        """``data`` itself."""
        return data

    def decompress(self, data: bytes, max_size: int | None = None) -> bytes:
        """``data`` itself, if it is within ``max_size``."""
        if max_size is not None and len(data) > max_size:
            raise MessageTooLargeError(len(data), max_size)
        return data


class GzipCompressor(Compressor):
    """``gzip`` (RFC 1952), as Java ``GZIPOutputStream`` and Go ``compress/gzip`` write it.

    ``level`` is the zlib level, 6 by default (what Java and Go use). Concatenated gzip members are
    accepted, as ``GZIPInputStream`` accepts them.
    """

    name = "gzip"

    def __init__(self, level: int = 6) -> None:
        if not -1 <= level <= 9:
            raise ConfigError(f"gzip level must be between -1 and 9, got {level}")
        self.level = level

    def compress(self, data: bytes) -> bytes:
        """One gzip member (header mtime 0, so equal inputs compress to equal bytes)."""
        return zlib.compress(data, self.level, 31)

    def decompress(self, data: bytes, max_size: int | None = None) -> bytes:
        """Inflate at most ``max_size`` bytes; see :class:`Compressor`."""
        chunks: list[bytes] = []
        total = 0
        rest: bytes = data
        try:
            while True:
                inflater = zlib.decompressobj(31)
                # Ask for one byte more than allowed: getting it proves the message is too large
                # (zlib reads max_length 0 as "no limit").
                out = inflater.decompress(rest, 0 if max_size is None else max_size - total + 1)
                total += len(out)
                if max_size is not None and total > max_size:
                    raise MessageTooLargeError(None, max_size, what="decompressed gRPC message")
                if not inflater.eof:
                    raise DecodeError("gzip message is truncated (no end of stream)")
                chunks.append(out)
                rest = inflater.unused_data
                if not rest:
                    break
        except zlib.error as exc:
            raise DecodeError(f"gzip message is corrupt: {exc}") from None
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)


#: Shared instances.
IDENTITY = IdentityCompressor()
GZIP = GzipCompressor()


def parse_accept_encoding(value: str | None) -> tuple[str, ...]:
    """Names in a ``grpc-accept-encoding`` value (``"gzip, identity"``), lower-cased, blanks dropped,
    order kept. ``None`` (header absent) gives ``()``."""
    if not value:
        return ()
    return tuple(name for part in value.split(",") if (name := part.strip().lower()))


def format_accept_encoding(names: Iterable[str]) -> str:
    """A ``grpc-accept-encoding`` value: the names joined with ``,``."""
    return ",".join(names)


def negotiate_encoding(preferred: Sequence[str], peer_accepts: Iterable[str]) -> str:
    """The first of our ``preferred`` encodings that the peer accepts; ``identity`` if none is.

    ``identity`` needs no agreement: every peer reads uncompressed messages.
    """
    accepted = set(peer_accepts)
    for name in preferred:
        if name in accepted:
            return name
    return IDENTITY.name


class CompressorRegistry:
    """Compressors by ``grpc-encoding`` name.

    The transport advertises :attr:`accept_encoding` and looks up received ``grpc-encoding`` values
    with :meth:`get`. Third-party compressors (Java's ``bzip2``, ``snappy``) are added with
    :meth:`register`.
    """

    __slots__ = ("_accept_encoding", "_by_name")

    def __init__(self, compressors: Iterable[Compressor] = (IDENTITY, GZIP)) -> None:
        self._by_name: dict[str, Compressor] = {}
        self._accept_encoding = ""
        for compressor in compressors:
            self.register(compressor)

    def register(self, compressor: Compressor) -> None:
        """Add (or replace) ``compressor`` under its name."""
        name = compressor.name
        if not name or name != name.strip().lower() or "," in name:
            raise ConfigError(f"compressor name {name!r} must be a non-empty lower-case token")
        self._by_name[name] = compressor
        self._accept_encoding = format_accept_encoding(self._by_name)

    def get(self, name: str) -> Compressor | None:
        """The compressor called ``name`` (case-insensitive), or ``None`` if unknown."""
        found = self._by_name.get(name)
        if found is None:
            found = self._by_name.get(name.strip().lower())
        return found

    @property
    def names(self) -> tuple[str, ...]:
        """Registered names, in registration order."""
        return tuple(self._by_name)

    @property
    def accept_encoding(self) -> str:
        """The ``grpc-accept-encoding`` value advertising every registered compressor."""
        return self._accept_encoding

    def negotiate(self, preferred: Sequence[str], peer_accept_encoding: str | None) -> Compressor:
        """The compressor to send with: the first ``preferred`` name that is registered and listed in
        the peer's ``grpc-accept-encoding`` header value; :data:`IDENTITY` otherwise."""
        name = negotiate_encoding(
            [n for n in preferred if n in self._by_name], parse_accept_encoding(peer_accept_encoding)
        )
        return self._by_name.get(name, IDENTITY)


#: The registry the Triple transport uses unless given another: ``identity`` and ``gzip``.
default_registry = CompressorRegistry()
