"""dubbopy's ``consistenthash`` and ``roundrobin`` choose what Java Dubbo's own balancers choose.

The oracle (``LoadBalanceOracle.java``) builds invokers over provider URL strings and asks Java's
``ConsistentHashLoadBalance`` / ``RoundRobinLoadBalance`` (``LoadBalance.select``); dubbopy's balancers get
invokers over the same strings (``URL.parse``) and the same arguments, and every selection is compared.

* consistent hash: address lists of 1..10 providers (IPv4, host names, one IPv6), ``hash.nodes`` and
  ``hash.arguments`` at service and method level, ~300 keys (strings, non-ASCII, ints, longs, booleans,
  null, two-argument keys); several thousand selections in a handful of requests. 3.3.6 with one balancer
  throughout; 2.7.23 with a fresh balancer per call, because 2.7.23's selector also counts requests per
  provider and moves a call on from a provider with more than 1.5 times the average (bounded load), a
  behaviour 3.x dropped and dubbopy does not have.
* round robin: pick sequences for equal, zero, negative, large (int-overflowing totals), skewed and
  method-level weights, and one sequence that goes on over changed provider lists and a changed weight.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any

import pytest
from java_harness import LoadBalanceOracle, jint

from dubbopy.cluster.loadbalance.base import LoadBalance
from dubbopy.cluster.loadbalance.consistenthash import ConsistentHashLoadBalance
from dubbopy.cluster.loadbalance.weighted import RoundRobinLoadBalance
from dubbopy.rpc import BaseInvoker, Invocation, Result
from dubbopy.url import URL

pytestmark = pytest.mark.interop

SERVICE = "org.example.DemoService"
METHOD = "sayHello"
CONSUMER = URL("consumer", "127.0.0.1", 0, SERVICE)
INT_MAX = 2**31 - 1


class UrlInvoker(BaseInvoker):
    """An invoker that is only its URL, as the Java oracle's: balancers read nothing else."""

    async def invoke(self, invocation: Invocation) -> Result:
        raise AssertionError("only selected, never called")


def _addresses(count: int, seed: int) -> list[str]:
    """``count`` distinct ``host:port`` addresses: loopback-style IPs, private IPs and host names."""
    rng = random.Random(seed)
    found: list[str] = []
    while len(found) < count:
        kind = rng.randrange(3)
        if kind == 0:
            host = f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        elif kind == 1:
            host = f"192.168.{rng.randrange(256)}.{rng.randrange(1, 255)}"
        else:
            host = f"provider-{rng.randrange(1000)}.example.com"
        address = f"{host}:{rng.choice([20880, 20881, 50051, rng.randrange(1024, 65536)])}"
        if address not in found:
            found.append(address)
    return found


ADDRESS_LISTS = [
    ["127.0.0.1:20880"],
    ["127.0.0.1:20880", "127.0.0.1:20881"],
    _addresses(3, 1),
    _addresses(4, 2),
    _addresses(5, 3),
    _addresses(7, 4),
    _addresses(10, 5),
    ["[::1]:20880", "[fe80::1]:20881", "10.0.0.1:20880"],
]

# provider URL parameters (service and method level) every address list is tried with
HASH_SETTINGS: list[dict[str, str]] = [
    {},
    {"hash.nodes": "4"},
    {"hash.nodes": "7"},  # not a multiple of 4: 7 / 4 = one digest per provider
    {"hash.nodes": "40", "hash.arguments": "1"},
    {"hash.nodes": "320", "hash.arguments": "0,1"},
    {"hash.arguments": "1 , 0"},
    {"hash.arguments": "0,1,"},  # Java's split drops the trailing empty item
    {"hash.arguments": "0,,2"},
    {"hash.arguments": "3"},  # no such argument: every call hashes ""
    {f"{METHOD}.hash.nodes": "16", f"{METHOD}.hash.arguments": "1", "hash.nodes": "400"},
    {"otherMethod.hash.arguments": "1"},  # another method's setting: not ours
]


