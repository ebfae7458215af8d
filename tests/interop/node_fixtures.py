"""The ``hessian_js`` fixture: hessian.js (npm, pinned in ``tests/interop/node/package-lock.json``) as a peer.

``tests/interop/node/hessian_peer.js`` runs under Node and answers the JSON-lines protocol of
``tests/hessian_peers.py``. Node comes from the system (Debian: ``apt-get install nodejs npm``), the npm
packages from ``scripts/install-node-peers.sh``; a missing one fails the test under ``CI=true`` and skips it
elsewhere, naming the command (``require`` in ``tests/conftest.py``).

``tests/conftest.py`` loads this module as the plugin ``interop.node_fixtures``, so every test sees the
fixture: do not import it by name (a second copy would start a second peer). No ``tests/interop/conftest.py``
on purpose: any conftest there would shadow ``tests/conftest.py`` for ``from conftest import ...``.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import testenv
from hessian_peers import JsonLinesPeer

NODE_DIR = Path(__file__).resolve().parent / "node"
TESTS_DIR = NODE_DIR.parents[1]
INSTALL = "scripts/install-node-peers.sh"


def pinned_version(package: str) -> str:
    """The version of ``package`` that ``package-lock.json`` pins."""
    lock = json.loads((NODE_DIR / "package-lock.json").read_text())
    return str(lock["packages"][f"node_modules/{package}"]["version"])


def installed_version(package: str) -> str | None:
    """The version of ``package`` in ``node_modules``, or None when it is not installed."""
    manifest = NODE_DIR / "node_modules" / package / "package.json"
    if not manifest.is_file():
        return None
    return str(json.loads(manifest.read_text())["version"])


def _require(config: pytest.Config) -> Callable[[str, bool, str], None]:
    return testenv.require


@pytest.fixture(scope="session")
def hessian_js(request: pytest.FixtureRequest) -> Iterator[JsonLinesPeer]:
    """A running hessian.js peer: ``.encode(tagged) -> bytes``, ``.decode(bytes) -> tagged``."""
    require = _require(request.config)
    node = shutil.which("node")
    require("node (Node.js >= 18)", node is not None, f"apt-get install nodejs npm, then {INSTALL}")
    wanted, found = pinned_version("hessian.js"), installed_version("hessian.js")
    require(f"hessian.js {wanted} (found {found or 'nothing'})", found == wanted, INSTALL)
    assert node is not None
    peer = JsonLinesPeer([node, str(NODE_DIR / "hessian_peer.js")], name="hessian.js", cwd=NODE_DIR)
    peer.start()
    try:
        hello = peer.request({"op": "ping"})
        assert hello.get("version") == wanted, f"hessian_peer.js runs hessian.js {hello.get('version')}"
        yield peer
    finally:
        peer.stop()
