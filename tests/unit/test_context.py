"""Call context: attachments follow the code across awaits and stay private to tasks and threads."""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any

import pytest

from dubbopy.errors import ConfigError, DubboError
from dubbopy.rpc import CallContext, Invocation, RpcContext, run_in_executor


@pytest.fixture(autouse=True)
def _clean_context() -> None:
    # Each test runs in its own copied context under pytest-asyncio, but sync tests share the thread's.
    RpcContext.clear_attachments()
    RpcContext.record_response({})


def _incoming(**attachments: str) -> CallContext:
    return CallContext(
        Invocation("greet.Greeter", "SayHello", None, attachments=dict(attachments)), peer="10.0.0.9:5555"
    )


def test_outgoing_attachments_are_taken_by_one_call() -> None:
    RpcContext.set_attachment("traceId", "t-1")
    RpcContext.set_attachment("blob-bin", b"\x00\x01")
    assert RpcContext.get_attachment("traceId") == "t-1"
    assert RpcContext.get_attachment("nope", "d") == "d"
    assert dict(RpcContext.attachments()) == {"traceId": "t-1", "blob-bin": b"\x00\x01"}
    taken = RpcContext.take_attachments()
    assert taken == {"traceId": "t-1", "blob-bin": b"\x00\x01"}
    assert RpcContext.take_attachments() == {}
    assert RpcContext.get_attachment("traceId") is None


def test_remove_and_clear() -> None:
    RpcContext.set_attachment("a", "1")
    RpcContext.set_attachment("b", "2")
    RpcContext.remove_attachment("a")
    RpcContext.remove_attachment("missing")
    assert dict(RpcContext.attachments()) == {"b": "2"}
    RpcContext.clear_attachments()
    assert dict(RpcContext.attachments()) == {}


def test_attachment_values_are_checked() -> None:
    with pytest.raises(ConfigError, match="'n' must be str or bytes"):
        RpcContext.set_attachment("n", 1)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="non-empty"):
        RpcContext.set_attachment("", "x")


async def test_attachments_survive_awaits() -> None:
    RpcContext.set_attachment("k", "v")
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert RpcContext.get_attachment("k") == "v"


async def test_concurrent_tasks_do_not_see_each_others_attachments() -> None:
    count = 25
    all_set = asyncio.Event()
    ready = 0

    async def caller(i: int) -> tuple[str | bytes | None, dict[str, str | bytes]]:
        nonlocal ready
        RpcContext.set_attachment("id", str(i))
        RpcContext.set_attachment(f"only-{i}", "x")
        ready += 1
        if ready == count:
            all_set.set()
        await all_set.wait()  # every task has written before any reads
        return RpcContext.get_attachment("id"), RpcContext.take_attachments()

    results = await asyncio.gather(*(caller(i) for i in range(count)))
    for i, (seen, taken) in enumerate(results):
        assert seen == str(i)
        assert taken == {"id": str(i), f"only-{i}": "x"}
    assert dict(RpcContext.attachments()) == {}


async def test_child_task_inherits_but_does_not_leak_back() -> None:
    RpcContext.set_attachment("parent", "p")
    child_may_read = asyncio.Event()

    async def child() -> dict[str, str | bytes]:
        RpcContext.set_attachment("child", "c")
        await child_may_read.wait()
        return dict(RpcContext.attachments())

    task = asyncio.create_task(child())
    await asyncio.sleep(0)
    RpcContext.set_attachment("parent-later", "p2")
    child_may_read.set()
    assert await task == {"parent": "p", "child": "c"}
    assert dict(RpcContext.attachments()) == {"parent": "p", "parent-later": "p2"}


def test_threads_do_not_see_each_others_attachments() -> None:
    count = 8
    barrier = threading.Barrier(count)

    def caller(i: int) -> dict[str, str | bytes]:
        RpcContext.set_attachment("id", str(i))
        barrier.wait(timeout=30)  # all threads have written before any reads
        return RpcContext.take_attachments()

    RpcContext.set_attachment("main", "m")
    with concurrent.futures.ThreadPoolExecutor(count) as pool:
        results = list(pool.map(caller, range(count)))
    assert results == [{"id": str(i)} for i in range(count)]
    assert dict(RpcContext.attachments()) == {"main": "m"}


# ------------------------------------------------------------------------------------- provider


