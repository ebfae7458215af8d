"""Hessian 2.0 decoder: accepts every form of ``spec/hessian2.md`` §2, from any untrusted peer.

One :class:`Hessian2Decoder` reads one stream (one Dubbo body): its value-reference, class-definition
and type tables are shared by all the top-level values in it. Reading dispatches on the first byte of
each value through a 256-entry table of reader functions; containers read their elements in a loop
that indexes the table directly.

Defences, each failing with a :class:`~.errors.HessianError` that names the byte offset:

* every length and count is checked against the bytes left (each element needs at least one byte)
  and against the decoder's limits before anything is allocated;
* nesting is counted (``max_depth``), and a ``RecursionError`` is translated, never leaked;
* a reference must name a value already started; containers and objects take their slot before
  their contents are read, so cycles resolve to the same object without recursion;
* a class name is only looked up in the :class:`~.registry.ClassRegistry`: nothing is imported, and
  only registered classes are instantiated.
"""

from __future__ import annotations

import datetime
import re
import struct
from collections.abc import Callable
from typing import Any

from dubbopy.serialization.hessian2 import text
from dubbopy.serialization.hessian2.coerce import array_converter
from dubbopy.serialization.hessian2.errors import HessianError, HessianLimitError
from dubbopy.serialization.hessian2.javatype import JavaType
from dubbopy.serialization.hessian2.objects import (
    PENDING,
    ClassDef,
    read_class_def,
    read_object,
    read_object_direct,
)
from dubbopy.serialization.hessian2.registry import ClassRegistry, default_registry
from dubbopy.serialization.hessian2.types import JavaList, JavaMap, JInt, JLong

__all__ = ["Hessian2Decoder", "loads"]

Reader = Callable[["Hessian2Decoder", int], Any]

_unpack_i = struct.Struct(">i").unpack_from
_unpack_q = struct.Struct(">q").unpack_from
_unpack_d = struct.Struct(">d").unpack_from
_unpack_h = struct.Struct(">H").unpack_from
_unpack_sh = struct.Struct(">h").unpack_from
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_SURROGATE = re.compile("[\ud800-\udfff]")
_timedelta = datetime.timedelta

_STRING_TAGS = frozenset([*range(0x20), *range(0x30, 0x34), 0x52, 0x53])
_INTEGER_TAGS = frozenset([*range(0x80, 0xD8), 0x49, *range(0x38, 0x40), 0x59, 0x4C, *range(0xD8, 0x100)])


