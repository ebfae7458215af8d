"""Paths and a protoc runner shared by the code generator tests."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
TEST_PROTOS = Path(__file__).resolve().parent / "protos"
#: (include root, file) pairs: the examples' helloworld plus the test protos
PROTO_FILES = [
    (REPO / "protos", "helloworld.proto"),
    (TEST_PROTOS, "cgtest/common/types.proto"),
    (TEST_PROTOS, "cgtest/api/store-service.proto"),
    (TEST_PROTOS, "cgtest_nopkg.proto"),
    (TEST_PROTOS, "cgtest/editions.proto"),
]


def run_codegen(*args: str) -> subprocess.CompletedProcess[str]:
    """``python -m dubbopy.codegen`` with both include roots and ``args``, from this checkout."""
    return subprocess.run(
        [sys.executable, "-m", "dubbopy.codegen", f"-I{REPO / 'protos'}", f"-I{TEST_PROTOS}", *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )


def proto_paths() -> list[str]:
    """The test protos as paths protoc can map back to an include root."""
    return [str(root / name) for root, name in PROTO_FILES]
