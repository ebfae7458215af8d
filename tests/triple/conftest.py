"""Fixtures of the Triple acceptance tests: a real grpcio peer on each side of dubbopy.

* ``grpc_channel``: a ``grpc.aio`` channel to the dubbopy ``triple_server`` (``tests/conftest.py``).
* ``grpc_server``: a ``grpc.aio`` server running ``triple_support.GrpcGreeter`` on a free loopback port.
* ``dubbo_client``: a ``dubbopy.Client``, closed after the test; ``dubbo_stub`` a ``GreeterStub`` of it
  pointed at ``grpc_server``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from triple_support import start_grpc_server

import dubbopy


@pytest.fixture
async def grpc_server(hw: SimpleNamespace) -> AsyncIterator[SimpleNamespace]:
    """A running grpcio server with :class:`GrpcGreeter`; ``SimpleNamespace(server, port, greeter, url)``."""
    peer = await start_grpc_server(hw)
    try:
        yield peer
    finally:
        await peer.server.stop(None)


@pytest.fixture
async def grpc_channel(triple_server: SimpleNamespace) -> AsyncIterator[grpc.aio.Channel]:
    """A grpcio (``grpc.aio``) channel to the dubbopy test server."""
    async with grpc.aio.insecure_channel(triple_server.target) as channel:
        yield channel


@pytest.fixture
async def dubbo_client() -> AsyncIterator[dubbopy.Client]:
    """A dubbopy client with default options, closed after the test."""
    client = dubbopy.Client()
    try:
        yield client
    finally:
        await client.close()


@pytest.fixture
def dubbo_stub(hw: SimpleNamespace, dubbo_client: dubbopy.Client, grpc_server: SimpleNamespace) -> Any:
    """A dubbopy ``GreeterStub`` calling the grpcio server."""
    return hw.dubbo.GreeterStub(dubbo_client.reference(url=grpc_server.url))
