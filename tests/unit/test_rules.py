"""Config-centre rules that are not applied are refused or ignored as Java refuses or ignores them.
(What valid rules mean is checked against Java in ``interop/test_java_configurators.py``.)"""

from __future__ import annotations

import pytest

from dubbopy.errors import ConfigError
from dubbopy.registry.rules import condition_routers, configurator_rules, parse_configurators


def test_condition_rules_of_v3_1_are_refused_by_name() -> None:
    with pytest.raises(ConfigError, match=r"v3\.1"):
        condition_routers("configVersion: v3.1\nconditions:\n  - from: {match: x}\n", "org.x.Svc", 140)


def test_condition_rules_of_a_later_version_or_without_conditions_route_nothing() -> None:
    assert condition_routers("configVersion: v4.0\nconditions: ['=> host = 1.2.3.4']\n", "org.x.Svc", 140) == []
    assert condition_routers("configVersion: v3.0\nconditions: []\n", "org.x.Svc", 140) == []


def test_each_condition_becomes_a_router_with_the_rule_s_force_and_priority() -> None:
    routers = condition_routers(
        "configVersion: v3.0\nforce: true\nconditions: ['method = a => host = 1.2.3.4', '=> port != 1']\n",
        "org.x.Svc",
        150,
    )
    assert [(r.priority, r.url.get("force"), r.url.get_decoded("rule")) for r in routers] == [
        (150, "true", "method = a => host = 1.2.3.4"),
        (150, "true", "=> port != 1"),
    ]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("[unclosed", "not YAML"),
        ("- just a list", "must be a mapping"),
        ("configVersion: v2.7\nscope: service\nkey: org.x.Svc\n", "no configs"),
        ("configVersion: v2.7\nkey: org.x.Svc\nconfigs:\n  - side: consumer\n", "sets no parameters"),
        ("configVersion: v2.7\nconfigs:\n  - parameters: {timeout: 1}\n", "names no service"),
    ],
)
def test_configurator_rules_that_are_not_rules_say_what_is_wrong(text: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        parse_configurators(text)


def test_an_item_s_match_block_travels_with_its_urls() -> None:
    text = (
        "configVersion: v3.0\nscope: service\nkey: org.x.Svc\nconfigs:\n"
        "  - match: {address: {wildcard: '10.0.0.*'}}\n    addresses: [0.0.0.0, 10.0.0.9]\n"
        "    parameters: {timeout: 1}\n"
        "  - parameters: {timeout: 2}\n"
    )
    rules = configurator_rules(text)
    assert [(url.host, url.get("timeout"), match is not None) for url, match in rules] == [
        ("0.0.0.0", "1", True),
        ("10.0.0.9", "1", True),
        ("0.0.0.0", "2", False),
    ]
