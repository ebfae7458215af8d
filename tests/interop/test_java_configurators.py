"""Configurator rules applied as Java applies them: every rule set below goes through Java 3.3.6's own
``Configurator.toConfigurators`` + ``configure`` (the registry-nodes oracle) and through
:func:`dubbopy.registry.configurator.configure`, on the same provider URLs (merged with a consumer's
parameters, ``side=consumer``, as a consumer directory holds them); host, port and every parameter must
come back equal. The rules a config centre holds (YAML) are also parsed by Java 3.3.6's own
``ConfigParser`` and by :func:`dubbopy.registry.rules.parse_configurators`, and must give the same URLs.
Last, one rule written into a real ZooKeeper config centre changes a Java 3.3.6 consumer and a dubbopy
consumer the same way.

Java 2.7.23 is not the oracle here: it does not compare a rule's service key (group, version, interface)
with the provider's and matches ``providerAddresses`` as a substring, so there a rule written for the
ungrouped service also changes the ``g1/…:1.0.0`` provider below; dubbopy follows 3.x.

The consumer's own address is the JVM's ``NetUtils.getLocalHost()``, which the test passes to dubbopy, so
rules that name "this consumer" are exercised; rules naming another consumer must then not apply.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from typing import Any

import pytest
from java_api import GREETINGS_SERVICE, GreetingsService
from java_fixtures import require_java_harness
from java_harness import RegistryNodes, start_consumer
from registry_fixtures import ZooKeeperServer, kazoo_client

import dubbopy
from dubbopy._net import local_host
from dubbopy.registry.configurator import configure, to_configurators
from dubbopy.registry.rules import configurator_rules, parse_configurators
from dubbopy.url import URL

pytestmark = pytest.mark.interop

SERVICE = "org.dubbopy.test.Tuned"
P1 = "10.0.0.1"
P2 = "10.0.0.2"
ME = "{me}"  # replaced with the JVM's local host
OTHER = "10.9.9.9"  # some other consumer


def provider(host: str, port: int, **params: str) -> str:
    """A provider URL as a consumer directory holds it: the provider's parameters with the consumer's."""
    base = {
        "interface": SERVICE,
        "application": "py-consumer",
        "remote.application": "java-provider",
        "side": "consumer",
        "methods": "sayHi,sayBye",
        "timeout": "1000",
        "weight": "100",
        **params,
    }
    return URL("dubbo", host, port, SERVICE, base).to_full_string()


def rule(host: str, port: int = 0, *, protocol: str = "override", path: str = SERVICE, **params: str) -> str:
    return URL(protocol, host, port, path, {"category": "configurators", **params}).to_full_string()


PROVIDERS = [
    provider(P1, 20880),
    provider(P2, 20880),
    provider(P2, 20881, group="g1", version="1.0.0"),
    provider(P1, 20882, application="other-consumer"),
]

#: name -> the configurator URLs of one notification
RULES: dict[str, list[str]] = {
    "all consumers": [rule("0.0.0.0", timeout="5000")],
    "one provider by address": [rule(P1, 20880, weight="200")],
    "one provider, port only matches": [rule(P2, 20881, weight="7")],
    "a host without port names a consumer, not a provider": [rule(P1, timeout="9")],
    "this consumer": [rule(ME, timeout="4444")],
    "another consumer": [rule(OTHER, timeout="4444")],
    "disabled provider": [rule(P1, 20880, disabled="true")],
    "rule turned off": [rule("0.0.0.0", enabled="false", timeout="1")],
    "application matches": [rule("0.0.0.0", application="py-consumer", retries="5")],
    "application differs": [rule("0.0.0.0", application="someone-else", retries="5")],
    "application any": [rule("0.0.0.0", application="*", retries="6")],
    "side condition": [rule("0.0.0.0", side="provider", timeout="2")],
    "tilde condition": [rule("0.0.0.0", **{"~weight": "100", "loadbalance": "roundrobin"})],
    "tilde mismatch": [rule("0.0.0.0", **{"~weight": "5", "loadbalance": "roundrobin"})],
    "service group and version": [rule("0.0.0.0", group="g1", version="1.0.0", timeout="333")],
    "any service": [rule("0.0.0.0", path="*", timeout="777")],
    "other service": [rule("0.0.0.0", path="org.other.Service", timeout="777")],
    "provider addresses": [rule("0.0.0.0", providerAddresses=f"{P2}:20880,{P1}", timeout="55")],
    "provider addresses by port": [rule("0.0.0.0", providerAddresses="0.0.0.0:20881", timeout="56")],
    "v2.7 consumer rule": [rule("0.0.0.0", configVersion="v2.7", side="consumer", timeout="27")],
    "v2.7 provider rule is not for consumers": [rule("0.0.0.0", configVersion="v2.7", side="provider", timeout="28")],
    "v2.7 rule for this consumer": [rule(ME, configVersion="v2.7", side="consumer", timeout="29")],
    "v3.0 rule keeps tilde keys": [rule("0.0.0.0", configVersion="v3.0", side="consumer", **{"~x": "1", "y": "2"})],
    "absent sets only what is missing": [rule("0.0.0.0", protocol="absent", timeout="1", retries="8")],
    "specific host wins over 0.0.0.0": [rule(P1, 20880, timeout="111"), rule("0.0.0.0", timeout="222")],
    "priority orders rules of one host": [
        rule("0.0.0.0", timeout="300", priority="2"),
        rule("0.0.0.0", timeout="100", priority="1"),
    ],
    "anyhost only is dropped": [rule("0.0.0.0", anyhost="true")],
    "empty clears": [rule("0.0.0.0", timeout="1"), URL("empty", "0.0.0.0", 0, SERVICE).to_full_string()],
    "user name is the application": [
        URL.parse(rule("0.0.0.0", timeout="12")).replace(username="py-consumer").to_full_string()
    ],
}


def describe(url: URL) -> dict[str, Any]:
    return {"host": url.host, "port": url.port, "parameters": dict(sorted(url.params.items()))}


@pytest.mark.parametrize("name", list(RULES))
def test_rules_apply_as_java_applies_them(name: str, java33_registry_nodes: RegistryNodes) -> None:
    oracle = java33_registry_nodes
    local_host, _ = oracle.configure([], [])
    rules = [text.replace(ME, local_host) for text in RULES[name]]
    _, expected = oracle.configure(rules, PROVIDERS)
    configurators = to_configurators([URL.parse(text) for text in rules])
    ours = [describe(configure(URL.parse(text), configurators, local_host)) for text in PROVIDERS]
    assert ours == expected


# ----------------------------------------------------------------- rules as a config centre holds them

YAML_RULES: dict[str, str] = {
    "service scope, consumer side": """
