"""HPACK (RFC 7541): the examples of Appendix C, round trips with the ``hpack`` package, bad input.

The Appendix C vectors are the RFC's published examples: each block must decode to the listed fields
and leave the dynamic table as listed (newest entry first). The table is observed from outside: an
indexed field for index 62, 63, ... decodes to the entries until one "refers to no table entry".
"""

from __future__ import annotations

import contextlib

import hpack
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dubbopy.protocol.triple.http2.hpack import (
    Decoder,
    Encoder,
    Header,
    HeaderListTooLarge,
    HPACKError,
    encode_integer,
)


def dynamic_table(decoder: Decoder) -> list[Header]:
    """The decoder's dynamic table, newest first, read back through indexed fields (which change nothing)."""
    entries: list[Header] = []
    index = 62
    while True:
        try:
            entries.extend(decoder.decode(encode_integer(index, 7, 0x80)))
        except HPACKError:
            return entries
        index += 1


def table_size(entries: list[Header]) -> int:
    return sum(len(name) + len(value) + 32 for name, value in entries)


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# ---------------------------------------------------------------------------------------- Appendix C

# C.2: one field per block, each on a fresh decoder
C2 = [
    (  # C.2.1 literal with indexing
        "400a637573746f6d2d6b65790d637573746f6d2d686561646572",
        [(b"custom-key", b"custom-header")],
        [(b"custom-key", b"custom-header")],
    ),
    (  # C.2.2 literal without indexing
        "040c2f73616d706c652f70617468",
        [(b":path", b"/sample/path")],
        [],
    ),
    (  # C.2.3 literal never indexed
        "100870617373776f726406736563726574",
        [(b"password", b"secret")],
        [],
    ),
    (  # C.2.4 indexed
        "82",
        [(b":method", b"GET")],
        [],
    ),
]


@pytest.mark.parametrize(("block", "fields", "table"), C2, ids=["C.2.1", "C.2.2", "C.2.3", "C.2.4"])
def test_c2_single_field_representations(block: str, fields: list[Header], table: list[Header]) -> None:
    decoder = Decoder()
    assert decoder.decode(h(block)) == fields
    assert dynamic_table(decoder) == table


REQUEST_1 = [(b":method", b"GET"), (b":scheme", b"http"), (b":path", b"/"), (b":authority", b"www.example.com")]
REQUEST_2 = [*REQUEST_1, (b"cache-control", b"no-cache")]
REQUEST_3 = [
    (b":method", b"GET"),
    (b":scheme", b"https"),
    (b":path", b"/index.html"),
    (b":authority", b"www.example.com"),
    (b"custom-key", b"custom-value"),
]
REQUEST_TABLES = [
    [(b":authority", b"www.example.com")],
    [(b"cache-control", b"no-cache"), (b":authority", b"www.example.com")],
    [(b"custom-key", b"custom-value"), (b"cache-control", b"no-cache"), (b":authority", b"www.example.com")],
]
REQUEST_SIZES = [57, 110, 164]

C3_BLOCKS = [  # requests without Huffman coding
    "828684410f7777772e6578616d706c652e636f6d",
    "828684be58086e6f2d6361636865",
    "828785bf400a637573746f6d2d6b65790c637573746f6d2d76616c7565",
]
C4_BLOCKS = [  # the same requests with Huffman coding
    "828684418cf1e3c2e5f23a6ba0ab90f4ff",
    "828684be5886a8eb10649cbf",
    "828785bf408825a849e95ba97d7f8925a849e95bb8e8b4bf",
]


@pytest.mark.parametrize("blocks", [C3_BLOCKS, C4_BLOCKS], ids=["C.3", "C.4"])
def test_c3_c4_requests_share_one_dynamic_table(blocks: list[str]) -> None:
    decoder = Decoder()
    for block, fields, table, size in zip(
        blocks, [REQUEST_1, REQUEST_2, REQUEST_3], REQUEST_TABLES, REQUEST_SIZES, strict=True
    ):
        assert decoder.decode(h(block)) == fields
        assert dynamic_table(decoder) == table
        assert table_size(table) == size


