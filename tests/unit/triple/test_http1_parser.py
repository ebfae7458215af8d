"""The sans-IO HTTP/1.1 request parser behind the JSON mode (dubbopy/protocol/triple/codec/http1.py)."""

from __future__ import annotations

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dubbopy.protocol.triple.codec.http1 import (
    Http1Error,
    RequestBody,
    RequestHead,
    RequestParser,
    encode_response_head,
)

PIPELINE = (
    b"\r\n"  # a stray empty line before a request line is ignored (RFC 9112 section 2.2)
    b"POST /helloworld.Greeter/SayHello HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\n"
    b"Content-Length: 12\r\n\r\n"
    b'{"name":"x"}'
    b"POST /s/m HTTP/1.1\r\nhost: b\r\nTransfer-Encoding: chunked\r\nExpect: 100-Continue\r\n\r\n"
    b"3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer-Field: 1\r\n\r\n"
    b"POST /s/m HTTP/1.0\r\nConnection: keep-alive\r\n\r\n"
    b"POST /s/m HTTP/1.1\r\nHost: c\r\nConnection: close\r\n\r\n"
)


def events(parser: RequestParser) -> list[RequestHead | RequestBody]:
    found: list[RequestHead | RequestBody] = []
    while (event := parser.next_event()) is not None:
        found.append(event)
    return found


def parse_all(data: bytes, pieces: list[int] | None = None) -> list[RequestHead | RequestBody]:
    parser = RequestParser(max_head_size=1024, max_body_size=100)
    found: list[RequestHead | RequestBody] = []
    cuts = sorted({0, len(data), *(pieces or [])})
    for start, end in itertools.pairwise(cuts):
        parser.feed(data[start:end])
        found += events(parser)
    return found


def test_pipelined_requests_of_every_framing() -> None:
    found = parse_all(PIPELINE)
    heads = [e for e in found if isinstance(e, RequestHead)]
    bodies = [e.data for e in found if isinstance(e, RequestBody)]
    assert [type(e) for e in found] == [RequestHead, RequestBody] * 4
    assert bodies == [b'{"name":"x"}', b"abcde", b"", b""]
    first, chunked, old, closing = heads
    assert (first.method, first.target, first.version) == (b"POST", b"/helloworld.Greeter/SayHello", (1, 1))
    assert first.get(b"content-type") == b"application/json"  # names lower-cased
    assert (first.content_length, first.keep_alive, first.expect_continue) == (12, True, False)
    assert (chunked.content_length, chunked.expect_continue, chunked.get(b"host")) == (None, True, b"b")
    assert (old.version, old.keep_alive) == ((1, 0), True)
    assert closing.keep_alive is False


@given(st.lists(st.integers(min_value=1, max_value=len(PIPELINE) - 1), max_size=12))
def test_how_the_bytes_are_split_does_not_matter(cuts: list[int]) -> None:
    assert parse_all(PIPELINE, cuts) == parse_all(PIPELINE)


def test_bare_lf_line_ends_are_accepted() -> None:
    found = parse_all(b"POST /s/m HTTP/1.1\nHost: a\nContent-Length: 2\n\nhi")
    assert [e.data for e in found if isinstance(e, RequestBody)] == [b"hi"]


@pytest.mark.parametrize(
    ("data", "status", "reason"),
    [
        (b"\x16\x03\x01\x00", 400, "not an HTTP/1.1 request"),  # rejected from the first byte, no line end needed
        (b"GET", 400, None),  # a prefix of a request line is fine so far
        (b"G\x00T / HTTP/1.1\r\n", 400, "not an HTTP/1.1 request"),
        (b"POST /a HTTP/2.0\r\nHost: a\r\n\r\n", 505, "HTTP/2.0"),
        (b"POST /a\r\n\r\n", 400, "malformed request line"),
        (b"POST /a HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400, "malformed header field"),
        (b"POST /a HTTP/1.1\r\nHost : a\r\n\r\n", 400, "malformed header field"),
        (b"POST /a HTTP/1.1\r\nContent-Length: 1\r\n\r\n", 400, "without a Host"),
        (b"POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 1, 2\r\n\r\n", 400, "conflicting Content-Length"),
        (b"POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: +1\r\n\r\n", 400, "invalid Content-Length"),
        (b"POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "both"),
        (b"POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "gzip"),
        (b"POST /a HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "HTTP/1.0"),
        (b"POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", 400, "invalid chunk size"),
        (b"POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab", 400, "not followed by CRLF"),
        (b"POST /a HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n65\r\n", 413, "limit of 100"),
        (b"POST /a HTTP/1.1\r\nHost: a\r\nX: " + b"a" * 1100, 431, "exceed 1024"),
    ],
)
def test_what_cannot_be_served_raises_with_the_status_to_answer(data: bytes, status: int, reason: str | None) -> None:
    parser = RequestParser(max_head_size=1024, max_body_size=100)
    parser.feed(data)
    if reason is None:
        assert events(parser) == []
        return
    with pytest.raises(Http1Error, match=reason) as info:
        events(parser)
    assert info.value.status == status
    with pytest.raises(Http1Error):  # the parser stays failed: the framing is lost
        parser.next_event()


def test_an_announced_body_over_the_limit_fails_right_after_its_head() -> None:
    parser = RequestParser(max_head_size=1024, max_body_size=100)
    parser.feed(b"POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 101\r\n\r\n")
    head = parser.next_event()
    assert isinstance(head, RequestHead)
    assert head.content_length == 101  # reported, so the caller can answer in the request's dialect
    with pytest.raises(Http1Error, match="101 bytes exceeds the limit of 100") as info:
        parser.next_event()
    assert info.value.status == 413


def test_between_requests() -> None:
    parser = RequestParser(max_head_size=1024, max_body_size=100)
    assert parser.between_requests
    parser.feed(b"POST /a HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nh")
    events(parser)
    assert not parser.between_requests
    parser.feed(b"i\r\n")
    assert [type(e) for e in events(parser)] == [RequestBody]
    assert parser.between_requests


def test_encode_response_head() -> None:
    head = encode_response_head(413, [(b"content-type", b"application/json"), (b"content-length", b"2")])
    assert head == (b"HTTP/1.1 413 Content Too Large\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n")
