"""Run the common benchmark workload for server ← client peer pairs and record the medians.

For every pair (``grpcio_aio`` means server ``grpcio_aio`` ← client ``grpcio_aio``; ``a:b`` means server
``a`` ← client ``b``) this starts ``benchmarks/peers/<server>_server.py`` on a free loopback port, waits
for ``READY``, then runs, in rounds so that drift spreads over all cases, unary c=1, unary c=64 and one
stream of 10,000 messages (and, for the peers that echo a POJO, the POJO at c=1 and c=64), each
``--repeats`` times (3). A pair runs only the cases both its peers can (``CAPABILITIES``): the
dubbo-protocol and raw TCP peers have no streams. Around the timed phase of every client run
(the client marks it on stderr) it reads the server's CPU time with psutil, and its RSS before and after
each run. The server is stopped with SIGTERM. The medians go to ``docs/benchmarks.md`` between
``<!-- bench:start -->`` and ``<!-- bench:end -->`` (see ``report.py``), the raw runs to ``--json``.

    python benchmarks/run.py                          # every pair, full runs (takes minutes)
    python benchmarks/run.py --quick --peers grpcio_aio --no-write

The machine is shared: full runs belong on a quiet machine, and only ratios within one run count.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import IO, Any

import codegen
import psutil
import report

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
PEERS_DIR = BENCH_DIR / "peers"
DOC = ROOT / "docs" / "benchmarks.md"

#: Pairs run in this order when ``--peers`` is not given; other peers found in ``peers/`` follow.
PREFERRED = (
    "grpcio_sync",
    "grpcio_aio",
    "grpclib",
    "apache_dubbo",
    "dubbopy_triple",
    "dubbopy_dubbo",
    "dubbopy_triple_wrapper",
    "raw_tcp",
)
WARMED_MARKER = b"BENCH-WARMED"
TIMED_END_MARKER = b"BENCH-TIMED-END"
READY_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Case:
    """One benchmark case: a client mode at a concurrency."""

    key: str
    label: str
    mode: str
    concurrency: int
    payload: str = ""  # the client's --payload, for peers that echo something else than the string


CASES = {
    "unary1": Case("unary1", "unary c=1", "unary", 1),
    "unary64": Case("unary64", "unary c=64", "unary", 64),
    "stream": Case("stream", "stream", "stream", 1),
    "pojo1": Case("pojo1", "pojo c=1", "unary", 1, "pojo"),
    "pojo64": Case("pojo64", "pojo c=64", "unary", 64, "pojo"),
}

#: The cases a peer can run; a peer not named here serves or calls ``bench.Greeter`` (unary and stream).
#: The interface-style peers (``echo_service.py``) echo a string or a POJO and have no streams; the raw
#: TCP echo has neither streams nor POJOs. A pair runs the cases both its server and its client can.
GREETER_CASES = frozenset({"unary1", "unary64", "stream"})
CAPABILITIES: dict[str, frozenset[str]] = {
    "dubbopy_dubbo": frozenset({"unary1", "unary64", "pojo1", "pojo64"}),
    "dubbopy_triple_wrapper": frozenset({"unary1", "unary64", "pojo1", "pojo64"}),
    "raw_tcp": frozenset({"unary1", "unary64"}),
}


def capabilities(peer: str) -> frozenset[str]:
    """The case keys ``peer`` can run."""
    return CAPABILITIES.get(peer, GREETER_CASES)


def cases_for(server: str, client: str, cases: list[Case]) -> tuple[list[Case], list[Case]]:
    """``cases`` split into those the pair can run and those it cannot (skipped)."""
    can = capabilities(server) & capabilities(client)
    return [c for c in cases if c.key in can], [c for c in cases if c.key not in can]


@dataclass(frozen=True)
class Settings:
    """How long and how often each case runs."""

    calls: int
    seconds: float
    warmup: int
    stream_warmup: int
    stream_n: int
    repeats: int
    quick: bool


FULL = Settings(calls=20_000, seconds=10.0, warmup=200, stream_warmup=1_000, stream_n=10_000, repeats=3, quick=False)
QUICK = Settings(calls=2_000, seconds=1.0, warmup=20, stream_warmup=100, stream_n=2_000, repeats=1, quick=True)


# ---------------------------------------------------------------------------------------------------
# peers


def discover_peers() -> list[str]:
    """Names that have both ``<name>_server.py`` and ``<name>_client.py``, preferred ones first."""
    servers = {p.name.removesuffix("_server.py") for p in PEERS_DIR.glob("*_server.py")}
    clients = {p.name.removesuffix("_client.py") for p in PEERS_DIR.glob("*_client.py")}
    both = servers & clients
    return [n for n in PREFERRED if n in both] + sorted(both - set(PREFERRED))


def parse_pairs(spec: str | None) -> list[tuple[str, str]]:
    """``"a,b:c"`` → ``[("a", "a"), ("b", "c")]`` (server, client); None → every discovered pair."""
    if not spec:
        return [(name, name) for name in discover_peers()]
    pairs = []
    for item in filter(None, (part.strip() for part in spec.split(","))):
        server, _, client = item.partition(":")
        pairs.append((server, client or server))
    for server, client in pairs:
        for path in (PEERS_DIR / f"{server}_server.py", PEERS_DIR / f"{client}_client.py"):
            if not path.exists():
                known = ", ".join(discover_peers())
                raise SystemExit(f"no peer file {path.relative_to(ROOT)} (known peers: {known})")
    return pairs


def free_port() -> int:
    """A loopback port that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ServerProcess:
    """A peer server in its own process, with its stdout and stderr in temporary files."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.port = free_port()
        # Kept open for the server's lifetime and closed in stop(), hence no context manager.
        self._out: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        self._err: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115
        cmd = [sys.executable, str(PEERS_DIR / f"{name}_server.py"), "--port", str(self.port)]
        self.proc = subprocess.Popen(cmd, stdout=self._out, stderr=self._err, cwd=ROOT)
        self.ps = psutil.Process(self.proc.pid)

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Wait for the ``READY`` line; raise RuntimeError with the server's stderr if it never comes."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._out.seek(0)
            if b"READY" in self._out.read().splitlines():
                return
            if self.proc.poll() is not None:
                code = self.proc.returncode
                raise RuntimeError(f"server exited with {code} before READY: {self.last_log_line()}")
            time.sleep(0.05)
        raise RuntimeError(f"server not READY after {timeout:.0f} s: {self.last_log_line()}")

    def cpu_s(self) -> float:
        """User + system CPU seconds of the server process so far (all threads)."""
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    def rss_mb(self) -> float:
        """Resident set size of the server process in MiB."""
        return float(self.ps.memory_info().rss) / (1 << 20)

    def log_tail(self, chars: int = 800) -> str:
        """The end of the server's stderr, for failure reports."""
        self._err.seek(0)
        return self._err.read().decode(errors="replace")[-chars:].strip()

    def last_log_line(self) -> str:
        """The last line the server wrote to stderr (the exception, when it crashed)."""
        lines = [line for line in self.log_tail().splitlines() if line.strip()]
        return lines[-1].strip() if lines else "(nothing on stderr)"

    def stop(self) -> dict[str, Any]:
        """SIGTERM, wait up to ``STOP_TIMEOUT_S``, then SIGKILL; report how it went."""
        t0 = time.monotonic()
        killed = False
        exited_before = self.proc.poll() is not None
        if not exited_before:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                killed = True
        self._out.close()
        err = self.log_tail() if self.proc.returncode not in (0, None) or killed else ""
        self._err.close()
        return {
            "returncode": self.proc.returncode,
            "exited_before_stop": exited_before,
            "seconds": round(time.monotonic() - t0, 3),
            "killed": killed,
            "stderr_tail": err,
        }


