"""What a provider publishes in a registry, and opening registries by address.

:func:`open_registry` wraps every registry it opens in a
:class:`~dubbopy.registry.cache.CachingRegistry` (unless the address says ``file.cache=false``), so
every subscription keeps its last-known URLs in a local file and falls back on them when the registry
cannot be reached.

:func:`provider_url` turns an exporter's URL into the provider URL Java writes under
``/dubbo/{interface}/providers`` (``spec/url.md``): the real port, a reachable host instead of
``0.0.0.0``, and the parameters Java consumers read (``application``, ``interface``, ``methods``,
``side``, ``dubbo``, ``release``, ``timestamp``, ``dynamic``, ``deprecated``, ``generic``, version/group).

What goes into one particular registry follows that registry's URL, as in Java 3.x:

* ``register=false``: nothing is written there (no provider, no consumer node); providers do not even
  open it (:func:`registers`). ``subscribe=false``: consumers do not discover through it (:func:`subscribes`).
* ``simplified=true``: provider nodes keep only :data:`SIMPLIFIED_PROVIDER_KEYS`, the registry's
  ``extra-keys``, ``interface`` when the path differs from it, and every parameter whose name starts with
  one of the URL's ``methods`` (Java ``DefaultServiceURLCustomizer`` and ``URL.valueOf(url, keys,
  prefixes)``, which matches bare prefixes: ``get`` keeps ``getAll.timeout``); consumer nodes keep
  :data:`SIMPLIFIED_CONSUMER_KEYS` (Java ``DynamicDirectory.setRegisteredConsumerUrl``).
"""

from __future__ import annotations

import time
from typing import Final

from dubbopy import extension
from dubbopy._net import local_host
from dubbopy._version import __version__
from dubbopy.errors import ConfigError
from dubbopy.registry.base import Registry, RegistryFactory, parse_registry_address
from dubbopy.registry.cache import CacheFile, CachingRegistry, RegistryCache, cache_path
from dubbopy.url import URL

#: Parameters of a provider URL kept in a ``simplified`` registry (Java
#: ``RegistryProtocol.DEFAULT_REGISTER_PROVIDER_KEYS``).
SIMPLIFIED_PROVIDER_KEYS: Final = frozenset(
    {
        "application",
        "codec",
        "exchanger",
        "serialization",
        "prefer.serialization",
        "cluster",
        "connections",
        "deprecated",
        "group",
        "loadbalance",
        "mock",
        "path",
        "timeout",
        "token",
        "version",
        "warmup",
        "weight",
        "dubbo",
        "release",
        "side",
        "ipv6",
        "serialize.packable.factory",
        "auth",
        "authenticator",
        "username",
        "password",
    }
)

#: Parameters of a consumer URL kept in a ``simplified`` registry (Java
#: ``RegistryProtocol.DEFAULT_REGISTER_CONSUMER_KEYS``), before ``category`` and ``check`` are added.
SIMPLIFIED_CONSUMER_KEYS: Final = frozenset({"application", "version", "group", "dubbo", "release"})


def registers(registry: URL) -> bool:
    """Whether anything is written in this registry (its ``register`` parameter, default true)."""
    return registry.get_bool("register", True)


def subscribes(registry: URL) -> bool:
    """Whether consumers discover providers through this registry (``subscribe``, default true)."""
    return registry.get_bool("subscribe", True)


def registered_provider_url(provider: URL, registry: URL) -> URL:
    """The node written for ``provider`` (a :func:`provider_url`) in ``registry``: all of it, or what a
    ``simplified`` registry keeps (see the module docstring)."""
    if not registry.get_bool("simplified", False):
        return provider
    keep = set(SIMPLIFIED_PROVIDER_KEYS)
    keep.update(registry.get_list("extra-keys"))
    if provider.path != provider.get("interface"):
        keep.add("interface")
    prefixes = provider.get_list("methods")
    params = {k: v for k, v in provider.params.items() if v and (k in keep or k.startswith(prefixes))}
    return provider.replace(params=params)


def registered_consumer_url(consumer: URL, registry: URL) -> URL:
    """The node written under ``consumers`` for a reference's ``consumer://`` URL in ``registry``."""
    if registry.get_bool("simplified", False):
        consumer = consumer.replace(
            params={k: v for k, v in consumer.params.items() if v and k in SIMPLIFIED_CONSUMER_KEYS}
        )
    return consumer.with_params(category="consumers", check="false")


def provider_url(exported: URL) -> URL:
    """The provider URL to register for an exported service URL."""
    host = exported.host
    anyhost = host in ("", "0.0.0.0", "::")
    if anyhost:
        host = exported.get("register.ip") or local_host()
    params = {
        "dubbo": "2.0.2",
        "release": __version__,
        "side": "provider",
        "dynamic": "true",
        "deprecated": "false",
        "generic": "false",
        "timestamp": str(int(time.time() * 1000)),
        "interface": exported.get("interface") or exported.path,
    }
    if anyhost:
        params["anyhost"] = "true"
    return exported.replace(host=host).with_params(**params).without_params("bind.ip", "bind.port")


async def open_registry(url: URL, *, application: str = "") -> Registry:
    """Create and start the registry for ``url`` (``zookeeper://…``) through the extension registry,
    with its local address cache (:mod:`dubbopy.registry.cache`). ``application`` names the cache file
    when the URL has no ``application`` of its own, as Java's does."""
    if application and not url.get("application"):
        url = url.with_param("application", application)
    name = url.protocol
    if name not in extension.registries:
        known = ", ".join(extension.registries.names()) or "none"
        raise ConfigError(f"unknown registry {name!r} in {url} (known: {known})")
    factory: RegistryFactory = extension.registries.get(name)
    registry = factory.create(parse_registry_address(url))
    path = cache_path(registry.address)
    if path is not None:
        registry = CachingRegistry(registry, RegistryCache(CacheFile(path)))
    await registry.start()
    return registry