class Hessian2Decoder:
    """Reads the values of one Hessian 2.0 stream from ``data``.

    Limits: ``max_depth`` nested lists/maps/objects, ``max_collection`` elements in one list or map (and
    fields in one class definition), ``max_string`` UTF-16 units in one string, ``max_binary`` bytes in
    one binary. ``keep_java_types=True`` returns numbers sent in int forms as :class:`~.types.JInt` and
    in long forms as :class:`~.types.JLong`, so that re-encoding gives the same bytes. After a
    :class:`~.errors.HessianError` the decoder's position is undefined.
    """

    __slots__ = (
        "_classes",
        "_data",
        "_depth",
        "_end",
        "_keep",
        "_max_binary",
        "_max_collection",
        "_max_depth",
        "_max_string",
        "_pos",
        "_readers",
        "_refs",
        "_registry",
        "_types",
    )

    def __init__(
        self,
        data: bytes | bytearray | memoryview,
        *,
        registry: ClassRegistry | None = None,
        max_depth: int = 64,
        max_collection: int = 1_000_000,
        max_string: int = 16 * 1024 * 1024,
        max_binary: int = 64 * 1024 * 1024,
        keep_java_types: bool = False,
    ) -> None:
        self._data = data if type(data) is bytes else bytes(data)
        self._pos = 0
        self._end = len(self._data)
        self._registry = registry if registry is not None else default_registry
        self._max_depth = max_depth
        self._max_collection = max_collection
        self._max_string = max_string
        self._max_binary = max_binary
        self._keep = keep_java_types
        self._readers = _KEEP_READERS if keep_java_types else _READERS
        self._refs: list[Any] = []
        self._classes: list[ClassDef] = []
        self._types: list[str] = []
        self._depth = 0

    @property
    def position(self) -> int:
        """Offset of the next byte to read."""
        return self._pos

    @property
    def at_end(self) -> bool:
        """True when every byte has been read."""
        return self._pos >= self._end

    def read(self) -> Any:
        """Read the next top-level value."""
        try:
            return self._read()
        except RecursionError as exc:
            raise HessianError("input nested too deeply for the Python stack", offset=self._pos) from exc

    def read_as(self, java_type: str | JavaType) -> Any:
        """Read the next value as Java would for a declared type (``"int"``, ``"java.lang.String"``, ...).

        Numbers arrive in whatever form the peer chose (an ``int`` parameter sent as a long, a ``double``
        sent as an int) and are converted the way Java's ``readInt``/``readLong``/``readDouble`` do; a
        null for a primitive becomes its zero value.
        """
        from dubbopy.serialization.hessian2.coerce import coerce  # noqa: PLC0415 - rarely used path

        jtype = java_type if isinstance(java_type, JavaType) else JavaType.parse(java_type)
        start = self._pos
        value = self.read()
        try:
            return coerce(value, jtype)
        except (TypeError, ValueError) as exc:
            raise HessianError(f"cannot read a {jtype.name}: {exc}", offset=start) from exc

    # -- plumbing ---------------------------------------------------------------------------------------

    def _read(self) -> Any:
        pos = self._pos
        if pos >= self._end:
            raise self._eof(pos, "a value")
        tag = self._data[pos]
        self._pos = pos + 1
        return self._readers[tag](self, tag)

    def _eof(self, pos: int, what: str) -> HessianError:
        return HessianError(f"input ends before {what} ({self._end} bytes in all)", offset=pos, expected=what)

    def _short(self, n: int, what: str) -> HessianError:
        pos = self._pos
        return HessianError(
            f"input ends inside {what}: {n} byte(s) needed, {self._end - pos} left", offset=pos, expected=what
        )

    def _take(self, n: int, what: str) -> int:
        """Reserve ``n`` bytes for ``what``; return their start offset."""
        pos = self._pos
        end = pos + n
        if end > self._end:
            raise HessianError(
                f"input ends inside {what}: {n} byte(s) needed, {self._end - pos} left", offset=pos, expected=what
            )
        self._pos = end
        return pos

    def _too_deep(self) -> HessianLimitError:
        return HessianLimitError(f"values nested more than {self._max_depth} levels deep (max_depth)", offset=self._pos)

    def _count(self, n: int, what: str, at: int) -> None:
        """Check a declared element count before allocating for it."""
        if n < 0:
            raise HessianError(f"negative {what} {n}", offset=at)
        if n > self._end - self._pos:
            raise HessianError(
                f"{what} {n} is more than the {self._end - self._pos} bytes left can hold", offset=at, expected=what
            )
        if n > self._max_collection:
            raise HessianLimitError(f"{what} {n} exceeds max_collection={self._max_collection}", offset=at)

    def _read_int(self, what: str) -> int:
        """Read a value that must be an integer (a length, a ref, a class or type index)."""
        pos = self._pos
        if pos >= self._end:
            raise self._eof(pos, what)
        tag = self._data[pos]
        if tag not in _INTEGER_TAGS:
            raise HessianError(f"expected an integer ({what}), got tag 0x{tag:02x}", offset=pos, expected=what)
        self._pos = pos + 1
        return int(_READERS[tag](self, tag))

    def _read_string(self, what: str) -> str:
        """Read a value that must be a string (a class or field name, a type)."""
        pos = self._pos
        if pos >= self._end:
            raise self._eof(pos, what)
        tag = self._data[pos]
        if tag not in _STRING_TAGS:
            raise HessianError(f"expected a string ({what}), got tag 0x{tag:02x}", offset=pos, expected=what)
        self._pos = pos + 1
        result: str = _READERS[tag](self, tag)
        return result

    def _read_type(self) -> str:
        """A type: a new name (appended to the type table) or an index into it (§3.10)."""
        pos = self._pos
        if pos < self._end and self._data[pos] in _STRING_TAGS:
            name = self._read_string("a type name")
            self._types.append(name)
            return name
        index = self._read_int("a type reference")
        if not 0 <= index < len(self._types):
            raise HessianError(f"type reference #{index} is undefined ({len(self._types)} types defined)", offset=pos)
        return self._types[index]

    def _read_units(self, n: int) -> str:
        """The general string body: ``n`` UTF-16 units, any characters."""
        if n > self._max_string:
            raise HessianLimitError(f"string of {n} units exceeds max_string={self._max_string}", offset=self._pos)
        s, self._pos = text.read_units(self._data, self._pos, n, self._end)
        return s

    def _read_items(self, items: list[Any], n: int) -> None:
        self._depth += 1
        if self._depth > self._max_depth:
            raise self._too_deep()
        data = self._data
        end = self._end
        readers = self._readers
        append = items.append
        short = min(self._max_string, 0x1F)  # short ASCII strings are read inline
        for _ in range(n):
            pos = self._pos
            if pos >= end:
                raise self._eof(pos, "a list element")
            tag = data[pos]
            if tag <= short and (seg := data[pos + 1 : pos + 1 + tag]).isascii() and len(seg) == tag:
                self._pos = pos + 1 + tag
                append(seg.decode("ascii"))
            else:
                self._pos = pos + 1
                append(readers[tag](self, tag))
        self._depth -= 1

    def _read_values(self, n: int) -> list[Any]:
        """The ``n`` field values of an object (the caller has taken care of depth)."""
        data = self._data
        end = self._end
        readers = self._readers
        short = min(self._max_string, 0x1F)  # short ASCII strings are read inline
        values = []
        for _ in range(n):
            pos = self._pos
            if pos >= end:
                raise self._eof(pos, "an object field value")
            tag = data[pos]
            if tag <= short and (seg := data[pos + 1 : pos + 1 + tag]).isascii() and len(seg) == tag:
                self._pos = pos + 1 + tag
                values.append(seg.decode("ascii"))
            else:
                self._pos = pos + 1
                values.append(readers[tag](self, tag))
        return values

    def _read_items_until_end(self, items: list[Any]) -> None:
        self._depth += 1
        if self._depth > self._max_depth:
            raise self._too_deep()
        data = self._data
        end = self._end
        readers = self._readers
        append = items.append
        limit = self._max_collection
        while True:
            pos = self._pos
            if pos >= end:
                raise self._eof(pos, "a list element or Z")
            tag = data[pos]
            self._pos = pos + 1
            if tag == 0x5A:
                break
            if len(items) >= limit:
                raise HessianLimitError(f"list longer than max_collection={limit}", offset=pos)
            append(readers[tag](self, tag))
        self._depth -= 1

    def _read_entries(self, m: dict[Any, Any]) -> None:
        self._depth += 1
        if self._depth > self._max_depth:
            raise self._too_deep()
        data = self._data
        end = self._end
        readers = self._readers
        limit = self._max_collection
        short = min(self._max_string, 0x1F)  # short ASCII strings are read inline
        count = 0
        while True:
            pos = self._pos
            if pos >= end:
                raise self._eof(pos, "a map key or Z")
            tag = data[pos]
            if tag == 0x5A:
                self._pos = pos + 1
                break
            if tag <= short and (seg := data[pos + 1 : pos + 1 + tag]).isascii() and len(seg) == tag:
                key: Any = seg.decode("ascii")
                self._pos = pos + 1 + tag
            else:
                self._pos = pos + 1
                key = readers[tag](self, tag)
            count += 1
            if count > limit:
                raise HessianLimitError(f"map larger than max_collection={limit}", offset=pos)
            pos = self._pos
            if pos >= end:
                raise self._eof(pos, "a map value")
            tag = data[pos]
            if tag <= short and (seg := data[pos + 1 : pos + 1 + tag]).isascii() and len(seg) == tag:
                self._pos = pos + 1 + tag
                value = seg.decode("ascii")
            else:
                self._pos = pos + 1
                value = readers[tag](self, tag)
            try:
                m[key] = value
            except TypeError as exc:
                raise HessianError(
                    f"map key of type {type(key).__name__} cannot be a Python dict key", offset=pos
                ) from exc
        self._depth -= 1


