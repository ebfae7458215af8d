"""``consistenthash``: the same arguments go to the same provider, computed as Java Dubbo computes it.

Java's ``ConsistentHashLoadBalance`` (ketama): for each invoker, for ``i`` in ``0 .. hash.nodes/4 - 1``
(``hash.nodes`` default 160), the MD5 digest of ``"{host:port}{i}"`` (UTF-8) gives four ring points, the
little-endian unsigned 32-bit words of the digest; a later invoker takes a point an earlier one already
had. A call's key is the Java string forms of the arguments at the indexes of ``hash.arguments``
(default ``"0"``) concatenated; the first 32-bit word of its MD5 is looked up on the ring, and the first
point at or after it (wrapping to the lowest) names the invoker. Both parameters are read, method-level
first, from the first invoker's URL. The ring is rebuilt when the invoker list changes.
"""

from __future__ import annotations

import bisect
import hashlib
import re
from collections.abc import Sequence
from typing import Any, Final

from dubbopy.cluster.loadbalance.base import LoadBalance
from dubbopy.errors import ConfigError
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.url import URL

__all__ = ["DEFAULT_HASH_ARGUMENTS", "DEFAULT_HASH_NODES", "ConsistentHashLoadBalance", "HashRing", "java_string"]

#: Virtual nodes per invoker without a ``hash.nodes`` parameter.
DEFAULT_HASH_NODES: Final = 160
#: Argument indexes hashed without a ``hash.arguments`` parameter.
DEFAULT_HASH_ARGUMENTS: Final = "0"

_COMMA: Final = re.compile(r"\s*,+\s*")


def _md5(text: str) -> bytes:
    return hashlib.md5(text.encode("utf-8"), usedforsecurity=False).digest()


def _word(digest: bytes, number: int) -> int:
    """The ``number``-th little-endian unsigned 32-bit word of ``digest``."""
    return int.from_bytes(digest[number * 4 : number * 4 + 4], "little")


def java_string(value: Any) -> str:
    """``String.valueOf`` of the Java value ``value`` stands for: ``null``, ``true``/``false``, integers
    and strings as they are; anything else by ``str`` (floats and objects may differ from Java's
    ``toString``, so hash on string or integer arguments when Java consumers share the providers)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _arguments(invocation: Invocation) -> Sequence[Any]:
    arguments = invocation.arguments
    if arguments is None:
        return ()
    if isinstance(arguments, (tuple, list)):
        return arguments
    return (arguments,)  # one request message (Triple, generated stubs)


class HashRing:
    """The ring of one service method over a fixed invoker list."""

    __slots__ = ("_indexes", "_invokers", "_points", "_source", "_targets")

    def __init__(self, invokers: Sequence[Invoker], method: str) -> None:
        self._source = invokers  # directories hand out the same list object until it changes
        self._invokers = tuple(invokers)
        url = invokers[0].url
        replicas = url.get_method_int(method, "hash.nodes", DEFAULT_HASH_NODES)
        spec = url.get_method_param(method, "hash.arguments", DEFAULT_HASH_ARGUMENTS) or DEFAULT_HASH_ARGUMENTS
        items = _COMMA.split(spec.strip())
        while items and not items[-1]:
            items.pop()  # Java's String.split drops trailing empty items: "0,1," is "0" and "1"
        try:
            self._indexes = tuple(int(item) for item in items)
        except ValueError as exc:
            raise ConfigError(f"URL parameter hash.arguments={spec!r} is not a comma list of integers") from exc
        ring: dict[int, Invoker] = {}
        for invoker in invokers:
            address = invoker.url.address
            for i in range(replicas // 4):
                digest = _md5(f"{address}{i}")
                for h in range(4):
                    ring[_word(digest, h)] = invoker
        self._points = sorted(ring)
        self._targets = [ring[point] for point in self._points]

    def built_for(self, invokers: Sequence[Invoker]) -> bool:
        """Whether this ring was built over exactly ``invokers``."""
        if invokers is self._source:
            return True
        return len(invokers) == len(self._invokers) and all(
            a is b for a, b in zip(invokers, self._invokers, strict=True)
        )

    def key(self, invocation: Invocation) -> str:
        """The string hashed for ``invocation``."""
        arguments = _arguments(invocation)
        return "".join(java_string(arguments[i]) for i in self._indexes if 0 <= i < len(arguments))

    def select(self, invocation: Invocation) -> Invoker:
        """The invoker owning the ring point at or after the key's hash."""
        position = bisect.bisect_left(self._points, _word(_md5(self.key(invocation)), 0))
        return self._targets[position if position < len(self._targets) else 0]


class ConsistentHashLoadBalance(LoadBalance):
    """``consistenthash`` (dubbo-go: ``consistenthashing``); see the module documentation."""

    def __init__(self) -> None:
        super().__init__()
        self._rings: dict[str, HashRing] = {}

    def do_select(self, invokers: Sequence[Invoker], url: URL, invocation: Invocation) -> Invoker:
        """The invoker the arguments hash to."""
        key = f"{invokers[0].url.service_key}.{invocation.method_name}"
        ring = self._rings.get(key)
        if ring is None or not ring.built_for(invokers):
            ring = self._rings[key] = HashRing(invokers, invocation.method_name)
        return ring.select(invocation)
