"""Hessian 2.0 encoder, byte-identical to Java hessian-lite's choices (``spec/hessian2.md`` §3, §4.1).

One :class:`Hessian2Encoder` writes one stream — in Dubbo, one message body — whose value-reference,
class-definition and type tables are shared by every top-level value written to it. Values are
dispatched on their exact Python type through a table of writer functions (``_DISPATCH``); other types
(registered classes, subclasses of builtins) are resolved once per registry and cached. Every writer
appends to one ``bytearray``. Repeated mutable values and cycles become references (``Q``), tracked by
identity as Java does; nesting deeper than ``max_depth`` is an error, never a ``RecursionError``.
"""

from __future__ import annotations

import datetime
import decimal
import struct
import uuid
from collections.abc import Callable
from typing import Any

from dubbopy.serialization.hessian2 import text
from dubbopy.serialization.hessian2.errors import HessianEncodeError
from dubbopy.serialization.hessian2.javatype import JavaType
from dubbopy.serialization.hessian2.registry import (
    ClassRegistry,
    default_registry,
)
from dubbopy.serialization.hessian2.types import (
    JavaEnum,
    JavaList,
    JavaMap,
    JavaObject,
    JavaThrowable,
    JBigInteger,
    JByte,
    JChar,
    JDouble,
    JFloat,
    JInt,
    JLong,
    JShort,
)
from dubbopy.serialization.hessian2.wire import (
    INT_MAX,
    INT_MIN,
    class_def,
    put_date,
    put_double,
    put_int,
    put_long,
    put_str,
)

__all__ = ["Hessian2Encoder", "dumps"]

Writer = Callable[["Hessian2Encoder", Any], None]

_pack_h = struct.Struct(">H").pack

#: What Java writes for ``Throwable.suppressedExceptions`` when nothing was suppressed: one shared
#: ``Collections.emptyList()`` instance, so a second exception in the same stream refers back to it.
EMPTY_SUPPRESSED = JavaList("java.util.Collections$EmptyList")


class Hessian2Encoder:
    """Writes Python values as one Hessian 2.0 stream (one Dubbo body).

    ``registry`` maps registered Python classes to Java class names (default:
    :data:`~.registry.default_registry`). After a :class:`~.errors.HessianEncodeError` the buffer holds
    a partial value: call :meth:`reset` before reusing the encoder.
    """

    __slots__ = ("_buf", "_classes", "_depth", "_max_depth", "_objs", "_refs", "_registry", "_types")

    def __init__(self, *, registry: ClassRegistry | None = None, max_depth: int = 64) -> None:
        self._registry = registry if registry is not None else default_registry
        self._max_depth = max_depth
        self._buf = bytearray()
        self._refs: dict[int, int] = {}  # id(value) -> ref index
        self._objs: list[Any] = []  # one entry per ref slot, keeps ids valid for the stream's life
        self._classes: dict[tuple[str, tuple[str, ...]], int] = {}
        self._types: dict[str, int] = {}
        self._depth = 0

    def write(self, value: Any) -> None:
        """Append one top-level value."""
        try:
            _write(self, value)
        except RecursionError as exc:
            raise HessianEncodeError("value nested too deeply for the Python stack") from exc

    def write_as(self, value: Any, java_type: str | JavaType) -> None:
        """Append ``value`` in the wire form of a declared Java type.

        ``java_type`` is a Java type name in any spelling (``"int"``, ``"java.lang.Integer"``, ``"[I"``,
        ``"java.lang.String[]"``, ``"java.util.List<java.lang.Integer>"``) or a :class:`JavaType`. It
        decides the form of numbers (``write_as(5, "int")`` → ``95``), floats, chars and the elements of
        arrays and declared generic collections; other types are written as :meth:`write` would.
        """
        from dubbopy.serialization.hessian2.declared import parse_type, writer_for_type  # noqa: PLC0415

        jtype = java_type if isinstance(java_type, JavaType) else parse_type(java_type)
        try:
            writer_for_type(jtype, field=False)(self, value)
        except RecursionError as exc:
            raise HessianEncodeError("value nested too deeply for the Python stack") from exc

    def getvalue(self) -> bytes:
        """The bytes written so far."""
        return bytes(self._buf)

    def reset(self) -> None:
        """Empty the buffer and forget all references, class definitions and types (a new stream)."""
        self._buf = bytearray()
        self._refs = {}
        self._objs = []
        self._classes = {}
        self._types = {}
        self._depth = 0

    def _writer_for(self, cls: type) -> Writer:
        cache = self._registry.codec_cache
        writer: Writer | None = cache.get(cls)
        if writer is None:
            from dubbopy.serialization.hessian2.declared import resolve_writer  # noqa: PLC0415 - imports us

            writer = resolve_writer(self._registry, cls)
            cache[cls] = writer
        return writer