def loads(
    data: bytes | bytearray | memoryview,
    *,
    registry: ClassRegistry | None = None,
    keep_java_types: bool = False,
    max_depth: int = 64,
    max_collection: int = 1_000_000,
    max_string: int = 16 * 1024 * 1024,
    max_binary: int = 64 * 1024 * 1024,
) -> Any:
    """Decode exactly one value from ``data``; trailing bytes are an error."""
    dec = Hessian2Decoder(
        data,
        registry=registry,
        keep_java_types=keep_java_types,
        max_depth=max_depth,
        max_collection=max_collection,
        max_string=max_string,
        max_binary=max_binary,
    )
    value = dec.read()
    if dec._pos != dec._end:
        raise HessianError(f"{dec._end - dec._pos} trailing byte(s) after the value", offset=dec._pos)
    return value


# -- readers, one per first byte ----------------------------------------------------------------------------


def _r_bad(d: Hessian2Decoder, tag: int) -> Any:
    what = "an end marker Z outside a list or map" if tag == 0x5A else f"unknown tag 0x{tag:02x}"
    raise HessianError(f"{what}: expected a value", offset=d._pos - 1, expected="a value")


def _r_null(d: Hessian2Decoder, tag: int) -> None:
    return None


def _r_true(d: Hessian2Decoder, tag: int) -> bool:
    return True


