"""Writers chosen by declared types: registered classes and Java type names.

A registered dataclass is written field by field, each field in the form of its declared Java type
(``JInt`` → int forms, ``float`` field → widened double); :func:`writer_for_type` compiles the writer of
a declared type once and caches it; :func:`resolve_writer` finds the writer of a Python type that is not
in the encoder's dispatch table (registered classes, subclasses of builtins). Fields and arrays are
strict — a value that does not fit is an error — while elements of generic collections, whose type
Java erases, fall back to the value's own form.
"""

from __future__ import annotations

import datetime
import decimal
import enum
import functools
import operator
import uuid
from dataclasses import is_dataclass
from typing import Any

from dubbopy.serialization.hessian2.encoder import (
    _DISPATCH,
    EMPTY_SUPPRESSED,
    Hessian2Encoder,
    Writer,
    _begin_object,
    _begin_typed_list,
    _enter,
    _java_cause,
    _ref_or_slot,
    _w_big_integer,
    _w_bool,
    _w_bytes,
    _w_date,
    _w_decimal,
    _w_float_boxed,
    _w_float_widened,
    _w_int,
    _w_java_list,
    _w_long,
    _w_str,
    _write,
)
from dubbopy.serialization.hessian2.errors import HessianEncodeError
from dubbopy.serialization.hessian2.javatype import JavaType, component_type
from dubbopy.serialization.hessian2.registry import ENUM_KIND, EXCEPTION_KIND, ClassEntry, ClassRegistry
from dubbopy.serialization.hessian2.types import (
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
from dubbopy.serialization.hessian2.wire import INT_MAX, INT_MIN, put_double, put_int, put_str

__all__ = ["element_writer", "parse_type", "resolve_writer", "writer_for_type"]

# -- registered classes ----------------------------------------------------------------------------------


def _exception_virtual(enc: Hessian2Encoder, exc: BaseException, name: str) -> Any:
    """The value of one of Java's Throwable fields for a registered Python exception."""
    if name == "detailMessage":
        return str(exc.args[0]) if exc.args and exc.args[0] is not None else None
    if name == "cause":
        return _java_cause(enc, exc)
    if name == "stackTrace":
        return JavaList("[java.lang.StackTraceElement")
    return EMPTY_SUPPRESSED


def object_writer(entry: ClassEntry) -> Writer:
    """Compile the writer of a registered class (cached per entry)."""
    cached: Writer | None = entry.codec_cache.get("writer")
    if cached is not None:
        return cached
    specs = entry.fields
    key = (entry.java_name, tuple(s.name for s in specs))
    writer: Writer
    if entry.kind == ENUM_KIND:

        def writer(enc: Hessian2Encoder, v: enum.Enum) -> None:
            if _ref_or_slot(enc, v):
                return
            _begin_object(enc, key)
            put_str(enc._buf, v.name)

    elif entry.kind == EXCEPTION_KIND or not specs or any(s.attr is None for s in specs):
        parts = [(s.attr, s.name, writer_for_type(s.java_type, field=True)) for s in specs]

        def writer(enc: Hessian2Encoder, v: Any) -> None:
            if _ref_or_slot(enc, v):
                return
            _begin_object(enc, key)
            _enter(enc)
            for attr, name, w in parts:
                w(enc, getattr(v, attr) if attr is not None else _exception_virtual(enc, v, name))
            enc._depth -= 1

    else:
        attrs = [s.attr for s in specs if s.attr is not None]
        getter = operator.attrgetter(*attrs)
        writers = tuple(writer_for_type(s.java_type, field=True) for s in specs)
        single = len(attrs) == 1

        def writer(enc: Hessian2Encoder, v: Any) -> None:
            if _ref_or_slot(enc, v):
                return
            _begin_object(enc, key)
            _enter(enc)
            values = getter(v)
            if single:
                values = (values,)
            for w, x in zip(writers, values, strict=True):
                w(enc, x)
            enc._depth -= 1

    entry.codec_cache["writer"] = writer
    return writer


def resolve_writer(registry: ClassRegistry, cls: type) -> Writer:
    """The writer of a Python type outside the dispatch table: a registered class, or a subclass of a
    builtin; an unregistered dataclass, enum or exception is an error that says how to register it."""
    entry = registry.by_class(cls)
    if entry is not None:
        return object_writer(entry)
    if issubclass(cls, enum.Enum):
        raise HessianEncodeError(f"enum {cls.__qualname__} is not registered: decorate it with @java_enum(...)")
    if issubclass(cls, BaseException) and not issubclass(cls, JavaThrowable):
        raise HessianEncodeError(
            f"exception {cls.__qualname__} is not registered: register it, or send a JavaThrowable"
        )
    if is_dataclass(cls):
        raise HessianEncodeError(f"dataclass {cls.__qualname__} is not registered: decorate it with @java_class(...)")
    for base, writer in _BASES:
        if issubclass(cls, base):
            return writer
    raise HessianEncodeError(f"cannot write a {cls.__module__}.{cls.__qualname__} as Hessian")


# Subclasses of these (checked in order, most specific first) are written like the base.
_BASES = tuple(
    (t, _DISPATCH[t])
    for t in (
        bool,
        JInt,
        JShort,
        JByte,
        JLong,
        JBigInteger,
        int,
        JFloat,
        JDouble,
        float,
        JChar,
        str,
        bytes,
        bytearray,
        JavaList,
        list,
        tuple,
        JavaMap,
        dict,
        set,
        frozenset,
        datetime.datetime,
        decimal.Decimal,
        uuid.UUID,
        JavaThrowable,
        JavaObject,
    )
)


# -- writers for declared Java types ------------------------------------------------------------------------

_INT_NAMES = frozenset({"int", "short", "byte", "java.lang.Integer", "java.lang.Short", "java.lang.Byte"})
_LONG_NAMES = frozenset({"long", "java.lang.Long"})
_DOUBLE_NAMES = frozenset({"double", "java.lang.Double"})
_BOOL_NAMES = frozenset({"boolean", "java.lang.Boolean"})
_CHAR_NAMES = frozenset({"char", "java.lang.Character"})
_LIST_NAMES = frozenset(
    {"java.util.List", "java.util.ArrayList", "java.util.Collection", "java.lang.Iterable", "java.util.Set"}
)
_MAP_NAMES = frozenset({"java.util.Map", "java.util.HashMap"})


_RANGES = {
    "int": (INT_MIN, INT_MAX),
    "java.lang.Integer": (INT_MIN, INT_MAX),
    "short": (-(1 << 15), (1 << 15) - 1),
    "java.lang.Short": (-(1 << 15), (1 << 15) - 1),
    "byte": (-(1 << 7), (1 << 7) - 1),
    "java.lang.Byte": (-(1 << 7), (1 << 7) - 1),
}


def _typed(check: type | tuple[type, ...], java: str, writer: Writer, lenient: bool) -> Writer:
    """A writer for a declared type: ``writer`` for values that fit, ``N`` for None, and for others an
    error — or, when ``lenient`` (elements of a generic collection, whose type Java erases), the value
    written by its own type."""
    exact = check if isinstance(check, type) else check[0]
    low: Any
    high: Any
    low, high = _RANGES.get(java, (None, None))
    is_char = java in _CHAR_NAMES

    def fits(v: Any) -> bool:
        if not isinstance(v, check) or (type(v) is bool and exact is not bool):
            return False
        if low is not None:
            return bool(low <= v <= high)
        return not is_char or (len(v) == 1 and ord(v) <= 0xFFFF)  # type: ignore[arg-type]

    def write(enc: Hessian2Encoder, v: Any) -> None:
        if type(v) is exact and not is_char and (low is None or low <= v <= high):  # the common case
            writer(enc, v)
        elif v is None:
            enc._buf.append(0x4E)
        elif fits(v):
            writer(enc, v)
        elif lenient:
            _write(enc, v)
        else:
            raise HessianEncodeError(f"a Java {java} cannot be written from a {type(v).__name__} ({v!r:.40})")

    return write


def _w_double_number(enc: Hessian2Encoder, v: float) -> None:
    put_double(enc._buf, float(v))


def _w_decimal_any(enc: Hessian2Encoder, v: Any) -> None:
    if v is None or isinstance(v, decimal.Decimal):
        _write(enc, v)
    elif isinstance(v, int | str):
        _w_decimal(enc, decimal.Decimal(v))
    else:
        raise HessianEncodeError(f"a java.math.BigDecimal cannot be written from a {type(v).__name__}")


def _w_big_integer_any(enc: Hessian2Encoder, v: Any) -> None:
    if v is None:
        enc._buf.append(0x4E)
    elif isinstance(v, int) and not isinstance(v, bool):
        _w_big_integer(enc, v if type(v) is JBigInteger else JBigInteger(v))
    else:
        raise HessianEncodeError(f"a java.math.BigInteger cannot be written from a {type(v).__name__}")


def _array_writer(name: str, element: Writer | None) -> Writer:
    def write(enc: Hessian2Encoder, v: Any) -> None:
        if v is None:
            enc._buf.append(0x4E)
            return
        if isinstance(v, JavaList):
            _w_java_list(enc, v)
            return
        if not isinstance(v, list | tuple):
            raise HessianEncodeError(f"a Java array {name} cannot be written from a {type(v).__name__}")
        if not _begin_typed_list(enc, v, name, len(v)):
            return
        _enter(enc)
        for x in v:
            (element or _write)(enc, x)
        enc._depth -= 1

    return write


def _list_writer(element: Writer) -> Writer:
    def write(enc: Hessian2Encoder, v: Any) -> None:
        if type(v) not in (list, tuple, set, frozenset):
            _write(enc, v)
            return
        if type(v) is list:
            if _ref_or_slot(enc, v):
                return
        else:
            enc._objs.append(v)
        buf = enc._buf
        n = len(v)
        if n <= 7:
            buf.append(0x78 + n)
        else:
            buf.append(0x58)
            put_int(buf, n)
        _enter(enc)
        for x in v:
            element(enc, x)
        enc._depth -= 1

    return write


def _map_writer(key: Writer, value: Writer) -> Writer:
    def write(enc: Hessian2Encoder, v: Any) -> None:
        if type(v) is not dict:
            _write(enc, v)
            return
        if _ref_or_slot(enc, v):
            return
        enc._buf.append(0x48)
        _enter(enc)
        for k, x in v.items():
            key(enc, k)
            value(enc, x)
        enc._depth -= 1
        enc._buf.append(0x5A)

    return write


def _w_binary_any(enc: Hessian2Encoder, v: Any) -> None:
    if v is None or isinstance(v, bytes | bytearray | memoryview):
        _write(enc, v)
    elif isinstance(v, list | tuple):
        _w_bytes(enc, bytes(x & 0xFF for x in v))
    else:
        raise HessianEncodeError(f"a Java byte[] cannot be written from a {type(v).__name__}")


@functools.lru_cache(maxsize=1024)
def writer_for_type(jtype: JavaType, *, field: bool, lenient: bool = False) -> Writer:
    """The writer for a declared Java type; ``field`` selects the ``float`` field form (widening),
    ``lenient`` writes values that do not fit the type by their own type instead of failing."""
    name = jtype.name
    if name in _INT_NAMES:
        return _typed(int, name, _w_int, lenient)
    if name in _LONG_NAMES:
        return _typed(int, name, _w_long, lenient)
    if name in _DOUBLE_NAMES:
        return _typed((int, float), name, _w_double_number, lenient)
    if name == "float":
        return _typed((int, float), name, _w_float_widened if field else _w_float_boxed, lenient)
    if name == "java.lang.Float":
        return _typed((int, float), name, _w_float_boxed, lenient)
    if name in _BOOL_NAMES:
        return _typed(bool, name, _w_bool, lenient)
    if name in _CHAR_NAMES:
        return _typed(str, name, _w_str, lenient)
    if name == "java.lang.String":
        return _typed(str, name, _w_str, lenient)
    if name == "java.util.Date":
        return _typed(datetime.datetime, name, _w_date, lenient)
    if name == "java.math.BigDecimal":
        return _w_decimal_any
    if name == "java.math.BigInteger":
        return _w_big_integer_any
    if name == "[byte":
        return _w_binary_any
    if name == "[char":
        return _typed(str, name, _w_str, lenient)
    if name.startswith("["):
        return _array_writer(name, element_writer(name))
    # Elements of generic collections are erased in Java: the declared type is a preference.
    if name in _LIST_NAMES and jtype.element is not None:
        return _list_writer(writer_for_type(jtype.element, field=False, lenient=True))
    if name in _MAP_NAMES and (jtype.key is not None or jtype.value is not None):
        key = writer_for_type(jtype.key, field=False, lenient=True) if jtype.key is not None else _write
        value = writer_for_type(jtype.value, field=False, lenient=True) if jtype.value is not None else _write
        return _map_writer(key, value)
    return _write


@functools.lru_cache(maxsize=1024)
def element_writer(array_name: str) -> Writer | None:
    """Element writer of a typed list or array type; ``None`` = each element by its own type."""
    component = component_type(array_name)
    if component is None or component == "java.lang.Object":
        return None
    # Wire type names are arbitrary text: only names the codec knows change how elements are written.
    writer = writer_for_type(JavaType(component), field=True)  # array elements widen like fields
    return None if writer is _write else writer


@functools.lru_cache(maxsize=1024)
def parse_type(name: str) -> JavaType:
    """:meth:`JavaType.parse`, cached."""
    return JavaType.parse(name)
