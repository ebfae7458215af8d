"""Condition routing rules: ``when => then``, parsed once into matchers (:class:`ConditionRule`).

The grammar and its meaning follow Java Dubbo 3.3's ``ConditionStateRouter`` and its condition matchers:

* ``method = find*,list* & host != 10.0.0.1 => host = 10.20.153.*`` — the **when** part selects calls,
  the **then** part selects the providers those calls may use. Without ``=>`` the whole rule is a then
  part. An empty when part (or ``true``) matches every call; an empty then part (or ``false``) matches no
  provider (a blacklist).
* A condition is ``key = v1,v2`` or ``key != v1,v2`` (both may be given for one key; ``!=`` wins);
  conditions are joined by ``&`` and all must hold. A key named twice gathers the values of both.
* A value is a glob with one ``*`` at its start, end or middle (``10.20.*``, ``*Service``, ``a*z``, ``*``),
  or a numeric range ``low~high`` (either end may be left out: ``~100``), or, in the then part,
  ``$key`` — the consumer URL's value of ``key`` (``$host`` keeps calls on the consumer's host).
* Keys of the when part are read from the consumer URL, those of the then part from each provider URL:
  any URL parameter, plus ``protocol``, ``host``, ``port``, ``address`` (``host:port``), ``path``.
  ``method`` in the when part is the called method. ``arguments[n]`` is the n-th call argument and
  ``attachments[name]`` a call attachment (when part only; in a then part they match nothing but ``*``).
  ``consumer.`` / ``provider.`` before a key are dropped, as in Java.
* A key the URL does not have fails its condition, whether ``=`` or ``!=`` (Java 3.x; 2.7 let a ``!=``
  pass).

Java's parser accepts some rules that can never match (a key without values, ``arguments`` without an
index); here those are errors too, so a typo is reported instead of silently routing nothing.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from dubbopy.errors import ConfigError
from dubbopy.rpc.invocation import Invocation
from dubbopy.url import URL

__all__ = ["ConditionRule", "url_sample"]

# A token: a run of separator characters, then a run of anything else but whitespace (Java ROUTE_PATTERN).
_TOKEN: Final = re.compile(r"([&!=,]*)\s*([^&!=,\s]+)")
_ARGUMENT_KEY: Final = re.compile(r"arguments\[([0-9]+)\]")
_ATTACHMENT_KEY: Final = re.compile(r"attachments\[(.+)\]")
_DIGITS: Final = re.compile(r"[0-9]+")
#: What an argument or attachment key reads where there is no call (then part) or no such argument; Java
#: uses a sentinel string too, so that only ``*`` and ``!=`` conditions hold.
_NOT_FOUND: Final = "\x00dubbopy:not-found"
_ROLE_PREFIXES: Final = ("consumer.", "provider.")


def url_sample(url: URL) -> dict[str, str]:
    """The values a rule key can read from ``url``: its parameters plus ``protocol``, ``username``,
    ``password``, ``host``, ``port``, ``path`` and ``address`` (Java ``URL.toOriginalMap``)."""
    sample = dict(url.params)
    sample["protocol"] = url.protocol
    for key, value in (("username", url.username), ("password", url.password), ("path", url.path)):
        if value:
            sample[key] = value
    if url.host:
        sample["host"] = url.host
        sample["address"] = url.address
    if url.port > 0:
        sample["port"] = str(url.port)
    return sample


def _raw_param(url: URL, key: str) -> str | None:
    """Java ``URL.getRawParameter``: what ``$key`` refers to."""
    if key in ("protocol", "username", "password", "host", "path"):
        value: str = getattr(url, key)
        return value
    if key == "port":
        return str(url.port)
    return url.params.get(key)


def _java_text(value: Any) -> str:
    """``String.valueOf`` of a call argument as Java would print it (``true``, ``null``, …)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return str(value)


def _glob(pattern: str | None, value: str) -> bool:
    """Java ``UrlUtils.isMatchGlobPattern``: one ``*`` (the last one counts), at start, end or middle."""
    if pattern == "*":
        return True
    if not pattern or not value:
        return not pattern and not value
    star = pattern.rfind("*")
    if star < 0:
        return value == pattern
    prefix, suffix = pattern[:star], pattern[star + 1 :]
    return value.startswith(prefix) and value.endswith(suffix)


def _java_int(text: str) -> int:
    """Java ``StringUtils.parseInteger``: digits only, anything else is 0."""
    return int(text) if _DIGITS.fullmatch(text) else 0


@dataclass(frozen=True, slots=True)
class _Value:
    """One value of a condition, classified once."""

    text: str
    ref: str | None  # ``$key``: resolved against the consumer URL (then part only)
    bounds: tuple[str, ...] | None  # ``low~high`` split as Java's String.split does

    @classmethod
    def of(cls, text: str) -> _Value:
        bounds = None
        if "~" in text:
            parts = text.split("~")
            while parts and not parts[-1]:  # Java's split drops trailing empty strings
                parts.pop()
            bounds = tuple(parts)
        return cls(text, text[1:] if text.startswith("$") else None, bounds)

    def matches(self, value: str, consumer: URL | None, when: bool) -> bool:
        if self.bounds is not None:
            return self._in_range(value, when)
        if self.ref is not None and consumer is not None:
            return _glob(_raw_param(consumer, self.ref), value)
        return _glob(self.text, value)

    def _in_range(self, value: str, when: bool) -> bool:
        # Java RangeValuePattern: an unusable range counts as "no match" in a when part, "match" in a then.
        bounds = self.bounds or ()
        if len(bounds) < 2 or not (bounds[0] or bounds[1]):
            return not when
        number = _java_int(value)
        low, high = bounds[0], bounds[1]
        if low and number < _java_int(low):
            return False
        return not (high and number > _java_int(high))


