"""What every fuzz target shares: engines (atheris or Hypothesis), time and memory limits, the CLI.

A target module imports the code under test (instrumented by atheris when it runs), defines
``run_input(data)`` — which may raise only the errors the decoder is allowed to raise, listed in
``allowed`` — and a few valid ``seeds``, and ends with ``sys.exit(main(Target(...)))``. The runner fails
on any other exception, on an input that runs past ``--input-timeout`` seconds, and on one that makes
Python allocate more than ``--memory-mb`` MiB at peak (tracemalloc). Crash inputs go under
``$TMPDIR/dubbopy-fuzz-artifacts/<name>-*``.
"""

from __future__ import annotations

import argparse
import contextlib
import signal
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import FrameType

try:
    import atheris
except ImportError:  # pragma: no cover - depends on the machine
    atheris = None

#: decided before the code under test is imported, since atheris instruments modules as they load
USE_ATHERIS = atheris is not None and not any(arg.endswith("hypothesis") for arg in sys.argv[1:])


class InputTooSlow(Exception):
    """One input ran past the per-input time limit."""


class MemoryBlowUp(Exception):
    """One input made the code under test allocate more than the limit."""


@dataclass(frozen=True)
class Target:
    """A fuzz target: its name (for artifacts), one input's run, the errors it may raise, seeds."""

    name: str
    run_input: Callable[[bytes], None]
    allowed: tuple[type[BaseException], ...]
    seeds: Callable[[], Sequence[bytes]]
    max_len: int = 65536


def one_input(target: Target, data: bytes, memory_limit: int) -> None:
    """Run one input; raise unless it ends normally or with an allowed error, or if it allocated too much."""
    tracemalloc.reset_peak()
    before = tracemalloc.get_traced_memory()[0]
    with contextlib.suppress(*target.allowed):
        target.run_input(data)
    peak = tracemalloc.get_traced_memory()[1] - before
    if peak > memory_limit:
        raise MemoryBlowUp(f"{len(data)}-byte input allocated {peak} bytes at peak")


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise InputTooSlow("one input ran past the per-input time limit")


def run_atheris(target: Target, seconds: int, input_timeout: int, memory_limit: int, extra: list[str]) -> int:
    """Coverage-guided fuzzing for ``seconds``; libFuzzer itself reports timeouts and crashes."""
    assert atheris is not None
    corpus = Path(tempfile.mkdtemp(prefix=f"dubbopy-fuzz-{target.name}-corpus-"))
    for i, seed in enumerate(target.seeds()):
        (corpus / f"seed-{i}").write_bytes(seed)
    artifacts = Path(tempfile.gettempdir()) / "dubbopy-fuzz-artifacts"
    artifacts.mkdir(exist_ok=True)
    argv = [
        sys.argv[0],
        str(corpus),
        f"-max_total_time={seconds}",
        f"-timeout={input_timeout}",
        f"-max_len={target.max_len}",
        "-rss_limit_mb=2048",
        f"-artifact_prefix={artifacts}/{target.name}-",
        "-print_final_stats=1",
        *extra,
    ]
    print(f"atheris: corpus {corpus}, crashes go to {artifacts}/{target.name}-*", file=sys.stderr)
    atheris.Setup(argv, lambda data: one_input(target, data, memory_limit))
    atheris.Fuzz()  # exits the process when the time is up
    return 0


def run_hypothesis(target: Target, seconds: int, input_timeout: int, memory_limit: int) -> int:
    """Random inputs (Hypothesis, which also shrinks a failure) until the time is up."""
    from hypothesis import HealthCheck, Phase, given, settings
    from hypothesis import strategies as st

    deadline = time.monotonic() + seconds
    examples = 0
    # Hypothesis draws at most a few KiB per example, so long inputs are built by mutating and repeating
    base = st.one_of(st.binary(max_size=4096), st.sampled_from(list(target.seeds())))
    mutated = st.builds(
        lambda b, at, junk: b[:at] + junk + b[at + len(junk) :], base, st.integers(0, 20000), st.binary()
    )
    repeated = st.builds(
        lambda head, body, n: head + body * n, base, st.binary(min_size=1, max_size=600), st.integers(1, 60)
    )

    @settings(
        max_examples=100,  # per round: the time limit is checked between rounds
        deadline=None,
        database=None,
        phases=[Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
    )
    @given(st.one_of(base, mutated, repeated))
    def check(data: bytes) -> None:
        nonlocal examples
        examples += 1
        signal.alarm(input_timeout)
        try:
            one_input(target, data, memory_limit)
        finally:
            signal.alarm(0)

    signal.signal(signal.SIGALRM, _alarm)
    rounds = 0
    while time.monotonic() < deadline:
        check()
        rounds += 1
    print(f"hypothesis: {examples} inputs in {rounds} rounds, no failure", file=sys.stderr)
    return 0


def main(target: Target, description: str | None = None) -> int:
    """The command line every target shares."""
    parser = argparse.ArgumentParser(description=description)
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
        return run_atheris(target, args.seconds, args.input_timeout, memory_limit, extra)
    return run_hypothesis(target, args.seconds, args.input_timeout, memory_limit)
