"""The live address list of a consumer: registry notifications turned into invokers.

A :class:`RegistryDirectory` subscribes a consumer URL to one or more registries and keeps, per
registry, the provider URLs of the last ``providers`` notification. From them it keeps one protocol
invoker per distinct provider URL: an invoker whose URL stays in the list is reused (its connection
survives a re-notification), a new URL is referred through its protocol, and an invoker whose URL left
every list is closed. ``empty://`` means "no providers".

``configurators`` (``override://``, ``absent://``) URLs are applied to the provider URLs, after the
consumer's own parameters, by Java's rules (:mod:`~dubbopy.registry.configurator`), before they are
referred, so an override that changes ``weight`` or ``timeout`` re-refers exactly the providers it
touches; a provider left with ``disabled=true`` or ``enabled=false`` is skipped. ``routers`` URLs
(``route://…?router=condition&rule=…``) become a :class:`~dubbopy.cluster.router.chain.RouterChain`
beside the built-in :class:`~dubbopy.cluster.router.tag.TagRouter`, rebuilt when they change and applied
to every :meth:`~RegistryDirectory.list`; a rule that cannot be parsed is logged and skipped.

Provider URLs are merged with the consumer's own parameters the way Java does
(:func:`merge_consumer_params`).
"""

from __future__ import annotations

import asyncio
import builtins
import logging
from collections.abc import Callable, Sequence
from functools import partial
from typing import Final, Protocol, runtime_checkable

from dubbopy._net import local_host
from dubbopy.cluster.directory import Directory
from dubbopy.cluster.router import Router, RouterChain, build_routers
from dubbopy.cluster.router.tag import TAG_KEY, TagRouter
from dubbopy.cluster.status import StatusTable
from dubbopy.errors import ConfigError
from dubbopy.registry.base import CONFIGURATORS, EMPTY_PROTOCOL, PROVIDERS, ROUTERS, Registry
from dubbopy.registry.configurator import Configurator, configure, to_configurators
from dubbopy.registry.rules import condition_routers, configurator_rules, rule_key
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.url import URL

log = logging.getLogger(__name__)

#: Longest wait (seconds) for the calls still running on an invoker whose provider left before closing it.
RETIRE_GRACE: Final = 10.0
#: consumer parameters that are not copied onto provider URLs (Java's DefaultProviderURLMergeProcessor
#: also keeps the provider's own release, dubbo and dubbo.tag: a consumer asking for a tag must not make
#: every provider look tagged)
_CONSUMER_ONLY = frozenset(
    {"category", "check", "pid", "timestamp", "methods", "register", "subscribe", "release", "dubbo", TAG_KEY}
)
#: where config-centre condition rules run in the router chain: after the registry's condition routers
#: (priority 0, Java 2.7's place) and tag routing (100), in Java 3.x's order of service then application
SERVICE_RULE_PRIORITY: Final = 140
PROVIDER_APP_RULE_PRIORITY: Final = 145
APPLICATION_RULE_PRIORITY: Final = 150
#: consumer parameters that give way to the provider's own value when it has one
_PROVIDER_FIRST = ("group", "version", "generic")


def merge_consumer_params(provider: URL, consumer: URL) -> URL:
    """``provider`` with the consumer's parameters laid over it (Java ``ClusterUtils.mergeUrl``): the
    consumer's ``timeout``, ``retries``, ``loadbalance`` … and ``side=consumer`` win, the provider keeps its
    own ``group``/``version``/``generic`` and the keys above, and its ``application`` is kept as
    ``remote.application``."""
    own = provider.params
    params = {
        k: v
        for k, v in consumer.params.items()
        if k not in _CONSUMER_ONLY and v != "" and not (k in _PROVIDER_FIRST and own.get(k))
    }
    if own.get("application"):
        params["remote.application"] = own["application"]
    return provider.with_params(params) if params else provider


def is_enabled(url: URL) -> bool:
    """Java ``RegistryDirectory.toInvokers``: ``disabled`` (set by a configurator) if present, else
    ``enabled``, both read after the configurators ran."""
    if "disabled" in url.params:
        return not url.get_bool("disabled", False)
    return url.get_bool("enabled", True)


class Watch(Protocol):
    """A running config-centre watch (:class:`dubbopy.registry.zookeeper.registry.ConfigWatch`)."""

    async def ready(self) -> None:
        """Wait (bounded) for the first value."""

    def stop(self) -> None:
        """End it."""


@runtime_checkable
class ConfigCentre(Protocol):
    """A registry that is also a config centre (ZooKeeper): watches one key's text."""

    def watch_config(self, key: str, listener: Callable[[str | None], None]) -> Watch:
        """See :meth:`dubbopy.registry.zookeeper.registry.ZookeeperRegistry.watch_config`."""


