"""Hessian 2 encode and decode time per op, and spec-vector conformance, of the Python implementations.

For dubbopy's codec and the other Python Hessian 2 codecs on PyPI (``hessian_codecs.py``: the Rust-built
``hessian-codec`` and the pure-Python codec of ``python-dubbo`` and its forks) this measures, with
:mod:`timeit` (best of ``--repeat`` runs, garbage collection off as timeit does), the µs per op to

* encode and decode the benchmark's POJO (``echo_service.make_user``: 7 fields, a nested POJO, a list of
  strings and a Date; 218 bytes as Java writes it), and
* encode and decode a 116-byte JSON-like nested map (``echo_service.make_nested_map``).

Every decoder reads the same bytes, dubbopy's (Java's encoder choices). Then it runs every hex vector of
``spec/hessian2.md`` (the table of ``tests/unit/hessian2/test_hessian2_vectors.py``) through each codec:
for vectors that are Java's own output, does the encoder write exactly those bytes; for every vector, does
the decoder return the value, in the codec's own Python mapping (objects as dicts of fields where that is
how the codec reads them). The table goes to ``docs/benchmarks.md`` between ``<!-- hessian:start -->``
and ``<!-- hessian:end -->``.

    python benchmarks/hessian.py                  # full run (about a minute), updates the doc
    python benchmarks/hessian.py --quick --no-write

The pure-Python codecs are downloaded (``pip download --no-deps``) into ``$DUBBOPY_CACHE/hessian-peers``
on first use (``scripts/install`` does it too), never installed: they all carry a top-level ``dubbo``
package. A codec that cannot be loaded is listed with the reason instead of failing the run.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import math
import sys
import tarfile
import timeit
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import hessian_codecs as hc
import report

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
DOC = ROOT / "docs" / "benchmarks.md"
VECTORS_DIR = ROOT / "tests" / "unit" / "hessian2"
START_MARKER = "<!-- hessian:start -->"
END_MARKER = "<!-- hessian:end -->"

sys.path.insert(0, str(BENCH_DIR / "peers"))
import echo_service  # noqa: E402 - after the path to peers/

OPS = ("pojo_encode", "pojo_decode", "map_encode", "map_decode")
SHOWN_FAILURES = 6


@dataclass
class Result:
    """What was measured for one implementation."""

    name: str
    version: str
    kind: str
    broken: str | None = None
    same_as: str | None = None
    us: dict[str, float | None] = field(default_factory=dict)
    marks: dict[str, str] = field(default_factory=dict)  # op -> footnote mark
    notes: list[str] = field(default_factory=list)
    encode_ok: int = 0
    encode_total: int = 0
    decode_ok: int = 0
    decode_total: int = 0
    failures: list[str] = field(default_factory=list)


# ---------------------------------------------------------------------------------------------------
# timing


def best_us(fn: Callable[[], Any], target_s: float, repeat: int) -> float:
    """µs per call of ``fn``: the loop count grows until one run takes ``target_s``; best of ``repeat``."""
    timer = timeit.Timer(fn)
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= target_s or number >= 1 << 22:
            break
        number *= 2 if elapsed < target_s / 4 else max(2, math.ceil(target_s / max(elapsed, 1e-9)))
    runs = [elapsed, *timer.repeat(repeat - 1, number)] if repeat > 1 else [elapsed]
    return min(runs) / number * 1e6


def _short(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt | SystemExit):
        raise exc
    return f"{type(exc).__name__}: {exc}".replace("\n", " ")[:100]


def first_difference(actual: Any, expected: Any, path: str = "") -> str | None:
    """Where ``actual`` first differs from ``expected`` (a readable path), or None if they match."""
    return _diff(actual, expected, path or "value", {})


def _diff(a: Any, e: Any, path: str, seen: dict[int, int]) -> str | None:
    if isinstance(e, list | dict):
        if id(e) in seen:
            return None if seen[id(e)] == id(a) else f"{path}: not the same object (a reference)"
        seen[id(e)] = id(a)
    if isinstance(e, float):
        if isinstance(a, float) and (a == e or (math.isnan(a) and math.isnan(e))):
            return None
        return f"{path}: {a!r:.60} instead of {e!r}"
    if isinstance(e, list):
        if not isinstance(a, list) or len(a) != len(e):
            return f"{path}: {_shown(a)} instead of a list of {len(e)}"
        for i, (x, y) in enumerate(zip(a, e, strict=True)):
            found = _diff(x, y, f"{path}[{i}]", seen)
            if found:
                return found
        return None
    if isinstance(e, dict):
        if not isinstance(a, dict) or set(a) != set(e):
            return f"{path}: {_shown(a)} instead of a map with keys {sorted(map(str, e))[:6]}"
        for key, y in e.items():
            found = _diff(a[key], y, f"{path}[{key!r}]", seen)
            if found:
                return found
        return None
    if type(a) is not type(e):
        return f"{path}: {_shown(a)} instead of {_shown(e)}"
    try:
        return None if a == e else f"{path}: {_shown(a)} instead of {_shown(e)}"
    except TypeError:
        return f"{path}: {_shown(a)} instead of {_shown(e)}"


def _shown(value: Any) -> str:
    text = repr(value)
    return f"{type(value).__name__} {text[:50]}{'…' if len(text) > 50 else ''}"


# ---------------------------------------------------------------------------------------------------
# the workload


@dataclass(frozen=True)
class Payload:
    """A value to time: dubbopy's form, the bytes Java writes for it, and its neutral tree."""

    key: str
    label: str
    value: Any
    data: bytes
    tree: Any


