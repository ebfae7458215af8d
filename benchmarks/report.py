"""Turn the runner's results into the Markdown section of ``docs/benchmarks.md``.

The section lives between ``<!-- bench:start -->`` and ``<!-- bench:end -->``; everything outside the
markers (the prose written by people) is kept as it is. Each section records the exact command, the
date, the machine and the versions of every package involved, so that a figure can be traced back.
"""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform
import shlex
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

START_MARKER = "<!-- bench:start -->"
END_MARKER = "<!-- bench:end -->"
PACKAGES = (
    "dubbopy",
    "grpcio",
    "grpcio-tools",
    "protobuf",
    "grpclib",
    "h2",
    "hpack",
    "hyperframe",
    "apache-dubbo",
    "uvloop",
    "psutil",
)


class CaseLike(Protocol):
    """What the renderer needs of ``run.Case``."""

    key: str
    mode: str


class SettingsLike(Protocol):
    """What the renderer needs of ``run.Settings``."""

    calls: int
    seconds: float
    warmup: int
    stream_warmup: int
    stream_n: int
    repeats: int
    quick: bool


# ---------------------------------------------------------------------------------------------------
# facts


def command_line(argv: list[str], script: str = "benchmarks/run.py") -> str:
    """The runner's command line as one would type it from the project root."""
    return shlex.join(["python", script, *argv])


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def machine_facts(command: str) -> dict[str, Any]:
    """Date, command, CPUs, load, OS, Python and package versions, taken at the start of the run."""
    return {
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu_model": _cpu_model(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "packages": {name: _version(name) for name in PACKAGES},
    }


# ---------------------------------------------------------------------------------------------------
# rendering


def run_header(meta: dict[str, Any], *, quick: bool) -> list[str]:
    """The lines every recorded run starts with: a warning for a ``--quick`` smoke run, then the exact
    command, the date and the machine (its load average at the start included)."""
    load = ", ".join(str(x) for x in meta["load_average"])
    out = ["**Quick smoke run (`--quick`): these figures are not measurements.**", ""] if quick else []
    return [
        *out,
        f"Command: `{meta['command']}`  ",
        f"Date: {meta['date']}  ",
        f"Machine: {meta['nproc']} CPUs ({meta['usable_cpus']} usable), {meta['cpu_model']}; "
        f"{meta['platform']}; load average at start {load}  ",
    ]


def _num(value: Any) -> str:
    return f"{value:,.0f}" if isinstance(value, int | float) else "—"


def _ms(value: Any) -> str:
    if not isinstance(value, int | float):
        return "—"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _median(pair: dict[str, Any], case: str, key: str) -> Any:
    return pair["cases"].get(case, {}).get("median", {}).get(key)


def _cell(pair: dict[str, Any], case: str, key: str, fmt: Callable[[Any], str]) -> str:
    """A figure; ``n/a`` for a case the pair cannot run (no streams, no POJO), ``—`` if it has none."""
    if case in pair.get("skipped", ()):
        return "n/a"
    return fmt(_median(pair, case, key))


#: (row suffix, case of the c=1 columns, case of the c=64 columns, case of the stream column)
ROW_KINDS = (("", "unary1", "unary64", "stream"), (" (POJO)", "pojo1", "pojo64", ""))
ALL_CASES = frozenset({"unary1", "unary64", "stream", "pojo1", "pojo64"})


