"""Python values for the Java types Hessian carries (``spec/hessian2.md`` §4).

Plain Python values map where the Java type is unambiguous: ``None``, ``bool``, ``int`` (as
``java.lang.Long``), ``float`` (``Double``), ``str``, ``bytes``, ``list`` (``ArrayList``), ``dict``
(``HashMap``), ``datetime`` (``java.util.Date``), ``Decimal`` (``BigDecimal``), ``UUID``.

Where Java needs a specific type the caller says so with a *marker*: a subclass of the Python builtin
that compares and computes like it (``JInt(3) == 3``) and only changes the bytes written — ``JInt``
for ``int``/``Integer``, ``JShort``, ``JByte``, ``JLong``, ``JDouble``, ``JFloat``, ``JChar``,
``JBigInteger``. Typed Java collections are :class:`JavaList`/:class:`JavaMap` with their Java class
name; objects of classes that are not registered in Python are :class:`JavaObject`, enum constants
:class:`JavaEnum`, exceptions :class:`JavaThrowable`. All of these re-encode to the bytes they were
decoded from (decode with ``keep_java_types=True`` to keep the int/long distinction of plain numbers).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Self, SupportsIndex, SupportsInt

from dubbopy.serialization.hessian2.javatype import array_type

__all__ = [
    "JBigInteger",
    "JByte",
    "JChar",
    "JDouble",
    "JFloat",
    "JInt",
    "JLong",
    "JShort",
    "JavaEnum",
    "JavaList",
    "JavaMap",
    "JavaObject",
    "JavaThrowable",
    "array",
    "boolean_array",
    "double_array",
    "float_array",
    "int_array",
    "long_array",
    "object_array",
    "short_array",
    "string_array",
]


class _JavaInteger(int):
    """An int that must fit a Java integral type of ``_bits`` bits."""

    __slots__ = ()
    _bits: ClassVar[int] = 64
    java_type: ClassVar[str] = "long"

    def __new__(cls, value: str | bytes | SupportsInt | SupportsIndex = 0) -> Self:
        self = int.__new__(cls, value)
        limit = 1 << (cls._bits - 1)
        if not -limit <= self < limit:
            raise ValueError(f"{cls.__name__}({int(self)}) does not fit a Java {cls.java_type}")
        return self

    def __repr__(self) -> str:
        return f"{type(self).__name__}({int(self)})"

    # printing and formatting read like the plain number (f"{n}" in a handler must not say "JInt(4)")
    __str__ = int.__repr__


class JInt(_JavaInteger):
    """Java ``int``/``java.lang.Integer`` (32 bits): written with the int forms."""

    __slots__ = ()
    _bits = 32
    java_type = "int"


class JShort(_JavaInteger):
    """Java ``short`` (16 bits): written with the int forms, as Java does."""

    __slots__ = ()
    _bits = 16
    java_type = "short"


class JByte(_JavaInteger):
    """Java ``byte`` (8 bits): written with the int forms, as Java does."""

    __slots__ = ()
    _bits = 8
    java_type = "byte"


class JLong(_JavaInteger):
    """Java ``long``/``java.lang.Long`` (64 bits): the long forms; the same as a plain ``int``."""

    __slots__ = ()
    _bits = 64
    java_type = "long"


class JBigInteger(int):
    """``java.math.BigInteger``: any size, written as Java's generic BigInteger object (``signum``, ``mag``)."""

    __slots__ = ()
    java_type: ClassVar[str] = "java.math.BigInteger"

    def __repr__(self) -> str:
        return f"JBigInteger({int(self)})"

    __str__ = int.__repr__


class JDouble(float):
    """Java ``double``/``java.lang.Double``; the same as a plain ``float``."""

    __slots__ = ()
    java_type: ClassVar[str] = "double"

    def __repr__(self) -> str:
        return f"JDouble({float(self)!r})"

    __str__ = float.__repr__


class JFloat(float):
    """Java ``float``/``java.lang.Float``.

    Holds the Python float it was given. Written as Java writes a boxed ``Float`` (its shortest decimal
    text read back as a double, so ``JFloat(1.1)`` arrives in Java as ``1.1``), or, in a ``float`` field
    or ``float[]``, widened from the 32-bit value (``spec/hessian2.md`` §3.4). Decodes as ``float``.
    """

    __slots__ = ()
    java_type: ClassVar[str] = "float"

    def __repr__(self) -> str:
        return f"JFloat({float(self)!r})"

    __str__ = float.__repr__


class JChar(str):
    """Java ``char``/``Character``: exactly one UTF-16 code unit, written as a 1-unit string."""

    __slots__ = ()
    java_type: ClassVar[str] = "char"

    def __new__(cls, value: str) -> Self:
        if len(value) != 1 or ord(value) > 0xFFFF:
            raise ValueError(f"JChar needs one UTF-16 code unit, got {value!r}")
        return str.__new__(cls, value)

    def __repr__(self) -> str:
        return f"JChar({str.__str__(self)!r})"

    __str__ = str.__str__