async def test_current_call_inside_and_outside_a_handler() -> None:
    assert RpcContext.current_call() is None
    call = _incoming(token="secret")
    with RpcContext.serving(call):
        current = RpcContext.current_call()
        assert current is call
        assert current.get_attachment("token") == "secret"
        assert dict(current.attachments) == {"token": "secret"}
        assert (current.service_name, current.method_name, current.peer) == (
            "greet.Greeter",
            "SayHello",
            "10.0.0.9:5555",
        )
        await asyncio.sleep(0)
        RpcContext.set_response_attachment("served-by", "py")
    assert call.response_attachments == {"served-by": "py"}
    assert RpcContext.current_call() is None
    with pytest.raises(DubboError, match="outside a provider call"):
        RpcContext.set_response_attachment("x", "y")


async def test_serving_starts_without_the_servers_own_outgoing_attachments() -> None:
    RpcContext.set_attachment("server-side", "leak?")
    with RpcContext.serving(_incoming()):
        assert dict(RpcContext.attachments()) == {}
        RpcContext.set_attachment("nested-call", "1")
    assert dict(RpcContext.attachments()) == {"server-side": "leak?"}


async def test_concurrent_calls_each_see_their_own_call() -> None:
    both_inside = asyncio.Event()
    inside = 0

    async def handle(call: CallContext) -> str | bytes | None:
        nonlocal inside
        with RpcContext.serving(call):
            inside += 1
            if inside == 2:
                both_inside.set()
            await both_inside.wait()
            current = RpcContext.current_call()
            assert current is not None
            RpcContext.set_response_attachment("echo", str(current.get_attachment("id")))
            return current.get_attachment("id")

    first, second = _incoming(id="1"), _incoming(id="2")
    assert list(await asyncio.gather(handle(first), handle(second))) == ["1", "2"]
    assert first.response_attachments == {"echo": "1"}
    assert second.response_attachments == {"echo": "2"}


async def test_sync_handler_on_a_worker_thread_sees_the_call() -> None:
    def handler(name: str) -> str:
        call = RpcContext.current_call()
        assert call is not None
        RpcContext.set_response_attachment("thread", threading.current_thread().name)
        RpcContext.set_attachment("thread-local", "stays there")
        user = call.get_attachment("user")
        assert isinstance(user, str)
        return f"{name}:{user}"

    call = _incoming(user="alice")
    with concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="handler") as pool, RpcContext.serving(call):
        reply = await run_in_executor(pool, handler, "hi")
        assert dict(RpcContext.attachments()) == {}
    assert reply == "hi:alice"
    assert str(call.response_attachments["thread"]).startswith("handler")


# ------------------------------------------------------------------------------- consumer, returned


async def test_response_attachments_of_the_last_call() -> None:
    assert dict(RpcContext.response_attachments()) == {}
    RpcContext.record_response({"server": "java"})
    assert dict(RpcContext.response_attachments()) == {"server": "java"}

    async def other_call() -> None:
        RpcContext.record_response({"server": "go"})

    await asyncio.create_task(other_call())
    assert dict(RpcContext.response_attachments()) == {"server": "java"}


def test_sync_api_hand_over_to_a_loop_thread() -> None:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    try:

        async def fake_call() -> dict[str, str | bytes]:
            sent = RpcContext.take_attachments()
            RpcContext.record_response({"reply-to": str(sent.get("traceId"))})
            return sent

        def run_on_loop(coro: Coroutine[Any, Any, dict[str, str | bytes]]) -> dict[str, str | bytes]:
            ctx = RpcContext.fork_for_call()
            done: concurrent.futures.Future[dict[str, str | bytes]] = concurrent.futures.Future()

            def start() -> None:
                task = loop.create_task(coro, context=ctx)
                task.add_done_callback(lambda t: done.set_result(t.result()))

            loop.call_soon_threadsafe(start)
            sent = done.result(timeout=30)
            RpcContext.merge_response(ctx)
            return sent

        RpcContext.set_attachment("traceId", "t-9")
        assert run_on_loop(fake_call()) == {"traceId": "t-9"}
        assert RpcContext.get_attachment("traceId") is None  # sent once
        assert dict(RpcContext.response_attachments()) == {"reply-to": "t-9"}
        assert run_on_loop(fake_call()) == {}
    finally:
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=30)
        loop.close()