configVersion: v2.7
scope: service
key: org.dubbopy.test.Tuned
enabled: true
configs:
  - side: consumer
    addresses: [0.0.0.0]
    parameters: {timeout: 6000, retries: 0}
""",
    "grouped and versioned service, provider side, two addresses": """
configVersion: v2.7
scope: service
key: g1/org.dubbopy.test.Tuned:1.0.0
configs:
  - side: provider
    addresses: ["10.0.0.1:20880", "10.0.0.2:20880"]
    parameters: {weight: 200}
""",
    "applications and provider addresses": """
configVersion: v2.7
scope: service
key: org.dubbopy.test.Tuned
enabled: false
configs:
  - side: consumer
    applications: [app-a, app-b]
    providerAddresses: ["10.0.0.1:20880"]
    parameters: {loadbalance: roundrobin, disabled: true}
""",
    "application scope with services": """
configVersion: v2.7
scope: application
key: py-consumer
configs:
  - side: consumer
    services: [org.dubbopy.test.Tuned, g1/org.other.Service:2.0]
    parameters: {timeout: 1500}
  - addresses: [192.0.2.9]
    parameters: {cluster: failfast}
""",
    "item types and their own enabled": """
configVersion: v2.7
scope: service
key: org.dubbopy.test.Tuned
enabled: true
configs:
  - type: weight
    enabled: false
    side: provider
    parameters: {weight: 1}
  - type: balancing
    parameters: {loadbalance: leastactive}
  - type: general
    enabled: false
    parameters: {sticky: yes}
""",
    "v3.0 without match": """
