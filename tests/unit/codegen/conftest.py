"""Fixtures for the code generator tests: protoc run once per session on the test protos, and an
importer that loads the generated modules without leaking them into other tests."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from codegen_support import proto_paths, run_codegen

#: top-level module names the generated code lives under
_GENERATED_ROOTS = {"helloworld_pb2", "helloworld_dubbo", "cgtest", "cgtest_nopkg_pb2", "cgtest_nopkg_dubbo"}


@pytest.fixture(scope="session")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory holding ``_pb2.py``, ``_pb2.pyi`` and ``_dubbo.py`` for every test proto."""
    out = tmp_path_factory.mktemp("generated")
    result = run_codegen(f"--dubbopy_out={out}", *proto_paths())
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture
def load(generated: Path) -> Iterator[Callable[[str], ModuleType]]:
    """Import a generated module by name; afterwards the generated modules are forgotten again (and
    any same-named modules of other tests put back)."""

    def ours(name: str) -> bool:
        return name.partition(".")[0] in _GENERATED_ROOTS

    saved = {name: module for name, module in sys.modules.items() if ours(name)}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(generated))
    importlib.invalidate_caches()
    try:
        yield importlib.import_module
    finally:
        sys.path.remove(str(generated))
        for name in [name for name in sys.modules if ours(name)]:
            del sys.modules[name]
        sys.modules.update(saved)
