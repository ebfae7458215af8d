"""The Triple headers of spec/triple.md §1.1/§2: version/group routing, consumer app name, tri-req-id.

A Java or Go consumer selects one of several exports of a service with ``tri-service-version`` and
``tri-service-group``; these tests send those headers from grpcio (as plain metadata, the way a foreign
client would) and from the dubbopy client (which writes them from the reference's settings).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import grpc
import pytest

import dubbopy
from dubbopy.errors import StatusCode


def _tagged(hw: SimpleNamespace, tag: str) -> Any:
    class Tagged(hw.dubbo.GreeterServicer):  # type: ignore[misc,name-defined]
        async def SayHello(self, request: Any, context: dubbopy.ServicerContext) -> Any:
            seen = dict(context.invocation_metadata())
            app = context.attachments.get("remote.application", "")
            return hw.pb2.HelloReply(message=f"{tag}|{request.name}|app={app}|req={seen.get('tri-req-id', '')}")

    return Tagged()


@pytest.fixture
async def versioned(hw: SimpleNamespace) -> Any:
    server = dubbopy.Server(protocols=["tri://127.0.0.1:0"])
    server.add(_tagged(hw, "v1"), version="1.0.0")
    server.add(_tagged(hw, "v2"), version="2.0.0")
    server.add(_tagged(hw, "g-v2"), version="2.0.0", group="blue")
    await server.start()
    try:
        yield server.ports[0]
    finally:
        await server.stop(grace=1.0)


async def test_grpcio_client_selects_export_by_version_and_group_headers(hw: SimpleNamespace, versioned: int) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{versioned}") as channel:
        stub = hw.grpc.GreeterStub(channel)
        request = hw.pb2.HelloRequest(name="x")
        v2 = await stub.SayHello(request, metadata=[("tri-service-version", "2.0.0")], timeout=10)
        blue = await stub.SayHello(
            request, metadata=[("tri-service-version", "2.0.0"), ("tri-service-group", "blue")], timeout=10
        )
        # Java's fallback: an unknown version resolves to 1.0.0
        fallback = await stub.SayHello(request, metadata=[("tri-service-version", "9.9.9")], timeout=10)
        plain = await stub.SayHello(request, timeout=10)
    assert v2.message.startswith("v2|")
    assert blue.message.startswith("g-v2|")
    assert fallback.message.startswith("v1|")
    assert plain.message.startswith("v1|")


async def test_dubbopy_reference_writes_version_group_and_application(hw: SimpleNamespace, versioned: int) -> None:
    async with dubbopy.Client(application="orders-py") as client:
        url = f"tri://127.0.0.1:{versioned}"
        v2 = hw.dubbo.GreeterStub(client.reference(url=url, version="2.0.0"))
        blue = hw.dubbo.GreeterStub(client.reference(url=url, version="2.0.0", group="blue"))
        reply = await v2.SayHello(hw.pb2.HelloRequest(name="a"), timeout=10, metadata=[("tri-req-id", "r-42")])
        blue_reply = await blue.SayHello(hw.pb2.HelloRequest(name="b"), timeout=10)
    assert reply.message == "v2|a|app=orders-py|req=r-42"
    assert blue_reply.message.startswith("g-v2|b|app=orders-py")


async def test_unknown_service_and_method_name_what_is_missing(hw: SimpleNamespace, versioned: int) -> None:
    async with grpc.aio.insecure_channel(f"127.0.0.1:{versioned}") as channel:
        unknown_method = channel.unary_unary("/helloworld.Greeter/Nope")
        unknown_service = channel.unary_unary("/no.Such/Thing")
        with pytest.raises(grpc.aio.AioRpcError) as method_error:
            await unknown_method(b"", timeout=10)
        with pytest.raises(grpc.aio.AioRpcError) as service_error:
            await unknown_service(b"", timeout=10)
    assert method_error.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "Nope" in (method_error.value.details() or "")
    assert service_error.value.code() == grpc.StatusCode.UNIMPLEMENTED
    assert "no.Such" in (service_error.value.details() or "")
    assert StatusCode.UNIMPLEMENTED.value == method_error.value.code().value[0]
