"""The registry contract: what every interface-level registry (ZooKeeper, etcd, …) offers the layers above.

A registry stores URLs (``spec/url.md``) under an interface and a **category**: ``providers``,
``consumers``, ``configurators``, ``routers`` (``spec/service-discovery.md`` §2). Providers register their
provider URL, consumers their ``consumer://`` URL, and consumers subscribe to the categories they need
(``category=providers,configurators,routers``).

Notification contract (the same for every registry, so a directory never needs to know which one it
listens to):

* :meth:`NotifyListener.notify` is called **on the event loop that called** :meth:`Registry.start`,
  never on a client library's thread, and never concurrently with itself for one registry.
* Each call carries the **full current list of one category** for the subscribed service, not a delta.
  An empty category is reported as a single ``empty://`` URL (the subscribed URL with protocol ``empty``
  and ``category=<that category>``), so "the last provider left" is a notification like any other.
* The first notification for each category arrives before :meth:`Registry.subscribe` returns (when the
  registry is reachable); later ones follow every change, and a fresh list is delivered after every
  reconnection, so a listener never misses a change made while the connection was down.
* Only URLs that match the subscription (:func:`is_match`: interface, group, version, classifier,
  ``enabled``) are delivered.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Final, Protocol, runtime_checkable

from dubbopy._duration import parse_duration
from dubbopy.errors import ConfigError
from dubbopy.url import URL

__all__ = [
    "ANY_VALUE",
    "CATEGORIES",
    "CONFIGURATORS",
    "CONSUMERS",
    "DEFAULT_SUBSCRIBE_CATEGORIES",
    "EMPTY_PROTOCOL",
    "PROVIDERS",
    "ROUTERS",
    "NotifyListener",
    "Registry",
    "RegistryAddress",
    "RegistryFactory",
    "category_of",
    "empty_url",
    "is_match",
    "parse_duration",
    "parse_registry_address",
]

PROVIDERS: Final = "providers"
CONSUMERS: Final = "consumers"
CONFIGURATORS: Final = "configurators"
ROUTERS: Final = "routers"
CATEGORIES: Final = (PROVIDERS, CONSUMERS, CONFIGURATORS, ROUTERS)
#: What a consumer subscribes to when its URL names no ``category``.
DEFAULT_SUBSCRIBE_CATEGORIES: Final = (PROVIDERS, CONFIGURATORS, ROUTERS)
#: Protocol of the URL that stands for "this category has no entries".
EMPTY_PROTOCOL: Final = "empty"
#: The wildcard of ``interface``, ``group``, ``version``, ``classifier``, ``enabled``.
ANY_VALUE: Final = "*"


@runtime_checkable
class NotifyListener(Protocol):
    """Receives the current URLs of one category of a subscribed service (see the module docstring)."""

    def notify(self, urls: Sequence[URL]) -> None:
        """Called on the registry's event loop with the full list of one category (never empty: an empty
        category is one ``empty://`` URL). Must not block; exceptions are logged and otherwise ignored."""
        ...


class Registry(abc.ABC):
    """One connection to one registry cluster (``zookeeper://h1:2181?backup=h2:2181``).

    Lifecycle: build from a :class:`RegistryAddress` (usually through a :class:`RegistryFactory`), ``await
    start()``, use, ``await close()``. The registry remembers what was registered and subscribed and
    restores it by itself after a lost session or a reconnection; callers never re-register.
    """

    @property
    @abc.abstractmethod
    def address(self) -> RegistryAddress:
        """Where this registry connects and with which options."""

    @abc.abstractmethod
    async def start(self) -> None:
        """Connect. With ``check=true`` (the default) raise :class:`~dubbopy.errors.DubboError` when the
        registry cannot be reached within ``timeout``; with ``check=false`` return at once and keep
        connecting in the background, applying registrations and subscriptions once connected."""

    @abc.abstractmethod
    async def register(self, url: URL) -> None:
        """Publish ``url`` under its interface and category (``category`` parameter, default
        ``providers``); ``dynamic=false`` makes it outlive this client. Idempotent."""

    @abc.abstractmethod
    async def unregister(self, url: URL) -> None:
        """Withdraw a URL published by :meth:`register`; unknown URLs are ignored."""

    @abc.abstractmethod
    async def subscribe(self, url: URL, listener: NotifyListener) -> None:
        """Watch the categories named by ``url``'s ``category`` parameter (default providers,
        configurators, routers) of its interface and call ``listener`` with each category's list."""

    @abc.abstractmethod
    async def unsubscribe(self, url: URL, listener: NotifyListener) -> None:
        """Stop calling ``listener`` for ``url``; unknown pairs are ignored."""

    @abc.abstractmethod
    async def lookup(self, url: URL) -> list[URL]:
        """The URLs that match ``url`` now, in its categories, without ``empty://`` entries."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Unregister dynamic URLs, drop every subscription and disconnect. Idempotent."""


