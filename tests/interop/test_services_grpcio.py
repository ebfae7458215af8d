"""The built-in health and reflection services of a dubbopy Triple server, called by grpcio's own clients.

Uses the ``triple_server`` fixture (``tests/conftest.py``): a running dubbopy Triple server on
``127.0.0.1:triple_server.port`` that exports ``helloworld.Greeter`` (marked ``SERVING`` in health, as the
server does for every export) together with the built-in services.

grpcio's clients are synchronous, so they run on a worker thread: the server may be on the test's loop.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import grpc
import pytest
from google.protobuf import descriptor_pool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

pytestmark = pytest.mark.interop

GREETER = "helloworld.Greeter"


@pytest.fixture
def channel(triple_server: Any) -> Iterator[grpc.Channel]:
    with grpc.insecure_channel(f"127.0.0.1:{triple_server.port}") as channel:
        yield channel


async def check(channel: grpc.Channel, service: str) -> int:
    stub = health_pb2_grpc.HealthStub(channel)
    request = health_pb2.HealthCheckRequest(service=service)
    response = await asyncio.to_thread(stub.Check, request, timeout=30)
    return response.status


async def test_check_reports_the_server_and_its_services_serving(channel: grpc.Channel) -> None:
    assert await check(channel, "") == health_pb2.HealthCheckResponse.SERVING
    assert await check(channel, GREETER) == health_pb2.HealthCheckResponse.SERVING


async def test_check_of_unknown_service_is_not_found(channel: grpc.Channel) -> None:
    with pytest.raises(grpc.RpcError) as caught:
        await check(channel, "no.such.Service")
    assert caught.value.code() == grpc.StatusCode.NOT_FOUND


async def test_list_includes_the_exported_service(channel: grpc.Channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    response = await asyncio.to_thread(stub.List, health_pb2.HealthListRequest(), timeout=30)
    assert response.statuses[GREETER].status == health_pb2.HealthCheckResponse.SERVING


async def test_watch_sends_not_serving_and_ends_when_the_server_shuts_down() -> None:
    # a server of its own, since this test stops it
    import dubbopy

    server = dubbopy.Server(protocols=["tri://127.0.0.1:0"])
    await server.start()
    try:
        with grpc.insecure_channel(f"127.0.0.1:{server.ports[0]}") as channel:
            stub = health_pb2_grpc.HealthStub(channel)
            call = stub.Watch(health_pb2.HealthCheckRequest(service=""), timeout=60)
            assert (await asyncio.to_thread(next, call)).status == health_pb2.HealthCheckResponse.SERVING
            stopping = asyncio.ensure_future(server.stop(grace=30))
            rest = [response.status for response in await asyncio.to_thread(list, call)]
            assert rest == [health_pb2.HealthCheckResponse.NOT_SERVING]
            assert call.code() == grpc.StatusCode.OK
            await stopping
    finally:
        await server.stop(grace=0)


async def test_reflection_lists_services_for_grpcio_client(channel: grpc.Channel) -> None:
    database = ProtoReflectionDescriptorDatabase(channel)
    services = await asyncio.to_thread(database.get_services)
    assert {GREETER, "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"} <= set(services)


async def test_reflection_descriptors_build_a_working_pool(channel: grpc.Channel) -> None:
    # what grpcio's reflection users do: a pool backed by the server's reflection service
    pool = descriptor_pool.DescriptorPool(ProtoReflectionDescriptorDatabase(channel))
    greeter = await asyncio.to_thread(pool.FindServiceByName, GREETER)
    say_hello = greeter.methods_by_name["SayHello"]
    assert say_hello.input_type.full_name == "helloworld.HelloRequest"
    assert say_hello.output_type.full_name == "helloworld.HelloReply"
    health = await asyncio.to_thread(pool.FindServiceByName, "grpc.health.v1.Health")
    assert health.methods_by_name["Watch"].output_type.full_name == "grpc.health.v1.HealthCheckResponse"