def payloads() -> list[Payload]:
    """The POJO and the nested map."""
    out = []
    for key, label, value in (
        ("pojo", "POJO", echo_service.make_user()),
        ("map", "nested map", echo_service.make_nested_map()),
    ):
        out.append(Payload(key, label, value, hc.dumps(value), hc.neutral(value, cycles=False)))
    return out


def time_dubbopy(result: Result, target: float, repeat: int) -> None:
    """dubbopy on its own values."""
    for p in payloads():
        value, data = p.value, p.data
        result.us[f"{p.key}_encode"] = best_us(lambda value=value: hc.dumps(value), target, repeat)
        result.us[f"{p.key}_decode"] = best_us(lambda data=data: hc.loads(data), target, repeat)
        if hc.loads(data) != value:
            result.notes.append(f"{p.label}: does not round-trip")


def time_codec(codec: hc.Codec, result: Result, target: float, repeat: int) -> None:
    """A foreign codec: encode its own input for the value, decode the bytes Java writes."""
    for p in payloads():
        try:
            prepared, dropped = codec.prepare(p.tree, lenient=True)
            encoded = codec.encode(prepared)
        except BaseException as exc:
            result.us[f"{p.key}_encode"] = None
            result.notes.append(f"{p.label}: cannot encode ({_short(exc)})")
        else:
            result.us[f"{p.key}_encode"] = best_us(lambda prepared=prepared: codec.encode(prepared), target, repeat)
            if dropped:
                result.marks[f"{p.key}_encode"] = "†"
                result.notes.append(f"{p.label} encoded with its {', '.join(dropped)} field(s) null: cannot write them")
            elif encoded != p.data:
                result.notes.append(f"{p.label}: writes other bytes than dubbopy ({len(encoded)} for {len(p.data)})")
        data = p.data
        try:
            decoded = codec.decode(data)
        except BaseException as exc:
            result.us[f"{p.key}_decode"] = None
            result.notes.append(f"{p.label}: cannot decode ({_short(exc)})")
            continue
        result.us[f"{p.key}_decode"] = best_us(lambda data=data: codec.decode(data), target, repeat)
        wrong = first_difference(decoded, codec.expected(p.tree))
        if wrong:
            result.marks[f"{p.key}_decode"] = "‡"
            result.notes.append(f"{p.label} decoded wrong: {wrong}")


# ---------------------------------------------------------------------------------------------------
# the spec vectors


def load_vectors() -> ModuleType:
    """The vector table of the unit tests (and their encode/decode helpers and comparison)."""
    if str(VECTORS_DIR) not in sys.path:
        sys.path.insert(0, str(VECTORS_DIR))
    import test_hessian2_vectors

    return test_hessian2_vectors


def check_dubbopy_vectors(module: ModuleType, result: Result) -> None:
    """dubbopy through the unit tests' own helpers."""
    for v in module.VECTORS:
        expected = v.value if v.decoded is module.SAME else v.decoded
        if v.encode:
            result.encode_total += 1
            try:
                ok = module._encode(v) == v.data
            except Exception as exc:
                ok = False
                result.failures.append(f"encode {v.name}: {_short(exc)}")
            else:
                if not ok:
                    result.failures.append(f"encode {v.name}: different bytes")
            result.encode_ok += ok
        result.decode_total += 1
        try:
            ok = bool(module.same(module._decode(v), expected))
        except Exception as exc:
            ok = False
            result.failures.append(f"decode {v.name}: {_short(exc)}")
        else:
            if not ok:
                result.failures.append(f"decode {v.name}: a different value")
        result.decode_ok += ok


