"""Configurators: ``override://`` and ``absent://`` URLs from a registry's ``configurators`` category,
applied to a consumer's provider URLs exactly as Java's ``AbstractConfigurator`` applies them (3.x; 2.7
reads them the same way).

A configurator URL says *where* it applies and *what* it sets. Where:

* a rule without ``configVersion`` (Dubbo Admin 2.6, hand-written overrides): with a port it targets the
  provider at that port (and its host, unless the host is ``0.0.0.0``); without a port its host is a
  **consumer** address — ``0.0.0.0`` for every consumer, else only the consumer on that host;
* a rule with ``configVersion`` (``v2.7``, ``v3.0``) applies only on its ``side``: ``consumer`` rules here,
  again by the consumer's own host or ``0.0.0.0``;
* ``providerAddresses`` (``ip:port``, ``ip``, ``0.0.0.0``, ``0.0.0.0:*``, ``0.0.0.0:<port>``), the
  ``application`` (or the URL's user name; ``*`` for any) and the service key (``[group/]interface[:version]``,
  ``*`` for any) must match the provider URL; for rules without ``configVersion`` or with ``v2.7``, so must
  ``application``, ``side`` and every ``~key`` parameter (``~version=1.0``) not written ``*``.

A config-centre rule item may also carry a v3.0 ``match`` block (:mod:`~dubbopy.registry.match`), which
must match too.

What: every other parameter is set on the URL (``override``) or set only where the URL has none
(``absent``) — including ``anyhost``, ``providerAddresses`` and ``priority`` when the rule has them, as Java
does. ``enabled=false`` turns a rule off; ``disabled=true`` set by a rule takes the provider out of the
directory.

:func:`to_configurators` orders the rules as Java's ``Configurator.compareTo``: by host text (so
``0.0.0.0`` rules run before, and are overridden by, rules for one address), then by ``priority``. An
``empty://`` URL clears them all; a rule whose only parameter is ``anyhost`` is dropped.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from dubbopy.registry.match import ConditionMatch
from dubbopy.url import URL

__all__ = ["Configurator", "configure", "to_configurators"]

ANYHOST: Final = "0.0.0.0"
_ANY: Final = "*"
#: keys that say where a rule applies, never set on a URL (Java ``genConditionKeys``)
_CONDITION_KEYS: Final = frozenset(
    {
        "category",
        "check",
        "dynamic",
        "enabled",
        "group",
        "version",
        "application",
        "side",
        "configVersion",
        "compatible_config",
        "interfaces",
    }
)


class Configurator:
    """One ``override://`` or ``absent://`` rule (see the module docstring), its keys sorted out once."""

    __slots__ = ("_absent", "_conditions", "_match", "_settings", "url")

    def __init__(self, url: URL, match: ConditionMatch | None = None) -> None:
        """``match``: a config-centre rule item's v3.0 ``match`` block (:mod:`~dubbopy.registry.match`),
        consulted, as in Java, only when the URL says ``configVersion=v3.0``."""
        self.url = url
        self._absent = url.protocol == "absent"
        params = url.params
        v3 = params.get("configVersion", "").startswith("v3.0")
        self._match = match if v3 else None
        # rules before 2.7 and v2.7 rules also compare application, side and ~keys with the URL
        checked = not v3
        self._conditions = {
            (key[1:] if key.startswith("~") else key): value
            for key, value in params.items()
            if checked and (key.startswith("~") or key in ("application", "side"))
        }
        # (a v3.0 rule sets even its ~keys, as Java's does: only the older check takes them out)
        self._settings = {
            key: value
            for key, value in params.items()
            if key not in _CONDITION_KEYS and not (checked and key.startswith("~"))
        }

    @property
    def priority(self) -> int:
        """The rule's ``priority`` parameter (default 0): the later of two rules for one host wins."""
        return self.url.get_int("priority", 0)

    def configure(self, url: URL, local_host: str) -> URL:
        """``url`` (a provider URL merged with the consumer's parameters, ``side=consumer``) as this rule
        leaves it; ``local_host`` is the consumer's own address."""
        rule = self.url
        if not rule.get_bool("enabled", True) or not url.host:
            return url
        side = url.get("side", "")
        if rule.get("configVersion"):
            if side != rule.get("side", "") or side not in ("consumer", "provider"):
                return url
            return self._if_match(local_host if side == "consumer" else url.host, url)
        if rule.port:
            return self._if_match(url.host, url) if url.port == rule.port else url
        if (side or "provider") == "consumer":
            return self._if_match(local_host, url)
        if (side or "consumer") == "provider":
            return self._if_match(ANYHOST, url)
        return url

    def _if_match(self, host: str, url: URL) -> URL:
        rule = self.url
        if rule.host not in (ANYHOST, host) or not self._targets(url):
            return url
        if self._match is not None and not self._match.matches(host, url):
            return url
        for key, value in self._conditions.items():
            if value != _ANY and value != url.params.get(key):
                return url
        if self._absent:
            missing = {k: v for k, v in self._settings.items() if k not in url.params}
            return url.with_params(missing) if missing else url
        return url.with_params(self._settings) if self._settings else url

    def _targets(self, url: URL) -> bool:
        """Java ``isV27ConditionMatchOrUnset``: provider addresses, application and service key."""
        rule = self.url
        providers = rule.get("providerAddresses")
        if providers:
            accepted = (url.address, ANYHOST, f"{ANYHOST}:{_ANY}", f"{ANYHOST}:{url.port}", url.host)
            if not any(address in accepted for address in providers.split(",")):
                return False
        wanted = rule.get("application") or rule.username or None
        if wanted is not None and wanted != _ANY and wanted != (url.get("application") or url.username or None):
            return False
        key = rule.service_key
        return key in (_ANY, url.service_key)

    def __repr__(self) -> str:
        return f"Configurator({self.url.to_full_string()!r})"


def to_configurators(urls: Sequence[URL | tuple[URL, ConditionMatch | None]]) -> list[Configurator]:
    """The rules of a ``configurators`` notification (or of a config-centre rule: URLs with their
    ``match`` blocks), in the order they apply (module docstring)."""
    rules: list[Configurator] = []
    for entry in urls:
        url, match = entry if isinstance(entry, tuple) else (entry, None)
        if url.protocol == "empty":
            return []
        if not any(key != "anyhost" for key in url.params):
            continue
        rules.append(Configurator(url, match))
    rules.sort(key=lambda rule: (rule.url.host, rule.priority))
    return rules


def configure(url: URL, rules: Sequence[Configurator], local_host: str) -> URL:
    """``url`` with every rule applied in turn."""
    for rule in rules:
        url = rule.configure(url, local_host)
    return url
