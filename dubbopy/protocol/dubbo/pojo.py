"""Generic-call values: POJOs as maps with a ``"class"`` key (``spec/hessian2.md`` §5).

A generic call (``$invoke``) carries objects the way Java's ``PojoUtils.generalize`` writes them: a
POJO is a ``HashMap`` of its fields plus ``"class"`` = the Java class name, an enum constant is its name,
collections and arrays are lists. A provider turns these back into real objects before calling the
method (:func:`realize`, Java ``PojoUtils.realize``) and generalizes what the method returns
(:func:`generalize`), so the generic caller needs none of the service's classes.

Only classes registered with the Hessian2 class registry are ever built; a map naming any other class
stays a map.
"""

from __future__ import annotations

import dataclasses
import enum
from typing import Any, Final

from dubbopy.serialization.hessian2 import ClassRegistry, JavaEnum, JavaList, JavaObject, JavaType, default_registry
from dubbopy.serialization.hessian2.registry import ClassEntry

__all__ = ["CLASS_KEY", "generalize", "realize"]

#: The key naming the Java class of a generalized POJO.
CLASS_KEY: Final = "class"
#: Deeper values are passed through unchanged (input from the wire is bounded by the decoder anyway).
_MAX_DEPTH: Final = 64


def realize(value: Any, java_type: str | None = None, registry: ClassRegistry | None = None) -> Any:
    """``value`` with generalized POJOs turned into registered Python objects.

    A map whose ``"class"`` (or, without one, the declared ``java_type``) names a registered dataclass
    becomes an instance of it (fields by their Java names, unknown keys ignored); a string for a
    registered enum type becomes the member of that name. Lists and maps are walked, using the element
    type of an array or of a ``java.util.List<...>`` declaration. Anything that does not fit is returned
    as it came.
    """
    declared = _parse(java_type)
    return _realize(value, declared, registry or default_registry, 0)


def _parse(java_type: str | None) -> JavaType | None:
    if not java_type:
        return None
    try:
        return JavaType.parse(java_type)
    except ValueError:
        return None


def _realize(value: Any, declared: JavaType | None, registry: ClassRegistry, depth: int) -> Any:
    if depth > _MAX_DEPTH:
        return value
    if isinstance(value, dict):
        named = value.get(CLASS_KEY)
        entry = registry.by_name(named) if isinstance(named, str) else _entry(registry, declared)
        if entry is not None and entry.kind == "object":
            built = _build(entry, value, registry, depth)
            if built is not None:
                return built
        element = declared.value if declared is not None else None
        return {k: _realize(v, element, registry, depth + 1) for k, v in value.items()}
    if isinstance(value, str):
        entry = _entry(registry, declared)
        if entry is not None and entry.kind == "enum" and issubclass(entry.cls, enum.Enum):
            member = entry.cls.__members__.get(value)
            return value if member is None else member
        return value
    if isinstance(value, list):
        element = declared.element if declared is not None else None
        items = [_realize(v, element, registry, depth + 1) for v in value]
        return JavaList(value.java_type, items) if isinstance(value, JavaList) else items
    return value


def _entry(registry: ClassRegistry, declared: JavaType | None) -> ClassEntry | None:
    return registry.by_name(declared.name) if declared is not None else None


def _build(entry: ClassEntry, data: dict[Any, Any], registry: ClassRegistry, depth: int) -> Any:
    kwargs: dict[str, Any] = {}
    for spec in entry.fields:
        if spec.attr is None or spec.name not in data:
            continue
        kwargs[spec.attr] = _realize(data[spec.name], spec.java_type, registry, depth + 1)
    try:
        return entry.cls(**kwargs)
    except (TypeError, ValueError):
        return None


def generalize(value: Any, registry: ClassRegistry | None = None) -> Any:
    """``value`` in the generic form Java's ``PojoUtils.generalize`` gives: registered dataclasses and
    :class:`~dubbopy.serialization.hessian2.JavaObject` become maps with ``"class"``, enums their
    constant name, tuples and sets lists; other values are unchanged."""
    return _generalize(value, registry or default_registry, 0)


def _generalize(value: Any, registry: ClassRegistry, depth: int) -> Any:
    if depth > _MAX_DEPTH or value is None or isinstance(value, str | bytes | int | float):
        return value
    if isinstance(value, enum.Enum):
        return value.name
    if isinstance(value, JavaEnum):
        return value.name
    if isinstance(value, JavaObject):
        out: dict[str, Any] = {CLASS_KEY: value.class_name}
        for name, field_value in value.fields.items():
            out[name] = _generalize(field_value, registry, depth + 1)
        return out
    if isinstance(value, dict):
        return {k: _generalize(v, registry, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [_generalize(v, registry, depth + 1) for v in value]
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        entry = registry.by_class(type(value))
        result: dict[str, Any] = {}
        if entry is not None:
            result[CLASS_KEY] = entry.java_name
            for spec in entry.fields:
                if spec.attr is not None:
                    result[spec.name] = _generalize(getattr(value, spec.attr), registry, depth + 1)
            return result
        for f in dataclasses.fields(value):
            result[f.name] = _generalize(getattr(value, f.name), registry, depth + 1)
        return result
    return value