class _Listener:
    """The listener of one registry: keeps that registry's latest lists, and the configurator rules of
    its config centre (the application's, then the service's, applied after the registry's own)."""

    def __init__(self, directory: RegistryDirectory, registry: Registry) -> None:
        self._directory = directory
        self.registry = registry
        self.providers: list[URL] = []
        self.configurators: list[Configurator] = []
        self.rules: dict[str, list[Configurator]] = {}
        self.routers: list[URL] = []
        self.rule_routers: dict[str, list[Router]] = {}
        self.watches: list[Watch] = []
        self.source: ConfigCentre | None = None
        self._provider_app = ""
        self._provider_app_watch: Watch | None = None

    def all_configurators(self) -> list[Configurator]:
        """The registry's configurators, then the config centre's, in the order Java applies them."""
        return [*self.configurators, *(rule for rules in self.rules.values() for rule in rules)]

    def on_rule(self, key: str, text: str | None) -> None:
        """A config-centre configurator rule changed (``None``: deleted). A rule that does not parse is
        logged and the previous one kept, as Java does."""
        try:
            rules = configurator_rules(text) if text and text.strip() else []
        except ConfigError as exc:
            log.error("ignoring the config-centre rule %s: %s", key, exc)
            return
        self.rules[key] = to_configurators(rules)
        self._directory.refresh()

    def on_condition_rule(self, key: str, priority: int, text: str | None) -> None:
        """A config-centre condition rule changed (``None``: deleted); one that does not parse is logged
        and the previous one kept."""
        try:
            routers = condition_routers(text, self._directory.url.interface, priority) if text and text.strip() else []
        except ConfigError as exc:
            log.error("ignoring the config-centre rule %s: %s", key, exc)
            return
        self.rule_routers[key] = routers
        self._directory.refresh_routers()

    def follow_provider_application(self) -> None:
        """Java 3.x's ``ProviderAppStateRouter``: watch the condition rule of the providers' own
        application (``{application}.condition-router``, read from the first provider), unless it is the
        consumer's; when the providers' application changes, the old rule goes."""
        providers = self.providers
        application = providers[0].get("application", "") if providers else ""
        if self.source is None or not application or application == self._provider_app:
            return
        if application == self._directory.url.get("application"):
            return
        self.stop_provider_application()
        self._provider_app = application
        key = f"{application}.condition-router"
        on_change = partial(self.on_condition_rule, key, PROVIDER_APP_RULE_PRIORITY)
        self._provider_app_watch = self.source.watch_config(key, on_change)

    def stop_provider_application(self) -> None:
        """Stop watching the providers' application rule (it changed, or the directory closes)."""
        watch, self._provider_app_watch = self._provider_app_watch, None
        if watch is not None:
            watch.stop()
        if self._provider_app:
            self.rule_routers.pop(f"{self._provider_app}.condition-router", None)
            self._provider_app = ""

    def notify(self, urls: Sequence[URL]) -> None:
        if not urls:
            return
        # Java UrlUtils.isRoute: a route:// URL is a router whatever its category says
        category = ROUTERS if urls[0].protocol == "route" else urls[0].get("category") or PROVIDERS
        live = [u for u in urls if u.protocol != EMPTY_PROTOCOL]
        if category == PROVIDERS:
            self.providers = live
            self.follow_provider_application()
        elif category == CONFIGURATORS:
            self.configurators = to_configurators(urls)
        elif category == ROUTERS:
            self.routers = live
            self._directory.refresh_routers()
            return
        else:
            return
        self._directory.refresh()