def _r_false(d: Hessian2Decoder, tag: int) -> bool:
    return False


def _r_int1(d: Hessian2Decoder, tag: int) -> int:
    return tag - 0x90


def _r_int2(d: Hessian2Decoder, tag: int) -> int:
    pos = d._pos
    if pos >= d._end:
        raise d._eof(pos, "the second byte of an int")
    d._pos = pos + 1
    return ((tag - 0xC8) << 8) + d._data[pos]


def _r_int3(d: Hessian2Decoder, tag: int) -> int:
    pos = d._pos
    if pos + 2 > d._end:
        raise d._short(2, "a 3-byte int")
    d._pos = pos + 2
    data = d._data
    return ((tag - 0xD4) << 16) + (data[pos] << 8) + data[pos + 1]


def _r_int4(d: Hessian2Decoder, tag: int) -> int:
    pos = d._pos
    if pos + 4 > d._end:
        raise d._short(4, "a 32-bit int")
    d._pos = pos + 4
    result: int = _unpack_i(d._data, pos)[0]
    return result


def _r_long1(d: Hessian2Decoder, tag: int) -> int:
    return tag - 0xE0


def _r_long2(d: Hessian2Decoder, tag: int) -> int:
    pos = d._pos
    if pos >= d._end:
        raise d._eof(pos, "the second byte of a long")
    d._pos = pos + 1
    return ((tag - 0xF8) << 8) + d._data[pos]


def _r_long3(d: Hessian2Decoder, tag: int) -> int:
    pos = d._pos
    if pos + 2 > d._end:
        raise d._short(2, "a 3-byte long")
    d._pos = pos + 2
    data = d._data
    return ((tag - 0x3C) << 16) + (data[pos] << 8) + data[pos + 1]


def _r_long4(d: Hessian2Decoder, tag: int) -> int:
    pos = d._pos
    if pos + 4 > d._end:
        raise d._short(4, "a long in 32 bits")
    d._pos = pos + 4
    result: int = _unpack_i(d._data, pos)[0]
    return result