class JavaList(list[Any]):
    """A typed Java list or array: ``JavaList("java.util.LinkedList", [1, 2])``, ``JavaList("[int", [1])``.

    ``java_type`` is the name written on the wire (arrays in the wire form ``[int``, ``[string``,
    ``[org.example.User``; see :func:`array`). Array elements are written in the element type's form
    (``[int`` elements as Java ints even when they are plain Python ints). Equal to a plain list with
    the same items; two ``JavaList`` are equal only if their types are equal too.
    """

    __slots__ = ("java_type",)

    def __init__(self, java_type: str, items: Iterable[Any] = ()) -> None:
        if not java_type:
            raise ValueError("JavaList needs a non-empty java_type")
        super().__init__(items)
        self.java_type = java_type

    def __eq__(self, other: object) -> bool:
        if isinstance(other, JavaList) and other.java_type != self.java_type:
            return False
        return list.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # mutable, like list

    def __repr__(self) -> str:
        return f"JavaList({self.java_type!r}, {list.__repr__(self)})"


class JavaMap(dict[Any, Any]):
    """A Java map of a class other than ``HashMap``, written as ``M type``: ``JavaMap("java.util.TreeMap", {...})``."""

    __slots__ = ("java_type",)

    def __init__(self, java_type: str, items: Mapping[Any, Any] | Iterable[tuple[Any, Any]] = ()) -> None:
        if not java_type:
            raise ValueError("JavaMap needs a non-empty java_type")
        super().__init__(items)
        self.java_type = java_type

    def __eq__(self, other: object) -> bool:
        if isinstance(other, JavaMap) and other.java_type != self.java_type:
            return False
        return dict.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = None  # mutable, like dict

    def __repr__(self) -> str:
        return f"JavaMap({self.java_type!r}, {dict.__repr__(self)})"


class JavaObject:
    """An instance of a Java class that has no registered Python class.

    ``fields`` holds the field values in wire order; encoding writes a class definition with exactly
    these field names in this order, so a decoded object re-encodes to the same bytes.
    """

    __slots__ = ("__weakref__", "class_name", "fields")

    def __init__(self, class_name: str, fields: Mapping[str, Any] | None = None) -> None:
        self.class_name = class_name
        self.fields: dict[str, Any] = dict(fields) if fields is not None else {}

    def __getitem__(self, name: str) -> Any:
        return self.fields[name]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, JavaObject):
            return NotImplemented
        return self.class_name == other.class_name and self.fields == other.fields

    __hash__ = None  # type: ignore[assignment]  # mutable fields

    def __repr__(self) -> str:
        return f"JavaObject({self.class_name!r}, {self.fields!r})"


@dataclass(frozen=True, slots=True)
class JavaEnum:
    """A constant of a Java enum that has no registered Python ``enum.Enum`` (wire: object with field ``name``).

    On decode, any unregistered class whose only field is a string ``name`` becomes a ``JavaEnum``: the
    wire cannot tell an enum from a class with one ``name`` field, and both re-encode identically.
    """

    class_name: str
    name: str


class JavaThrowable(Exception):  # noqa: N818 - named after java.lang.Throwable (API contract)
    """A Java exception (``java.lang.Throwable`` subclass) without a registered Python class.

    ``class_name`` is the Java class, ``message`` its ``detailMessage``. ``fields`` holds every field in
    wire order when the exception was decoded (so it re-encodes identically); when it is empty the
    exception is written with Java's ``Throwable`` layout (``suppressedExceptions``, ``stackTrace``,
    ``cause``, ``detailMessage``), the cause being ``__cause__`` when that is a Java exception, else the
    exception itself, as Java writes an exception without a cause.
    """

    def __init__(self, class_name: str, message: str | None = None, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.class_name = class_name
        self.message = message
        self.fields: dict[str, Any] = fields if fields is not None else {}

    @property
    def cause(self) -> BaseException | None:
        """The Java cause, ``None`` when Java's ``cause`` is the exception itself or absent."""
        cause = self.fields.get("cause", self.__cause__)
        return cause if isinstance(cause, BaseException) and cause is not self else None

    @property
    def stack_trace(self) -> list[Any]:
        """The decoded ``StackTraceElement`` objects (``JavaObject``), empty if none were sent."""
        trace = self.fields.get("stackTrace")
        return list(trace) if isinstance(trace, list) else []

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.class_name, self.message, self.fields))

    def __str__(self) -> str:
        return self.class_name if self.message is None else f"{self.class_name}: {self.message}"

    def __repr__(self) -> str:
        return f"JavaThrowable({self.class_name!r}, {self.message!r})"


def array(component_java_type: str, items: Iterable[Any]) -> JavaList:
    """A Java array ``component_java_type[]``: ``array("org.example.User", users)``, ``array("int[]", rows)``."""
    return JavaList(array_type(component_java_type), items)


def int_array(items: Iterable[int]) -> JavaList:
    """A Java ``int[]``."""
    return JavaList("[int", items)


def short_array(items: Iterable[int]) -> JavaList:
    """A Java ``short[]``."""
    return JavaList("[short", items)


def long_array(items: Iterable[int]) -> JavaList:
    """A Java ``long[]``."""
    return JavaList("[long", items)


def double_array(items: Iterable[float]) -> JavaList:
    """A Java ``double[]``."""
    return JavaList("[double", items)


def float_array(items: Iterable[float]) -> JavaList:
    """A Java ``float[]`` (elements widened from their 32-bit value, as Java writes them)."""
    return JavaList("[float", items)


def boolean_array(items: Iterable[bool]) -> JavaList:
    """A Java ``boolean[]``."""
    return JavaList("[boolean", items)


def string_array(items: Iterable[str | None]) -> JavaList:
    """A Java ``String[]`` (wire type ``[string``)."""
    return JavaList("[string", items)


def object_array(items: Iterable[Any]) -> JavaList:
    """A Java ``Object[]`` (wire type ``[object``)."""
    return JavaList("[object", items)
