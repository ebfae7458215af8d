"""Interface-level registration on ZooKeeper, node for node as Java Dubbo lays it out.

Layout (``spec/service-discovery.md`` §2.1)::

    {root}/{encode(interface)}/{category}/{encode(url.to_full_string())}

``root`` is ``/`` + the registry URL's ``group`` (``/dubbo`` by default); ``encode`` is
:func:`~dubbopy.url.url_encode` (Java ``URL.encode``). Provider and consumer nodes are ephemeral unless the
URL says ``dynamic=false``; the parents are persistent.

Threads: kazoo runs its connection and its callbacks on threads of its own. Nothing here touches
registry state on those threads: state changes and watch events are handed to the event loop with
``call_soon_threadsafe``, and blocking kazoo calls run in the loop's default executor. So listeners are
called on the loop, one at a time (``dubbopy.registry.base``).

Recovery: kazoo drops every watch when the connection is suspended, and ZooKeeper drops our ephemeral
nodes when the session expires. On every (re)connection the registry therefore re-creates whatever it
has registered (after a lost session) and re-reads every subscribed category with fresh watches, then
notifies listeners whose list changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from kazoo.client import KazooClient, KazooState
from kazoo.exceptions import KazooException, NodeExistsError, NoNodeError
from kazoo.protocol.states import EventType, WatchedEvent
from kazoo.recipe.watchers import DataWatch
from kazoo.retry import KazooRetry
from kazoo.security import make_digest_acl

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
)
from dubbopy.url import URL, url_encode

__all__ = ["ConfigWatch", "ZookeeperRegistry", "ZookeeperRegistryFactory", "category_path", "node_path", "root_dir"]

_log = logging.getLogger(__name__)
T = TypeVar("T")

_PATH_SEPARATOR: Final = "/"


def root_dir(root: str) -> str:
    """``root`` with one trailing ``/`` (``/`` stays ``/``), Java ``toRootDir``."""
    return root if root.endswith(_PATH_SEPARATOR) else root + _PATH_SEPARATOR


def category_path(root: str, interface: str, category: str) -> str:
    """``{root}/{encode(interface)}/{category}``: the parent of a category's nodes."""
    return f"{root_dir(root)}{url_encode(interface)}/{category}"


def node_path(root: str, url: URL) -> str:
    """The node ``url`` is registered as: its category path + ``/`` + the encoded full URL string."""
    if not url.interface or url.interface == ANY_VALUE:
        raise ConfigError(f"cannot register {url} on ZooKeeper: it names no interface")
    return f"{category_path(root, url.interface, category_of(url))}/{url_encode(url.to_full_string())}"


@dataclass(eq=False)
class _Watched:
    """One watched category path: who listens, what they last got, whether a re-read is pending."""

    path: str
    category: str
    listeners: dict[int, tuple[URL, NotifyListener]] = field(default_factory=dict)
    last: dict[int, list[URL]] = field(default_factory=dict)
    dirty: bool = False
    task: asyncio.Task[None] | None = None
    watch: Callable[[WatchedEvent], None] | None = None


class ConfigWatch:
    """One watched config-centre node (:meth:`ZookeeperRegistry.watch_config`): ``listener`` gets its text
    (``None`` while absent) on the loop until :meth:`stop`."""

    def __init__(self, registry: ZookeeperRegistry, path: str, listener: Callable[[str | None], None]) -> None:
        self._registry = registry
        self.path = path
        self._listener = listener
        self.started = False
        self.stopped = False
        self._first: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def deliver(self, text: str | None) -> None:
        """On the loop: hand ``text`` to the listener (nothing once stopped)."""
        if self.stopped:
            return
        try:
            self._listener(text)
        finally:
            if not self._first.done():
                self._first.set_result(None)

    async def ready(self) -> None:
        """Wait for the first value when ZooKeeper is connected, at most the registry's timeout (a watch
        started while disconnected delivers once connected)."""
        if self.started:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._first), self._registry.address.timeout)

    def stop(self) -> None:
        """No more deliveries; kazoo's watch ends at its next event."""
        self.stopped = True
        self._registry.forget_config_watch(self)


