"""Fault-tolerance strategies over fake providers."""

from __future__ import annotations

import asyncio

import pytest
from cluster_fakes import SERVICE, FakeInvoker, invocation, unavailable

from dubbopy import extension
from dubbopy.cluster.directory import StaticDirectory
from dubbopy.cluster.strategies import Cluster, ClusterInvoker
from dubbopy.cluster.strategies.failback import FailbackClusterInvoker
from dubbopy.errors import RemoteError, RpcError, StatusCode
from dubbopy.rpc import Invoker
from dubbopy.url import URL


def consumer(**params: str | int) -> URL:
    return URL("consumer", "127.0.0.1", 0, SERVICE, {"interface": SERVICE}).with_params(
        {"loadbalance": "roundrobin", **params}
    )


def join(name: str, invokers: list[FakeInvoker], **params: str | int) -> ClusterInvoker:
    cluster = extension.clusters.get(name)
    assert isinstance(cluster, Cluster)
    listed: list[Invoker] = list(invokers)
    return cluster.join(StaticDirectory(listed, consumer(**params)))


async def test_failover_retries_on_unavailable_then_succeeds() -> None:
    bad1 = FakeInvoker(1, script=[unavailable()])
    bad2 = FakeInvoker(2, script=[unavailable()])
    good = FakeInvoker(3)
    result = await join("failover", [bad1, bad2, good]).invoke(invocation())
    assert result.value == "p3"
    assert (bad1.calls, bad2.calls, good.calls) == (1, 1, 1)


async def test_failover_gives_up_after_retries_and_names_the_attempts() -> None:
    providers = [FakeInvoker(p, script=[unavailable()] * 5) for p in (1, 2, 3, 4)]
    result = await join("failover", providers, retries=1).invoke(invocation())
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.UNAVAILABLE
    assert "2 of 2 attempts" in result.exception.message
    assert sum(p.calls for p in providers) == 2


async def test_failover_method_level_retries_and_no_retry_of_business_errors() -> None:
    providers = [FakeInvoker(p, script=[unavailable()]) for p in (1, 2, 3)]
    result = await join("failover", providers, retries=5, **{"sayHello.retries": 0}).invoke(invocation())
    assert result.exception is not None
    assert sum(p.calls for p in providers) == 1
    boom = RemoteError(StatusCode.UNKNOWN, "boom", class_name="java.lang.IllegalStateException")
    raising = [FakeInvoker(1, script=[boom]), FakeInvoker(2)]
    result = await join("failover", raising).invoke(invocation())
    assert result.exception is boom
    assert raising[1].calls == 0


async def test_failover_prefers_untried_and_available_providers() -> None:
    down = FakeInvoker(1)
    down.available = False
    flaky = FakeInvoker(2, script=[unavailable()])
    good = FakeInvoker(3)
    result = await join("failover", [down, flaky, good], retries=1).invoke(invocation())
    assert result.value == "p3"
    assert down.calls == 0


async def test_no_provider_is_unavailable() -> None:
    invoker = extension.clusters.get("failover").join(StaticDirectory([], consumer()))
    result = await invoker.invoke(invocation())
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.UNAVAILABLE


async def test_failfast_returns_the_first_error() -> None:
    bad = FakeInvoker(1, script=[unavailable("refused")])
    good = FakeInvoker(2)
    result = await join("failfast", [bad, good]).invoke(invocation())
    assert isinstance(result.exception, RpcError)
    assert result.exception.message == "refused"
    assert good.calls == 0


async def test_failsafe_swallows_the_error_into_an_empty_result() -> None:
    result = await join("failsafe", [FakeInvoker(1, script=[unavailable()])]).invoke(invocation())
    assert result.exception is None
    assert result.value is None
    ok = await join("failsafe", [FakeInvoker(1)]).invoke(invocation())
    assert ok.value == "p1"


async def test_available_takes_the_first_available_provider() -> None:
    first, second = FakeInvoker(1), FakeInvoker(2)
    first.available = False
    result = await join("available", [first, second]).invoke(invocation())
    assert result.value == "p2"
    second.available = False
    result = await join("available", [first, second]).invoke(invocation())
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.UNAVAILABLE


async def test_forking_returns_the_first_success_and_cancels_the_rest() -> None:
    never = asyncio.Event()
    stuck = FakeInvoker(1, delay=never)
    failing = FakeInvoker(2, script=[unavailable()])
    good = FakeInvoker(3)
    result = await join("forking", [stuck, failing, good], forks=0).invoke(invocation())
    assert result.value == "p3"
    assert (stuck.calls, failing.calls, good.calls) == (1, 1, 1)
    assert stuck.cancelled


async def test_forking_to_two_of_three_and_all_failing() -> None:
    providers = [FakeInvoker(p, script=[unavailable(f"down {p}")]) for p in (1, 2, 3)]
    result = await join("forking", providers, forks=2).invoke(invocation())
    assert isinstance(result.exception, RpcError)
    assert sum(p.calls for p in providers) == 2
    assert max(p.calls for p in providers) == 1