class _Source(Enum):
    PARAM = "param"
    ARGUMENT = "argument"
    ATTACHMENT = "attachment"


@dataclass(slots=True)
class _Condition:
    """``key = matches`` and/or ``key != mismatches`` (Java ``AbstractConditionMatcher``)."""

    key: str
    source: _Source
    index: int = 0  # arguments[index]
    name: str = ""  # attachments[name]
    matches: list[_Value] | None = None
    mismatches: list[_Value] | None = None

    def value(self, sample: Mapping[str, str], invocation: Invocation | None) -> str | None:
        if self.source is _Source.PARAM:
            if invocation is not None and self.key in ("method", "methods"):
                return invocation.method_name
            return sample.get(self.key)
        if invocation is None:
            return _NOT_FOUND
        if self.source is _Source.ATTACHMENT:
            found = invocation.attachments.get(self.name)
            return None if found is None else _java_text(found)
        arguments = invocation.arguments
        if not isinstance(arguments, tuple | list):
            arguments = (arguments,)  # Triple: the request message is the one argument
        return _java_text(arguments[self.index]) if self.index < len(arguments) else _NOT_FOUND

    def holds(self, sample: Mapping[str, str], consumer: URL | None, invocation: Invocation | None) -> bool:
        value = self.value(sample, invocation)
        if value is None:
            return False
        when = invocation is not None
        if self.mismatches and any(v.matches(value, consumer, when) for v in self.mismatches):
            return False
        if self.matches:
            return any(v.matches(value, consumer, when) for v in self.matches)
        return True


def _new_condition(key: str, rule: str) -> _Condition:
    for prefix in _ROLE_PREFIXES:
        if key.startswith(prefix) and len(key) > len(prefix):
            key = key[len(prefix) :]
    if key.startswith("arguments"):
        found = _ARGUMENT_KEY.match(key)
        if found is None:
            raise ConfigError(f"condition rule {rule!r}: key {key!r} must name an argument: arguments[0]")
        return _Condition(key, _Source.ARGUMENT, index=int(found.group(1)))
    if key.startswith("attachments"):
        found = _ATTACHMENT_KEY.match(key)
        if found is None:
            raise ConfigError(f"condition rule {rule!r}: key {key!r} must name an attachment: attachments[name]")
        return _Condition(key, _Source.ATTACHMENT, name=found.group(1))
    return _Condition(key, _Source.PARAM)


def _parse_part(part: str, rule: str) -> tuple[_Condition, ...]:
    """The conditions of one side of ``=>``; ConfigError naming the rule, the position and the problem."""
    conditions: dict[str, _Condition] = {}
    current: _Condition | None = None
    values: list[_Value] | None = None
    for token in _TOKEN.finditer(part):
        separator, content = token.group(1), token.group(2)
        where = f"condition rule {rule!r}: {separator!r} before {content!r} (at {token.start()} of {part!r})"
        if separator in ("", "&"):
            current = _new_condition(content, rule)
            if separator == "&" and current.key in conditions:
                current = conditions[current.key]  # a key named again gathers more values
            else:
                conditions[current.key] = current  # Java: a key without '&' before it starts afresh
            values = None
        elif separator in ("=", "!="):
            if current is None:
                raise ConfigError(f"{where}: a value needs a key before it")
            if separator == "=":
                values = current.matches = current.matches or []
            else:
                values = current.mismatches = current.mismatches or []
            values.append(_Value.of(content))
        elif separator == ",":
            if not values:
                raise ConfigError(f"{where}: ',' must follow a value")
            values.append(_Value.of(content))
        else:
            raise ConfigError(f"{where}: unknown separator (use '=', '!=', '&' or ',')")
    if not conditions:
        raise ConfigError(f"condition rule {rule!r}: {part!r} holds no condition")
    for condition in conditions.values():
        if not condition.matches and not condition.mismatches:
            raise ConfigError(f"condition rule {rule!r}: key {condition.key!r} has no '=' or '!=' value")
    return tuple(conditions.values())


@dataclass(frozen=True, slots=True)
class ConditionRule:
    """A parsed rule: ``when`` (empty: every call) and ``then`` (``None``: no provider)."""

    text: str
    when: tuple[_Condition, ...]
    then: tuple[_Condition, ...] | None

    @classmethod
    def parse(cls, text: str) -> ConditionRule:
        """Parse ``text`` (see the module docstring); ConfigError naming the rule when it is malformed."""
        if not text or not text.strip():
            raise ConfigError("condition rule is empty: give rule=<when> => <then>")
        arrow = text.find("=>")
        when_text = "" if arrow < 0 else text[:arrow].strip()
        then_text = text.strip() if arrow < 0 else text[arrow + 2 :].strip()
        when = () if when_text in ("", "true") else _parse_part(when_text, text)
        then = None if then_text in ("", "false") else _parse_part(then_text, text)
        return cls(text, when, then)

    @property
    def depends_on_call(self) -> bool:
        """Whether the when part reads arguments or attachments (more than the method name)."""
        return any(c.source is not _Source.PARAM for c in self.when)

    def matches_call(self, consumer_sample: Mapping[str, str], invocation: Invocation) -> bool:
        """Whether the when part holds for ``invocation`` of the consumer whose :func:`url_sample` is given."""
        return all(c.holds(consumer_sample, None, invocation) for c in self.when)

    def matches_provider(self, provider_sample: Mapping[str, str], consumer: URL) -> bool:
        """Whether the then part holds for a provider (its :func:`url_sample`); ``$key`` reads ``consumer``."""
        then = self.then
        return then is not None and all(c.holds(provider_sample, consumer, None) for c in then)
