"""Every status code 1..16 with its message and details, across the real grpcio peer in both directions.

Messages carry non-ASCII text and ``%`` (including ``%41``, which must stay literal) so that the
percent-encoding of ``grpc-message`` is exercised both ways. Details are the ``grpc-status-details-bin``
trailer, passed through untouched: raw bytes from the dubbopy test Greeter, and a ``google.rpc.Status``
read with grpcio-status's ``rpc_status`` (which also checks that code and message agree with it).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from triple_support import grpc_status_module, within

import dubbopy
from dubbopy.errors import StatusCode

pytestmark = pytest.mark.interop

CODES = [code for code in StatusCode if code is not StatusCode.OK]


def message_for(code: StatusCode) -> str:
    """A status message with everything percent-encoding must get right."""
    return f"{code.name} 100% sûr, %41 stays, 日本語 ✓ tab\tand newline\nend"


def grpcio_code(code: StatusCode) -> grpc.StatusCode:
    return next(c for c in grpc.StatusCode if c.value[0] == int(code))


def rich_status(code: StatusCode) -> Any:
    """A ``google.rpc.Status`` with one ``ErrorInfo`` detail."""
    from google.protobuf import any_pb2
    from google.rpc import error_details_pb2, status_pb2

    info = any_pb2.Any()
    info.Pack(error_details_pb2.ErrorInfo(reason="TEST", domain="dubbopy.test", metadata={"code": str(int(code))}))
    return status_pb2.Status(code=int(code), message=message_for(code), details=[info])


# ---------------------------------------------------------------- dubbopy server → grpcio client


@pytest.mark.parametrize("code", CODES, ids=lambda c: c.name)
async def test_grpcio_client_sees_each_status_from_dubbopy(
    hw: SimpleNamespace, grpc_channel: grpc.aio.Channel, code: StatusCode
) -> None:
    message = message_for(code)
    call = hw.grpc.GreeterStub(grpc_channel).SayHello(
        hw.pb2.HelloRequest(name=f"!status:{int(code)}:{message}"), timeout=10
    )
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await within(call, "the failing call")
    error = caught.value
    assert error.code() == grpcio_code(code)
    assert error.details() == message
    trailers = tuple(error.trailing_metadata())
    assert ("err-trailer", "yes") in trailers
    assert ("grpc-status-details-bin", b"details") in trailers


async def test_grpcio_client_reads_rich_status_details_from_dubbopy(hw: SimpleNamespace) -> None:
    rpc_status = grpc_status_module()

    class Rich(hw.dubbo.GreeterServicer):  # type: ignore[misc,name-defined]
        async def SayHello(self, request: Any, context: dubbopy.ServicerContext) -> Any:
            code = StatusCode(int(request.name))
            context.abort(code, message_for(code), details=rich_status(code).SerializeToString())

        async def LotsOfReplies(self, request: Any, context: dubbopy.ServicerContext) -> AsyncIterator[Any]:
            yield hw.pb2.HelloReply(message="before the error")
            code = StatusCode(int(request.name))
            raise dubbopy.RpcError(code, message_for(code), details=rich_status(code).SerializeToString())

    server = dubbopy.Server(protocols=["tri://127.0.0.1:0"])
    server.add(Rich())
    await server.start()
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{server.ports[0]}") as channel:
            stub = hw.grpc.GreeterStub(channel)
            for code in CODES:
                call = stub.SayHello(hw.pb2.HelloRequest(name=str(int(code))), timeout=10)
                with pytest.raises(grpc.aio.AioRpcError):
                    await within(call, f"the {code.name} call")
                # from_call raises ValueError if code or message disagree with grpc-status / grpc-message
                assert await within(rpc_status.aio.from_call(call), "the details") == rich_status(code)

                stream = stub.LotsOfReplies(hw.pb2.HelloRequest(name=str(int(code))), timeout=10)
                assert (await within(stream.read(), "the message before the error")).message == "before the error"
                with pytest.raises(grpc.aio.AioRpcError) as caught:
                    await within(stream.read(), f"the {code.name} trailers after a message")
                assert caught.value.code() == grpcio_code(code)
                assert await within(rpc_status.aio.from_call(stream), "the details") == rich_status(code)
    finally:
        await server.stop(grace=1.0)


async def test_grpcio_client_sees_a_python_exception_as_unknown(
    hw: SimpleNamespace, grpc_channel: grpc.aio.Channel
) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await within(
            hw.grpc.GreeterStub(grpc_channel).SayHello(hw.pb2.HelloRequest(name="!raise"), timeout=10), "the call"
        )
    assert caught.value.code() == grpc.StatusCode.UNKNOWN
    assert "boom from the handler" in caught.value.details()


# ---------------------------------------------------------------- grpcio server → dubbopy client


@pytest.mark.parametrize("code", CODES, ids=lambda c: c.name)
async def test_dubbopy_client_sees_each_status_from_grpcio(
    hw: SimpleNamespace, dubbo_stub: Any, code: StatusCode
) -> None:
    grpc_status_module()
    message = message_for(code)
    with pytest.raises(dubbopy.RpcError) as caught:
        await within(
            dubbo_stub.SayHello(hw.pb2.HelloRequest(name=f"!status:{int(code)}:{message}"), timeout=10),
            "the failing call",
        )
    error = caught.value
    assert error.status is code
    assert error.message == message
    from google.rpc import status_pb2

    assert error.details is not None
    assert status_pb2.Status.FromString(error.details) == rich_status(code)
    assert ("err-trailer", "yes") in error.trailers


async def test_dubbopy_client_sees_a_status_after_streamed_messages(hw: SimpleNamespace, dubbo_stub: Any) -> None:
    grpc_status_module()
    code = StatusCode.FAILED_PRECONDITION
    call = dubbo_stub.LotsOfReplies(hw.pb2.HelloRequest(name=f"!status:{int(code)}:{message_for(code)}"), timeout=10)
    assert (await within(call.read(), "the message before the error")).message == "before the error"
    with pytest.raises(dubbopy.RpcError) as caught:
        await within(call.read(), "the error")
    assert caught.value.status is code
    assert caught.value.message == message_for(code)
    assert await within(call.code(), "the status") is code
    assert ("err-trailer", "yes") in await within(call.trailing_metadata(), "the trailers")


async def test_dubbopy_client_sees_a_python_exception_in_grpcio_as_unknown(
    hw: SimpleNamespace, dubbo_stub: Any
) -> None:
    with pytest.raises(dubbopy.RpcError) as caught:
        await within(dubbo_stub.SayHello(hw.pb2.HelloRequest(name="!raise"), timeout=10), "the call")
    assert caught.value.status is StatusCode.UNKNOWN


async def test_sync_client_raises_the_status_from_grpcio(hw: SimpleNamespace, grpc_server: SimpleNamespace) -> None:
    grpc_status_module()
    code = StatusCode.PERMISSION_DENIED

    def call() -> None:
        with dubbopy.SyncClient() as client:
            stub = hw.dubbo.GreeterSyncStub(client.reference(url=grpc_server.url))
            stub.SayHello(hw.pb2.HelloRequest(name=f"!status:{int(code)}:{message_for(code)}"), timeout=10)

    with pytest.raises(dubbopy.RpcError) as caught:
        await within(asyncio.to_thread(call), "the blocking call")
    assert caught.value.status is code
    assert caught.value.message == message_for(code)