def _keys() -> list[Any]:
    rng = random.Random(20240521)
    words = ["", "a", "alice", "Bob", "key-1", "0", "null", "true", " spaced out ", "a,b=c&d"]
    non_ascii = ["é", "Zoë", "中文键", "ключ", "😀", "emoji 🎉 mix", "\u00a0nbsp", "ñandú-42", "日本語テキスト"]
    keys: list[Any] = [*words, *non_ascii]
    keys += [f"user-{rng.randrange(10**6)}" for _ in range(120)]
    keys += ["".join(chr(rng.choice([rng.randrange(0x20, 0x7F), rng.randrange(0xA0, 0x3000)])) for _ in range(8))]
    keys += [rng.randrange(-(2**31), 2**31) for _ in range(40)]  # Java ints (jint below)
    keys += [rng.randrange(-(2**63), 2**63) for _ in range(40)]  # Java longs
    keys += [0, -1, INT_MAX, -(2**31), 2**63 - 1, -(2**63), True, False, None]
    return keys


KEYS = _keys()


def _java_value(value: Any, index: int) -> Any:
    """The tagged Java value for a key: ints in the int range alternate between Integer and Long (both
    print the same digits)."""
    if isinstance(value, int) and not isinstance(value, bool) and -(2**31) <= value < 2**31 and index % 2:
        return jint(value)
    return value


def _calls() -> list[tuple[Any, ...]]:
    """Argument tuples: the key first, a second and third argument that vary, so that ``hash.arguments``
    naming 1 or 2 has something to hash."""
    rng = random.Random(7)
    calls: list[tuple[Any, ...]] = []
    for key in KEYS:
        calls.append((key, rng.randrange(100), f"third-{rng.randrange(5)}"))
    calls += [("only-one",), ()]
    return calls


CALLS = _calls()


def _provider_urls(addresses: Sequence[str], params: dict[str, str]) -> list[str]:
    query = "&".join([f"interface={SERVICE}", *(f"{k}={v}" for k, v in params.items())])
    return [f"dubbo://{address}/{SERVICE}?{query}" for address in addresses]


def _python_selections(
    balancer: LoadBalance, invokers: Sequence[UrlInvoker], calls: Sequence[tuple[Any, ...]]
) -> list[int]:
    index = {id(invoker): i for i, invoker in enumerate(invokers)}
    return [index[id(balancer.select(invokers, CONSUMER, Invocation(SERVICE, METHOD, args)))] for args in calls]


def _java_calls(calls: Sequence[tuple[Any, ...]]) -> list[list[Any]]:
    return [[_java_value(arg, n) for arg in args] for n, args in enumerate(calls)]


def _consistent_hash_cases() -> list[tuple[list[str], dict[str, str]]]:
    return [(addresses, settings) for addresses in ADDRESS_LISTS for settings in HASH_SETTINGS]


@pytest.mark.parametrize(
    ("oracle_fixture", "fresh", "stride"), [("java33_loadbalance", False, 1), ("java27_loadbalance", True, 3)]
)
def test_consistenthash_selects_what_java_selects(
    oracle_fixture: str, fresh: bool, stride: int, request: pytest.FixtureRequest
) -> None:
    oracle: LoadBalanceOracle = request.getfixturevalue(oracle_fixture)
    assert oracle.runtime()["charset"] == "UTF-8"
    compared = 0
    mismatches: list[str] = []
    for case, (addresses, settings) in enumerate(_consistent_hash_cases()):
        calls = CALLS[case % stride :: stride]
        providers = _provider_urls(addresses, settings)
        java = oracle.select("consistenthash", providers, METHOD, _java_calls(calls), fresh=fresh)
        invokers = [UrlInvoker(URL.parse(p)) for p in providers]
        python = _python_selections(ConsistentHashLoadBalance(), invokers, calls)
        for args, j, p in zip(calls, java, python, strict=True):
            if j != p:
                mismatches.append(f"{settings} {addresses}: {args!r} Java {addresses[j]}, dubbopy {addresses[p]}")
        compared += len(calls)
    assert not mismatches, f"{len(mismatches)} of {compared} differ, e.g.\n" + "\n".join(mismatches[:10])
    assert compared > (6000 if stride == 1 else 2000)


def test_consistenthash_spreads_keys_over_every_provider(java33_loadbalance: LoadBalanceOracle) -> None:
    # guards the comparison above against a degenerate ring (all keys on one provider agree trivially)
    addresses = ADDRESS_LISTS[6]
    java = java33_loadbalance.select("consistenthash", _provider_urls(addresses, {}), METHOD, [[k] for k in KEYS])
    assert set(java) == set(range(len(addresses)))