# ---------------------------------------------------------------------------------------------------
# one client run


def _client_cmd(client: str, port: int, case: Case, settings: Settings) -> list[str]:
    warmup = settings.stream_warmup if case.mode == "stream" else settings.warmup
    payload = [f"--payload={case.payload}"] if case.payload else []
    return [
        sys.executable,
        str(PEERS_DIR / f"{client}_client.py"),
        f"--target=127.0.0.1:{port}",
        f"--mode={case.mode}",
        f"--concurrency={case.concurrency}",
        f"--calls={settings.calls}",
        f"--max-seconds={settings.seconds}",
        f"--warmup={warmup}",
        f"--stream-n={settings.stream_n}",
        *payload,
    ]


def _collect(proc: subprocess.Popen[bytes], timeout: float, server: ServerProcess) -> dict[str, Any]:
    """Read the client's output to the end; sample the server's CPU at the two stderr markers."""
    assert proc.stdout is not None
    assert proc.stderr is not None
    out, err = bytearray(), bytearray()
    samples: dict[bytes, float] = {}
    deadline = time.monotonic() + timeout
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ, out)
        sel.register(proc.stderr, selectors.EVENT_READ, err)
        while sel.get_map():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                proc.kill()
                break
            for key, _ in sel.select(remaining):
                chunk = os.read(key.fd, 65536)
                if not chunk:
                    sel.unregister(key.fileobj)
                    continue
                key.data.extend(chunk)
                if key.data is err:
                    for marker in (WARMED_MARKER, TIMED_END_MARKER):
                        if marker not in samples and marker in err:
                            samples[marker] = server.cpu_s()
    returncode = proc.wait()
    return {"out": bytes(out), "err": bytes(err), "samples": samples, "returncode": returncode}


