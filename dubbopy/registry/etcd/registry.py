"""Interface-level registration on etcd v3, key for key as dubbo-go's ``etcdv3`` registry lays it out.

Layout (``spec/service-discovery.md`` §2.2)::

    {root}/{interface}/{category}/{QueryEscape(url.to_full_string())}   value ""

``root`` is ``/`` + the registry URL's ``group`` (``/dubbo`` by default); ``QueryEscape`` is Go's
``url.QueryEscape`` (:func:`go_query_escape`). Like dubbo-go's ``CreatePath``, the parent "directories"
(``/dubbo``, ``/dubbo/{interface}``, ``/dubbo/{interface}/{category}``) are created once as persistent
empty-value keys.

Ephemerality: every dynamic registration is attached to one lease per registry (TTL from the registry
URL's ``ttl`` parameter, a Go duration or seconds, default 10 s) that a background task keeps alive over a
``LeaseKeepAlive`` stream, at a third of the TTL. When etcd says the lease is gone (expired while we were
cut off, or revoked), the task grants a new one and puts every registration again. ``dynamic=false`` URLs
are put without a lease. Closing the registry revokes the lease, so its keys go at once.

Subscriptions: one prefix watch per subscribed category path. A watch first reads the whole prefix (the
first notification, before :meth:`EtcdRegistry.subscribe` returns), then follows events from the next
revision. When the stream breaks (etcd restarted, connection lost) it is opened again from the revision
after the last event seen, so no change in between is lost; if etcd has compacted that revision away, or
has come back behind it (its data lost or restored from an older backup), the prefix is read again in full.
Listeners get the full matching list of the category after each change, ``empty://`` when nothing
matches, on the event loop (``dubbopy.registry.base``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from dataclasses import dataclass, field
from typing import Any, Final
from urllib.parse import quote_plus

import grpc
import grpc.aio

from dubbopy.errors import ConfigError, DubboError
from dubbopy.registry.base import (
    ANY_VALUE,
    DEFAULT_SUBSCRIBE_CATEGORIES,
    NotifyListener,
    Registry,
    RegistryAddress,
    RegistryFactory,
    category_of,
    empty_url,
    is_match,
    parse_duration,
    parse_registry_address,
)
from dubbopy.registry.etcd._proto import rpc_pb2 as pb
from dubbopy.registry.etcd.client import (
    EtcdClient,
    EtcdError,
    EtcdUnavailableError,
    LeaseNotFoundError,
    prefix_end,
    translate,
)
from dubbopy.url import URL

__all__ = ["DEFAULT_PORT", "EtcdRegistry", "EtcdRegistryFactory", "category_key", "go_query_escape", "node_key"]

_log = logging.getLogger(__name__)

#: etcd's client port, used for addresses written without one
DEFAULT_PORT: Final = 2379
#: lease TTL when the registry URL has no ``ttl``
DEFAULT_TTL: Final = 10.0
_MAX_BACKOFF: Final = 1.0


def go_query_escape(text: str) -> str:
    """Go's ``url.QueryEscape``: ``A-Z a-z 0-9 - _ . ~`` kept, space as ``+``, the rest ``%XX`` (UTF-8)."""
    return quote_plus(text, safe="")


def _root_dir(root: str) -> str:
    return root if root.endswith("/") else root + "/"


def category_key(root: str, interface: str, category: str) -> str:
    """``{root}/{interface}/{category}``: the "directory" of a category's keys (no trailing ``/``)."""
    return f"{_root_dir(root)}{interface}/{category}"


def node_key(root: str, url: URL) -> str:
    """The key ``url`` is registered under: its category key + ``/`` + the escaped full URL string."""
    if not url.interface or url.interface == ANY_VALUE:
        raise ConfigError(f"cannot register {url} on etcd: it names no interface")
    return f"{category_key(root, url.interface, category_of(url))}/{go_query_escape(url.to_full_string())}"


def _parent_keys(key: str) -> list[str]:
    """``/a/b/c/leaf`` → ``["/a", "/a/b", "/a/b/c"]`` (dubbo-go's ``CreatePath``)."""
    parts = key.split("/")[1:-1]
    return ["/" + "/".join(parts[: i + 1]) for i in range(len(parts))]


@dataclass(eq=False)
class _Watched:
    """One watched category prefix: its entries, the revision they reflect, who listens."""

    prefix: bytes
    category: str
    listeners: dict[int, tuple[URL, NotifyListener]] = field(default_factory=dict)
    last: dict[int, list[URL]] = field(default_factory=dict)
    entries: dict[bytes, URL] = field(default_factory=dict)
    revision: int = 0
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    task: asyncio.Task[None] | None = None


