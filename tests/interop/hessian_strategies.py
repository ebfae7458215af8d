"""Hypothesis strategies for dubbopy Hessian 2.0 values, aimed at the edges of every wire form.

Shared by the cross-checks against independent peers (hessian.js, Java hessian-lite). Every value is built
from the Java type markers of ``dubbopy.serialization.hessian2``, so ``hessian_peers.to_tagged`` gives the
exact wire type each part must travel as. Values never share a container instance (no value refs: the tagged
JSON has none) and never hold what the tagged form or a peer cannot carry faithfully:

* a high surrogate directly followed by a low one as two separate code points (Java and JS cannot tell
  that string from the supplementary character it spells, so it would come back as one code point);
* map keys that are containers (unhashable in Python) or NaN;
* typed collections and maps of classes a Java peer could not rebuild as they are (a Java peer creates the
  named class: a ``HashSet`` would drop duplicates and reorder, a ``TreeMap`` reorder its keys);
* classes named ``...Exception``/``...Error`` or with the single field ``name`` (the codec reads those as
  throwables or enums, not generic objects), and class or field names outside Java identifiers.

The strategies are built on first use (``values()``), so importing this module does not need the codec.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from hessian_peers import EPOCH, ONE_MS, java_list, java_map, java_object
from hypothesis import strategies as st

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# the last value of each compact form (and the first beyond it), spec/hessian2.md §3.2-3.3
INT_EDGES = (-16, 47, -2048, 2047, -262144, 262143, INT32_MIN, INT32_MAX)
LONG_EDGES = (-8, 15, -2048, 2047, -262144, 262143, INT32_MIN, INT32_MAX, -(2**53), 2**53, INT64_MIN, INT64_MAX)
DOUBLE_EDGES = (0.0, -0.0, 1.0, -1.0, 127.0, 128.0, -128.0, -129.0, 32767.0, 32768.0, -32768.0, -32769.0)
DOUBLE_EDGES += (2147483.647, -2147483.648, float(INT32_MAX), float(INT32_MIN), 2.0**31, 2.0**53, 1e21, 5e-324)
DATE_MIN_MS = (dt.datetime(1, 1, 1, tzinfo=dt.UTC) - EPOCH) // ONE_MS
DATE_MAX_MS = (dt.datetime(9999, 12, 31, 23, 59, 59, 999000, tzinfo=dt.UTC) - EPOCH) // ONE_MS
# 0x4b carries minutes as an int32: the last minute it can carry, and the first it cannot
DATE_EDGES_MS = (0, -60000, 60000, INT32_MAX * 60000, (INT32_MAX + 1) * 60000, 894621091000)
STRING_LENGTHS = (31, 32, 1023, 1024, 32767, 32768, 32769, 65535, 65536, 65537, 98305)
BINARY_LENGTHS = (15, 16, 1023, 1024, 4093, 4094, 8189, 8190, 32769, 65535, 65536, 70000)
# fillers by UTF-16 length: 1-byte, 2-byte, 3-byte and supplementary (2 units, 6 bytes)
FILLERS = ("a", "\u00e9", "\u4e2d", "\U0001f600")
SURROGATE_PAIR = re.compile("([\ud800-\udbff])(?=[\udc00-\udfff])")
# A Java peer builds a real instance of a typed collection or map, so only classes that keep insertion order
# and take nulls and duplicates (no HashSet, Hashtable, ...); a TreeMap gets sorted ASCII keys
TYPED_COLLECTIONS = ("java.util.LinkedList", "java.util.Vector", "[object", "java.util.concurrent.CopyOnWriteArrayList")
ORDERED_MAP = "java.util.LinkedHashMap"
SORTED_MAP = "java.util.TreeMap"
ZONES = (dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone(dt.timedelta(hours=-8)))


def _markers() -> Any:
    from dubbopy.serialization import hessian2

    return hessian2


def _around(edges: Iterable[int], lo: int, hi: int) -> list[int]:
    return sorted({e + d for e in edges for d in (-1, 0, 1) if lo <= e + d <= hi})


@cache
def jints() -> st.SearchStrategy[Any]:
    """``JInt`` values, half of them at or next to the limit of an int encoding."""
    h = _markers()
    return st.one_of(st.sampled_from(_around(INT_EDGES, INT32_MIN, INT32_MAX)), st.integers(INT32_MIN, INT32_MAX)).map(
        h.JInt
    )


@cache
def jlongs() -> st.SearchStrategy[Any]:
    """``JLong`` values (and plain ints, which are longs too) around the limits of the long encodings."""
    h = _markers()
    raw = st.one_of(st.sampled_from(_around(LONG_EDGES, INT64_MIN, INT64_MAX)), st.integers(INT64_MIN, INT64_MAX))
    return st.one_of(raw.map(h.JLong), raw)


@cache
def doubles() -> st.SearchStrategy[Any]:
    """Doubles: any float (NaN, infinities, subnormals), whole numbers at the byte/short edges, and thousandths
    (``mills * 0.001``, the ``0x5f`` form when the product is exact, ``D`` when it is not)."""
    h = _markers()
    raw = st.one_of(
        st.floats(),
        st.sampled_from(DOUBLE_EDGES),
        st.integers(INT32_MIN, INT32_MAX).map(lambda mills: mills * 0.001),
        st.integers(-40000, 40000).map(float),
    )
    return st.one_of(raw, raw.map(h.JDouble))


@cache
def dates() -> st.SearchStrategy[dt.datetime]:
    """Dates at millisecond precision, minute-aligned or not, in UTC, other zones or naive (= UTC)."""
    minutes = st.integers(DATE_MIN_MS // 60000 + 1, DATE_MAX_MS // 60000).map(lambda m: m * 60000)
    millis = st.one_of(st.sampled_from(DATE_EDGES_MS), minutes, st.integers(DATE_MIN_MS, DATE_MAX_MS))

    def build(ms: int, zone: dt.tzinfo | None) -> dt.datetime:
        instant = EPOCH + ms * ONE_MS
        if zone is None:
            return instant.replace(tzinfo=None)
        try:
            return instant.astimezone(zone)
        except OverflowError:  # a local time before year 1 or after 9999
            return instant

    return st.builds(build, millis, st.sampled_from((*ZONES, None)))


def _no_split_pairs(text: str) -> str:
    return SURROGATE_PAIR.sub("\\1_", text)


@cache
def short_texts(max_size: int = 40) -> st.SearchStrategy[str]:
    """Strings of any code points: NUL, the 1/2/3-byte edges, supplementary characters, lone surrogates."""
    chars = st.one_of(
        st.characters(),
        st.sampled_from(("\x00", "\x7f", "\x80", "\u07ff", "\u0800", "\uffff", "\U00010000", "\U0010ffff")),
        st.characters(categories=["Cs"]),
    )
    return st.text(chars, max_size=max_size).map(_no_split_pairs)


@st.composite
def long_texts(draw: st.DrawFn) -> str:
    """Strings of a length (in UTF-16 units) next to a header or chunk limit, maybe with a supplementary
    character or a lone high surrogate at the 32768-unit chunk edge (Java then cuts the chunk one short)."""
    units = draw(st.sampled_from(STRING_LENGTHS))
    filler = draw(st.sampled_from(FILLERS))
    prefix = draw(st.sampled_from(("", "a")))
    width = len(filler.encode("utf-16-le")) // 2
    text = prefix + filler * ((units - len(prefix)) // width)
    text += "b" * (units - len(text.encode("utf-16-le")) // 2)
    insert = draw(st.sampled_from((None, "\U0001f600", "\ud83d")))
    if insert is not None and filler != "\U0001f600" and len(text) > 32768:
        at = draw(st.sampled_from((32766, 32767, 32768)))
        text = text[:at] + insert + "c" + text[at:]
    return text


@st.composite
def binaries(draw: st.DrawFn) -> bytes:
    """Byte strings: short random ones, or a repeated pattern of a length next to a header or chunk limit."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=40))
    pattern = draw(st.binary(min_size=1, max_size=16))
    size = draw(st.sampled_from(BINARY_LENGTHS))
    return (pattern * (size // len(pattern) + 1))[:size]


def _field_names() -> st.SearchStrategy[str]:
    return st.from_regex(r"[a-z][A-Za-z0-9_]{0,7}", fullmatch=True).filter(lambda name: name != "name")


@dataclass(frozen=True)
class _Pending:
    """An object drawn before its class is known: ``index`` picks one of the stream's classes (field lists),
    ``values`` fill its fields in order (missing ones are null)."""

    index: int
    values: tuple[Any, ...]


def _typed_lists(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    h = _markers()
    arrays: list[tuple[str, st.SearchStrategy[Any]]] = [
        ("[int", jints()),
        ("[long", jlongs().map(h.JLong)),
        ("[double", doubles()),
        ("[boolean", st.booleans()),
        ("[string", short_texts(8)),
        ("[java.lang.Integer", st.one_of(st.none(), jints())),
        *[(name, children) for name in TYPED_COLLECTIONS],
    ]
    return st.one_of(
        [st.lists(items, max_size=10).map(lambda xs, t=java_type: java_list(xs, t)) for java_type, items in arrays]
    )


@cache
def _keys() -> st.SearchStrategy[Any]:
    return st.one_of(short_texts(8), jints(), jlongs())


@cache
def _sort_keys() -> st.SearchStrategy[str]:
    # ASCII, so that Python's order is Java's String.compareTo order
    return st.text(st.characters(min_codepoint=0x20, max_codepoint=0x7E), max_size=8)


@cache
def _leaves() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.none(), st.booleans(), jints(), jlongs(), doubles(), short_texts(), st.binary(max_size=40), dates()
    )


@cache
def _schemas() -> st.SearchStrategy[list[list[str]]]:
    """The field lists of the classes ``Pojo0``, ``Pojo1``, ... of one stream: a Java class has one."""
    return st.lists(st.lists(_field_names(), unique=True, max_size=5), min_size=1, max_size=4)


@cache
def _pending_nested() -> st.SearchStrategy[Any]:
    # built once: a strategy made per example would be validated per example, which costs more than the test
    def extend(children: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.one_of(
            st.lists(children, max_size=10),
            _typed_lists(children),
            st.dictionaries(_keys(), children, max_size=6),
            st.dictionaries(_keys(), children, max_size=6).map(lambda entries: java_map(entries, ORDERED_MAP)),
            st.dictionaries(_sort_keys(), children, max_size=6).map(
                lambda entries: java_map(dict(sorted(entries.items())), SORTED_MAP)
            ),
            st.builds(_Pending, st.integers(0, 3), st.lists(children, max_size=5).map(tuple)),
        )

    return st.recursive(_leaves(), extend, max_leaves=16)


def _realize(value: Any, schemas: list[list[str]]) -> Any:
    h = _markers()
    if isinstance(value, _Pending):
        index = value.index % len(schemas)
        names = schemas[index]
        filled = [_realize(v, schemas) for v in value.values[: len(names)]]
        filled += [None] * (len(names) - len(filled))
        return java_object(f"org.dubbopy.gen.Pojo{index}", dict(zip(names, filled, strict=True)))
    if isinstance(value, h.JavaList):
        return java_list([_realize(v, schemas) for v in value], value.java_type)
    if isinstance(value, h.JavaMap):
        return java_map({k: _realize(v, schemas) for k, v in value.items()}, value.java_type)
    if isinstance(value, list):
        return [_realize(v, schemas) for v in value]
    if isinstance(value, dict):
        return {k: _realize(v, schemas) for k, v in value.items()}
    return value


@cache
def _many_classes() -> st.SearchStrategy[list[Any]]:
    """15 to 20 classes in one value, then one of them again (the 17th when there is one): an instance of a
    class past ref 15 is ``O`` + int, not ``0x60 + ref``."""
    h = _markers()

    def build(count: int) -> list[Any]:
        objects = [java_object(f"org.dubbopy.gen.Many{i}", {"index": h.JInt(i)}) for i in range(count)]
        return [*objects, java_object(f"org.dubbopy.gen.Many{min(16, count - 1)}", {"index": h.JInt(-1)})]

    return st.integers(15, 20).map(build)


@st.composite
def _value_lists(draw: st.DrawFn, max_size: int) -> list[Any]:
    schemas = draw(_schemas())
    member = st.one_of(_pending_nested(), _pending_nested(), _pending_nested(), _many_classes())
    batch = draw(st.lists(member, min_size=1, max_size=max_size))
    return [_realize(value, schemas) for value in batch]


def values() -> st.SearchStrategy[Any]:
    """Any Hessian value: mostly nested containers and objects, sometimes a long string or a big binary."""
    nested = _value_lists(1).map(lambda batch: batch[0])
    return st.deferred(lambda: st.one_of(nested, nested, nested, nested, long_texts(), binaries()))


def value_lists(max_size: int = 4) -> st.SearchStrategy[list[Any]]:
    """Several top-level values for one stream (a Dubbo body), sharing class definitions and type names."""
    return st.deferred(lambda: _value_lists(max_size))