class ZookeeperRegistry(Registry):
    """A :class:`~dubbopy.registry.base.Registry` on ZooKeeper through kazoo."""

    def __init__(self, address: RegistryAddress) -> None:
        self._address = address
        self._root = address.root
        auth: list[tuple[str, str]] = []
        acl: list[Any] | None = None
        if address.username:
            auth.append(("digest", f"{address.username}:{address.password}"))
            # Java (Curator with an authority) creates nodes readable and writable by their creator only.
            acl = [make_digest_acl(address.username, address.password, all=True)]
        self._client = KazooClient(
            hosts=",".join(address.addresses),
            timeout=address.session_timeout,
            connection_retry=KazooRetry(max_tries=-1, delay=0.05, backoff=2, max_delay=2.0),
            command_retry=KazooRetry(max_tries=3, delay=0.05, backoff=2, max_delay=1.0),
            auth_data=auth or None,
            default_acl=acl,
        )
        self._loop: asyncio.AbstractEventLoop | None = None
        self._registered: dict[str, URL] = {}
        self._watched: dict[str, _Watched] = {}
        self._session_lost = False
        self._recovery: asyncio.Task[None] | None = None
        self._config_watches: list[ConfigWatch] = []
        self._closed = False

    @property
    def address(self) -> RegistryAddress:
        """Where this registry connects."""
        return self._address

    @property
    def client(self) -> KazooClient:
        """The kazoo client (for tests and tools; do not change its state)."""
        return self._client

    # ------------------------------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        """Connect (see :meth:`Registry.start` for ``check``)."""
        if self._loop is not None:
            return
        self._loop = asyncio.get_running_loop()
        self._client.add_listener(self._on_state_thread)
        connected = self._client.start_async()
        if not self._address.check:
            return
        ok = await self._blocking(connected.wait, self._address.timeout)
        if not ok or not self._client.connected:
            self._closed = True
            await self._blocking(self._shutdown_client)
            raise DubboError(
                f"ZooKeeper at {','.join(self._address.addresses)} did not accept a session within "
                f"{self._address.timeout:g} s (set check=false to start anyway)"
            )

    async def close(self) -> None:
        """Drop subscriptions and disconnect; ephemeral nodes go with the session."""
        if self._closed:
            return
        self._closed = True
        tasks = [w.task for w in self._watched.values() if w.task is not None]
        if self._recovery is not None:
            tasks.append(self._recovery)
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._watched.clear()
        self._registered.clear()
        for watch in list(self._config_watches):
            watch.stop()
        if self._loop is not None:
            await self._blocking(self._shutdown_client)

    def _shutdown_client(self) -> None:
        self._client.remove_listener(self._on_state_thread)
        try:
            self._client.stop()
        finally:
            self._client.close()

    async def _blocking(self, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(None, lambda: fn(*args))

    def _to_loop(self, fn: Callable[..., None], *args: Any) -> None:
        """Run ``fn(*args)`` on the event loop; called from kazoo's threads."""
        loop = self._loop
        if loop is None or self._closed:
            return
        with contextlib.suppress(RuntimeError):  # the loop is closed: nobody is listening any more
            loop.call_soon_threadsafe(fn, *args)

    def _on_state_thread(self, state: str) -> None:
        self._to_loop(self._on_state, state)

    def _on_state(self, state: str) -> None:
        if self._closed:
            return
        if state == KazooState.LOST:
            self._session_lost = True
        elif state == KazooState.CONNECTED and (self._recovery is None or self._recovery.done()):
            self._recovery = asyncio.ensure_future(self._recover())

    async def _recover(self) -> None:
        """After a (re)connection: re-create registrations if the session was lost, re-read subscriptions."""
        for watch in list(self._config_watches):
            self._start_config_watch(watch)
        try:
            if self._session_lost:
                self._session_lost = False
                for path, url in list(self._registered.items()):
                    await self._create(path, url)
            for watched in list(self._watched.values()):
                self._request_refresh(watched)
        except KazooException as exc:
            # The connection dropped again: the next CONNECTED runs this again.
            _log.info("ZooKeeper recovery interrupted: %s", exc)

    # --------------------------------------------------------------------------------- registration

    async def register(self, url: URL) -> None:
        """Create ``url``'s node (ephemeral unless ``dynamic=false``) and remember it for recovery."""
        path = node_path(self._root, url)
        self._registered[path] = url
        if self._client.connected:
            await self._create(path, url)

    async def _create(self, path: str, url: URL) -> None:
        ephemeral = url.get_bool("dynamic", True)
        client = self._client
        try:
            await self._blocking(lambda: client.create(path, b"", ephemeral=ephemeral, makepath=True))
        except NodeExistsError:
            if not ephemeral:
                return
            # Left by an earlier session of ours that the server has not expired yet: take it over.
            stat = (await self._blocking(client.exists, path)) if client.connected else None
            session = client.client_id[0] if client.client_id else None
            if stat is not None and stat.ephemeralOwner != session:
                with contextlib.suppress(NoNodeError):
                    await self._blocking(client.delete, path)
                await self._blocking(lambda: client.create(path, b"", ephemeral=True, makepath=True))

    async def unregister(self, url: URL) -> None:
        """Delete ``url``'s node and forget it."""
        path = node_path(self._root, url)
        self._registered.pop(path, None)
        if self._client.connected:
            with contextlib.suppress(NoNodeError):
                await self._blocking(self._client.delete, path)

    # --------------------------------------------------------------------------------- subscription

    @staticmethod
    def _categories(url: URL) -> tuple[str, ...]:
        if url.interface in ("", ANY_VALUE):
            raise ConfigError(f"subscribing to every interface ({url}) is not supported on ZooKeeper yet")
        return url.get_list("category") or DEFAULT_SUBSCRIBE_CATEGORIES

    async def subscribe(self, url: URL, listener: NotifyListener) -> None:
        """Watch each category of ``url``; ``listener`` gets each category's list before this returns
        (when connected) and after every change."""
        for category in self._categories(url):
            path = category_path(self._root, url.interface, category)
            watched = self._watched.get(path)
            if watched is None:
                watched = self._watched[path] = _Watched(path, category)
                watched.watch = self._make_watch(path)
            watched.listeners[id(listener)] = (url, listener)
            watched.last.pop(id(listener), None)
            if self._client.connected:
                try:
                    await self._refresh(watched)
                except KazooException as exc:
                    _log.info("ZooKeeper read of %s failed, retried on reconnection: %s", path, exc)

    async def unsubscribe(self, url: URL, listener: NotifyListener) -> None:
        """Stop notifying ``listener`` about ``url``'s categories."""
        for category in self._categories(url):
            path = category_path(self._root, url.interface, category)
            watched = self._watched.get(path)
            if watched is None:
                continue
            watched.listeners.pop(id(listener), None)
            watched.last.pop(id(listener), None)
            if not watched.listeners:
                del self._watched[path]
                if watched.task is not None:
                    watched.task.cancel()

    # ----------------------------------------------------------------------------- config centre

    def config_path(self, key: str) -> str:
        """Where a config-centre key lives: ``/{namespace}/config/dubbo/{key}``, the namespace being the
        registry URL's ``namespace`` or ``dubbo`` — not its ``group``: a Java 3.3 application using this
        registry (``group`` in its address) as config centre reads ``/dubbo/config/dubbo/…`` too
        (``ZookeeperDynamicConfiguration``, rules in the default group ``dubbo``)."""
        namespace = self._address.url.get("namespace", "dubbo").strip("/") or "dubbo"
        return f"/{namespace}/config/dubbo/{key}"

    def watch_config(self, key: str, listener: Callable[[str | None], None]) -> ConfigWatch:
        """Start calling ``listener`` on the loop with the UTF-8 text of config-centre ``key`` (``None``
        while the node does not exist), at once when connected (else once connected), then on every
        change, across reconnections and lost sessions. ``await watch.ready()`` waits for the first value;
        ``watch.stop()`` ends it."""
        watch = ConfigWatch(self, self.config_path(key), listener)
        self._config_watches.append(watch)
        self._start_config_watch(watch)
        return watch

    def forget_config_watch(self, watch: ConfigWatch) -> None:
        """A stopped watch is not restarted after reconnections (see :meth:`ConfigWatch.stop`)."""
        with contextlib.suppress(ValueError):
            self._config_watches.remove(watch)

    def _start_config_watch(self, watch: ConfigWatch) -> None:
        """Start kazoo's ``DataWatch`` (which re-reads by itself after reconnections) once connected: its
        first read retries until it gets an answer, so it runs on a kazoo thread, never the loop's."""
        if watch.started or watch.stopped or not self._client.connected:
            return
        watch.started = True

        def on_data(data: bytes | None, _stat: object, _event: object = None) -> bool | None:  # kazoo's thread
            if watch.stopped or self._closed:
                return False
            self._to_loop(watch.deliver, None if data is None else data.decode("utf-8", "replace"))
            return None

        def start() -> None:
            try:
                DataWatch(self._client, watch.path, on_data)
            except Exception as exc:  # the client closed meanwhile
                _log.debug("config watch of %s not started: %s", watch.path, exc)

        self._client.handler.spawn(start)

    async def lookup(self, url: URL) -> list[URL]:
        """Every matching URL in ``url``'s categories now (no ``empty://``)."""
        found: list[URL] = []
        for category in self._categories(url):
            path = category_path(self._root, url.interface, category)
            try:
                children = await self._blocking(self._client.get_children, path)
            except NoNodeError:
                continue
            found += self._matching(url, children)
        return found

    def _make_watch(self, path: str) -> Callable[[WatchedEvent], None]:
        def on_event(event: WatchedEvent) -> None:  # kazoo's thread
            if event.type != EventType.NONE:  # NONE: connection state; the reconnection re-reads anyway
                self._to_loop(self._on_watch, path)

        return on_event

    def _on_watch(self, path: str) -> None:
        watched = self._watched.get(path)
        if watched is not None and not self._closed:
            self._request_refresh(watched)

    def _request_refresh(self, watched: _Watched) -> None:
        """Re-read ``watched`` soon; reads of one path never overlap, so lists arrive in order."""
        watched.dirty = True
        if watched.task is None or watched.task.done():
            watched.task = asyncio.ensure_future(self._refresh_loop(watched))

    async def _refresh_loop(self, watched: _Watched) -> None:
        while watched.dirty and not self._closed and self._watched.get(watched.path) is watched:
            watched.dirty = False
            try:
                await self._refresh(watched)
            except KazooException as exc:
                _log.info("ZooKeeper read of %s failed, retried on reconnection: %s", watched.path, exc)
                return

    async def _refresh(self, watched: _Watched) -> None:
        client, path, watch = self._client, watched.path, watched.watch
        try:
            children = await self._blocking(lambda: client.get_children(path, watch=watch))
        except NoNodeError:
            # Java creates the category path on subscribe, so a later provider's node triggers our watch.
            with contextlib.suppress(NodeExistsError):
                await self._blocking(lambda: client.create(path, b"", makepath=True))
            children = await self._blocking(lambda: client.get_children(path, watch=watch))
        for key, (url, listener) in list(watched.listeners.items()):
            urls = self._matching(url, children) or [empty_url(url, watched.category)]
            if watched.last.get(key) == urls:
                continue
            watched.last[key] = urls
            try:
                listener.notify(urls)
            except Exception:
                _log.exception("registry listener %r failed on %s", listener, path)

    @staticmethod
    def _matching(subscribed: URL, children: Sequence[str]) -> list[URL]:
        urls: list[URL] = []
        for name in sorted(children):
            try:
                url = URL.parse_encoded(name)
            except ConfigError as exc:
                _log.warning("ignoring ZooKeeper node %r: %s", name, exc)
                continue
            if is_match(subscribed, url):
                urls.append(url)
        return urls


class ZookeeperRegistryFactory(RegistryFactory):
    """The ``zookeeper`` entry of :data:`dubbopy.extension.registries`."""

    def create(self, address: RegistryAddress) -> Registry:
        """A new :class:`ZookeeperRegistry` for ``address`` (not started)."""
        return ZookeeperRegistry(address)