DATE_1 = b"Mon, 21 Oct 2013 20:13:21 GMT"
DATE_2 = b"Mon, 21 Oct 2013 20:13:22 GMT"
LOCATION = b"https://www.example.com"
COOKIE = b"foo=ASDJKHQKBZXOQWEOPIUAXQWEOIU; max-age=3600; version=1"
RESPONSE_1 = [(b":status", b"302"), (b"cache-control", b"private"), (b"date", DATE_1), (b"location", LOCATION)]
RESPONSE_2 = [(b":status", b"307"), (b"cache-control", b"private"), (b"date", DATE_1), (b"location", LOCATION)]
RESPONSE_3 = [
    (b":status", b"200"),
    (b"cache-control", b"private"),
    (b"date", DATE_2),
    (b"location", LOCATION),
    (b"content-encoding", b"gzip"),
    (b"set-cookie", COOKIE),
]
RESPONSE_TABLES = [
    [(b"location", LOCATION), (b"date", DATE_1), (b"cache-control", b"private"), (b":status", b"302")],
    # ":status: 302" was evicted to make room for ":status: 307"
    [(b":status", b"307"), (b"location", LOCATION), (b"date", DATE_1), (b"cache-control", b"private")],
    [(b"set-cookie", COOKIE), (b"content-encoding", b"gzip"), (b"date", DATE_2)],
]
RESPONSE_SIZES = [222, 222, 215]

C5_BLOCKS = [  # responses without Huffman coding, 256-byte table
    "4803333032580770726976617465611d4d6f6e2c203231204f637420323031332032303a31333a323120474d54"
    "6e1768747470733a2f2f7777772e6578616d706c652e636f6d",
    "4803333037c1c0bf",
    "88c1611d4d6f6e2c203231204f637420323031332032303a31333a323220474d54c05a04677a69707738666f6f"
    "3d4153444a4b48514b425a584f5157454f50495541585157454f49553b206d61782d6167653d333630303b2076"
    "657273696f6e3d31",
]
C6_BLOCKS = [  # the same responses with Huffman coding
    "488264025885aec3771a4b6196d07abe941054d444a8200595040b8166e082a62d1bff6e919d29ad171863c78f0b97c8e9ae82ae43d3",
    "4883640effc1c0bf",
    "88c16196d07abe941054d444a8200595040b8166e084a62d1bffc05a839bd9ab77ad94e7821dd7f2e6c7b335df"
    "dfcd5b3960d5af27087f3672c1ab270fb5291f9587316065c003ed4ee5b1063d5007",
]


@pytest.mark.parametrize("blocks", [C5_BLOCKS, C6_BLOCKS], ids=["C.5", "C.6"])
def test_c5_c6_responses_evict_from_a_256_byte_table(blocks: list[str]) -> None:
    decoder = Decoder(max_table_size=256)
    for block, fields, table, size in zip(
        blocks, [RESPONSE_1, RESPONSE_2, RESPONSE_3], RESPONSE_TABLES, RESPONSE_SIZES, strict=True
    ):
        assert decoder.decode(h(block)) == fields
        assert dynamic_table(decoder) == table
        assert table_size(table) == size


def test_appendix_vectors_agree_with_the_hpack_package() -> None:
    """The vectors above are typed in by hand; an independent decoder reading them the same way
    rules out a typo that our decoder happens to share."""
    for blocks, fields, size in [
        (C3_BLOCKS, [REQUEST_1, REQUEST_2, REQUEST_3], 4096),
        (C4_BLOCKS, [REQUEST_1, REQUEST_2, REQUEST_3], 4096),
        (C5_BLOCKS, [RESPONSE_1, RESPONSE_2, RESPONSE_3], 256),
        (C6_BLOCKS, [RESPONSE_1, RESPONSE_2, RESPONSE_3], 256),
    ]:
        reference = hpack.Decoder()
        reference.header_table_size = size
        for block, expected in zip(blocks, fields, strict=True):
            assert [tuple(f) for f in reference.decode(h(block), raw=True)] == expected


# ---------------------------------------------------------------------------------------- round trips

NAMES = [b"content-type", b"user-agent", b"grpc-timeout", b"te", b"x-trace", b"x-tag", b"x-bin-bin", b":path"]
VALUES = [b"", b"application/grpc", b"trailers", b"/svc/Method", b"1S", b"v" * 200]