def dumps(value: Any, *, registry: ClassRegistry | None = None) -> bytes:
    """Encode one value as a complete Hessian 2.0 stream."""
    enc = Hessian2Encoder(registry=registry)
    enc.write(value)
    return bytes(enc._buf)


# -- primitives -----------------------------------------------------------------------------------------


def put_type(enc: Hessian2Encoder, name: str) -> None:
    """Append a type: its name the first time in the stream, then its index in the type table (§3.10)."""
    index = enc._types.get(name)
    if index is None:
        enc._types[name] = len(enc._types)
        put_str(enc._buf, name)
    else:
        put_int(enc._buf, index)


def _put_ref(enc: Hessian2Encoder, index: int) -> None:
    enc._buf.append(0x51)
    put_int(enc._buf, index)


def _begin_object(enc: Hessian2Encoder, key: tuple[str, tuple[str, ...]]) -> None:
    """Write the class definition the first time ``key`` is seen in the stream, then the instance tag."""
    buf = enc._buf
    index = enc._classes.get(key)
    if index is None:
        index = enc._classes[key] = len(enc._classes)
        buf += class_def(*key)
    if index <= 15:
        buf.append(0x60 + index)
    else:
        buf.append(0x4F)
        put_int(buf, index)


def _enter(enc: Hessian2Encoder) -> None:
    enc._depth += 1
    if enc._depth > enc._max_depth:
        raise HessianEncodeError(f"value nested more than {enc._max_depth} levels deep (max_depth)")


# -- writers per Python type --------------------------------------------------------------------------


def _write(enc: Hessian2Encoder, v: Any) -> None:
    f = _DISPATCH.get(type(v))
    if f is None:
        f = enc._writer_for(type(v))
    f(enc, v)


def _w_none(enc: Hessian2Encoder, v: None) -> None:
    enc._buf.append(0x4E)


def _w_bool(enc: Hessian2Encoder, v: bool) -> None:
    enc._buf.append(0x54 if v else 0x46)


def _w_long(enc: Hessian2Encoder, v: int) -> None:
    buf = enc._buf
    if -8 <= v <= 15:
        buf.append(0xE0 + v)
    else:
        put_long(buf, v)


def _w_int(enc: Hessian2Encoder, v: int) -> None:
    if not INT_MIN <= v <= INT_MAX:
        raise HessianEncodeError(f"{v} does not fit a Java int")
    put_int(enc._buf, v)


def _w_double(enc: Hessian2Encoder, v: float) -> None:
    put_double(enc._buf, v)


def _w_float_boxed(enc: Hessian2Encoder, v: float) -> None:
    put_double(enc._buf, text.float_as_java_boxed(v))


def _w_float_widened(enc: Hessian2Encoder, v: float) -> None:
    put_double(enc._buf, text.float32(v))


def _w_str(enc: Hessian2Encoder, v: str) -> None:
    buf = enc._buf
    n = len(v)
    if n <= 31 and v.isascii():
        buf.append(n)
        buf += v.encode()
    else:
        text.put_string(buf, v)


def _w_bytes(enc: Hessian2Encoder, v: bytes | bytearray | memoryview) -> None:
    buf = enc._buf
    if type(v) is memoryview:
        v = v.cast("B")
    n = len(v)
    if n <= 15:
        buf.append(0x20 + n)
    elif n <= 1023:
        buf += bytes((0x34 + (n >> 8), n & 0xFF))
    elif n <= 0xFFFF:
        buf.append(0x42)
        buf += _pack_h(n)
    else:
        view = memoryview(v)
        start = 0
        while n - start > 0xFFFF:
            buf += b"A\xff\xff"
            buf += view[start : start + 0xFFFF]
            start += 0xFFFF
        _w_bytes(enc, view[start:])
        return
    buf += v


def _w_date(enc: Hessian2Encoder, v: datetime.datetime) -> None:
    put_date(enc._buf, v)


def _w_list(enc: Hessian2Encoder, v: list[Any]) -> None:
    key = id(v)
    index = enc._refs.get(key)
    if index is not None:
        _put_ref(enc, index)
        return
    objs = enc._objs
    enc._refs[key] = len(objs)
    objs.append(v)
    _write_untyped_items(enc, v)


def _w_tuple(enc: Hessian2Encoder, v: tuple[Any, ...]) -> None:
    # A tuple takes a ref slot but is never referred to: Python shares equal immutable tuples (every
    # empty tuple is one object), which must not become one shared ArrayList in Java.
    enc._objs.append(v)
    _write_untyped_items(enc, v)


