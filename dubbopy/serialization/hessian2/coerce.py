"""Converting a decoded value to a declared Java type, as Java's typed reads do (``spec/hessian2.md`` §4.2).

When Java knows the target type (a method parameter, a field), ``Hessian2Input.readInt`` and friends
accept any numeric tag and ``T``/``F``/``N``: an ``int`` parameter may arrive as a long code, a
``double`` as an int. :func:`coerce` applies the same conversions to a value already decoded.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import math
from collections.abc import Callable
from typing import Any

from dubbopy.serialization.hessian2.javatype import PRIMITIVES, JavaType, component_type
from dubbopy.serialization.hessian2.types import JInt, JLong

__all__ = ["array_converter", "coerce", "converter"]

_BITS = {"int": 32, "java.lang.Integer": 32, "short": 16, "java.lang.Short": 16, "byte": 8, "java.lang.Byte": 8}
_LONGS = frozenset({"long", "java.lang.Long"})
_DOUBLES = frozenset({"double", "java.lang.Double", "float", "java.lang.Float"})
_BOOLS = frozenset({"boolean", "java.lang.Boolean"})
_CHARS = frozenset({"char", "java.lang.Character"})
_ZERO = {"boolean": False, "char": "\x00", "double": 0.0, "float": 0.0}


def _wrap(v: int, bits: int) -> int:
    """Java's narrowing of an integer to ``bits`` bits."""
    v &= (1 << bits) - 1
    return v - (1 << bits) if v >> (bits - 1) else v


def _integral(v: Any, bits: int) -> int:
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, int):
        return _wrap(int(v), bits)
    if isinstance(v, float):
        if math.isnan(v):
            return 0
        limit = 1 << (bits - 1) if bits == 64 else 1 << 31
        return _wrap(max(-limit, min(limit - 1, int(v))), bits)
    raise TypeError(f"a {type(v).__name__} is not a number")


def coerce(value: Any, jtype: JavaType) -> Any:
    """``value`` as Java would read it for ``jtype``; ``None`` stays ``None`` except for primitives."""
    name = jtype.name
    if value is None:
        return _ZERO.get(name, 0) if name in PRIMITIVES else None
    if name in _BITS:
        return _integral(value, _BITS[name])
    if name in _LONGS:
        return _integral(value, 64)
    if name in _DOUBLES:
        if isinstance(value, int | float):
            return float(value)
        raise TypeError(f"a {type(value).__name__} is not a number")
    if name in _BOOLS:
        if isinstance(value, bool | int | float):
            return bool(value)
        raise TypeError(f"a {type(value).__name__} is not a boolean")
    if name in _CHARS:
        if isinstance(value, str):  # Java keeps the first UTF-16 unit
            first = value[:1] or "\x00"
            return first if ord(first) <= 0xFFFF else chr(0xD800 | ((ord(first) - 0x10000) >> 10))
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 0xFFFF:
            return chr(value)
        raise TypeError(f"{value!r:.40} is not a char")
    if name == "java.lang.String":
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
        raise TypeError(f"a {type(value).__name__} is not a string")
    if name == "java.util.Date" and not isinstance(value, datetime.datetime):
        raise TypeError(f"a {type(value).__name__} is not a date")
    return value


_Converter = Callable[[Any], Any]
_DECODED_INTS = frozenset({int, JInt, JLong})  # what the decoder produces for integers


def _integral_converter(jtype: JavaType, bits: int) -> _Converter:
    low, high = -(1 << (bits - 1)), (1 << (bits - 1)) - 1

    def convert(value: Any) -> Any:
        if type(value) in _DECODED_INTS and low <= value <= high:
            return value
        return coerce(value, jtype)

    return convert


def _typed_converter(jtype: JavaType, kind: type) -> _Converter:
    def convert(value: Any) -> Any:
        if type(value) is kind:
            return value
        return coerce(value, jtype)

    return convert


@functools.lru_cache(maxsize=512)
def converter(jtype: JavaType) -> _Converter | None:
    """A fast converter for values decoded into a declared type; ``None`` when any value fits.

    Used for registered classes' fields and typed arrays, so that what the decoder hands out always
    has the declared type (Java's typed reads convert or refuse the same way).
    """
    name = jtype.name
    if name in _BITS:
        return _integral_converter(jtype, _BITS[name])
    if name in _LONGS:
        return _integral_converter(jtype, 64)
    if name in _DOUBLES:
        return _typed_converter(jtype, float)
    if name in _BOOLS:
        return _typed_converter(jtype, bool)
    if name in _CHARS:
        return _char_converter(jtype)
    if name == "java.lang.String":
        return _typed_converter(jtype, str)
    if name == "java.util.Date":
        return _typed_converter(jtype, datetime.datetime)
    if name == "[byte":
        return _instance_checker(name, bytes)
    if name == "[char":
        return _instance_checker(name, str)
    if name.startswith("["):
        return _instance_checker(name, list)
    if name == "java.math.BigDecimal":
        return _instance_checker(name, decimal.Decimal)
    if name == "java.math.BigInteger":
        return _instance_checker(name, int)
    return None


def _instance_checker(java: str, kind: type) -> _Converter:
    def check(value: Any) -> Any:
        if value is None or (isinstance(value, kind) and not isinstance(value, bool)):
            return value
        raise TypeError(f"a {type(value).__name__} is not a {java}")

    return check


def _char_converter(jtype: JavaType) -> _Converter:
    def convert(value: Any) -> Any:
        if type(value) is str and len(value) == 1:
            return value
        return coerce(value, jtype)

    return convert


@functools.lru_cache(maxsize=512)
def array_converter(java_type: str) -> _Converter | None:
    """Converter of the elements of a typed list, for arrays of a scalar component type (``[int``)."""
    component = component_type(java_type)
    if component is None:
        return None
    return converter(JavaType(component))