class RegistryFactory(abc.ABC):
    """What the ``registries`` extension registry holds: builds a :class:`Registry` for an address."""

    @abc.abstractmethod
    def create(self, address: RegistryAddress) -> Registry:
        """A new, not yet started registry for ``address``."""


# --------------------------------------------------------------------------------------------- addresses


@dataclass(frozen=True, slots=True)
class RegistryAddress:
    """A registry address as Dubbo writes it, parsed (:func:`parse_registry_address`).

    ``addresses`` are ``host:port`` strings: the hosts of the URL (``h1:2181,h2:2181``) then the ``backup``
    parameter. ``root`` is the path prefix from ``group`` (``/dubbo`` by default). ``timeout`` is the
    connect timeout in seconds (``timeout`` parameter), ``session_timeout`` the ZooKeeper session timeout
    (``zk.session``, Java's default 60 s). ``check=false`` lets a client start while the registry is
    down.
    """

    url: URL
    addresses: tuple[str, ...]
    root: str = "/dubbo"
    timeout: float = 5.0
    session_timeout: float = 60.0
    username: str = ""
    password: str = ""
    check: bool = True
    params: Mapping[str, str] = field(default_factory=dict)

    @property
    def protocol(self) -> str:
        """``zookeeper``, ``etcdv3``, …: the name of the registry extension to use."""
        return self.url.protocol


def _with_port(address: str, default_port: int) -> str:
    address = address.strip()
    if address.startswith("["):
        return address if "]:" in address else f"{address}:{default_port}"
    if address.count(":") > 1:  # bare IPv6 literal without port
        return f"[{address}]:{default_port}"
    return address if ":" in address else f"{address}:{default_port}"


def parse_registry_address(address: str | URL, *, default_port: int = 2181) -> RegistryAddress:
    """Parse ``zookeeper://[user:pass@]h1:2181[,h2:2181]?backup=h3:2181&group=x&timeout=3000&…``.

    Recognised parameters: ``backup`` (more addresses), ``group`` (root path; ``/`` allowed), ``timeout``
    (ms, or a Go duration), ``zk.session`` (ms), ``username``/``password`` (also taken from the user
    part), ``check``. Addresses without a port get ``default_port``. Raises
    :class:`~dubbopy.errors.ConfigError` for an address without a protocol or a host.
    """
    url = address if isinstance(address, URL) else URL.parse(address)
    if not url.protocol:
        raise ConfigError(f"registry address {str(url)!r} has no protocol such as 'zookeeper://'")
    hosts = tuple(_with_port(a, default_port) for a in url.addresses())
    if not hosts or not url.host:
        raise ConfigError(f"registry address {str(url)!r} names no host")
    group = url.get("group") or "dubbo"
    root = group if group.startswith("/") else "/" + group
    if len(root) > 1:
        root = root.rstrip("/")
    timeout = parse_duration(url.get("timeout") or "5000")
    session = parse_duration(url.get("zk.session") or url.get("session.timeout") or "60000")
    username = url.username or url.get("username", "")
    password = url.password or url.get("password", "")
    return RegistryAddress(
        url=url,
        addresses=hosts,
        root=root,
        timeout=timeout,
        session_timeout=session,
        username=username,
        password=password,
        check=url.get_bool("check", True),
        params=url.params,
    )


# ------------------------------------------------------------------------------------------- matching


def category_of(url: URL) -> str:
    """The category a URL is published under: its ``category`` parameter, ``providers`` by default."""
    return url.get("category") or PROVIDERS


def empty_url(subscribed: URL, category: str) -> URL:
    """The ``empty://`` URL that says "``category`` of ``subscribed`` has no entries"."""
    return subscribed.replace(protocol=EMPTY_PROTOCOL).with_param("category", category)


def _group_matches(wanted: str, offered: str) -> bool:
    if wanted in (ANY_VALUE, offered):
        return True
    return offered in [g.strip() for g in wanted.split(",")]


def is_match(consumer: URL, provider: URL) -> bool:
    """Whether ``provider`` (any category) belongs to the subscription ``consumer`` (``spec/url.md`` §5).

    Interface equal (or ``*``); category among the consumer's; not ``enabled=false`` unless the consumer
    asks for ``enabled=*``; group equal, ``*`` or in the consumer's comma list; version equal or ``*``;
    classifier equal or ``*`` when the consumer names one.
    """
    wanted, offered = consumer.interface, provider.interface
    if ANY_VALUE not in (wanted, offered) and wanted != offered:
        return False
    categories = consumer.get_list("category") or (PROVIDERS,)
    if ANY_VALUE not in categories and category_of(provider) not in categories:
        return False
    if not provider.get_bool("enabled", True) and consumer.get("enabled") != ANY_VALUE:
        return False
    if not _group_matches(consumer.group, provider.group):
        return False
    if consumer.version not in (ANY_VALUE, provider.version):
        return False
    classifier = consumer.get("classifier")
    return classifier in (None, ANY_VALUE, provider.get("classifier"))
