"""The generated code under ``mypy --strict`` (with user code overriding servicers in both styles) and
under ruff.

``typing_cases/user_greeter.py`` must type-check cleanly; every line of ``typing_cases/user_mistakes.py``
marked ``# error`` must be reported, and nothing else.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from codegen_support import REPO, proto_paths, run_codegen
from testenv import require

from dubbopy.codegen.source import LINE_LENGTH

CASES = Path(__file__).resolve().parent / "typing_cases"
_ERROR = re.compile(r"^(?P<file>[^:\n]+):(?P<line>\d+): error: ", re.MULTILINE)


def expected_errors() -> set[tuple[str, int]]:
    lines = (CASES / "user_mistakes.py").read_text().splitlines()
    return {("user_mistakes.py", n) for n, line in enumerate(lines, 1) if line.endswith("# error")}


def mypy_strict(tmp_path: Path, generated: Path, modules: list[str]) -> tuple[set[tuple[str, int]], str]:
    """Run ``mypy --strict`` on ``modules`` (found in ``generated``, the cases and this checkout)."""
    config = tmp_path / "mypy.ini"
    # dubbopy itself is checked by the project's own mypy run; only its types matter here
    config.write_text("[mypy]\n[mypy-dubbopy.*]\nfollow_imports = silent\n")
    env = {**os.environ, "MYPYPATH": os.pathsep.join([str(generated), str(CASES), str(REPO)])}
    command = [
        sys.executable,
        "-m",
        "mypy",
        "--config-file",
        str(config),
        "--strict",
        "--python-version=3.11",
    ]
    command += ["--no-incremental", f"--cache-dir={os.devnull}"]
    for module in modules:
        command += ["-m", module]
    result = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, check=False)
    output = result.stdout + result.stderr
    found = {(Path(m["file"]).name, int(m["line"])) for m in _ERROR.finditer(output)}
    return found, output


USER_MODULES = ["user_greeter", "user_mistakes"]
DUBBO_MODULES = [
    "helloworld_dubbo",
    "cgtest.api.store_service_dubbo",
    "cgtest_nopkg_dubbo",
    "cgtest.editions_dubbo",
]


@pytest.mark.slow
def test_helloworld_with_protoc_pyi_stubs(tmp_path: Path, generated: Path) -> None:
    """What ``python -m dubbopy.codegen --dubbopy_out=DIR`` writes (messages typed by ``--pyi_out``)."""
    found, output = mypy_strict(tmp_path, generated, ["helloworld_dubbo", *USER_MODULES])
    assert found == expected_errors(), output


@pytest.mark.slow
def test_all_generated_modules_with_mypy_protobuf_stubs(tmp_path: Path) -> None:
    """Messages typed by mypy-protobuf (``--mypy_out``), whose stubs are clean under ``--strict`` even
    for messages with message fields (protoc's ``--pyi_out`` leaves a bare ``Mapping`` there)."""
    require("mypy-protobuf (protoc-gen-mypy)", shutil.which("protoc-gen-mypy") is not None, "scripts/install")
    out = tmp_path / "gen"
    out.mkdir()
    result = run_codegen(f"--python_out={out}", f"--mypy_out={out}", f"--dubbopy_out={out}", *proto_paths())
    assert result.returncode == 0, result.stderr
    found, output = mypy_strict(tmp_path, out, [*DUBBO_MODULES, *USER_MODULES])
    assert found == expected_errors(), output


def test_generated_code_is_ruff_clean(generated: Path) -> None:
    """Formatted as ``ruff format`` would at the generator's line length, and lint-clean with the
    project's rules, so generated modules can live in a checked repository (the examples do)."""
    require("ruff", shutil.which("ruff") is not None, "scripts/install")
    files = sorted(str(path) for path in generated.rglob("*_dubbo.py"))
    assert len(files) == 4
    config = ["--config", str(REPO / "pyproject.toml"), "--no-cache"]
    formatted = subprocess.run(
        ["ruff", "format", *config, f"--line-length={LINE_LENGTH}", "--check", "--diff", *files],
        capture_output=True,
        text=True,
        check=False,
    )
    assert formatted.returncode == 0, formatted.stdout + formatted.stderr
    linted = subprocess.run(["ruff", "check", *config, *files], capture_output=True, text=True, check=False)
    assert linted.returncode == 0, linted.stdout + linted.stderr