def _write_untyped_items(enc: Hessian2Encoder, v: list[Any] | tuple[Any, ...]) -> None:
    buf = enc._buf
    n = len(v)
    if n <= 7:
        buf.append(0x78 + n)
    else:
        buf.append(0x58)
        put_int(buf, n)
    _enter(enc)
    get = _DISPATCH.get
    for x in v:
        if type(x) is str and len(x) <= 31 and x.isascii():
            buf.append(len(x))
            buf += x.encode()
        else:
            f = get(type(x))
            if f is None:
                f = enc._writer_for(type(x))
            f(enc, x)
    enc._depth -= 1


def _begin_typed_list(enc: Hessian2Encoder, v: Any, java_type: str, n: int) -> bool:
    """Ref check, then the typed-list header; False when a ref was written instead."""
    key = id(v)
    index = enc._refs.get(key)
    if index is not None:
        _put_ref(enc, index)
        return False
    objs = enc._objs
    if type(v) is not tuple and type(v) is not frozenset:  # immutable: a slot, never a ref (see _w_tuple)
        enc._refs[key] = len(objs)
    objs.append(v)
    buf = enc._buf
    if n <= 7:
        buf.append(0x70 + n)
        put_type(enc, java_type)
    else:
        buf.append(0x56)
        put_type(enc, java_type)
        put_int(buf, n)
    return True


def _w_java_list(enc: Hessian2Encoder, v: JavaList) -> None:
    if not _begin_typed_list(enc, v, v.java_type, len(v)):
        return
    element = _element_writer(v.java_type)
    _enter(enc)
    if element is None:
        get = _DISPATCH.get
        for x in v:
            f = get(type(x))
            if f is None:
                f = enc._writer_for(type(x))
            f(enc, x)
    else:
        for x in v:
            element(enc, x)
    enc._depth -= 1


def _w_set(enc: Hessian2Encoder, v: set[Any] | frozenset[Any]) -> None:
    if not _begin_typed_list(enc, v, "java.util.HashSet", len(v)):
        return
    _enter(enc)
    for x in v:
        _write(enc, x)
    enc._depth -= 1


def _w_dict(enc: Hessian2Encoder, v: dict[Any, Any]) -> None:
    key = id(v)
    index = enc._refs.get(key)
    if index is not None:
        _put_ref(enc, index)
        return
    objs = enc._objs
    enc._refs[key] = len(objs)
    objs.append(v)
    buf = enc._buf
    buf.append(0x48)
    _write_items(enc, v)
    buf.append(0x5A)


def _w_java_map(enc: Hessian2Encoder, v: JavaMap) -> None:
    key = id(v)
    index = enc._refs.get(key)
    if index is not None:
        _put_ref(enc, index)
        return
    objs = enc._objs
    enc._refs[key] = len(objs)
    objs.append(v)
    enc._buf.append(0x4D)
    put_type(enc, v.java_type)
    _write_items(enc, v)
    enc._buf.append(0x5A)


def _write_items(enc: Hessian2Encoder, v: dict[Any, Any]) -> None:
    _enter(enc)
    get = _DISPATCH.get
    buf = enc._buf
    for k, x in v.items():
        if type(k) is str and len(k) <= 31 and k.isascii():
            buf.append(len(k))
            buf += k.encode()
        else:
            f = get(type(k))
            if f is None:
                f = enc._writer_for(type(k))
            f(enc, k)
        if type(x) is str and len(x) <= 31 and x.isascii():
            buf.append(len(x))
            buf += x.encode()
        else:
            f = get(type(x))
            if f is None:
                f = enc._writer_for(type(x))
            f(enc, x)
    enc._depth -= 1


def _ref_or_slot(enc: Hessian2Encoder, v: Any) -> bool:
    """True when ``v`` was written before (a ref was written); else give it the next ref slot."""
    key = id(v)
    index = enc._refs.get(key)
    if index is not None:
        _put_ref(enc, index)
        return True
    objs = enc._objs
    enc._refs[key] = len(objs)
    objs.append(v)
    return False


_VALUE_FIELD = ("value",)
_NAME_FIELD = ("name",)


def _w_decimal(enc: Hessian2Encoder, v: decimal.Decimal) -> None:
    if not v.is_finite():
        raise HessianEncodeError(f"java.math.BigDecimal cannot hold {v}")
    if _ref_or_slot(enc, v):
        return
    _begin_object(enc, ("java.math.BigDecimal", _VALUE_FIELD))
    # BigDecimal.toString() and Decimal.__str__ agree on when to use exponent notation; Java has no -0.
    put_str(enc._buf, str(v.copy_abs() if v.is_zero() else v))


def _w_uuid(enc: Hessian2Encoder, v: uuid.UUID) -> None:
    if _ref_or_slot(enc, v):
        return
    _begin_object(enc, ("java.util.UUID", _VALUE_FIELD))
    put_str(enc._buf, str(v))


