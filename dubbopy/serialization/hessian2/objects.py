"""Reading object instances: what a class definition on the wire decodes to.

A ``C`` definition is resolved once, when it is read, to a :class:`ClassDef` whose ``read`` function
builds each instance. The class name is only looked up in the registry — nothing is imported — and
the outcomes are, in order: a registered dataclass, enum or exception; the JDK value classes the codec
knows (``BigDecimal`` → ``Decimal``, ``UUID``, ``BigInteger`` → :class:`~.types.JBigInteger`); an
unregistered enum constant (only field ``name``) → :class:`~.types.JavaEnum`; an exception class →
:class:`~.types.JavaThrowable`; anything else → :class:`~.types.JavaObject`.

Mutable results take their reference slot before their fields are read, so a field may refer to its
own object (``Throwable.cause == this``). Immutable results (enum constants, ``Decimal``, ``UUID``) can
only be built afterwards; their slot holds :data:`PENDING` meanwhile, and a reference to it is an error.
"""

from __future__ import annotations

import decimal
import inspect
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dubbopy.serialization.hessian2.coerce import converter
from dubbopy.serialization.hessian2.errors import HessianError
from dubbopy.serialization.hessian2.javatype import JavaType
from dubbopy.serialization.hessian2.registry import ENUM_KIND, EXCEPTION_KIND, ClassEntry, ClassRegistry
from dubbopy.serialization.hessian2.types import JavaEnum, JavaObject, JavaThrowable, JBigInteger

if TYPE_CHECKING:
    from dubbopy.serialization.hessian2.decoder import Hessian2Decoder

#: The content of a reference slot whose value is built only after its fields are read.
PENDING: Any = object()

_CLASS_DEFS = "hessian2.decoder.class_defs"  # key of the decoder's cache in ClassRegistry.codec_cache
_CLASS_DEF_CACHE = 1024  # class names remembered per registry (peers choose them: keep it bounded)
_CLASS_DEF_MAX_BYTES = 4096  # longer definitions are parsed every time rather than remembered
_THROWABLE_SUFFIXES = ("Exception", "Error", "Throwable")
_PLAN_CACHE_LIMIT = 64  # wire field sets remembered per registered class (a peer could send many)


@dataclass(slots=True)
class ClassDef:
    """One entry of the stream's class-definition table."""

    name: str
    fields: tuple[str, ...]
    read: Callable[[Hessian2Decoder, ClassDef], Any]
    extra: Any = None


def define_class(registry: ClassRegistry, name: str, fields: tuple[str, ...], at: int) -> ClassDef:
    """Resolve a class definition read at offset ``at`` to the reader of its instances."""
    entry = registry.by_name(name)
    if entry is not None:
        if entry.kind == ENUM_KIND:
            if "name" not in fields:
                raise HessianError(f"enum {name} defined without a 'name' field", offset=at)
            return ClassDef(name, fields, _read_enum, (entry.cls, fields.index("name")))
        plan = _plan(entry, fields)
        return ClassDef(name, fields, _read_exception if entry.kind == EXCEPTION_KIND else _read_dataclass, plan)
    if name == "java.math.BigDecimal" and "value" in fields:
        return ClassDef(name, fields, _read_text_value, (fields.index("value"), decimal.Decimal))
    if name == "java.util.UUID" and "value" in fields:
        return ClassDef(name, fields, _read_text_value, (fields.index("value"), uuid.UUID))
    if name == "java.math.BigInteger" and "signum" in fields and "mag" in fields:
        return ClassDef(name, fields, _read_big_integer, (fields.index("signum"), fields.index("mag")))
    if fields == ("name",):
        return ClassDef(name, fields, _read_java_enum)
    if name.endswith(_THROWABLE_SUFFIXES) or {"stackTrace", "detailMessage"} <= set(fields):
        return ClassDef(name, fields, _read_throwable)
    return ClassDef(name, fields, _read_java_object)


