"""Dubbo request, response and event bodies against the byte-exact vectors of spec/dubbo-protocol.md §6-§7,
plus round trips and bad input."""

from __future__ import annotations

import itertools
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dubbopy.errors import DecodeError, ProtocolError
from dubbopy.protocol.dubbo.codec import (
    BadRequestError,
    Event,
    Request,
    Response,
    decode_event,
    decode_request,
    decode_response,
    encode_event,
    encode_request,
    encode_response,
    supports_response_attachments,
)
from dubbopy.protocol.dubbo.frames import Frame, FrameDecoder, Header, PayloadLimitError, Status, pack_header
from dubbopy.serialization.hessian2 import JavaThrowable, JInt, object_array, string_array

SERVICE = "org.apache.dubbo.samples.api.GreetingsService"
SVC = b"\x30\x2d" + SERVICE.encode()


def s(text: str) -> bytes:
    """A short Hessian string (< 32 UTF-8 bytes of ASCII)."""
    data = text.encode()
    assert len(data) < 32
    return bytes([len(data)]) + data


# spec §6, full 244 bytes, as printed there
REQUEST_A = bytes.fromhex(
    """
    da bb c2 00 00 00 00 00 00 00 00 01 00 00 00 e4 05 32 2e 30 2e 32 30 2d 6f 72 67 2e 61 70 61 63
    68 65 2e 64 75 62 62 6f 2e 73 61 6d 70 6c 65 73 2e 61 70 69 2e 47 72 65 65 74 69 6e 67 73 53 65
    72 76 69 63 65 05 30 2e 30 2e 30 05 73 61 79 48 69 12 4c 6a 61 76 61 2f 6c 61 6e 67 2f 53 74 72
    69 6e 67 3b 05 77 6f 72 6c 64 48 04 70 61 74 68 30 2d 6f 72 67 2e 61 70 61 63 68 65 2e 64 75 62
    62 6f 2e 73 61 6d 70 6c 65 73 2e 61 70 69 2e 47 72 65 65 74 69 6e 67 73 53 65 72 76 69 63 65 09
    69 6e 74 65 72 66 61 63 65 30 2d 6f 72 67 2e 61 70 61 63 68 65 2e 64 75 62 62 6f 2e 73 61 6d 70
    6c 65 73 2e 61 70 69 2e 47 72 65 65 74 69 6e 67 73 53 65 72 76 69 63 65 07 76 65 72 73 69 6f 6e
    05 30 2e 30 2e 30 07 74 69 6d 65 6f 75 74 04 33 30 30 30 5a
    """
)
# spec §7
VALUE_WITH_ATTACHMENTS = bytes.fromhex("dabb0214000000000000000100000019") + (
    b"\x94" + s("hi, world") + b"H" + s("dubbo") + s("2.0.2") + b"Z"
)
NULL_WITH_ATTACHMENTS = bytes.fromhex("dabb021400000000000000010000000f") + b"\x95H" + s("dubbo") + s("2.0.2") + b"Z"
EXCEPTION_WITH_ATTACHMENTS = bytes.fromhex("dabb02140000000000000001000000a7") + (
    b"\x93\x43\x1ajava.lang.RuntimeException\x94\x14suppressedExceptions\x0astackTrace\x05cause"
    b"\x0ddetailMessage\x60\x70\x1fjava.util.Collections$EmptyList\x70\x1c[java.lang.StackTraceElement"
    b"\x51\x90\x04boom" + b"H" + s("dubbo") + s("2.0.2") + b"Z"
)
SERVICE_ERROR = bytes.fromhex(
    "da bb 02 46 00 00 00 00 00 00 00 01 00 00 00 12 11 53 65 72 76 69 63 65 20 6e 6f 74 20 66 6f 75 6e 64"
)
HEARTBEAT_REQUEST = bytes.fromhex("dabbe2000000000000000002000000014e")
HEARTBEAT_RESPONSE = bytes.fromhex("dabb22140000000000000002000000014e")
READONLY = bytes.fromhex("dabba2000000000000000003000000020152")
GENERIC_BODY = (
    s("2.0.2")
    + SVC
    + s("0.0.0")
    + s("$invoke")
    + b"\x30\x38Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/Object;"
    + s("sayHi")
    + b"\x71"
    + s("[string")
    + b"\x10java.lang.String"
    + b"\x71"
    + s("[object")
    + s("world")
    + b"H"
    + s("path")
    + SVC
    + s("interface")
    + SVC
    + s("version")
    + s("0.0.0")
    + s("timeout")
    + s("3000")
    + s("generic")
    + s("true")
    + b"Z"
)
GENERIC_REQUEST = pack_header(0xC2, 0, 4, len(GENERIC_BODY)) + GENERIC_BODY


