"""Weights and warm-up as Java computes them; weighted random; smooth weighted round robin."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from cluster_fakes import FakeInvoker, invocation

from dubbopy import extension
from dubbopy.cluster.loadbalance import calculate_warmup_weight, get_weight
from dubbopy.cluster.loadbalance.weighted import RandomLoadBalance, RoundRobinLoadBalance
from dubbopy.errors import RpcError, StatusCode
from dubbopy.rpc import Invoker
from dubbopy.url import URL

CONSUMER = URL("consumer", "127.0.0.1", 0, "org.example.DemoService")


def test_weight_defaults_to_100_and_reads_method_level_first() -> None:
    call = invocation("sayHello")
    assert get_weight(FakeInvoker(1), call) == 100
    assert get_weight(FakeInvoker(1, weight=7), call) == 7
    assert get_weight(FakeInvoker(1, weight=7, **{"sayHello.weight": 3}), call) == 3
    assert get_weight(FakeInvoker(1, weight=-5), call) == 0


def test_warmup_ramp_is_linear_and_at_least_one() -> None:
    now = 1_700_000_000_000
    call = invocation()
    # a quarter into the default 10 minute warm-up: a quarter of the weight
    young = FakeInvoker(1, timestamp=now - 150_000)
    assert get_weight(young, call, now_ms=now) == 25
    # just started: 1, never 0
    assert get_weight(FakeInvoker(1, timestamp=now - 1), call, now_ms=now) == 1
    # a clock ahead of ours: 1
    assert get_weight(FakeInvoker(1, timestamp=now + 5_000), call, now_ms=now) == 1
    # warm-up over: the full weight; custom warm-up period in ms
    assert get_weight(FakeInvoker(1, timestamp=now - 600_000), call, now_ms=now) == 100
    assert get_weight(FakeInvoker(1, timestamp=now - 1_000, warmup=4_000, weight=200), call, now_ms=now) == 50


def test_warmup_uses_java_float_division() -> None:
    # Java: (int) (uptime / ((float) warmup / weight)); 600000/7 = 85714.28f, 599999 / that = 6.99998...
    assert calculate_warmup_weight(599_999, 600_000, 7) == 6
    assert calculate_warmup_weight(300_000, 600_000, 100) == 50
    assert calculate_warmup_weight(10, 600_000, 100) == 1
    assert calculate_warmup_weight(1_000_000, 600_000, 100) == 100


def test_weighted_random_follows_the_weights_within_3_percent() -> None:
    lb = RandomLoadBalance()
    lb.rng = random.Random(20241122)
    invokers: list[Invoker] = [FakeInvoker(1, weight=100), FakeInvoker(2, weight=300), FakeInvoker(3, weight=600)]
    call = invocation()
    picks = Counter(lb.select(invokers, CONSUMER, call).url.port for _ in range(100_000))
    for port, share in ((1, 0.1), (2, 0.3), (3, 0.6)):
        assert picks[port] / 100_000 == pytest.approx(share, rel=0.03)


def test_random_with_equal_weights_is_uniform_and_skips_zero_weight_when_others_weigh() -> None:
    lb = RandomLoadBalance()
    lb.rng = random.Random(7)
    call = invocation()
    equal: list[Invoker] = [FakeInvoker(1), FakeInvoker(2)]
    picks = Counter(lb.select(equal, CONSUMER, call).url.port for _ in range(20_000))
    assert picks[1] / 20_000 == pytest.approx(0.5, rel=0.03)
    zero: list[Invoker] = [FakeInvoker(1, weight=0), FakeInvoker(2, weight=10)]
    assert {lb.select(zero, CONSUMER, call).url.port for _ in range(1000)} == {2}


def test_no_invoker_is_unavailable() -> None:
    with pytest.raises(RpcError) as info:
        RandomLoadBalance().select([], CONSUMER, invocation())
    assert info.value.status is StatusCode.UNAVAILABLE


def smooth_wrr(weights: list[int], rounds: int) -> list[int]:
    """Java's smooth weighted round robin, by hand: add each weight to its current, take the largest
    (the first on ties), subtract the total from it."""
    current = [0] * len(weights)
    picked = []
    for _ in range(rounds):
        current = [c + w for c, w in zip(current, weights, strict=True)]
        best = max(range(len(weights)), key=lambda i: (current[i], -i))
        current[best] -= sum(weights)
        picked.append(best)
    return picked


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        ([5, 1, 1], "aabacaa"),
        ([1, 1, 1], "abc"),
        ([3, 2], "ababa"),
        ([100, 200, 300], "cbacbc"),
        ([2, 0, 1], "aca"),
    ],
)
def test_roundrobin_sequence_is_javas(weights: list[int], expected: str) -> None:
    lb = extension.loadbalances.get("roundrobin")
    assert isinstance(lb, RoundRobinLoadBalance)
    invokers: list[Invoker] = [FakeInvoker(i + 1, weight=w) for i, w in enumerate(weights)]
    call = invocation()
    rounds = len(expected) * 3
    got = "".join("abc"[lb.select(invokers, CONSUMER, call).url.port - 1] for _ in range(rounds))
    assert got == expected * 3
    assert [ord(c) - ord("a") for c in got] == smooth_wrr(weights, rounds)


def test_roundrobin_keeps_separate_positions_per_method() -> None:
    lb = RoundRobinLoadBalance()
    invokers: list[Invoker] = [FakeInvoker(1, weight=5), FakeInvoker(2, weight=1), FakeInvoker(3, weight=1)]
    hello = [lb.select(invokers, CONSUMER, invocation("sayHello")).url.port for _ in range(3)]
    bye = [lb.select(invokers, CONSUMER, invocation("sayBye")).url.port for _ in range(3)]
    assert hello == bye == [1, 1, 2]
