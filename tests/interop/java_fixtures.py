"""Session fixtures of the Java interop harness (``tests/interop/java``, driven by ``tests/java_harness.py``).

* ``java33_provider`` / ``java27_provider``: a Java Dubbo 3.3.6 / 2.7.23 provider (:class:`JavaProvider`:
  ``dubbo_url``, ``tri_url`` (3.3 only)) exporting GreetingsService, TypesService and, on 3.3 Triple,
  PbService;
* ``java33_consumer`` / ``java27_consumer``: the consumer call driver (:class:`JavaConsumer`:
  ``call(...)``, ``await acall(...)``), one JVM per line for the whole session;
* ``hessian_lite``: Java hessian-lite 4.0.x as a Hessian 2.0 peer (:class:`HessianLite`);
* ``java33_loadbalance`` / ``java27_loadbalance``: Java's consistenthash/roundrobin balancers as an oracle
  (:class:`LoadBalanceOracle`);
* ``java33_registry_nodes`` / ``java27_registry_nodes``: ZooKeeper registry nodes parsed as Java parses them
  (:class:`RegistryNodes`).

Each JVM starts when a test first asks for it and gets SIGTERM at the end of the session. The jars come
from ``scripts/install-java-harness.sh`` (``scripts/install`` runs it): missing or older than their sources,
they fail the test under ``CI=true`` and skip it elsewhere (``require`` in ``tests/conftest.py``).

``tests/conftest.py`` loads this module as the plugin ``interop.java_fixtures``; do not import it by name.
It is not ``tests/interop/conftest.py`` because a conftest there would shadow ``tests/conftest.py`` for
``from conftest import ...`` in the tests of this directory.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from java_harness import (
    DUBBO_VERSIONS,
    INSTALL,
    HessianLite,
    JavaConsumer,
    JavaProvider,
    LoadBalanceOracle,
    RegistryNodes,
    missing,
    start_consumer,
    start_hessian_lite,
    start_loadbalance_oracle,
    start_provider,
    start_registry_nodes,
)
from testenv import require

TESTS_DIR = Path(__file__).resolve().parents[1]


def require_java_harness(request: pytest.FixtureRequest, version: str) -> None:
    """Fail (CI) or skip (elsewhere) unless java and the harness jars of ``version`` are ready."""
    reason = missing(version)
    require(f"the Java Dubbo {DUBBO_VERSIONS[version]} interop harness ({reason})", reason is None, INSTALL)


@pytest.fixture(scope="session")
def java33_provider(request: pytest.FixtureRequest) -> Iterator[JavaProvider]:
    """A Java Dubbo 3.3.6 provider on free loopback ports: ``dubbo_url`` and ``tri_url``."""
    require_java_harness(request, "33")
    with start_provider("33") as provider:
        yield provider


@pytest.fixture(scope="session")
def java27_provider(request: pytest.FixtureRequest) -> Iterator[JavaProvider]:
    """A Java Dubbo 2.7.23 provider on a free loopback port: ``dubbo_url``."""
    require_java_harness(request, "27")
    with start_provider("27") as provider:
        yield provider


@pytest.fixture(scope="session")
def java33_consumer(request: pytest.FixtureRequest) -> Iterator[JavaConsumer]:
    """The Java Dubbo 3.3.6 consumer call driver."""
    require_java_harness(request, "33")
    with start_consumer("33") as consumer:
        yield consumer


@pytest.fixture(scope="session")
def java27_consumer(request: pytest.FixtureRequest) -> Iterator[JavaConsumer]:
    """The Java Dubbo 2.7.23 consumer call driver."""
    require_java_harness(request, "27")
    with start_consumer("27") as consumer:
        yield consumer


@pytest.fixture(scope="session")
def hessian_lite(request: pytest.FixtureRequest) -> Iterator[HessianLite]:
    """Java hessian-lite as a Hessian 2.0 peer: ``encode``, ``decode``, ``reencode``, ``*_stream``."""
    require_java_harness(request, "33")
    with start_hessian_lite() as peer:
        yield peer


@pytest.fixture(scope="session")
def java33_loadbalance(request: pytest.FixtureRequest) -> Iterator[LoadBalanceOracle]:
    """Java Dubbo 3.3.6's ConsistentHashLoadBalance and RoundRobinLoadBalance as an oracle."""
    require_java_harness(request, "33")
    with start_loadbalance_oracle("33") as oracle:
        yield oracle


@pytest.fixture(scope="session")
def java27_loadbalance(request: pytest.FixtureRequest) -> Iterator[LoadBalanceOracle]:
    """Java Dubbo 2.7.23's ConsistentHashLoadBalance and RoundRobinLoadBalance as an oracle."""
    require_java_harness(request, "27")
    with start_loadbalance_oracle("27") as oracle:
        yield oracle


@pytest.fixture(scope="session")
def java33_registry_nodes(request: pytest.FixtureRequest) -> Iterator[RegistryNodes]:
    """Java Dubbo 3.3.6 reading ZooKeeper registry nodes."""
    require_java_harness(request, "33")
    with start_registry_nodes("33") as reader:
        yield reader


@pytest.fixture(scope="session")
def java27_registry_nodes(request: pytest.FixtureRequest) -> Iterator[RegistryNodes]:
    """Java Dubbo 2.7.23 reading ZooKeeper registry nodes."""
    require_java_harness(request, "27")
    with start_registry_nodes("27") as reader:
        yield reader
