"""Configurator rules as Dubbo Admin writes them in a config centre, turned into ``override://`` URLs.

Java 3.x (and 2.7) consumers read governance rules from the config centre, not from the registry's
``configurators`` category: the key ``{interface}:{version}:{group}.configurators`` holds the rules of one
service, ``{application}.configurators`` those of an application. A rule is YAML::

    configVersion: v2.7          # or v3.0
    scope: service               # or application
    key: org.apache.dubbo.demo.DemoService   # [group/]interface[:version], or the application's name
    enabled: true
    configs:
      - side: consumer           # or provider
        addresses: [0.0.0.0]     # the consumers (or providers) it applies on; 0.0.0.0 = all
        providerAddresses: [10.0.0.1:20880]
        applications: [app]      # service scope: only these applications
        services: [group/Svc:1.0]   # application scope: only these services (default *)
        parameters: {timeout: 6000}

(or a JSON array of override URL strings). :func:`parse_configurators` makes the same URLs Java's
``ConfigParser.parseConfigurators`` makes — one per address (and application, or service) — which
:mod:`~dubbopy.registry.configurator` then applies by the same rules as registry overrides; an item's
v3.0 ``match`` block (:mod:`~dubbopy.registry.match`) travels with its URLs (:func:`configurator_rules`).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from typing import Any, Final

import yaml

from dubbopy.cluster.router.base import Router
from dubbopy.cluster.router.condition import ConditionRouter
from dubbopy.errors import ConfigError
from dubbopy.registry.match import ConditionMatch, parse_match
from dubbopy.url import URL, url_encode

__all__ = ["condition_routers", "configurator_rules", "parse_configurators", "rule_key"]

log = logging.getLogger(__name__)

_SERVICE_CATEGORY: Final = "dynamicconfigurators"
_APP_CATEGORY: Final = "appdynamicconfigurators"


def rule_key(url: URL) -> str:
    """``{interface}:{version}:{group}`` (Java ``URL.getColonSeparatedKey``), empty parts kept."""
    return f"{url.interface}:{url.get('version', '')}:{url.get('group', '')}"


def parse_configurators(text: str) -> list[URL]:
    """The override URLs of a configurator rule (see the module docstring); :class:`ConfigError` naming
    the problem when it is not a rule."""
    return [url for url, _match in configurator_rules(text)]


def configurator_rules(text: str) -> list[tuple[URL, ConditionMatch | None]]:
    """:func:`parse_configurators` with each URL's v3.0 ``match`` block (``None`` when it has none)."""
    listed = _json_urls(text)
    if listed:
        return [(url, None) for url in listed]
    rule = _load("configurator", text)
    items = rule.get("configs")
    if not isinstance(items, list):
        raise ConfigError("configurator rule has no configs: list")
    header = {key: _optional_text(rule, key) for key in ("configVersion", "scope", "key")}
    enabled = "true" if rule.get("enabled") is None else _parse_boolean(rule["enabled"])
    rules: list[tuple[URL, ConditionMatch | None]] = []
    for index, item in enumerate(items):
        if not isinstance(item, Mapping):
            raise ConfigError(f"configs[{index}] must be a mapping")
        block = item.get("match")
        match = parse_match(block) if isinstance(block, Mapping) else None
        if header["scope"] == "application":
            urls = _application_urls(item, header, enabled)
        else:
            urls = _service_urls(item, header, enabled)
        rules.extend((url, match) for url in urls)
    return rules


def _load(kind: str, text: str) -> Mapping[str, Any]:
    """A rule's YAML (``safe_load``: plain data only) as a mapping; :class:`ConfigError` otherwise."""
    try:
        rule = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{kind} rule is not YAML: {exc}") from None
    if not isinstance(rule, Mapping):
        raise ConfigError(f"{kind} rule must be a mapping, got {type(rule).__name__}")
    return rule


def _service_urls(item: Mapping[str, Any], header: Mapping[str, str | None], enabled: str) -> list[URL]:
    urls: list[URL] = []
    for address in _addresses(item):
        text = (
            f"override://{address}/{_service(header['key'])}{_parameters(item)}"
            f"{_enabled(item, enabled)}&configVersion={_java_text(header['configVersion'])}"
        )
        applications = _strings(item, "applications")
        if applications:
            urls.extend(URL.parse(f"{text}&application={app}") for app in applications)
        else:
            urls.append(URL.parse(text))
    return urls


def _application_urls(item: Mapping[str, Any], header: Mapping[str, str | None], enabled: str) -> list[URL]:
    urls: list[URL] = []
    for address in _addresses(item):
        for service in _strings(item, "services") or ["*"]:
            urls.append(
                URL.parse(
                    f"override://{address}/{_service(service)}{_parameters(item)}"
                    f"&application={_java_text(header['key'])}{_enabled(item, enabled)}"
                    f"&category={_APP_CATEGORY}&configVersion={_java_text(header['configVersion'])}"
                )
            )
    return urls


