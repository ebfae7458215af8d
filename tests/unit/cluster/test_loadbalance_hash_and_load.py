"""consistenthash against a reference written from Java's algorithm; the load-following balancers."""

from __future__ import annotations

import hashlib
import random
import struct
from collections import Counter

from cluster_fakes import FakeInvoker, invocation

from dubbopy import extension
from dubbopy.cluster.loadbalance.adaptive import LeastActiveLoadBalance, P2CLoadBalance, ShortestResponseLoadBalance
from dubbopy.cluster.loadbalance.consistenthash import ConsistentHashLoadBalance
from dubbopy.cluster.status import StatusTable
from dubbopy.rpc import Invoker
from dubbopy.url import URL

CONSUMER = URL("consumer", "127.0.0.1", 0, "org.example.DemoService")


def java_reference(addresses: list[str], key: str, nodes: int = 160) -> str:
    """Java ConsistentHashSelector, restated: TreeMap of ring points (later puts win), ketama points
    are the four little-endian uint32 of md5(address + i) for i < nodes/4; the key's point is the first
    uint32 of md5(key); ceilingEntry, else firstEntry."""
    tree: dict[int, str] = {}
    for address in addresses:
        for i in range(nodes // 4):
            digest = hashlib.md5((address + str(i)).encode()).digest()
            for point in struct.unpack("<4I", digest):
                tree[point] = address
    (wanted,) = struct.unpack("<I", hashlib.md5(key.encode()).digest()[:4])
    above = [point for point in tree if point >= wanted]
    return tree[min(above)] if above else tree[min(tree)]


def ring(count: int, **params: str | int) -> list[Invoker]:
    return [FakeInvoker(20880 + i, **params) for i in range(count)]


def test_consistenthash_matches_the_java_algorithm_for_many_keys() -> None:
    lb = extension.loadbalances.get("consistenthash")
    assert isinstance(lb, ConsistentHashLoadBalance)
    invokers = ring(5)
    addresses = [i.url.address for i in invokers]
    chosen = Counter()
    for n in range(300):
        key = f"user-{n}"
        got = lb.select(invokers, CONSUMER, invocation(arguments=(key, "ignored"))).url.address
        assert got == java_reference(addresses, key)
        chosen[got] += 1
    assert len(chosen) == 5  # every provider owns part of the ring


def test_consistenthash_hash_arguments_and_nodes() -> None:
    lb = ConsistentHashLoadBalance()
    invokers = ring(4, **{"hash.arguments": "0,2", "sayHello.hash.nodes": 40})
    addresses = [i.url.address for i in invokers]
    for n in range(100):
        args = (n, "middle", True, None)
        got = lb.select(invokers, CONSUMER, invocation(arguments=args)).url.address
        # Java appends args[0] and args[2] with String.valueOf: "7true"
        assert got == java_reference(addresses, f"{n}true", nodes=40)
    # an index past the arguments is skipped; no arguments hash the empty string
    assert lb.select(invokers, CONSUMER, invocation(arguments=())).url.address == java_reference(addresses, "", 40)


def test_consistenthash_is_stable_and_moves_few_keys_when_a_provider_leaves() -> None:
    lb = ConsistentHashLoadBalance()
    invokers = ring(4)
    before = {n: lb.select(invokers, CONSUMER, invocation(arguments=(n,))) for n in range(400)}
    again = {n: lb.select(invokers, CONSUMER, invocation(arguments=(n,))) for n in range(400)}
    assert before == again
    gone = invokers[1]
    after = {n: lb.select(invokers[:1] + invokers[2:], CONSUMER, invocation(arguments=(n,))) for n in range(400)}
    moved = [n for n in range(400) if before[n] is not after[n]]
    assert moved
    assert all(before[n] is gone for n in moved)  # only the departed provider's keys move


def test_consistenthash_single_message_argument_is_index_zero() -> None:
    lb = ConsistentHashLoadBalance()
    invokers = ring(3)
    addresses = [i.url.address for i in invokers]
    assert lb.select(invokers, CONSUMER, invocation(arguments="alice")).url.address == java_reference(
        addresses, "alice"
    )


def with_statuses(lb: LeastActiveLoadBalance | ShortestResponseLoadBalance | P2CLoadBalance) -> StatusTable:
    table = StatusTable()
    lb.statuses = table
    lb.rng = random.Random(3)
    return table


def test_leastactive_prefers_the_idle_provider() -> None:
    lb = LeastActiveLoadBalance()
    table = with_statuses(lb)
    busy, idle, busier = ring(3)
    for _ in range(3):
        table.begin(busy.url, "sayHello")
    for _ in range(5):
        table.begin(busier.url, "sayHello")
    invokers = [busy, idle, busier]
    assert {lb.select(invokers, CONSUMER, invocation()) for _ in range(50)} == {idle}
    # another method's load does not count
    table.begin(idle.url, "sayBye")
    assert lb.select(invokers, CONSUMER, invocation()) is idle


def test_leastactive_ties_follow_the_weights() -> None:
    lb = LeastActiveLoadBalance()
    table = with_statuses(lb)
    light, heavy, busy = FakeInvoker(1, weight=100), FakeInvoker(2, weight=300), FakeInvoker(3, weight=1000)
    table.begin(busy.url, "sayHello")
    picks = Counter(lb.select([light, heavy, busy], CONSUMER, invocation()).url.port for _ in range(20_000))
    assert picks[3] == 0
    assert picks[2] / 20_000 > 0.7


def test_shortestresponse_prefers_the_fast_provider() -> None:
    lb = ShortestResponseLoadBalance()
    table = with_statuses(lb)
    slow, fast = ring(2)
    for _ in range(10):
        table.begin(slow.url, "sayHello")
        table.end(slow.url, "sayHello", 80.0, True)
        table.begin(fast.url, "sayHello")
        table.end(fast.url, "sayHello", 5.0, True)
    pair = [slow, fast]  # one list, as a directory hands it out: scores are kept and updated per change
    assert {lb.select(pair, CONSUMER, invocation()) for _ in range(50)} == {fast}
    # load counts too: mean 5 ms times 20 calls in flight is slower than 80 ms times 1
    for _ in range(20):
        table.begin(fast.url, "sayHello")
    assert lb.select(pair, CONSUMER, invocation()) is slow
    for _ in range(20):
        table.end(fast.url, "sayHello", 5.0, True)
    assert lb.select(pair, CONSUMER, invocation()) is fast


def test_p2c_takes_the_less_loaded_of_two() -> None:
    lb = P2CLoadBalance()
    table = with_statuses(lb)
    a, b = ring(2)
    table.begin(a.url, "sayHello")
    assert {lb.select([a, b], CONSUMER, invocation()) for _ in range(30)} == {b}
    invokers = ring(3)
    table.begin(invokers[0].url, "sayHello")
    picks = Counter(lb.select(invokers, CONSUMER, invocation()).url.port for _ in range(3000))
    # the loaded provider loses whichever pair it is drawn in
    assert picks[invokers[0].url.port] == 0