def _r_long8(d: Hessian2Decoder, tag: int) -> int:
    pos = d._pos
    if pos + 8 > d._end:
        raise d._short(8, "a 64-bit long")
    d._pos = pos + 8
    result: int = _unpack_q(d._data, pos)[0]
    return result


def _r_double0(d: Hessian2Decoder, tag: int) -> float:
    return 0.0


def _r_double1(d: Hessian2Decoder, tag: int) -> float:
    return 1.0


def _r_double_byte(d: Hessian2Decoder, tag: int) -> float:
    b = d._data[d._take(1, "a double in one byte")]
    return float(b - 256 if b > 127 else b)


def _r_double_short(d: Hessian2Decoder, tag: int) -> float:
    pos = d._pos
    if pos + 2 > d._end:
        raise d._short(2, "a double in two bytes")
    d._pos = pos + 2
    value: int = _unpack_sh(d._data, pos)[0]
    return float(value)


def _r_double_mill(d: Hessian2Decoder, tag: int) -> float:
    # Java and dubbo-go read these 4 bytes as an int count of thousandths (§3.4).
    pos = d._pos
    if pos + 4 > d._end:
        raise d._short(4, "a double in thousandths")
    d._pos = pos + 4
    mills: int = _unpack_i(d._data, pos)[0]
    return 0.001 * mills


def _r_double8(d: Hessian2Decoder, tag: int) -> float:
    pos = d._pos
    if pos + 8 > d._end:
        raise d._short(8, "a 64-bit double")
    d._pos = pos + 8
    result: float = _unpack_d(d._data, pos)[0]
    return result


def _date(d: Hessian2Decoder, ms: int, at: int) -> datetime.datetime:
    try:
        return _EPOCH + _timedelta(milliseconds=ms)
    except OverflowError as exc:
        raise HessianError(f"date {ms} ms since the epoch is outside Python's datetime range", offset=at) from exc


def _r_date_ms(d: Hessian2Decoder, tag: int) -> datetime.datetime:
    pos = d._pos
    if pos + 8 > d._end:
        raise d._short(8, "a date in milliseconds")
    d._pos = pos + 8
    return _date(d, _unpack_q(d._data, pos)[0], pos - 1)


def _r_date_minutes(d: Hessian2Decoder, tag: int) -> datetime.datetime:
    pos = d._pos
    if pos + 4 > d._end:
        raise d._short(4, "a date in minutes")
    d._pos = pos + 4
    return _date(d, _unpack_i(d._data, pos)[0] * 60000, pos - 1)


def _finish_string(s: str) -> str:
    return text.join_surrogates(s) if _SURROGATE.search(s) else s


def _r_str_direct(d: Hessian2Decoder, tag: int) -> str:
    pos = d._pos
    end = pos + tag
    if end <= d._end and tag <= d._max_string:
        seg = d._data[pos:end]
        if seg.isascii():
            d._pos = end
            return seg.decode("ascii")
    return _finish_string(d._read_units(tag))


def _r_str_short(d: Hessian2Decoder, tag: int) -> str:
    pos = d._pos
    if pos + 1 > d._end:
        raise d._short(1, "a string length")
    d._pos = pos + 1
    return _finish_string(d._read_units(((tag - 0x30) << 8) + d._data[pos]))


def _r_str_final(d: Hessian2Decoder, tag: int) -> str:
    pos = d._pos
    if pos + 2 > d._end:
        raise d._short(2, "a string chunk length")
    d._pos = pos + 2
    n: int = _unpack_h(d._data, pos)[0]
    return _finish_string(d._read_units(n))


