"""Request metadata, response headers and trailers, text and binary (``-bin``), across the real grpcio peer
in both directions.

Binary values are chosen to exercise base64 in both padded lengths, the empty value, every byte value and
a 4 KiB value; text values include duplicates of one key, which must keep their order.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from triple_support import grpc_status_module, within

import dubbopy

pytestmark = pytest.mark.interop

REQUEST_METADATA: list[tuple[str, str | bytes]] = [
    ("x-text", "hello world; with = and , punctuation"),
    ("x-dup", "first"),
    ("x-dup", "second"),
    ("x-one-bin", b"\x00"),
    ("x-two-bin", b"\xff\xfe"),
    ("x-all-bin", bytes(range(256))),
    ("x-empty-bin", b""),
    ("x-big-bin", bytes(range(256)) * 16),
]


def user_metadata(metadata: Any) -> list[tuple[str, str | bytes]]:
    """The ``x-*`` entries of a metadata sequence, in order."""
    return [(k, v) for k, v in metadata if k.startswith("x-")]


class Echo:
    """A dubbopy handler echoing the ``x-*`` request metadata as response headers and as trailers."""

    def __init__(self, pb2: Any) -> None:
        self.pb2 = pb2
        self.seen: list[tuple[str, str | bytes]] = []

    async def SayHello(self, request: Any, context: dubbopy.ServicerContext) -> Any:
        self.seen = user_metadata(context.invocation_metadata())
        await context.send_initial_metadata([("x-initial-bin", b"\x01\x02\x03"), *self.seen])
        context.set_trailing_metadata([("x-trailing", "t"), *self.seen])
        return self.pb2.HelloReply(message="echoed")


@pytest.fixture
async def echo_server(hw: SimpleNamespace) -> Any:
    servicer = type("EchoGreeter", (Echo, hw.dubbo.GreeterServicer), {})(hw.pb2)
    server = dubbopy.Server(protocols=["tri://127.0.0.1:0"])
    server.add(servicer)
    await server.start()
    try:
        yield SimpleNamespace(servicer=servicer, target=f"127.0.0.1:{server.ports[0]}")
    finally:
        await server.stop(grace=1.0)


# ---------------------------------------------------------------- grpcio client → dubbopy server


async def test_dubbopy_handler_sees_grpcio_metadata_and_echoes_it_as_headers_and_trailers(
    hw: SimpleNamespace, echo_server: SimpleNamespace
) -> None:
    async with grpc.aio.insecure_channel(echo_server.target) as channel:
        call = hw.grpc.GreeterStub(channel).SayHello(
            hw.pb2.HelloRequest(name="m"), metadata=REQUEST_METADATA, timeout=10
        )
        assert (await within(call, "the call")).message == "echoed"
        initial = user_metadata(await within(call.initial_metadata(), "the response headers"))
        trailing = user_metadata(await within(call.trailing_metadata(), "the trailers"))
    assert echo_server.servicer.seen == REQUEST_METADATA
    assert initial == [("x-initial-bin", b"\x01\x02\x03"), *REQUEST_METADATA]
    assert trailing == [("x-trailing", "t"), *REQUEST_METADATA]


async def test_grpcio_sees_the_test_greeters_initial_and_trailing_metadata(
    hw: SimpleNamespace, grpc_channel: grpc.aio.Channel
) -> None:
    call = hw.grpc.GreeterStub(grpc_channel).SayHello(
        hw.pb2.HelloRequest(name="!meta"), metadata=REQUEST_METADATA, timeout=10
    )
    assert (await within(call, "the call")).message == "meta"
    assert ("x-initial", "init") in tuple(await within(call.initial_metadata(), "the response headers"))
    assert user_metadata(await within(call.trailing_metadata(), "the trailers")) == REQUEST_METADATA


async def test_grpcio_sees_error_trailers_from_a_trailers_only_response(
    hw: SimpleNamespace, grpc_channel: grpc.aio.Channel
) -> None:
    call = hw.grpc.GreeterStub(grpc_channel).SayHello(hw.pb2.HelloRequest(name="!status:9:nope"), timeout=10)
    with pytest.raises(grpc.aio.AioRpcError):
        await within(call, "the failing call")
    assert ("err-trailer", "yes") in tuple(await within(call.trailing_metadata(), "the trailers"))


# ---------------------------------------------------------------- dubbopy client → grpcio server


async def test_grpcio_handler_sees_dubbopy_metadata_and_echoes_it(hw: SimpleNamespace, dubbo_stub: Any) -> None:
    call = dubbo_stub.SayHello(hw.pb2.HelloRequest(name="!meta"), metadata=REQUEST_METADATA, timeout=10)
    assert (await within(call, "the call")).message == "meta"
    initial = user_metadata(await within(call.initial_metadata(), "the response headers"))
    trailing = user_metadata(await within(call.trailing_metadata(), "the trailers"))
    assert initial == [("x-initial", "init"), *REQUEST_METADATA]
    assert trailing == REQUEST_METADATA


async def test_reference_attachments_reach_grpcio_as_metadata(
    hw: SimpleNamespace, dubbo_client: dubbopy.Client, grpc_server: SimpleNamespace
) -> None:
    reference = dubbo_client.reference(url=grpc_server.url, attachments={"x-tenant": "t1", "x-blob": b"\x00\xff"})
    call = hw.dubbo.GreeterStub(reference).SayHello(hw.pb2.HelloRequest(name="!meta"), timeout=10)
    await within(call, "the call")
    trailing = user_metadata(await within(call.trailing_metadata(), "the trailers"))
    assert ("x-tenant", "t1") in trailing
    assert ("x-blob-bin", b"\x00\xff") in trailing


async def test_dubbopy_streaming_call_exposes_grpcio_metadata(hw: SimpleNamespace, dubbo_stub: Any) -> None:
    grpc_status_module()  # the grpcio Greeter builds its rich status with grpcio-status
    # a failing server stream: headers with one message, then trailers with rich status and err-trailer
    call = dubbo_stub.LotsOfReplies(hw.pb2.HelloRequest(name="!status:10:aborted"), timeout=10)
    assert (await within(call.read(), "the first message")).message == "before the error"
    with pytest.raises(dubbopy.RpcError) as caught:
        await within(call.read(), "the error")
    assert caught.value.details  # grpc-status-details-bin, kept apart from the metadata
    assert ("err-trailer", "yes") in await within(call.trailing_metadata(), "the trailers")
