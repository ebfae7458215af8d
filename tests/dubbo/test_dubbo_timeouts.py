"""Per-call timeouts, late responses, the worker pool limit and graceful shutdown."""

from __future__ import annotations

import asyncio
import logging
from types import SimpleNamespace

import pytest
from dubbo_support import SERVICE, invoke, value, wait_until

from dubbopy.errors import RpcError, StatusCode
from dubbopy.protocol.dubbo.protocol import DubboProtocol
from dubbopy.protocol.dubbo.server import ServerOptions
from dubbopy.rpc.invoker import Invoker
from dubbopy.url import URL


async def test_timeout_fails_the_call_and_the_late_response_is_dropped(
    invoker: Invoker, provider: SimpleNamespace, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="dubbopy.protocol.dubbo")
    result = await invoke(invoker, "slow", ["double"], [0.3], timeout=0.05)
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.DEADLINE_EXCEEDED
    assert "timed out" in result.exception.message
    await wait_until(lambda: "no call waits for it" in caplog.text, "the late response to be dropped")
    assert await value(invoker, "sayHi", ["java.lang.String"], ["after"]) == "hi, after"


async def test_url_timeout_applies_when_the_call_has_no_deadline(
    consumer: DubboProtocol, provider: SimpleNamespace
) -> None:
    invoker = consumer.refer(URL("dubbo", "127.0.0.1", provider.port, SERVICE, {"slow.timeout": "50"}))
    result = await invoke(invoker, "slow", ["double"], [0.3], timeout=None)
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.DEADLINE_EXCEEDED
    assert await value(invoker, "sayHi", ["java.lang.String"], ["x"], timeout=None) == "hi, x"


@pytest.mark.parametrize(
    ("written", "millis"), [("3000", 3000), ("3s", 3000), ("500ms", 500), ("1m30s", 90000), (" 2s ", 2000)]
)
async def test_url_timeout_reads_milliseconds_and_go_durations_alike(
    consumer: DubboProtocol, provider: SimpleNamespace, written: str, millis: int
) -> None:
    # the same forms the Triple invoker reads (dubbo-go writes "3s"); the wire carries milliseconds
    invoker = consumer.refer(URL("dubbo", "127.0.0.1", provider.port, SERVICE, {"timeout": written}))
    assert (await invoke(invoker, "context", timeout=None)).exception is None
    assert int(provider.impl.seen_attachments["timeout"]) == millis


async def test_method_timeout_as_a_go_duration_applies(consumer: DubboProtocol, provider: SimpleNamespace) -> None:
    invoker = consumer.refer(URL("dubbo", "127.0.0.1", provider.port, SERVICE, {"slow.timeout": "50ms"}))
    result = await invoke(invoker, "slow", ["double"], [0.3], timeout=None)
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.DEADLINE_EXCEEDED


@pytest.mark.parametrize("written", ["3x", "-5", "soon"])
async def test_url_timeout_that_is_no_duration_fails_the_call_naming_it(
    consumer: DubboProtocol, provider: SimpleNamespace, written: str
) -> None:
    invoker = consumer.refer(URL("dubbo", "127.0.0.1", provider.port, SERVICE, {"timeout": written}))
    result = await invoke(invoker, "context", timeout=None)
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.INTERNAL
    assert f"timeout={written!r}" in result.exception.message
    assert f"127.0.0.1:{provider.port}" in result.exception.message


async def test_timeout_attachment_is_sent_in_milliseconds(invoker: Invoker, provider: SimpleNamespace) -> None:
    await invoke(invoker, "context", timeout=2.5)
    assert 0 < int(provider.impl.seen_attachments["timeout"]) <= 2500


@pytest.mark.parametrize("provider_options", [ServerOptions(threads=1)], indirect=True)
async def test_full_worker_pool_refuses_calls(invoker: Invoker, provider: SimpleNamespace) -> None:
    blocked = asyncio.ensure_future(value(invoker, "block"))
    await wait_until(provider.impl.blocked.is_set, "the only worker thread to be busy")
    refused = await invoke(invoker, "threadName")
    assert isinstance(refused.exception, RpcError)
    assert refused.exception.status is StatusCode.RESOURCE_EXHAUSTED
    assert "thread pool is exhausted" in refused.exception.message
    assert await value(invoker, "sayHi", ["java.lang.String"], ["async still runs"]) == "hi, async still runs"
    provider.impl.release.set()
    assert await blocked == "released"
    assert (await value(invoker, "threadName")).startswith("dubbopy-dubbo")


async def test_graceful_shutdown_finishes_calls_in_flight_and_goes_read_only(
    invoker: Invoker, provider: SimpleNamespace
) -> None:
    slow = asyncio.ensure_future(value(invoker, "slow", ["double"], [0.3]))
    async with asyncio.timeout(10):
        await provider.impl.slow_started.wait()
    await provider.server.stop(grace=10)
    assert await slow == "done"
    result = await invoke(invoker, "sayHi", ["java.lang.String"], ["late"])
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.UNAVAILABLE


async def test_read_only_connection_takes_no_new_calls(invoker: Invoker, provider: SimpleNamespace) -> None:
    from dubbopy.protocol.dubbo.codec import Event
    from dubbopy.protocol.dubbo.connection import next_request_id

    assert await value(invoker, "sayHi", ["java.lang.String"], ["a"]) == "hi, a"
    [connection] = provider.server.connections
    connection.send_event(Event(next_request_id(), "R", twoway=False))
    await wait_until(lambda: not invoker.is_available(), "the consumer to see the readonly event")
    result = await invoke(invoker, "sayHi", ["java.lang.String"], ["b"])
    assert isinstance(result.exception, RpcError)
    assert "read-only" in result.exception.message
    connection.send_event(Event(next_request_id(), "W", twoway=False))
    await wait_until(invoker.is_available, "the consumer to see the writeable event")
    assert await value(invoker, "sayHi", ["java.lang.String"], ["c"]) == "hi, c"
