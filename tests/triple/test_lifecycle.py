"""Graceful shutdown (GOAWAY + draining) and keepalive pings, as a user of the server or client sees them."""

from __future__ import annotations

import asyncio
import socket
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from greeter_support import make_greeter
from triple_support import within

import dubbopy
from dubbopy.errors import StatusCode


async def _server(hw: SimpleNamespace, **options: Any) -> tuple[dubbopy.Server, Any]:
    greeter = make_greeter(hw)
    server = dubbopy.Server(protocols=["tri://127.0.0.1:0"], options=dubbopy.ServerOptions(**options))
    server.add(greeter)
    await server.start()
    return server, greeter


async def test_shutdown_lets_in_flight_calls_finish_and_refuses_new_connections(hw: SimpleNamespace) -> None:
    server, greeter = await _server(hw)
    target = f"127.0.0.1:{server.ports[0]}"
    async with grpc.aio.insecure_channel(target) as channel:
        stub = hw.grpc.GreeterStub(channel)
        slow = asyncio.ensure_future(stub.SayHello(hw.pb2.HelloRequest(name="!sleep:1.0"), timeout=20))
        await within(greeter.event("sleeping").wait(), "the slow handler to start")
        await within(server.stop(grace=10.0), "the graceful stop")
        reply = await within(slow, "the in-flight call")
        assert reply.message == "woke"
        assert greeter.cancelled == []
    async with grpc.aio.insecure_channel(target) as channel:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await hw.grpc.GreeterStub(channel).SayHello(hw.pb2.HelloRequest(name="late"), timeout=3)
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_calls_still_running_after_the_grace_period_are_cancelled(hw: SimpleNamespace) -> None:
    server, greeter = await _server(hw)
    async with dubbopy.Client() as client:
        stub = hw.dubbo.GreeterStub(client.reference(url=f"tri://127.0.0.1:{server.ports[0]}"))
        slow = asyncio.ensure_future(stub.SayHello(hw.pb2.HelloRequest(name="!sleep:60"), timeout=30))
        await within(greeter.event("sleeping").wait(), "the slow handler to start")
        await within(server.stop(grace=0.3), "the stop after its grace period")
        with pytest.raises(dubbopy.RpcError) as ended:
            await within(slow, "the cancelled call")
        await within(greeter.event("cancelled").wait(), "the handler to observe cancellation")
    assert ended.value.status is StatusCode.UNAVAILABLE


async def test_client_reconnects_after_the_server_went_away(hw: SimpleNamespace) -> None:
    first, _ = await _server(hw)
    port = first.ports[0]
    async with dubbopy.Client() as client:
        stub = hw.dubbo.GreeterStub(client.reference(url=f"tri://127.0.0.1:{port}"))
        assert (await stub.SayHello(hw.pb2.HelloRequest(name="one"), timeout=10)).message == "hi one"
        await first.stop(grace=1.0)
        second = dubbopy.Server(protocols=[f"tri://127.0.0.1:{port}"])
        second.add(make_greeter(hw))
        await second.start()
        try:
            reply = await stub.SayHello(hw.pb2.HelloRequest(name="two"), timeout=10)
        finally:
            await second.stop(grace=1.0)
    assert reply.message == "hi two"


async def test_server_closes_a_connection_whose_peer_stops_answering_pings(hw: SimpleNamespace) -> None:
    server, _ = await _server(hw, keepalive_time=0.2, keepalive_timeout=0.4)
    try:
        loop = asyncio.get_running_loop()
        sock = socket.create_connection(("127.0.0.1", server.ports[0]))
        sock.setblocking(False)
        # a client preface and SETTINGS, then silence: PINGs are never answered
        await loop.sock_sendall(sock, b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")

        async def until_eof() -> None:
            while await loop.sock_recv(sock, 65536):
                pass

        await within(until_eof(), "the server to close the silent connection", 10)
        sock.close()
    finally:
        await server.stop(grace=1.0)


async def test_client_fails_calls_on_a_peer_that_stops_answering_pings(hw: SimpleNamespace) -> None:
    """A server that accepted the connection but froze: keepalive turns a hang into UNAVAILABLE."""
    frozen: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        frozen.append(writer)
        # server SETTINGS so the client's connection is up, then never read or answer again
        writer.write(b"\x00\x00\x00\x04\x00\x00\x00\x00\x00")
        await writer.drain()

    listener = await asyncio.start_server(accept, "127.0.0.1", 0)
    port = listener.sockets[0].getsockname()[1]
    options = dubbopy.ClientOptions(keepalive_time=0.2, keepalive_timeout=0.4)
    try:
        async with dubbopy.Client(options=options) as client:
            stub = hw.dubbo.GreeterStub(client.reference(url=f"tri://127.0.0.1:{port}"))
            with pytest.raises(dubbopy.RpcError) as failed:
                await within(stub.SayHello(hw.pb2.HelloRequest(name="x")), "the call to fail", 10)
        assert failed.value.status is StatusCode.UNAVAILABLE
    finally:
        for writer in frozen:
            writer.close()
        listener.close()
        await listener.wait_closed()


async def test_shutdown_drains_a_plain_http_call_in_flight(hw: SimpleNamespace) -> None:
    server, greeter = await _server(hw)
    reader, writer = await asyncio.open_connection("127.0.0.1", server.ports[0])
    body = b'{"name": "!sleep:0.5"}'
    writer.write(
        b"POST /helloworld.Greeter/SayHello HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\n"
        b"content-length: %d\r\n\r\n%s" % (len(body), body)
    )
    await writer.drain()
    await within(greeter.event("sleeping").wait(), "the slow handler to start")
    await within(server.stop(grace=10.0), "the graceful stop")
    response = await within(reader.read(), "the response and the close")
    writer.close()
    assert response.startswith(b"HTTP/1.1 200")
    assert b'"woke"' in response
