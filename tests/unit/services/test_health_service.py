"""HealthServicer called directly: Check, List, Watch and graceful shutdown, as a health client sees them."""

from __future__ import annotations

import asyncio

import pytest
from grpc_health.v1 import health_pb2 as grpcio_health_pb2
from services_fakes import FakeContext

from dubbopy.errors import ConfigError, RpcError, StatusCode
from dubbopy.rpc.method import CallType
from dubbopy.services._proto import health_pb2
from dubbopy.services.health import HEALTH_SERVICE, HealthServicer, ServingStatus

SERVING = health_pb2.HealthCheckResponse.SERVING
NOT_SERVING = health_pb2.HealthCheckResponse.NOT_SERVING
SERVICE_UNKNOWN = health_pb2.HealthCheckResponse.SERVICE_UNKNOWN


def request(service: str = "") -> health_pb2.HealthCheckRequest:
    return health_pb2.HealthCheckRequest(service=service)


async def check(health: HealthServicer, service: str = "") -> int:
    return (await health.Check(request(service), FakeContext())).status


def test_descriptor_matches_the_health_protocol() -> None:
    assert HEALTH_SERVICE.name == "grpc.health.v1.Health"
    kinds = {name: m.call_type for name, m in HEALTH_SERVICE.methods.items()}
    assert kinds == {"Check": CallType.UNARY, "List": CallType.UNARY, "Watch": CallType.SERVER_STREAM}
    assert HEALTH_SERVICE.methods["Watch"].path == "/grpc.health.v1.Health/Watch"
    assert HEALTH_SERVICE.file_descriptor.name == "grpc/health/v1/health.proto"


def test_descriptor_bytes_are_what_grpcio_clients_read() -> None:
    check_method = HEALTH_SERVICE.methods["Check"]
    wire = check_method.response_serializer(health_pb2.HealthCheckResponse(status=NOT_SERVING))
    assert grpcio_health_pb2.HealthCheckResponse.FromString(wire).status == NOT_SERVING
    sent = grpcio_health_pb2.HealthCheckRequest(service="greet.Greeter").SerializeToString()
    assert check_method.request_deserializer(sent).service == "greet.Greeter"


async def test_server_as_a_whole_is_serving_from_the_start() -> None:
    assert await check(HealthServicer()) == SERVING


async def test_overall_status_can_start_otherwise() -> None:
    assert await check(HealthServicer(overall=ServingStatus.NOT_SERVING)) == NOT_SERVING


async def test_check_of_unknown_service_is_not_found() -> None:
    with pytest.raises(RpcError) as caught:
        await check(HealthServicer(), "no.Such")
    assert caught.value.status == StatusCode.NOT_FOUND
    assert "no.Such" in caught.value.message


async def test_check_answers_the_last_status_set() -> None:
    health = HealthServicer()
    health.set("greet.Greeter", ServingStatus.SERVING)
    health.set("greet.Greeter", ServingStatus.NOT_SERVING)
    assert await check(health, "greet.Greeter") == NOT_SERVING
    assert health.get("greet.Greeter") is ServingStatus.NOT_SERVING
    assert await check(health) == SERVING


async def test_status_can_be_given_by_name() -> None:
    health = HealthServicer()
    health.set("greet.Greeter", "NOT_SERVING")
    assert await check(health, "greet.Greeter") == NOT_SERVING


@pytest.mark.parametrize("bad", ["serving", "BROKEN", 7])
def test_bad_status_is_refused_with_its_value(bad: object) -> None:
    with pytest.raises(ConfigError, match=repr(bad)):
        HealthServicer().set("greet.Greeter", bad)  # type: ignore[arg-type]


async def test_cleared_service_is_unknown_again() -> None:
    health = HealthServicer()
    health.set("greet.Greeter", ServingStatus.SERVING)
    health.clear("greet.Greeter")
    assert health.get("greet.Greeter") is None
    with pytest.raises(RpcError):
        await check(health, "greet.Greeter")


async def test_list_answers_every_service_including_the_server() -> None:
    health = HealthServicer()
    health.set("a.A", ServingStatus.SERVING)
    health.set("b.B", ServingStatus.NOT_SERVING)
    response = await health.List(health_pb2.HealthListRequest(), FakeContext())
    statuses = {name: entry.status for name, entry in response.statuses.items()}
    assert statuses == {"": SERVING, "a.A": SERVING, "b.B": NOT_SERVING}


