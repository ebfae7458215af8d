"""Python consumer ↔ Python provider over the Dubbo protocol: every kind of call."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

import pytest
from dubbo_support import SERVICE, User, invoke, value, wait_until

from dubbopy import extension
from dubbopy.errors import RemoteError, RpcError, StatusCode
from dubbopy.protocol.dubbo.protocol import DubboProtocol
from dubbopy.rpc.context import RpcContext
from dubbopy.rpc.invoker import Invoker
from dubbopy.serialization.hessian2 import JInt
from dubbopy.url import URL


async def test_dubbo_is_a_registered_protocol() -> None:
    protocol = extension.protocols.get("dubbo")
    assert isinstance(protocol, DubboProtocol)
    assert protocol.default_port == 20880


async def test_string_call(invoker: Invoker) -> None:
    assert await value(invoker, "sayHi", ["java.lang.String"], ["world"]) == "hi, world"


async def test_plain_function_runs_on_the_worker_pool_not_the_loop(invoker: Invoker) -> None:
    name = await value(invoker, "threadName")
    assert name.startswith("dubbopy-dubbo")


async def test_overloads_are_told_apart_by_parameter_types(invoker: Invoker) -> None:
    assert await value(invoker, "add", ["int", "int"], [2, 3]) == 5
    assert await value(invoker, "add", ["long", "long"], [2, 3]) == "long:5"


async def test_primitive_binary_and_list_arguments(invoker: Invoker) -> None:
    result = await value(
        invoker,
        "types",
        ["int", "long", "double", "boolean", "byte[]", "java.util.List"],
        [7, 2**40, 1.5, True, b"\x00\x01", ["a", "b"]],
    )
    assert list(result) == [7, 2**40, 1.5, True, b"\x00\x01", ["a", "b"]]


async def test_registered_pojo_both_ways(invoker: Invoker) -> None:
    older = await value(invoker, "older", ["org.dubbopy.test.User"], [User("ann", JInt(41))])
    assert older == User("ann", JInt(42))


async def test_void_and_null_results(invoker: Invoker) -> None:
    assert await value(invoker, "nothing") is None
    assert await value(invoker, "maybe", ["boolean"], [False]) is None
    assert await value(invoker, "maybe", ["boolean"], [True]) == "here"


async def test_python_exception_arrives_as_java_runtime_exception(invoker: Invoker) -> None:
    result = await invoke(invoker, "fail", ["java.lang.String"], ["bad input"])
    error = result.exception
    assert isinstance(error, RemoteError)
    assert error.status is StatusCode.UNKNOWN
    assert error.class_name == "java.lang.RuntimeException"
    assert error.message == "ValueError: bad input"


async def test_java_throwable_and_remote_error_keep_their_class(invoker: Invoker) -> None:
    with pytest.raises(RemoteError) as java:
        await value(invoker, "failJava", ["java.lang.String"], ["state"])
    assert (java.value.class_name, java.value.message) == ("java.lang.IllegalStateException", "state")
    with pytest.raises(RemoteError) as remote:
        await value(invoker, "failRemote", ["java.lang.String"], ["no funds"])
    assert (remote.value.class_name, remote.value.message) == ("org.example.BusinessException", "no funds")


async def test_attachments_both_ways(invoker: Invoker, provider: SimpleNamespace) -> None:
    result = await invoke(invoker, "context", attachments={"trace": "t-1"})
    assert result.value == "t-1"
    assert result.attachments["provider-said"] == "hello"
    assert result.attachments["dubbo"] == "2.0.2"
    seen = provider.impl.seen_attachments
    assert seen["trace"] == "t-1"
    assert seen["path"] == SERVICE
    assert seen["interface"] == SERVICE
    assert seen["dubbo"] == "2.0.2"
    assert seen["timeout"].isdigit()


async def test_plain_function_sees_the_call_context_on_its_worker_thread(invoker: Invoker) -> None:
    result = await invoke(invoker, "contextSync", attachments={"trace": "t-sync"})
    assert result.value == "t-sync"
    assert result.attachments["from-thread"].startswith("dubbopy-dubbo")


async def test_result_that_cannot_be_written_as_the_declared_type_is_a_bad_response(invoker: Invoker) -> None:
    result = await invoke(invoker, "wrongType")
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.INTERNAL
    assert "Failed to send response" in result.exception.message
    assert await value(invoker, "sayHi", ["java.lang.String"], ["next"]) == "hi, next"


async def test_argument_that_cannot_be_written_fails_the_call_locally(invoker: Invoker) -> None:
    result = await invoke(invoker, "sayHi", ["java.lang.String"], [object()])
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.INTERNAL
    assert "could not encode the request" in result.exception.message


async def test_rpc_context_attachments_through_generic_service(invoker: Invoker) -> None:
    from dubbopy.protocol.dubbo.generic import GenericService

    generic = GenericService(invoker, SERVICE)
    RpcContext.set_attachment("trace", "t-2")
    assert await generic.invoke("context", [], []) == "t-2"
    assert RpcContext.response_attachments()["provider-said"] == "hello"
    RpcContext.set_attachment("trace", "t-3")
    await generic.invoke("context", [], [])
    assert await generic.invoke("context", [], []) == ""  # context attachments go with one call only


async def test_unknown_method_and_unknown_overload(invoker: Invoker) -> None:
    missing = await invoke(invoker, "sayBye", ["java.lang.String"], ["x"])
    assert isinstance(missing.exception, RpcError)
    assert missing.exception.status is StatusCode.UNIMPLEMENTED
    assert "no method 'sayBye'" in missing.exception.message
    overload = await invoke(invoker, "add", ["double", "double"], [1.0, 2.0])
    assert isinstance(overload.exception, RpcError)
    assert overload.exception.status is StatusCode.UNIMPLEMENTED
    assert "add(II)" in overload.exception.message


async def test_unknown_service_version_or_group(consumer: DubboProtocol, provider: SimpleNamespace) -> None:
    for params in ({"version": "2.0.0"}, {"group": "other"}):
        url = URL("dubbo", "127.0.0.1", provider.port, SERVICE, params)
        result = await invoke(consumer.refer(url), "sayHi", ["java.lang.String"], ["x"])
        assert isinstance(result.exception, RpcError)
        assert result.exception.status is StatusCode.UNIMPLEMENTED
        assert "Not found exported service" in result.exception.message
    other = consumer.refer(URL("dubbo", "127.0.0.1", provider.port, "org.example.Missing"))
    result = await invoke(other, "sayHi", ["java.lang.String"], ["x"])
    assert isinstance(result.exception, RpcError)
    assert "org.example.Missing" in result.exception.message


async def test_version_and_group_select_the_export(consumer: DubboProtocol) -> None:
    from dubbo_support import start_provider

    from dubbopy.protocol.dubbo.server import ServerOptions

    started = await start_provider(ServerOptions(), version="1.0.0", group="g1")
    try:
        url = URL("dubbo", "127.0.0.1", started.port, SERVICE, {"version": "1.0.0", "group": "g1"})
        assert await value(consumer.refer(url), "sayHi", ["java.lang.String"], ["v"]) == "hi, v"
        bare = await invoke(
            consumer.refer(URL("dubbo", "127.0.0.1", started.port, SERVICE)), "sayHi", ["java.lang.String"], ["v"]
        )
        assert isinstance(bare.exception, RpcError)
    finally:
        await started.protocol.close()


async def test_unexported_service_is_no_longer_found(consumer: DubboProtocol) -> None:
    from dubbo_support import start_provider

    from dubbopy.protocol.dubbo.server import ServerOptions

    started = await start_provider(ServerOptions())
    try:
        invoker = consumer.refer(URL("dubbo", "127.0.0.1", started.port, SERVICE))
        assert await value(invoker, "sayHi", ["java.lang.String"], ["x"]) == "hi, x"
        await started.exporter.unexport()
        result = await invoke(invoker, "sayHi", ["java.lang.String"], ["x"])
        assert isinstance(result.exception, RpcError)
        assert "Not found exported service" in result.exception.message
    finally:
        await started.protocol.close()


async def test_one_way_call_returns_at_once_and_reaches_the_provider(
    invoker: Invoker, provider: SimpleNamespace
) -> None:
    result = await invoke(invoker, "notify", ["java.lang.String"], ["fire"], attachments={"return": "false"})
    assert result.exception is None
    assert result.value is None
    async with asyncio.timeout(10):
        await provider.impl.notified_event.wait()
    assert provider.impl.notified == ["fire"]
    assert await value(invoker, "sayHi", ["java.lang.String"], ["after"]) == "hi, after"


async def test_one_way_by_url_method_parameter(consumer: DubboProtocol, provider: SimpleNamespace) -> None:
    url = URL("dubbo", "127.0.0.1", provider.port, SERVICE, {"notify.return": "false"})
    result = await invoke(consumer.refer(url), "notify", ["java.lang.String"], ["by-url"])
    assert result.value is None
    async with asyncio.timeout(10):
        await provider.impl.notified_event.wait()
    assert provider.impl.notified == ["by-url"]


async def test_concurrent_calls_complete_out_of_order_on_one_connection(
    invoker: Invoker, provider: SimpleNamespace
) -> None:
    held = asyncio.ensure_future(value(invoker, "hold"))
    async with asyncio.timeout(10):
        await provider.impl.hold_started.wait()
    names = [f"n{i}" for i in range(50)]
    fast = await asyncio.gather(*(value(invoker, "sayHi", ["java.lang.String"], [n]) for n in names))
    assert fast == [f"hi, {n}" for n in names]
    assert not held.done()  # answered after the 50 calls that came later
    provider.impl.hold_release.set()
    assert await held == "held"
    assert len(provider.server.connections) == 1


async def test_references_to_one_address_share_a_connection(consumer: DubboProtocol, provider: SimpleNamespace) -> None:
    first = consumer.refer(URL("dubbo", "127.0.0.1", provider.port, SERVICE))
    second = consumer.refer(URL("dubbo", "127.0.0.1", provider.port, SERVICE))
    assert await value(first, "sayHi", ["java.lang.String"], ["1"]) == "hi, 1"
    assert await value(second, "sayHi", ["java.lang.String"], ["2"]) == "hi, 2"
    assert len(provider.server.connections) == 1
    await first.close()
    assert await value(second, "sayHi", ["java.lang.String"], ["3"]) == "hi, 3"  # still open for the other


async def test_shared_client_size_follows_shareconnections(consumer: DubboProtocol, provider: SimpleNamespace) -> None:
    first = consumer.refer(URL("dubbo", "127.0.0.1", provider.port, SERVICE, {"shareconnections": "2"}))
    second = consumer.refer(URL("dubbo", "127.0.0.1", provider.port, SERVICE))
    for i in range(4):
        assert await value(first if i % 2 else second, "sayHi", ["java.lang.String"], [str(i)]) == f"hi, {i}"
    assert len(provider.server.connections) == 2


async def test_connections_parameter_opens_that_many(consumer: DubboProtocol, provider: SimpleNamespace) -> None:
    invoker = consumer.refer(URL("dubbo", "127.0.0.1", provider.port, SERVICE, {"connections": "3"}))
    for i in range(6):
        assert await value(invoker, "sayHi", ["java.lang.String"], [str(i)]) == f"hi, {i}"
    assert len(provider.server.connections) == 3


async def test_reconnects_on_demand_after_the_connection_is_lost(invoker: Invoker, provider: SimpleNamespace) -> None:
    assert await value(invoker, "sayHi", ["java.lang.String"], ["a"]) == "hi, a"
    lost = set(provider.server.connections)
    for conn in lost:
        conn.abort()
    # the client may already have reconnected by itself: wait for the aborted connections, not for none
    await wait_until(lambda: not lost & set(provider.server.connections), "the server to see the connection gone")
    result = await invoke(invoker, "sayHi", ["java.lang.String"], ["b"])
    if result.exception is not None:  # the loss may only be noticed by this call
        assert isinstance(result.exception, RpcError)
        assert result.exception.status is StatusCode.UNAVAILABLE
    assert await value(invoker, "sayHi", ["java.lang.String"], ["c"]) == "hi, c"


async def test_unreachable_provider_is_unavailable(consumer: DubboProtocol) -> None:
    from dubbopy.protocol.dubbo.client import ClientOptions

    consumer.client_options = ClientOptions(connect_timeout=5)
    invoker = consumer.refer(URL("dubbo", "127.0.0.1", 1, SERVICE))
    result = await invoke(invoker, "sayHi", ["java.lang.String"], ["x"])
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.UNAVAILABLE
    assert "cannot connect to 127.0.0.1:1" in result.exception.message


async def test_closed_invoker_fails_fast(invoker: Invoker) -> None:
    await invoker.close()
    assert not invoker.is_available()
    result = await invoke(invoker, "sayHi", ["java.lang.String"], ["x"])
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.UNAVAILABLE


async def test_wrong_argument_count_is_refused_before_sending(invoker: Invoker) -> None:
    result = await invoke(invoker, "sayHi", ["java.lang.String"], ["a", "b"])
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.INTERNAL
    assert "2 argument(s) for 1 parameter type(s)" in result.exception.message
