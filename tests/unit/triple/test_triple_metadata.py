"""Metadata and Dubbo attachments ⇄ HTTP/2 headers (spec/triple.md §1.1)."""

from __future__ import annotations

import datetime
from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dubbopy.errors import ConfigError, DecodeError
from dubbopy.protocol.triple.codec.metadata import (
    TRI_HEADER_CONVERT,
    TRI_REQ_ID,
    attachments_to_headers,
    decode_binary_header,
    encode_binary_header,
    headers_to_attachments,
    headers_to_metadata,
    is_reserved_attachment,
    is_reserved_header,
    metadata_to_headers,
)

# ------------------------------------------------------------------------------------------- base64


@pytest.mark.parametrize(
    ("data", "wire"),
    [(b"", ""), (b"\x00", "AA"), (b"\x00\x01", "AAE"), (b"\x00\x01\x02", "AAEC"), (b"\xfb\xff", "+/8")],
)
def test_binary_values_are_unpadded_standard_base64(data: bytes, wire: str) -> None:
    assert encode_binary_header(data) == wire
    assert decode_binary_header(wire) == data


@pytest.mark.parametrize(("wire", "data"), [("AA==", b"\x00"), ("AAE=", b"\x00\x01"), (b"AAE", b"\x00\x01")])
def test_binary_decoding_accepts_padding_and_bytes(wire: str | bytes, data: bytes) -> None:
    assert decode_binary_header(wire) == data


@pytest.mark.parametrize("wire", ["A", "AA AA", "AA\n", "-_8", "AA=A", "é"])
def test_invalid_base64_names_the_key(wire: str) -> None:
    with pytest.raises(DecodeError, match="'trace-bin' is not valid base64"):
        decode_binary_header(wire, key="trace-bin")


@given(st.binary(max_size=100))
def test_base64_round_trip(data: bytes) -> None:
    wire = encode_binary_header(data)
    assert "=" not in wire
    assert decode_binary_header(wire) == data


# ------------------------------------------------------------------------------------------ reserved


@pytest.mark.parametrize(
    "name",
    [
        ":path",
        ":status",
        "content-type",
        "te",
        "user-agent",
        "grpc-timeout",
        "grpc-status-details-bin",
        "grpc-anything",
        "tri-service-version",
        "tri-service-group",
        "tri-service-timeout",
        "tri-consumer-appname",
        "tri-header-convert",
        "tri-exception-code",
        "connection",
    ],
)
def test_reserved_headers(name: str) -> None:
    assert is_reserved_header(name)
    assert is_reserved_attachment(name)


@pytest.mark.parametrize("name", [TRI_REQ_ID, "tri-trace-traceid", "tri-attachment", "x-user", "generic"])
def test_old_tri_names_and_user_keys_are_ordinary(name: str) -> None:
    assert not is_reserved_header(name)
    assert not is_reserved_attachment(name)


@pytest.mark.parametrize("name", ["interface", "group", "path", "application", "remote.application"])
def test_java_internal_keys_are_headers_but_never_attachments(name: str) -> None:
    assert not is_reserved_header(name)
    assert is_reserved_attachment(name)


# ------------------------------------------------------------------------------------ gRPC metadata


def test_metadata_to_headers_keeps_order_duplicates_and_base64s_bin() -> None:
    metadata: list[tuple[str, str | bytes]] = [
        ("x-a", "1"),
        ("trace-bin", b"\x01\x02"),
        ("x-a", "2"),
        ("empty", ""),
    ]
    assert metadata_to_headers(metadata) == [("x-a", "1"), ("trace-bin", "AQI"), ("x-a", "2"), ("empty", "")]


