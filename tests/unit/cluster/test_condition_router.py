"""Condition routing rules as Java Dubbo applies them (2.7 ConditionRouter, 3.3 ConditionStateRouter).

Each case routes a call of a consumer through rule URLs as Dubbo Admin writes them and checks which
providers are left: wildcards, lists, ``!=``, ``$param``, blacklists, ``force``, method-scoped rules,
arguments and attachments, priorities of several routers, and malformed rules rejected with a message
that names the rule.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pytest
from cluster_fakes import SERVICE

from dubbopy import extension
from dubbopy.cluster.router import Router, RouterChain, build_routers
from dubbopy.cluster.router.condition import ConditionRouter, ConditionRouterFactory
from dubbopy.cluster.router.rule import ConditionRule
from dubbopy.errors import ConfigError
from dubbopy.rpc import BaseInvoker, Invocation, Invoker, Result
from dubbopy.url import URL, url_encode

CONSUMER = URL("consumer", "10.0.0.9", 0, SERVICE, {"interface": SERVICE, "application": "shop", "side": "consumer"})


class _Provider(BaseInvoker):
    def __init__(self, address: str, **params: str) -> None:
        host, port = address.split(":")
        super().__init__(URL("dubbo", host, int(port), SERVICE, {"interface": SERVICE, **params}))

    async def invoke(self, invocation: Invocation) -> Result:
        return Result(self.url.address)


PROVIDERS = [
    _Provider("10.20.153.10:20880", application="inventory", zone="east"),
    _Provider("10.20.153.11:20881", application="inventory", zone="west"),
    _Provider("10.0.0.1:20880", application="inventory"),
    _Provider("10.0.0.9:20882", application="legacy"),
]


def rule_url(rule: str, **params: str) -> URL:
    """A rule URL as Dubbo Admin writes it (the rule itself URL-encoded inside the URL)."""
    return URL(
        "route",
        "0.0.0.0",
        0,
        SERVICE,
        {"category": "routers", "router": "condition", "rule": url_encode(rule), "dynamic": "false", **params},
    )


def route(
    rules: Sequence[str | URL],
    method: str = "sayHello",
    *,
    arguments: object = None,
    attachments: dict[str, str | bytes] | None = None,
    consumer: URL = CONSUMER,
) -> list[str]:
    """The addresses left for a call of ``method`` after the rules (strings become rule URLs)."""
    urls = [rule_url(r) if isinstance(r, str) else r for r in rules]
    chain = RouterChain(build_routers(urls))
    call = Invocation(SERVICE, method, arguments, attachments=attachments)
    return [i.url.address for i in chain.route(PROVIDERS, consumer, call)]


ALL = [p.url.address for p in PROVIDERS]


@pytest.mark.parametrize(
    ("rule", "left"),
    [
        ("=> host = 10.20.153.*", ["10.20.153.10:20880", "10.20.153.11:20881"]),  # suffix wildcard
        ("=> address = *:20880", ["10.20.153.10:20880", "10.0.0.1:20880"]),  # prefix wildcard
        ("=> address = 10.*:20881", ["10.20.153.11:20881"]),  # wildcard in the middle
        ("=> host = *", ALL),
        ("=> host = 10.0.0.1", ["10.0.0.1:20880"]),  # exact, not a prefix
        ("=> port = 20881,20882", ["10.20.153.11:20881", "10.0.0.9:20882"]),  # a list
        ("=> host != 10.0.0.1,10.0.0.9", ["10.20.153.10:20880", "10.20.153.11:20881"]),  # a list of exclusions
        ("=> host = 10.20.153.* & host != 10.20.153.11", ["10.20.153.10:20880"]),  # != wins over =
        ("=> zone = east & port = 20880", ["10.20.153.10:20880"]),  # any URL parameter, all must hold
        ("=> zone != east", ["10.20.153.11:20881"]),  # a provider without the key fails even !=
        ("=> port = 20881~20882", ["10.20.153.11:20881", "10.0.0.9:20882"]),  # a numeric range
        ("=> host = $host", ["10.0.0.9:20882"]),  # $host: the consumer's own host
        ("=> provider.application = legacy", ["10.0.0.9:20882"]),  # provider. prefix dropped
        ("host = 10.20.153.*", ["10.20.153.10:20880", "10.20.153.11:20881"]),  # no "=>": all then
    ],
)
def test_then_part_selects_providers(rule: str, left: list[str]) -> None:
    assert route([rule]) == left


@pytest.mark.parametrize(
    ("rule", "applies"),
    [
        ("host = 10.0.0.9 => port = 20880", True),  # the consumer URL's host
        ("host != 10.0.0.9 => port = 20880", False),
        ("consumer.application = shop,admin => port = 20880", True),  # consumer. prefix dropped
        ("application = sh* => port = 20880", True),
        ("version = 1.0 => port = 20880", False),  # the consumer has no version: the when part fails
        ("true => port = 20880", True),
        ("host = $host => port = 20880", False),  # no $ references in a when part (Java): literal
    ],
)
def test_when_part_reads_the_consumer_url(rule: str, applies: bool) -> None:
    assert route([rule]) == (["10.20.153.10:20880", "10.0.0.1:20880"] if applies else ALL)


def test_method_scoped_rule_routes_only_matching_methods() -> None:
    rule = "method = find*,list* => port = 20881"
    assert route([rule], "findUser") == ["10.20.153.11:20881"]
    assert route([rule], "listUsers") == ["10.20.153.11:20881"]
    assert route([rule], "saveUser") == ALL
    assert route(["method != save* => port = 20881"], "saveUser") == ALL


def test_empty_then_part_blacklists_the_consumer_whatever_force_says() -> None:
    assert route(["host = 10.0.0.9 =>"]) == []
    assert route([rule_url("host = 10.0.0.9 => false", force="false")]) == []
    assert route(["host = 10.0.0.8 =>"]) == ALL  # another consumer: not blacklisted


def test_force_decides_what_an_empty_result_means() -> None:
    assert route([rule_url("=> host = 192.168.*", force="false")]) == ALL  # the rule steps aside
    assert route([rule_url("=> host = 192.168.*")]) == ALL  # force defaults to false
    assert route([rule_url("=> host = 192.168.*", force="true")]) == []


def test_disabled_rule_does_nothing_and_is_not_parsed() -> None:
    assert route([rule_url("=> host = 10.0.0.1", enabled="false")]) == ALL
    assert route([rule_url("host == broken", enabled="false")]) == ALL


def test_arguments_and_attachments_in_the_when_part() -> None:
    rule = "arguments[0] = vip* => port = 20881"
    assert route([rule], arguments=("vip-42", 3)) == ["10.20.153.11:20881"]
    assert route([rule], arguments=("basic", 3)) == ALL
    assert route([rule], arguments=()) == ALL  # no such argument
    assert route([rule], arguments="vip-1") == ["10.20.153.11:20881"]  # a Triple request is argument 0
    assert route(["arguments[1] = true => port = 20881"], arguments=("x", True)) == ["10.20.153.11:20881"]
    tagged = "attachments[tenant] = gold => port = 20882"
    assert route([tagged], attachments={"tenant": "gold"}) == ["10.0.0.9:20882"]
    assert route([tagged], attachments={}) == ALL


def test_lower_priority_runs_first() -> None:
    # Each rule alone keeps other providers; with force=false the second one finds none of its
    # providers left and steps aside, so the result shows which rule ran first.
    first = rule_url("=> port = 20882", priority="1")
    second = rule_url("=> port = 20880", priority="2")
    assert route([second, first]) == ["10.0.0.9:20882"]
    assert route([first.with_param("priority", "3"), second]) == ["10.20.153.10:20880", "10.0.0.1:20880"]


def test_priority_defaults_to_zero_and_condition_protocol_needs_no_router_param() -> None:
    url = URL("condition", "0.0.0.0", 0, SERVICE, {"rule": url_encode("=> port = 20881")})
    router = ConditionRouterFactory().get_router(url)
    assert router.priority == 0
    assert route([url]) == ["10.20.153.11:20881"]


@pytest.mark.parametrize(
    ("rule", "problem"),
    [
        ("", "empty"),
        ("= 10.0.0.1 => host = 10.0.0.2", "needs a key"),
        ("host == 10.0.0.1 => port = 1", "unknown separator"),
        ("host , 10.0.0.1 => port = 1", "',' must follow a value"),
        ("host => port = 20880", "has no '=' or '!=' value"),
        ("method = find => port", "has no '=' or '!=' value"),
        ("arguments = 1 => port = 1", "arguments[0]"),
        ("attachments[] = 1 => port = 1", "attachments[name]"),
        ("host = 1 => ,,,", "holds no condition"),
    ],
)
def test_malformed_rules_are_rejected_with_a_clear_message(rule: str, problem: str) -> None:
    with pytest.raises(ConfigError) as caught:
        ConditionRule.parse(rule)
    assert problem in str(caught.value)
    if rule:
        assert repr(rule) in str(caught.value)


def test_a_malformed_rule_url_is_logged_and_skipped(caplog: pytest.LogCaptureFixture) -> None:
    bad = rule_url("host == 10.0.0.1 => port = 20880", name="r-bad")
    unknown = rule_url("=> port = 20880").with_param("router", "nosuch")
    good = rule_url("=> port = 20881")
    with caplog.at_level(logging.ERROR, logger="dubbopy.cluster.router.chain"):
        routers = build_routers([bad, unknown, good])
    assert [r.url for r in routers] == [good]
    messages = [r.getMessage() for r in caplog.records]
    assert any("r-bad" in m and "host == 10.0.0.1" in m and "unknown separator" in m for m in messages)
    assert any("unknown router 'nosuch'" in m for m in messages)
    assert route([bad, good]) == ["10.20.153.11:20881"]


def test_condition_is_a_registered_router_factory() -> None:
    assert "condition" in extension.routers
    assert isinstance(extension.routers.get("condition").get_router(rule_url("=> port = 1")), ConditionRouter)


class _CountingRouter(Router):
    """Keeps every other invoker and counts how often it is asked."""

    def __init__(self, *, depends_on_call: bool = False) -> None:
        self.calls = 0
        self._depends = depends_on_call

    @property
    def url(self) -> URL:
        return URL("counting", "0.0.0.0", 0)

    @property
    def priority(self) -> int:
        return 0

    @property
    def depends_on_call(self) -> bool:
        return self._depends

    def route(self, invokers: Sequence[Invoker], consumer_url: URL, invocation: Invocation) -> Sequence[Invoker]:
        self.calls += 1
        return list(invokers)[::2]


def test_chain_routes_each_method_once_per_invoker_list() -> None:
    counting = _CountingRouter()
    chain = RouterChain([counting])
    providers = list(PROVIDERS)
    for _ in range(3):
        for method in ("a", "b"):
            assert len(chain.route(providers, CONSUMER, Invocation(SERVICE, method))) == 2
    assert counting.calls == 2
    chain.route(list(PROVIDERS[:2]), CONSUMER, Invocation(SERVICE, "a"))  # a new list: routed afresh
    assert counting.calls == 3


def test_chain_does_not_cache_rules_that_read_the_call() -> None:
    counting = _CountingRouter(depends_on_call=True)
    chain = RouterChain([counting])
    for _ in range(3):
        chain.route(PROVIDERS, CONSUMER, Invocation(SERVICE, "a"))
    assert counting.calls == 3
    assert RouterChain(build_routers([rule_url("arguments[0] = x => port = 1")])).routers[0].depends_on_call


def test_empty_chain_returns_the_list_itself() -> None:
    assert RouterChain().route(PROVIDERS, CONSUMER, Invocation(SERVICE, "a")) is PROVIDERS
