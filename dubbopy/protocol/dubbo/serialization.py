"""The serializations a Dubbo body may use, by the id in the frame header (``spec/dubbo-protocol.md``
§1.1).

The codec sees a serialization through three small contracts: a :class:`ValueWriter` that appends
values to one body, a :class:`ValueReader` that reads them back in order, and the
:class:`Serialization` that makes both. One writer or reader serves exactly one body, because Hessian2's
reference, class and type tables live for the whole body (``spec/hessian2.md`` §1).

Only hessian2 (id 2, the default of every Java and Go peer) is built in; :class:`SerializationTable`
maps ids to implementations so a test or an extension can add another.
"""

from __future__ import annotations

import abc
from collections.abc import Iterable, Mapping
from typing import Any, Final, Protocol

from dubbopy.errors import ConfigError
from dubbopy.serialization.hessian2 import ClassRegistry, Hessian2Decoder, Hessian2Encoder

__all__ = [
    "HESSIAN2_SERIALIZATION",
    "Hessian2Serialization",
    "Serialization",
    "SerializationTable",
    "ValueReader",
    "ValueWriter",
    "default_serializations",
]


class ValueWriter(Protocol):
    """Appends values to one message body."""

    def write(self, value: Any) -> None:
        """Append ``value`` in the wire form its Python type implies."""

    def write_as(self, value: Any, java_type: str) -> None:
        """Append ``value`` in the wire form of the declared Java type (``int``, ``[I``, a class name)."""

    def getvalue(self) -> bytes:
        """Everything written so far."""


class ValueReader(Protocol):
    """Reads the values of one message body, in order."""

    def read(self) -> Any:
        """The next value."""

    def read_as(self, java_type: str) -> Any:
        """The next value, read as the declared Java type."""

    @property
    def at_end(self) -> bool:
        """Whether every byte has been read."""


class Serialization(abc.ABC):
    """One body format. Implementations are stateless apart from configuration, and thread-safe."""

    #: the id carried in the low five bits of the flag byte
    id: int
    #: the name used in URLs (``serialization=hessian2``, ``prefer.serialization``)
    name: str
    #: the encoding of ``null``, which is also the body of a heartbeat (§4)
    null: bytes

    @abc.abstractmethod
    def writer(self) -> ValueWriter:
        """A writer for one new body."""

    @abc.abstractmethod
    def reader(self, data: bytes) -> ValueReader:
        """A reader over one received body."""


class Hessian2Serialization(Serialization):
    """Hessian2 (id 2) through :mod:`dubbopy.serialization.hessian2`.

    ``registry`` maps Java class names to Python classes for decoding; ``None`` uses the codec's default
    registry (where ``@java_class`` registers).
    """

    id = 2
    name = "hessian2"
    null = b"N"

    def __init__(self, registry: ClassRegistry | None = None) -> None:
        self.registry = registry

    def writer(self) -> ValueWriter:
        return Hessian2Encoder(registry=self.registry)

    def reader(self, data: bytes) -> ValueReader:
        # keep_java_types: an Integer in an Object slot stays a JInt, so echoing it back sends an Integer
        return Hessian2Decoder(data, registry=self.registry, keep_java_types=True)


#: The hessian2 serialization with the default class registry.
HESSIAN2_SERIALIZATION: Final = Hessian2Serialization()


class SerializationTable:
    """Serializations by id and by name; the first one given is the default for sending."""

    __slots__ = ("_by_id", "_by_name", "default")

    def __init__(self, serializations: Iterable[Serialization]) -> None:
        items = list(serializations)
        if not items:
            raise ConfigError("a Dubbo endpoint needs at least one serialization")
        self._by_id: dict[int, Serialization] = {}
        self._by_name: dict[str, Serialization] = {}
        for serialization in items:
            if not 0 < serialization.id <= 0x1F:
                raise ConfigError(f"serialization id {serialization.id} of {serialization.name!r} is not in 1-31")
            self._by_id.setdefault(serialization.id, serialization)
            self._by_name.setdefault(serialization.name, serialization)
        self.default = items[0]

    def by_id(self, serialization_id: int) -> Serialization | None:
        """The serialization with this id, or ``None``."""
        return self._by_id.get(serialization_id)

    def by_name(self, name: str) -> Serialization | None:
        """The serialization called ``name``, or ``None``."""
        return self._by_name.get(name)

    @property
    def names(self) -> Mapping[str, Serialization]:
        """Every serialization by name."""
        return self._by_name

    def choose(self, preferred: Iterable[str], configured: str | None) -> Serialization:
        """The serialization a consumer sends with (Java ``UrlUtils.serializationOrDefault``): the first
        of the provider's ``prefer.serialization`` it supports, else ``serialization``, else the default.

        Raises :class:`~dubbopy.errors.ConfigError` when ``serialization`` names one that is not
        supported and nothing preferred is.
        """
        for name in preferred:
            found = self._by_name.get(name)
            if found is not None:
                return found
        if configured:
            found = self._by_name.get(configured)
            if found is None:
                known = ", ".join(sorted(self._by_name))
                raise ConfigError(f"serialization={configured!r} is not supported by dubbopy (supported: {known})")
            return found
        return self.default


def default_serializations() -> SerializationTable:
    """A table with hessian2 only."""
    return SerializationTable([HESSIAN2_SERIALIZATION])