def _r_str_chunk(d: Hessian2Decoder, tag: int) -> str:
    parts: list[str] = []
    total = 0
    data = d._data
    while True:
        at = d._pos - 1
        if tag in (0x52, 0x53):
            n = _unpack_h(data, d._take(2, "a string chunk length"))[0]
        elif tag < 0x20:
            n = tag
        elif 0x30 <= tag <= 0x33:
            n = ((tag - 0x30) << 8) + data[d._take(1, "a string length")]
        else:
            raise HessianError(f"expected a string chunk, got tag 0x{tag:02x}", offset=at, expected="string chunk")
        total += n
        if total > d._max_string:
            raise HessianLimitError(f"string longer than max_string={d._max_string} units", offset=at)
        parts.append(d._read_units(n))
        if tag != 0x52:
            return _finish_string("".join(parts))
        pos = d._pos
        if pos >= d._end:
            raise d._eof(pos, "the next string chunk")
        tag = data[pos]
        d._pos = pos + 1


def _binary(d: Hessian2Decoder, n: int) -> bytes:
    if n > d._max_binary:
        raise HessianLimitError(f"binary of {n} bytes exceeds max_binary={d._max_binary}", offset=d._pos)
    pos = d._take(n, "binary data")
    return d._data[pos : pos + n]


def _r_bin_direct(d: Hessian2Decoder, tag: int) -> bytes:
    return _binary(d, tag - 0x20)


def _r_bin_short(d: Hessian2Decoder, tag: int) -> bytes:
    pos = d._pos
    if pos + 1 > d._end:
        raise d._short(1, "a binary length")
    d._pos = pos + 1
    return _binary(d, ((tag - 0x34) << 8) + d._data[pos])


