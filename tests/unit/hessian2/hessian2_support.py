"""Shared helpers of the Hessian 2 tests: a private registry with the spec's example classes, a deep
comparison that also compares Java types, and hex helpers."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from typing import Any

from dubbopy.serialization.hessian2 import (
    ClassRegistry,
    JavaList,
    JavaMap,
    JavaObject,
    JavaThrowable,
    JInt,
    dumps,
    loads,
)

REG = ClassRegistry()


@REG.java_class("org.example.User")
@dataclass
class User:
    """``class User { String name; int age; }`` of spec/hessian2.md §6.3."""

    name: str
    age: JInt


@REG.java_class("org.example.Color")
class Color(enum.Enum):
    """``enum Color { RED, GREEN }``."""

    RED = "RED"
    GREEN = "GREEN"


def h(text: str) -> bytes:
    """Hex with spaces, and ``"quoted"`` text standing for its UTF-8 bytes (the spec's notation)."""
    out = bytearray()
    for i, part in enumerate(text.split('"')):
        out += part.encode() if i % 2 else bytes.fromhex(part)
    return bytes(out)


def enc(value: Any, **kw: Any) -> bytes:
    """dumps with the test registry."""
    return dumps(value, registry=REG, **kw)


def dec(data: bytes, **kw: Any) -> Any:
    """loads with the test registry, keeping Java types."""
    kw.setdefault("keep_java_types", True)
    return loads(data, registry=REG, **kw)


def same(a: Any, b: Any, *, strict_types: bool = True) -> bool:
    """Deep equality that also compares Java types (JInt vs plain int, JavaList types), float bits and
    exception contents, and copes with cycles (cyclic positions must match)."""
    return _same(a, b, strict_types, {})


def _same(a: Any, b: Any, strict: bool, seen: dict[int, int]) -> bool:
    if id(a) in seen:
        return seen[id(a)] == id(b)
    if isinstance(a, float) and isinstance(b, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and math.copysign(1, a) == math.copysign(1, b))
    if strict and isinstance(a, int) and not isinstance(a, bool) and type(a) is not type(b):
        return False
    if isinstance(a, list | dict | JavaObject | JavaThrowable):
        seen[id(a)] = id(b)
    if (isinstance(a, JavaList) or isinstance(b, JavaList)) and not (
        isinstance(a, JavaList) and isinstance(b, JavaList) and a.java_type == b.java_type
    ):
        return False
    if (isinstance(a, JavaMap) or isinstance(b, JavaMap)) and not (
        isinstance(a, JavaMap) and isinstance(b, JavaMap) and a.java_type == b.java_type
    ):
        return False
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y, strict, seen) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return list(a) == list(b) and all(_same(a[k], b[k], strict, seen) for k in a)
    if isinstance(a, JavaObject) and isinstance(b, JavaObject):
        return a.class_name == b.class_name and _same(a.fields, b.fields, strict, seen)
    if isinstance(a, JavaThrowable) and isinstance(b, JavaThrowable):
        if a.class_name != b.class_name or a.message != b.message:
            return False
        return not (a.fields and b.fields) or _same(a.fields, b.fields, strict, seen)
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if not strict and isinstance(a, int) and isinstance(b, int):
        return isinstance(a, bool) == isinstance(b, bool) and a == b
    return type(a) is type(b) and bool(a == b)
