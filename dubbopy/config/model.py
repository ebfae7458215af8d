"""The config tree of a ``dubbogo.yml`` file as frozen dataclasses, and the Dubbo URLs each part stands for.

The tree mirrors dubbo-go v3.3's ``global`` package as far as dubbopy uses it::

    DubboConfig                      dubbo:
     ├── application                   application: {name, version, owner, environment, ...}
     ├── registries   id → Registry    registries: {zk: {protocol, address, timeout, group, ...}}
     ├── protocols    id → Protocol    protocols: {tri: {name, ip, port, params}}
     ├── provider                      provider: {registry-ids, protocol-ids, services: {id → Service}}
     └── consumer                      consumer: {registry-ids, protocol, request-timeout, check,
                                                  references: {id → Reference}}

Each field names its YAML key (dubbo-go's spelling, kebab-case or dotted as dubbo-go writes it) in its
metadata; :mod:`dubbopy.config.loader` reads files by that schema. Objects can also be built directly in
code; they are validated on construction either way. Durations are seconds (``float``); retries and
weights are integers; ``None`` means "not set here, inherit" where dubbo-go inherits.
"""

# ruff: noqa: RUF009 - ``option()`` builds a ``dataclasses.field`` (with the YAML key as metadata), not a shared default
from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, TypeVar

from dubbopy.config.values import (
    ListOf,
    MapOf,
    Nested,
    as_bool,
    as_duration,
    as_int,
    as_list,
    as_params,
    as_raw,
    as_size,
    as_str,
    did_you_mean,
    millis,
    option,
)
from dubbopy.errors import ConfigError
from dubbopy.url import URL

__all__ = [
    "ApplicationConfig",
    "ConsumerConfig",
    "DubboConfig",
    "MethodConfig",
    "ProtocolConfig",
    "ProviderConfig",
    "ReferenceConfig",
    "RegistryConfig",
    "ServiceConfig",
]

_T = TypeVar("_T")

#: Default client ports of registries addressed without one.
_REGISTRY_PORTS = {"zookeeper": 2181, "etcdv3": 2379, "etcd": 2379, "nacos": 8848, "polaris": 8091}
_REGISTRY_TYPES = ("", "interface", "service", "all")


def _freeze_params(obj: object, *names: str) -> None:
    """Turn plain dicts passed by code into read-only mappings (values converted as the loader does)."""
    for name in names:
        value = getattr(obj, name)
        if not isinstance(value, MappingProxyType):
            object.__setattr__(obj, name, as_params(value, name))


def _require(obj: object, *names: str) -> None:
    for f in dataclasses.fields(obj):  # type: ignore[arg-type]
        if f.name in names and not getattr(obj, f.name):
            raise ConfigError(f"{f.metadata['key']}: is required")


def _put(params: dict[str, str], key: str, value: object) -> None:
    """Set a URL parameter when the config sets it (empty strings and ``None`` are "not set")."""
    if value is None or value in ("", ()):
        return
    if isinstance(value, bool):
        params[key] = "true" if value else "false"
    elif isinstance(value, tuple):
        params[key] = ",".join(value)
    else:
        params[key] = str(value)


@dataclasses.dataclass(frozen=True, slots=True)
class ApplicationConfig:
    """``dubbo.application``: who this process is (``application`` parameter of every URL)."""

    name: str = option("name", as_str, "")
    organization: str = option("organization", as_str, "")
    module: str = option("module", as_str, "")
    group: str = option("group", as_str, "")
    version: str = option("version", as_str, "")
    owner: str = option("owner", as_str, "")
    environment: str = option("environment", as_str, "")
    metadata_type: str = option("metadata-type", as_str, "local")
    tag: str = option("tag", as_str, "")
    metadata_service_port: int | None = option("metadata-service-port", as_int)
    metadata_service_protocol: str = option("metadata-service-protocol", as_str, "")

    def __post_init__(self) -> None:
        if self.metadata_type not in ("local", "remote"):
            raise ConfigError(f"metadata-type: {self.metadata_type!r} is neither 'local' nor 'remote'")

    def url_params(self) -> dict[str, str]:
        """The parameters Dubbo puts on provider and consumer URLs for the application."""
        params: dict[str, str] = {}
        _put(params, "application", self.name)
        _put(params, "application.version", self.version)
        _put(params, "organization", self.organization)
        _put(params, "module", self.module)
        _put(params, "owner", self.owner)
        _put(params, "environment", self.environment)
        return params