def _r_bin_chunk(d: Hessian2Decoder, tag: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    data = d._data
    while True:
        at = d._pos - 1
        if tag in (0x41, 0x42):
            n = _unpack_h(data, d._take(2, "a binary chunk length"))[0]
        elif 0x20 <= tag <= 0x2F:
            n = tag - 0x20
        elif 0x34 <= tag <= 0x37:
            n = ((tag - 0x34) << 8) + data[d._take(1, "a binary length")]
        else:
            raise HessianError(f"expected a binary chunk, got tag 0x{tag:02x}", offset=at, expected="binary chunk")
        total += n
        if total > d._max_binary:
            raise HessianLimitError(f"binary longer than max_binary={d._max_binary}", offset=at)
        parts.append(_binary(d, n))
        if tag != 0x41:
            return b"".join(parts)
        pos = d._pos
        if pos >= d._end:
            raise d._eof(pos, "the next binary chunk")
        tag = data[pos]
        d._pos = pos + 1


def _r_ref(d: Hessian2Decoder, tag: int) -> Any:
    at = d._pos - 1
    index = d._read_int("a reference index")
    refs = d._refs
    if not 0 <= index < len(refs):
        raise HessianError(f"reference to undefined value #{index} ({len(refs)} defined so far)", offset=at)
    value = refs[index]
    if value is PENDING:
        raise HessianError(f"reference #{index} names a value that is itself still being read", offset=at)
    return value


def _r_list_fixed_untyped(d: Hessian2Decoder, tag: int) -> list[Any]:
    at = d._pos - 1
    n = tag - 0x78 if tag >= 0x78 else d._read_int("a list length")
    d._count(n, "list length", at)
    items: list[Any] = []
    d._refs.append(items)
    d._read_items(items, n)
    return items


def _typed_list(d: Hessian2Decoder, java_type: str) -> list[Any]:
    items: list[Any] = JavaList(java_type) if java_type else []
    d._refs.append(items)
    return items


def _check_array(d: Hessian2Decoder, items: list[Any], at: int) -> None:
    """Elements of an array of a scalar type (``[int``, ``[string``) must be of that type, as in Java."""
    if not isinstance(items, JavaList):
        return
    convert = array_converter(items.java_type)
    if convert is not None:
        try:
            items[:] = [convert(x) for x in items]
        except (TypeError, ValueError) as exc:
            raise HessianError(f"bad element in a {items.java_type} array: {exc}", offset=at) from exc


def _r_list_fixed_typed(d: Hessian2Decoder, tag: int) -> list[Any]:
    at = d._pos - 1
    java_type = d._read_type()
    n = tag - 0x70 if tag >= 0x70 else d._read_int("a list length")
    d._count(n, "list length", at)
    items = _typed_list(d, java_type)
    d._read_items(items, n)
    _check_array(d, items, at)
    return items


def _r_list_variable_untyped(d: Hessian2Decoder, tag: int) -> list[Any]:
    items: list[Any] = []
    d._refs.append(items)
    d._read_items_until_end(items)
    return items


def _r_list_variable_typed(d: Hessian2Decoder, tag: int) -> list[Any]:
    at = d._pos - 1
    items = _typed_list(d, d._read_type())
    d._read_items_until_end(items)
    _check_array(d, items, at)
    return items


def _r_map_untyped(d: Hessian2Decoder, tag: int) -> dict[Any, Any]:
    m: dict[Any, Any] = {}
    d._refs.append(m)
    d._read_entries(m)
    return m


def _r_map_typed(d: Hessian2Decoder, tag: int) -> dict[Any, Any]:
    java_type = d._read_type()
    m: dict[Any, Any] = JavaMap(java_type) if java_type else {}
    d._refs.append(m)
    d._read_entries(m)
    return m


def _build_readers() -> list[Reader]:
    table: list[Reader] = [_r_bad] * 256
    spans: list[tuple[range, Reader]] = [
        (range(0x20), _r_str_direct),
        (range(0x20, 0x30), _r_bin_direct),
        (range(0x30, 0x34), _r_str_short),
        (range(0x34, 0x38), _r_bin_short),
        (range(0x38, 0x40), _r_long3),
        (range(0x60, 0x70), read_object_direct),
        (range(0x70, 0x78), _r_list_fixed_typed),
        (range(0x78, 0x80), _r_list_fixed_untyped),
        (range(0x80, 0xC0), _r_int1),
        (range(0xC0, 0xD0), _r_int2),
        (range(0xD0, 0xD8), _r_int3),
        (range(0xD8, 0xF0), _r_long1),
        (range(0xF0, 0x100), _r_long2),
    ]
    for span, reader in spans:
        for tag in span:
            table[tag] = reader
    singles: dict[int, Reader] = {
        0x41: _r_bin_chunk,
        0x42: _r_bin_chunk,
        0x43: read_class_def,
        0x44: _r_double8,
        0x46: _r_false,
        0x48: _r_map_untyped,
        0x49: _r_int4,
        0x4A: _r_date_ms,
        0x4B: _r_date_minutes,
        0x4C: _r_long8,
        0x4D: _r_map_typed,
        0x4E: _r_null,
        0x4F: read_object,
        0x51: _r_ref,
        0x52: _r_str_chunk,
        0x53: _r_str_final,
        0x54: _r_true,
        0x55: _r_list_variable_typed,
        0x56: _r_list_fixed_typed,
        0x57: _r_list_variable_untyped,
        0x58: _r_list_fixed_untyped,
        0x59: _r_long4,
        0x5B: _r_double0,
        0x5C: _r_double1,
        0x5D: _r_double_byte,
        0x5E: _r_double_short,
        0x5F: _r_double_mill,
    }
    for tag, reader in singles.items():
        table[tag] = reader
    return table


def _keep(reader: Reader, marker: type[int]) -> Reader:
    def read(d: Hessian2Decoder, tag: int) -> Any:
        return int.__new__(marker, reader(d, tag))

    return read


_READERS: tuple[Reader, ...] = tuple(_build_readers())
_KEEP_READERS: tuple[Reader, ...] = tuple(
    _keep(r, JInt)
    if r in (_r_int1, _r_int2, _r_int3, _r_int4)
    else _keep(r, JLong)
    if r in (_r_long1, _r_long2, _r_long3, _r_long4, _r_long8)
    else r
    for r in _READERS
)
