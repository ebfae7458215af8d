"""Randomized Hessian 2.0 values cross-checked with two independent peers, both ways (issue 3, acceptance 2).

The peers: hessian.js (npm, ``node_fixtures.py``), written apart from Java but making hessian-lite's encoding
choices, and Java hessian-lite itself (``java_fixtures.py``). Both speak the tagged JSON of
``hessian_peers``, which spells out the Java wire type of every part (int or long, double, date, typed list,
class). For values from ``hessian_strategies``:

(a) dubbopy encodes, the peer decodes: the same value, every part on the wire type it was meant to have;
(b) the peer encodes, dubbopy decodes: the same value; dubbopy re-encodes it (and encodes the original):
    the same bytes as the peer;
and the same for several values in one stream, whose class definitions and type names are shared.

Only the byte comparison is left out where a peer's bytes are not canonical; dubbopy writes a binary up to
65535 bytes as one chunk. hessian.js splits a binary longer than 4093 bytes into 4093-byte ``A`` chunks
(Java's behaviour with a 4096-byte buffer, hessian 4.0.7). Java's ``Hessian2Output.writeBytes`` splits a
binary that does not fit in what is left of its 8192-byte buffer, wherever earlier values left it, so
Java's bytes are compared only when the encoding fits in one buffer or holds no binary. Strings are always
compared: both cut them canonically (32768 units, one less before a high surrogate).
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from hessian_peers import normalize, to_tagged
from hessian_strategies import value_lists, values
from hypothesis import HealthCheck, given, settings

HESSIAN_JS_CHUNK = 4093  # hessian.js's largest unchunked binary
JAVA_BUFFER = 8192  # Hessian2Output.SIZE


CODEC: Any = importlib.import_module("dubbopy.serialization.hessian2")
CROSS = settings(
    max_examples=200,
    deadline=None,  # a peer round trip takes what it takes on a busy machine
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example],
)

pytestmark = pytest.mark.interop


def _binary_lengths(tagged: Any) -> list[int]:
    found, stack = [], [tagged]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if isinstance(item.get("$bytes"), str):
                found.append(len(item["$bytes"]) // 2)
            stack.extend(item.values())
    return found


def _hessian_js_canonical(tagged: Any, data: bytes) -> bool:
    return all(n <= HESSIAN_JS_CHUNK for n in _binary_lengths(tagged))


def _hessian_lite_canonical(tagged: Any, data: bytes) -> bool:
    # a binary is split when it does not fit in the buffer's free space less 3 (even a short one, near the end)
    return len(data) <= JAVA_BUFFER - 2 or not _binary_lengths(tagged)


def _unordered(tagged: Any) -> Any:
    """``tagged`` with the entries of every untyped map in a fixed order (a Java peer writes a ``HashMap``)."""
    if isinstance(tagged, list):
        return [_unordered(item) for item in tagged]
    if not isinstance(tagged, dict):
        return tagged
    inner = {key: _unordered(item) for key, item in tagged.items()}
    if "$map" in tagged and "$type" not in tagged:
        inner["$map"] = sorted(inner["$map"], key=lambda pair: json.dumps(pair, sort_keys=True))
    return inner


def _fixed_order(tagged: Any) -> bool:
    """Whether no untyped map in ``tagged`` has two entries or more (whose order a ``HashMap`` would pick)."""
    stack = [tagged]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "$map" in item and "$type" not in item and len(item["$map"]) > 1:
                return False
            stack.extend(item.values())
    return True


@dataclass(frozen=True)
class Peer:
    """A peer process (``encode``, ``decode``, ``encode_stream``, ``decode_stream``) and how far its encoder
    follows the value it is given: ``canonical(tagged, data)`` says whether its bytes are the ones dubbopy
    writes; ``keeps_map_order`` whether it writes an untyped map's entries in the given order (Java writes a
    ``HashMap`` in hash order)."""

    name: str
    client: Any
    canonical: Callable[[Any, bytes], bool]
    keeps_map_order: bool

    def same(self, theirs: Any, ours: Any) -> bool:
        """Whether a value the peer wrote reads back as the value it was given."""
        return theirs == ours if self.keeps_map_order else _unordered(theirs) == _unordered(ours)


PEERS = {
    "hessian_js": (_hessian_js_canonical, True),
    "hessian_lite": (_hessian_lite_canonical, False),
}


@pytest.fixture(scope="module", params=list(PEERS))
def peer(request: pytest.FixtureRequest) -> Peer:
    """Each independent peer in turn: hessian.js, then Java hessian-lite."""
    canonical, keeps_map_order = PEERS[request.param]
    return Peer(request.param, request.getfixturevalue(request.param), canonical, keeps_map_order)


@CROSS
@given(value=values())
def test_dubbopy_encodes_peer_reads(peer: Peer, value: Any) -> None:
    data = CODEC.dumps(value)
    assert normalize(peer.client.decode(data)) == to_tagged(value)


@CROSS
@given(value=values())
def test_peer_encodes_dubbopy_reads_and_rewrites(peer: Peer, value: Any) -> None:
    tagged = to_tagged(value)
    data = peer.client.encode(tagged)
    back = CODEC.loads(data, keep_java_types=True)
    assert peer.same(to_tagged(back), tagged)
    if peer.canonical(tagged, data):
        assert CODEC.dumps(back).hex() == data.hex(), "re-encoding what was read"
        if peer.keeps_map_order or _fixed_order(tagged):
            assert CODEC.dumps(value).hex() == data.hex(), "encoding the original"


@CROSS
@given(batch=value_lists())
def test_streams_share_definitions_both_ways(peer: Peer, batch: list[Any]) -> None:
    tagged = [to_tagged(value) for value in batch]
    encoder = CODEC.Hessian2Encoder()
    for value in batch:
        encoder.write(value)
    ours = encoder.getvalue()
    assert normalize(peer.client.decode_stream(ours)) == tagged

    theirs = peer.client.encode_stream(tagged)
    decoder = CODEC.Hessian2Decoder(theirs, keep_java_types=True)
    back = []
    while not decoder.at_end:
        back.append(decoder.read())
    assert peer.same([to_tagged(value) for value in back], tagged)
    if peer.canonical(tagged, theirs) and (peer.keeps_map_order or _fixed_order(tagged)):
        assert ours.hex() == theirs.hex()