def one_frame(data: bytes) -> Frame:
    decoder = FrameDecoder()
    decoder.feed(data)
    frame = decoder.next_frame()
    assert frame is not None
    assert decoder.next_frame() is None
    return frame


def attachments_a() -> dict[str, Any]:
    return {"path": SERVICE, "interface": SERVICE, "version": "0.0.0", "timeout": "3000"}


def test_spec_request_a_encodes_byte_for_byte() -> None:
    assert len(REQUEST_A) == 244
    request = Request(1, SERVICE, "sayHi", ("java.lang.String",), ("world",), attachments_a())
    assert encode_request(request) == REQUEST_A


def test_spec_request_a_decodes() -> None:
    request = decode_request(one_frame(REQUEST_A))
    assert request == Request(1, SERVICE, "sayHi", ("java.lang.String",), ("world",), attachments_a())
    assert request.dubbo_version == "2.0.2"
    assert request.twoway


def test_spec_generic_request_encodes_and_decodes() -> None:
    assert len(GENERIC_REQUEST) == 339
    attachments = {**attachments_a(), "generic": "true"}
    types = ("java.lang.String", "[Ljava.lang.String;", "[Ljava.lang.Object;")
    arguments = ("sayHi", string_array(["java.lang.String"]), object_array(["world"]))
    request = Request(4, SERVICE, "$invoke", types, arguments, attachments)
    assert encode_request(request) == GENERIC_REQUEST
    decoded = decode_request(one_frame(GENERIC_REQUEST))
    assert decoded.method == "$invoke"
    assert decoded.parameter_types == types
    assert decoded.arguments[0] == "sayHi"
    assert list(decoded.arguments[1]) == ["java.lang.String"]
    assert list(decoded.arguments[2]) == ["world"]


def test_generic_arrays_are_written_as_typed_lists_even_from_plain_lists() -> None:
    types = ("java.lang.String", "[Ljava.lang.String;", "[Ljava.lang.Object;")
    request = Request(4, SERVICE, "$invoke", types, ("sayHi", ["java.lang.String"], ["world"]), attachments_a())
    request.attachments["generic"] = "true"
    assert encode_request(request) == GENERIC_REQUEST


def test_spec_echo_request_body() -> None:
    request = Request(5, SERVICE, "$echo", ("java.lang.Object",), ("OK",), {})
    body = encode_request(request)[16:]
    assert s("$echo") + b"\x12Ljava/lang/Object;" + s("OK") + b"H" in body
    assert decode_request(one_frame(encode_request(request))).arguments == ("OK",)


@pytest.mark.parametrize(
    ("response", "wire"),
    [
        (Response(1, value="hi, world", attachments={"dubbo": "2.0.2"}), VALUE_WITH_ATTACHMENTS),
        (Response(1, value=None, attachments={"dubbo": "2.0.2"}), NULL_WITH_ATTACHMENTS),
        (
            Response(1, exception=JavaThrowable("java.lang.RuntimeException", "boom"), attachments={"dubbo": "2.0.2"}),
            EXCEPTION_WITH_ATTACHMENTS,
        ),
        (Response(1, Status.SERVICE_ERROR, error_message="Service not found"), SERVICE_ERROR),
    ],
    ids=["value", "null", "exception", "error-status"],
)
def test_spec_responses_encode_byte_for_byte(response: Response, wire: bytes) -> None:
    assert encode_response(response) == wire


def test_spec_responses_decode() -> None:
    value = decode_response(one_frame(VALUE_WITH_ATTACHMENTS))
    assert (value.status, value.value, value.exception, value.attachments) == (
        20,
        "hi, world",
        None,
        {"dubbo": "2.0.2"},
    )
    null = decode_response(one_frame(NULL_WITH_ATTACHMENTS))
    assert (null.value, null.exception, null.attachments) == (None, None, {"dubbo": "2.0.2"})
    failed = decode_response(one_frame(EXCEPTION_WITH_ATTACHMENTS))
    assert isinstance(failed.exception, JavaThrowable)
    assert (failed.exception.class_name, failed.exception.message) == ("java.lang.RuntimeException", "boom")
    assert failed.attachments == {"dubbo": "2.0.2"}
    error = decode_response(one_frame(SERVICE_ERROR))
    assert (error.status, error.error_message, error.ok) == (Status.SERVICE_ERROR, "Service not found", False)