@pytest.mark.parametrize("written", ["10", "10ms"])
async def test_forking_reads_the_url_timeout_in_milliseconds_or_as_a_go_duration(written: str) -> None:
    never = asyncio.Event()
    providers = [FakeInvoker(1, delay=never), FakeInvoker(2, delay=never)]
    result = await join("forking", providers, timeout=written).invoke(invocation())
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.DEADLINE_EXCEEDED


async def test_forking_times_out_at_the_deadline() -> None:
    never = asyncio.Event()
    providers = [FakeInvoker(1, delay=never), FakeInvoker(2, delay=never)]
    call = invocation()
    call.set_timeout(0.01)
    result = await join("forking", providers).invoke(call)
    assert isinstance(result.exception, RpcError)
    assert result.exception.status is StatusCode.DEADLINE_EXCEEDED


async def test_broadcast_calls_everyone_and_fails_if_anyone_fails() -> None:
    providers = [FakeInvoker(1), FakeInvoker(2, script=[unavailable("two is down")]), FakeInvoker(3)]
    result = await join("broadcast", providers).invoke(invocation())
    assert [p.calls for p in providers] == [1, 1, 1]
    assert isinstance(result.exception, RpcError)
    assert result.exception.message == "two is down"
    result = await join("broadcast", providers).invoke(invocation())
    assert result.exception is None


async def test_failback_returns_empty_and_retries_in_the_background() -> None:
    flaky = FakeInvoker(1, script=[unavailable(), unavailable()])
    invoker = join("failback", [flaky], retries=3)
    assert isinstance(invoker, FailbackClusterInvoker)
    invoker.retry_period = 0
    result = await invoker.invoke(invocation())
    assert result.exception is None
    assert result.value is None
    assert invoker.pending == 1
    await invoker.drain()
    assert invoker.pending == 0
    assert flaky.calls == 3  # the call, a failed retry, a successful one
    assert flaky.script == []
    await invoker.close()


async def test_failback_queue_is_bounded_and_close_cancels_it() -> None:
    down = FakeInvoker(1, script=[unavailable()] * 10)
    invoker = join("failback", [down], failbacktasks=2)
    for _ in range(4):
        assert (await invoker.invoke(invocation())).exception is None
    assert isinstance(invoker, FailbackClusterInvoker)
    assert invoker.pending == 2
    await invoker.close()
    assert invoker.pending == 0
    assert down.closed


async def test_cluster_counts_calls_for_leastactive() -> None:
    gate = asyncio.Event()
    slow = FakeInvoker(1, delay=gate)
    quick = FakeInvoker(2)
    invoker = join("failfast", [slow, quick], loadbalance="leastactive")
    # calls to the quick provider finish at once; keep calling until one is stuck on the slow one
    pending = asyncio.ensure_future(invoker.invoke(invocation()))
    while not slow.calls:
        await asyncio.sleep(0)
        if pending.done():
            pending = asyncio.ensure_future(invoker.invoke(invocation()))
    assert invoker.statuses.get(slow.url, "sayHello").active == 1
    for _ in range(5):
        assert (await invoker.invoke(invocation())).value == "p2"
    gate.set()
    assert (await pending).value == "p1"
    assert invoker.statuses.get(slow.url, "sayHello").active == 0


async def test_unknown_loadbalance_is_a_failed_result_naming_it() -> None:
    result = await join("failover", [FakeInvoker(1), FakeInvoker(2)], loadbalance="nosuch").invoke(invocation())
    assert result.exception is not None
    assert "nosuch" in str(result.exception)


async def test_forking_caller_cancellation_cancels_the_forks() -> None:
    never = asyncio.Event()
    providers = [FakeInvoker(1, delay=never), FakeInvoker(2, delay=never)]
    call = asyncio.ensure_future(join("forking", providers).invoke(invocation()))
    for _ in range(20):
        await asyncio.sleep(0)
    assert [p.calls for p in providers] == [1, 1]
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert [p.cancelled for p in providers] == [True, True]


async def test_sticky_keeps_to_one_provider_until_it_becomes_unavailable() -> None:
    invokers = [FakeInvoker(20880 + i, sticky="true") for i in range(4)]
    cluster = join("failover", invokers, loadbalance="random")
    for _ in range(40):
        await cluster.invoke(invocation())
    (first,) = [i for i in invokers if i.calls]
    assert first.calls == 40
    first.available = False
    for _ in range(40):
        await cluster.invoke(invocation())
    (second,) = [i for i in invokers if i.calls and i is not first]
    assert (first.calls, second.calls) == (40, 40)


async def test_sticky_is_read_per_method() -> None:
    invokers = [FakeInvoker(20880 + i, **{"sayHello.sticky": "true"}) for i in range(4)]
    cluster = join("failover", invokers, loadbalance="roundrobin")
    for _ in range(20):
        await cluster.invoke(invocation("sayHello"))
    assert sorted(i.calls for i in invokers) == [0, 0, 0, 20]
    for _ in range(20):
        await cluster.invoke(invocation("sayBye"))
    assert all(i.calls >= 5 for i in invokers), [i.calls for i in invokers]