class EtcdRegistry(Registry):
    """A :class:`~dubbopy.registry.base.Registry` on etcd v3 (gRPC)."""

    def __init__(self, address: RegistryAddress) -> None:
        self._address = address
        self._root = address.root
        ttl_text = address.params.get("ttl")
        ttl = parse_duration(ttl_text, default_unit=1.0) if ttl_text else DEFAULT_TTL
        self._ttl = max(1, math.ceil(ttl))
        self._client = EtcdClient(address.addresses, timeout=address.timeout)
        self._registered: dict[bytes, URL] = {}
        self._pending: set[bytes] = set()
        self._made_dirs: set[bytes] = set()
        self._lease = 0
        self._lease_ready = asyncio.Event()
        self._session: asyncio.Task[None] | None = None
        self._watched: dict[bytes, _Watched] = {}
        self._started = False
        self._closed = False

    @property
    def address(self) -> RegistryAddress:
        """Where this registry connects."""
        return self._address

    @property
    def client(self) -> EtcdClient:
        """The etcd client (for tests and tools)."""
        return self._client

    @property
    def lease(self) -> int:
        """The id of the lease registrations are attached to now (0 while there is none)."""
        return self._lease

    @property
    def ttl(self) -> int:
        """The lease TTL in seconds."""
        return self._ttl

    # ------------------------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Connect and obtain the lease (see :meth:`Registry.start` for ``check``)."""
        if self._started:
            return
        self._started = True
        self._session = asyncio.ensure_future(self._keep_lease())
        if not self._address.check:
            return
        try:
            async with asyncio.timeout(self._address.timeout):
                await self._lease_ready.wait()
        except TimeoutError:
            await self.close()
            raise DubboError(
                f"etcd at {self._client.target} granted no lease within {self._address.timeout:g} s "
                "(set check=false to start anyway)"
            ) from None

    async def close(self) -> None:
        """Stop watching, revoke the lease (dynamic keys go at once) and close the channel."""
        if self._closed:
            return
        self._closed = True
        tasks = [w.task for w in self._watched.values() if w.task is not None]
        if self._session is not None:
            tasks.append(self._session)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._watched.clear()
        lease, self._lease = self._lease, 0
        if lease:
            try:
                await self._client.revoke(lease)
            except EtcdError as exc:
                _log.info("etcd lease %x not revoked on close (it expires after %d s): %s", lease, self._ttl, exc)
        self._registered.clear()
        await self._client.close()

    async def _keep_lease(self) -> None:
        """Own the lease: grant, put registrations, keep alive; grant again when etcd says it is gone."""
        delay = 0.05
        while not self._closed:
            try:
                if not self._lease:
                    self._lease = await self._client.grant(self._ttl)
                    self._pending = set(self._registered)
                    _log.debug("etcd lease %x granted (TTL %d s)", self._lease, self._ttl)
                await self._flush()
                self._lease_ready.set()
                await self._keep_alive(self._lease)
                delay = 0.05
            except LeaseNotFoundError:
                _log.info("etcd lease %x is gone: granting a new one and registering again", self._lease)
                self._lease = 0
            except EtcdError as exc:
                _log.debug("etcd lease keep-alive interrupted, retrying in %.2f s: %s", delay, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_BACKOFF)
            except Exception:  # a bug must not end keep-alives for good: log it and go on
                _log.exception("etcd lease keep-alive failed unexpectedly, retrying in %.2f s", delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_BACKOFF)

    async def _keep_alive(self, lease: int) -> None:
        """Refresh ``lease`` every TTL/3 until etcd says it is gone (raises :class:`LeaseNotFoundError`) or the
        stream fails (raises :class:`EtcdUnavailableError`)."""
        stream = self._client.keep_alive_stream()
        try:
            while True:
                await stream.write(pb.LeaseKeepAliveRequest(ID=lease))
                try:
                    async with asyncio.timeout(self._ttl):
                        answer = await stream.read()
                except TimeoutError:
                    raise EtcdUnavailableError(f"etcd did not answer a keep-alive of lease {lease:x}") from None
                if answer is grpc.aio.EOF:
                    raise EtcdUnavailableError("etcd ended the keep-alive stream")
                if answer.TTL <= 0:
                    raise LeaseNotFoundError(f"etcd lease {lease:x} expired or was revoked")
                if self._pending:
                    await self._flush()
                await asyncio.sleep(max(self._ttl / 3, 0.2))
        except grpc.aio.AioRpcError as exc:
            raise translate(exc, "lease keep-alive") from exc
        except asyncio.InvalidStateError as exc:  # grpc.aio: a write on a stream that has ended
            raise EtcdUnavailableError("etcd ended the keep-alive stream") from exc
        finally:
            stream.cancel()

    async def _flush(self) -> None:
        """Put every registration not yet confirmed written under the current lease."""
        for key in list(self._pending):
            url = self._registered.get(key)
            if url is not None:
                await self._put(key, url)
            self._pending.discard(key)

    async def _put(self, key: bytes, url: URL) -> None:
        for parent in _parent_keys(key.decode()):
            raw = parent.encode()
            if raw not in self._made_dirs:
                await self._client.create(raw, b"")
                self._made_dirs.add(raw)
        dynamic = url.get_bool("dynamic", True)
        await self._client.put(key, b"", self._lease if dynamic else 0)

    # --------------------------------------------------------------------------------- registration

    async def register(self, url: URL) -> None:
        """Put ``url``'s key (under the lease unless ``dynamic=false``) and remember it for recovery."""
        key = node_key(self._root, url).encode()
        self._registered[key] = url
        self._pending.add(key)
        if not self._lease:
            return  # the lease task puts it once it has a lease
        try:
            await self._put(key, url)
            self._pending.discard(key)
        except EtcdError as exc:  # the lease task retries; LeaseNotFoundError: it is about to find out too
            _log.info("etcd registration of %s deferred: %s", url, exc)

    async def unregister(self, url: URL) -> None:
        """Delete ``url``'s key and forget it."""
        key = node_key(self._root, url).encode()
        self._registered.pop(key, None)
        self._pending.discard(key)
        try:
            await self._client.delete(key)
        except EtcdUnavailableError as exc:
            if url.get_bool("dynamic", True):
                _log.info("etcd unregistration of %s failed; the key goes with the lease: %s", url, exc)
            else:
                raise

    # --------------------------------------------------------------------------------- subscription

    @staticmethod
    def _categories(url: URL) -> tuple[str, ...]:
        if url.interface in ("", ANY_VALUE):
            raise ConfigError(f"subscribing to every interface ({url}) is not supported on etcd yet")
        return url.get_list("category") or DEFAULT_SUBSCRIBE_CATEGORIES

    def _prefix(self, url: URL, category: str) -> bytes:
        return (category_key(self._root, url.interface, category) + "/").encode()

    async def subscribe(self, url: URL, listener: NotifyListener) -> None:
        """Watch each category of ``url``; ``listener`` gets each category's list before this returns
        (when etcd answers within ``timeout``) and after every change."""
        unread: list[_Watched] = []
        for category in self._categories(url):
            prefix = self._prefix(url, category)
            watched = self._watched.get(prefix)
            if watched is None:
                watched = self._watched[prefix] = _Watched(prefix, category)
                watched.task = asyncio.ensure_future(self._watch_loop(watched))
            watched.listeners[id(listener)] = (url, listener)
            watched.last.pop(id(listener), None)
            if watched.ready.is_set():
                self._deliver(watched)
            else:
                unread.append(watched)
        # One deadline for every category: an unreachable etcd costs ``timeout`` once, not per category.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._address.timeout):
                for watched in unread:
                    await watched.ready.wait()

    async def unsubscribe(self, url: URL, listener: NotifyListener) -> None:
        """Stop notifying ``listener`` about ``url``'s categories."""
        for category in self._categories(url):
            prefix = self._prefix(url, category)
            watched = self._watched.get(prefix)
            if watched is None:
                continue
            watched.listeners.pop(id(listener), None)
            watched.last.pop(id(listener), None)
            if not watched.listeners:
                del self._watched[prefix]
                if watched.task is not None:
                    watched.task.cancel()

    async def lookup(self, url: URL) -> list[URL]:
        """Every matching URL in ``url``'s categories now (no ``empty://``)."""
        found: list[URL] = []
        for category in self._categories(url):
            prefix = self._prefix(url, category)
            answer = await self._client.get_prefix(prefix)
            entries = {kv.key: parsed for kv in answer.kvs if (parsed := self._parse(prefix, kv.key)) is not None}
            found += [u for _, u in sorted(entries.items()) if is_match(url, u)]
        return found

    async def _watch_loop(self, watched: _Watched) -> None:
        """Read the prefix, then follow its events; resume from the last revision after a failure."""
        delay, reread = 0.05, True
        while not self._closed and self._watched.get(watched.prefix) is watched:
            try:
                if reread:
                    answer = await self._client.get_prefix(watched.prefix)
                    watched.entries = {}
                    for kv in answer.kvs:
                        self._apply_put(watched, kv.key)
                    watched.revision = answer.header.revision
                    reread = False
                    self._deliver(watched)
                    watched.ready.set()
                reread = await self._follow(watched)
                delay = 0.05
            except EtcdError as exc:
                _log.debug("etcd watch of %r interrupted, resuming in %.2f s: %s", watched.prefix, delay, exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_BACKOFF)
            except Exception:  # a bug must not end the watch for good: log it and read everything again
                _log.exception("etcd watch of %r failed unexpectedly, reading it again", watched.prefix)
                reread = True
                await asyncio.sleep(delay)
                delay = min(delay * 2, _MAX_BACKOFF)

    async def _follow(self, watched: _Watched) -> bool:
        """Apply the watch events after ``watched.revision`` until the stream fails (raises
        :class:`EtcdError`) or etcd cancels the watch (returns ``True``: read the prefix again)."""
        stream = self._client.watch_stream()
        create = pb.WatchCreateRequest(
            key=watched.prefix, range_end=prefix_end(watched.prefix), start_revision=watched.revision + 1
        )
        try:
            await stream.write(pb.WatchRequest(create_request=create))
            while True:
                answer: Any = await stream.read()
                if answer is grpc.aio.EOF:
                    raise EtcdUnavailableError("etcd ended the watch stream")
                if answer.compact_revision or answer.canceled:
                    _log.info(
                        "etcd cancelled the watch of %r (compacted at %d: %s); reading it again",
                        watched.prefix,
                        answer.compact_revision,
                        answer.cancel_reason,
                    )
                    return True
                if answer.created and answer.header.revision < watched.revision:
                    # etcd came back with less history than we saw (its data was lost or restored from an
                    # older backup): a watch from our revision would skip every change until it catches up
                    _log.info(
                        "etcd is at revision %d, behind the %d already seen on %r; reading it again",
                        answer.header.revision,
                        watched.revision,
                        watched.prefix,
                    )
                    return True
                if not answer.events:
                    continue
                for event in answer.events:
                    if event.type == pb.Event.PUT:
                        self._apply_put(watched, event.kv.key)
                    else:
                        watched.entries.pop(event.kv.key, None)
                    watched.revision = max(watched.revision, event.kv.mod_revision)
                self._deliver(watched)
        except grpc.aio.AioRpcError as exc:
            raise translate(exc, f"watch {watched.prefix!r}") from exc
        except asyncio.InvalidStateError as exc:  # grpc.aio: a write on a stream that has ended
            raise EtcdUnavailableError(f"etcd ended the watch of {watched.prefix!r}") from exc
        finally:
            stream.cancel()

    def _apply_put(self, watched: _Watched, key: bytes) -> None:
        url = self._parse(watched.prefix, key)
        if url is not None:
            watched.entries[key] = url

    @staticmethod
    def _parse(prefix: bytes, key: bytes) -> URL | None:
        name = key[len(prefix) :].decode("utf-8", "replace")
        if not name or "/" in name:
            return None  # a "directory" key or something deeper than one URL
        try:
            return URL.parse_encoded(name)
        except ConfigError as exc:
            _log.warning("ignoring etcd key %r: %s", key, exc)
            return None

    def _deliver(self, watched: _Watched) -> None:
        """Notify every listener of ``watched`` whose matching list changed."""
        ordered = [url for _, url in sorted(watched.entries.items())]
        for key, (subscribed, listener) in list(watched.listeners.items()):
            urls = [u for u in ordered if is_match(subscribed, u)] or [empty_url(subscribed, watched.category)]
            if watched.last.get(key) == urls:
                continue
            watched.last[key] = urls
            try:
                listener.notify(urls)
            except Exception:
                _log.exception("registry listener %r failed on %r", listener, watched.prefix)


class EtcdRegistryFactory(RegistryFactory):
    """The ``etcdv3`` / ``etcd`` entry of :data:`dubbopy.extension.registries`."""

    def create(self, address: RegistryAddress) -> Registry:
        """A new :class:`EtcdRegistry` for ``address`` (not started); hosts without a port get 2379."""
        return EtcdRegistry(parse_registry_address(address.url, default_port=DEFAULT_PORT))