@dataclasses.dataclass(frozen=True, slots=True)
class RegistryConfig:
    """``dubbo.registries.<id>``: one registry cluster.

    ``address`` is ``host:port[,host:port…]`` or a full address with its protocol
    (``zookeeper://127.0.0.1:2181``), in which case ``protocol`` may be omitted, as in dubbo-go.
    ``registry_type`` is ``interface`` (interface-level), ``service`` (application-level) or ``all``;
    empty means application level in dubbo-go.
    """

    address: str = option("address", as_str, "", required=True)
    protocol: str = option("protocol", as_str, "")
    timeout: float = option("timeout", as_duration, 5.0)
    group: str = option("group", as_str, "")
    namespace: str = option("namespace", as_str, "")
    ttl: float = option("ttl", as_duration, 900.0)
    username: str = option("username", as_str, "")
    password: str = option("password", as_str, "")
    simplified: bool = option("simplified", as_bool, False)
    preferred: bool = option("preferred", as_bool, False)
    zone: str = option("zone", as_str, "")
    weight: int = option("weight", as_int, 0)
    params: Mapping[str, str] = option("params", as_params)
    registry_type: str = option("registry-type", as_str, "")
    use_as_meta_report: str = option("use-as-meta-report", as_str, "")
    use_as_config_center: str = option("use-as-config-center", as_str, "")

    def __post_init__(self) -> None:
        _freeze_params(self, "params")
        _require(self, "address")
        if not self.protocol and "://" not in self.address:
            raise ConfigError(
                f"protocol: is required when the address {self.address!r} names none (zookeeper, etcdv3, nacos)"
            )
        if self.registry_type not in _REGISTRY_TYPES:
            raise ConfigError(f"registry-type: {self.registry_type!r} is not one of interface, service, all")
        if self.weight < 0:
            raise ConfigError(f"weight: {self.weight} is negative")

    @property
    def scheme(self) -> str:
        """The registry's protocol: ``protocol``, or the scheme written in ``address``."""
        return self.protocol or self.address.split("://", 1)[0]

    def to_url(self) -> URL:
        """The registry URL Dubbo builds from this config: ``zookeeper://h1:2181?backup=h2:2181&timeout=…``.

        Several hosts become the first host plus a ``backup`` parameter (as Java's ``UrlUtils`` does),
        timeouts are written in milliseconds, ``username``/``password`` go in the user part.
        """
        address = self.address.strip()
        text = address if "://" in address else f"{self.scheme}://{address}"
        scheme, rest = text.split("://", 1)
        hostpart, sep, query = rest.partition("?")
        hosts = [h.strip() for h in hostpart.split(",") if h.strip()]
        if not hosts:
            raise ConfigError(f"address: {self.address!r} names no host")
        url = URL.parse(f"{self.protocol or scheme}://{hosts[0]}{sep}{query}")
        if not url.port:
            url = url.replace(port=_REGISTRY_PORTS.get(url.protocol, 0))
        backup = [*hosts[1:], *url.get_list("backup")]
        params: dict[str, str] = {}
        _put(params, "backup", ",".join(backup))
        _put(params, "timeout", millis(self.timeout))
        _put(params, "group", self.group)
        _put(params, "namespace", self.namespace)
        _put(params, "ttl", millis(self.ttl))
        _put(params, "simplified", self.simplified or None)
        _put(params, "preferred", self.preferred or None)
        _put(params, "zone", self.zone)
        _put(params, "weight", self.weight or None)
        _put(params, "registry-type", self.registry_type)
        params.update(self.params)
        return url.replace(username=self.username or url.username, password=self.password or url.password).with_params(
            params
        )


@dataclasses.dataclass(frozen=True, slots=True)
class ProtocolConfig:
    """``dubbo.protocols.<id>``: one port the provider listens on (``tri``, ``dubbo``).

    ``ip`` empty listens on every interface. ``triple`` (dubbo-go's Triple tuning block) is kept as
    parsed and not interpreted yet.
    """

    name: str = option("name", as_str, "dubbo", required=True)
    ip: str = option("ip", as_str, "")
    port: int = option("port", as_int, 20000)
    params: Mapping[str, str] = option("params", as_params)
    max_server_send_msg_size: int | None = option("max-server-send-msg-size", as_size)
    max_server_recv_msg_size: int | None = option("max-server-recv-msg-size", as_size)
    triple: Any = option("triple", as_raw)

    def __post_init__(self) -> None:
        _freeze_params(self, "params")
        _require(self, "name")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"port: {self.port} is not in 0-65535")

    def to_url(self) -> URL:
        """The protocol URL a server binds: ``tri://0.0.0.0:20000?…`` (port 0 picks a free port)."""
        return URL(self.name, self.ip or "0.0.0.0", self.port, params=dict(self.params))