def run_client(client: str, server: ServerProcess, case: Case, settings: Settings) -> dict[str, Any]:
    """One client run of ``case`` against ``server``: the client's JSON plus server CPU and RSS."""
    rss_before = server.rss_mb()
    timeout = settings.seconds * 3 + 60
    proc = subprocess.Popen(
        _client_cmd(client, server.port, case, settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    got = _collect(proc, timeout, server)
    lines = [ln for ln in got["out"].decode(errors="replace").splitlines() if ln.startswith("{")]
    if lines:
        result: dict[str, Any] = json.loads(lines[-1])
    else:
        err_lines = [ln.strip() for ln in got["err"].decode(errors="replace").splitlines() if ln.strip()]
        last = err_lines[-1][:200] if err_lines else "(nothing on stderr)"
        result = {"errors": {f"client printed no JSON (exit {got['returncode']}): {last}": 1}}
    result["client_returncode"] = got["returncode"]
    samples = got["samples"]
    if WARMED_MARKER in samples and TIMED_END_MARKER in samples:
        server_cpu = samples[TIMED_END_MARKER] - samples[WARMED_MARKER]
        unit = "msg" if case.mode == "stream" else "call"
        done = result.get("messages" if case.mode == "stream" else "calls") or 0
        result["server_cpu_s"] = round(server_cpu, 4)
        result[f"server_cpu_us_per_{unit}"] = round(server_cpu / done * 1e6, 1) if done else None
    result["server_rss_before_mb"] = round(rss_before, 2)
    result["server_rss_after_mb"] = round(server.rss_mb(), 2)
    return result


# ---------------------------------------------------------------------------------------------------
# a pair


MEDIAN_KEYS = (
    "calls",
    "messages",
    "calls_per_s",
    "msgs_per_s",
    "p50_ms",
    "p90_ms",
    "p99_ms",
    "cpu_us_per_call",
    "cpu_us_per_msg",
    "server_cpu_us_per_call",
    "server_cpu_us_per_msg",
)


def median_of(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per-metric median over the runs (metrics a run lacks are skipped); errors are summed."""
    summary: dict[str, Any] = {}
    for key in MEDIAN_KEYS:
        values = [r[key] for r in runs if isinstance(r.get(key), int | float)]
        if values:
            summary[key] = statistics.median(values)
    errors: dict[str, int] = {}
    for run in runs:
        for text, count in (run.get("errors") or {}).items():
            errors[text] = errors.get(text, 0) + count
    summary["errors"] = errors
    return summary


def _rss_growth_kb_per_call(runs: list[dict[str, Any]]) -> float | None:
    """Median over unary runs of the server's RSS growth per call served (warm-up included)."""
    growth = [
        (r["server_rss_after_mb"] - r["server_rss_before_mb"]) * 1024 / (r["calls"] + r.get("warmup", 0))
        for r in runs
        if r.get("mode") == "unary" and r.get("calls")
    ]
    return round(statistics.median(growth), 2) if growth else None


def bench_pair(server_name: str, client: str, cases: list[Case], settings: Settings) -> dict[str, Any]:
    """Start the server, run every case the pair can ``settings.repeats`` times in rounds, stop it,
    summarise. The cases the pair cannot run are listed under ``skipped``."""
    cases, skipped = cases_for(server_name, client, cases)
    pair: dict[str, Any] = {
        "server": server_name,
        "client": client,
        "failure": None,
        "cases": {},
        "skipped": [case.key for case in skipped],
    }
    if not cases:
        return pair
    runs: dict[str, list[dict[str, Any]]] = {case.key: [] for case in cases}
    server = ServerProcess(server_name)
    try:
        server.wait_ready()
        pair["server_rss_ready_mb"] = round(server.rss_mb(), 2)
        for round_no in range(1, settings.repeats + 1):
            for case in cases:
                result = run_client(client, server, case, settings)
                runs[case.key].append(result)
                _progress(f"{server_name} ← {client}", case, round_no, settings.repeats, result)
                if server.proc.poll() is not None:
                    code = server.proc.returncode
                    raise RuntimeError(f"server died with {code}: {server.last_log_line()}")
        pair["server_rss_end_mb"] = round(server.rss_mb(), 2)
    except RuntimeError as exc:
        pair["failure"] = str(exc)
    except psutil.Error as exc:  # the server vanished while being measured
        pair["failure"] = f"server process gone: {exc!r}; {server.last_log_line()}"
    finally:
        pair["stop"] = server.stop()
    for case in cases:
        pair["cases"][case.key] = {"runs": runs[case.key], "median": median_of(runs[case.key])}
    all_runs = [r for case_runs in runs.values() for r in case_runs]
    pair["server_rss_growth_kb_per_call"] = _rss_growth_kb_per_call(all_runs)
    return pair


def _progress(name: str, case: Case, round_no: int, repeats: int, r: dict[str, Any]) -> None:
    if case.mode == "stream":
        figure = f"{r.get('msgs_per_s', 0):>10,.0f} msgs/s"
    else:
        figure = f"{r.get('calls_per_s', 0):>10,.0f} calls/s  p99 {r.get('p99_ms', 0):.2f} ms"
    unit = "msg" if case.mode == "stream" else "call"
    cpu = r.get(f"server_cpu_us_per_{unit}")
    errors = sum((r.get("errors") or {}).values())
    note = f"  server {cpu:.0f} µs/{unit}" if cpu else ""
    note += f"  ERRORS {errors}" if errors else ""
    print(f"  {name}  {case.label:<11} [{round_no}/{repeats}] {figure}{note}", file=sys.stderr)


def pair_ok(pair: dict[str, Any]) -> bool:
    """No failure, no errors, every run did some work."""
    if pair["failure"]:
        return False
    for case in pair["cases"].values():
        for run in case["runs"]:
            if run.get("errors") or not (run.get("calls") or run.get("messages")):
                return False
    return True


# ---------------------------------------------------------------------------------------------------
# main


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command line of the runner."""
    parser = argparse.ArgumentParser(description="Run the benchmark workload for peer pairs.")
    parser.add_argument("--peers", help="comma-separated pairs: NAME (server and client) or SERVER:CLIENT")
    parser.add_argument("--cases", default=",".join(CASES), help=f"subset of {','.join(CASES)}")
    parser.add_argument("--quick", action="store_true", help="short smoke runs (numbers mean nothing)")
    parser.add_argument("--calls", type=int, help="unary calls per run (default 20000; quick 2000)")
    parser.add_argument("--seconds", type=float, help="time limit per run (default 10; quick 1)")
    parser.add_argument("--warmup", type=int, help="untimed unary calls per run (default 200; quick 20)")
    parser.add_argument("--stream-n", type=int, help="messages in the timed stream (default 10000)")
    parser.add_argument("--repeats", type=int, help="runs per case, median reported (default 3; quick 1)")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--doc", type=Path, default=DOC, help="Markdown file to update")
    parser.add_argument("--json", type=Path, help="write every run and the medians here")
    args = parser.parse_args(argv)
    unknown = set(args.cases.split(",")) - set(CASES)
    if unknown:
        parser.error(f"unknown cases: {', '.join(sorted(unknown))}")
    return args


def settings_from(args: argparse.Namespace) -> Settings:
    """The defaults of full or quick runs, overridden by explicit options."""
    base = QUICK if args.quick else FULL
    values = asdict(base)
    for field in ("calls", "seconds", "warmup", "stream_n", "repeats"):
        if getattr(args, field) is not None:
            values[field] = getattr(args, field)
    return Settings(**values)


def main(argv: list[str] | None = None) -> int:
    """Run the pairs; print the Markdown; update the doc and the JSON file. Exit 1 if any pair failed."""
    args = parse_args(argv)
    settings = settings_from(args)
    cases = [CASES[key] for key in args.cases.split(",")]
    pairs = parse_pairs(args.peers)
    codegen.ensure_generated()
    command = report.command_line(sys.argv[1:] if argv is None else argv)
    meta = report.machine_facts(command)
    print(f"{command}\n{len(pairs)} pair(s), cases {args.cases}, {settings}", file=sys.stderr)

    results = []
    for server, client in pairs:
        print(f"{server} ← {client}", file=sys.stderr)
        results.append(bench_pair(server, client, cases, settings))

    markdown = report.render(results, cases, settings, meta)
    print(markdown)
    if args.json:
        payload = {"meta": meta, "settings": asdict(settings), "pairs": results}
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False) + "\n")
    if not args.no_write:
        report.write_section(args.doc, markdown)
        with contextlib.suppress(ValueError):
            print(f"updated {args.doc.resolve().relative_to(ROOT)}", file=sys.stderr)
    return 0 if all(pair_ok(p) for p in results) else 1


if __name__ == "__main__":
    sys.exit(main())
