"""Load the benchmark harness (``benchmarks/``, not a package) under names that cannot clash."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "benchmarks"


def load_bench_module(alias: str, relative: str) -> ModuleType:
    """Import ``benchmarks/<relative>`` as module ``alias`` (its own imports find their siblings)."""
    if alias in sys.modules:
        return sys.modules[alias]
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    spec = importlib.util.spec_from_file_location(alias, BENCH_DIR / relative)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[alias] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def bench_common() -> ModuleType:
    """``benchmarks/peers/common.py`` (generates ``benchmarks/gen/`` if needed)."""
    return load_bench_module("bench_common", "peers/common.py")


@pytest.fixture(scope="session")
def bench_run() -> ModuleType:
    """``benchmarks/run.py``."""
    return load_bench_module("bench_run", "run.py")


@pytest.fixture(scope="session")
def bench_report() -> ModuleType:
    """``benchmarks/report.py``."""
    return load_bench_module("bench_report", "report.py")


@pytest.fixture(scope="session")
def bench_hessian() -> ModuleType:
    """``benchmarks/hessian.py``."""
    return load_bench_module("bench_hessian", "hessian.py")


@pytest.fixture(scope="session")
def bench_codecs() -> ModuleType:
    """``benchmarks/hessian_codecs.py`` (the module ``hessian.py`` itself uses)."""
    load_bench_module("bench_hessian", "hessian.py")
    return sys.modules["hessian_codecs"]
