"""grpc-message, grpc-status, grpc-status-details-bin and the HTTP ⇄ gRPC tables (spec/triple.md §1.3, §4)."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf import any_pb2, descriptor_pb2, descriptor_pool, message_factory
from hypothesis import given
from hypothesis import strategies as st

from dubbopy.errors import ConfigError, DecodeError, StatusCode
from dubbopy.protocol.triple.codec.status import (
    AnyProto,
    StatusProto,
    decode_grpc_message,
    decode_status_details,
    encode_grpc_message,
    encode_status_details,
    go_code_to_http_status,
    go_http_status_to_code,
    grpc_code_to_http_status,
    http_status_to_grpc_code,
    parse_grpc_status,
)

# ------------------------------------------------------------------------------------------- grpc-message


@pytest.mark.parametrize(
    ("message", "wire"),
    [
        ("", ""),
        ("hello world", "hello world"),
        ("50%", "50%25"),
        ("a+b", "a%2Bb"),  # Java's QueryStringDecoder would read a bare '+' as a space
        ("line1\nline2\ttab", "line1%0Aline2%09tab"),
        ("\x7f", "%7F"),
        ("~ !\"#$&'()*,-./:;<=>?@[\\]^_`{|}", "~ !\"#$&'()*,-./:;<=>?@[\\]^_`{|}"),
        ("héllo", "h%C3%A9llo"),
        ("日本", "%E6%97%A5%E6%9C%AC"),
        ("\U0001f600", "%F0%9F%98%80"),
    ],
)
def test_grpc_message_encoding(message: str, wire: str) -> None:
    assert encode_grpc_message(message) == wire
    assert decode_grpc_message(wire) == message


@pytest.mark.parametrize(
    ("wire", "message"),
    [
        ("%zz", "%zz"),  # malformed escapes are kept as they are, as grpc does
        ("100%", "100%"),
        ("%4", "%4"),
        ("%4g%41", "%4gA"),
        ("%e6%97%a5", "日"),  # lower-case hex is accepted
        ("%FF", "\ufffd"),  # not UTF-8
        ("a+b", "a+b"),  # '+' is not a space in gRPC
        ("%2B%25", "+%"),
    ],
)
def test_grpc_message_decoding_is_tolerant(wire: str, message: str) -> None:
    assert decode_grpc_message(wire) == message


def test_grpc_message_without_escapes_is_not_copied() -> None:
    message = "plain message " * 10
    assert encode_grpc_message(message) is message
    assert decode_grpc_message(message) is message


_TEXT = st.text(alphabet=st.characters(codec="utf-8"))


@given(_TEXT)
def test_grpc_message_round_trip(message: str) -> None:
    wire = encode_grpc_message(message)
    assert wire.isascii()
    assert all(0x20 <= ord(c) <= 0x7E for c in wire)
    assert "+" not in wire
    assert decode_grpc_message(wire) == message


# -------------------------------------------------------------------------------------------- grpc-status


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("0", StatusCode.OK),
        ("5", StatusCode.NOT_FOUND),
        ("16", StatusCode.UNAUTHENTICATED),
        ("17", StatusCode.UNKNOWN),  # dubbo-go's business-error code
        ("99", StatusCode.UNKNOWN),
    ],
)
def test_parse_grpc_status(value: str, code: StatusCode) -> None:
    assert parse_grpc_status(value) is code


@pytest.mark.parametrize("value", ["", "-1", "1a", " 1", "0x1", "\u0661", "99999999999"])
def test_parse_grpc_status_rejects_non_decimal(value: str) -> None:
    with pytest.raises(DecodeError, match="invalid grpc-status"):
        parse_grpc_status(value)


# ------------------------------------------------------------------------------- grpc-status-details-bin


def test_status_proto_vector() -> None:
    status = StatusProto(5, "not found")
    assert status.to_bytes().hex(" ") == "08 05 12 09 6e 6f 74 20 66 6f 75 6e 64"
    assert StatusProto.from_bytes(status.to_bytes()) == status


def test_status_proto_with_details_vector() -> None:
    detail = AnyProto("type.googleapis.com/google.rpc.ErrorInfo", b"\x0a\x01x")
    data = StatusProto(3, "", (detail,)).to_bytes()
    any_bytes = b"\x0a\x28type.googleapis.com/google.rpc.ErrorInfo\x12\x03\x0a\x01x"
    assert data == b"\x08\x03\x1a" + bytes([len(any_bytes)]) + any_bytes
    assert detail.type_name == "google.rpc.ErrorInfo"


def test_ok_status_with_no_message_is_empty_bytes() -> None:
    assert StatusProto(0).to_bytes() == b""
    assert StatusProto.from_bytes(b"") == StatusProto(0, "", ())


def test_negative_code_is_a_ten_byte_varint() -> None:
    data = StatusProto(-1).to_bytes()
    assert data == b"\x08" + b"\xff" * 9 + b"\x01"
    assert StatusProto.from_bytes(data).code == -1


def test_code_outside_int32_is_refused() -> None:
    with pytest.raises(ConfigError, match="int32"):
        StatusProto(2**31).to_bytes()


def test_details_bin_is_unpadded_base64_and_decoding_accepts_padding() -> None:
    value = encode_status_details(3, "bad")  # 08 03 12 03 'bad' → CAMSA2JhZA==
    assert value == "CAMSA2JhZA"
    assert decode_status_details(value) == StatusProto(3, "bad")
    assert decode_status_details("CAMSA2JhZA==") == StatusProto(3, "bad")
    assert decode_status_details(b"CAMSA2JhZA") == StatusProto(3, "bad")


def test_unknown_fields_are_skipped_and_last_scalar_wins() -> None:
    data = (
        b"\x08\x02"  # code 2
        b"\x20\x96\x01"  # field 4, varint 150
        b"\x2d\x01\x02\x03\x04"  # field 5, fixed32
        b"\x31"
        + b"\x00"
        * 8  # field 6, fixed64
        + b"\x3a\x02hi"  # field 7, bytes
        b"\x08\x07"  # code again: 7 wins
        b"\x12\x02ok"
    )
    assert StatusProto.from_bytes(data) == StatusProto(7, "ok")


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x08", "truncated varint"),
        (b"\x08" + b"\xff" * 11, "longer than 10 bytes"),
        (b"\x12\x05ab", "needs 5 bytes, 2 left"),
        (b"\x0b", "wire type 3"),  # start group
        (b"\x00\x00", "field number 0"),
        (b"\x1a\x02\x0a\x05", "needs 5 bytes"),  # broken Any inside details
        (b"\x2d\x01", "truncated fixed-size"),
    ],
)
def test_malformed_status_bytes_are_decode_errors(data: bytes, reason: str) -> None:
    with pytest.raises(DecodeError, match=reason):
        StatusProto.from_bytes(data)


def test_invalid_base64_is_a_decode_error_naming_the_header() -> None:
    with pytest.raises(DecodeError, match="grpc-status-details-bin"):
        decode_status_details("not base64!")


def _status_class() -> Any:
    """google.rpc.Status built at test time (googleapis-common-protos is not installed)."""
    pool = descriptor_pool.DescriptorPool()
    any_file = descriptor_pb2.FileDescriptorProto()
    any_pb2.DESCRIPTOR.CopyToProto(any_file)
    pool.Add(any_file)
    status_file = descriptor_pb2.FileDescriptorProto(
        name="google/rpc/status.proto",
        package="google.rpc",
        syntax="proto3",
        dependency=["google/protobuf/any.proto"],
    )
    message = status_file.message_type.add(name="Status")
    field = descriptor_pb2.FieldDescriptorProto
    message.field.add(name="code", number=1, type=field.TYPE_INT32, label=field.LABEL_OPTIONAL)
    message.field.add(name="message", number=2, type=field.TYPE_STRING, label=field.LABEL_OPTIONAL)
    message.field.add(
        name="details",
        number=3,
        type=field.TYPE_MESSAGE,
        label=field.LABEL_REPEATED,
        type_name=".google.protobuf.Any",
    )
    pool.Add(status_file)
    return message_factory.GetMessageClass(pool.FindMessageTypeByName("google.rpc.Status"))


_ProtobufStatus = _status_class()


@given(
    code=st.integers(min_value=-(2**31), max_value=2**31 - 1),
    message=_TEXT,
    details=st.lists(st.tuples(_TEXT, st.binary(max_size=40)), max_size=3),
)
def test_matches_protobuf_both_ways(code: int, message: str, details: list[tuple[str, bytes]]) -> None:
    ours = StatusProto(code, message, tuple(AnyProto(url, value) for url, value in details))
    reference = _ProtobufStatus(code=code, message=message)
    for url, value in details:
        reference.details.add(type_url=url, value=value)
    assert ours.to_bytes() == reference.SerializeToString(deterministic=True)
    assert StatusProto.from_bytes(reference.SerializeToString()) == ours
    parsed = _ProtobufStatus.FromString(ours.to_bytes())
    assert (parsed.code, parsed.message, len(parsed.details)) == (code, message, len(details))


# ---------------------------------------------------------------------------------------- HTTP tables

S = StatusCode

JAVA_CODE_TO_HTTP = {
    S.OK: 200,
    S.CANCELLED: 499,
    S.UNKNOWN: 500,
    S.DATA_LOSS: 500,
    S.INTERNAL: 500,
    S.INVALID_ARGUMENT: 400,
    S.FAILED_PRECONDITION: 400,
    S.OUT_OF_RANGE: 400,
    S.DEADLINE_EXCEEDED: 504,
    S.NOT_FOUND: 404,
    S.ALREADY_EXISTS: 409,
    S.ABORTED: 409,
    S.PERMISSION_DENIED: 403,
    S.RESOURCE_EXHAUSTED: 429,
    S.UNIMPLEMENTED: 501,
    S.UNAVAILABLE: 503,
    S.UNAUTHENTICATED: 401,
}


@pytest.mark.parametrize("code", list(StatusCode))
def test_java_code_to_http(code: StatusCode) -> None:
    assert grpc_code_to_http_status(code) == JAVA_CODE_TO_HTTP[code]


@pytest.mark.parametrize(
    ("http", "code"),
    [
        (100, S.INTERNAL),
        (199, S.INTERNAL),
        (400, S.INTERNAL),
        (431, S.INTERNAL),
        (401, S.UNAUTHENTICATED),
        (403, S.PERMISSION_DENIED),
        (404, S.UNIMPLEMENTED),
        (429, S.UNAVAILABLE),
        (502, S.UNAVAILABLE),
        (503, S.UNAVAILABLE),
        (504, S.UNAVAILABLE),
        (200, S.UNKNOWN),
        (500, S.UNKNOWN),
        (418, S.UNKNOWN),
    ],
)
def test_java_http_to_code(http: int, code: StatusCode) -> None:
    assert http_status_to_grpc_code(http) is code


@pytest.mark.parametrize(
    ("code", "http"),
    [
        (S.CANCELLED, 408),
        (S.DEADLINE_EXCEEDED, 408),
        (S.FAILED_PRECONDITION, 412),
        (S.UNIMPLEMENTED, 404),
        (S.RESOURCE_EXHAUSTED, 429),
        (S.UNKNOWN, 500),
        (S.OK, 200),
    ],
)
def test_go_code_to_http(code: StatusCode, http: int) -> None:
    assert go_code_to_http_status(code) == http


@pytest.mark.parametrize(
    ("http", "code"),
    [
        (400, S.INVALID_ARGUMENT),
        (401, S.UNAUTHENTICATED),
        (403, S.PERMISSION_DENIED),
        (404, S.UNIMPLEMENTED),
        (408, S.DEADLINE_EXCEEDED),
        (412, S.FAILED_PRECONDITION),
        (413, S.RESOURCE_EXHAUSTED),
        (429, S.UNAVAILABLE),
        (431, S.RESOURCE_EXHAUSTED),
        (502, S.UNAVAILABLE),
        (503, S.UNAVAILABLE),
        (504, S.UNAVAILABLE),
        (500, S.UNKNOWN),
        (200, S.UNKNOWN),
    ],
)
def test_go_http_to_code(http: int, code: StatusCode) -> None:
    assert go_http_status_to_code(http) is code