@pytest.mark.parametrize(
    ("key", "value", "reason"),
    [
        ("X-Upper", "v", "'X-Upper' is invalid"),
        ("", "v", "'' is invalid"),
        ("sp ace", "v", "'sp ace' is invalid"),
        ("ünï", "v", "'ünï' is invalid"),
        ("content-type", "v", "'content-type' is reserved"),
        ("grpc-custom", "v", "'grpc-custom' is reserved"),
        (":path", "/x", "':path' is invalid"),
        ("tri-service-group", "g", "'tri-service-group' is reserved"),
        ("data-bin", "text", "'data-bin' ends in -bin"),
        ("data", b"bytes", "'data' takes a str value"),
        ("data", "tab\there", "'data' must be printable ASCII"),
        ("data", "naïve", "'data' must be printable ASCII"),
    ],
)
def test_invalid_outgoing_metadata_names_the_key(key: str, value: str | bytes, reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        metadata_to_headers([(key, value)])


def test_headers_to_metadata_drops_reserved_and_decodes_bin() -> None:
    headers = [
        (":status", "200"),
        ("content-type", "application/grpc"),
        ("grpc-status", "0"),
        ("tri-service-version", "1.0.0"),
        ("x-user", "alice"),
        ("trace-bin", "AQI="),
        ("x-user", "bob"),
    ]
    expected = [("x-user", "alice"), ("trace-bin", b"\x01\x02"), ("x-user", "bob")]
    assert headers_to_metadata(headers) == expected


def test_headers_to_metadata_accepts_h2_bytes_tuples() -> None:
    headers = [
        (b":status", b"200"),
        (b"x-name", "café".encode()),
        (b"raw-bin", b"AQI"),
        (b"latin", b"caf\xe9"),
    ]
    assert headers_to_metadata(headers) == [("x-name", "café"), ("raw-bin", b"\x01\x02"), ("latin", "café")]


def test_headers_to_metadata_rejects_bad_base64_naming_the_key() -> None:
    with pytest.raises(DecodeError, match="'trace-bin'"):
        headers_to_metadata([("trace-bin", "***")])


# -------------------------------------------------------------------------------------- attachments


def test_attachments_to_headers_java_rules() -> None:
    when = datetime.datetime(1994, 11, 6, 8, 49, 37, tzinfo=datetime.UTC)
    headers = dict(
        attachments_to_headers(
            {
                "traceid": "abc",
                "retries": 3,
                "ratio": 0.5,
                "flag": True,
                "token": b"\x00\x01",
                "when": when,
                "skip": None,
                "interface": "org.Foo",  # Java-internal: dropped
                "timeout": 3000,
                "tri-req-id": "r1",
                "content-type": "x",  # reserved: dropped
            }
        )
    )
    assert headers == {
        "traceid": "abc",
        "retries": "3",
        "ratio": "0.5",
        "flag": "true",
        "token-bin": "AAE",
        "when": "Sun, 06 Nov 1994 08:49:37 GMT",
        "timeout": "3000",
        "tri-req-id": "r1",
    }


def test_upper_case_keys_are_lowered_and_recorded_in_tri_header_convert() -> None:
    headers = dict(attachments_to_headers({"TraceId": "abc", "Blob": b"\x01", "plain": "x"}))
    assert headers["traceid"] == "abc"
    assert headers["blob-bin"] == "AQ"
    # Java: percent-encoded (netty QueryStringEncoder) compact JSON {"lower":"Original"}
    assert headers[TRI_HEADER_CONVERT] == quote('{"traceid":"TraceId","blob":"Blob"}', safe="*")
    assert headers[TRI_HEADER_CONVERT].startswith("%7B%22traceid%22%3A%22TraceId%22")


def test_header_convert_can_be_switched_off() -> None:
    assert attachments_to_headers({"TraceId": "abc"}, convert_keys=False) == [("traceid", "abc")]


@pytest.mark.parametrize(
    ("attachments", "reason"),
    [
        ({"bad key": "v"}, "'bad key' cannot be a header name"),
        ({"k": "naïve"}, "'k' must be printable ASCII"),
        ({"k": "line\nbreak"}, "'k' must be printable ASCII"),
        ({"k-bin": "text"}, "'k-bin' ends in -bin but has a str value"),
        ({"k": {"nested": 1}}, "'k' has a dict value"),
    ],
)
def test_attachments_that_cannot_travel_name_the_key(attachments: dict[str, object], reason: str) -> None:
    with pytest.raises(ConfigError, match=reason):
        attachments_to_headers(attachments)


def test_headers_to_attachments_java_rules() -> None:
    headers = [
        (":path", "/org.Foo/bar"),
        ("content-type", "application/grpc+proto"),
        ("te", "trailers"),
        ("grpc-timeout", "3000m"),
        ("tri-service-version", "1.0.0"),
        ("tri-consumer-appname", "demo-consumer"),
        ("user-agent", "grpc-java"),
        ("interface", "org.Foo"),
        ("interface-bin", "AQ"),
        ("traceid", "abc"),
        ("token-bin", "AAE"),
        ("tri-req-id", "r1"),
    ]
    assert headers_to_attachments(headers) == {"traceid": "abc", "token": b"\x00\x01", "tri-req-id": "r1"}


def test_tri_header_convert_restores_case_from_java() -> None:
    # What Java sends for attachments {"TraceId": "abc", "Blob": bytes}
    convert = "%7B%22traceid%22%3A%22TraceId%22%2C%22blob%22%3A%22Blob%22%7D"
    headers = [("traceid", "abc"), ("blob-bin", "AQ"), (TRI_HEADER_CONVERT, convert), ("other", "o")]
    assert headers_to_attachments(headers) == {"TraceId": "abc", "Blob": b"\x01", "other": "o"}


def test_tri_header_convert_ignores_missing_keys_and_reserved_targets() -> None:
    convert = quote('{"gone":"Gone","x":"Interface"}')
    assert headers_to_attachments([("x", "1"), (TRI_HEADER_CONVERT, convert)]) == {}


@pytest.mark.parametrize("value", ["not-json", quote('["a"]'), quote('{"a":1}'), "%FF%FE"])
def test_unreadable_tri_header_convert_is_a_decode_error(value: str) -> None:
    with pytest.raises(DecodeError, match="tri-header-convert"):
        headers_to_attachments([(TRI_HEADER_CONVERT, value)])


# letters that cannot spell a reserved key ("path", "group", ...) or a "-bin" suffix
_KEYS = st.text(alphabet="abcdXYZ0_.", min_size=1, max_size=8)
_VALUES = st.one_of(
    st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=20),
    st.binary(max_size=20),
)


@given(st.dictionaries(_KEYS, _VALUES, max_size=6).filter(lambda d: len({k.lower() for k in d}) == len(d)))
def test_attachments_round_trip_through_headers(attachments: dict[str, str | bytes]) -> None:
    assert headers_to_attachments(attachments_to_headers(attachments)) == attachments