@pytest.mark.parametrize(
    ("kind_body", "value", "has_exception", "attachments"),
    [
        (b"\x90" + b"\x43\x13java.lang.Exception\x91\x0ddetailMessage\x60\x01x", None, True, None),
        (b"\x91" + s("v"), "v", False, None),
        (b"\x92", None, False, None),
        (
            b"\x93" + b"\x43\x13java.lang.Exception\x91\x0ddetailMessage\x60\x01x" + b"H" + s("k") + s("v") + b"Z",
            None,
            True,
            {"k": "v"},
        ),
        (b"\x94" + s("v") + b"H" + s("k") + s("v") + b"Z", "v", False, {"k": "v"}),
        (b"\x95" + b"H" + s("k") + s("v") + b"Z", None, False, {"k": "v"}),
    ],
)
def test_all_six_response_kinds_decode(
    kind_body: bytes, value: object, has_exception: bool, attachments: dict[str, str] | None
) -> None:
    response = decode_response(one_frame(pack_header(0x02, 20, 3, len(kind_body)) + kind_body))
    assert response.value == value
    assert (response.exception is not None) == has_exception
    assert response.attachments == attachments


@pytest.mark.parametrize(
    ("response", "kind"),
    [
        (Response(1, exception=JavaThrowable("java.lang.Exception", "x")), 0x90),
        (Response(1, value="v"), 0x91),
        (Response(1), 0x92),
        (Response(1, exception=JavaThrowable("java.lang.Exception", "x"), attachments={}), 0x93),
        (Response(1, value="v", attachments={}), 0x94),
        (Response(1, attachments={}), 0x95),
    ],
)
def test_encoder_picks_the_kind_from_value_exception_and_attachments(response: Response, kind: int) -> None:
    assert encode_response(response)[16] == kind


def test_declared_return_type_picks_the_wire_form() -> None:
    as_long = encode_response(Response(1, value=5))
    as_int = encode_response(Response(1, value=5, return_type="int"))
    assert as_long[16:] == b"\x91\xe5"  # Long 5
    assert as_int[16:] == b"\x91\x95"  # Integer 5


def test_type_arguments_of_the_return_type_decide_the_element_form() -> None:
    plain = encode_response(Response(1, value=[1, 2]))
    declared = encode_response(Response(1, value=[1, 2], return_type="java.util.List<java.lang.Integer>"))
    assert plain[16:] == b"\x91\x7a\xe1\xe2"  # ArrayList of Long
    assert declared[16:] == b"\x91\x7a\x91\x92"  # ArrayList of Integer


def test_trailing_bytes_after_the_body_values_are_ignored() -> None:
    body = VALUE_WITH_ATTACHMENTS[16:] + b"N"  # dubbo-go appends one N to every response
    response = decode_response(one_frame(pack_header(0x02, 20, 1, len(body)) + body))
    assert response.value == "hi, world"


@pytest.mark.parametrize(
    ("version", "supported"),
    [
        ("2.0.2", True),
        ("2.0.99", True),
        ("2.0.10", True),
        ("2.0.0", False),
        ("2.0.1", False),
        ("2.6.2", False),
        ("", False),
        (None, False),
        ("3.0.0", False),
        ("x.y", False),
    ],
)
def test_response_attachments_depend_on_the_request_dubbo_version(version: str | None, supported: bool) -> None:
    assert supports_response_attachments(version) is supported


def test_heartbeat_and_readonly_vectors() -> None:
    assert encode_event(Event(2)) == HEARTBEAT_REQUEST
    assert encode_event(Event(2, is_request=False)) == HEARTBEAT_RESPONSE
    assert encode_event(Event(3, "R", twoway=False)) == READONLY
    heartbeat = decode_event(one_frame(HEARTBEAT_REQUEST))
    assert (heartbeat.is_heartbeat, heartbeat.is_request, heartbeat.twoway) == (True, True, True)
    answer = decode_event(one_frame(HEARTBEAT_RESPONSE))
    assert (answer.is_heartbeat, answer.is_request, answer.status) == (True, False, 20)
    readonly = decode_event(one_frame(READONLY))
    assert (readonly.data, readonly.is_request, readonly.twoway) == ("R", True, False)


