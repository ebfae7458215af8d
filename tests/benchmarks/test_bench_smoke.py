"""The benchmark runner works end to end on one real pair (it asserts no speed)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_quick_run_of_grpcio_aio_measures_every_case(tmp_path: Path) -> None:
    out = tmp_path / "results.json"
    doc = tmp_path / "benchmarks.md"
    cmd = [
        sys.executable,
        str(ROOT / "benchmarks" / "run.py"),
        "--quick",
        "--peers",
        "grpcio_aio",
        "--no-write",
        "--doc",
        str(doc),
        "--json",
        str(out),
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=170, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "| grpcio_aio ← grpcio_aio |" in done.stdout
    assert not doc.exists()  # --no-write leaves the document alone

    (pair,) = json.loads(out.read_text())["pairs"]
    assert pair["failure"] is None
    assert pair["stop"]["returncode"] == 0  # the server exits cleanly on SIGTERM
    assert set(pair["cases"]) == {"unary1", "unary64", "stream"}
    for key, case in pair["cases"].items():
        for run in case["runs"]:
            done_key = "messages" if key == "stream" else "calls"
            assert run[done_key] > 0, run
            assert run["errors"] == {}, run
            assert run["server_cpu_s"] >= 0, run  # sampled at the client's timed-phase markers
            assert run["cpu_s"] > 0, run
