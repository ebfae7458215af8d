"""Loading a dubbo-go ``dubbogo.yml`` into a :class:`~dubbopy.config.model.DubboConfig`.

Order of work: parse the YAML with ``yaml.safe_load`` (plain data only, no object construction from the
file) → apply environment overrides → resolve ``${…}`` placeholders → check every key against the
schema and convert every value → build the frozen config objects. Every error is a
:class:`~dubbopy.errors.ConfigError` that starts with the dotted path of the key in the file, e.g.
``dubbo.registries.zk.timeout: '3x' is not a duration (…)``; unknown keys are refused with a
did-you-mean suggestion.

**Environment overrides.** A variable ``DUBBO_<PATH>`` sets the key at ``<PATH>``, written in upper case
with every ``.``, ``-`` and path separator as ``_``: ``DUBBO_APPLICATION_NAME`` sets
``dubbo.application.name``, ``DUBBO_REGISTRIES_ZK_ADDRESS`` sets ``dubbo.registries.zk.address``,
``DUBBO_REGISTRIES_ZK_REGISTRY_TYPE`` sets ``registry-type``, ``DUBBO_CONSUMER_REQUEST_TIMEOUT`` sets
``dubbo.consumer.request-timeout``. Ids (registries, protocols, services, references) match the ids
in the file case-insensitively; an id absent from the file is created, in lower case. Lists take a
comma-separated value (``DUBBO_PROVIDER_REGISTRY_IDS=zk,etcd``). The environment wins over the file.
Variables whose first word is not a section (``application``, ``registries``, ``protocols``,
``provider``, ``consumer``) are left alone, so dubbo-go's own ``DUBBO_GO_CONFIG_PATH``,
``DUBBO_IP_TO_REGISTRY`` … do not clash; one that names a section but no key is an error.

**Placeholders.** As in dubbo-go, a value ``${key}`` or ``${key:default}`` is replaced by the value of
another config key (``${dubbo.application.name}``); dubbopy also looks the name up in the environment
(``${ZK_ADDRESS:127.0.0.1:2181}``) and allows placeholders inside a longer string
(``zookeeper://${ZK_HOST}:2181``). A placeholder that resolves to nothing and has no default is an
error (dubbo-go silently uses an empty string).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final

from dubbopy.config.model import DubboConfig
from dubbopy.config.values import ListOf, MapOf, Nested, as_params, as_raw, did_you_mean
from dubbopy.errors import ConfigError

__all__ = ["CONFIG_PATH_ENV", "DEFAULT_CONFIG_PATH", "ENV_PREFIX", "UNSUPPORTED_SECTIONS", "load_config"]

log = logging.getLogger(__name__)

#: dubbo-go's variable naming the config file when :func:`load_config` is given none.
CONFIG_PATH_ENV: Final = "DUBBO_GO_CONFIG_PATH"
#: dubbo-go's default config file (relative to the working directory).
DEFAULT_CONFIG_PATH: Final = "../conf/dubbogo.yaml"
ENV_PREFIX: Final = "DUBBO_"
#: dubbo-go sections accepted and kept as parsed (``DubboConfig.unsupported``) but not acted on.
UNSUPPORTED_SECTIONS: Final = (
    "config-center",
    "metadata-report",
    "metrics",
    "otel",
    "tracing",
    "logger",
    "shutdown",
    "router",
    "custom",
    "profiles",
    "tls_config",
    "cache_file",
)
_PLACEHOLDER: Final = re.compile(r"\$\{([^{}:]+)(?::([^{}]*))?\}")

Source = str | os.PathLike[str] | Mapping[str, Any]


def load_config(source: Source | None = None, *, env: Mapping[str, str] | None = None) -> DubboConfig:
    """Load a ``dubbogo.yml``: a path (``Path``, or a string naming an existing file), YAML text, or an
    already parsed mapping. With no source, the file named by ``$DUBBO_GO_CONFIG_PATH`` or dubbo-go's
    default ``../conf/dubbogo.yaml``. ``env`` (default ``os.environ``) supplies overrides and
    placeholder values; pass ``{}`` to ignore the environment. See the module docstring.
    """
    environ: Mapping[str, str] = os.environ if env is None else env
    if source is None:
        source = Path(environ.get(CONFIG_PATH_ENV) or DEFAULT_CONFIG_PATH)
    origin = ""
    if isinstance(source, Mapping):
        data: object = source
    else:
        path = _as_path(source)
        if path is not None:
            origin = f"{path}: "
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise ConfigError(f"cannot read config file {str(path)!r}: {exc.strerror or exc}") from exc
        else:
            text = str(source)
        import yaml  # noqa: PLC0415 - only text and files need PyYAML; mappings load without it

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{origin}not valid YAML: {exc}") from exc
    try:
        return _load_tree(data, environ)
    except ConfigError as exc:
        if origin:
            raise ConfigError(f"{origin}{exc}") from exc
        raise


def _as_path(source: str | os.PathLike[str]) -> Path | None:
    if isinstance(source, os.PathLike):
        return Path(source)
    if "\n" not in source and source.strip() and Path(source).is_file():
        return Path(source)
    return None


def _load_tree(data: object, env: Mapping[str, str]) -> DubboConfig:
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        raise ConfigError(f"the config must be a mapping with a 'dubbo:' root, not {type(data).__name__}")
    if "dubbo" not in data and data:
        keys = [str(k) for k in data]
        close = [k for k in keys if did_you_mean(k, ["dubbo"])]
        hint = f" ({close[0]!r} looks like a misspelling of 'dubbo')" if close else ""
        raise ConfigError(f"no 'dubbo:' root key (found {', '.join(map(repr, keys))}){hint}")
    root = data.get("dubbo") or {}
    if not isinstance(root, Mapping):
        raise ConfigError(f"dubbo: {root!r} is not a mapping")
    tree: dict[str, Any] = _copy(root)
    _apply_env(tree, env)
    tree = _resolve(tree, "dubbo", {"dubbo": tree}, env)
    unsupported: dict[str, Any] = {key: tree.pop(key) for key in UNSUPPORTED_SECTIONS if key in tree}
    for key in unsupported:
        log.warning("dubbo.%s: dubbopy does not act on this dubbo-go section yet; it is kept as parsed", key)
    values = _build_fields(DubboConfig, tree, "dubbo", extra=UNSUPPORTED_SECTIONS)
    return DubboConfig(**values, unsupported=MappingProxyType(unsupported))


def _copy(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_copy(v) for v in value]
    return value


# ------------------------------------------------------------------------------------ schema walk


def _fields(cls: type[Any]) -> dict[str, dataclasses.Field[Any]]:
    """The schema of a config class: YAML key → field."""
    return {f.metadata["key"]: f for f in dataclasses.fields(cls) if "key" in f.metadata}


def _build(cls: type[Any], raw: object, path: str) -> Any:
    """One config object from its raw mapping; constructor errors get ``path`` in front."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise ConfigError(f"{path}: {raw!r} is not a mapping")
    values = _build_fields(cls, raw, path)
    try:
        return cls(**values)
    except ConfigError as exc:
        raise ConfigError(f"{path}.{exc}") from exc


