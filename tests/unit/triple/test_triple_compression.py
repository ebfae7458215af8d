"""grpc-encoding compressors and negotiation (spec/triple.md §1.2, §6)."""

from __future__ import annotations

import gzip
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dubbopy.errors import ConfigError, DecodeError, ProtocolError
from dubbopy.protocol.triple.codec.compression import (
    GZIP,
    IDENTITY,
    Compressor,
    CompressorRegistry,
    GzipCompressor,
    default_registry,
    format_accept_encoding,
    negotiate_encoding,
    parse_accept_encoding,
)
from dubbopy.protocol.triple.codec.framing import MessageTooLargeError


def test_gzip_output_is_standard_gzip() -> None:
    data = b"hello hello hello hello"
    compressed = GZIP.compress(data)
    assert compressed[:3] == b"\x1f\x8b\x08"  # gzip magic + deflate
    assert gzip.decompress(compressed) == data


def test_gzip_reads_what_other_gzip_writers_produce() -> None:
    data = b"x" * 1000
    assert GZIP.decompress(gzip.compress(data, mtime=1234)) == data
    # two concatenated members, as Java's GZIPInputStream accepts
    assert GZIP.decompress(gzip.compress(b"ab") + gzip.compress(b"cd")) == b"abcd"


@given(st.binary(max_size=2000))
def test_gzip_round_trip(data: bytes) -> None:
    assert GZIP.decompress(GZIP.compress(data), max_size=len(data)) == data


def test_gzip_bomb_stops_at_the_limit() -> None:
    bomb = GZIP.compress(b"\x00" * (16 * 1024 * 1024))  # 16 MiB of zeros in ~16 KiB
    assert len(bomb) < 32 * 1024
    with pytest.raises(MessageTooLargeError) as info:
        GZIP.decompress(bomb, max_size=1024 * 1024)
    assert info.value.limit == 1024 * 1024
    assert info.value.size is None
    assert "decompressed" in str(info.value)


def test_gzip_limit_is_inclusive() -> None:
    data = b"y" * 100
    assert GZIP.decompress(GZIP.compress(data), max_size=100) == data
    with pytest.raises(MessageTooLargeError):
        GZIP.decompress(GZIP.compress(data), max_size=99)


def test_gzip_limit_applies_across_concatenated_members() -> None:
    with pytest.raises(MessageTooLargeError):
        GZIP.decompress(GZIP.compress(b"a" * 60) + GZIP.compress(b"b" * 60), max_size=100)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "truncated"),
        (GZIP.compress(b"hello world")[:-4], "truncated"),
        (b"not gzip at all", "corrupt"),
        (zlib.compress(b"zlib, not gzip"), "corrupt"),
        (GZIP.compress(b"ok") + b"trailing garbage", "corrupt"),
    ],
)
def test_corrupt_gzip_is_a_decode_error(data: bytes, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        GZIP.decompress(data)


def test_identity_passes_through_but_enforces_the_limit() -> None:
    assert IDENTITY.compress(b"abc") == b"abc"
    assert IDENTITY.decompress(b"abc", max_size=3) == b"abc"
    with pytest.raises(MessageTooLargeError) as info:
        IDENTITY.decompress(b"abcd", max_size=3)
    assert (info.value.size, info.value.limit) == (4, 3)
    assert isinstance(info.value, ProtocolError)


def test_gzip_level_is_validated() -> None:
    with pytest.raises(ConfigError, match="gzip level"):
        GzipCompressor(level=10)


@pytest.mark.parametrize(
    ("value", "names"),
    [
        (None, ()),
        ("", ()),
        ("gzip", ("gzip",)),
        ("identity,gzip,bzip2,snappy", ("identity", "gzip", "bzip2", "snappy")),  # Java
        (" gzip , ,Identity ", ("gzip", "identity")),
    ],
)
def test_parse_accept_encoding(value: str | None, names: tuple[str, ...]) -> None:
    assert parse_accept_encoding(value) == names


def test_format_accept_encoding() -> None:
    assert format_accept_encoding(["identity", "gzip"]) == "identity,gzip"
    assert default_registry.accept_encoding == "identity,gzip"


@pytest.mark.parametrize(
    ("preferred", "peer", "chosen"),
    [
        (["gzip"], ["identity", "gzip"], "gzip"),
        (["gzip"], ["identity"], "identity"),  # never compress with what the peer cannot read
        (["gzip"], [], "identity"),  # no grpc-accept-encoding header
        (["snappy", "gzip"], ["gzip", "snappy"], "snappy"),  # our preference order wins
        ([], ["gzip"], "identity"),
    ],
)
def test_negotiate_encoding(preferred: list[str], peer: list[str], chosen: str) -> None:
    assert negotiate_encoding(preferred, peer) == chosen


def test_registry_lookup_and_negotiation() -> None:
    registry = CompressorRegistry()
    assert registry.get("gzip") is GZIP
    assert registry.get("GZIP") is GZIP
    assert registry.get("identity") is IDENTITY
    assert registry.get("snappy") is None  # the transport answers UNIMPLEMENTED
    assert registry.negotiate(["gzip"], "identity,gzip") is GZIP
    assert registry.negotiate(["gzip"], None) is IDENTITY
    assert registry.negotiate(["snappy"], "snappy") is IDENTITY  # not registered here


class _Reverse(Compressor):
    name = "reverse"

    def compress(self, data: bytes) -> bytes:
        return data[::-1]

    def decompress(self, data: bytes, max_size: int | None = None) -> bytes:
        return data[::-1]


def test_registering_a_third_party_compressor() -> None:
    registry = CompressorRegistry()
    registry.register(_Reverse())
    assert registry.names == ("identity", "gzip", "reverse")
    assert registry.accept_encoding == "identity,gzip,reverse"
    assert registry.negotiate(["reverse"], "gzip, reverse").name == "reverse"
    assert default_registry.get("reverse") is None  # other registries are untouched


@pytest.mark.parametrize("name", ["", "GZip", "a,b", " x"])
def test_bad_compressor_names_are_refused(name: str) -> None:
    class Bad(_Reverse):
        pass

    Bad.name = name
    with pytest.raises(ConfigError, match="compressor name"):
        CompressorRegistry().register(Bad())