def check_codec_vectors(module: ModuleType, codec: hc.Codec, result: Result) -> None:
    """A foreign codec: its encoding of each Java-written vector, its decoding of every vector."""
    registry = module.REG
    for v in module.VECTORS:
        values = v.value if v.stream else [v.value]
        if v.encode:
            result.encode_total += 1
            try:
                trees = [hc.neutral(x, registry, cycles=False) for x in values]
                data = codec.encode_all([codec.prepare(t)[0] for t in trees])
            except BaseException as exc:
                result.failures.append(f"encode {v.name}: {_short(exc)}")
            else:
                if data == v.data:
                    result.encode_ok += 1
                else:
                    result.failures.append(f"encode {v.name}: wrote {_hex(data)}, Java writes {_hex(v.data)}")
        result.decode_total += 1
        expected_value = v.value if v.decoded is module.SAME else v.decoded
        expected_list = expected_value if v.stream else [expected_value]
        try:
            expected = [codec.expected(hc.neutral(x, registry)) for x in expected_list]
            decoded = codec.decode_all(v.data) if v.stream else [codec.decode(v.data)]
        except BaseException as exc:
            result.failures.append(f"decode {v.name}: {_short(exc)}")
            continue
        wrong = first_difference(decoded if v.stream else decoded[0], expected if v.stream else expected[0])
        if wrong:
            result.failures.append(f"decode {v.name}: {wrong}")
        else:
            result.decode_ok += 1


def _hex(data: bytes, limit: int = 12) -> str:
    shown = data[:limit].hex(" ")
    return f"`{shown}{' …' if len(data) > limit else ''}`"


# ---------------------------------------------------------------------------------------------------
# the run


def measure(codecs: list[hc.Codec], target: float, repeat: int, vectors: ModuleType | None) -> list[Result]:
    """Time and check every codec."""
    results = []
    for codec in codecs:
        result = Result(codec.name, codec.version, codec.kind, codec.broken, codec.same_as)
        print(f"  {codec.name} {codec.version}{'' if not codec.broken else ': ' + codec.broken}", file=sys.stderr)
        if not codec.broken:
            gc.collect()
            if isinstance(codec, hc.Dubbopy):
                time_dubbopy(result, target, repeat)
            else:
                time_codec(codec, result, target, repeat)
            if vectors is not None:
                if isinstance(codec, hc.Dubbopy):
                    check_dubbopy_vectors(vectors, result)
                else:
                    check_codec_vectors(vectors, codec, result)
        results.append(result)
    return results


def _us(result: Result, op: str) -> str:
    if result.broken:
        return "—"
    value = result.us.get(op)
    if value is None:
        return "cannot"
    text = f"{value:.1f}" if value < 100 else f"{value:,.0f}"
    return text + result.marks.get(op, "")


def _ratio(result: Result, base: Result | None, op: str) -> str:
    value, ref = result.us.get(op), base.us.get(op) if base else None
    if result.broken or value is None or ref is None or result is base:
        return ""
    return f" ({value / ref:.2f}×)"  # noqa: RUF001 - a multiplication sign