def read_class_def(d: Hessian2Decoder, tag: int) -> Any:
    """Reader of tag ``C``: definitions (any number in a row, read in a loop), then the value after them."""
    data = d._data
    # The same definitions arrive in every message: remember each one's bytes after the class name,
    # so that a repeat costs one comparison instead of parsing every field name again.
    known: dict[str, list[tuple[bytes, ClassDef]]] = d._registry.codec_cache.setdefault(_CLASS_DEFS, {})
    while True:
        at = d._pos - 1
        name = d._read_string("a class name")
        body_at = d._pos
        for body, known_def in known.get(name, ()):
            if data.startswith(body, body_at):
                d._pos = body_at + len(body)
                cdef = known_def
                break
        else:
            n = d._read_int("a field count")
            d._count(n, "class field count", body_at)
            fields = tuple(d._read_string("a field name") for _ in range(n))
            cdef = define_class(d._registry, name, fields, at)
            if d._pos - body_at <= _CLASS_DEF_MAX_BYTES and (name in known or len(known) < _CLASS_DEF_CACHE):
                variants = known.setdefault(name, [])
                if len(variants) < 4:
                    variants.append((data[body_at : d._pos], cdef))
        d._classes.append(cdef)
        pos = d._pos
        if pos < d._end and data[pos] == 0x43:
            d._pos = pos + 1
            continue
        return d._read()


def _instance(d: Hessian2Decoder, index: int, at: int) -> Any:
    classes = d._classes
    if not 0 <= index < len(classes):
        raise HessianError(f"object of undefined class #{index} ({len(classes)} defined so far)", offset=at)
    cdef = classes[index]
    d._depth += 1
    if d._depth > d._max_depth:
        raise d._too_deep()
    value = cdef.read(d, cdef)
    d._depth -= 1
    return value


def read_object_direct(d: Hessian2Decoder, tag: int) -> Any:
    """Reader of tags ``0x60..0x6f``: an instance of class definition 0..15."""
    return _instance(d, tag - 0x60, d._pos - 1)


def read_object(d: Hessian2Decoder, tag: int) -> Any:
    """Reader of tag ``O``: an instance of the class definition whose index follows."""
    at = d._pos - 1
    return _instance(d, d._read_int("a class reference"), at)


@dataclass(slots=True)
class _Plan:
    """How the wire fields of one class definition land in a registered class."""

    cls: type
    slots: tuple[tuple[int, str, Callable[[Any], Any] | None], ...]  # wire index, attribute, converter
    missing: tuple[tuple[str, Callable[[], Any]], ...]
    uses_dict: bool
    post_init: Callable[[Any], None] | None
    message_index: int | None
    cause_index: int | None


def _container(kind: type) -> Callable[[Any], Any]:
    def convert(value: Any) -> Any:
        return kind(value) if isinstance(value, list) else value

    return convert


def _field_converter(jtype: JavaType) -> Callable[[Any], Any] | None:
    """Java's typed field read: convert or refuse a value that does not have the declared type."""
    if jtype.python is not None:
        return _container(jtype.python)
    return converter(jtype)


def _plan(entry: ClassEntry, fields: tuple[str, ...]) -> _Plan:
    cached: _Plan | None = entry.codec_cache.get(("plan", fields))
    if cached is not None:
        return cached
    specs = {s.name: s for s in entry.fields}
    # wire fields that land in an attribute (unknown names and Throwable fields do not)
    slots = tuple(
        (i, attr, _field_converter(specs[f].java_type))
        for i, f in enumerate(fields)
        if f in specs and (attr := specs[f].attr) is not None
    )
    missing = tuple((s.attr, s.missing) for s in entry.fields if s.attr is not None and s.name not in fields)
    cls = entry.cls
    uses_dict = all("__slots__" not in k.__dict__ for k in cls.__mro__[:-1]) or issubclass(cls, BaseException)
    post_init = getattr(cls, "__post_init__", None)
    if post_init is not None and len(inspect.signature(post_init).parameters) != 1:
        post_init = None  # takes InitVars, which the wire does not carry
    plan = _Plan(
        cls,
        slots,
        missing,
        uses_dict,
        post_init,
        fields.index("detailMessage") if "detailMessage" in fields else None,
        fields.index("cause") if "cause" in fields else None,
    )
    if len(entry.codec_cache) < _PLAN_CACHE_LIMIT and len(fields) <= 256:
        entry.codec_cache[("plan", fields)] = plan
    return plan


def _new(cls: type) -> Any:
    """An instance without calling ``__init__`` (its fields come from the wire)."""
    new: Any = cls.__new__
    return object.__new__(cls) if new is object.__new__ else new(cls)


def _fill(d: Hessian2Decoder, obj: Any, plan: _Plan, values: list[Any]) -> None:
    try:
        state = {attr: values[i] if conv is None else conv(values[i]) for i, attr, conv in plan.slots}
    except (TypeError, ValueError) as exc:
        raise HessianError(f"cannot convert a field of {plan.cls.__qualname__}: {exc}", offset=d._pos) from exc
    for attr, make in plan.missing:
        state[attr] = make()
    if plan.uses_dict:
        obj.__dict__.update(state)
    else:
        for attr, value in state.items():
            object.__setattr__(obj, attr, value)


