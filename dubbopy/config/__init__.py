"""Configuration: dubbo-go's ``dubbogo.yml`` as frozen, validated config objects.

* :func:`load_config` reads the file (keys exactly as dubbo-go writes them, under ``dubbo:``), applies
  ``DUBBO_…`` environment overrides and ``${…}`` placeholders, and reports any bad key or value with
  its path in the file.
* :class:`DubboConfig` and its parts produce the Dubbo URLs they stand for (registry, protocol,
  provider and consumer URLs).
* :func:`build_server`, :func:`build_client` and :func:`reference_from_config` turn a config into a
  :class:`~dubbopy.Server` / :class:`~dubbopy.Client` and references.
"""

from __future__ import annotations

from dubbopy.config.bootstrap import build_client, build_server, reference_from_config, server_options
from dubbopy.config.loader import load_config
from dubbopy.config.model import (
    ApplicationConfig,
    ConsumerConfig,
    DubboConfig,
    MethodConfig,
    ProtocolConfig,
    ProviderConfig,
    ReferenceConfig,
    RegistryConfig,
    ServiceConfig,
)

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
    "build_client",
    "build_server",
    "load_config",
    "reference_from_config",
    "server_options",
]