def render(results: list[Result], meta: dict[str, Any], args: argparse.Namespace) -> str:
    """The Markdown between the markers."""
    base = next((r for r in results if r.name == "dubbopy"), None)
    out = report.run_header(meta, quick=args.quick)
    out += [
        f"Python: {meta['python']}  ",
        f"Timing: `timeit`, best of {args.repeat} runs of ≥ {args.target_seconds:g} s each, garbage collection "
        "off; µs per op, and in brackets the ratio to dubbopy (lower is faster). Every decoder reads the "
        f"bytes dubbopy writes (Java's encoder choices, as the vectors check): the POJO `echo_service.User` "
        f"({len(hc.dumps(echo_service.make_user()))} bytes "
        f"with its class definitions) and a nested map ({len(hc.dumps(echo_service.make_nested_map()))} "
        "bytes). Vectors: the hex vectors of spec/hessian2.md (tests/unit/hessian2); *encode* counts "
        "those Java writes that the encoder writes byte for byte, *decode* those it reads back to the "
        "value in its own Python mapping (objects as dicts of their fields where it reads them so).",
        "",
        "| implementation | POJO encode µs | POJO decode µs | map encode µs | map decode µs "
        "| vectors encoded byte-identical | vectors decoded to the value |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        name = f"{r.name} {r.version} ({r.kind}{'; the codec of ' + r.same_as if r.same_as else ''})"
        if r.broken:
            out.append(f"| {name} | — | — | — | — | — | — |")
            continue
        cells = [_us(r, op) + _ratio(r, base, op) for op in OPS]
        enc = f"{r.encode_ok} / {r.encode_total}" if r.encode_total else "—"
        dec = f"{r.decode_ok} / {r.decode_total}" if r.decode_total else "—"
        out.append(f"| {name} | {' | '.join(cells)} | {enc} | {dec} |")
    out += ["", "† with the fields it cannot write sent as null; ‡ decoded to a wrong value; cannot: see below.", ""]
    out += ["Notes:", ""]
    for r in results:
        if r.broken:
            out.append(f"- {r.name}: {r.broken}")
        elif not r.same_as:
            out += [f"- {r.name}: {note}" for note in r.notes]
    out += ["", f"Vector failures (the first {SHOWN_FAILURES} of each kind; all of them with `--json`):", ""]
    for r in results:
        if r.broken or r.same_as:
            continue
        if not r.failures:
            out.append(f"- {r.name}: none")
        for kind in ("decode", "encode"):
            failed = [f.removeprefix(kind + " ") for f in r.failures if f.startswith(kind + " ")]
            if failed:
                more = f"; … {len(failed) - SHOWN_FAILURES} more" if len(failed) > SHOWN_FAILURES else ""
                out.append(f"- {r.name}, {kind} ({len(failed)}): {'; '.join(failed[:SHOWN_FAILURES])}{more}")
    return "\n".join(out)


def fetch_only(cache: Path) -> int:
    """``--fetch-only`` (what ``scripts/install`` runs): download and unpack; problems are warnings only,
    since the benchmark lists a codec it cannot load instead of failing."""
    for problem in hc.fetch(cache):
        print(f"warning: {problem}", file=sys.stderr)
    for dist in hc.DISTRIBUTIONS:
        try:
            hc.unpacked(dist, cache)
        except (OSError, zipfile.BadZipFile, tarfile.TarError) as exc:
            print(f"warning: {dist.requirement}: {_short(exc)}", file=sys.stderr)
    print(cache)
    return 0


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command line."""
    parser = argparse.ArgumentParser(description="Hessian 2 codec speed and spec-vector conformance.")
    parser.add_argument("--quick", action="store_true", help="short timings (numbers mean nothing)")
    parser.add_argument("--repeat", type=int, help="timed runs per op, best reported (default 7; quick 3)")
    parser.add_argument("--target-seconds", type=float, help="length of one timed run (default 0.2; quick 0.01)")
    parser.add_argument("--no-fetch", action="store_true", help="do not download missing PyPI codecs")
    parser.add_argument(
        "--fetch-only", action="store_true", help="download and unpack the PyPI codecs, print where, and exit"
    )
    parser.add_argument("--no-vectors", action="store_true", help="time only")
    parser.add_argument("--no-write", action="store_true", help="do not touch docs/benchmarks.md")
    parser.add_argument("--doc", type=Path, default=DOC, help="Markdown file to update")
    parser.add_argument("--json", type=Path, help="write every figure and every vector failure here")
    parser.add_argument("--cache", type=Path, default=hc.CACHE, help="where the PyPI codecs are kept")
    args = parser.parse_args(argv)
    args.repeat = args.repeat or (3 if args.quick else 7)
    args.target_seconds = args.target_seconds or (0.01 if args.quick else 0.2)
    return args


def main(argv: list[str] | None = None) -> int:
    """Measure, print the Markdown, update the doc and the JSON file."""
    args = parse_args(argv)
    if args.fetch_only:
        return fetch_only(args.cache)
    command = report.command_line(sys.argv[1:] if argv is None else argv, script="benchmarks/hessian.py")
    meta = report.machine_facts(command)
    if not args.no_fetch:
        for problem in hc.fetch(args.cache):
            print(f"warning: {problem}", file=sys.stderr)
    vectors = None
    if not args.no_vectors:
        try:
            vectors = load_vectors()
        except Exception as exc:
            print(f"warning: no vectors: {_short(exc)}", file=sys.stderr)
    print(f"{command}\ntiming: best of {args.repeat} runs of ≥{args.target_seconds:g} s", file=sys.stderr)
    results = measure(hc.all_codecs(args.cache), args.target_seconds, args.repeat, vectors)
    markdown = render(results, meta, args)
    print(markdown)
    if args.json:
        payload = {"meta": meta, "results": [r.__dict__ for r in results]}
        args.json.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str) + "\n")
    if not args.no_write:
        report.write_section(args.doc, markdown, start=START_MARKER, end=END_MARKER)
        with contextlib.suppress(ValueError):
            print(f"updated {args.doc.resolve().relative_to(ROOT)}", file=sys.stderr)
    ours = next(r for r in results if r.name == "dubbopy")
    return 0 if ours.broken is None and not ours.failures else 1


if __name__ == "__main__":
    sys.exit(main())