class RegistryDirectory(Directory):
    """See the module docstring. ``refer`` makes a protocol invoker for a provider URL."""

    def __init__(self, consumer_url: URL, registries: Sequence[Registry], refer: Callable[[URL], Invoker]) -> None:
        self._url = consumer_url
        self._registries = list(registries)
        self._refer = refer
        self._listeners = [_Listener(self, r) for r in self._registries]
        self._invokers: dict[str, Invoker] = {}
        self._current: builtins.list[Invoker] = []
        self._routers = RouterChain([TagRouter()])
        self._closed = False
        self._changed = asyncio.Event()
        self._statuses: StatusTable | None = None
        self._retiring: set[asyncio.Task[None]] = set()

    @property
    def url(self) -> URL:
        return self._url

    async def subscribe(self) -> None:
        """Subscribe on every registry, and watch the configurator rules of those that are config
        centres; the first notifications arrive before this returns."""
        for listener in self._listeners:
            await listener.registry.subscribe(self._url, listener)
            await self._watch_rules(listener)

    async def _watch_rules(self, listener: _Listener) -> None:
        """Java's consumer listens, in the config centre, to ``{application}.configurators`` and
        ``{interface}:{version}:{group}.configurators`` (applied in that order after the registry's own)
        and to the same keys with ``.condition-router`` (the service's rule routes after tag routing, then
        the application's: Java 3.x's orders 140 and 150). A ZooKeeper registry is a config centre unless
        its URL says ``use-as-config-center=false``. The watches start together."""
        registry = listener.registry
        source = getattr(registry, "registry", registry)  # through the cache wrapper
        if not isinstance(source, ConfigCentre) or not registry.address.url.get_bool("use-as-config-center", True):
            return
        application = self._url.get("application")
        prefixes = [application, rule_key(self._url)] if application else [rule_key(self._url)]
        watches: list[tuple[str, Callable[[str | None], None]]] = []
        for prefix in prefixes:
            key = f"{prefix}.configurators"
            listener.rules[key] = []  # keeps the order of application, whatever arrives first
            watches.append((key, partial(listener.on_rule, key)))
        for prefix in reversed(prefixes):
            key = f"{prefix}.condition-router"
            priority = APPLICATION_RULE_PRIORITY if prefix == application else SERVICE_RULE_PRIORITY
            watches.append((key, partial(listener.on_condition_rule, key, priority)))
        listener.watches = [source.watch_config(key, on_change) for key, on_change in watches]
        await asyncio.gather(*(watch.ready() for watch in listener.watches))
        listener.source = source
        listener.follow_provider_application()

    def refresh(self) -> None:
        """Rebuild the invoker list from every registry's latest notifications."""
        if self._closed:
            return
        wanted: dict[str, URL] = {}
        protocol = self._url.get("protocol")
        here = self._url.host or local_host()
        for listener in self._listeners:
            rules = listener.all_configurators()
            for provider in listener.providers:
                if protocol and provider.protocol != protocol:
                    continue  # the reference asked for one protocol (Java: ReferenceConfig.protocol)
                # as Java: merged with the consumer's parameters first, then the configurators
                url = configure(merge_consumer_params(provider, self._url), rules, here)
                if is_enabled(url):
                    wanted.setdefault(url.to_full_string(), url)
        invokers: dict[str, Invoker] = {}
        for key, url in wanted.items():
            invoker = self._invokers.get(key)
            if invoker is None:
                try:
                    invoker = self._refer(url)
                except Exception:  # one unusable provider URL must not hide the others
                    log.exception("cannot refer provider %s", url)
                    continue
            invokers[key] = invoker
        gone = [inv for key, inv in self._invokers.items() if key not in invokers]
        self._invokers = invokers
        self._current = list(invokers.values())
        self._changed.set()
        self._changed = asyncio.Event()
        for invoker in gone:
            task = asyncio.get_running_loop().create_task(self._retire(invoker))
            self._retiring.add(task)
            task.add_done_callback(self._retiring.discard)

    def track(self, statuses: StatusTable) -> None:
        """Remember the joining cluster's call counters (see :meth:`_retire`)."""
        self._statuses = statuses

    async def _retire(self, invoker: Invoker) -> None:
        """Close an invoker whose provider left once the calls still running on it have ended (at most
        :data:`RETIRE_GRACE` seconds), as Java's consumer waits for pending responses before closing a
        channel: a provider that unregisters before it stops loses no call in flight."""
        statuses = self._statuses
        url = invoker.url
        if statuses is not None:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + RETIRE_GRACE
            # counters have no event to wait on; a 20 ms poll for at most RETIRE_GRACE is cheap
            while statuses.get(url).active > 0 and loop.time() < deadline and not self._closed:  # noqa: ASYNC110
                await asyncio.sleep(0.02)
            statuses.forget(url)
        await invoker.close()

    def refresh_routers(self) -> None:
        """Rebuild the router chain from every registry's latest ``routers`` URLs (parsed here, once)."""
        rules = build_routers(u for listener in self._listeners for u in listener.routers)
        centre = [r for listener in self._listeners for routers in listener.rule_routers.values() for r in routers]
        self._routers = RouterChain([TagRouter(), *rules, *centre])

    def list(self, invocation: Invocation) -> Sequence[Invoker]:
        """The routed providers for ``invocation``, available or not: the cluster checks the one it picks
        (as Java does), so a call never scans every provider. The same list object comes back until the
        providers or the routers change; callers must not mutate it."""
        return self._routers.route(self._current, self._url, invocation)

    def all(self) -> builtins.list[Invoker]:
        return list(self._current)

    def is_available(self) -> bool:
        return not self._closed and any(i.is_available() for i in self._current)

    async def wait_for_providers(self, timeout: float) -> bool:  # noqa: ASYNC109 - a bounded wait by design
        """Wait until at least one provider is known (``check=true`` references); ``False`` on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._current:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return False
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                return False
        return True

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        for listener in self._listeners:
            listener.stop_provider_application()
            for watch in listener.watches:
                watch.stop()
            try:
                await listener.registry.unsubscribe(self._url, listener)
            except Exception:
                log.debug("unsubscribe failed", exc_info=True)
        invokers, self._invokers, self._current = list(self._invokers.values()), {}, []
        for invoker in invokers:
            await invoker.close()
        if self._retiring:  # they see the directory closed and close their invokers at once
            await asyncio.gather(*self._retiring, return_exceptions=True)
