"""Generate the Python code of the benchmark proto into ``benchmarks/gen/`` (never committed).

Produces, from ``benchmarks/protos/echo.proto``:

- ``echo_pb2.py`` / ``echo_pb2.pyi`` — messages (protobuf),
- ``echo_pb2_grpc.py`` — grpcio stubs and servicer base,
- ``echo_grpc.py`` — grpclib stubs and servicer base (grpclib's ``protoc-gen-grpclib_python`` plugin),
- ``echo_dubbo.py`` — dubbopy stubs and servicer base (``protoc-gen-dubbopy``).

The files are regenerated whenever the proto or the version of ``grpcio-tools`` / ``grpclib`` changes
(a stamp file records what they were generated from). Generation happens in a scratch directory and
the files are moved into place one by one, so concurrent runners never import half-written code.

Run it by hand with ``python benchmarks/codegen.py [--force]``; ``run.py`` and every peer call
``ensure_generated()`` themselves.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
PROTO_DIR = BENCH_DIR / "protos"
PROTO_FILE = PROTO_DIR / "echo.proto"
GEN_DIR = BENCH_DIR / "gen"
STAMP_FILE = GEN_DIR / ".stamp"

#: Files protoc writes for ``echo.proto``; the stamp is written after all of them.
GENERATED = ("echo_pb2.py", "echo_pb2.pyi", "echo_pb2_grpc.py", "echo_grpc.py", "echo_dubbo.py")


def _version(dist: str) -> str:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return "absent"


def _stamp() -> str:
    """Fingerprint of everything the generated code depends on."""
    digest = hashlib.sha256(PROTO_FILE.read_bytes()).hexdigest()
    plugin = hashlib.sha256((BENCH_DIR.parent / "dubbopy" / "codegen" / "generator.py").read_bytes()).hexdigest()[:12]
    return f"{digest} grpcio-tools={_version('grpcio-tools')} grpclib={_version('grpclib')} dubbopy={plugin}\n"


def _grpclib_plugin() -> str:
    """Path of grpclib's protoc plugin: next to this interpreter first, then on PATH."""
    name = "protoc-gen-grpclib_python"
    beside = Path(sys.executable).parent / name
    if beside.exists():
        return str(beside)
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found: install grpclib (pip install grpclib) to generate its stubs")
    return found


def is_current() -> bool:
    """True when every generated file exists and was made from the current proto and tools."""
    if not STAMP_FILE.exists() or any(not (GEN_DIR / name).exists() for name in GENERATED):
        return False
    return STAMP_FILE.read_text() == _stamp()


def generate() -> Path:
    """Run ``python -m grpc_tools.protoc`` for messages, grpcio and grpclib stubs; return ``GEN_DIR``."""
    GEN_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=GEN_DIR, prefix=".tmp-") as scratch:
        cmd = [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{PROTO_DIR}",
            f"--python_out={scratch}",
            f"--pyi_out={scratch}",
            f"--grpc_python_out={scratch}",
            f"--plugin=protoc-gen-grpclib_python={_grpclib_plugin()}",
            f"--grpclib_python_out={scratch}",
            f"--dubbopy_out={scratch}",
            str(PROTO_FILE),
        ]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"protoc failed ({done.returncode}): {' '.join(cmd)}\n{done.stderr}")
        for name in GENERATED:
            os.replace(Path(scratch) / name, GEN_DIR / name)
    stamp_tmp = GEN_DIR / f".stamp.{os.getpid()}"
    stamp_tmp.write_text(_stamp())
    os.replace(stamp_tmp, STAMP_FILE)
    return GEN_DIR


def ensure_generated(*, force: bool = False) -> Path:
    """Generate the code unless it is already current; return the directory to put on ``sys.path``."""
    if force or not is_current():
        generate()
    return GEN_DIR


def main() -> None:
    """Command line: ``python benchmarks/codegen.py [--force]``."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--force", action="store_true", help="regenerate even if the code is current")
    args = parser.parse_args()
    out = ensure_generated(force=args.force)
    print(f"generated {', '.join(GENERATED)} in {out}")


if __name__ == "__main__":
    main()
