"""The contract of a router: :class:`Router`, and the :class:`RouterFactory` that builds one from a rule URL.

A router narrows the invokers of one service for one call, before the load balancer picks among them.
Routers come from rule URLs (a registry's ``routers`` category, ``route://…?router=condition&rule=…``);
the factory named by the URL's ``router`` parameter (or its protocol) turns each URL into a router once,
when the URL arrives, so that routing a call does no parsing.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence

from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.url import URL

__all__ = ["Router", "RouterFactory"]


class Router(abc.ABC):
    """Narrows a list of invokers for one call.

    :meth:`route` must not mutate ``invokers`` and may return it unchanged (the router does not apply to
    this call). It must not raise: a router that cannot decide returns ``invokers``. Routers run in
    ascending :attr:`priority` (lower first), as Java's ``Router.compareTo`` orders them.
    """

    __slots__ = ()

    @property
    @abc.abstractmethod
    def url(self) -> URL:
        """The rule URL this router was built from."""

    @property
    @abc.abstractmethod
    def priority(self) -> int:
        """Lower runs first."""

    @property
    def depends_on_call(self) -> bool:
        """Whether :meth:`route` looks at more of the invocation than its method name and the
        :attr:`attachment_keys` (arguments, other attachments). When no router of a chain does, the
        chain caches its result per method and those attachments' values."""
        return False

    @property
    def attachment_keys(self) -> tuple[str, ...]:
        """The attachments :meth:`route` reads (``dubbo.tag``); part of the chain's cache key."""
        return ()

    @abc.abstractmethod
    def route(self, invokers: Sequence[Invoker], consumer_url: URL, invocation: Invocation) -> Sequence[Invoker]:
        """The invokers that may take ``invocation`` of the consumer ``consumer_url`` (see the class)."""


class RouterFactory(abc.ABC):
    """An entry of :data:`dubbopy.extension.routers`: builds routers of one kind (``condition``)."""

    __slots__ = ()

    @abc.abstractmethod
    def get_router(self, url: URL) -> Router:
        """The router of the rule URL ``url``; :class:`~dubbopy.errors.ConfigError` naming the rule and
        what is wrong with it when it cannot be built."""