def test_event_longer_than_15_bytes_is_refused() -> None:
    body = s("x" * 20)
    with pytest.raises(DecodeError, match="longer than the 15 bytes"):
        decode_event(one_frame(pack_header(0xA2, 0, 1, len(body)) + body))


# ------------------------------------------------------------------------------------- bad input


def request_frame(body: bytes, flag: int = 0xC2, request_id: int = 9) -> Frame:
    return Frame(Header(flag, 0, request_id, len(body)), body)


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"", ""),
        (s("2.0.2") + SVC + s("0.0.0"), ""),
        (s("2.0.2") + SVC + s("0.0.0") + s("sayHi") + s("Q"), "unexpected 'Q'"),
        (s("2.0.2") + SVC + s("0.0.0") + s("sayHi") + b"\x12Ljava/lang/String;", ""),
        (s("2.0.2") + SVC + s("0.0.0") + s("m") + s("") + b"\x91", "attachments must be a map"),
        (b"\x91" + SVC, "dubbo version must be a string"),
        (b"\xff\xff\xff", ""),
    ],
    ids=[
        "empty",
        "truncated-head",
        "bad-descriptor",
        "missing-argument",
        "attachments-not-map",
        "not-a-string",
        "garbage",
    ],
)
def test_undecodable_requests_raise_bad_request_with_their_id(body: bytes, why: str) -> None:
    with pytest.raises(BadRequestError, match=why or None) as info:
        decode_request(request_frame(body))
    assert info.value.request_id == 9
    assert info.value.twoway
    assert isinstance(info.value, DecodeError)


def test_unknown_serialization_id_is_a_bad_request() -> None:
    with pytest.raises(BadRequestError, match="Unrecognized serialize type from consumer: 7") as info:
        decode_request(request_frame(b"whatever", flag=0x87, request_id=3))
    assert not info.value.twoway


def test_missing_attachments_and_null_version_are_tolerated() -> None:
    body = s("2.0.2") + SVC + b"N" + s("m") + s("I") + b"\x95"
    request = decode_request(request_frame(body))
    assert (request.version, request.arguments, request.attachments) == ("", (5,), {})


def test_int_parameter_sent_in_long_form_arrives_as_int() -> None:
    body = s("2.0.2") + SVC + s("0.0.0") + s("m") + s("I") + b"\xe5" + b"HZ"  # long 5 for an int
    assert decode_request(request_frame(body)).arguments == (5,)


@pytest.mark.parametrize(
    ("body", "why"),
    [(b"\x96", "unknown response type 6"), (b"T", "must be an int 0-5"), (b"\x91", ""), (b"", "")],
)
def test_undecodable_responses_raise(body: bytes, why: str) -> None:
    with pytest.raises(DecodeError, match=why or None):
        decode_response(Frame(Header(0x02, 20, 1, len(body)), body))


def test_argument_count_must_match_types() -> None:
    with pytest.raises(ProtocolError, match="2 argument"):
        encode_request(Request(1, SERVICE, "m", ("int",), (1, 2)))


def test_payload_limit_on_encode() -> None:
    request = Request(1, SERVICE, "m", ("java.lang.String",), ("x" * 100,))
    with pytest.raises(PayloadLimitError, match="max payload: 50"):
        encode_request(request, payload_limit=50)
    with pytest.raises(PayloadLimitError):
        encode_response(Response(1, value="x" * 100), payload_limit=50)


# ------------------------------------------------------------------------------------- round trips

typed_values = st.one_of(
    st.tuples(st.just("java.lang.String"), st.text(max_size=40)),
    st.tuples(st.just("int"), st.integers(min_value=-(2**31), max_value=2**31 - 1)),
    st.tuples(st.just("long"), st.integers(min_value=-(2**63), max_value=2**63 - 1)),
    st.tuples(st.just("double"), st.floats(allow_nan=False)),
    st.tuples(st.just("boolean"), st.booleans()),
    st.tuples(st.just("java.util.List"), st.lists(st.text(max_size=8), max_size=5)),
    st.tuples(st.just("java.util.Map"), st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=5)),
    st.tuples(st.just("[I"), st.lists(st.integers(min_value=-(2**31), max_value=2**31 - 1), max_size=5)),
    st.tuples(st.just("java.lang.Object"), st.one_of(st.none(), st.text(max_size=8), st.integers(-5, 5))),
)
attachment_maps = st.dictionaries(st.text(min_size=1, max_size=10), st.text(max_size=10), max_size=5)


