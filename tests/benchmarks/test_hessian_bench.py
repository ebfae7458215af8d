"""benchmarks/hessian.py: the codec comparison runs, counts conformance honestly and writes its section."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_first_difference_tells_types_values_and_references_apart(bench_hessian: ModuleType) -> None:
    diff = bench_hessian.first_difference
    assert diff({"a": [1, 2.5, "x"]}, {"a": [1, 2.5, "x"]}) is None
    assert diff(math.nan, math.nan) is None
    assert "value['a'][1]" in diff({"a": [1, 2.0]}, {"a": [1, 2.5]})
    assert diff(1, True) is not None  # a bool is not an int
    assert diff(b"x", "x") is not None
    cyclic: list[Any] = []
    cyclic.append(cyclic)
    assert diff(cyclic, cyclic) is None
    assert "reference" in diff([[]], cyclic)


def test_neutral_tree_refuses_cycles_only_where_a_codec_has_no_references(bench_codecs: ModuleType) -> None:
    items: list[Any] = []
    items.append(items)
    tree = bench_codecs.neutral(items)
    assert tree.items[0] is tree
    with pytest.raises(bench_codecs.Unsupported, match="cyclic"):
        bench_codecs.neutral(items, cycles=False)


class _Broken:
    """A codec that writes nothing and reads nothing: it must score zero."""

    name, version, kind = "broken", "0", "test"

    def prepare(self, tree: Any, *, lenient: bool = False) -> tuple[Any, list[str]]:
        return tree, []

    def encode_all(self, prepared: list[Any]) -> bytes:
        return b""

    def decode(self, data: bytes) -> Any:
        raise ValueError("cannot read")

    def decode_all(self, data: bytes) -> list[Any]:
        raise ValueError("cannot read")

    def expected(self, tree: Any) -> Any:
        return tree


def test_a_codec_that_gets_everything_wrong_scores_zero(bench_hessian: ModuleType) -> None:
    vectors = bench_hessian.load_vectors()
    ours = bench_hessian.Result("dubbopy", "", "")
    bench_hessian.check_dubbopy_vectors(vectors, ours)
    broken = bench_hessian.Result("broken", "", "")
    bench_hessian.check_codec_vectors(vectors, _Broken(), broken)
    assert (ours.encode_ok, ours.decode_ok) == (ours.encode_total, ours.decode_total)
    assert (broken.encode_total, broken.decode_total) == (ours.encode_total, ours.decode_total)
    assert (broken.encode_ok, broken.decode_ok) == (0, 0)
    assert len(broken.failures) == broken.encode_total + broken.decode_total


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_quick_run_writes_its_table_between_its_markers(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    doc.write_text(
        "# Benchmarks\n\n<!-- bench:start -->\nRPC table\n<!-- bench:end -->\n\n"
        "<!-- hessian:start -->\nold\n<!-- hessian:end -->\n\nProse after.\n"
    )
    out = tmp_path / "hessian.json"
    cmd = [
        sys.executable,
        str(ROOT / "benchmarks" / "hessian.py"),
        "--quick",
        "--repeat=1",
        "--target-seconds=0.002",
        "--no-fetch",  # use the PyPI codecs if scripts/install fetched them; no network in tests
        f"--doc={doc}",
        f"--json={out}",
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=170, check=False)
    assert done.returncode == 0, done.stderr[-2000:]

    text = doc.read_text()
    assert "<!-- bench:start -->\nRPC table\n<!-- bench:end -->" in text
    assert text.endswith("<!-- hessian:end -->\n\nProse after.\n")
    section = text[text.index("<!-- hessian:start -->") : text.index("<!-- hessian:end -->")]
    assert "old" not in section
    assert "| implementation | POJO encode µs |" in section
    assert "Command: `python benchmarks/hessian.py --quick" in section

    results = {r["name"]: r for r in json.loads(out.read_text())["results"]}
    ours = results["dubbopy"]
    assert all(ours["us"][op] > 0 for op in ("pojo_encode", "pojo_decode", "map_encode", "map_decode"))
    assert ours["encode_ok"] == ours["encode_total"] > 100
    assert ours["decode_ok"] == ours["decode_total"] > 100
    assert {"hessian-codec", "python3-dubbo"} <= set(results)
    for result in results.values():
        if result["broken"]:  # not installed or not downloaded: said, not fatal
            assert f"| {result['name']} {result['version']}" in section
            continue
        assert result["encode_total"] == ours["encode_total"]
        assert result["decode_total"] == ours["decode_total"]
    codec = results["hessian-codec"]
    if not codec["broken"]:
        # it writes non-BMP characters as 4-byte UTF-8 where Java writes a surrogate pair
        assert any(f.startswith("encode 6.3 U+1F600") for f in codec["failures"])
        assert codec["encode_ok"] < codec["encode_total"]
