"""Byte-level forms of Hessian 2.0 scalars, as Java's ``Hessian2Output`` chooses them (``spec/hessian2.md`` §3).

Functions that append one value's bytes to a ``bytearray``; they know nothing of the stream's
reference, class or type tables (see :mod:`.encoder`).
"""

from __future__ import annotations

import datetime
import math
import struct

from dubbopy.serialization.hessian2 import text
from dubbopy.serialization.hessian2.errors import HessianEncodeError

__all__ = ["class_def", "datetime_to_millis", "java_int", "put_date", "put_double", "put_int", "put_long", "put_str"]

_pack_i = struct.Struct(">i").pack
_pack_q = struct.Struct(">q").pack
_pack_d = struct.Struct(">d").pack
_NAN_BITS = bytes.fromhex("7ff8000000000000")
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_EPOCH_NAIVE = datetime.datetime(1970, 1, 1)
INT_MIN, INT_MAX = -(1 << 31), (1 << 31) - 1
LONG_MIN, LONG_MAX = -(1 << 63), (1 << 63) - 1


def put_int(buf: bytearray, v: int) -> None:
    """Append a Java int in its shortest form (§3.2)."""
    if -16 <= v <= 47:
        buf.append(0x90 + v)
    elif -2048 <= v <= 2047:
        buf += bytes((0xC8 + (v >> 8), v & 0xFF))
    elif -262144 <= v <= 262143:
        buf += bytes((0xD4 + (v >> 16), (v >> 8) & 0xFF, v & 0xFF))
    else:
        buf.append(0x49)
        buf += _pack_i(v)


def put_long(buf: bytearray, v: int) -> None:
    """Append a Java long in its shortest form (§3.3)."""
    if -8 <= v <= 15:
        buf.append(0xE0 + v)
    elif -2048 <= v <= 2047:
        buf += bytes((0xF8 + (v >> 8), v & 0xFF))
    elif -262144 <= v <= 262143:
        buf += bytes((0x3C + (v >> 16), (v >> 8) & 0xFF, v & 0xFF))
    elif INT_MIN <= v <= INT_MAX:
        buf.append(0x59)
        buf += _pack_i(v)
    elif LONG_MIN <= v <= LONG_MAX:
        buf.append(0x4C)
        buf += _pack_q(v)
    else:
        raise HessianEncodeError(f"int {v} does not fit a Java long; use JBigInteger or Decimal")


def java_int(v: float) -> int:
    """Java's ``(int) double``: NaN → 0, saturating, truncating toward zero."""
    if math.isnan(v):
        return 0
    if v >= 2147483647.0:
        return INT_MAX
    if v <= -2147483648.0:
        return INT_MIN
    return int(v)


def put_double(buf: bytearray, v: float) -> None:
    """Append a double exactly as ``Hessian2Output.writeDouble`` chooses its form (§3.4)."""
    iv = java_int(v)
    if iv == v:
        if iv == 0:
            buf.append(0x5B)
            return
        if iv == 1:
            buf.append(0x5C)
            return
        if -0x80 <= iv < 0x80:
            buf += bytes((0x5D, iv & 0xFF))
            return
        if -0x8000 <= iv < 0x8000:
            buf += bytes((0x5E, (iv >> 8) & 0xFF, iv & 0xFF))
            return
    mills = java_int(v * 1000)
    if 0.001 * mills == v:
        buf.append(0x5F)
        buf += _pack_i(mills)
        return
    buf.append(0x44)
    buf += _NAN_BITS if math.isnan(v) else _pack_d(v)  # Java's doubleToLongBits: one canonical NaN


def put_str(buf: bytearray, s: str) -> None:
    """Append a string: UTF-16 length, CESU-8 bytes, Java's 0x8000-unit chunks (§3.6)."""
    n = len(s)
    if n <= 31 and s.isascii():
        buf.append(n)
        buf += s.encode()
        return
    text.put_string(buf, s)


_CLASS_DEFS: dict[tuple[str, tuple[str, ...]], bytes] = {}


def class_def(name: str, fields: tuple[str, ...]) -> bytes:
    """The bytes of a class definition: ``C`` name, field count, field names (§3.11).

    Remembered for small definitions (a bounded number: decoded objects carry peers' class names).
    """
    key = (name, fields)
    cached = _CLASS_DEFS.get(key)
    if cached is not None:
        return cached
    buf = bytearray(b"C")
    put_str(buf, name)
    put_int(buf, len(fields))
    for f in fields:
        put_str(buf, f)
    result = bytes(buf)
    if len(result) <= 1024 and len(_CLASS_DEFS) < 4096:
        _CLASS_DEFS[key] = result
    return result


def datetime_to_millis(v: datetime.datetime) -> int:
    """Milliseconds since the epoch of an aware datetime (naive means UTC), rounded down."""
    delta = v - (_EPOCH if v.tzinfo is not None else _EPOCH_NAIVE)
    return (delta.days * 86400 + delta.seconds) * 1000 + delta.microseconds // 1000


def put_date(buf: bytearray, v: datetime.datetime) -> None:
    """Append a date: minutes when exact and in int range, else milliseconds (§3.5)."""
    ms = datetime_to_millis(v)
    if ms % 60000 == 0 and INT_MIN <= ms // 60000 <= INT_MAX:
        buf.append(0x4B)
        buf += _pack_i(ms // 60000)
    else:
        buf.append(0x4A)
        buf += _pack_q(ms)
