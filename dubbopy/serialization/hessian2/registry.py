"""Java class name ↔ Python class registry (dataclasses, enums, exceptions).

Only classes registered here are ever instantiated by the decoder: a class name on the wire is looked
up in a :class:`ClassRegistry`, never imported. Unregistered classes decode to the generic
:class:`~.types.JavaObject`, :class:`~.types.JavaEnum` or :class:`~.types.JavaThrowable`.

A registered dataclass is written like Java's ``JavaSerializer`` writes the class: its fields in Java's
order (``spec/hessian2.md`` §3.11), computed from the annotations — fields whose Java type is primitive
or ``java.lang.*`` (except ``Object``) first, subclass before superclass, then the others, and the whole
list reversed — unless ``field_order=`` gives the order. The annotation also picks each field's wire
form (``JInt`` → int forms, ``int`` → long forms, ``JFloat`` → a widened ``float``; see
:func:`java_type_of`). A field's Java name is its attribute name, or ``field(metadata={"java_name":
"userName"})``; ``metadata={"java_type": "java.util.LinkedList<java.lang.Integer>"}`` overrides the type.

A registered exception class is written with Java's ``Throwable`` fields (``detailMessage``, ``cause``,
``stackTrace``, ``suppressedExceptions``) after its own dataclass fields, if any.
"""

from __future__ import annotations

import dataclasses
import datetime
import decimal
import enum
import inspect
import types
import typing
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from dubbopy.errors import ConfigError
from dubbopy.serialization.hessian2 import javatype
from dubbopy.serialization.hessian2.javatype import BOXED, OBJECT, JavaType
from dubbopy.serialization.hessian2.types import (
    JavaList,
    JavaMap,
    JavaThrowable,
    JBigInteger,
    JByte,
    JChar,
    JDouble,
    JFloat,
    JInt,
    JLong,
    JShort,
)

__all__ = ["ClassEntry", "ClassRegistry", "FieldSpec", "default_registry", "java_class", "java_enum", "register_class"]

T = TypeVar("T", bound=type)

#: The kinds of registered class.
OBJECT_KIND, ENUM_KIND, EXCEPTION_KIND = "object", "enum", "exception"

# Java's Throwable fields (JDK 9+, non-static, non-transient) in declaration order.
THROWABLE_FIELDS = (
    ("detailMessage", JavaType("java.lang.String")),
    ("cause", JavaType("java.lang.Throwable")),
    ("stackTrace", JavaType("[java.lang.StackTraceElement")),
    ("suppressedExceptions", JavaType("java.util.List")),
)

