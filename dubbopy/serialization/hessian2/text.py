"""Java's conventions for strings and floats on the Hessian wire (``spec/hessian2.md`` §3.4, §3.6).

Strings: the length is counted in UTF-16 code units (``String.length()``), and every unit is encoded
on its own as 1 to 3 UTF-8-style bytes, so a character above U+FFFF is a surrogate pair of two 3-byte
sequences (CESU-8), never 4-byte UTF-8, which Java's reader rejects. Long strings are split into
``R`` chunks of 0x8000 units, one unit fewer when the chunk would end on a high surrogate.

Floats: Java writes a boxed ``Float`` as the double parsed from its shortest decimal text, and a
``float`` field or ``float[]`` element as the widened 32-bit value.
"""

from __future__ import annotations

import math
import re
import struct

from dubbopy.serialization.hessian2.errors import HessianError

_pack_h = struct.Struct(">H").pack
_pack_f = struct.Struct(">f").pack
_unpack_f = struct.Struct(">f").unpack

_NON_BMP = re.compile("[\U00010000-\U0010ffff]")
_FOUR_BYTE_LEADS = bytes(range(0xF0, 0xF5))
_CONTINUATION = bytes(range(0x80, 0xC0))
# Bytes of the sequence a lead byte starts (Java's parseUTF8Char); 0 = not a lead byte.
_SEQUENCE_LENGTH = bytes([1] * 0x80 + [0] * 0x40 + [2] * 0x20 + [3] * 0x10 + [0] * 0x10)


def _split_pair(match: re.Match[str]) -> str:
    cp = ord(match.group()) - 0x10000
    return chr(0xD800 | (cp >> 10)) + chr(0xDC00 | (cp & 0x3FF))


def to_utf16_units(s: str) -> str:
    """``s`` with every character above U+FFFF replaced by its two surrogates (one char per UTF-16 unit)."""
    return _NON_BMP.sub(_split_pair, s)


def join_surrogates(s: str) -> str:
    """Combine each high+low surrogate pair into one character; lone surrogates stay as they are."""
    return s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "surrogatepass")


def _put_header(buf: bytearray, n: int) -> None:
    if n <= 31:
        buf.append(n)
    elif n <= 1023:
        buf += bytes((0x30 + (n >> 8), n & 0xFF))
    else:
        buf.append(0x53)
        buf += _pack_h(n)


def put_string(buf: bytearray, s: str) -> None:
    """Append ``s`` as Java's ``Hessian2Output.writeString`` does (any length, any characters)."""
    if s.isascii():
        data = s.encode()
        s16 = s
    else:
        data = s.encode("utf-8", "surrogatepass")
        s16 = s
        if len(data) != len(data.translate(None, _FOUR_BYTE_LEADS)):
            s16 = to_utf16_units(s)
            data = s16.encode("utf-8", "surrogatepass")
    units = len(s16)
    if units <= 0x8000:
        _put_header(buf, units)
        buf += data
        return
    start = 0
    while units - start > 0x8000:
        sub = 0x8000
        if 0xD800 <= ord(s16[start + sub - 1]) <= 0xDBFF:  # a chunk never ends on a high surrogate
            sub -= 1
        buf.append(0x52)
        buf += _pack_h(sub)
        buf += s16[start : start + sub].encode("utf-8", "surrogatepass")
        start += sub
    _put_header(buf, units - start)
    buf += s16[start:].encode("utf-8", "surrogatepass")


def read_units(data: bytes, pos: int, n: int, limit: int) -> tuple[str, int]:
    """Decode ``n`` UTF-16 units of CESU-8 at ``data[pos:]``, not reading past ``limit``.

    Returns the text (surrogates not yet joined: a pair may straddle two chunks) and the end offset.
    Java's lenient reader is the reference: it accepts overlong forms and does not check continuation
    bytes, but rejects lead bytes ``80..BF`` and ``F0..FF``.
    """
    end = pos + n
    if end > limit:
        raise _truncated(pos, n, limit)
    seg = data[pos:end]
    if seg.isascii():
        return seg.decode("ascii"), end
    # Each unit has exactly one non-continuation byte: grow the slice until it holds n of them.
    count = len(seg.translate(None, _CONTINUATION))
    rounds = 0
    while count < n:
        add = n - count
        rounds += 1
        if end + add > limit or rounds > 64:  # valid text converges geometrically; garbage does not
            return _read_units_java(data, pos, n, limit)
        count += len(data[end : end + add].translate(None, _CONTINUATION))
        end += add
    last = end - 1
    while last > pos and 0x80 <= data[last] < 0xC0 and end - last < 3:
        last -= 1
    seq_end = last + _SEQUENCE_LENGTH[data[last]]
    if seq_end < end or seq_end > limit or _SEQUENCE_LENGTH[data[last]] == 0:
        return _read_units_java(data, pos, n, limit)
    seg = data[pos:seq_end]
    if max(seg) >= 0xF0:
        return _read_units_java(data, pos, n, limit)
    try:
        s = seg.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        return _read_units_java(data, pos, n, limit)
    if len(s) != n:
        return _read_units_java(data, pos, n, limit)
    return s, seq_end


def _read_units_java(data: bytes, pos: int, n: int, limit: int) -> tuple[str, int]:
    """The slow, exact path: Java's ``parseUTF8Char`` unit by unit, with a precise error."""
    units: list[int] = []
    q = pos
    for _ in range(n):
        if q >= limit:
            raise _truncated(q, 1, limit)
        b = data[q]
        size = _SEQUENCE_LENGTH[b]
        if size == 0:
            raise HessianError(
                f"bad UTF-8 lead byte 0x{b:02x} in a string", offset=q, expected="a UTF-8 lead byte (00-7f, c0-ef)"
            )
        if q + size > limit:
            raise _truncated(q, size, limit)
        if size == 1:
            units.append(b)
        elif size == 2:
            units.append(((b & 0x1F) << 6) | (data[q + 1] & 0x3F))
        else:
            units.append(((b & 0x0F) << 12) | ((data[q + 1] & 0x3F) << 6) | (data[q + 2] & 0x3F))
        q += size
    return "".join(map(chr, units)), q


def _truncated(pos: int, need: int, limit: int) -> HessianError:
    return HessianError(
        f"input ends inside a string: {need} more byte(s) needed, {max(limit - pos, 0)} left",
        offset=pos,
        expected="string data",
    )


def float32(v: float) -> float:
    """Java's ``(float) v`` widened back to double: round to the nearest 32-bit float."""
    try:
        result: float = _unpack_f(_pack_f(v))[0]
    except OverflowError:
        return math.copysign(math.inf, v)
    return result


def float_as_java_boxed(v: float) -> float:
    """``Double.parseDouble(String.valueOf((float) v))``: the double Java writes for a boxed Float."""
    f = float32(v)
    if f == 0 or math.isinf(f) or math.isnan(f):
        return f
    packed = _pack_f(f)
    for digits in range(1, 10):
        candidate = float(f"{f:.{digits}g}")
        if float32(candidate) == f and _pack_f(candidate) == packed:
            return candidate
    return f
