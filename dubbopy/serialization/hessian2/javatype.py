"""Java type names as the Hessian codec needs them.

Java spells one type several ways: ``int[]`` in source, ``[I`` from ``Class.getName()``, ``[I`` in a
JVM descriptor, and ``[int`` on the Hessian wire (``ArraySerializer``/``BasicSerializer`` write
``"[" + component`` with ``string``, ``object`` and ``date`` for ``String``, ``Object`` and ``Date``;
``spec/hessian2.md`` §4.1). :func:`normalize` turns any of these into one canonical spelling: primitives
and class names as in Java source, arrays in the Hessian wire form. :class:`JavaType` adds the element,
key and value types a declared ``java.util.List<java.lang.Integer>`` carries, which decide how the
elements of a plain Python list are written.
"""

from __future__ import annotations

from dataclasses import dataclass

#: Java primitive type names.
PRIMITIVES = frozenset({"boolean", "byte", "short", "int", "long", "float", "double", "char"})

_JVM_CODES = {
    "Z": "boolean",
    "B": "byte",
    "S": "short",
    "I": "int",
    "J": "long",
    "F": "float",
    "D": "double",
    "C": "char",
}

# Component names ArraySerializer abbreviates, both ways.
_WIRE_COMPONENT = {"java.lang.String": "string", "java.lang.Object": "object", "java.util.Date": "date"}
_COMPONENT_OF_WIRE = {v: k for k, v in _WIRE_COMPONENT.items()}


def _wire_component(name: str) -> str:
    return _WIRE_COMPONENT.get(name, name)


def normalize(name: str) -> str:
    """Return the canonical spelling of a Java type name.

    >>> normalize("[I"), normalize("int[]"), normalize("[Ljava.lang.String;"), normalize("[[int")
    ('[int', '[int', '[string', '[[int')

    Class names may use ``/`` (descriptor style) or ``.``; ``Lfoo/Bar;`` is accepted too.
    """
    name = name.strip()
    if not name:
        raise ValueError("empty Java type name")
    if name.endswith("[]"):
        return "[" + _wire_component(normalize(name[:-2]))
    if name.startswith("["):
        rest = name[1:]
        if not rest:
            raise ValueError(f"bad Java array type {name!r}")
        if rest in _JVM_CODES:
            return "[" + _JVM_CODES[rest]
        if rest.startswith("L") and rest.endswith(";"):
            return "[" + _wire_component(rest[1:-1].replace("/", "."))
        if rest.startswith("["):
            return "[" + normalize(rest)
        return "[" + rest
    if name.startswith("L") and name.endswith(";") and len(name) > 2:
        return name[1:-1].replace("/", ".")
    return name.replace("/", ".")


def array_type(component: str) -> str:
    """The wire type name of an array whose elements are ``component`` (any spelling).

    >>> array_type("int"), array_type("java.lang.String"), array_type("org.example.User"), array_type("int[]")
    ('[int', '[string', '[org.example.User', '[[int')
    """
    return "[" + _wire_component(normalize(component))


def component_type(array: str) -> str | None:
    """The element type (canonical spelling) of a canonical array type name, else ``None``."""
    if not array.startswith("["):
        return None
    rest = array[1:]
    return _COMPONENT_OF_WIRE.get(rest, rest)


def is_primitive_ish(name: str) -> bool:
    """Java's field-order split (``spec/hessian2.md`` §3.11): primitives and ``java.lang.*`` except Object."""
    return name in PRIMITIVES or (name.startswith("java.lang.") and name != "java.lang.Object")


#: Boxed class of each primitive.
BOXED = {
    "boolean": "java.lang.Boolean",
    "byte": "java.lang.Byte",
    "short": "java.lang.Short",
    "int": "java.lang.Integer",
    "long": "java.lang.Long",
    "float": "java.lang.Float",
    "double": "java.lang.Double",
    "char": "java.lang.Character",
}


@dataclass(frozen=True, slots=True)
class JavaType:
    """A declared Java type: canonical ``name`` plus the type arguments that matter for encoding.

    ``element`` is the element type of a collection or array, ``key``/``value`` those of a map; ``None``
    means ``java.lang.Object`` (each value is written by its own Python type). ``python`` is the Python
    container a decoded list should become for a field (``tuple``, ``set``), if not ``list``.
    """

    name: str
    element: JavaType | None = None
    key: JavaType | None = None
    value: JavaType | None = None
    python: type | None = None

    @classmethod
    def parse(cls, text: str) -> JavaType:
        """Parse ``java.util.Map<java.lang.String, java.util.List<java.lang.Integer>>`` and friends."""
        parsed, rest = _parse(text.strip())
        if rest.strip():
            raise ValueError(f"bad Java type {text!r}: unexpected {rest!r}")
        return parsed

    @property
    def primitive_ish(self) -> bool:
        """True for primitives and ``java.lang.*`` types except Object (Java's field-order rule)."""
        return is_primitive_ish(self.name)


OBJECT = JavaType("java.lang.Object")


def _parse(text: str) -> tuple[JavaType, str]:
    i = 0
    while i < len(text) and text[i] not in "<>,":
        i += 1
    name = normalize(text[:i])
    rest = text[i:]
    args: list[JavaType] = []
    if rest.startswith("<"):
        rest = rest[1:]
        while True:
            arg, rest = _parse(rest.lstrip())
            args.append(arg)
            rest = rest.lstrip()
            if rest.startswith(","):
                rest = rest[1:]
                continue
            if rest.startswith(">"):
                rest = rest[1:]
                break
            raise ValueError(f"bad Java type arguments near {rest!r}")
        while rest.startswith("[]"):
            name = "[" + _wire_component(name)
            args = []
            rest = rest[2:]
    if name.startswith("["):
        comp = component_type(name)
        assert comp is not None
        return JavaType(name, element=JavaType(comp) if comp != "java.lang.Object" else None), rest
    if len(args) == 1:
        return JavaType(name, element=args[0]), rest
    if len(args) == 2:
        return JavaType(name, key=args[0], value=args[1]), rest
    if args:
        raise ValueError(f"unsupported type arguments for {name}")
    return JavaType(name), rest
