"""Routers: which providers a call may use, before the load balancer picks one.

* :mod:`~dubbopy.cluster.router.base` — the :class:`Router` and :class:`RouterFactory` contracts;
* :mod:`~dubbopy.cluster.router.rule` — the condition rule grammar (``when => then``), parsed once;
* :mod:`~dubbopy.cluster.router.condition` — the ``condition`` router (Dubbo Admin's condition rules);
* :mod:`~dubbopy.cluster.router.tag` — the built-in static ``tag`` router (``dubbo.tag``), in every
  registry directory's chain;
* :mod:`~dubbopy.cluster.router.chain` — :class:`RouterChain`, routers in priority order with a
  per-method cache, and :func:`build_routers` from rule URLs.

Router factories are looked up in :data:`dubbopy.extension.routers` by the rule URL's ``router``
parameter; the built-in ``condition`` registers here, lazily.
"""

from __future__ import annotations

from dubbopy import extension
from dubbopy.cluster.router.base import Router, RouterFactory
from dubbopy.cluster.router.chain import RouterChain, build_routers

__all__ = ["Router", "RouterChain", "RouterFactory", "build_routers"]

extension.routers.register_lazy("condition", "dubbopy.cluster.router.condition:ConditionRouterFactory", replace=True)
