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


def command_line(argv: list[str]) -> str:
    """The runner's command line as one would type it from the project root."""
    return shlex.join(["python", "benchmarks/run.py", *argv])


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


def _num(value: Any) -> str:
    return f"{value:,.0f}" if isinstance(value, int | float) else "—"


def _ms(value: Any) -> str:
    if not isinstance(value, int | float):
        return "—"
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _median(pair: dict[str, Any], case: str, key: str) -> Any:
    return pair["cases"].get(case, {}).get("median", {}).get(key)


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
        f"{settings.stream_warmup:,}-message warm-up. Median of {settings.repeats} run(s) per case."
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
    load = ", ".join(str(x) for x in meta["load_average"])
    out = []
    if settings.quick:
        out += ["**Quick smoke run (`--quick`): these figures are not measurements.**", ""]
    out += [
        f"Command: `{meta['command']}`  ",
        f"Date: {meta['date']}  ",
        f"Machine: {meta['nproc']} CPUs ({meta['usable_cpus']} usable), {meta['cpu_model']}; "
        f"{meta['platform']}; load average at start {load}  ",
        f"Python: {meta['python']}  ",
        f"Packages: {packages}  ",
        f"Workload: {_workload(settings)}",
        "",
        "| server ← client | unary c=1 calls/s | p50 ms | p99 ms | unary c=64 calls/s | p50 ms | p99 ms "
        "| stream msgs/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for pair in results:
        out.append(
            f"| {pair['server']} ← {pair['client']} "
            f"| {_num(_median(pair, 'unary1', 'calls_per_s'))} "
            f"| {_ms(_median(pair, 'unary1', 'p50_ms'))} | {_ms(_median(pair, 'unary1', 'p99_ms'))} "
            f"| {_num(_median(pair, 'unary64', 'calls_per_s'))} "
            f"| {_ms(_median(pair, 'unary64', 'p50_ms'))} | {_ms(_median(pair, 'unary64', 'p99_ms'))} "
            f"| {_num(_median(pair, 'stream', 'msgs_per_s'))} |"
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
        out.append(
            f"| {pair['server']} ← {pair['client']} "
            f"| {_num(_median(pair, 'unary1', 'server_cpu_us_per_call'))} "
            f"| {_num(_median(pair, 'unary64', 'server_cpu_us_per_call'))} "
            f"| {_num(_median(pair, 'stream', 'server_cpu_us_per_msg'))} "
            f"| {_num(_median(pair, 'unary1', 'cpu_us_per_call'))} "
            f"| {_num(_median(pair, 'unary64', 'cpu_us_per_call'))} "
            f"| {_num(_median(pair, 'stream', 'cpu_us_per_msg'))} "
            f"| {_rss(pair)} | {_growth(pair)} |"
        )
    run_keys = {case.key for case in cases}
    if run_keys != {"unary1", "unary64", "stream"}:
        out += ["", f"Only these cases were run: {', '.join(sorted(run_keys))}."]
    problems = _problems(results)
    if problems:
        out += ["", "Problems:", "", *problems]
    return "\n".join(out)


# ---------------------------------------------------------------------------------------------------
# the document


def replace_section(text: str, section: str) -> str:
    """``text`` with the part between the markers replaced by ``section`` (appended if no markers)."""
    block = f"{START_MARKER}\n{section.strip()}\n{END_MARKER}"
    start = text.find(START_MARKER)
    end = text.find(END_MARKER, start + len(START_MARKER)) if start >= 0 else -1
    if start < 0 or end < 0:
        return f"{text.rstrip()}\n\n{block}\n" if text.strip() else f"# Benchmarks\n\n{block}\n"
    return text[:start] + block + text[end + len(END_MARKER) :]


def write_section(path: Path, section: str) -> None:
    """Put ``section`` between the markers of the Markdown file at ``path`` (created if missing)."""
    text = path.read_text() if path.exists() else ""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(replace_section(text, section))
