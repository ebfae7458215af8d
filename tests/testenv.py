"""Where the suite runs and what it may expect, importable from any test module (``from testenv import …``).

Not a conftest: ``conftest`` names a different module in every test directory, so helpers that tests
import live here.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TESTS_DIR = ROOT / "tests"
GEN_DIR = TESTS_DIR / ".gen"
CACHE = Path(os.environ.get("DUBBOPY_CACHE", Path.home() / ".cache" / "dubbopy"))
IN_CI = os.environ.get("CI", "").lower() == "true"


def require(what: str, found: bool, install: str) -> None:
    """Fail (in CI) or skip (elsewhere) when a peer is missing, naming the command that installs it."""
    if found:
        return
    message = f"{what} is missing: run {install}"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def tool_path(name: str) -> str:
    """Path of a peer binary: PATH first, then the project's cache (``scripts/install-*.sh``)."""
    found = shutil.which(name) or shutil.which(name, path=str(CACHE / "bin"))
    require(name, found is not None, f"scripts/install-{name}.sh")
    assert found is not None
    return found