# ---------------------------------------------------------------------------------------------- roundrobin

WEIGHT_VECTORS: list[list[int | None]] = [
    [None, None, None],  # no weight parameter: 100 each
    [5, 1, 1],
    [1, 1, 1, 1],
    [0, 0, 0],
    [0, 5, 0],
    [0, 1],
    [-5, 3, 2],
    [1, 1_000_000],
    [7, 3, 11, 2, 19],
    [1, 2, 3, 4, 50],
    [100, 99, 1],
    [INT_MAX, INT_MAX, 1],  # Java's int total overflows
    [2**30, 2**30, 2**30],
    [INT_MAX, 1],
]


def _weighted_urls(weights: Sequence[int | None], *, port: int = 20880, method_weight: bool = False) -> list[str]:
    urls = []
    for i, weight in enumerate(weights):
        params = "" if weight is None else (f"&{METHOD}.weight={weight}" if method_weight else f"&weight={weight}")
        urls.append(f"dubbo://10.1.0.{i + 1}:{port + i}/{SERVICE}?interface={SERVICE}{params}")
    return urls


def _python_picks(balancer: RoundRobinLoadBalance, urls: Sequence[str], picks: int, cache: dict[str, Any]) -> list[int]:
    invokers = [cache.setdefault(u, UrlInvoker(URL.parse(u))) for u in urls]
    return _python_selections(balancer, invokers, [()] * picks)


@pytest.mark.parametrize("oracle_fixture", ["java33_loadbalance", "java27_loadbalance"])
@pytest.mark.parametrize("weights", WEIGHT_VECTORS, ids=lambda w: ",".join(map(str, w)))
def test_roundrobin_sequence_is_javas(
    oracle_fixture: str, weights: list[int | None], request: pytest.FixtureRequest
) -> None:
    oracle: LoadBalanceOracle = request.getfixturevalue(oracle_fixture)
    urls = _weighted_urls(weights)
    picks = 400
    java = oracle.select("roundrobin", urls, METHOD, picks=picks)
    python = _python_picks(RoundRobinLoadBalance(), urls, picks, {})
    assert python == java


def test_roundrobin_reads_method_level_weights_as_java(java33_loadbalance: LoadBalanceOracle) -> None:
    urls = _weighted_urls([9, 2, 4], method_weight=True)
    urls = [urls[0] + "&weight=1", urls[1], urls[2] + f"&methods=other,{METHOD}"]
    java = java33_loadbalance.select("roundrobin", urls, METHOD, picks=120)
    assert _python_picks(RoundRobinLoadBalance(), urls, 120, {}) == java


@pytest.mark.parametrize("weights", [[5, 1, 3, 2], [4, 4, 4, 4]], ids=["skewed", "equal"])
@pytest.mark.parametrize("oracle_fixture", ["java33_loadbalance", "java27_loadbalance"])
def test_roundrobin_goes_on_over_list_and_weight_changes_as_java(
    oracle_fixture: str, weights: list[int], request: pytest.FixtureRequest
) -> None:
    # equal weights take dubbopy's shortcut (one max per pick, the additions applied when the list or a
    # weight changes): the changes below must come out as Java's too
    oracle: LoadBalanceOracle = request.getfixturevalue(oracle_fixture)
    a, b, c, d = _weighted_urls(weights)
    a_heavier = a.replace(f"weight={weights[0]}", "weight=8")
    assert a_heavier != a
    steps = [
        [a, b, c],
        [a, c, d],  # b leaves, d joins
        [a, b, c, d],  # b comes back: its old state is kept (Java recycles after 60 s)
        [a_heavier, b, c, d],  # a's weight changes: its current restarts at 0
        [c, a_heavier],  # order changes
        [d],  # one provider: chosen without the balancer
        [a_heavier, b, c, d],
    ]
    state = f"changes-{oracle_fixture}-{'-'.join(map(str, weights))}"
    python_balancer = RoundRobinLoadBalance()
    cache: dict[str, Any] = {}
    for number, urls in enumerate(steps):
        picks = 11 + 3 * number
        java = oracle.select("roundrobin", urls, METHOD, picks=picks, state=state)
        python = _python_picks(python_balancer, urls, picks, cache)
        assert python == java, f"step {number}: {urls}"
