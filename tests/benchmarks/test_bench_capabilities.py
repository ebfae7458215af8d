"""Peers that cannot run a case (no streams on dubbo:// and raw TCP, POJOs only on interface-style peers)
are not asked to, and the tables say so."""

from __future__ import annotations

from types import ModuleType
from typing import Any


def _keys(cases: list[Any]) -> set[str]:
    return {case.key for case in cases}


def test_dubbo_peers_run_string_and_pojo_but_no_stream(bench_run: ModuleType) -> None:
    run, skipped = bench_run.cases_for("dubbopy_dubbo", "dubbopy_dubbo", list(bench_run.CASES.values()))
    assert _keys(run) == {"unary1", "unary64", "pojo1", "pojo64"}
    assert _keys(skipped) == {"stream"}


def test_raw_tcp_runs_unary_only(bench_run: ModuleType) -> None:
    run, skipped = bench_run.cases_for("raw_tcp", "raw_tcp", list(bench_run.CASES.values()))
    assert _keys(run) == {"unary1", "unary64"}
    assert _keys(skipped) == {"stream", "pojo1", "pojo64"}


def test_greeter_peers_keep_the_contract_cases(bench_run: ModuleType) -> None:
    run, _ = bench_run.cases_for("grpcio_aio", "dubbopy_triple", list(bench_run.CASES.values()))
    assert _keys(run) == {"unary1", "unary64", "stream"}


def test_a_mixed_pair_runs_what_both_can(bench_run: ModuleType) -> None:
    run, _ = bench_run.cases_for("dubbopy_dubbo", "dubbopy_triple_wrapper", list(bench_run.CASES.values()))
    assert _keys(run) == {"unary1", "unary64", "pojo1", "pojo64"}
    run, _ = bench_run.cases_for("raw_tcp", "dubbopy_dubbo", list(bench_run.CASES.values()))
    assert _keys(run) == {"unary1", "unary64"}


def test_the_pojo_cases_ask_the_client_for_the_pojo(bench_run: ModuleType) -> None:
    cmd = bench_run._client_cmd("dubbopy_dubbo", 1, bench_run.CASES["pojo64"], bench_run.QUICK)
    assert "--payload=pojo" in cmd
    assert "--concurrency=64" in cmd
    cmd = bench_run._client_cmd("grpcio_aio", 1, bench_run.CASES["unary1"], bench_run.QUICK)
    assert not any(arg.startswith("--payload") for arg in cmd)


def test_every_new_peer_is_discovered(bench_run: ModuleType) -> None:
    assert {"dubbopy_dubbo", "dubbopy_triple_wrapper", "raw_tcp"} <= set(bench_run.discover_peers())


def _pair(server: str, cases: dict[str, float], skipped: list[str]) -> dict[str, Any]:
    return {
        "server": server,
        "client": server,
        "failure": None,
        "skipped": skipped,
        "cases": {
            key: {"runs": [], "median": {"msgs_per_s" if key == "stream" else "calls_per_s": value, "errors": {}}}
            for key, value in cases.items()
        },
    }


def test_table_has_a_pojo_row_and_says_n_a_for_skipped_cases(bench_run: ModuleType, bench_report: ModuleType) -> None:
    dubbo = _pair("dubbopy_dubbo", {"unary1": 2000.0, "unary64": 9000.0, "pojo1": 1800.0, "pojo64": 7000.0}, ["stream"])
    grpc = _pair("grpcio_aio", {"unary1": 1500.0, "unary64": 3000.0, "stream": 10000.0}, [])
    meta = bench_report.machine_facts("python benchmarks/run.py")
    text = bench_report.render([dubbo, grpc], list(bench_run.CASES.values()), bench_run.QUICK, meta)
    rows: dict[str, str] = {}
    for line in text.splitlines():
        if line.startswith("| "):  # the first table (calls/s) comes first; keep its rows
            rows.setdefault(line.split(" | ")[0].lstrip("| "), line)
    assert rows["dubbopy_dubbo ← dubbopy_dubbo"].startswith("| dubbopy_dubbo ← dubbopy_dubbo | 2,000 |")
    assert " | 9,000 | " in rows["dubbopy_dubbo ← dubbopy_dubbo"]
    assert rows["dubbopy_dubbo ← dubbopy_dubbo"].rstrip().endswith("| n/a |")
    assert rows["dubbopy_dubbo ← dubbopy_dubbo (POJO)"].startswith("| dubbopy_dubbo ← dubbopy_dubbo (POJO) | 1,800 |")
    assert " | 7,000 | " in rows["dubbopy_dubbo ← dubbopy_dubbo (POJO)"]
    assert "grpcio_aio ← grpcio_aio (POJO)" not in rows
    assert rows["grpcio_aio ← grpcio_aio"].rstrip().endswith("| 10,000 |")