_SIMPLE_TYPES: dict[Any, str] = {
    JInt: "int",
    JShort: "short",
    JByte: "byte",
    JLong: "long",
    int: "long",
    JDouble: "double",
    float: "double",
    JFloat: "float",
    bool: "boolean",
    JChar: "char",
    str: "java.lang.String",
    bytes: "[byte",
    bytearray: "[byte",
    datetime.datetime: "java.util.Date",
    decimal.Decimal: "java.math.BigDecimal",
    uuid.UUID: "java.util.UUID",
    JBigInteger: "java.math.BigInteger",
    JavaThrowable: "java.lang.Throwable",
}
_LISTS: dict[Any, type | None] = {
    list: None,
    typing.List: None,  # noqa: UP006 - the alias may still appear in user annotations
    Sequence: None,
    Iterable: None,
    tuple: tuple,
    set: set,
    frozenset: frozenset,
    JavaList: None,
}
_MAPS = {dict, typing.Dict, Mapping, JavaMap}  # noqa: UP006


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a registered class as it travels: Java ``name``, Python ``attr``, declared type.

    ``attr`` is ``None`` for the ``Throwable`` fields of an exception, which live in the exception's
    ``args``/``__cause__`` rather than in attributes. ``missing`` makes the value a field gets when the
    wire does not carry it (its dataclass default, else Java's zero value).
    """

    name: str
    attr: str | None
    java_type: JavaType
    missing: Callable[[], Any]


@dataclass(eq=False)
class ClassEntry:
    """A registered class: Java ``java_name``, Python ``cls`` and its ``kind`` (object, enum or exception)."""

    java_name: str
    cls: type
    kind: str
    registry: ClassRegistry
    field_order: tuple[str, ...] | None = None
    camel_case: bool = False
    #: Per-codec caches (compiled writers, field maps); owned by the encoder and decoder modules.
    codec_cache: dict[Any, Any] = field(default_factory=dict)
    _fields: tuple[FieldSpec, ...] | None = None

    @property
    def fields(self) -> tuple[FieldSpec, ...]:
        """The fields in wire order (computed on first use, so annotations may name later classes)."""
        if self._fields is None:
            self._fields = _layout(self)
        return self._fields


class ClassRegistry:
    """Maps Java class names to Python classes and back.

    ``parent`` is consulted for names and classes not registered here, so a registry for one service
    can add to :data:`default_registry` without changing it.
    """

    #: Bumped by every registration in any registry: a child's caches depend on its parents too.
    _generation = 0

    def __init__(self, parent: ClassRegistry | None = None) -> None:
        self.parent = parent
        self._by_name: dict[str, ClassEntry] = {}
        self._by_class: dict[type, ClassEntry] = {}
        self._codec_cache: dict[Any, Any] = {}
        self._cache_generation = ClassRegistry._generation

    @property
    def codec_cache(self) -> dict[Any, Any]:
        """Per-codec caches (the encoder's writer per Python type, the decoder's class definitions),
        emptied whenever a class is registered here or in any other registry."""
        if self._cache_generation != ClassRegistry._generation:
            self._codec_cache = {}
            self._cache_generation = ClassRegistry._generation
        return self._codec_cache

    def register_class(
        self,
        java_name: str,
        cls: type,
        *,
        field_order: Sequence[str] | None = None,
        camel_case: bool = False,
    ) -> None:
        """Register ``cls`` (a dataclass, an ``enum.Enum`` or an exception class) as Java ``java_name``.

        ``field_order`` lists every field's Java name in wire order (default: Java's rule).
        ``camel_case`` turns ``user_name`` into the Java field name ``userName``. Registering the same
        pair twice is harmless; another class under a registered name, or one class under two names,
        is a :class:`~dubbopy.errors.ConfigError`.
        """
        if not java_name:
            raise ConfigError("register_class: java_name must not be empty")
        if isinstance(cls, type) and issubclass(cls, enum.Enum):
            kind = ENUM_KIND
        elif isinstance(cls, type) and issubclass(cls, BaseException):
            kind = EXCEPTION_KIND
        elif isinstance(cls, type) and dataclasses.is_dataclass(cls):
            kind = OBJECT_KIND
        else:
            raise ConfigError(
                f"register_class({java_name!r}): {cls!r} must be a dataclass, an enum.Enum or an exception class"
                " (put @java_class above @dataclass)"
            )
        old = self._by_name.get(java_name)
        if old is not None and old.cls is cls:
            return
        if old is not None:
            raise ConfigError(f"Java class {java_name!r} is already registered to {old.cls.__qualname__}")
        if cls in self._by_class:
            raise ConfigError(f"{cls.__qualname__} is already registered as {self._by_class[cls].java_name!r}")
        entry = ClassEntry(
            java_name,
            cls,
            kind,
            self,
            tuple(field_order) if field_order is not None else None,
            camel_case,
        )
        self._by_name[java_name] = entry
        self._by_class[cls] = entry
        ClassRegistry._generation += 1

    def java_class(
        self, java_name: str, *, field_order: Sequence[str] | None = None, camel_case: bool = False
    ) -> Callable[[T], T]:
        """Class decorator form of :meth:`register_class`."""

        def decorate(cls: T) -> T:
            self.register_class(java_name, cls, field_order=field_order, camel_case=camel_case)
            return cls

        return decorate

    def by_name(self, java_name: str) -> ClassEntry | None:
        """The entry registered under a Java class name, here or in a parent."""
        entry = self._by_name.get(java_name)
        if entry is None and self.parent is not None:
            return self.parent.by_name(java_name)
        return entry

    def names(self) -> dict[str, type]:
        """Simple Python name → registered class, parents first (used to resolve annotations)."""
        names = self.parent.names() if self.parent is not None else {}
        names.update((entry.cls.__name__, entry.cls) for entry in self._by_class.values())
        return names

    def by_class(self, cls: type) -> ClassEntry | None:
        """The entry of a Python class, here or in a parent."""
        entry = self._by_class.get(cls)
        if entry is None and self.parent is not None:
            return self.parent.by_class(cls)
        return entry


#: The registry used when none is given.
default_registry = ClassRegistry()


def register_class(
    java_name: str,
    cls: type,
    *,
    field_order: Sequence[str] | None = None,
    camel_case: bool = False,
    registry: ClassRegistry | None = None,
) -> None:
    """Register ``cls`` under ``java_name`` in ``registry`` (default: :data:`default_registry`)."""
    (registry or default_registry).register_class(java_name, cls, field_order=field_order, camel_case=camel_case)


def java_class(
    java_name: str,
    *,
    field_order: Sequence[str] | None = None,
    camel_case: bool = False,
    registry: ClassRegistry | None = None,
) -> Callable[[T], T]:
    """Decorator: ``@java_class("org.example.User")`` above ``@dataclass`` (or on an exception class)."""
    return (registry or default_registry).java_class(java_name, field_order=field_order, camel_case=camel_case)


def java_enum(java_name: str, *, registry: ClassRegistry | None = None) -> Callable[[T], T]:
    """Decorator for an ``enum.Enum`` whose member names are the Java constant names."""
    return (registry or default_registry).java_class(java_name)


# -- field layout -------------------------------------------------------------------------------------


def java_type_of(annotation: Any, registry: ClassRegistry) -> JavaType:
    """The Java type a Python annotation stands for (``Optional[X]`` is X's boxed class)."""
    if isinstance(annotation, str):
        return JavaType.parse(annotation) if "." in annotation or annotation in javatype.PRIMITIVES else OBJECT
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        for meta in args[1:]:
            if isinstance(meta, str):
                return JavaType.parse(meta)
        return java_type_of(args[0], registry)
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) != 1:
            return OBJECT
        inner = java_type_of(rest[0], registry)
        if len(rest) != len(args):
            return JavaType(BOXED.get(inner.name, inner.name), inner.element, inner.key, inner.value, inner.python)
        return inner
    if origin is not None and origin in _LISTS:
        element = None
        if origin is tuple:
            if len(args) == 2 and args[1] is Ellipsis:
                element = java_type_of(args[0], registry)
        elif args:
            element = java_type_of(args[0], registry)
        container = _LISTS[origin]
        name = "java.util.Set" if container in (set, frozenset) else "java.util.List"
        return JavaType(name, element=element if element != OBJECT else None, python=container)
    if origin is not None and origin in _MAPS:
        key = java_type_of(args[0], registry) if args else None
        value = java_type_of(args[1], registry) if len(args) > 1 else None
        return JavaType("java.util.Map", key=key if key != OBJECT else None, value=value if value != OBJECT else None)
    if annotation in _SIMPLE_TYPES:
        return JavaType(_SIMPLE_TYPES[annotation])
    if annotation in _LISTS:
        container = _LISTS[annotation]
        return JavaType("java.util.Set" if container in (set, frozenset) else "java.util.List", python=container)
    if annotation in _MAPS:
        return JavaType("java.util.Map")
    if isinstance(annotation, type):
        entry = registry.by_class(annotation)
        if entry is not None:
            return JavaType(entry.java_name)
    return OBJECT


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(p[:1].upper() + p[1:] for p in rest)


