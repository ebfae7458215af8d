"""The dubbo-protocol and raw TCP peers follow the contract end to end (no speed is asserted)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PEERS = ROOT / "benchmarks" / "peers"


@pytest.mark.parametrize("peer", ["dubbopy_dubbo", "raw_tcp"])
def test_client_refuses_stream_mode_with_a_json_error(peer: str) -> None:
    cmd = [sys.executable, str(PEERS / f"{peer}_client.py"), "--target", "127.0.0.1:1", "--mode", "stream"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    (line,) = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
    result = json.loads(line)
    assert result["client"] == peer
    assert result["messages"] == 0
    (error,) = result["errors"]
    assert "stream" in error


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_quick_run_of_the_dubbo_and_raw_tcp_peers(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    cmd = [
        sys.executable,
        str(ROOT / "benchmarks" / "run.py"),
        "--quick",
        "--calls=300",
        "--peers=dubbopy_dubbo,raw_tcp",
        "--no-write",
        f"--json={out}",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=170, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| dubbopy_dubbo ← dubbopy_dubbo (POJO) |" in done.stdout
    assert "| raw_tcp ← raw_tcp |" in done.stdout

    dubbo, raw = json.loads(out.read_text())["pairs"]
    assert set(dubbo["cases"]) == {"unary1", "unary64", "pojo1", "pojo64"}
    assert dubbo["skipped"] == ["stream"]
    assert set(raw["cases"]) == {"unary1", "unary64"}
    for pair in (dubbo, raw):
        assert pair["failure"] is None
        assert pair["stop"]["returncode"] == 0  # each server exits cleanly on SIGTERM
        for case in pair["cases"].values():
            for run in case["runs"]:
                assert run["calls"] == 300, run
                assert run["errors"] == {}, run
                assert run["server_cpu_s"] >= 0, run
    assert {run["payload"] for run in dubbo["cases"]["pojo64"]["runs"]} == {"pojo"}
    assert {run["payload"] for run in dubbo["cases"]["unary1"]["runs"]} == {"string"}