def _service(key: str | None) -> str:
    """``[group/]interface[:version]`` as ``interface?group=…&version=…&`` (Java ``appendService``)."""
    if not key:
        raise ConfigError("configurator rule names no service (key:, or services:)")
    query = ""
    name = key
    slash = name.find("/")
    if slash > 0:
        query += f"group={name[:slash]}&"
        name = name[slash + 1 :]
    colon = name.find(":")
    if colon > 0:
        query += f"version={name[colon + 1 :]}&"
        name = name[:colon]
    return f"{name}?{query}"


def _parameters(item: Mapping[str, Any]) -> str:
    """``category=…&side=…&<parameters>&providerAddresses=…`` (Java ``toParameterString``)."""
    text = f"category={_SERVICE_CATEGORY}"
    side = item.get("side")
    if side is not None:
        text += f"&side={_java_text(side)}"
    parameters = item.get("parameters")
    if not isinstance(parameters, Mapping) or not parameters:
        raise ConfigError("configurator rule item sets no parameters: (at least one is required)")
    text += "".join(f"&{_java_text(key)}={_java_text(value)}" for key, value in parameters.items())
    providers = _strings(item, "providerAddresses")
    if providers:
        text += "&providerAddresses=" + ",".join(providers)
    elif side == "provider":
        text += "&providerAddresses=" + ",".join(_addresses(item))
    return text


def _enabled(item: Mapping[str, Any], rule_enabled: str) -> str:
    """The rule's ``enabled`` for items of the general type, else the item's own (Java ``parseEnabled``)."""
    kind = item.get("type")
    if kind is None or kind == "general":
        return f"&enabled={rule_enabled}"
    own = item.get("enabled")
    return f"&enabled={'null' if own is None else _parse_boolean(own)}"


def _parse_boolean(value: object) -> str:
    """Java ``Boolean.parseBoolean(value.toString())``, printed."""
    return "true" if _java_text(value).lower() == "true" else "false"


def _addresses(item: Mapping[str, Any]) -> list[str]:
    return _strings(item, "addresses") or ["0.0.0.0"]


def _strings(item: Mapping[str, Any], key: str) -> list[str]:
    value = item.get(key)
    return [_java_text(v) for v in value] if isinstance(value, list) else []


def _optional_text(rule: Mapping[str, Any], key: str) -> str | None:
    value = rule.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"configurator rule {key}: must be text, got {value!r}")
    return value


def _java_text(value: object) -> str:
    """``String.valueOf`` of a YAML value as SnakeYAML loads it (``true``, ``null``, ``6000``, ``[a, b]``)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_java_text(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_java_text(k)}={_java_text(v)}" for k, v in value.items()) + "}"
    return str(value)


def _json_urls(text: str) -> list[URL]:
    """The URLs of a JSON array of override URL strings; empty when ``text`` is not one."""
    try:
        listed = json.loads(text)
    except ValueError:
        return []
    if not isinstance(listed, list) or not all(isinstance(u, str) for u in listed):
        return []
    return [URL.parse(u) for u in listed]


def condition_routers(text: str, service: str, priority: int) -> list[Router]:
    """The routers of a condition rule kept in a config centre (``{interface}:{version}:{group}.condition-router``
    or ``{application}.condition-router``)::

        configVersion: v3.0
        scope: service
        key: org.apache.dubbo.demo.DemoService
        force: false
        enabled: true
        conditions:
          - "method = sayHello => host = 10.0.0.1"

    One :class:`~dubbopy.cluster.router.condition.ConditionRouter` per condition, applied in order with
    the rule's ``force`` and ``enabled`` (Java 3.x ``ListenableStateRouter``), all at ``priority`` (Java
    runs the service's rule after tag routing, the application's after the service's). A v3.1 rule
    (multiple weighted destinations) raises :class:`ConfigError`; a later version is ignored, as Java
    ignores it."""
    rule = _load("condition", text)
    version = str(rule.get("configVersion") or "").lower()
    if version.startswith("v3.1"):
        raise ConfigError("condition rules of configVersion v3.1 (weighted destinations) are not supported")
    if version > "v3.1":
        log.warning("condition rule of unknown configVersion %s ignored", version)
        return []
    conditions = rule.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        return []  # Java marks such a rule invalid and routes nothing with it
    params = {
        "force": _parse_boolean(rule.get("force", False)),
        "enabled": _parse_boolean(rule.get("enabled", True)),
        "priority": str(priority),
    }
    return [
        ConditionRouter(URL("condition", "0.0.0.0", 0, service, {**params, "rule": url_encode(_java_text(c))}))
        for c in conditions
    ]
