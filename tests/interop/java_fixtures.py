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

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from java_harness import (
    DUBBO_VERSIONS,
    INSTALL,
    JavaProcess,
    missing,
    start_consumer,
    start_hessian_lite,
    start_loadbalance_oracle,
    start_provider,
    start_registry_nodes,
)
from testenv import require

TESTS_DIR = Path(__file__).resolve().parents[1]
J = TypeVar("J", bound=JavaProcess)


def require_java_harness(request: pytest.FixtureRequest, version: str) -> None:
    """Fail (CI) or skip (elsewhere) unless java and the harness jars of ``version`` are ready."""
    reason = missing(version)
    require(f"the Java Dubbo {DUBBO_VERSIONS[version]} interop harness ({reason})", reason is None, INSTALL)


def _session_jvm(name: str, version: str, start: Callable[[str], J], doc: str) -> Any:
    """A session fixture ``name``: ``start(version)`` once the harness of ``version`` is ready, stopped at the
    end of the session."""

    def fixture(request: pytest.FixtureRequest) -> Iterator[J]:
        require_java_harness(request, version)
        with start(version) as jvm:
            yield jvm

    fixture.__name__ = fixture.__qualname__ = name
    fixture.__doc__ = doc
    return pytest.fixture(scope="session", name=name)(fixture)


java33_provider = _session_jvm(
    "java33_provider",
    "33",
    start_provider,
    "A Java Dubbo 3.3.6 provider on free loopback ports: ``dubbo_url`` and ``tri_url``.",
)
java27_provider = _session_jvm(
    "java27_provider", "27", start_provider, "A Java Dubbo 2.7.23 provider on a free loopback port: ``dubbo_url``."
)
java33_consumer = _session_jvm("java33_consumer", "33", start_consumer, "The Java Dubbo 3.3.6 consumer call driver.")
java27_consumer = _session_jvm("java27_consumer", "27", start_consumer, "The Java Dubbo 2.7.23 consumer call driver.")
hessian_lite = _session_jvm(
    "hessian_lite",
    "33",
    lambda _: start_hessian_lite(),
    "Java hessian-lite as a Hessian 2.0 peer: ``encode``, ``decode``, ``reencode``, ``*_stream``.",
)
java33_loadbalance = _session_jvm(
    "java33_loadbalance",
    "33",
    start_loadbalance_oracle,
    "Java Dubbo 3.3.6's ConsistentHashLoadBalance and RoundRobinLoadBalance as an oracle.",
)
java27_loadbalance = _session_jvm(
    "java27_loadbalance",
    "27",
    start_loadbalance_oracle,
    "Java Dubbo 2.7.23's ConsistentHashLoadBalance and RoundRobinLoadBalance as an oracle.",
)
java33_registry_nodes = _session_jvm(
    "java33_registry_nodes", "33", start_registry_nodes, "Java Dubbo 3.3.6 reading ZooKeeper registry nodes."
)
java27_registry_nodes = _session_jvm(
    "java27_registry_nodes", "27", start_registry_nodes, "Java Dubbo 2.7.23 reading ZooKeeper registry nodes."
)