@dataclasses.dataclass(frozen=True, slots=True)
class MethodConfig:
    """One entry of a service's or reference's ``methods:`` list: per-method overrides."""

    name: str = option("name", as_str, "", required=True)
    retries: int | None = option("retries", as_int)
    loadbalance: str = option("loadbalance", as_str, "")
    weight: int | None = option("weight", as_int)
    tps_limit_interval: str = option("tps.limit.interval", as_str, "")
    tps_limit_rate: str = option("tps.limit.rate", as_str, "")
    tps_limit_strategy: str = option("tps.limit.strategy", as_str, "")
    execute_limit: str = option("execute.limit", as_str, "")
    execute_limit_rejected_handler: str = option("execute.limit.rejected.handler", as_str, "")
    sticky: bool = option("sticky", as_bool, False)
    timeout: float | None = option("timeout", as_duration)

    def __post_init__(self) -> None:
        _require(self, "name")

    def url_params(self) -> dict[str, str]:
        """``<method>.<key>`` parameters, as Java writes method overrides on a URL."""
        own: dict[str, str] = {}
        _put(own, "timeout", None if self.timeout is None else millis(self.timeout))
        _put(own, "retries", self.retries)
        _put(own, "loadbalance", self.loadbalance)
        _put(own, "weight", self.weight)
        _put(own, "sticky", self.sticky or None)
        _put(own, "tps.limit.interval", self.tps_limit_interval)
        _put(own, "tps.limit.rate", self.tps_limit_rate)
        _put(own, "tps.limit.strategy", self.tps_limit_strategy)
        _put(own, "execute.limit", self.execute_limit)
        _put(own, "execute.limit.rejected.handler", self.execute_limit_rejected_handler)
        return {f"{self.name}.{key}": value for key, value in own.items()}


def _method_params(methods: tuple[MethodConfig, ...]) -> dict[str, str]:
    params: dict[str, str] = {}
    for method in methods:
        params.update(method.url_params())
    return params


