"""Metadata ⇄ the ``bytes`` header lists the HTTP/2 layer works with.

The codec (:mod:`dubbopy.protocol.triple.codec.metadata`) speaks ``str``; h2 is configured to hand us
and take ``bytes`` (no per-header encode/decode on the hot path), so the transport converts only when
there is metadata to convert.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from dubbopy.protocol.triple.codec import metadata as codec

Header = tuple[bytes, bytes]


def to_headers(metadata: Iterable[tuple[str, str | bytes]]) -> list[Header]:
    """Outgoing gRPC metadata → header pairs; raises ``ConfigError`` naming a bad key or value."""
    return [(k.encode("ascii"), v.encode("ascii")) for k, v in codec.metadata_to_headers(metadata)]


def attachments_to_headers(attachments: Mapping[str, object]) -> list[Header]:
    """Dubbo-style attachments → header pairs (``bytes`` values as ``<key>-bin``, keys lower-cased)."""
    return [(k.encode("ascii"), v.encode("ascii")) for k, v in codec.attachments_to_headers(attachments)]


def from_headers(headers: Iterable[Header]) -> tuple[tuple[str, str | bytes], ...]:
    """Received headers → gRPC metadata (reserved headers dropped, ``-bin`` values decoded)."""
    return tuple(codec.headers_to_metadata(headers))


def to_attachments(headers: Iterable[Header]) -> dict[str, str | bytes]:
    """Received headers → Dubbo attachments (``x-bin`` → ``x``, key case restored)."""
    return codec.headers_to_attachments(headers)


def validate(metadata: Sequence[tuple[str, str | bytes]]) -> None:
    """Check metadata before it is queued for sending."""
    for key, value in metadata:
        codec.validate_metadata(key, value)
