"""Several routers in priority order: the :class:`RouterChain`, and :func:`build_routers` from rule URLs.

Routing runs on every call, so the chain remembers its result per method name (and the values of the
few attachments routers declare in :attr:`~Router.attachment_keys`, such as ``dubbo.tag``) for the
invoker list it was last given, as long as no router looks at call arguments or other attachments (then
a call's result can only depend on those, the consumer URL and the provider URLs, which all stay put
until the list changes). A new list — a registry notification — starts a new cache.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

from dubbopy import extension
from dubbopy.cluster.router.base import Router
from dubbopy.errors import ConfigError
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.url import URL

__all__ = ["RouterChain", "build_routers"]

log = logging.getLogger(__name__)

#: a bound on the per-method cache (generic calls could name many methods)
_MAX_CACHED_METHODS = 1024


def build_routers(urls: Iterable[URL]) -> list[Router]:
    """A router per rule URL, made by the factory of :data:`dubbopy.extension.routers` named by the URL's
    ``router`` parameter, else its protocol (``condition://``). A URL that cannot become a router is
    logged as an error naming it and the problem, and skipped (Java ``RegistryDirectory.toRouters``)."""
    routers: list[Router] = []
    for url in urls:
        kind = url.get("router") or url.protocol
        try:
            routers.append(extension.routers.get(kind).get_router(url))
        except ConfigError as exc:
            log.error("ignoring router URL %s: %s", url, exc)
    return routers


class RouterChain:
    """Routers applied one after another, lowest :attr:`~Router.priority` first (stable for ties).

    :meth:`route` returns a list the caller must not mutate; pass the same list object as long as the
    invokers do not change, so that the per-method cache stays valid.
    """

    __slots__ = ("_attachment_keys", "_cache", "_cacheable", "_cached_for", "_routers")

    def __init__(self, routers: Iterable[Router] = ()) -> None:
        self._routers = tuple(sorted(routers, key=lambda r: r.priority))
        self._cacheable = not any(r.depends_on_call for r in self._routers)
        self._attachment_keys = tuple(dict.fromkeys(k for r in self._routers for k in r.attachment_keys))
        self._cache: dict[object, Sequence[Invoker]] = {}
        self._cached_for: tuple[Sequence[Invoker], URL] | None = None

    @property
    def routers(self) -> tuple[Router, ...]:
        """The routers, in the order they run."""
        return self._routers

    def route(self, invokers: Sequence[Invoker], consumer_url: URL, invocation: Invocation) -> Sequence[Invoker]:
        """``invokers`` narrowed by every router in turn (``invokers`` itself when there are none)."""
        if not self._routers:
            return invokers
        if not self._cacheable:
            return self._route(invokers, consumer_url, invocation)
        cached_for = self._cached_for
        if cached_for is None or cached_for[0] is not invokers or cached_for[1] is not consumer_url:
            self._cache = {}
            self._cached_for = (invokers, consumer_url)
        key: object = invocation.method_name
        attachments = invocation.attachments
        if attachments and self._attachment_keys:
            values = tuple(attachments.get(k) for k in self._attachment_keys)
            if any(v is not None for v in values):
                key = (key, *(None if v is None else str(v) for v in values))
        found = self._cache.get(key)
        if found is None:
            if len(self._cache) >= _MAX_CACHED_METHODS:
                self._cache.clear()
            found = self._cache[key] = self._route(invokers, consumer_url, invocation)
        return found

    def _route(self, invokers: Sequence[Invoker], consumer_url: URL, invocation: Invocation) -> Sequence[Invoker]:
        for router in self._routers:
            try:
                invokers = router.route(invokers, consumer_url, invocation)
            except Exception:  # a router must not raise (Router contract); if one does, it steps aside
                log.exception("router %r failed; ignoring it for this call", router)
        return invokers

    def __repr__(self) -> str:
        return f"RouterChain({list(self._routers)!r})"
