"""``java.util.Properties`` text, read and written as Java does it, for files Java tools also read.

``#``/``!`` comments, ``key=value``, ``key:value`` or ``key value``, backslash line continuations, and
``\\``-escapes (``\\uXXXX`` for anything outside printable ASCII, ``=``, ``:``, ``#``, ``!`` and spaces in
keys), in ISO 8859-1. The registry address cache (:mod:`dubbopy.registry.cache`) is such a file.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from typing import Final

__all__ = ["dump_properties", "load_properties"]

_ESCAPES: Final = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\f": "\\f"}
_UNESCAPES: Final = {"t": "\t", "n": "\n", "r": "\r", "f": "\f"}
_BLANK: Final = " \t\f"


def _escape(text: str, *, key: bool) -> str:
    """Java ``Properties.saveConvert`` with ``escUnicode``: what ``store(OutputStream, …)`` writes."""
    out: list[str] = []
    for i, ch in enumerate(text):
        if ch == " ":
            out.append("\\ " if key or i == 0 else " ")
        elif ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch in "=:#!":
            out.append("\\" + ch)
        elif " " < ch < "\x7f":
            out.append(ch)
        else:  # Java escapes UTF-16 code units: a character beyond the BMP becomes a surrogate pair
            units = ch.encode("utf-16-be")
            out += (f"\\u{int.from_bytes(units[j : j + 2]):04X}" for j in range(0, len(units), 2))
    return "".join(out)


def dump_properties(entries: Mapping[str, str], comment: str | None = None) -> str:
    """``entries`` as Java's ``Properties.store`` writes them (the ``comment`` line, if any, and the date;
    keys sorted; pure ASCII)."""
    lines = [] if comment is None else [f"#{comment}"]
    lines.append("#" + time.strftime("%a %b %d %H:%M:%S %Z %Y"))
    lines += [f"{_escape(k, key=True)}={_escape(v, key=False)}" for k, v in sorted(entries.items())]
    return "\n".join(lines) + "\n"


def _logical_lines(text: str) -> list[str]:
    """Java ``Properties.LineReader``: natural lines joined across ``\\``-continuations, without comments,
    blank lines and leading blanks."""
    result: list[str] = []
    pending: str | None = None
    for natural in re.split(r"\r\n|\r|\n", text):
        line = natural.lstrip(_BLANK)
        if pending is None and (not line or line[0] in "#!"):
            continue
        trailing = len(line) - len(line.rstrip("\\"))
        if trailing % 2:
            pending = (pending or "") + line[:-1]
            continue
        result.append((pending or "") + line)
        pending = None
    if pending is not None:
        result.append(pending)
    return result


def _unescape(text: str) -> str:
    """Java ``Properties.loadConvert``; raises :class:`ValueError` on a malformed ``\\uXXXX``."""
    out: list[str] = []
    i = 0
    while i < len(text):
        ch = text[i]
        i += 1
        if ch != "\\" or i == len(text):
            out.append(ch)
            continue
        ch = text[i]
        i += 1
        if ch == "u":
            digits = text[i : i + 4]
            if len(digits) != 4 or any(c not in "0123456789abcdefABCDEF" for c in digits):
                raise ValueError(f"malformed \\uxxxx escape {'u' + digits!r} after a backslash")
            out.append(chr(int(digits, 16)))
            i += 4
        else:
            out.append(_UNESCAPES.get(ch, ch))
    # \uXXXX escapes are UTF-16 code units: join surrogate pairs (a lone surrogate raises)
    return "".join(out).encode("utf-16-le", "surrogatepass").decode("utf-16-le")


def _split_entry(line: str) -> tuple[str, str]:
    """Key and value of a logical line, both still escaped: the key ends at the first unescaped ``=``,
    ``:`` or blank; blanks and at most one ``=``/``:`` separate it from the value."""
    i, escaped = 0, False
    while i < len(line):
        ch = line[i]
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch in "=:" or ch in _BLANK:
            break
        i += 1
    if i == len(line):
        return line, ""
    separated = line[i] in "=:"
    j = i + 1
    while j < len(line):
        ch = line[j]
        if ch not in _BLANK:
            if separated or ch not in "=:":
                break
            separated = True
        j += 1
    return line[:i], line[j:]


def load_properties(text: str) -> dict[str, str]:
    """Parse a ``java.util.Properties`` file (as ``load(InputStream)`` reads it: decode the bytes as
    ISO-8859-1 first). Raises :class:`ValueError` on a malformed escape."""
    entries: dict[str, str] = {}
    for line in _logical_lines(text):
        key, value = _split_entry(line)
        entries[_unescape(key)] = _unescape(value)
    return entries