_BIGINT_FIELDS = (
    "mag",
    "firstNonzeroIntNumPlusTwo",
    "lowestSetBitPlusTwo",
    "bitLengthPlusOne",
    "bitCountPlusOne",
    "signum",
)


def _w_big_integer(enc: Hessian2Encoder, v: int) -> None:
    # Java writes BigInteger with the generic JavaSerializer (JDK 17 field set); the cache fields are
    # written as 0 ("not computed yet"), as for a freshly built BigInteger.
    if _ref_or_slot(enc, v):
        return
    _begin_object(enc, ("java.math.BigInteger", _BIGINT_FIELDS))
    magnitude = abs(int(v))
    count = (magnitude.bit_length() + 31) // 32
    mag = list(struct.unpack(f">{count}i", magnitude.to_bytes(count * 4, "big")))  # Java's int[] words
    enc._objs.append(mag)
    buf = enc._buf
    n = len(mag)
    buf.append(0x70 + n if n <= 7 else 0x56)
    put_type(enc, "[int")
    if n > 7:
        put_int(buf, n)
    for w in mag:
        put_int(buf, w)
    buf += b"\x90\x90\x90\x90"
    put_int(buf, (v > 0) - (v < 0))


def _w_java_object(enc: Hessian2Encoder, v: JavaObject) -> None:
    if _ref_or_slot(enc, v):
        return
    fields = v.fields
    _begin_object(enc, (v.class_name, tuple(fields)))
    _enter(enc)
    get = _DISPATCH.get
    for x in fields.values():
        f = get(type(x))
        if f is None:
            f = enc._writer_for(type(x))
        f(enc, x)
    enc._depth -= 1


def _w_java_enum(enc: Hessian2Encoder, v: JavaEnum) -> None:
    if _ref_or_slot(enc, v):
        return
    _begin_object(enc, (v.class_name, _NAME_FIELD))
    put_str(enc._buf, v.name)


_THROWABLE_LAYOUT = ("suppressedExceptions", "stackTrace", "cause", "detailMessage")


def _java_cause(enc: Hessian2Encoder, exc: BaseException) -> BaseException:
    """The value Java writes for ``cause``: the cause if it can be written as a Java exception, else itself."""
    cause = exc.__cause__
    if isinstance(cause, JavaThrowable) or (cause is not None and enc._registry.by_class(type(cause)) is not None):
        return cause
    return exc


def _w_java_throwable(enc: Hessian2Encoder, v: JavaThrowable) -> None:
    if v.fields:
        _w_java_object(enc, v)  # type: ignore[arg-type]  # same attributes: class_name, fields
        return
    if _ref_or_slot(enc, v):
        return
    _begin_object(enc, (v.class_name, _THROWABLE_LAYOUT))
    _enter(enc)
    _w_java_list(enc, EMPTY_SUPPRESSED)
    _w_java_list(enc, JavaList("[java.lang.StackTraceElement"))
    _write(enc, _java_cause(enc, v))
    _write(enc, v.message)
    enc._depth -= 1


_DISPATCH: dict[type, Writer] = {
    str: _w_str,
    int: _w_long,
    type(None): _w_none,
    bool: _w_bool,
    float: _w_double,
    dict: _w_dict,
    list: _w_list,
    tuple: _w_tuple,
    bytes: _w_bytes,
    bytearray: _w_bytes,
    memoryview: _w_bytes,
    datetime.datetime: _w_date,
    decimal.Decimal: _w_decimal,
    uuid.UUID: _w_uuid,
    JInt: _w_int,
    JShort: _w_int,
    JByte: _w_int,
    JLong: _w_long,
    JBigInteger: _w_big_integer,
    JDouble: _w_double,
    JFloat: _w_float_boxed,
    JChar: _w_str,
    JavaList: _w_java_list,
    JavaMap: _w_java_map,
    JavaObject: _w_java_object,
    JavaEnum: _w_java_enum,
    JavaThrowable: _w_java_throwable,
    set: _w_set,
    frozenset: _w_set,
}


_ELEMENT_WRITERS: dict[str, Writer | None] = {}


def _element_writer(java_type: str) -> Writer | None:
    """Element writer of a typed list: ``[int`` elements as ints; ``None`` = each by its own type."""
    try:
        return _ELEMENT_WRITERS[java_type]
    except KeyError:
        from dubbopy.serialization.hessian2.declared import element_writer  # noqa: PLC0415 - it imports us

        writer = element_writer(java_type)
        if len(_ELEMENT_WRITERS) < 1024:  # type names come from peers too
            _ELEMENT_WRITERS[java_type] = writer
        return writer
