"""Filters as continuations, and the chain that runs them.

A :class:`Filter` receives the invocation and the next invoker, and returns the result — usually by
awaiting ``next_invoker.invoke(invocation)`` with work before and after, sometimes by answering itself
(``$echo``, a rejected token). There is no hidden global chain: :func:`build_chain` stacks filters over
an invoker, and the result is itself an :class:`~dubbopy.rpc.invoker.Invoker`.

Which filters run is said by name, the way Dubbo's ``filter`` setting does (URL keys ``service.filter``
on providers, ``reference.filter`` on consumers): :func:`resolve_filter_names` applies a comma list such
as ``"auth,default,-accesslog"`` to the default filters, and :func:`build_filter_chain` looks the names up
in :data:`dubbopy.extension.filters`.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from typing import Final

from dubbopy import extension
from dubbopy.extension import ExtensionRegistry
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.rpc.result import Result
from dubbopy.url import URL

__all__ = [
    "CONSUMER_FILTER_KEY",
    "DEFAULT_FILTERS",
    "PROVIDER_FILTER_KEY",
    "REMOVE_PREFIX",
    "Filter",
    "build_chain",
    "build_filter_chain",
    "resolve_filter_names",
]

#: URL parameter naming a provider's filters (Java ``SERVICE_FILTER_KEY``, dubbo-go ``ServiceFilterKey``).
PROVIDER_FILTER_KEY: Final = "service.filter"
#: URL parameter naming a consumer's filters (Java ``REFERENCE_FILTER_KEY``, dubbo-go ``ReferenceFilterKey``).
CONSUMER_FILTER_KEY: Final = "reference.filter"
#: In a filter list, the place where the default filters go.
DEFAULT_FILTERS: Final = "default"
#: In a filter list, ``-name`` removes a filter, ``-default`` all default filters.
REMOVE_PREFIX: Final = "-"


class Filter(abc.ABC):
    """One step of a filter chain.

    :meth:`invoke` must return a :class:`~dubbopy.rpc.result.Result` (see the failure contract in
    :mod:`dubbopy.rpc.invoker`): to reject a call, return ``Result.from_exception(RpcError(...))``. An
    exception raised anyway is turned into a failed result by the chain. A filter instance may be shared
    by concurrent calls, so per-call state belongs in ``invocation.attributes``, not on ``self``.
    """

    __slots__ = ()

    @abc.abstractmethod
    async def invoke(self, next_invoker: Invoker, invocation: Invocation) -> Result:
        """Handle ``invocation``, normally by returning ``await next_invoker.invoke(invocation)``."""


class _FilterInvoker(Invoker):
    """One link of a chain: runs ``flt`` with ``nxt`` as its continuation."""

    __slots__ = ("_filter", "_next", "_origin")

    def __init__(self, flt: Filter, nxt: Invoker, origin: Invoker) -> None:
        self._filter = flt
        self._next = nxt
        self._origin = origin

    @property
    def url(self) -> URL:
        """The URL of the invoker at the end of the chain."""
        return self._origin.url

    async def invoke(self, invocation: Invocation) -> Result:
        """Run this link's filter."""
        try:
            return await self._filter.invoke(self._next, invocation)
        except Exception as exc:  # keep the contract: outcomes are results, not exceptions
            return Result.from_exception(exc)

    def is_available(self) -> bool:
        """Whether the invoker at the end of the chain is available."""
        return self._origin.is_available()

    async def close(self) -> None:
        """Close the invoker at the end of the chain (the chain owns it)."""
        await self._origin.close()

    def __repr__(self) -> str:
        return f"FilterChain({type(self._filter).__name__} -> {self._next!r})"


def build_chain(invoker: Invoker, filters: Sequence[Filter]) -> Invoker:
    """An invoker that runs ``filters`` in order, the first outermost, then ``invoker``.

    With no filters ``invoker`` itself is returned, so an empty chain costs nothing. The chain reports
    ``url``/``is_available`` of ``invoker``, and closing it closes ``invoker``.
    """
    chain = invoker
    for flt in reversed(filters):
        chain = _FilterInvoker(flt, chain, invoker)
    return chain


def _split(spec: str | Sequence[str] | None) -> list[str]:
    if spec is None:
        return []
    items = spec.split(",") if isinstance(spec, str) else spec
    return [name for name in (item.strip() for item in items) if name]


def resolve_filter_names(spec: str | Sequence[str] | None, defaults: Sequence[str] = ()) -> list[str]:
    """The filter names to run, in order, for a ``filter`` setting ``spec`` and the ``defaults``.

    Dubbo's rules (Java ``ExtensionLoader.getActivateExtension``, dubbo-go ``mergeValue``):

    * the defaults run first, unless ``default`` appears in ``spec``: then names listed before it run
      before the defaults and names after it run after them;
    * ``-name`` removes ``name`` wherever it comes from; ``-default`` drops every default;
    * a default named explicitly in ``spec`` runs at its place in ``spec``, not among the defaults.
    """
    names = _split(spec)
    removed = {name[1:] for name in names if name.startswith(REMOVE_PREFIX)}
    if DEFAULT_FILTERS in removed:
        chosen: list[str] = []
    else:
        chosen = [name for name in defaults if name not in names and name not in removed]
    pending: list[str] = []
    for name in names:
        if name.startswith(REMOVE_PREFIX) or name in removed:
            continue
        if name == DEFAULT_FILTERS:
            chosen[0:0] = pending
            pending = []
        else:
            pending.append(name)
    chosen += pending
    return chosen


def build_filter_chain(
    invoker: Invoker,
    spec: str | Sequence[str] | None,
    defaults: Sequence[str] = (),
    *,
    registry: ExtensionRegistry[Filter] | None = None,
) -> Invoker:
    """Stack the filters named by ``spec`` (see :func:`resolve_filter_names`) over ``invoker``.

    Each name is looked up in ``registry`` (default :data:`dubbopy.extension.filters`), which builds a
    new filter instance; an unknown name raises :class:`~dubbopy.errors.ConfigError` listing the known
    ones, so a typo fails when the service is exported or referred, not on the first call.
    """
    names = resolve_filter_names(spec, defaults)
    if not names:
        return invoker
    source = extension.filters if registry is None else registry
    return build_chain(invoker, [source.get(name) for name in names])
