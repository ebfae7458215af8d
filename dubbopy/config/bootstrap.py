"""From a loaded :class:`~dubbopy.config.model.DubboConfig` to a running :class:`~dubbopy.server.Server`
or :class:`~dubbopy.client.Client`.

::

    config = load_config("conf/dubbogo.yml")
    server = build_server(config, services={"GreeterProvider": Greeter()})
    await server.serve()

    client = build_client(config)
    greeter = GreeterStub(reference_from_config(client, config, "GreeterClientImpl"))

These are functions rather than ``Server.from_config`` / ``Client.from_config`` so that ``Server`` and
``Client`` keep their behaviour while registries are being wired into them. What they cannot honour yet
is refused instead of silently ignored: ``Server`` exports every service on every one of its protocols,
so services must share one protocol set. Registries named by services and references are given to the
server (which publishes there) and to the client (whose references without ``url`` discover there).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

from dubbopy.client import Client
from dubbopy.config.model import DubboConfig, ProtocolConfig
from dubbopy.config.values import did_you_mean
from dubbopy.errors import ConfigError
from dubbopy.interfaces import interface_of
from dubbopy.protocol.triple.client import ClientOptions
from dubbopy.protocol.triple.server import ServerOptions
from dubbopy.rpc.filter import Filter
from dubbopy.server import Server
from dubbopy.url import URL

__all__ = ["build_client", "build_server", "reference_from_config", "server_options"]


def _service_name(instance: Any) -> str:
    spec = interface_of(instance)
    if spec is not None:
        return spec.name
    descriptor = getattr(instance, "SERVICE", None)
    return str(getattr(descriptor, "name", ""))


def server_options(protocols: Sequence[ProtocolConfig], base: ServerOptions | None = None) -> ServerOptions:
    """``base`` (default :class:`ServerOptions`) with the protocols' ``max-server-recv-msg-size``; several
    protocols must agree, since one server shares its options."""
    options = base or ServerOptions()
    sizes = {p.max_server_recv_msg_size for p in protocols if p.max_server_recv_msg_size is not None}
    if len(sizes) > 1:
        raise ConfigError(f"protocols: max-server-recv-msg-size differs between protocols ({sorted(sizes)})")
    if sizes:
        options = dataclasses.replace(options, max_receive_message_size=sizes.pop())
    return options


def build_server(
    config: DubboConfig,
    services: Mapping[str, Any],
    *,
    options: ServerOptions | None = None,
    health: bool = True,
    reflection: bool = True,
) -> Server:
    """A :class:`Server` for ``config``'s provider: each ``services[id]`` implementation is added with
    ``provider.services[id]``'s version and group, on the protocols the services are exported on.

    Raises :class:`ConfigError` when an id is not in the config (or a configured service has no
    implementation), when a service's ``interface`` differs from the implementation's service name, or
    when services ask for different protocol sets.
    """
    configured = config.provider.services
    for sid in services:
        if sid not in configured:
            hint = did_you_mean(sid, configured) or f" (defined: {', '.join(configured) or 'none'})"
            raise ConfigError(f"dubbo.provider.services: no entry {sid!r} for the implementation given{hint}")
    missing = [sid for sid in configured if sid not in services]
    if missing:
        raise ConfigError(f"dubbo.provider.services.{missing[0]}: no implementation given for this service")
    if not configured:
        raise ConfigError("dubbo.provider.services: no service is configured")
    protocol_sets = {sid: tuple(config.service_protocols(sid)) for sid in configured}
    first_id, first = next(iter(protocol_sets.items()))
    for sid, ids in protocol_sets.items():
        if set(ids) != set(first):
            raise ConfigError(
                f"dubbo.provider.services.{sid}.protocol-ids: {list(ids)} differs from {first_id}'s "
                f"{list(first)}; a dubbopy Server exports every service on all of its protocols"
            )
    if not first:
        raise ConfigError("dubbo.protocols: no protocol is configured to export services on")
    protocols = [config.protocols[pid] for pid in first]
    server = Server(
        application=config.application.name or "dubbopy-provider",
        protocols=[p.to_url() for p in protocols],
        options=server_options(protocols, options),
        health=health,
        reflection=reflection,
        registries=_registries(config, [config.service_registries(sid) for sid in configured]),
    )
    for sid, instance in services.items():
        service = configured[sid]
        name = _service_name(instance)
        if service.interface and name and service.interface != name:
            raise ConfigError(
                f"dubbo.provider.services.{sid}.interface: {service.interface!r} but the implementation serves {name!r}"
            )
        # every setting of the service (tag, weight, timeout, methods…) goes on its provider URL
        params = {**config.application.url_params(), **service.url_params()}
        server.add(instance, version=service.version or None, group=service.group or None, params=params)
    return server


def build_client(
    config: DubboConfig, *, options: ClientOptions | None = None, filters: Sequence[Filter] = ()
) -> Client:
    """A :class:`Client` named after ``config.application``, with the registries its references use."""
    references = config.consumer.references
    return Client(
        application=config.application.name or "dubbopy-consumer",
        options=options,
        filters=filters,
        registries=_registries(config, [config.reference_registries(rid) for rid in references]),
    )


def _registries(config: DubboConfig, selections: Sequence[Mapping[str, Any]]) -> list[URL]:
    """The URLs of every registry some service/reference uses (each once, in the file's order)."""
    used = {rid for selection in selections for rid in selection}
    return [url for rid, url in config.registry_urls().items() if rid in used]


#: consumer URL parameters Client.reference sets itself from its own arguments
_SET_BY_CLIENT = frozenset({"side", "interface", "protocol", "version", "group", "cluster"})


def reference_from_config(client: Client, config: DubboConfig, rid: str, service: type[Any] | None = None) -> Any:
    """``client.reference(...)`` for ``consumer.references[rid]``: its direct ``url``, version, group and
    timeout (the consumer's ``request-timeout`` when unset). ``service`` is the ``@dubbopy.service`` /
    ``@dubbopy.interface`` class for Java-style interfaces; leave it out for generated stubs.

    Without ``url`` the reference goes through the client's registries (:func:`build_client` gives the
    client those the references use) with every setting of the reference on its consumer URL: cluster,
    load balancer, retries, timeout, ``methods`` overrides, ``force.tag``, ``params``.
    """
    reference = config.reference(rid)
    path = f"dubbo.consumer.references.{rid}"
    urls = reference.direct_urls()
    timeout = reference.timeout if reference.timeout is not None else config.consumer.request_timeout
    if not urls:
        # through the client's registries: a live directory behind the configured cluster. Every setting
        # goes on the consumer URL, the timeout too (in ms), so that a method's own timeout overrides it
        # as in Java; a call-wide default deadline would override the method's instead.
        params = {**config.application.url_params(), **reference.url_params(config.consumer)}
        discovered: dict[str, Any] = {
            "version": reference.version or None,
            "group": reference.group or None,
            "protocol": reference.protocol or config.consumer.protocol or None,
            "cluster": reference.cluster or "failover",
            "params": {k: v for k, v in params.items() if k not in _SET_BY_CLIENT},
        }
        if service is not None:
            return client.reference(service, **discovered)
        return client.reference(reference.interface, **discovered)
    if len(urls) > 1:
        raise ConfigError(f"{path}.url: several addresses need a cluster, which Client does not build yet")
    url = urls[0]
    protocol = reference.protocol or config.consumer.protocol
    if protocol and protocol != url.protocol:
        raise ConfigError(f"{path}.protocol: {protocol!r} but url uses {url.protocol!r}")
    kwargs: dict[str, Any] = {
        "url": url.replace(path=url.path or reference.interface),
        "version": reference.version or None,
        "group": reference.group or None,
        "timeout": timeout,
    }
    if service is not None:
        return client.reference(service, **kwargs)
    return client.reference(reference.interface, **kwargs)
