"""The payload limit in both directions, on both sides (spec/dubbo-protocol.md §1.4)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from dubbo_support import SERVICE, invoke, value

from dubbopy.errors import RpcError, StatusCode
from dubbopy.protocol.dubbo.client import ClientOptions
from dubbopy.protocol.dubbo.protocol import DubboProtocol
from dubbopy.protocol.dubbo.server import ServerOptions
from dubbopy.rpc.invoker import Invoker
from dubbopy.url import URL

LIMIT = 4096


async def test_consumer_refuses_to_send_a_request_over_its_limit(
    consumer: DubboProtocol, provider: SimpleNamespace
) -> None:
    invoker = consumer.refer(URL("dubbo", "127.0.0.1", provider.port, SERVICE, {"payload": str(LIMIT)}))
    result = await invoke(invoker, "length", ["java.lang.String"], ["x" * LIMIT])
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.RESOURCE_EXHAUSTED
    assert f"max payload: {LIMIT}" in result.exception.message
    assert provider.server.connections == set()  # nothing was sent: no connection was even needed
    assert await value(invoker, "length", ["java.lang.String"], ["x" * 100]) == 100


@pytest.mark.parametrize("provider_options", [ServerOptions(payload=LIMIT)], indirect=True)
async def test_provider_refuses_a_request_over_its_limit_and_keeps_the_connection(
    invoker: Invoker, provider: SimpleNamespace
) -> None:
    result = await invoke(invoker, "length", ["java.lang.String"], ["x" * (LIMIT * 4)])
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.INTERNAL  # BAD_REQUEST from the provider
    assert "Data length too large" in result.exception.message
    assert await value(invoker, "length", ["java.lang.String"], ["x" * 100]) == 100
    assert len(provider.server.connections) == 1


@pytest.mark.parametrize("provider_options", [ServerOptions(payload=LIMIT)], indirect=True)
async def test_provider_answers_serialization_error_for_a_response_over_its_limit(
    invoker: Invoker, provider: SimpleNamespace
) -> None:
    result = await invoke(invoker, "big", ["int"], [LIMIT * 2])
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.INTERNAL  # SERIALIZATION_ERROR (25)
    assert f"max payload: {LIMIT}" in result.exception.message
    assert await value(invoker, "big", ["int"], [10]) == "x" * 10


async def test_consumer_refuses_a_response_over_its_limit_from_the_header(
    consumer: DubboProtocol, provider: SimpleNamespace
) -> None:
    consumer.client_options = ClientOptions(payload=LIMIT)
    invoker = consumer.refer(URL("dubbo", "127.0.0.1", provider.port, SERVICE))
    result = await invoke(invoker, "big", ["int"], [LIMIT * 100])
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.RESOURCE_EXHAUSTED
    assert "Data length too large" in result.exception.message
    # the body was skipped, not taken for the next frame: the same connection keeps working
    assert await value(invoker, "big", ["int"], [10]) == "x" * 10
    assert len(provider.server.connections) == 1


async def test_bodies_at_the_limit_pass(consumer: DubboProtocol) -> None:
    from dubbo_support import start_provider

    started = await start_provider(ServerOptions(payload=LIMIT))
    try:
        consumer.client_options = ClientOptions(payload=LIMIT)
        invoker = consumer.refer(URL("dubbo", "127.0.0.1", started.port, SERVICE))
        # grow the argument until the request body is exactly at the limit, then one byte over
        size = LIMIT - 400
        while True:
            # timeout=None: the timeout attachment is the URL default "1000", so the body grows by one byte a step
            result = await invoke(invoker, "length", ["java.lang.String"], ["y" * size], timeout=None)
            if result.exception is not None:
                break
            size += 1
        assert isinstance(result.exception, RpcError)
        assert result.exception.status is StatusCode.RESOURCE_EXHAUSTED
        assert f"Data length too large: {LIMIT + 1}," in result.exception.message
    finally:
        await started.protocol.close()