def _check_methods(methods: tuple[MethodConfig, ...]) -> None:
    seen: set[str] = set()
    for i, method in enumerate(methods):
        if method.name in seen:
            raise ConfigError(f"methods[{i}].name: {method.name!r} appears twice")
        seen.add(method.name)


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceConfig:
    """``dubbo.provider.services.<id>``: one exported service.

    ``interface`` may be left empty when the implementation knows its service name (a generated servicer
    or an ``@dubbopy.service`` class). Empty ``protocol_ids``/``registry_ids`` inherit the provider's,
    then mean "all". ``timeout`` is not in dubbo-go's ``ServiceConfig`` but is in Java's; it is published
    on the provider URL, where consumers take it as their default.
    """

    interface: str = option("interface", as_str, "")
    protocol_ids: tuple[str, ...] = option("protocol-ids", as_list, ())
    registry_ids: tuple[str, ...] = option("registry-ids", as_list, ())
    version: str = option("version", as_str, "")
    group: str = option("group", as_str, "")
    serialization: str = option("serialization", as_str, "")
    timeout: float | None = option("timeout", as_duration)
    retries: int | None = option("retries", as_int)
    cluster: str = option("cluster", as_str, "failover")
    loadbalance: str = option("loadbalance", as_str, "random")
    filter: str = option("filter", as_str, "")
    methods: tuple[MethodConfig, ...] = option("methods", ListOf(MethodConfig))
    warmup: float | None = option("warmup", as_duration)
    params: Mapping[str, str] = option("params", as_params)
    token: str = option("token", as_str, "")
    accesslog: str = option("accesslog", as_str, "")
    tps_limiter: str = option("tps.limiter", as_str, "")
    tps_limit_interval: str = option("tps.limit.interval", as_str, "")
    tps_limit_rate: str = option("tps.limit.rate", as_str, "")
    tps_limit_strategy: str = option("tps.limit.strategy", as_str, "")
    tps_limit_rejected_handler: str = option("tps.limit.rejected.handler", as_str, "")
    execute_limit: str = option("execute.limit", as_str, "")
    execute_limit_rejected_handler: str = option("execute.limit.rejected.handler", as_str, "")
    auth: str = option("auth", as_str, "")
    not_register: bool = option("not_register", as_bool, False)
    param_sign: str = option("param.sign", as_str, "")
    tag: str = option("tag", as_str, "")
    weight: int | None = option("weight", as_int)
    tracing_key: str = option("tracing-key", as_str, "")

    def __post_init__(self) -> None:
        _freeze_params(self, "params")
        _check_methods(self.methods)
        if self.retries is not None and self.retries < 0:
            raise ConfigError(f"retries: {self.retries} is negative")

    def url_params(self) -> dict[str, str]:
        """This service's parameters on its provider URL (``interface``, ``version``, ``timeout`` in ms, …)."""
        params: dict[str, str] = {"side": "provider"}
        _put(params, "interface", self.interface)
        _put(params, "version", self.version)
        _put(params, "group", self.group)
        _put(params, "serialization", self.serialization)
        _put(params, "timeout", None if self.timeout is None else millis(self.timeout))
        _put(params, "retries", self.retries)
        _put(params, "cluster", self.cluster)
        _put(params, "loadbalance", self.loadbalance)
        _put(params, "service.filter", self.filter)
        _put(params, "warmup", None if self.warmup is None else millis(self.warmup))
        _put(params, "token", self.token)
        _put(params, "accesslog", self.accesslog)
        _put(params, "tps.limiter", self.tps_limiter)
        _put(params, "tps.limit.interval", self.tps_limit_interval)
        _put(params, "tps.limit.rate", self.tps_limit_rate)
        _put(params, "tps.limit.strategy", self.tps_limit_strategy)
        _put(params, "tps.limit.rejected.handler", self.tps_limit_rejected_handler)
        _put(params, "execute.limit", self.execute_limit)
        _put(params, "execute.limit.rejected.handler", self.execute_limit_rejected_handler)
        _put(params, "auth", self.auth)
        _put(params, "param.sign", self.param_sign)
        _put(params, "dubbo.tag", self.tag)
        _put(params, "weight", self.weight)
        params.update(_method_params(self.methods))
        params.update(self.params)
        return params

    def to_url(self, protocol: ProtocolConfig, *, application: ApplicationConfig | None = None) -> URL:
        """The provider URL this service is exported as on ``protocol``:
        ``tri://0.0.0.0:20000/<interface>?interface=…&side=provider&…``."""
        if not self.interface:
            raise ConfigError("interface: is required to build the provider URL")
        params = application.url_params() if application is not None else {}
        params.update(self.url_params())
        return protocol.to_url().replace(path=self.interface).with_params(params)


@dataclasses.dataclass(frozen=True, slots=True)
class ReferenceConfig:
    """``dubbo.consumer.references.<id>``: one service this process calls.

    ``url`` (one or more provider URLs separated by ``;``) makes a direct reference that bypasses the
    registries. Unset ``check``, ``timeout``, ``protocol`` and ``registry_ids`` inherit the consumer's.
    """

    interface: str = option("interface", as_str, "", required=True)
    url: str = option("url", as_str, "")
    protocol: str = option("protocol", as_str, "")
    registry_ids: tuple[str, ...] = option("registry-ids", as_list, ())
    version: str = option("version", as_str, "")
    group: str = option("group", as_str, "")
    timeout: float | None = option("timeout", as_duration)
    retries: int | None = option("retries", as_int)
    check: bool | None = option("check", as_bool)
    cluster: str = option("cluster", as_str, "")
    loadbalance: str = option("loadbalance", as_str, "")
    serialization: str = option("serialization", as_str, "")
    filter: str = option("filter", as_str, "")
    provided_by: str = option("provided_by", as_str, "")
    methods: tuple[MethodConfig, ...] = option("methods", ListOf(MethodConfig))
    async_: bool = option("async", as_bool, False)
    params: Mapping[str, str] = option("params", as_params)
    generic: str = option("generic", as_str, "")
    sticky: bool = option("sticky", as_bool, False)
    force_tag: bool = option("force.tag", as_bool, False)
    tracing_key: str = option("tracing-key", as_str, "")
    mesh_provider_port: int | None = option("mesh-provider-port", as_int)

    def __post_init__(self) -> None:
        _freeze_params(self, "params")
        _require(self, "interface")
        _check_methods(self.methods)
        if self.retries is not None and self.retries < 0:
            raise ConfigError(f"retries: {self.retries} is negative")
        self.direct_urls()  # validates ``url``

    def direct_urls(self) -> tuple[URL, ...]:
        """The provider URLs named by ``url`` (empty: the reference goes through registries)."""
        return tuple(URL.parse(part.strip()) for part in self.url.split(";") if part.strip())

    def url_params(self, consumer: ConsumerConfig | None = None) -> dict[str, str]:
        """This reference's parameters on its ``consumer://`` URL, consumer defaults applied."""
        consumer = consumer or ConsumerConfig()
        timeout = self.timeout if self.timeout is not None else consumer.request_timeout
        check = self.check if self.check is not None else consumer.check
        params: dict[str, str] = {"side": "consumer", "interface": self.interface}
        _put(params, "protocol", self.protocol or consumer.protocol)
        _put(params, "version", self.version)
        _put(params, "group", self.group)
        _put(params, "timeout", millis(timeout))
        _put(params, "retries", self.retries)
        _put(params, "check", check)
        _put(params, "cluster", self.cluster)
        _put(params, "loadbalance", self.loadbalance)
        _put(params, "serialization", self.serialization)
        _put(params, "reference.filter", self.filter or consumer.filter)
        _put(params, "provided-by", self.provided_by)
        _put(params, "async", self.async_ or None)
        _put(params, "generic", self.generic)
        _put(params, "sticky", self.sticky or None)
        _put(params, "dubbo.force.tag", self.force_tag or None)
        params.update(_method_params(self.methods))
        params.update(self.params)
        return params

    def to_url(
        self,
        *,
        application: ApplicationConfig | None = None,
        consumer: ConsumerConfig | None = None,
        host: str = "",
    ) -> URL:
        """The consumer URL of this reference: ``consumer://<host>/<interface>?interface=…&side=consumer``
        (what a consumer registers and subscribes with; the registry layer fills in ``host``)."""
        params = application.url_params() if application is not None else {}
        params.update(self.url_params(consumer))
        return URL("consumer", host, 0, self.interface, params)