configVersion: v3.0
scope: service
key: org.dubbopy.test.Tuned
configs:
  - side: consumer
    parameters: {timeout: 2.5, tag: gray}
""",
    "a JSON array of override URLs": (
        '["override://0.0.0.0/org.dubbopy.test.Tuned?category=configurators&timeout=7",'
        ' "override://10.0.0.1:20880/org.dubbopy.test.Tuned?disabled=true"]'
    ),
}


def described(url: URL) -> dict[str, Any]:
    return {
        "protocol": url.protocol,
        "host": url.host,
        "port": url.port,
        "path": url.path,
        "parameters": dict(sorted(url.params.items())),
    }


@pytest.mark.parametrize("name", list(YAML_RULES))
def test_config_centre_rules_parse_as_java_parses_them(name: str, java33_registry_nodes: RegistryNodes) -> None:
    # (2.7.23's ConfigParser and its older SnakeYAML differ on three of these; dubbopy follows 3.x)
    oracle = java33_registry_nodes
    expected = sorted(oracle.parse_rule(YAML_RULES[name]), key=repr)
    ours = sorted((described(u) for u in parse_configurators(YAML_RULES[name])), key=repr)
    assert ours == expected


# --------------------------------------------------------------- v3.0 match blocks, applied end to end


def _matching(match: str, side: str = "consumer", key: str = SERVICE) -> str:
    """A v3.0 rule for service ``key`` setting timeout=4242 where ``match`` (YAML flow) holds."""
    return (
        f"configVersion: v3.0\nscope: service\nkey: {key}\nconfigs:\n"
        f"  - side: {side}\n    match: {match}\n    parameters: {{timeout: 4242}}\n"
    )


GROUPED = f"g1/{SERVICE}:1.0.0"  # the key of the third provider below

MATCH_RULES: dict[str, str] = {
    "address wildcard all": _matching("{address: {wildcard: '*'}}"),
    "address exact, this consumer": _matching("{address: {exact: '{me}'}}"),
    "address exact, another consumer": _matching("{address: {exact: '10.9.9.9'}}"),
    "address cird range": _matching("{address: {cird: '{me}/24'}}"),
    "address cird pattern": _matching("{address: {cird: '*.*.*.*'}}"),
    "address glob": _matching("{address: {wildcard: '{me3}.*'}}"),
    "provider address glob": _matching("{providerAddress: {wildcard: '10.0.0.1:*'}}"),
    "provider address exact": _matching("{providerAddress: {exact: '10.0.0.2:20881'}}", key=GROUPED),
    "provider address cird never matches ip:port": _matching("{providerAddress: {cird: '10.0.0.0/8'}}"),
    "service exact": _matching(f"{{service: {{oneof: [{{exact: {SERVICE}}}]}}}}"),
    "service prefix and regex": _matching(
        "{service: {oneof: [{regex: 'org[.]dubbopy[.].*:9'}, {prefix: 'g1/'}]}}", key=GROUPED
    ),
    "application": _matching("{app: {oneof: [{exact: other-consumer}]}}"),
    "parameters": _matching("{param: [{key: weight, value: {exact: '100'}}, {key: group, value: {empty: x}}]}"),
    "parameter noempty": _matching("{param: [{key: group, value: {noempty: x}}]}", key=GROUPED),
    "parameter regex": _matching("{param: [{key: version, value: {regex: '1[.][0-9][.]0'}}]}", key=GROUPED),
    "parameter regex mismatch": _matching("{param: [{key: version, value: {regex: '2[.].*'}}]}", key=GROUPED),
    "every block": _matching(
        "{address: {wildcard: '*'}, providerAddress: {wildcard: '10.0.0.*'}, "
        "app: {oneof: [{wildcard: '*'}]}, param: [{key: methods, value: {prefix: say}}]}"
    ),
    "match on a provider rule": _matching("{address: {wildcard: '10.0.0.2'}}", side="provider"),
}


@pytest.mark.parametrize("name", list(MATCH_RULES))
def test_match_blocks_apply_as_java_applies_them(name: str, java33_registry_nodes: RegistryNodes) -> None:
    oracle = java33_registry_nodes
    local_host, _ = oracle.configure([], [])
    rule = MATCH_RULES[name].replace("{me}", local_host).replace("{me3}", local_host.rsplit(".", 1)[0])
    _, expected = oracle.configure_rule(rule, PROVIDERS)
    configurators = to_configurators(configurator_rules(rule))
    ours = [describe(configure(URL.parse(text), configurators, local_host)) for text in PROVIDERS]
    assert ours == expected


# ------------------------------------------------------------------ one rule, Java and dubbopy consumers


def _disabling(kind: str, host: str, port: int, provider_app: str) -> tuple[str, str]:
    """A config-centre key and rule that keep consumers off the provider at host:port."""
    if kind == "configurators":
        return (
            f"{GREETINGS_SERVICE}::.configurators",
            f"""
