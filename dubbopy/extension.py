"""Named, pluggable parts: typed registries looked up by the names Dubbo uses in URLs.

A URL says ``loadbalance=random``, ``cluster=failover``, ``service.filter=echo,token``; the framework turns
each name into an object through an :class:`ExtensionRegistry`. Parts come from three places, in this
order of precedence:

1. :meth:`ExtensionRegistry.register` — a factory registered in code (also usable as a class decorator);
2. :meth:`ExtensionRegistry.register_lazy` — a ``"module:attribute"`` reference, imported on first use
   (how built-ins are declared without a lower layer importing a higher one);
3. Python entry points in the group ``dubbopy.<kind>`` (``dubbopy.filter``, ``dubbopy.loadbalance``, …),
   read from the installed distributions the first time a registry is consulted::

       [project.entry-points."dubbopy.filter"]
       audit = "mycompany.dubbo_audit:AuditFilter"

A part that cannot be imported or built gives a :class:`~dubbopy.errors.ConfigError` that names it and
where it came from, when it is asked for — never at import time, and never for parts nobody uses.

The registries at the bottom of this module are the only global mutable state of dubbopy.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from importlib import metadata
from typing import TYPE_CHECKING, Any, Final, Generic, TypeVar, overload

from dubbopy.errors import ConfigError, DubboError

if TYPE_CHECKING:
    from dubbopy.cluster.router.base import RouterFactory
    from dubbopy.rpc.filter import Filter
    from dubbopy.rpc.protocol import Protocol

__all__ = [
    "ENTRY_POINT_PREFIX",
    "ExtensionRegistry",
    "clusters",
    "compressors",
    "filters",
    "loadbalances",
    "protocols",
    "registries",
    "routers",
    "serializations",
]

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

#: Entry point groups are ``dubbopy.<kind>``.
ENTRY_POINT_PREFIX: Final = "dubbopy."

_FORBIDDEN_IN_NAME: Final = frozenset(", \t\r\n")


@dataclass(frozen=True, slots=True)
class _Lazy:
    """A factory not imported yet: ``target`` is ``module:attribute``; ``origin`` says where it came from."""

    target: str
    origin: str

    def load(self) -> object:
        return metadata.EntryPoint(name="", value=self.target, group="").load()


def _check_name(kind: str, name: object) -> str:
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{kind} extension name must be a non-empty str, not {name!r}")
    if name.startswith("-") or _FORBIDDEN_IN_NAME.intersection(name):
        raise ConfigError(f"{kind} extension name {name!r} must not start with '-' or contain ',' or spaces")
    return name


class ExtensionRegistry(Generic[T]):
    """Factories of one kind of part (``"filter"``, ``"loadbalance"``, …), by name.

    :meth:`get` builds a **new** instance on each call: whoever asks (a cluster invoker, a filter chain,
    a client) owns it, so no part is a hidden process-wide singleton. Factories take no arguments; a
    class is the usual factory. When ``base`` is given, what a factory returns is checked against it.

    Thread-safe: registration and the lazy loading of entry points happen under a lock.
    """

    def __init__(self, kind: str, *, base: type[Any] | None = None) -> None:
        if not kind or not kind.isidentifier():
            raise ConfigError(f"extension kind {kind!r} must be an identifier")
        self._kind = kind
        self._base = base
        self._lock = threading.RLock()
        self._factories: dict[str, Callable[[], T] | _Lazy] = {}
        self._discovered: dict[str, Callable[[], T] | _Lazy] | None = None

    @property
    def kind(self) -> str:
        """What this registry holds, as used in messages: ``"filter"``, ``"loadbalance"``, …"""
        return self._kind

    @property
    def group(self) -> str:
        """The entry point group scanned for third-party parts: ``dubbopy.<kind>``."""
        return ENTRY_POINT_PREFIX + self._kind

    # -------------------------------------------------------------------------------- registration

    @overload
    def register(self, name: str, factory: Callable[[], T], *, replace: bool = False) -> Callable[[], T]: ...

    @overload
    def register(self, name: str, factory: None = None, *, replace: bool = False) -> Callable[[F], F]: ...

    def register(
        self, name: str, factory: Callable[[], T] | None = None, *, replace: bool = False
    ) -> Callable[[], T] | Callable[[F], F]:
        """Register ``factory`` under ``name``; without ``factory``, return a class decorator that does.

        A name that is already registered in code raises :class:`~dubbopy.errors.ConfigError` unless
        ``replace`` is true (tests and deliberate overrides). A registration in code hides an entry point
        of the same name.
        """
        if factory is None:

            def decorate(target: F) -> F:
                self._put(name, target, replace)
                return target

            return decorate
        self._put(name, factory, replace)
        return factory

    def register_lazy(self, name: str, target: str, *, replace: bool = False) -> None:
        """Register ``"package.module:attribute"`` under ``name``, imported when first asked for."""
        module, sep, attr = target.partition(":")
        if not module or not sep or not attr:
            raise ConfigError(f"{self._kind} extension {name!r}: target {target!r} is not 'module:attribute'")
        self._put(name, _Lazy(target, f"{target!r}"), replace)

    def _put(self, name: str, factory: Callable[[], T] | _Lazy, replace: bool) -> None:
        _check_name(self._kind, name)
        if not isinstance(factory, _Lazy) and not callable(factory):
            raise ConfigError(f"{self._kind} extension {name!r}: factory {factory!r} is not callable")
        with self._lock:
            if name in self._factories and not replace:
                raise ConfigError(
                    f"{self._kind} extension {name!r} is already registered; pass replace=True to override it"
                )
            self._factories[name] = factory

    def unregister(self, name: str) -> None:
        """Forget a registration made in code (entry points stay visible); unknown names are ignored."""
        with self._lock:
            self._factories.pop(name, None)

    # ------------------------------------------------------------------------------------- lookup

    def _entry_points(self) -> dict[str, Callable[[], T] | _Lazy]:
        found = self._discovered
        if found is None:
            found = {}
            try:
                points = metadata.entry_points(group=self.group)
            except Exception as exc:  # a broken distribution must not break every lookup silently
                raise ConfigError(f"could not list the entry points of group {self.group!r}: {exc}") from exc
            for point in points:
                dist = point.dist.name if point.dist is not None else "unknown distribution"
                origin = f"entry point {point.name} = {point.value!r} (group {self.group}, {dist})"
                # When two distributions declare one name the first one found wins, as importlib lists them.
                found.setdefault(point.name, _Lazy(point.value, origin))
            self._discovered = found
        return found

    def refresh(self) -> None:
        """Forget the entry points read so far; the next lookup scans the installed distributions again."""
        with self._lock:
            self._discovered = None

    def names(self) -> tuple[str, ...]:
        """Every known name, registered or from entry points, sorted."""
        with self._lock:
            return tuple(sorted(self._factories.keys() | self._entry_points().keys()))

    def __contains__(self, name: object) -> bool:
        with self._lock:
            return name in self._factories or name in self._entry_points()

    def factory(self, name: str) -> Callable[[], T]:
        """The factory registered as ``name``, importing it first if it is lazy.

        Raises :class:`~dubbopy.errors.ConfigError` listing the known names when ``name`` is unknown, or
        naming the entry point / target when it cannot be imported.
        """
        with self._lock:
            table = self._factories
            entry = table.get(name)
            if entry is None:
                table = self._entry_points()
                entry = table.get(name)
            if entry is None:
                known = ", ".join(self.names()) or "none"
                raise ConfigError(
                    f"unknown {self._kind} {name!r}; known: {known}. A third-party {self._kind} must be "
                    f"registered in code or declared as an entry point in group {self.group!r}"
                )
            if not isinstance(entry, _Lazy):
                return entry
            try:
                loaded = entry.load()
            except Exception as exc:
                why = f"{type(exc).__name__}: {exc}"
                raise ConfigError(f"{self._kind} {name!r} could not be loaded from {entry.origin}: {why}") from exc
            if not callable(loaded):
                raise ConfigError(f"{self._kind} {name!r} from {entry.origin} is {loaded!r}, not a factory")
            factory: Callable[[], T] = loaded
            table[name] = factory
            return factory

    def get(self, name: str) -> T:
        """A new instance of the part called ``name``.

        Raises :class:`~dubbopy.errors.ConfigError` when the name is unknown, its code cannot be
        imported, its factory fails, or it returns something that is not a ``base``.
        """
        factory = self.factory(name)
        try:
            instance = factory()
        except DubboError:
            raise
        except Exception as exc:
            raise ConfigError(f"{self._kind} {name!r} could not be created: {type(exc).__name__}: {exc}") from exc
        base = self._base
        if base is not None and not isinstance(instance, base):
            raise ConfigError(f"{self._kind} {name!r} built a {type(instance).__qualname__}, not a {base.__qualname__}")
        return instance

    def __repr__(self) -> str:
        return f"ExtensionRegistry({self._kind!r})"


# The registries. Each layer registers its built-ins (lazily) where it defines them; the value types of
# the registries whose base classes live in layers not written yet are narrowed when those layers land.

#: ``tri``, ``dubbo``, ``injvm`` (``dubbopy.protocol``)
protocols: ExtensionRegistry[Protocol] = ExtensionRegistry("protocol")
#: provider and consumer filters (``dubbopy.filter``)
filters: ExtensionRegistry[Filter] = ExtensionRegistry("filter")
#: message compressors: ``gzip``, ``identity`` (``dubbopy.compressor``)
compressors: ExtensionRegistry[Any] = ExtensionRegistry("compressor")
#: ``hessian2``, ``protobuf``, ``json`` (``dubbopy.serialization``)
serializations: ExtensionRegistry[Any] = ExtensionRegistry("serialization")
#: ``random``, ``roundrobin``, ``leastactive``, ``consistenthash``, ``shortestresponse``, ``p2c``
loadbalances: ExtensionRegistry[Any] = ExtensionRegistry("loadbalance")
#: ``failover``, ``failfast``, ``failsafe``, ``failback``, ``forking``, ``broadcast``, ``available``, …
clusters: ExtensionRegistry[Any] = ExtensionRegistry("cluster")
#: ``zookeeper``, ``etcd``/``etcdv3``, ``kubernetes``, ``service-discovery-registry`` (``dubbopy.registry``)
registries: ExtensionRegistry[Any] = ExtensionRegistry("registry")
#: router factories by the rule URL's ``router`` parameter: ``condition`` (``dubbopy.router``)
routers: ExtensionRegistry[RouterFactory] = ExtensionRegistry("router")