def same(a: Any, b: Any) -> bool:
    if isinstance(a, float) and isinstance(b, float):
        if a == 0.0 and b == 0.0:
            return True  # Java writes -0.0 as 0x5b, "0.0": the sign is lost on the wire (spec/hessian2.md §3.4)
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


@given(
    request_id=st.integers(min_value=-(2**63), max_value=2**63 - 1),
    method=st.from_regex(r"[a-zA-Z_][a-zA-Z0-9_]{0,15}", fullmatch=True),
    params=st.lists(typed_values, max_size=6),
    attachments=attachment_maps,
    twoway=st.booleans(),
)
def test_request_round_trip(
    request_id: int, method: str, params: list[tuple[str, Any]], attachments: dict[str, str], twoway: bool
) -> None:
    types = tuple(t for t, _ in params)
    arguments = tuple(v for _, v in params)
    request = Request(request_id, SERVICE, method, types, arguments, attachments, version="1.0.0", twoway=twoway)
    decoded = decode_request(one_frame(encode_request(request)))
    assert (decoded.request_id, decoded.method, decoded.parameter_types, decoded.version, decoded.twoway) == (
        request_id,
        method,
        types,
        "1.0.0",
        twoway,
    )
    assert same(decoded.arguments, arguments)
    assert decoded.attachments == attachments


@given(
    request_id=st.integers(min_value=-(2**63), max_value=2**63 - 1),
    value=st.one_of(st.none(), st.text(max_size=30), st.integers(-(2**63), 2**63 - 1), st.lists(st.text(max_size=5))),
    attachments=st.one_of(st.none(), attachment_maps),
    status=st.sampled_from([20, 20, 30, 40, 70, 100]),
    message=st.text(max_size=30),
)
def test_response_round_trip(
    request_id: int, value: Any, attachments: dict[str, str] | None, status: int, message: str
) -> None:
    response = Response(request_id, status, value=value, attachments=attachments, error_message=message)
    decoded = decode_response(one_frame(encode_response(response)))
    assert decoded.request_id == request_id
    assert decoded.status == status
    if status == 20:
        assert same(decoded.value, value)
        assert decoded.attachments == attachments
    else:
        assert decoded.error_message == message


@given(
    messages=st.lists(st.tuples(st.text(max_size=20), st.integers(-(2**31), 2**31 - 1)), max_size=8),
    cuts=st.lists(st.integers(min_value=0, max_value=3000), max_size=20),
)
def test_mixed_stream_split_at_arbitrary_points(messages: list[tuple[str, int]], cuts: list[int]) -> None:
    parts = []
    for i, (text, number) in enumerate(messages):
        parts.append(encode_request(Request(i, SERVICE, "m", ("java.lang.String", "int"), (text, JInt(number)))))
        parts.append(encode_event(Event(1000 + i)))
    wire = b"".join(parts)
    points = sorted({0, len(wire), *(c for c in cuts if c <= len(wire))})
    decoder = FrameDecoder()
    seen: list[Any] = []
    for start, stop in itertools.pairwise(points):
        decoder.feed(wire[start:stop])
        while (frame := decoder.next_frame()) is not None:
            if frame.header.is_event:
                seen.append(decode_event(frame).request_id)
            else:
                seen.append(decode_request(frame).arguments)
    expected: list[Any] = []
    for i, (text, number) in enumerate(messages):
        expected += [(text, number), 1000 + i]
    assert seen == expected


@given(body=st.binary(max_size=200), flag=st.sampled_from([0xC2, 0x82, 0xC3, 0x02, 0x22, 0xE2]))
def test_random_bodies_decode_or_fail_with_a_decode_error(body: bytes, flag: int) -> None:
    frame = Frame(Header(flag, 20, 1, len(body)), body)
    header = frame.header
    try:
        if header.is_event:
            decode_event(frame)
        elif header.is_request:
            decode_request(frame)
        else:
            decode_response(frame)
    except DecodeError:
        pass


@given(wire=st.sampled_from([REQUEST_A, GENERIC_REQUEST]), cut=st.integers(min_value=16, max_value=400))
def test_truncated_spec_requests_are_bad_requests(wire: bytes, cut: int) -> None:
    body = wire[16:cut]
    if len(body) == len(wire) - 16:
        return
    attachments_at = wire.index(b"H\x04path") - 16
    try:
        request = decode_request(Frame(Header(0xC2, 0, 1, len(body)), body))
    except BadRequestError:
        return
    # the one truncation that decodes: cut just before the attachments map (read as "no attachments")
    assert len(body) == attachments_at
    assert request.attachments == {}
