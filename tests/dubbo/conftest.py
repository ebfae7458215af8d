"""Fixtures of the Dubbo protocol tests: a Python provider and a Python consumer over real sockets.

* ``provider``: a :class:`DubboProtocol` exporting :class:`dubbo_support.Greetings` on a free loopback
  port; ``SimpleNamespace(protocol, impl, url, port, server, exporter)``. Options can be changed per test with
  ``@pytest.mark.parametrize("provider_options", [ServerOptions(...)], indirect=True)``.
* ``consumer``: a :class:`DubboProtocol` for referring (closed after the test) and ``invoker`` one
  reference to ``provider``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest
from dubbo_support import SERVICE, start_provider

from dubbopy.protocol.dubbo.protocol import DubboProtocol
from dubbopy.protocol.dubbo.server import ServerOptions
from dubbopy.rpc.invoker import Invoker
from dubbopy.url import URL


@pytest.fixture
def provider_options(request: pytest.FixtureRequest) -> ServerOptions:
    """Server options (parametrize indirectly to change them)."""
    return getattr(request, "param", ServerOptions())


@pytest.fixture
async def provider(provider_options: ServerOptions) -> AsyncIterator[SimpleNamespace]:
    """A running provider; see the module docstring."""
    started = await start_provider(provider_options)
    try:
        yield started
    finally:
        await started.protocol.close()


@pytest.fixture
async def consumer() -> AsyncIterator[DubboProtocol]:
    """A consumer-side protocol, closed after the test."""
    protocol = DubboProtocol()
    try:
        yield protocol
    finally:
        await protocol.close()


@pytest.fixture
def invoker(consumer: DubboProtocol, provider: SimpleNamespace) -> Invoker:
    """A reference to the provider's ``GreetingsService``."""
    return consumer.refer(URL("dubbo", "127.0.0.1", provider.port, SERVICE))