def _read_dataclass(d: Hessian2Decoder, cdef: ClassDef) -> Any:
    plan: _Plan = cdef.extra
    obj = _new(plan.cls)
    d._refs.append(obj)
    _fill(d, obj, plan, d._read_values(len(cdef.fields)))
    if plan.post_init is not None:
        try:
            plan.post_init(obj)
        except Exception as exc:
            raise HessianError(f"{plan.cls.__qualname__}.__post_init__ rejected the decoded fields: {exc}") from exc
    return obj


def _read_exception(d: Hessian2Decoder, cdef: ClassDef) -> Any:
    plan: _Plan = cdef.extra
    exc = _new(plan.cls)
    d._refs.append(exc)
    values = d._read_values(len(cdef.fields))
    _fill(d, exc, plan, values)
    _set_throwable(exc, values, plan.message_index, plan.cause_index)
    return exc


def _set_throwable(exc: BaseException, values: list[Any], message_index: int | None, cause_index: int | None) -> None:
    message = values[message_index] if message_index is not None else None
    exc.args = (message,) if message is not None else ()
    cause = values[cause_index] if cause_index is not None else None
    if isinstance(cause, BaseException) and cause is not exc:
        exc.__cause__ = cause


def _read_throwable(d: Hessian2Decoder, cdef: ClassDef) -> JavaThrowable:
    exc = JavaThrowable(cdef.name)
    d._refs.append(exc)
    fields = cdef.fields
    values = d._read_values(len(fields))
    exc.fields.update(zip(fields, values, strict=True))
    message = exc.fields.get("detailMessage")
    exc.message = message if isinstance(message, str) else None
    _set_throwable(
        exc,
        values,
        fields.index("detailMessage") if "detailMessage" in exc.fields else None,
        fields.index("cause") if "cause" in exc.fields else None,
    )
    return exc


def _read_java_object(d: Hessian2Decoder, cdef: ClassDef) -> JavaObject:
    obj = JavaObject(cdef.name)
    d._refs.append(obj)
    obj.fields.update(zip(cdef.fields, d._read_values(len(cdef.fields)), strict=True))
    return obj


def _read_later(d: Hessian2Decoder, cdef: ClassDef) -> tuple[int, list[Any]]:
    """Reserve a PENDING slot, then read the fields of a value built from them."""
    slot = len(d._refs)
    d._refs.append(PENDING)
    return slot, d._read_values(len(cdef.fields))


def _read_enum(d: Hessian2Decoder, cdef: ClassDef) -> Any:
    at = d._pos
    cls, name_index = cdef.extra
    slot, values = _read_later(d, cdef)
    name = values[name_index]
    try:
        member = cls[name]
    except (KeyError, TypeError) as exc:
        raise HessianError(f"{cdef.name} has no constant {name!r:.60}", offset=at) from exc
    d._refs[slot] = member
    return member


def _read_java_enum(d: Hessian2Decoder, cdef: ClassDef) -> JavaEnum | JavaObject:
    slot, values = _read_later(d, cdef)
    name = values[0]
    value = JavaEnum(cdef.name, name) if isinstance(name, str) else JavaObject(cdef.name, {"name": name})
    d._refs[slot] = value
    return value


def _read_text_value(d: Hessian2Decoder, cdef: ClassDef) -> Any:
    at = d._pos
    index, kind = cdef.extra
    slot, values = _read_later(d, cdef)
    raw = values[index]
    try:
        if not isinstance(raw, str):
            raise TypeError(f"value is a {type(raw).__name__}, not a string")
        value = kind(raw)
    except (TypeError, ValueError, ArithmeticError) as exc:
        raise HessianError(f"bad {cdef.name} value {raw!r:.60}: {exc}", offset=at) from exc
    d._refs[slot] = value
    return value


def _read_big_integer(d: Hessian2Decoder, cdef: ClassDef) -> JBigInteger:
    at = d._pos
    signum_index, mag_index = cdef.extra
    slot, values = _read_later(d, cdef)
    signum, mag = values[signum_index], values[mag_index]
    if signum not in (-1, 0, 1) or not isinstance(mag, list) or not all(isinstance(w, int) for w in mag):
        raise HessianError(f"bad java.math.BigInteger: signum={signum!r:.20}, mag={mag!r:.60}", offset=at)
    magnitude = int.from_bytes(b"".join((w & 0xFFFFFFFF).to_bytes(4, "big") for w in mag), "big")
    value = JBigInteger(magnitude * signum)
    d._refs[slot] = value
    return value