def _build_fields(cls: type[Any], raw: Mapping[Any, Any], path: str, extra: tuple[str, ...] = ()) -> dict[str, Any]:
    schema = _fields(cls)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = str(key)
        here = f"{path}.{name}"
        field = schema.get(name)
        if field is None:
            hint = did_you_mean(name, [*schema, *extra])
            raise ConfigError(f"{here}: unknown key{hint}")
        kind = field.metadata["kind"]
        if value is None and not isinstance(kind, (Nested, MapOf, ListOf)):
            continue  # ``key:`` with no value: leave the default, as dubbo-go does
        values[field.name] = _convert(kind, value, here)
    for name, field in schema.items():
        if field.metadata["required"] and field.name not in values:
            raise ConfigError(f"{path}.{name}: is required")
    return values


def _convert(kind: Any, value: object, path: str) -> Any:
    if isinstance(kind, Nested):
        return _build(kind.cls, value, path)
    if isinstance(kind, MapOf):
        if value is None:
            return MappingProxyType({})
        if not isinstance(value, Mapping):
            raise ConfigError(f"{path}: {value!r} is not a mapping of ids")
        return MappingProxyType({str(k): _build(kind.cls, v, f"{path}.{k}") for k, v in value.items()})
    if isinstance(kind, ListOf):
        if value is None:
            return ()
        if not isinstance(value, list):
            raise ConfigError(f"{path}: {value!r} is not a list")
        return tuple(_build(kind.cls, v, f"{path}[{i}]") for i, v in enumerate(value))
    return kind(value, path)