configVersion: v2.7
scope: service
key: {GREETINGS_SERVICE}
configs:
  - side: consumer
    providerAddresses: ["{host}:{port}"]
    parameters: {{disabled: true}}
""",
        )
    if kind == "condition-router":
        return (
            f"{GREETINGS_SERVICE}::.condition-router",
            f"""
configVersion: v3.0
scope: service
key: {GREETINGS_SERVICE}
force: true
conditions:
  - "method = sayHi => port != {port}"
""",
        )
    # the providers' own application's condition rule (Java's ProviderAppStateRouter)
    return (
        f"{provider_app}.condition-router",
        f"""
configVersion: v3.0
scope: application
key: {provider_app}
conditions:
  - "=> port != {port}"
""",
    )


@pytest.mark.parametrize("kind", ["configurators", "condition-router", "provider-application"])
async def test_java_and_dubbopy_consumers_obey_the_same_config_centre_rule(
    kind: str, request: pytest.FixtureRequest, zookeeper: ZooKeeperServer
) -> None:
    # two dubbopy providers; a Java 3.3.6 consumer whose registry is its config centre (configured at
    # start-up, as an application's is) and a dubbopy consumer; then Admin's YAML rule keeping consumers
    # off one provider, in the config centre: both consumers stop calling it
    require_java_harness(request, "33")
    unique = uuid.uuid4().hex[:6]
    registry = f"zookeeper://{zookeeper.address}?group=/cc-{unique}"
    provider_app = f"py-provider-{unique}"
    async with contextlib.AsyncExitStack() as stack:
        ports = []
        for prefix in ("one ", "two "):
            server = dubbopy.Server(application=provider_app, protocols=["dubbo://0.0.0.0:0"], registries=[registry])
            server.add(GreetingsService(prefix=prefix))
            await server.start()
            stack.push_async_callback(server.stop, 0.5)
            ports.append(server.ports[0])
        java = stack.enter_context(start_consumer("33", properties={"dubbopy.registry": registry}))
        client = await stack.enter_async_context(dubbopy.Client(application="py-consumer", registries=[registry]))
        greetings = client.reference(GreetingsService, protocol="dubbo")

        async def answers() -> tuple[set[str], set[str]]:
            call = {"registry": registry, "protocol": "dubbo"}
            by_java = {(await java.acall("GreetingsService.sayHi", None, ["j"], **call)).value for _ in range(8)}
            by_python = {await greetings.sayHi("j") for _ in range(8)}
            return by_java, by_python

        both = {"one hi, j", "two hi, j"}
        async with asyncio.timeout(20):  # until both consumers have discovered both providers
            while await answers() != (both, both):  # noqa: ASYNC110 - polling a remote state
                await asyncio.sleep(0.1)
        key, rule = _disabling(kind, local_host(), ports[0], provider_app)
        # the registry's own root is /cc-…, the config centre's stays /dubbo/config (as Java 3.3 reads it)
        path = f"/dubbo/config/dubbo/{key}"
        with kazoo_client(zookeeper.address) as zk:
            zk.create(path, rule.encode(), makepath=True)
        stack.callback(_delete_node, zookeeper, path)
        async with asyncio.timeout(20):
            while await answers() != ({"two hi, j"}, {"two hi, j"}):  # noqa: ASYNC110 - polling a remote state
                await asyncio.sleep(0.1)


def _delete_node(zookeeper: ZooKeeperServer, path: str) -> None:
    with kazoo_client(zookeeper.address) as zk:
        zk.delete(path)