@dataclasses.dataclass(frozen=True, slots=True)
class ProviderConfig:
    """``dubbo.provider``: defaults for every service, and the services themselves."""

    services: Mapping[str, ServiceConfig] = option("services", MapOf(ServiceConfig))
    registry_ids: tuple[str, ...] = option("registry-ids", as_list, ())
    protocol_ids: tuple[str, ...] = option("protocol-ids", as_list, ())
    filter: str = option("filter", as_str, "")
    register: bool = option("register", as_bool, True)
    tracing_key: str = option("tracing-key", as_str, "")
    proxy: str = option("proxy", as_str, "default")
    adaptive_service: bool = option("adaptive-service", as_bool, False)
    adaptive_service_verbose: bool = option("adaptive-service-verbose", as_bool, False)
    filter_conf: Any = option("filter_conf", as_raw)
    config_type: Mapping[str, str] = option("config_type", as_params)

    def __post_init__(self) -> None:
        _freeze_params(self, "config_type")
        if not isinstance(self.services, MappingProxyType):
            object.__setattr__(self, "services", MappingProxyType(dict(self.services)))


@dataclasses.dataclass(frozen=True, slots=True)
class ConsumerConfig:
    """``dubbo.consumer``: defaults for every reference, and the references themselves."""

    references: Mapping[str, ReferenceConfig] = option("references", MapOf(ReferenceConfig))
    registry_ids: tuple[str, ...] = option("registry-ids", as_list, ())
    protocol: str = option("protocol", as_str, "")
    request_timeout: float = option("request-timeout", as_duration, 3.0)
    check: bool = option("check", as_bool, True)
    filter: str = option("filter", as_str, "")
    proxy: str = option("proxy", as_str, "default")
    adaptive_service: bool = option("adaptive-service", as_bool, False)
    tracing_key: str = option("tracing-key", as_str, "")
    filter_conf: Any = option("filter-conf", as_raw)
    max_wait_time_for_service_discovery: float = option("max-wait-time-for-service-discovery", as_duration, 3.0)
    mesh_enabled: bool = option("mesh-enabled", as_bool, False)

    def __post_init__(self) -> None:
        if not isinstance(self.references, MappingProxyType):
            object.__setattr__(self, "references", MappingProxyType(dict(self.references)))


def _check_ids(path: str, ids: tuple[str, ...], known: Mapping[str, object], what: str) -> None:
    for name in ids:
        if name not in known:
            hint = did_you_mean(name, known) or f" (defined: {', '.join(known) or 'none'})"
            raise ConfigError(f"{path}: {name!r} is not a {what} id{hint}")


