"""The Dubbo URL: how every provider, consumer, registry and rule is described (``spec/url.md``).

A :class:`URL` is frozen and validated on construction. It is parsed and printed the way Java Dubbo does
it, because the printed string is what registries store and what Java and Go peers read back:

* :meth:`URL.parse` reads a plain URL string (Java ``URL.valueOf(s)``), :meth:`URL.parse_encoded` one
  that was form-encoded as a whole, such as a ZooKeeper node name (Java ``URL.valueOf(s, true)``).
* :meth:`URL.to_full_string` prints it as Java's ``toFullString()``: parameters sorted by key in UTF-16
  order, values raw (only trimmed), user and password included. ``str(url)`` is Java's ``toString()``,
  the same without user and password.
* :func:`url_encode` / :func:`url_decode` are ``java.net.URLEncoder`` / ``URLDecoder`` (UTF-8).

One deliberate difference from Java: an IPv6 host is printed in brackets (``[::1]:20880``) so that it can
be told apart from the port; both the bracketed form and Java's bare ``::1:20880`` are parsed.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Final, overload
from urllib.parse import quote_plus, unquote_plus

from dubbopy.errors import ConfigError

__all__ = ["DEFAULT_KEY_PREFIX", "URL", "url_decode", "url_encode"]

#: A parameter ``default.<key>`` also defines ``<key>`` when that is absent (``spec/url.md`` §1).
DEFAULT_KEY_PREFIX: Final = "default."

# Java's String.trim() strips every char <= U+0020, unlike str.strip().
_JAVA_TRIM: Final = "".join(chr(c) for c in range(0x21))
_BAD_ESCAPE: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")
_PARAM_SEP: Final = re.compile(r"[&;]")
_ENCODED_PARAM_SEP: Final = re.compile(r"&|;|%26|%3[Bb]")
_ENCODED_EQUALS: Final = re.compile(r"=|%3[Dd]")
_LEADING_EQUALS: Final = re.compile(r"\A(?:=|%3[Dd])+")
_ENCODED_QUESTION: Final = re.compile(r"%3[Ff]")
_BRACKETED_HOST: Final = re.compile(r"\[([^\]]*)\](?::(.*))?")
_INT: Final = re.compile(r"[+-]?[0-9]+")
_COMMA_LIST: Final = re.compile(r"\s*,+\s*")
_PROTOCOL_FORBIDDEN: Final = frozenset(":/?@&=#[] \t\r\n")
_KEY_FORBIDDEN: Final = frozenset("&;=")


def url_encode(text: str) -> str:
    """Form-encode ``text`` exactly as ``java.net.URLEncoder.encode(text, "UTF-8")`` does.

    ``A-Z a-z 0-9 . - * _`` are kept, space becomes ``+``, everything else ``%XX`` (upper-case hex of the
    UTF-8 bytes; an unpaired surrogate becomes ``%3F`` like Java's ``?`` replacement).
    """
    # quote_plus keeps "~" where URLEncoder encodes it (spec/service-discovery.md §2.1).
    return quote_plus(text, safe="*", errors="replace").replace("~", "%7E")


def url_decode(text: str) -> str:
    """Form-decode ``text`` as ``java.net.URLDecoder.decode(text, "UTF-8")`` does.

    ``+`` becomes a space and ``%XX`` runs are decoded as UTF-8 (invalid bytes become U+FFFD). Go's
    ``url.QueryEscape`` output (``~`` kept, ``*`` encoded) decodes to the same text. A ``%`` that is not
    followed by two hex digits raises :class:`~dubbopy.errors.ConfigError`, as Java does.
    """
    if "%" not in text:
        return text.replace("+", " ")
    bad = _BAD_ESCAPE.search(text)
    if bad is not None:
        raise ConfigError(f"malformed %-escape at index {bad.start()} of {text!r}")
    return unquote_plus(text, errors="replace")


def _java_trim(value: str) -> str:
    return value.strip(_JAVA_TRIM)


def _utf16_key(key: str) -> bytes:
    # Java's TreeMap<String> orders by UTF-16 code units; big-endian UTF-16 bytes compare the same way.
    return key.encode("utf-16-be", "surrogatepass")


def _sorted_keys(keys: Iterable[str]) -> list[str]:
    keys = list(keys)
    if all(k.isascii() for k in keys):
        return sorted(keys)
    return sorted(keys, key=_utf16_key)


def _add_param(params: dict[str, str], name: str, value: str) -> None:
    params[name] = value
    if name.startswith(DEFAULT_KEY_PREFIX) and len(name) > len(DEFAULT_KEY_PREFIX):
        params.setdefault(name[len(DEFAULT_KEY_PREFIX) :], value)


def _parse_params(query: str) -> dict[str, str]:
    """Java ``URLStrParser.parseDecodedParams``: split on ``&``/``;``, key ends at the first ``=``."""
    params: dict[str, str] = {}
    for raw in _PARAM_SEP.split(query):
        # Java skips "=" at the start of a name, so "=v" is the key "v".
        part = raw.lstrip("=")
        if part:
            name, _, value = part.partition("=")
            _add_param(params, name, value)
    return params


def _parse_encoded_params(query: str) -> dict[str, str]:
    """Java ``URLStrParser.parseEncodedParams``: separators may be raw or encoded, each part decoded once."""
    params: dict[str, str] = {}
    for raw in _ENCODED_PARAM_SEP.split(query):
        part = _LEADING_EQUALS.sub("", raw)
        if not part:
            continue
        eq = _ENCODED_EQUALS.search(part)
        if eq is None:
            _add_param(params, url_decode(part), "")
        else:
            _add_param(params, url_decode(part[: eq.start()]), url_decode(part[eq.end() :]))
    return params


def _is_ipv6_literal(host: str) -> bool:
    if ":" not in host:
        return False
    try:
        ipaddress.IPv6Address(host)
    except ValueError:
        return False
    return True


def _parse_port(text: str, source: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise ConfigError(f"URL port {text!r} is not a number in {source!r}")
    port = int(text)
    if port > 65535:
        raise ConfigError(f"URL port {port} is out of range 0-65535 in {source!r}")
    return port


def _split_host_port(hostport: str, source: str) -> tuple[str, int]:
    if hostport.startswith("["):
        if "]" not in hostport:
            raise ConfigError(f"URL host {hostport!r} has '[' without ']' in {source!r}")
        m = _BRACKETED_HOST.fullmatch(hostport)
        if m is not None:
            host, port_text = m.group(1), m.group(2)
            if not _is_ipv6_literal(host):
                raise ConfigError(f"URL host [{host}] is not an IPv6 address in {source!r}")
            return host, (0 if port_text is None else _parse_port(port_text, source))
        # Not "[v6]" or "[v6]:port", e.g. "[::1]:2181,[::2]:2181": fall through to Java's rule.
    colon = hostport.rfind(":")
    # Java splits at the last ":" unless a "%" (IPv6 scope id) follows it.
    if colon < 0 or "%" in hostport[colon + 1 :]:
        return hostport, 0
    return hostport[:colon], _parse_port(hostport[colon + 1 :], source)


class URL:
    """A frozen Dubbo URL: ``protocol://[username[:password]@]host[:port][/path][?key=value&...]``.

    ``path`` is Java's: without a leading ``/`` (``org.apache.dubbo.demo.DemoService``). ``host`` is an
    IPv6 address without brackets, or whatever Java keeps there (a registry list such as
    ``10.0.0.1:2181,10.0.0.2`` with the last port in ``port``). ``params`` is a read-only mapping; use
    :meth:`with_params` / :meth:`without_params` / :meth:`replace` to derive new URLs.

    Raises :class:`~dubbopy.errors.ConfigError` naming the bad part when a value is invalid.
    """

    __slots__ = (
        "_full",
        "_hash",
        "_host",
        "_ints",
        "_params",
        "_password",
        "_path",
        "_port",
        "_protocol",
        "_str",
        "_username",
    )

    _protocol: str
    _username: str
    _password: str
    _host: str
    _port: int
    _path: str
    _params: Mapping[str, str]
    _full: str | None
    _str: str | None
    _hash: int | None
    _ints: dict[tuple[object, ...], int] | None

    def __init__(
        self,
        protocol: str,
        host: str = "",
        port: int = 0,
        path: str = "",
        params: Mapping[str, str] | None = None,
        *,
        username: str = "",
        password: str = "",
    ) -> None:
        _check_str("protocol", protocol)
        if _PROTOCOL_FORBIDDEN.intersection(protocol):
            raise ConfigError(f"URL protocol {protocol!r} contains a reserved character")
        _check_str("host", host)
        if "/" in host or "?" in host or "@" in host:
            raise ConfigError(f"URL host {host!r} contains '/', '?' or '@'")
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ConfigError(f"URL port {port!r} is not an integer in 0-65535")
        _check_str("path", path)
        if "?" in path:
            raise ConfigError(f"URL path {path!r} contains '?'")
        _check_str("username", username)
        _check_str("password", password)
        if "@" in username or ":" in username or "/" in username:
            raise ConfigError(f"URL username {username!r} contains '@', ':' or '/'")
        if "@" in password or "/" in password:
            raise ConfigError("URL password contains '@' or '/'")
        own: dict[str, str] = {}
        if params:
            for key, value in params.items():
                _check_param(key, value)
                own[key] = value
        setattr_ = object.__setattr__
        setattr_(self, "_protocol", protocol)
        setattr_(self, "_username", username)
        setattr_(self, "_password", password)
        setattr_(self, "_host", host)
        setattr_(self, "_port", port)
        setattr_(self, "_path", path)
        setattr_(self, "_params", MappingProxyType(own))
        setattr_(self, "_full", None)
        setattr_(self, "_str", None)
        setattr_(self, "_hash", None)
        setattr_(self, "_ints", None)

    @property
    def protocol(self) -> str:
        """``dubbo``, ``tri``, ``zookeeper``, …; ``""`` for a bare ``host:port``."""
        return self._protocol

    @property
    def username(self) -> str:
        """User name, ``""`` when absent."""
        return self._username

    @property
    def password(self) -> str:
        """Password, ``""`` when absent; never shown by ``str()``."""
        return self._password

    @property
    def host(self) -> str:
        """Host name or IP (IPv6 without brackets); ``""`` when absent."""
        return self._host

    @property
    def port(self) -> int:
        """Port, 0 when absent."""
        return self._port

    @property
    def path(self) -> str:
        """Path without the leading ``/`` (Java's model), ``""`` when absent."""
        return self._path

    # ----------------------------------------------------------------------------------------- parsing

    @classmethod
    def parse(cls, text: str) -> URL:
        """Parse a plain (not form-encoded) URL string as Java's ``URL.valueOf(text)``.

        Parameters are split on ``&`` and ``;``; a key without ``=`` gets ``""``; a repeated key keeps its
        last value; ``default.<key>`` also sets ``<key>`` if not yet set. ``file:/x`` (one slash) and a
        bare ``host:port`` without protocol are accepted as Java accepts them.
        """
        if not isinstance(text, str):
            raise ConfigError(f"URL must be a str, not {type(text).__name__}")
        s = _java_trim(text)
        if not s:
            raise ConfigError("URL is empty")
        q = s.find("?")
        if q < 0:
            return cls._from_body(s, {}, text)
        return cls._from_body(s[:q], _parse_params(s[q + 1 :]), text)

    @classmethod
    def parse_encoded(cls, text: str) -> URL:
        """Parse a form-encoded URL (a ZooKeeper node name, a ``refer=`` value) as Java's
        ``URL.valueOf(text, true)``.

        The query starts at the first ``%3F``. Separators (``&``/``%26``, ``;``/``%3B``, ``=``/``%3D``)
        are found before decoding, and each key and value is decoded once, so a value that was itself
        encoded (``%2526``) keeps its inner ``%26``. Without any ``%3F`` the whole text is decoded and
        parsed as :meth:`parse` would.
        """
        if not isinstance(text, str):
            raise ConfigError(f"URL must be a str, not {type(text).__name__}")
        s = _java_trim(text)
        if not s:
            raise ConfigError("URL is empty")
        bad = _BAD_ESCAPE.search(s)
        if bad is not None:
            raise ConfigError(f"malformed %-escape at index {bad.start()} of encoded URL {text!r}")
        q = _ENCODED_QUESTION.search(s)
        if q is None:
            return cls.parse(url_decode(s))
        return cls._from_body(url_decode(s[: q.start()]), _parse_encoded_params(s[q.end() :]), text)

    @classmethod
    def _from_body(cls, body: str, params: dict[str, str], source: str) -> URL:
        """Java ``URLStrParser.parseURLBody``: ``[protocol://][user[:password]@][host[:port]][/path]``."""
        start = 0
        protocol = ""
        sep = body.find("://")
        if sep >= 0:
            if sep == 0:
                raise ConfigError(f"URL has no protocol before '://': {source!r}")
            protocol, start = body[:sep], sep + 3
        else:
            sep = body.find(":/")
            if sep == 0:
                raise ConfigError(f"URL has no protocol before ':/': {source!r}")
            if sep > 0:
                protocol, start = body[:sep], sep + 1
        end = len(body)
        path = ""
        slash = body.find("/", start)
        if slash >= 0:
            path, end = body[slash + 1 :], slash
        username = password = ""
        at = body.rfind("@", start, end)
        if at > 0:
            username, _, password = body[start:at].partition(":")
            start = at + 1
        host, port = _split_host_port(body[start:end], source)
        try:
            return cls(protocol, host, port, path, params, username=username, password=password)
        except ConfigError as exc:
            raise ConfigError(f"{exc} (while parsing {source!r})") from None

    # ---------------------------------------------------------------------------------------- printing

    def _host_text(self) -> str:
        return f"[{self.host}]" if _is_ipv6_literal(self.host) else self.host

    def _build(self, with_user: bool) -> str:
        parts: list[str] = []
        if self.protocol:
            parts += (self.protocol, "://")
        if with_user and self.username:
            parts.append(self.username)
            if self.password:
                parts += (":", self.password)
            parts.append("@")
        if self.host:
            parts.append(self._host_text())
            if self.port > 0:
                parts += (":", str(self.port))
        if self.path:
            parts += ("/", self.path)
        params = self._params
        if params:
            sep = "?"
            for key in _sorted_keys(params):
                parts += (sep, key, "=", _java_trim(params[key]))
                sep = "&"
        return "".join(parts)

    def to_full_string(self) -> str:
        """Java ``toFullString()``: the string registries store; parameters sorted, values raw."""
        full = self._full
        if full is None:
            full = self._build(True)
            object.__setattr__(self, "_full", full)
        return full

    def to_string(self) -> str:
        """Java ``toString()``: as :meth:`to_full_string` without user and password."""
        text = self._str
        if text is None:
            text = self._build(False)
            object.__setattr__(self, "_str", text)
        return text

    def __str__(self) -> str:
        return self.to_string()

    def __repr__(self) -> str:
        return f"URL({self.to_string()!r})"

    # ------------------------------------------------------------------------------- value semantics

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"URL is immutable; use replace()/with_params() to change {name!r}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"URL is immutable; cannot delete {name!r}")

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, URL):
            return NotImplemented
        return (
            self.protocol == other.protocol
            and self.host == other.host
            and self.port == other.port
            and self.path == other.path
            and self.username == other.username
            and self.password == other.password
            and self._params == other._params
        )

    def __hash__(self) -> int:
        h = self._hash
        if h is None:
            h = hash(
                (
                    self.protocol,
                    self.username,
                    self.password,
                    self.host,
                    self.port,
                    self.path,
                    frozenset(self._params.items()),
                )
            )
            object.__setattr__(self, "_hash", h)
        return h

    def __reduce__(self) -> tuple[object, ...]:
        # copy/pickle would otherwise restore __slots__ through the blocked __setattr__.
        state: _State = (
            self.protocol,
            self.host,
            self.port,
            self.path,
            dict(self._params),
            self.username,
            self.password,
        )
        return (_unpickle, (state,))

    # ------------------------------------------------------------------------------------- parameters

    @property
    def params(self) -> Mapping[str, str]:
        """All parameters, read-only, raw (an empty value is ``""``)."""
        return self._params

    @overload
    def get(self, key: str) -> str | None: ...

    @overload
    def get(self, key: str, default: str) -> str: ...

    def get(self, key: str, default: str | None = None) -> str | None:
        """The value of ``key``, or ``default`` when it is missing **or empty** (as Java and Go read it)."""
        value = self._params.get(key)
        return value if value else default

    def get_int(self, key: str, default: int) -> int:
        """``key`` as an integer, ``default`` when missing or empty; ConfigError when not a number.
        Parsed once per URL (load balancers read weights on every call)."""
        return self._int(None, key, default)

    def get_bool(self, key: str, default: bool) -> bool:
        """``key`` as a boolean, ``default`` when missing or empty.

        Like Java's ``Boolean.parseBoolean``, only ``true`` (any case) is true; any other value is false,
        so that values such as ``generic=bean`` do not fail.
        """
        value = self._params.get(key)
        if not value:
            return default
        return value.lower() == "true"

    def get_list(self, key: str) -> tuple[str, ...]:
        """A comma-separated parameter (``methods``, ``category``, ``prefer.serialization``) as a tuple."""
        value = self._params.get(key)
        if not value:
            return ()
        return tuple(item for item in _COMMA_LIST.split(value.strip()) if item)

    def get_decoded(self, key: str, default: str | None = None) -> str | None:
        """A parameter whose value is form-encoded (``refer``, ``export``), decoded; Java
        ``getParameterAndDecoded``."""
        value = self._params.get(key)
        return url_decode(value) if value else default

    def get_method_param(self, method: str, key: str, default: str | None = None) -> str | None:
        """A method-level parameter: ``<method>.<key>``, then dubbo-go's ``methods.<method>.<key>``, then
        the service-level ``<key>``, then ``default`` (empty values count as missing).

        As in Java (``URLParam.getMethodParameterStrict``), method-level values are ignored when the URL has
        a ``methods`` list whose text does not contain ``method``."""
        params = self._params
        methods = params.get("methods")
        if not methods or method in methods:
            for name in (f"{method}.{key}", f"methods.{method}.{key}"):
                value = params.get(name)
                if value:
                    return value
        return params.get(key) or default

    def get_method_int(self, method: str, key: str, default: int) -> int:
        """:meth:`get_method_param` as an integer (``sayHello.timeout=7000``), parsed once per URL."""
        return self._int(method, key, default)

    def get_method_bool(self, method: str, key: str, default: bool) -> bool:
        """:meth:`get_method_param` read as :meth:`get_bool` reads (``sayHello.sticky=true``), once per URL."""
        ints = self._memo()
        memo = (method, key, "bool", default)
        found = ints.get(memo)
        if found is None:
            value = self.get_method_param(method, key)
            found = ints[memo] = default if not value else value.lower() == "true"
        return bool(found)

    def _memo(self) -> dict[tuple[object, ...], int]:
        """This (immutable) URL's table of parsed numbers and flags, made on first use."""
        ints = self._ints
        if ints is None:
            ints = {}
            object.__setattr__(self, "_ints", ints)
        return ints

    def _int(self, method: str | None, key: str, default: int) -> int:
        """The integer of ``key`` (of ``method`` when given), remembered in this (immutable) URL."""
        ints = self._memo()
        memo = (method, key, default)
        found = ints.get(memo)
        if found is None:
            value = self._params.get(key) if method is None else self.get_method_param(method, key)
            if not value:
                found = default
            elif _INT.fullmatch(value) is None:
                where = "" if method is None else f" for method {method!r}"
                raise ConfigError(f"URL parameter {key}={value!r}{where} is not an integer")
            else:
                found = int(value)
            ints[memo] = found
        return found

    # ------------------------------------------------------------------------------------ derivation

    def replace(
        self,
        *,
        protocol: str | None = None,
        host: str | None = None,
        port: int | None = None,
        path: str | None = None,
        params: Mapping[str, str] | None = None,
        username: str | None = None,
        password: str | None = None,
    ) -> URL:
        """A copy with the given parts changed (``None`` keeps a part)."""
        return URL(
            self.protocol if protocol is None else protocol,
            self.host if host is None else host,
            self.port if port is None else port,
            self.path if path is None else path,
            self._params if params is None else params,
            username=self.username if username is None else username,
            password=self.password if password is None else password,
        )

    def with_params(self, params: Mapping[str, str | int | bool] | None = None, /, **kwargs: str | int | bool) -> URL:
        """A copy with parameters added or replaced. Keys that are not identifiers
        (``prefer.serialization``) go in the mapping; ints are written in decimal, bools as
        ``true``/``false`` as Java writes them."""
        merged = dict(self._params)
        for source in (params or {}, kwargs):
            for key, value in source.items():
                merged[key] = _param_text(key, value)
        return self.replace(params=merged)

    def with_param(self, key: str, value: str | int | bool) -> URL:
        """A copy with one parameter set."""
        return self.with_params({key: value})

    def without_params(self, *keys: str) -> URL:
        """A copy without the given parameters (missing keys are ignored)."""
        if not any(k in self._params for k in keys):
            return self
        drop = set(keys)
        return self.replace(params={k: v for k, v in self._params.items() if k not in drop})

    # ------------------------------------------------------------------------------ service identity

    @property
    def interface(self) -> str:
        """The service interface: parameter ``interface``, else the path (Java ``getServiceInterface``)."""
        return self._params.get("interface") or self.path

    @property
    def group(self) -> str:
        """Parameter ``group`` or ``""``."""
        return self._params.get("group", "")

    @property
    def version(self) -> str:
        """Parameter ``version`` or ``""``."""
        return self._params.get("version", "")

    @property
    def service_key(self) -> str:
        """``[group/]interface[:version]`` (Java ``getServiceKey``; a ``0.0.0`` version is kept as Java
        does); ``""`` when the URL names no interface."""
        interface = self.interface
        if not interface:
            return ""
        key = f"{self.group}/{interface}" if self.group else interface
        return f"{key}:{self.version}" if self.version else key

    @property
    def protocol_service_key(self) -> str:
        """``service_key:protocol``, with no suffix for ``consumer://`` URLs (Java
        ``getProtocolServiceKey``, dubbo-go ``MatchKey``)."""
        key = self.service_key
        return key if self.protocol == "consumer" else f"{key}:{self.protocol}"

    @property
    def address(self) -> str:
        """``host:port`` (``[v6]:port`` for IPv6), or the host alone when the port is 0."""
        host = self._host_text()
        return f"{host}:{self.port}" if self.port > 0 else host

    def addresses(self) -> tuple[str, ...]:
        """Every address of a registry URL: the comma-separated host list plus the ``backup`` parameter."""
        found = [a for a in self.address.split(",") if a]
        found += self.get_list("backup")
        return tuple(found)


_State = tuple[str, str, int, str, dict[str, str], str, str]


def _unpickle(state: _State) -> URL:
    protocol, host, port, path, params, username, password = state
    return URL(protocol, host, port, path, params, username=username, password=password)


def _check_str(what: str, value: object) -> None:
    if not isinstance(value, str):
        raise ConfigError(f"URL {what} must be a str, not {type(value).__name__}")


def _check_param(key: object, value: object) -> None:
    if not isinstance(key, str) or not key:
        raise ConfigError(f"URL parameter key {key!r} must be a non-empty str")
    if _KEY_FORBIDDEN.intersection(key):
        raise ConfigError(f"URL parameter key {key!r} contains '&', ';' or '='")
    if not isinstance(value, str):
        raise ConfigError(f"URL parameter {key!r} must have a str value, not {type(value).__name__}")


def _param_text(key: str, value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return value
    raise ConfigError(f"URL parameter {key!r} must be a str, int or bool, not {type(value).__name__}")
