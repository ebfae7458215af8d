"""The ``match`` block of a v3.0 configurator rule item, evaluated as Java 3.x evaluates it.

::

    configs:
      - side: consumer
        match:
          address: {cird: 10.0.0.0/24}          # the consumer's host (provider rules: the provider's)
          providerAddress: {wildcard: "10.0.0.1:*"}   # the provider's ip:port
          service: {oneof: [{prefix: org.apache.}]}  # the provider URL's service key
          app: {oneof: [{exact: shop}]}             # its application parameter
          param: [{key: timeout, value: {noempty: x}}]
        parameters: {timeout: 5000}

A rule item applies only where every block given matches (Java ``ConditionMatch``). String matchers take
the first of ``exact``, ``prefix``, ``regex`` (whole value), ``wildcard`` (only ``*``, or the value itself),
``empty``, ``noempty`` (``StringMatch``); address matchers try ``cird`` (a CIDR range or Java's IP patterns
such as ``10.0.*.1-9``), then ``wildcard`` (one ``*`` glob; ``*`` and ``0.0.0.0`` match all), then ``exact``
(``AddressMatch``). As in Java, an address that is ``ip:port`` never matches a ``cird`` unless it is the
same text.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dubbopy.errors import ConfigError
from dubbopy.url import URL

__all__ = ["ConditionMatch", "parse_match"]


@dataclass(frozen=True, slots=True)
class StringMatch:
    """Java ``StringMatch``."""

    exact: str | None = None
    prefix: str | None = None
    regex: str | None = None
    wildcard: str | None = None
    empty: str | None = None
    noempty: str | None = None

    def matches(self, value: str | None) -> bool:
        if self.exact is not None and value is not None:
            return value == self.exact
        if self.prefix is not None and value is not None:
            return value.startswith(self.prefix)
        if self.regex is not None and value is not None:
            return re.fullmatch(self.regex, value) is not None
        if self.wildcard is not None and value is not None:
            return self.wildcard in (value, "*")
        if self.empty is not None:
            return not value
        if self.noempty is not None:
            return bool(value)
        return False


@dataclass(frozen=True, slots=True)
class AddressMatch:
    """Java ``AddressMatch``."""

    wildcard: str | None = None
    cird: str | None = None
    exact: str | None = None

    def matches(self, value: str | None) -> bool:
        if self.cird is not None and value is not None and (value == self.cird or _in_ip_expression(self.cird, value)):
            return True
        if self.wildcard is not None and value is not None:
            return self.wildcard in ("0.0.0.0", "*") or _glob(self.wildcard, value)
        if self.exact is not None and value is not None:
            return value == self.exact
        return False


@dataclass(frozen=True, slots=True)
class ConditionMatch:
    """Java ``ConditionMatch``: every block given must match."""

    address: AddressMatch | None = None
    provider_address: AddressMatch | None = None
    service: tuple[StringMatch, ...] | None = None
    app: tuple[StringMatch, ...] | None = None
    param: tuple[tuple[str, StringMatch], ...] = ()

    def matches(self, host: str, url: URL) -> bool:
        """Whether the rule applies to ``url`` seen from ``host`` (the consumer's or the provider's)."""
        if self.address is not None and not self.address.matches(host):
            return False
        if self.provider_address is not None and not self.provider_address.matches(url.address):
            return False
        if self.service is not None and not any(m.matches(url.service_key) for m in self.service):
            return False
        if self.app is not None and not any(m.matches(url.params.get("application")) for m in self.app):
            return False
        return all(matcher.matches(url.params.get(key)) for key, matcher in self.param)


def parse_match(block: Mapping[str, Any]) -> ConditionMatch:
    """A ``match:`` mapping as Java's ``PojoUtils.mapToPojo`` reads it (unknown keys are ignored)."""
    params: list[tuple[str, StringMatch]] = []
    for entry in _list(block.get("param")):
        if isinstance(entry, Mapping) and entry.get("key") is not None and isinstance(entry.get("value"), Mapping):
            params.append((str(entry["key"]), _string_match(entry["value"])))
    return ConditionMatch(
        address=_address_match(block.get("address")),
        provider_address=_address_match(block.get("providerAddress")),
        service=_one_of(block.get("service")),
        app=_one_of(block.get("app")),
        param=tuple(params),
    )


def _string_match(block: Mapping[str, Any]) -> StringMatch:
    fields = ("exact", "prefix", "regex", "wildcard", "empty", "noempty")
    return StringMatch(**{f: None if block.get(f) is None else str(block[f]) for f in fields})


def _address_match(block: object) -> AddressMatch | None:
    if not isinstance(block, Mapping):
        return None
    fields = ("wildcard", "cird", "exact")
    return AddressMatch(**{f: None if block.get(f) is None else str(block[f]) for f in fields})


def _one_of(block: object) -> tuple[StringMatch, ...] | None:
    if not isinstance(block, Mapping):
        return None
    return tuple(_string_match(m) for m in _list(block.get("oneof")) if isinstance(m, Mapping))


def _list(value: object) -> Sequence[Any]:
    if value is None:
        return ()
    if not isinstance(value, list):
        raise ConfigError(f"match: expected a list, got {value!r}")
    return value


def _glob(pattern: str, value: str) -> bool:
    """Java ``UrlUtils.isMatchGlobPattern``: one ``*`` (the last) at the start, the end or inside."""
    if pattern == "*":
        return True
    if not pattern or not value:
        return not pattern and not value
    star = pattern.rfind("*")
    if star == -1:
        return value == pattern
    if star == len(pattern) - 1:
        return value.startswith(pattern[:star])
    if star == 0:
        return value.endswith(pattern[1:])
    return value.startswith(pattern[:star]) and value.endswith(pattern[star + 1 :])


def _in_ip_expression(pattern: str, host: str) -> bool:
    """Java ``NetUtils.matchIpExpression`` for an IPv4 ``host`` (anything else does not match, where
    Java's lookup of it fails): a CIDR range, or a dotted pattern with ``*`` and ``a-b`` segments and an
    optional ``:port`` (which a bare host, port 0, never has)."""
    try:
        address = ipaddress.IPv4Address(host)
    except ValueError:
        return False
    if "/" in pattern:
        try:
            return address in ipaddress.ip_network(pattern, strict=False)
        except ValueError:
            return False
    pattern = pattern.strip()
    if pattern in ("*.*.*.*", "*"):
        return True
    if ":" in pattern:
        pattern, port = pattern.split(":", 1)
        if port != "0":
            return False
    masks = pattern.split(".")
    octets = str(address).split(".")
    if len(masks) != 4:
        return False
    for mask, octet in zip(masks, octets, strict=True):
        if mask in ("*", octet) or (octet == "0" and mask in ("0", "00", "000")):
            continue
        low, dash, high = mask.partition("-")
        if not dash or not (low.isdigit() and high.isdigit()) or not int(low) <= int(octet) <= int(high):
            return False
    return True
