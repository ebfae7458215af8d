"""benchmarks/cluster.py and benchmarks/registry.py run end to end in ``--quick --no-write`` mode.

They assert no speed: that every case runs, the table rows are printed, the document is left alone, and
what the figures stand for holds (the stack spreads calls over the providers; a provider's first call
comes after its registration).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import testenv
from registry_fixtures import INSTALL_ETCD, INSTALL_ZOOKEEPER, ZOOKEEPER_JAR

ROOT = Path(__file__).resolve().parents[2]
BALANCERS = ("random", "roundrobin", "leastactive", "shortestresponse", "consistenthash", "p2c")


def _run(script: str, tmp_path: Path, *extra: str) -> tuple[subprocess.CompletedProcess[str], dict, Path]:
    doc, out = tmp_path / "benchmarks.md", tmp_path / "results.json"
    cmd = [sys.executable, str(ROOT / "benchmarks" / script), "--quick", "--no-write", "--doc", str(doc)]
    done = subprocess.run(
        [*cmd, "--json", str(out), *extra], capture_output=True, text=True, timeout=150, check=False, cwd=ROOT
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    return done, json.loads(out.read_text()), doc


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_cluster_bench_times_every_balancer_and_spreads_calls(tmp_path: Path) -> None:
    done, results, doc = _run("cluster.py", tmp_path)
    assert not doc.exists()  # --no-write leaves the document alone
    for balancer in BALANCERS:
        for providers in (1, 10, 100):
            assert f"| {providers} | {balancer} |" in done.stdout
    rows = {(r["providers"], r["loadbalance"]): r for r in results["rows"]}
    assert len(rows) == 3 * len(BALANCERS)
    for row in rows.values():
        assert row["failure"] is None, row
        assert row["direct_us"] > 0
        assert row["stack_us"] > 0
    assert rows[100, "random"]["hit"] > 50  # 1,000 calls over 100 providers reach most of them
    assert rows[100, "roundrobin"]["hit"] == 100
    assert rows[100, "consistenthash"]["hit"] == 1  # one argument, one provider


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_registry_bench_sees_every_registration_after_it_was_issued(tmp_path: Path) -> None:
    testenv.require("java (a JDK)", shutil.which("java") is not None, "apt-get install default-jdk-headless")
    testenv.require(f"ZooKeeper ({ZOOKEEPER_JAR})", ZOOKEEPER_JAR.is_file(), INSTALL_ZOOKEEPER)
    etcd = os.environ.get("ETCD_BIN") or shutil.which("etcd") or "/usr/bin/etcd"
    testenv.require("etcd", os.access(etcd, os.X_OK), INSTALL_ETCD)

    done, results, doc = _run("registry.py", tmp_path, "--cycles", "3")
    assert not doc.exists()
    assert "| zookeeper | **dubbopy: register → first call routed to it succeeds** | 3 |" in done.stdout
    assert "| etcd | **dubbopy: register → first call routed to it succeeds** | 3 |" in done.stdout
    outcomes = {o["registry"]: o for o in results["outcomes"]}
    assert set(outcomes) == {"zookeeper", "etcd"}
    for outcome in outcomes.values():
        assert outcome["failure"] is None, outcome
        series = {s["what"]: s for s in outcome["series"]}
        assert set(series) == {"created", "deleted", "appeared", "left"}
        for s in series.values():
            assert s["failures"] == [], s
            assert len(s["samples"]) == 3, s
            assert all(ms > 0 for ms in s["samples"]), s  # each event seen after it was issued
