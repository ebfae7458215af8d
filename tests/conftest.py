"""Fixtures shared by the whole suite: generated helloworld stubs, a running dubbopy server, peers.

Peers that someone else wrote (grpcio, grpcurl, curl) are required under ``CI=true``: a missing one
fails the test with the ``scripts/`` command that installs it. Outside CI such a test skips with the
same message.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace

import hypothesis
import pytest
from greeter_support import make_greeter
from testenv import CACHE, GEN_DIR, IN_CI, ROOT, require, tool_path

__all__ = ["CACHE", "GEN_DIR", "IN_CI", "ROOT", "require", "tool_path"]
# peer fixtures kept in their own modules: hessian_js (tests/interop/node_fixtures.py); the Java harness
# JVMs java33_provider, java27_provider, java33_consumer, java27_consumer, hessian_lite (java_fixtures.py);
# registry servers: zookeeper (registry_fixtures.py)
pytest_plugins = ["interop.node_fixtures", "interop.java_fixtures", "interop.go_fixtures", "registry_fixtures"]

# CI explores a fixed set of examples (a red CI run is then reproducible and never a matter of luck)
# and has no per-example deadline (the machine is shared); developers keep Hypothesis' random search.
hypothesis.settings.register_profile("ci", derandomize=True, deadline=None, print_blob=True)
hypothesis.settings.register_profile("dev", deadline=None)
hypothesis.settings.load_profile("ci" if IN_CI else "dev")

# registry clients of the suite (and the provider processes it starts) keep their address cache files in
# a directory of this run, not in ~/.dubbo (tests that check the location set their own)
os.environ.setdefault("DUBBOPY_REGISTRY_CACHE_DIR", tempfile.mkdtemp(prefix="dubbopy-registry-cache-"))


def generate(proto_dir: Path, *protos: str, grpc: bool = True) -> None:
    """Generate _pb2, .pyi, grpcio and dubbopy stubs for ``protos`` into ``tests/.gen``.

    Generated in a scratch directory and moved into place file by file, so test runs started at the same
    time never import a half-written module.
    """
    GEN_DIR.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory(dir=GEN_DIR, prefix=".tmp-") as scratch:
        args = [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            f"-I{proto_dir}",
            f"--python_out={scratch}",
            f"--pyi_out={scratch}",
            f"--dubbopy_out={scratch}",
        ]
        if grpc:
            args.append(f"--grpc_python_out={scratch}")
        subprocess.run([*args, *protos], check=True, cwd=ROOT)
        for produced in Path(scratch).iterdir():
            os.replace(produced, GEN_DIR / produced.name)


@pytest.fixture(scope="session")
def hw() -> SimpleNamespace:
    """The helloworld modules: ``hw.pb2``, ``hw.grpc`` (grpcio stubs), ``hw.dubbo`` (dubbopy stubs)."""
    generate(ROOT / "protos", "helloworld.proto")
    if str(GEN_DIR) not in sys.path:
        sys.path.insert(0, str(GEN_DIR))
    import helloworld_dubbo
    import helloworld_pb2
    import helloworld_pb2_grpc

    return SimpleNamespace(pb2=helloworld_pb2, grpc=helloworld_pb2_grpc, dubbo=helloworld_dubbo)


@pytest.fixture
async def triple_server(hw: SimpleNamespace) -> AsyncIterator[SimpleNamespace]:
    """A started dubbopy server on a free loopback port with the test Greeter.

    Yields ``SimpleNamespace(server, port, greeter, target)``.
    """
    import dubbopy

    greeter = make_greeter(hw)
    server = dubbopy.Server(protocols=["tri://127.0.0.1:0"])
    server.add(greeter)
    await server.start()
    try:
        port = server.ports[0]
        yield SimpleNamespace(server=server, port=port, greeter=greeter, target=f"127.0.0.1:{port}")
    finally:
        await server.stop(grace=1.0)