async def test_list_refuses_past_its_limit() -> None:
    health = HealthServicer(list_limit=2)
    health.set("a.A", ServingStatus.SERVING)
    await health.List(health_pb2.HealthListRequest(), FakeContext())
    health.set("b.B", ServingStatus.SERVING)
    with pytest.raises(RpcError) as caught:
        await health.List(health_pb2.HealthListRequest(), FakeContext())
    assert caught.value.status == StatusCode.RESOURCE_EXHAUSTED


async def test_watch_sends_current_status_then_each_change() -> None:
    health = HealthServicer()
    health.set("greet.Greeter", ServingStatus.SERVING)
    watch = health.Watch(request("greet.Greeter"), FakeContext())
    assert (await anext(watch)).status == SERVING
    health.set("greet.Greeter", ServingStatus.SERVING)  # no change: nothing is sent for it
    health.set("greet.Greeter", ServingStatus.NOT_SERVING)
    assert (await anext(watch)).status == NOT_SERVING
    health.set("greet.Greeter", ServingStatus.SERVING)
    assert (await anext(watch)).status == SERVING
    await watch.aclose()


async def test_watch_of_unknown_service_waits_for_it() -> None:
    health = HealthServicer()
    watch = health.Watch(request("later.Service"), FakeContext())
    assert (await anext(watch)).status == SERVICE_UNKNOWN
    health.set("later.Service", ServingStatus.SERVING)
    assert (await anext(watch)).status == SERVING
    health.clear("later.Service")
    assert (await anext(watch)).status == SERVICE_UNKNOWN
    await watch.aclose()


async def test_watch_ignores_other_services() -> None:
    health = HealthServicer()
    health.set("a.A", ServingStatus.SERVING)
    watch = health.Watch(request("a.A"), FakeContext())
    assert (await anext(watch)).status == SERVING
    health.set("b.B", ServingStatus.NOT_SERVING)
    health.set("a.A", ServingStatus.NOT_SERVING)
    assert (await anext(watch)).status == NOT_SERVING
    await watch.aclose()


async def test_watch_sees_changes_made_from_another_thread() -> None:
    health = HealthServicer()
    watch = health.Watch(request(), FakeContext())
    assert (await anext(watch)).status == SERVING
    await asyncio.to_thread(health.set, "", ServingStatus.NOT_SERVING)
    assert (await anext(watch)).status == NOT_SERVING
    await watch.aclose()


async def test_watch_ends_when_the_call_is_cancelled() -> None:
    health = HealthServicer()
    context = FakeContext()
    watch = health.Watch(request(), context)
    assert (await anext(watch)).status == SERVING
    waiting = asyncio.ensure_future(anext(watch))
    await asyncio.sleep(0)  # let the watch block on the next change
    context.cancel()
    with pytest.raises(StopAsyncIteration):
        await waiting


async def test_graceful_shutdown_sends_not_serving_and_ends_watches() -> None:
    health = HealthServicer()
    health.set("greet.Greeter", ServingStatus.SERVING)
    watches = [health.Watch(request(name), FakeContext()) for name in ("", "greet.Greeter")]
    for watch in watches:
        assert (await anext(watch)).status == SERVING

    health.enter_graceful_shutdown()

    for watch in watches:
        assert (await anext(watch)).status == NOT_SERVING
        with pytest.raises(StopAsyncIteration):
            await anext(watch)
    assert await check(health) == NOT_SERVING
    assert await check(health, "greet.Greeter") == NOT_SERVING


async def test_after_shutdown_status_changes_are_ignored() -> None:
    health = HealthServicer()
    health.enter_graceful_shutdown()
    health.set("", ServingStatus.SERVING)
    health.set("new.Service", ServingStatus.SERVING)
    assert await check(health) == NOT_SERVING
    assert health.get("new.Service") is None


async def test_watch_started_during_shutdown_answers_once_and_ends() -> None:
    health = HealthServicer()
    health.enter_graceful_shutdown()
    responses = [r.status async for r in health.Watch(request(), FakeContext())]
    assert responses == [NOT_SERVING]
