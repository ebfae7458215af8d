"""Typed values of a ``dubbogo.yml`` file: the converters the loader applies to each key, and the
declarative field schema the config dataclasses are built from.

Every converter takes the raw value (as PyYAML's ``safe_load`` or an environment variable gives it) and
the dotted path of the key in the file, and raises :class:`~dubbopy.errors.ConfigError` whose message
starts with that path (``dubbo.registries.zk.timeout: '3x' is not a duration ...``).

dubbo-go declares most settings as Go strings (``retries: "3"``, ``port: "20000"``), so every converter
accepts the string spelling as well as the YAML scalar; that is also what makes environment overrides
(always strings) work for every key.
"""

from __future__ import annotations

import contextlib
import dataclasses
import difflib
import re
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any, Final

from dubbopy._duration import parse_duration
from dubbopy.errors import ConfigError

__all__ = [
    "Kind",
    "ListOf",
    "MapOf",
    "Nested",
    "as_bool",
    "as_duration",
    "as_int",
    "as_list",
    "as_params",
    "as_raw",
    "as_size",
    "as_str",
    "did_you_mean",
    "millis",
    "option",
]

_SIZE: Final = re.compile(r"(\d+(?:\.\d+)?)\s*([a-z]*)")
_SIZE_UNITS: Final = {
    "": 1,
    "b": 1,
    "k": 1000,
    "kb": 1000,
    "kib": 1024,
    "m": 1000**2,
    "mb": 1000**2,
    "mib": 1024**2,
    "g": 1000**3,
    "gb": 1000**3,
    "gib": 1024**3,
}


def _error(path: str, message: str) -> ConfigError:
    return ConfigError(f"{path}: {message}")


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """`` (did you mean 'registries'?)`` when ``word`` is close to one of ``choices``, else ``""``."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# ----------------------------------------------------------------------------------------- scalars


def as_str(value: object, path: str) -> str:
    """A string; YAML numbers are taken as written (``version: 1.0`` is ``"1.0"``), booleans are refused
    because ``group: yes`` is almost always a mistake."""
    if isinstance(value, str):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    raise _error(path, f"{value!r} is not a string")


def as_int(value: object, path: str) -> int:
    """An integer, from a YAML integer or a decimal string (``"20000"``, as dubbo-go writes ports)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d+\s*", value):
        return int(value)
    raise _error(path, f"{value!r} is not an integer")


def as_bool(value: object, path: str) -> bool:
    """``true``/``false``, from YAML or as a string in any case."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise _error(path, f"{value!r} is not a boolean (true or false)")


def as_duration(value: object, path: str) -> float:
    """Seconds, from a Go duration (``"3s"``, ``"500ms"``, ``"1m30s"``) or a bare integer, which is read
    as milliseconds as Java Dubbo writes timeouts (``3000``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise _error(path, f"{value!r} is negative")
        return value / 1000
    if isinstance(value, str):
        with contextlib.suppress(ConfigError):
            return parse_duration(value)
    raise _error(path, f"{value!r} is not a duration (such as '3s', '500ms', '1m30s', or milliseconds)")


def as_size(value: object, path: str) -> int:
    """Bytes, from an integer or a size as dubbo-go writes it (``"4mib"``, ``"1mb"``, ``"512kb"``)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        m = _SIZE.fullmatch(value.strip().lower())
        if m and m.group(2) in _SIZE_UNITS:
            return int(float(m.group(1)) * _SIZE_UNITS[m.group(2)])
    raise _error(path, f"{value!r} is not a size (such as 4194304, '4mib' or '1mb')")


def as_list(value: object, path: str) -> tuple[str, ...]:
    """A list of names, from a YAML list or a comma-separated string (``registry-ids: zk,etcd``)."""
    if isinstance(value, str):
        return tuple(part.strip() for part in value.split(",") if part.strip())
    if isinstance(value, list):
        return tuple(as_str(item, f"{path}[{i}]") for i, item in enumerate(value))
    raise _error(path, f"{value!r} is not a list of names")


def as_params(value: object, path: str) -> Mapping[str, str]:
    """A read-only ``name → text`` mapping (``params:``); scalar values are written as Java would."""
    if value is None:
        return MappingProxyType({})
    if not isinstance(value, Mapping):
        raise _error(path, f"{value!r} is not a mapping of parameters")
    params: dict[str, str] = {}
    for key, item in value.items():
        name = as_str(key, path)
        if isinstance(item, bool):
            params[name] = "true" if item else "false"
        else:
            params[name] = as_str(item, f"{path}.{name}")
    return MappingProxyType(params)


def as_raw(value: object, path: str) -> Any:
    """Kept as parsed, unchecked (sections dubbopy does not interpret yet)."""
    del path
    return value


def millis(seconds: float) -> int:
    """Seconds as the whole milliseconds Java writes in URL parameters (``timeout=3000``)."""
    return round(seconds * 1000)


# ------------------------------------------------------------------------------------------ schema


@dataclasses.dataclass(frozen=True, slots=True)
class Nested:
    """A key whose value is one config object (``application:``)."""

    cls: type[Any]


@dataclasses.dataclass(frozen=True, slots=True)
class MapOf:
    """A key whose value maps ids to config objects (``registries: {zk: ...}``)."""

    cls: type[Any]


@dataclasses.dataclass(frozen=True, slots=True)
class ListOf:
    """A key whose value is a list of config objects (``methods: [{name: ...}]``)."""

    cls: type[Any]


#: How a field's value is read: a converter ``(raw, path) -> value`` or a nested schema.
Kind = Callable[[object, str], Any] | Nested | MapOf | ListOf


def option(key: str, kind: Kind, default: Any = None, *, required: bool = False) -> Any:
    """A dataclass field read from the YAML key ``key`` (dubbo-go's spelling) with ``kind``."""
    meta = {"key": key, "kind": kind, "required": required}
    if isinstance(kind, MapOf) or kind is as_params:
        return dataclasses.field(default_factory=lambda: MappingProxyType({}), metadata=meta)
    if isinstance(kind, ListOf):
        return dataclasses.field(default=(), metadata=meta)
    if isinstance(kind, Nested):
        return dataclasses.field(default_factory=kind.cls, metadata=meta)
    return dataclasses.field(default=default, metadata=meta)