names = st.one_of(st.sampled_from(NAMES), st.from_regex(rb"[a-z][a-z0-9-]{0,24}", fullmatch=True))
values = st.one_of(st.sampled_from(VALUES), st.binary(max_size=300))
header_lists = st.lists(st.tuples(names, values), max_size=16)
#: table sizes a peer may set, including 0 (no table) and values that are not a multiple of anything
table_sizes = st.one_of(st.sampled_from([0, 64, 256, 4096]), st.integers(0, 8192))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.lists(table_sizes, max_size=3), header_lists), min_size=1, max_size=30))
def test_our_encoder_is_read_by_the_hpack_package(steps: list[tuple[list[int], list[Header]]]) -> None:
    """Many blocks through one encoder: table growth, eviction, and SETTINGS_HEADER_TABLE_SIZE changes
    between blocks, each of which the next block must signal before the peer's decoder checks it."""
    encoder = Encoder()
    reference = hpack.Decoder()
    for sizes, headers in steps:
        for size in sizes:
            encoder.set_max_table_size(size)
            # what the peer advertised; its decoder refuses a block that leaves the table larger
            reference.max_allowed_table_size = size
        decoded = reference.decode(encoder.encode(headers), raw=True)
        assert [tuple(f) for f in decoded] == headers


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(st.integers(0, 4096), max_size=2),
            st.lists(st.tuples(names, values, st.booleans()), max_size=16),
            st.booleans(),
        ),
        min_size=1,
        max_size=30,
    )
)
def test_hpack_package_encoder_is_read_by_our_decoder(
    steps: list[tuple[list[int], list[tuple[bytes, bytes, bool]], bool]],
) -> None:
    """The other direction: Huffman on or off, never-indexed (sensitive) fields, size updates."""
    reference = hpack.Encoder()
    decoder = Decoder()
    for sizes, fields, huffman in steps:
        for size in sizes:
            reference.header_table_size = size
        block = reference.encode(fields, huffman=huffman)
        assert decoder.decode(block) == [(name, value) for name, value, _ in fields]


def test_repeated_fields_become_one_byte_indexes() -> None:
    encoder = Encoder()
    headers = [(b":path", b"/svc/Method"), (b"x-trace", b"abc")]
    first = encoder.encode(headers)
    assert len(encoder.encode(headers)) == 2 < len(first)


def test_several_size_changes_signal_the_smallest_then_the_final_size() -> None:
    """RFC 7541 §4.2: the peer's decoder must see the table shrink to the minimum reached."""
    encoder = Encoder()
    encoder.encode([(b"x-a", b"1")])
    encoder.set_max_table_size(0)
    encoder.set_max_table_size(1000)
    encoder.set_max_table_size(2000)
    block = encoder.encode([(b":method", b"GET")])
    assert block == encode_integer(0, 5, 0x20) + encode_integer(2000, 5, 0x20) + b"\x82"
    # only one update when the final size is also the smallest
    encoder.set_max_table_size(500)
    encoder.set_max_table_size(100)
    assert encoder.encode([]) == encode_integer(100, 5, 0x20)


def test_a_size_change_back_to_the_current_size_signals_the_dip() -> None:
    encoder = Encoder()
    decoder = Decoder()
    decoder.decode(encoder.encode([(b"x-a", b"1")]))
    encoder.set_max_table_size(0)
    encoder.set_max_table_size(4096)
    decoder.decode(encoder.encode([]))
    assert dynamic_table(decoder) == []


# ---------------------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (b"\x80", "index 0 refers to no table entry"),
        (b"\xbe", "index 62 refers to no table entry"),  # the dynamic table is empty
        (b"\x7f\x80\x01\x01x", "index 191 refers to no table entry"),  # literal with a bad name index
        (b"\xff", "truncated"),  # integer announces more octets and ends
        (b"\xff\x80", "truncated"),
        (b"\x40\x05abc", "string runs past the end"),
        (b"\x40", "truncated"),  # literal without its name
        (b"\x40\x01a", "truncated"),  # literal without its value
        (b"\x40\x7f\xff\xff\xff\x7f", "string runs past the end"),  # an absurd length
        (b"\x40\x81\xff\x00", "invalid Huffman"),  # 8 bits of padding
        (b"\x40\x84\xff\xff\xff\xff\x00", "invalid Huffman"),  # contains EOS
        (b"\xff" + b"\xff" * 6 + b"\x01", "integer too large"),
        (encode_integer(4097, 5, 0x20), "table size update to 4097 exceeds 4096"),
        (b"\x82\x20", "size update after a header field"),
    ],
)
def test_malformed_blocks_raise_hpack_error(block: bytes, message: str) -> None:
    with pytest.raises(HPACKError, match=message):
        Decoder().decode(block)


def test_a_too_large_header_list_is_refused_and_the_decoder_stays_in_sync() -> None:
    encoder = Encoder()
    decoder = Decoder(max_header_list_size=100)
    big = [(b"x-a", b"1" * 30), (b"x-b", b"2" * 30)]  # 2 * (3 + 30 + 32) = 130 > 100
    with pytest.raises(HeaderListTooLarge) as caught:
        decoder.decode(encoder.encode(big))
    assert (caught.value.size, caught.value.limit) == (130, 100)
    assert "130 bytes exceeds the limit of 100" in str(caught.value)
    # the refused block still entered both fields into the table: the next block indexes them
    small = [(b"x-b", b"2" * 30)]
    block = encoder.encode(small)
    assert block == b"\xbe"
    assert decoder.decode(block) == small


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=200))
def test_arbitrary_bytes_decode_or_raise_hpack_error(block: bytes) -> None:
    with contextlib.suppress(HPACKError):
        Decoder().decode(block)
