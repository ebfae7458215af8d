"""The benchmark harness measures what the contract says (/work/shared/bench/README.md)."""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator, Iterator
from types import ModuleType
from typing import Any

import pytest


def _args(common: ModuleType, *extra: str) -> argparse.Namespace:
    return common.parse_client_args(["--target", "127.0.0.1:1", "--warmup", "3", *extra])


def test_request_is_exactly_100_bytes(bench_common: ModuleType) -> None:
    request = bench_common.make_request()
    assert len(request.name) == 98
    assert request.name.isascii()
    assert len(request.SerializeToString()) == 100


def test_reply_echoes_the_name(bench_common: ModuleType) -> None:
    request = bench_common.make_request(count=5)
    assert bench_common.make_reply(request).message == request.name


def test_percentile_is_nearest_rank(bench_common: ModuleType) -> None:
    values = [float(v) for v in range(1, 101)]
    assert bench_common.percentile(values, 50) == 50.0
    assert bench_common.percentile(values, 99) == 99.0
    assert bench_common.percentile(values, 100) == 100.0
    assert bench_common.percentile([7.0], 99) == 7.0
    assert bench_common.percentile([], 50) == 0.0


def test_client_rejects_a_target_without_port(bench_common: ModuleType) -> None:
    with pytest.raises(SystemExit):
        bench_common.parse_client_args(["--target", "localhost"])


async def test_async_driver_makes_exactly_the_budgeted_calls(bench_common: ModuleType) -> None:
    made = 0
    reply = bench_common.make_reply(bench_common.make_request())

    async def call_unary() -> Any:
        nonlocal made
        made += 1
        await asyncio.sleep(0)
        return reply

    async def call_stream(n: int) -> AsyncIterator[Any]:
        for _ in range(n):
            yield reply

    args = _args(bench_common, "--calls", "50", "--concurrency", "8")
    result = await bench_common.drive_async(args, call_unary, call_stream)
    assert result["calls"] == 50
    assert made == 53  # 3 warm-up calls + 50 timed ones
    assert result["errors"] == {}
    assert result["p50_ms"] <= result["p99_ms"]


async def test_async_driver_counts_failures_as_errors_not_calls(bench_common: ModuleType) -> None:
    async def call_unary() -> Any:
        raise ConnectionError("refused")

    async def call_stream(n: int) -> AsyncIterator[Any]:
        raise ConnectionError("refused")
        yield  # pragma: no cover

    result = await bench_common.drive_async(_args(bench_common, "--calls", "10"), call_unary, call_stream)
    assert result["calls"] == 0
    assert result["errors"] == {"warmup: ConnectionError: refused": 3, "ConnectionError: refused": 10}


async def test_async_driver_reports_a_short_stream(bench_common: ModuleType) -> None:
    reply = bench_common.make_reply(bench_common.make_request())

    async def call_unary() -> Any:
        return reply

    async def call_stream(n: int) -> AsyncIterator[Any]:
        for _ in range(n // 2):
            yield reply

    args = _args(bench_common, "--mode", "stream", "--stream-n", "40")
    result = await bench_common.drive_async(args, call_unary, call_stream)
    assert result["messages"] == 20
    assert "stream ended after 20 of 40 messages" in result["errors"]


def test_thread_driver_streams_all_messages(bench_common: ModuleType) -> None:
    reply = bench_common.make_reply(bench_common.make_request())

    def call_unary() -> Any:
        return reply

    def call_stream(n: int) -> Iterator[Any]:
        yield from [reply] * n

    args = _args(bench_common, "--mode", "stream", "--stream-n", "100", "--concurrency", "2")
    result = bench_common.drive_threads(args, call_unary, call_stream)
    assert result["messages"] == 200
    assert result["errors"] == {}


def test_thread_driver_makes_exactly_the_budgeted_calls(bench_common: ModuleType) -> None:
    reply = bench_common.make_reply(bench_common.make_request())

    def call_unary() -> Any:
        return reply

    def call_stream(n: int) -> Iterator[Any]:
        yield from [reply] * n

    result = bench_common.drive_threads(
        _args(bench_common, "--calls", "40", "--concurrency", "4"), call_unary, call_stream
    )
    assert result["calls"] == 40
    assert result["errors"] == {}


def test_every_peer_of_the_contract_is_there(bench_run: ModuleType) -> None:
    assert {"grpcio_sync", "grpcio_aio", "grpclib", "apache_dubbo"} <= set(bench_run.discover_peers())


def test_pairs_name_server_then_client(bench_run: ModuleType) -> None:
    assert bench_run.parse_pairs("grpclib, grpcio_aio:grpclib") == [
        ("grpclib", "grpclib"),
        ("grpcio_aio", "grpclib"),
    ]
    with pytest.raises(SystemExit, match="no_such_peer"):
        bench_run.parse_pairs("no_such_peer")


def test_median_is_taken_per_metric_and_errors_are_summed(bench_run: ModuleType) -> None:
    runs = [
        {"calls_per_s": 10.0, "p99_ms": 5.0, "errors": {}},
        {"calls_per_s": 30.0, "p99_ms": 1.0, "errors": {"boom": 1}},
        {"calls_per_s": 20.0, "p99_ms": 9.0, "errors": {"boom": 2}},
    ]
    summary = bench_run.median_of(runs)
    assert summary["calls_per_s"] == 20.0
    assert summary["p99_ms"] == 5.0
    assert summary["errors"] == {"boom": 3}


def test_section_replaces_only_what_is_between_the_markers(bench_report: ModuleType) -> None:
    start, end = bench_report.START_MARKER, bench_report.END_MARKER
    doc = f"# Benchmarks\n\nProse before.\n\n{start}\nold table\n{end}\n\nProse after.\n"
    once = bench_report.replace_section(doc, "new table")
    assert once == f"# Benchmarks\n\nProse before.\n\n{start}\nnew table\n{end}\n\nProse after.\n"
    assert bench_report.replace_section(once, "new table") == once


def test_section_is_appended_when_the_markers_are_missing(bench_report: ModuleType) -> None:
    start, end = bench_report.START_MARKER, bench_report.END_MARKER
    assert bench_report.replace_section("Some prose.\n", "t") == f"Some prose.\n\n{start}\nt\n{end}\n"
    assert bench_report.replace_section("", "t").endswith(f"{start}\nt\n{end}\n")
