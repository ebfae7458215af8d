"""The server's table of callable methods: ``(path, group, version)`` → handler.

The Triple server resolves a request the way Java does (``spec/triple.md`` §2): the ``:path`` gives
service and method, the ``tri-service-group``/``tri-service-version`` headers select among exports of
the same service; when nothing matches exactly it falls back to version ``1.0.0`` and then to the export
with neither group nor version.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from dubbopy.errors import ConfigError
from dubbopy.rpc.method import MethodDescriptor, ServiceDescriptor


@dataclass(frozen=True, slots=True)
class MethodHandler:
    """One exported method: its descriptor, the bound implementation and how to run it."""

    method: MethodDescriptor[Any, Any]
    function: Callable[..., Any]
    #: ``True`` for ``async def`` / async generators (run on the loop), ``False`` for plain functions
    #: and generators (run on the worker pool)
    is_async: bool
    service_key: str


def _is_async(function: Callable[..., Any]) -> bool:
    return inspect.iscoroutinefunction(function) or inspect.isasyncgenfunction(function)


def service_key(service: str, group: str = "", version: str = "") -> str:
    """Dubbo's service key: ``[group/]service[:version]`` (``spec/url.md`` §5)."""
    key = f"{group}/{service}" if group else service
    return f"{key}:{version}" if version else key


class HandlerTable:
    """Exported services by path; see the module docstring for the lookup rule."""

    def __init__(self) -> None:
        self._by_key: dict[tuple[str, str, str], MethodHandler] = {}
        self._services: dict[str, ServiceDescriptor] = {}

    def add(self, descriptor: ServiceDescriptor, implementation: Any, *, group: str = "", version: str = "") -> None:
        """Export every method of ``descriptor`` implemented by ``implementation``.

        A method the implementation does not define is exported anyway and answers ``UNIMPLEMENTED``
        through the servicer base's default. Exporting the same service key twice is an error.
        """
        key = service_key(descriptor.name, group, version)
        if any(h.service_key == key for h in self._by_key.values()):
            raise ConfigError(f"service {key!r} is already exported on this server")
        for name, method in descriptor.methods.items():
            function = getattr(implementation, name, None)
            if function is None or not callable(function):
                raise ConfigError(f"{type(implementation).__name__} has no method {name!r} for {descriptor.name}")
            self._by_key[(method.path, group, version)] = MethodHandler(method, function, _is_async(function), key)
        self._services[key] = descriptor

    def remove(self, descriptor: ServiceDescriptor, *, group: str = "", version: str = "") -> None:
        """Stop exporting ``descriptor`` under ``group``/``version`` (unknown exports are ignored)."""
        key = service_key(descriptor.name, group, version)
        for method in descriptor.methods.values():
            self._by_key.pop((method.path, group, version), None)
        self._services.pop(key, None)

    def lookup(self, path: str, group: str, version: str) -> MethodHandler | None:
        """The handler for a request, with Java's fallbacks (exact, version 1.0.0, bare)."""
        by_key = self._by_key
        handler = by_key.get((path, group, version))
        if handler is None:
            handler = by_key.get((path, group, "1.0.0")) or by_key.get((path, "", ""))
        return handler

    def knows_service(self, service: str) -> bool:
        """Whether any export has this service name (to tell unknown service from unknown method)."""
        return any(d.name == service for d in self._services.values())

    def services(self) -> list[ServiceDescriptor]:
        """Every exported service descriptor (each once, even if exported under several keys)."""
        seen: dict[str, ServiceDescriptor] = {}
        for descriptor in self._services.values():
            seen.setdefault(descriptor.name, descriptor)
        return list(seen.values())