# ------------------------------------------------------------------------------ environment overrides


def _words(key: str) -> list[str]:
    return re.split(r"[-._]", key.upper())


def _env_path(cls: type[Any], node: object, words: list[str]) -> list[str] | None:
    """The YAML key path under ``cls`` spelled by ``words`` (ids matched against ``node``), or ``None``."""
    for key, field in _fields(cls).items():
        kw = _words(key)
        if words[: len(kw)] != kw:
            continue
        rest = words[len(kw) :]
        kind = field.metadata["kind"]
        child = node.get(key) if isinstance(node, Mapping) else None
        sub: list[str] | None = None
        if isinstance(kind, Nested):
            sub = _env_path(kind.cls, child, rest)
        elif isinstance(kind, MapOf):
            sub = _env_map(kind.cls, child if isinstance(child, Mapping) else {}, rest)
        elif not rest and not isinstance(kind, ListOf) and kind not in (as_params, as_raw):
            sub = []
        if sub is not None:
            return [key, *sub]
    return None


def _env_map(cls: type[Any], existing: Mapping[Any, Any], words: list[str]) -> list[str] | None:
    """``[id, *key path]`` under a map of ``cls``: ids in the file first (longest first), else a new id
    made of the shortest run of leading words that leaves a valid key path."""
    for ident in sorted(existing, key=lambda k: -len(_words(str(k)))):
        iw = _words(str(ident))
        if words[: len(iw)] == iw:
            sub = _env_path(cls, existing[ident], words[len(iw) :])
            if sub is not None:
                return [str(ident), *sub]
    for cut in range(1, len(words)):
        sub = _env_path(cls, None, words[cut:])
        if sub is not None:
            return ["_".join(words[:cut]).lower(), *sub]
    return None


def _apply_env(tree: dict[str, Any], env: Mapping[str, str]) -> None:
    sections = list(_fields(DubboConfig))
    for name in sorted(env):
        if not name.startswith(ENV_PREFIX):
            continue
        words = name[len(ENV_PREFIX) :].split("_")
        section = next((k for k in sections if _words(k) == words[: len(_words(k))]), None)
        if section is None:
            continue
        resolved = _env_path(DubboConfig, tree, words)
        if resolved is None:
            raise ConfigError(f"environment variable {name} names no config key under dubbo.{section}")
        node: dict[str, Any] = tree
        for part in resolved[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = {}
                node[part] = child
            node = child
        node[resolved[-1]] = env[name]


# ------------------------------------------------------------------------------------- placeholders


def _lookup_key(root: Mapping[str, Any], dotted: str) -> object:
    node: Any = root
    for part in dotted.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return None if isinstance(node, (Mapping, list)) else node


def _resolve(value: Any, path: str, root: Mapping[str, Any], env: Mapping[str, str]) -> Any:
    if isinstance(value, dict):
        return {k: _resolve(v, f"{path}.{k}", root, env) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve(v, f"{path}[{i}]", root, env) for i, v in enumerate(value)]
    if not isinstance(value, str) or "${" not in value:
        return value

    def substitute(m: re.Match[str]) -> str:
        name, default = m.group(1).strip(), m.group(2)
        found = _lookup_key(root, name)
        if found is None or (isinstance(found, str) and "${" in found):
            found = env.get(name)
        if found is None:
            if default is None:
                raise ConfigError(
                    f"{path}: placeholder ${{{name}}} names no config key or environment variable "
                    f"and has no default (write ${{{name}:default}})"
                )
            found = default.strip()
        if isinstance(found, bool):
            return "true" if found else "false"
        return str(found)

    whole = _PLACEHOLDER.fullmatch(value.strip())
    if whole is not None:
        return substitute(whole)
    return _PLACEHOLDER.sub(substitute, value)