_ZERO: dict[str, Any] = {
    "int": 0,
    "short": 0,
    "byte": 0,
    "long": 0,
    "double": 0.0,
    "float": 0.0,
    "boolean": False,
    "char": "\x00",
}


def _missing_of(f: dataclasses.Field[Any], jtype: JavaType) -> Callable[[], Any]:
    if f.default is not dataclasses.MISSING:
        default = f.default
        return lambda: default
    if f.default_factory is not dataclasses.MISSING:
        return f.default_factory
    zero = _ZERO.get(jtype.name)
    return lambda: zero


def _layout(entry: ClassEntry) -> tuple[FieldSpec, ...]:
    cls = entry.cls
    if entry.kind == ENUM_KIND:
        return (FieldSpec("name", "name", JavaType("java.lang.String"), lambda: None),)
    levels: list[list[FieldSpec]] = []
    if dataclasses.is_dataclass(cls):
        try:
            # Registered classes resolve by their simple name too, so that classes defined inside a
            # function can refer to each other under ``from __future__ import annotations``.
            hints = typing.get_type_hints(cls, localns=entry.registry.names(), include_extras=True)
        except Exception as exc:
            raise ConfigError(f"cannot resolve the annotations of {cls.__qualname__}: {exc}") from exc
        all_fields = {f.name: f for f in dataclasses.fields(cls)}
        seen: set[str] = set()
        for klass in cls.__mro__:
            own = [n for n in inspect.get_annotations(klass) if n in all_fields and n not in seen]
            seen.update(own)
            level = []
            for attr in own:
                f = all_fields[attr]
                meta_type = f.metadata.get("java_type")
                jtype = JavaType.parse(meta_type) if meta_type else java_type_of(hints.get(attr, Any), entry.registry)
                name = f.metadata.get("java_name") or (_camel(attr) if entry.camel_case else attr)
                level.append(FieldSpec(name, attr, jtype, _missing_of(f, jtype)))
            levels.append(level)
    if entry.kind == EXCEPTION_KIND:
        levels.append([FieldSpec(n, None, t, lambda: None) for n, t in THROWABLE_FIELDS])
    flat = [f for level in levels for f in level]
    if entry.field_order is not None:
        by_name = {f.name: f for f in flat}
        if sorted(entry.field_order) != sorted(by_name):
            raise ConfigError(
                f"field_order of {entry.java_name!r} must list exactly the fields {sorted(by_name)},"
                f" got {list(entry.field_order)}"
            )
        return tuple(by_name[n] for n in entry.field_order)
    primitive = [f for f in flat if f.java_type.primitive_ish]
    compound = [f for f in flat if not f.java_type.primitive_ish]
    return tuple(reversed(primitive + compound))
