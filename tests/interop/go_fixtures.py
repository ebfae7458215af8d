"""Fixtures of the dubbo-go v3.3.2 interop harness (``tests/interop/go``, driven by ``tests/go_harness.py``).

* ``go_consumer``: the Go consumer call driver (:class:`GoConsumer`: ``call(...)``, ``await acall(...)``),
  a fresh process per test: dubbo-go keeps one registry client per registry address for the whole
  process, and its etcd registry watches each interface's ``providers`` path once
  (``remoting/etcdv3/listener.go`` ``ListenServiceEvent`` ignores a second listen of the same key), so
  a second subscription to an interface in a long-lived process would never see the providers that
  were already there;
* ``go_providers``: a function to start Go providers (:func:`start_provider`'s arguments), each stopped
  with SIGTERM when the test ends.

The binary comes from ``scripts/install-go-harness.sh`` (``scripts/install`` runs it): missing or older
than its sources, it fails the test under ``CI=true`` and skips it elsewhere (``testenv.require``).

``tests/conftest.py`` loads this module as the plugin ``interop.go_fixtures``; do not import it by name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from go_harness import DUBBO_GO_VERSION, INSTALL, GoConsumer, GoProvider, missing, start_consumer, start_provider
from testenv import require


def require_go_harness() -> None:
    """Fail (CI) or skip (elsewhere) unless the Go harness binary is built and current."""
    reason = missing()
    require(f"the dubbo-go {DUBBO_GO_VERSION} interop harness ({reason})", reason is None, INSTALL)


@pytest.fixture
def go_consumer() -> Iterator[GoConsumer]:
    """A dubbo-go consumer call driver of this test's own (it starts in well under a second)."""
    require_go_harness()
    with start_consumer() as consumer:
        yield consumer


@pytest.fixture
def go_providers() -> Iterator[Callable[..., GoProvider]]:
    """``go_providers(registry, protocol=..., version=..., group=...)`` starts a registered Go provider;
    all of them are stopped when the test ends."""
    require_go_harness()
    started: list[GoProvider] = []

    def start(registry: str, **kwargs: Any) -> GoProvider:
        provider = start_provider(registry, **kwargs)
        started.append(provider)
        return provider

    yield start
    for provider in started:
        provider.stop()