@dataclasses.dataclass(frozen=True, slots=True)
class DubboConfig:
    """The whole ``dubbo:`` tree. Registry and protocol ids used by services and references must exist.

    ``unsupported`` keeps dubbo-go sections dubbopy reads but does not act on yet (``metrics``,
    ``config-center``, ``logger``, …), as parsed.
    """

    application: ApplicationConfig = option("application", Nested(ApplicationConfig))
    registries: Mapping[str, RegistryConfig] = option("registries", MapOf(RegistryConfig))
    protocols: Mapping[str, ProtocolConfig] = option("protocols", MapOf(ProtocolConfig))
    provider: ProviderConfig = option("provider", Nested(ProviderConfig))
    consumer: ConsumerConfig = option("consumer", Nested(ConsumerConfig))
    unsupported: Mapping[str, Any] = dataclasses.field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        for name in ("registries", "protocols", "unsupported"):
            value = getattr(self, name)
            if not isinstance(value, MappingProxyType):
                object.__setattr__(self, name, MappingProxyType(dict(value)))
        regs, protos = self.registries, self.protocols
        _check_ids("dubbo.provider.registry-ids", self.provider.registry_ids, regs, "registry")
        _check_ids("dubbo.provider.protocol-ids", self.provider.protocol_ids, protos, "protocol")
        _check_ids("dubbo.consumer.registry-ids", self.consumer.registry_ids, regs, "registry")
        for sid, service in self.provider.services.items():
            base = f"dubbo.provider.services.{sid}"
            _check_ids(f"{base}.registry-ids", service.registry_ids, regs, "registry")
            _check_ids(f"{base}.protocol-ids", service.protocol_ids, protos, "protocol")
        for rid, reference in self.consumer.references.items():
            _check_ids(f"dubbo.consumer.references.{rid}.registry-ids", reference.registry_ids, regs, "registry")

    # -------------------------------------------------------------------------------- look-ups

    def service(self, sid: str) -> ServiceConfig:
        """``provider.services[sid]``; a :class:`ConfigError` with a suggestion if there is none."""
        return _lookup(self.provider.services, sid, "dubbo.provider.services")

    def reference(self, rid: str) -> ReferenceConfig:
        """``consumer.references[rid]``; a :class:`ConfigError` with a suggestion if there is none."""
        return _lookup(self.consumer.references, rid, "dubbo.consumer.references")

    def service_protocols(self, sid: str) -> dict[str, ProtocolConfig]:
        """The protocols ``sid`` is exported on: its ``protocol-ids``, else the provider's, else all."""
        ids = self.service(sid).protocol_ids or self.provider.protocol_ids or tuple(self.protocols)
        return {pid: self.protocols[pid] for pid in ids}

    def service_registries(self, sid: str) -> dict[str, RegistryConfig]:
        """The registries ``sid`` is registered in (none with ``not_register`` or ``register: false``)."""
        service = self.service(sid)
        if service.not_register or not self.provider.register:
            return {}
        ids = service.registry_ids or self.provider.registry_ids or tuple(self.registries)
        return {i: self.registries[i] for i in ids}

    def reference_registries(self, rid: str) -> dict[str, RegistryConfig]:
        """The registries ``rid`` subscribes to: its ``registry-ids``, else the consumer's, else all."""
        ids = self.reference(rid).registry_ids or self.consumer.registry_ids or tuple(self.registries)
        return {i: self.registries[i] for i in ids}

    # ------------------------------------------------------------------------------------ URLs

    def registry_urls(self) -> dict[str, URL]:
        """Every registry's URL by id."""
        return {rid: registry.to_url() for rid, registry in self.registries.items()}

    def service_urls(self, sid: str) -> list[URL]:
        """The provider URLs of service ``sid``, one per protocol it is exported on."""
        service = self.service(sid)
        return [service.to_url(p, application=self.application) for p in self.service_protocols(sid).values()]

    def reference_url(self, rid: str, *, host: str = "") -> URL:
        """The ``consumer://`` URL of reference ``rid`` with the consumer's defaults applied."""
        return self.reference(rid).to_url(application=self.application, consumer=self.consumer, host=host)


def _lookup(items: Mapping[str, _T], key: str, path: str) -> _T:
    try:
        return items[key]
    except KeyError:
        hint = did_you_mean(key, items) or f" (defined: {', '.join(items) or 'none'})"
        raise ConfigError(f"{path}: no entry {key!r}{hint}") from None
