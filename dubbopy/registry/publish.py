"""What a provider publishes in a registry, and opening registries by address.

:func:`open_registry` wraps every registry it opens in a
:class:`~dubbopy.registry.cache.CachingRegistry` (unless the address says ``file.cache=false``), so
every subscription keeps its last-known URLs in a local file and falls back on them when the registry
cannot be reached.

:func:`provider_url` turns an exporter's URL into the provider URL Java writes under
``/dubbo/{interface}/providers`` (``spec/url.md``): the real port, a reachable host instead of
``0.0.0.0``, and the parameters Java consumers read (``application``, ``interface``, ``methods``,
``side``, ``dubbo``, ``release``, ``timestamp``, ``dynamic``, ``deprecated``, ``generic``, version/group).
"""

from __future__ import annotations

import time

from dubbopy import extension
from dubbopy._net import local_host
from dubbopy._version import __version__
from dubbopy.errors import ConfigError
from dubbopy.registry.base import Registry, RegistryFactory, parse_registry_address
from dubbopy.registry.cache import CacheFile, CachingRegistry, RegistryCache, cache_path
from dubbopy.url import URL


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
