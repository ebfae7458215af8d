"""Fuzz the Hessian 2 decoder with whatever bytes a peer could send.

The property: whatever arrives, :class:`Hessian2Decoder` either returns values or refuses the input
with a :class:`HessianError` (a :class:`~dubbopy.errors.DecodeError`). Any other exception is a bug —
``IndexError``, ``RecursionError``, ``MemoryError``, an error escaping from a registered class — and so
is an input that takes more than ``--input-timeout`` seconds or makes Python allocate more than
``--memory-mb`` MiB at peak (``tracemalloc``). When the input decodes, the values must re-encode
without error and the re-encoded bytes must decode again (the encoder and decoder agree on every value
the decoder can produce, including cycles).

The first input byte chooses the decoder's options: keep_java_types, tight limits (depth 8, 64
elements, 256 units), and whether to read one value (``loads``) or a stream of values until the end.
Registered classes (a dataclass with typed fields, an enum, an exception) are in the registry so the
fuzzer reaches those paths.

Runs under atheris (libFuzzer, coverage-guided) when it is installed, otherwise Hypothesis generates
inputs until the time is up. Usage: ``scripts/fuzz hessian2 [--seconds 60] [--engine atheris|hypothesis]``.
"""

from __future__ import annotations

import datetime
import enum
import sys
from dataclasses import dataclass, field
from typing import Any

from fuzz_runner import USE_ATHERIS, Target, atheris, main

if USE_ATHERIS:
    with atheris.instrument_imports(include=["dubbopy"]):
        from dubbopy.serialization import hessian2 as hs
else:
    from dubbopy.serialization import hessian2 as hs

REGISTRY = hs.ClassRegistry()


@REGISTRY.java_class("org.example.Address")
@dataclass
class Address:
    """A nested POJO."""

    city: str
    zip: hs.JInt = 0


@REGISTRY.java_class("org.example.User")
@dataclass
class User:
    """A POJO with typed fields of every kind."""

    name: str
    age: hs.JInt
    tags: tuple[str, ...] = ()
    address: Address | None = None
    born: datetime.datetime | None = None
    scores: dict[str, hs.JFloat] = field(default_factory=dict)


@REGISTRY.java_class("org.example.Color")
class Color(enum.Enum):
    """An enum."""

    RED = "RED"
    GREEN = "GREEN"


@REGISTRY.java_class("org.example.NotFound")
class NotFound(Exception):
    """A registered exception."""


def decode(data: bytes) -> None:
    """Decode ``data`` with options from its first byte; re-encode what decoded and decode that again."""
    if not data:
        return
    flags, body = data[0], data[1:]
    limits: dict[str, Any] = {"keep_java_types": bool(flags & 1)}
    if flags & 2:
        limits.update(max_depth=8, max_collection=64, max_string=256, max_binary=256)
    if flags & 4:
        values = [hs.loads(body, registry=REGISTRY, **limits)]
    else:
        decoder = hs.Hessian2Decoder(body, registry=REGISTRY, **limits)
        values = []
        while not decoder.at_end:
            values.append(decoder.read())
    encoder = hs.Hessian2Encoder(registry=REGISTRY, max_depth=limits.get("max_depth", 64))
    for value in values:
        encoder.write(value)
    again = hs.Hessian2Decoder(encoder.getvalue(), registry=REGISTRY, **limits)
    for _ in values:
        again.read()
    assert again.at_end, "re-encoded values must decode to the same number of values"


def seeds() -> list[bytes]:
    """Valid streams to start from, so the fuzzer does not have to discover Hessian from nothing."""
    user = User(
        "alice", 30, ("a", "b"), Address("Hangzhou", 310000), datetime.datetime(2020, 1, 2, tzinfo=datetime.UTC)
    )
    user.scores["x"] = 1.5
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    trouble = NotFound("no user")
    trouble.__cause__ = hs.JavaThrowable("java.io.IOException", "disk")
    values: list[Any] = [
        user,
        [user, user, Color.RED, Color.RED],
        {"k": [1, 2**40, 1.5, 0.001, "中文\U0001f600", b"\x00" * 20, None, True], 7: hs.JInt(-3)},
        hs.JavaObject("com.x.Thing", {"self": None, "n": hs.JLong(1)}),
        hs.JavaList("java.util.LinkedList", [hs.int_array([1, 2]), hs.string_array(["s"])]),
        hs.JavaMap("java.util.TreeMap", {"a": hs.JavaEnum("com.x.E", "A")}),
        __import__("decimal").Decimal("123.45"),
        __import__("uuid").UUID(int=5),
        hs.JBigInteger(2**100),
        trouble,
        cyclic,
    ]
    out = [bytes([i % 8]) + hs.dumps(value, registry=REGISTRY) for i, value in enumerate(values)]
    for flags in (0, 1):
        encoder = hs.Hessian2Encoder(registry=REGISTRY)
        for value in values:
            encoder.write(value)
        out.append(bytes([flags]) + encoder.getvalue())
    # chunked string and binary (Java only chunks past 32 KiB; any chunk size is valid)
    out.append(bytes.fromhex("00 52 00 02 61 ed a0 bd 52 00 01 ed b8 80 01 62 41 00 02 01 02 21 03 57 90 5a 55 90 5a"))
    return out


if __name__ == "__main__":
    sys.exit(main(Target("hessian2", decode, (hs.HessianError,), seeds), __doc__.split("\n\n")[0]))
