"""Timeouts as Dubbo peers write them: Java's bare milliseconds or dubbo-go's Go durations.

Java Dubbo writes ``timeout=3000`` (milliseconds); dubbo-go configuration files write ``3s``, ``500ms`` or
``1m30s``, and those strings reach URL parameters unchanged. Every layer that reads a timeout (protocols,
registries, configuration) parses it here, so the same text means the same thing everywhere.
"""

from __future__ import annotations

import re
from typing import Final

from dubbopy.errors import ConfigError, RpcError, StatusCode
from dubbopy.url import URL

__all__ = ["parse_duration", "url_timeout"]

_DURATION: Final = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS: Final = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}


def parse_duration(text: str, *, default_unit: float = 1e-3) -> float:
    """Seconds from a Dubbo timeout: a bare integer counts ``default_unit`` seconds (milliseconds, as in
    Java, unless told otherwise), else a Go duration (``"5s"``, ``"1m30s"``, ``"500ms"``).

    Raises :class:`~dubbopy.errors.ConfigError` for anything else (negative numbers, unknown units,
    empty text).
    """
    value = text.strip()
    if value.isdigit():
        return int(value) * default_unit
    pos, total = 0, 0.0
    for m in _DURATION.finditer(value):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNIT_SECONDS[m.group(2)]
        pos = m.end()
    if not value or pos != len(value):
        raise ConfigError(f"timeout {text!r} is neither milliseconds nor a duration such as '5s' or '500ms'")
    return total


def url_timeout(url: URL, method: str) -> float | None:
    """``url``'s ``<method>.timeout`` or ``timeout`` in seconds (either form above); ``None`` when it has
    neither. Raises ``RpcError(INTERNAL)`` naming the value and the address: a call cannot go out with a
    timeout nobody can read."""
    value = url.get_method_param(method, "timeout")
    if value is None:
        return None
    try:
        return parse_duration(value)
    except ConfigError:
        raise RpcError(
            StatusCode.INTERNAL, f"URL parameter timeout={value!r} of {url.address} is not a timeout"
        ) from None
