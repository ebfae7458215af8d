"""The ``condition`` router: a :class:`~dubbopy.cluster.router.rule.ConditionRule` applied to each call.

Built from a rule URL as Dubbo Admin writes it under ``/dubbo/<interface>/routers``::

    route://0.0.0.0/com.foo.BarService?category=routers&router=condition&force=false&priority=0
        &enabled=true&runtime=false&rule=<URL-encoded "when => then">

For a call its when part matches, the router keeps the providers its then part matches (Java 2.7
``ConditionRouter`` / 3.3 ``ConditionStateRouter``):

* an empty then part keeps no provider — the consumer is blacklisted for those calls;
* when no provider is left, ``force=false`` (the default) ignores the rule and keeps every provider,
  ``force=true`` keeps none;
* ``enabled=false`` turns the router off; ``priority`` (default 0, lower first) orders several routers;
* ``runtime`` is accepted and ignored: calls are always routed with their invocation, and a
  :class:`~dubbopy.cluster.router.chain.RouterChain` caches results only where they cannot depend on it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from dubbopy.cluster.router.base import Router, RouterFactory
from dubbopy.cluster.router.rule import ConditionRule, url_sample
from dubbopy.errors import ConfigError
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.url import URL

__all__ = ["ConditionRouter", "ConditionRouterFactory"]

log = logging.getLogger(__name__)


class ConditionRouter(Router):
    """See the module docstring. The rule is parsed here, once; a malformed one raises ConfigError."""

    __slots__ = ("_consumer", "_enabled", "_force", "_kept", "_priority", "_rule", "_url", "_warned")

    def __init__(self, url: URL) -> None:
        self._url = url
        self._priority = url.get_int("priority", 0)
        self._force = url.get_bool("force", False)
        self._enabled = url.get_bool("enabled", True)
        self._rule: ConditionRule | None = None
        if self._enabled:  # Java does not parse the rule of a disabled router
            rule = url.get_decoded("rule")
            if not rule:
                raise ConfigError(f"router URL {url} has no rule= parameter")
            self._rule = ConditionRule.parse(rule)
        self._consumer: tuple[URL, dict[str, str]] | None = None
        self._kept: tuple[Sequence[Invoker], URL, list[Invoker]] | None = None
        self._warned: set[str] = set()

    @property
    def url(self) -> URL:
        return self._url

    @property
    def priority(self) -> int:
        return self._priority

    @property
    def force(self) -> bool:
        """Whether an empty result stands (``True``) or makes the rule step aside (``False``)."""
        return self._force

    @property
    def rule(self) -> ConditionRule | None:
        """The parsed rule; ``None`` when the router is disabled."""
        return self._rule

    @property
    def depends_on_call(self) -> bool:
        return self._rule is not None and self._rule.depends_on_call

    def _consumer_sample(self, consumer_url: URL) -> dict[str, str]:
        cached = self._consumer
        if cached is None or cached[0] is not consumer_url:
            cached = self._consumer = (consumer_url, url_sample(consumer_url))
        return cached[1]

    def route(self, invokers: Sequence[Invoker], consumer_url: URL, invocation: Invocation) -> Sequence[Invoker]:
        rule = self._rule
        if rule is None or not invokers or not rule.matches_call(self._consumer_sample(consumer_url), invocation):
            return invokers
        if rule.then is None:
            self._warn_once(rule, invocation, "blacklists this consumer (empty then part)")
            return []
        kept = self._then(rule, invokers, consumer_url)
        if kept:
            return kept
        if self._force:
            self._warn_once(rule, invocation, "leaves no provider and is forced (force=true)")
            return kept
        return invokers

    def _then(self, rule: ConditionRule, invokers: Sequence[Invoker], consumer_url: URL) -> list[Invoker]:
        # The then part reads only provider URLs and the consumer URL, never the call: keep its result for
        # as long as the same list comes in (the chain passes the directory's list, or a cached one).
        cached = self._kept
        if cached is None or cached[0] is not invokers or cached[1] is not consumer_url:
            kept = [i for i in invokers if rule.matches_provider(url_sample(i.url), consumer_url)]
            cached = self._kept = (invokers, consumer_url, kept)
        return cached[2]

    def _warn_once(self, rule: ConditionRule, invocation: Invocation, what: str) -> None:
        # Java warns on every such call; once per method is enough to be noticed without flooding the log.
        method = invocation.method_name
        if method not in self._warned:
            self._warned.add(method)
            log.warning("condition rule %r %s for %s.%s", rule.text, what, invocation.service_name, method)

    def __repr__(self) -> str:
        text = self._rule.text if self._rule is not None else "(disabled)"
        return f"ConditionRouter({text!r}, priority={self._priority}, force={self._force})"


class ConditionRouterFactory(RouterFactory):
    """The ``condition`` entry of :data:`dubbopy.extension.routers`."""

    __slots__ = ()

    def get_router(self, url: URL) -> Router:
        """A :class:`ConditionRouter` for ``url``."""
        return ConditionRouter(url)
