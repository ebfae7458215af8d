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
inputs until the time is up. Usage: ``scripts/fuzz-hessian2 [--seconds 60] [--engine atheris|hypothesis]``.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import enum
import signal
import sys
import tempfile
import time
import traceback
import tracemalloc
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

try:
    import atheris
except ImportError:  # pragma: no cover - depends on the machine
    atheris = None

#: decided before the code under test is imported, since atheris instruments modules as they load
USE_ATHERIS = atheris is not None and not any(arg.endswith("hypothesis") for arg in sys.argv[1:])

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


class InputTooSlow(Exception):
    """An input took longer than the per-input time limit."""


class MemoryBlowUp(Exception):
    """An input made the code under test allocate more than the limit."""


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


def one_input(data: bytes, memory_limit: int) -> None:
    """Run one input; raise unless it decodes or fails with a HessianError."""
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    with contextlib.suppress(hs.HessianError):
        decode(data)
    peak = tracemalloc.get_traced_memory()[1] - before
    if peak > memory_limit:
        raise MemoryBlowUp(f"{len(data)}-byte input allocated {peak} bytes at peak")


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


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise InputTooSlow("one input ran past the per-input time limit")


def run_atheris(seconds: int, input_timeout: int, memory_limit: int, extra: list[str]) -> int:
    """Coverage-guided fuzzing for ``seconds``; libFuzzer itself reports timeouts and crashes."""
    assert atheris is not None
    corpus = Path(tempfile.mkdtemp(prefix="dubbopy-fuzz-hessian2-"))
    for i, seed in enumerate(seeds()):
        (corpus / f"seed-{i}").write_bytes(seed)
    artifacts = Path(tempfile.gettempdir()) / "dubbopy-fuzz-artifacts"
    artifacts.mkdir(exist_ok=True)
    argv = [
        sys.argv[0],
        str(corpus),
        f"-max_total_time={seconds}",
        f"-timeout={input_timeout}",
        "-max_len=8192",
        "-rss_limit_mb=2048",
        f"-artifact_prefix={artifacts}/hessian2-",
        "-print_final_stats=1",
        *extra,
    ]
    print(f"atheris: corpus {corpus}, crashes go to {artifacts}/", file=sys.stderr)
    atheris.Setup(argv, lambda data: one_input(data, memory_limit))
    atheris.Fuzz()  # exits the process when the time is up
    return 0


def run_hypothesis(seconds: int, input_timeout: int, memory_limit: int) -> int:
    """Random and mutated inputs (Hypothesis, which also shrinks a failure) until the time is up."""
    from hypothesis import HealthCheck, Phase, Verbosity, given, settings
    from hypothesis import strategies as st

    deadline = time.monotonic() + seconds
    examples = 0
    base = st.one_of(st.binary(max_size=2048), st.sampled_from(seeds()))
    mutated = st.builds(
        lambda b, at, junk: b[:at] + junk + b[at + len(junk) :], base, st.integers(0, 60000), st.binary(max_size=8)
    )
    truncated = st.builds(lambda b, at: b[:at], base, st.integers(0, 60000))
    repeated = st.builds(
        lambda head, body, n: head + body * n, base, st.binary(min_size=1, max_size=64), st.integers(1, 2000)
    )

    failing: list[bytes] = []

    @settings(
        max_examples=100,  # per round: the time limit is checked between rounds
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        verbosity=Verbosity.quiet,
    )
    @given(st.one_of(base, mutated, truncated, repeated))
    def check(data: bytes) -> None:
        nonlocal examples
        examples += 1
        signal.alarm(input_timeout)
        try:
            one_input(data, memory_limit)
        except BaseException:
            failing[:] = [data]  # the last failure is the shrunk one
            raise
        finally:
            signal.alarm(0)

    signal.signal(signal.SIGALRM, _alarm)
    rounds = 0
    while time.monotonic() < deadline:
        try:
            check()
        except Exception as exc:
            artifacts = Path(tempfile.gettempdir()) / "dubbopy-fuzz-artifacts"
            artifacts.mkdir(exist_ok=True)
            path = artifacts / f"hessian2-crash-{int(time.time())}"
            path.write_bytes(failing[0] if failing else b"")
            summary = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            print(f"hypothesis: FAILED after {examples} inputs: {summary[:800]}", file=sys.stderr)
            print(f"hypothesis: input ({len(path.read_bytes())} bytes) saved to {path}", file=sys.stderr)
            return 1
        rounds += 1
    print(f"hypothesis: {examples} inputs in {rounds} rounds, no failure", file=sys.stderr)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--seconds", type=int, default=60, help="total fuzzing time (default 60)")
    parser.add_argument(
        "--engine", choices=["atheris", "hypothesis"], default=None, help="default: atheris if installed"
    )
    parser.add_argument("--input-timeout", type=int, default=5, help="seconds one input may take (default 5)")
    parser.add_argument("--memory-mb", type=int, default=32, help="peak MiB one input may allocate (default 32)")
    args, extra = parser.parse_known_args()
    engine = args.engine or ("atheris" if USE_ATHERIS else "hypothesis")
    if engine == "atheris" and not USE_ATHERIS:
        parser.error("atheris is not installed: pip install atheris, or use --engine hypothesis")
    tracemalloc.start()
    memory_limit = args.memory_mb << 20
    if engine == "atheris":
        return run_atheris(args.seconds, args.input_timeout, memory_limit, extra)
    return run_hypothesis(args.seconds, args.input_timeout, memory_limit)


if __name__ == "__main__":
    sys.exit(main())
