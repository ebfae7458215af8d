"""The local address cache: the last URLs each subscription was notified, kept in a file, so that a
consumer can start and call its providers while the registry is unreachable.

Java Dubbo's ``AbstractRegistry`` keeps such a file per registry; this one follows it:

* **Format**: a ``java.util.Properties`` file (:mod:`dubbopy.registry.properties`). A key is a subscription's
  service key (``[group/]interface[:version]``), its value the full URL strings of every notified
  category, separated by spaces (``empty://`` URLs included: "no providers" is a fact worth keeping).
* **Writing**: after each notification, asynchronously and coalesced (:data:`SAVE_DELAY`), and once more
  on close. Writers take an exclusive ``flock`` on ``<file>.lock``, re-read the file, lay the keys this
  process was notified of over it (keys other processes wrote survive), write a temporary file beside
  it and rename it into place, so a crash never leaves half a file.
* **Reading**: once, when the registry starts. A file that cannot be read or parsed is logged and
  ignored (and replaced by the next write), never fatal; a URL in it that does not parse is skipped.
* **Location** (:func:`cache_path`): the registry URL's ``file`` parameter; none with ``file.cache=false``
  (Java 2.7) or ``file-cache=false`` (Java ≥ 3.2); by default
  ``~/.dubbo/dubbopy-registry-[{application}-]{protocol}-{host}-{port}[-{group}].cache``. Java writes
  ``~/.dubbo/dubbo-registry-{application}-{host}-{port}.cache``: the ``dubbopy-`` prefix means a Java
  process on the same host never writes our file (Java writes its own in place, without merging, and may
  delete the lock file), and the protocol and a non-default group keep registries that share a host
  and port (a ZooKeeper with two roots) apart. ``$DUBBOPY_REGISTRY_CACHE_DIR`` replaces ``~/.dubbo``.

:class:`RegistryCache` is the store and knows nothing of registries (service keys, categories, URLs), so
application-level discovery can keep its addresses in it too; :class:`CachingRegistry` applies it to
any :class:`~dubbopy.registry.base.Registry` (``open_registry`` wraps every registry it opens).
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Final

from dubbopy.errors import ConfigError, DubboError
from dubbopy.registry.base import (
    DEFAULT_SUBSCRIBE_CATEGORIES,
    EMPTY_PROTOCOL,
    NotifyListener,
    Registry,
    RegistryAddress,
    category_of,
    is_match,
)
from dubbopy.registry.properties import dump_properties, load_properties
from dubbopy.url import URL

__all__ = [
    "SAVE_DELAY",
    "CacheFile",
    "CachingRegistry",
    "RegistryCache",
    "cache_path",
]

_log = logging.getLogger(__name__)

#: Seconds a notification waits before it is written, so that a burst of them is written once.
SAVE_DELAY: Final = 0.2
_COMMENT: Final = "Dubbo Registry Cache"

# ------------------------------------------------------------------------------------------ the file


#: Environment variable naming the directory of default cache files (instead of ``~/.dubbo``), for a
#: read-only home or a test run.
CACHE_DIR_ENV: Final = "DUBBOPY_REGISTRY_CACHE_DIR"


def cache_path(address: RegistryAddress, *, home: Path | None = None) -> Path | None:
    """Where the cache of the registry at ``address`` lives (see the module docstring); ``None`` when the
    registry URL turns it off. ``home`` (default: ``$DUBBOPY_REGISTRY_CACHE_DIR``, else the user's home)
    is where ``.dubbo/`` goes."""
    url = address.url
    if not (url.get_bool("file.cache", True) and url.get_bool("file-cache", True)):
        return None
    explicit = url.get("file")
    if explicit:
        return Path(explicit).expanduser()
    parts = ["dubbopy-registry"]
    if url.get("application"):
        parts.append(url.get("application", ""))
    parts += [address.protocol, address.addresses[0].replace(":", "-")]
    if address.root != "/dubbo":
        parts.append(address.root.strip("/").replace("/", "-") or "root")
    name = "-".join(parts).replace(os.sep, "-") + ".cache"
    if home is None and os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV]) / name
    return (home or Path.home()) / ".dubbo" / name


class CacheFile:
    """One cache file on disk: read it, merge entries into it under a lock, atomically. Blocking: call
    from a worker thread."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, str]:
        """The entries in the file (none when it does not exist); :class:`OSError` or :class:`ValueError`
        when it cannot be read or parsed."""
        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return {}
        return load_properties(data.decode("iso-8859-1"))

    def merge(self, entries: Mapping[str, str]) -> None:
        """Lay ``entries`` over the file's current entries and replace the file with the result."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lock_path = self.path.with_name(self.path.name + ".lock")
        with lock_path.open("a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)  # released when the file closes
            try:
                current = self.read()
            except (OSError, ValueError) as exc:
                _log.warning("replacing unreadable registry cache file %s: %s", self.path, exc)
                current = {}
            current.update(entries)
            data = dump_properties(current, _COMMENT).encode("ascii")
            fd, tmp = tempfile.mkstemp(prefix=self.path.name + ".", suffix=".tmp", dir=self.path.parent)
            try:
                with os.fdopen(fd, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)
                raise


class RegistryCache:
    """The last-known URLs per service key and category, loaded from and saved to a :class:`CacheFile`.

    Use on one event loop: :meth:`load` once, :meth:`record` on every notification (saved soon after,
    in a worker thread), :meth:`cached` to read, :meth:`close` to write what is still pending.
    """

    def __init__(self, file: CacheFile, *, save_delay: float = SAVE_DELAY) -> None:
        self.file = file
        self._save_delay = save_delay
        self._loaded: dict[str, str] = {}
        self._recorded: dict[str, dict[str, list[URL]]] = {}
        self._dirty: set[str] = set()
        self._saver: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()

    async def load(self) -> None:
        """Read the file; an unreadable or corrupt file is logged and ignored."""
        try:
            self._loaded = await asyncio.to_thread(self.file.read)
        except (OSError, ValueError) as exc:
            _log.warning("ignoring registry cache file %s: %s", self.file.path, exc)
            self._loaded = {}
        else:
            if self._loaded:
                _log.info("loaded registry cache file %s (%d services)", self.file.path, len(self._loaded))

    def cached(self, key: str) -> dict[str, list[URL]]:
        """The last-known URLs of service ``key`` by category: notified in this process, else from the file."""
        result: dict[str, list[URL]] = {}
        for text in self._loaded.get(key, "").split():
            try:
                url = URL.parse(text)
            except ConfigError as exc:
                _log.warning("ignoring a URL of %r in registry cache file %s: %s", key, self.file.path, exc)
                continue
            result.setdefault(category_of(url), []).append(url)
        result.update({c: list(urls) for c, urls in self._recorded.get(key, {}).items()})
        return result

    def record(self, key: str, category: str, urls: Sequence[URL]) -> None:
        """Remember the current list of ``category`` of service ``key``; the file follows soon."""
        self._recorded.setdefault(key, {})[category] = list(urls)
        self._dirty.add(key)
        if self._saver is None or self._saver.done():
            self._saver = asyncio.get_running_loop().create_task(self._save_soon())

    def _value(self, key: str) -> str:
        categories = self._recorded.get(key, {})
        return " ".join(u.to_full_string() for c in sorted(categories) for u in categories[c])

    async def _save_soon(self) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), self._save_delay)
        await self._save()

    async def _save(self) -> None:
        while self._dirty:
            keys, self._dirty = self._dirty, set()
            entries = {k: self._value(k) for k in keys}
            try:
                await asyncio.to_thread(self.file.merge, entries)
            except (OSError, ValueError) as exc:  # the next notification tries again
                _log.warning("cannot write registry cache file %s: %s", self.file.path, exc)
                self._dirty |= keys
                return

    async def close(self) -> None:
        """Write what is pending now."""
        self._wake.set()
        if self._saver is not None:
            await self._saver
        await self._save()


# ------------------------------------------------------------------------------------- the registry


class _Recording:
    """The listener a :class:`CachingRegistry` subscribes in place of the caller's: records, then passes on."""

    def __init__(self, url: URL, listener: NotifyListener, cache: RegistryCache) -> None:
        self.url = url
        self.listener = listener
        self.cache = cache
        self.delivered: set[str] = set()

    def notify(self, urls: Sequence[URL]) -> None:
        if urls:
            category = category_of(urls[0])
            self.delivered.add(category)
            self.cache.record(self.url.service_key, category, urls)
        self.listener.notify(urls)


class CachingRegistry(Registry):
    """A registry whose subscribers fall back on the cache file when it does not answer.

    Every notification is recorded in the :class:`RegistryCache`. When :meth:`subscribe` returns
    without having delivered a category (the registry is unreachable: started with ``check=false``, or
    it timed out), the listener gets that category's cached URLs instead, as Java's ``FailbackRegistry``
    does on a failed subscription. The wrapped registry keeps the subscription and, once it reaches the
    server, delivers the real lists, which replace the cached ones.

    Attributes it does not define are the wrapped registry's (``client``, ``lease``: what tools and tests
    inspect), so wrapping is invisible to them.
    """

    def __init__(self, registry: Registry, cache: RegistryCache) -> None:
        self._registry = registry
        self._cache = cache
        self._recordings: dict[tuple[str, int], _Recording] = {}

    @property
    def address(self) -> RegistryAddress:
        """Where the wrapped registry connects."""
        return self._registry.address

    @property
    def registry(self) -> Registry:
        """The wrapped registry."""
        return self._registry

    @property
    def cache(self) -> RegistryCache:
        """The cache this registry records into."""
        return self._cache

    async def start(self) -> None:
        """Load the cache file, then start the wrapped registry."""
        await self._cache.load()
        await self._registry.start()

    async def register(self, url: URL) -> None:
        """As the wrapped registry."""
        await self._registry.register(url)

    async def unregister(self, url: URL) -> None:
        """As the wrapped registry."""
        await self._registry.unregister(url)

    async def subscribe(self, url: URL, listener: NotifyListener) -> None:
        """Subscribe on the wrapped registry; categories it did not deliver come from the cache. Raises
        only when the registry fails, nothing is cached and ``check`` is on (registry and ``url``)."""
        key = (url.to_full_string(), id(listener))
        recording = self._recordings.get(key)
        if recording is None:
            recording = self._recordings[key] = _Recording(url, listener, self._cache)
        try:
            await self._registry.subscribe(url, recording)
        except ConfigError:
            raise
        except DubboError as exc:
            if self._from_cache(recording):
                return
            if self.address.check and url.get_bool("check", True):
                raise
            _log.warning("subscribing to %s failed, nothing cached; retried by the registry: %s", url, exc)
            return
        self._from_cache(recording)

    def _from_cache(self, recording: _Recording) -> bool:
        """Give ``recording``'s listener the cached lists of the categories it has not been notified of;
        whether any was cached."""
        url = recording.url
        missing = [c for c in url.get_list("category") or DEFAULT_SUBSCRIBE_CATEGORIES if c not in recording.delivered]
        if not missing:
            return True
        cached = self._cache.cached(url.service_key)
        used = 0
        for category in missing:
            urls = [u for u in cached.get(category, ()) if u.protocol != EMPTY_PROTOCOL and is_match(url, u)]
            if urls:
                recording.listener.notify(urls)
                used += len(urls)
        if used:
            _log.warning(
                "registry %s did not answer for %s: using %d cached URLs from %s until it does",
                self.address.url.address,
                url.service_key,
                used,
                self._cache.file.path,
            )
        return used > 0

    async def unsubscribe(self, url: URL, listener: NotifyListener) -> None:
        """Stop notifying ``listener``."""
        recording = self._recordings.pop((url.to_full_string(), id(listener)), None)
        await self._registry.unsubscribe(url, recording or listener)

    async def lookup(self, url: URL) -> list[URL]:
        """As the wrapped registry."""
        return await self._registry.lookup(url)

    async def close(self) -> None:
        """Close the wrapped registry and write what the cache has pending."""
        try:
            await self._registry.close()
        finally:
            await self._cache.close()