def _rows(pair: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The table rows of a pair: the string echo, and the POJO echo when the pair ran it."""
    name = f"{pair['server']} ← {pair['client']}"
    rows = []
    for suffix, c1, c64, stream in ROW_KINDS:
        if suffix and not ({c1, c64} & set(pair["cases"])):
            continue
        rows.append((name + suffix, c1, c64, stream))
    return rows


def _rss(pair: dict[str, Any]) -> str:
    ready, end = pair.get("server_rss_ready_mb"), pair.get("server_rss_end_mb")
    if ready is None:
        return "—"
    return f"{ready:.0f} → {end:.0f}" if end is not None else f"{ready:.0f} → ?"


def _growth(pair: dict[str, Any]) -> str:
    value = pair.get("server_rss_growth_kb_per_call")
    return f"{value:.2f}" if isinstance(value, int | float) else "—"


def _workload(settings: SettingsLike) -> str:
    return (
        f"`bench.Greeter`, 100-byte request, servers and clients in separate processes on loopback. "
        f"Unary: {settings.warmup:,} warm-up calls, then {settings.calls:,} calls or {settings.seconds:g} s, "
        f"whichever comes first. Stream: one stream of {settings.stream_n:,} messages after a "
        f"{settings.stream_warmup:,}-message warm-up. Median of {settings.repeats} run(s) per case. "
        f"Interface-style peers (`dubbopy_dubbo` on dubbo://, `dubbopy_triple_wrapper` on tri:// in wrapper "
        f"mode) echo the same 98-character string with `String echo(String)`, and in the (POJO) rows a "
        f"`User` POJO (218 bytes of Hessian 2: a nested POJO, a list, a date) with `User echoUser(User)`; "
        f"`raw_tcp` echoes 100-byte frames over bare asyncio TCP (the ceiling). n/a: the pair cannot run "
        f"the case (dubbo:// and raw TCP have no streams)."
    )


def _problems(results: list[dict[str, Any]]) -> list[str]:
    lines = []
    for pair in results:
        name = f"{pair['server']} ← {pair['client']}"
        if pair.get("failure"):
            lines.append(f"- {name}: {pair['failure']}")
        for case_key, case in pair["cases"].items():
            for text, count in case["median"].get("errors", {}).items():
                lines.append(f"- {name}, {case_key}: `{text}` ({count} times)")
        stop = pair.get("stop") or {}
        if stop.get("killed"):
            lines.append(f"- {name}: the server ignored SIGTERM for {stop['seconds']} s and was killed")
        elif stop.get("returncode") not in (0, None) and not stop.get("exited_before_stop"):
            lines.append(f"- {name}: the server exited with {stop['returncode']} on SIGTERM")
    return lines


def render(results: list[dict[str, Any]], cases: list[CaseLike], settings: SettingsLike, meta: dict[str, Any]) -> str:
    """The Markdown that goes between the markers (the markers themselves excluded)."""
    packages = ", ".join(f"{k} {v}" for k, v in meta["packages"].items() if v != "not installed")
    out = run_header(meta, quick=settings.quick)
    out += [
        f"Python: {meta['python']}  ",
        f"Packages: {packages}  ",
        f"Workload: {_workload(settings)}",
        "",
        "| server ← client | unary c=1 calls/s | p50 ms | p99 ms | unary c=64 calls/s | p50 ms | p99 ms "
        "| stream msgs/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for pair in results:
        for name, c1, c64, stream in _rows(pair):
            out.append(
                f"| {name} "
                f"| {_cell(pair, c1, 'calls_per_s', _num)} "
                f"| {_cell(pair, c1, 'p50_ms', _ms)} | {_cell(pair, c1, 'p99_ms', _ms)} "
                f"| {_cell(pair, c64, 'calls_per_s', _num)} "
                f"| {_cell(pair, c64, 'p50_ms', _ms)} | {_cell(pair, c64, 'p99_ms', _ms)} "
                f"| {_cell(pair, stream, 'msgs_per_s', _num) if stream else 'n/a'} |"
            )
    out += [
        "",
        "CPU time in µs per call (stream: per message), user + system over all threads, during the timed "
        "phase only (the server's read with psutil at the client's markers). Server memory: RSS after "
        "READY → after the last run, and the median RSS growth per unary call served.",
        "",
        "| server ← client | server c=1 | server c=64 | server stream | client c=1 | client c=64 "
        "| client stream | server RSS MB | RSS growth KB/call |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for pair in results:
        for name, c1, c64, stream in _rows(pair):
            no_stream = "n/a"
            out.append(
                f"| {name} "
                f"| {_cell(pair, c1, 'server_cpu_us_per_call', _num)} "
                f"| {_cell(pair, c64, 'server_cpu_us_per_call', _num)} "
                f"| {_cell(pair, stream, 'server_cpu_us_per_msg', _num) if stream else no_stream} "
                f"| {_cell(pair, c1, 'cpu_us_per_call', _num)} "
                f"| {_cell(pair, c64, 'cpu_us_per_call', _num)} "
                f"| {_cell(pair, stream, 'cpu_us_per_msg', _num) if stream else no_stream} "
                f"| {_rss(pair)} | {_growth(pair)} |"
            )
    run_keys = {case.key for case in cases}
    if run_keys != ALL_CASES:
        out += ["", f"Only these cases were run: {', '.join(sorted(run_keys))}."]
    problems = _problems(results)
    if problems:
        out += ["", "Problems:", "", *problems]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------
# the document


def replace_section(text: str, section: str, *, start: str = START_MARKER, end: str = END_MARKER) -> str:
    """``text`` with the part between the markers replaced by ``section`` (appended if no markers)."""
    block = f"{start}\n{section.strip()}\n{end}"
    at = text.find(start)
    until = text.find(end, at + len(start)) if at >= 0 else -1
    if at < 0 or until < 0:
        return f"{text.rstrip()}\n\n{block}\n" if text.strip() else f"# Benchmarks\n\n{block}\n"
    return text[:at] + block + text[until + len(end) :]


def write_section(path: Path, section: str, *, start: str = START_MARKER, end: str = END_MARKER) -> None:
    """Put ``section`` between the markers of the Markdown file at ``path`` (created if missing)."""
    text = path.read_text() if path.exists() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(replace_section(text, section, start=start, end=end))
