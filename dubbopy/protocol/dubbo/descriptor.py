"""JVM type descriptors, the way the Dubbo request body names parameter types (``spec/dubbo-protocol.md``
§2.1).

Two spellings of a Java type meet here:

* the **Java name** that ``Class.getName()`` returns and that generic calls, the Hessian2 codec and
  dubbopy's service descriptions use: ``int``, ``java.lang.String``, ``[I``, ``[Ljava.lang.String;``
  (``int[]`` / ``java.lang.String[]`` source-style array names are accepted on input too, and type
  arguments such as ``java.util.List<java.lang.Integer>``, which the descriptor drops);
* the **descriptor** that goes on the wire (Java ``ReflectUtils.getDesc``): ``I``,
  ``Ljava/lang/String;``, ``[I``, ``[Ljava/lang/String;``, concatenated for a parameter list
  (``sayHi(String, int)`` → ``Ljava/lang/String;I``; no parameters → ``""``).

:func:`java_descriptor` and :func:`parse_descriptor` convert a whole parameter list each way; both
reject malformed input with a :class:`~dubbopy.errors.DecodeError` (wire input) or
:class:`~dubbopy.errors.ConfigError` (a name given in code) that says what was wrong.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from typing import Final

from dubbopy.errors import ConfigError, DecodeError

__all__ = [
    "GENERIC_DESCRIPTOR",
    "GENERIC_PARAMETER_TYPES",
    "PRIMITIVES",
    "canonical_type",
    "erasure",
    "java_descriptor",
    "parse_descriptor",
    "type_descriptor",
]

#: Java primitive name → descriptor letter (``void`` only appears as a return type).
PRIMITIVES: Final = {
    "void": "V",
    "boolean": "Z",
    "byte": "B",
    "char": "C",
    "double": "D",
    "float": "F",
    "int": "I",
    "long": "J",
    "short": "S",
}
_LETTERS: Final = {letter: name for name, letter in PRIMITIVES.items()}

#: Parameter types of ``$invoke`` / ``$invokeAsync`` (spec §5), as Java names and as the descriptor.
GENERIC_PARAMETER_TYPES: Final = ("java.lang.String", "[Ljava.lang.String;", "[Ljava.lang.Object;")
GENERIC_DESCRIPTOR: Final = "Ljava/lang/String;[Ljava/lang/String;[Ljava/lang/Object;"

# A Java binary class name: dot-separated identifiers, inner classes with '$'. Java identifiers may use
# any Unicode letter, so this accepts what str.isidentifier() accepts plus '$'.
_CLASS_NAME = re.compile(r"(?!\d)[\w$]+(?:\.(?!\d)[\w$]+)*")


def _check_class_name(name: str, source: str) -> None:
    if _CLASS_NAME.fullmatch(name) is None or name in PRIMITIVES:
        raise ConfigError(f"{source!r} is not a Java class name")


def erasure(java_name: str) -> str:
    """The type without its type arguments, as the JVM sees it: ``java.util.List<java.lang.Integer>`` →
    ``java.util.List``, ``java.util.Map<K, V>[]`` → ``java.util.Map[]``."""
    start = java_name.find("<")
    if start < 0:
        return java_name
    end = java_name.rfind(">")
    if end < start:
        raise ConfigError(f"{java_name!r} has an unclosed type argument list")
    return java_name[:start] + java_name[end + 1 :]


@functools.lru_cache(maxsize=1024)
def canonical_type(java_name: str) -> str:
    """One spelling per Java type, the one :func:`parse_descriptor` gives (``int[]`` → ``[I``,
    ``java.lang.String[]`` → ``[Ljava.lang.String;``); a type with type arguments
    (``java.util.List<java.lang.Integer>``) is checked and kept as written, since the arguments say how
    the elements are written on the wire.

    Raises :class:`~dubbopy.errors.ConfigError` for a name that is not a Java type name.
    """
    descriptor = type_descriptor(java_name)
    if "<" in java_name:
        return java_name.strip()
    return _parse(descriptor)[0]


@functools.lru_cache(maxsize=1024)
def type_descriptor(java_name: str) -> str:
    """The descriptor of one Java type given by name: ``int`` → ``I``, ``java.lang.String`` →
    ``Ljava/lang/String;``, ``[I`` and ``int[]`` → ``[I``, ``[Ljava.lang.String;`` →
    ``[Ljava/lang/String;``.

    Raises :class:`~dubbopy.errors.ConfigError` for a name that is not a Java type name.
    """
    if not isinstance(java_name, str) or not java_name:
        raise ConfigError(f"a Java type name must be a non-empty str, not {java_name!r}")
    name = erasure(java_name).strip()
    if name.endswith("[]"):  # source-style array: int[][] → [[I
        dims = 0
        while name.endswith("[]"):
            name = name[:-2]
            dims += 1
        return "[" * dims + type_descriptor(name)
    if name.startswith("["):  # Class.getName() of an array is already a descriptor with dots
        dims = len(name) - len(name.lstrip("["))
        component = name[dims:]
        if len(component) == 1 and component in _LETTERS and component != "V":
            return name
        if component.startswith("L") and component.endswith(";"):
            _check_class_name(component[1:-1], java_name)
            return "[" * dims + "L" + component[1:-1].replace(".", "/") + ";"
        raise ConfigError(f"{java_name!r} is not a Java array type name (expected e.g. '[I' or '[Ljava.lang.String;')")
    letter = PRIMITIVES.get(name)
    if letter is not None:
        return letter
    _check_class_name(name, java_name)
    return "L" + name.replace(".", "/") + ";"


def java_descriptor(java_names: Iterable[str]) -> str:
    """The descriptor of a parameter list: ``["java.lang.String", "int", "[I"]`` →
    ``Ljava/lang/String;I[I``; an empty list gives ``""``.

    Raises :class:`~dubbopy.errors.ConfigError` naming the first bad type name.
    """
    return "".join(type_descriptor(name) for name in java_names)


def _element_name(desc: str, start: int, end: int) -> str:
    """The Java name of the descriptor element ``desc[start:end]``."""
    element = desc[start:end]
    if element[0] == "[":
        return element.replace("/", ".")
    if element[0] == "L":
        return element[1:-1].replace("/", ".")
    return _LETTERS[element]


#: Descriptors longer than this are parsed without being cached (they come from the wire).
_CACHED_LENGTH: Final = 512


@functools.lru_cache(maxsize=1024)
def _parse_cached(desc: str) -> tuple[str, ...]:
    return _parse(desc)


def _parse(desc: str) -> tuple[str, ...]:
    names: list[str] = []
    pos = 0
    end = len(desc)
    while pos < end:
        start = pos
        while pos < end and desc[pos] == "[":
            pos += 1
        if pos == end:
            raise DecodeError(f"parameter descriptor {desc!r} ends inside an array type at offset {start}")
        char = desc[pos]
        if char == "L":
            semi = desc.find(";", pos)
            if semi < 0:
                raise DecodeError(f"parameter descriptor {desc!r}: class type at offset {pos} has no closing ';'")
            class_name = desc[pos + 1 : semi].replace("/", ".")
            if _CLASS_NAME.fullmatch(class_name) is None:
                raise DecodeError(f"parameter descriptor {desc!r}: {class_name!r} at offset {pos} is not a class name")
            pos = semi + 1
        elif char in _LETTERS and not (char == "V" and pos > start):
            pos += 1
        else:
            raise DecodeError(f"parameter descriptor {desc!r}: unexpected {char!r} at offset {pos}")
        names.append(_element_name(desc, start, pos))
    return tuple(names)


def parse_descriptor(desc: str) -> list[str]:
    """The Java names of a parameter list descriptor: ``Ljava/lang/String;I[I`` →
    ``["java.lang.String", "int", "[I"]``; ``""`` gives ``[]``.

    Raises :class:`~dubbopy.errors.DecodeError` (it is wire input) saying where the descriptor is
    malformed.
    """
    if not isinstance(desc, str):
        raise DecodeError(f"parameter descriptor must be a string, got {type(desc).__name__}")
    return list(_parse_cached(desc) if len(desc) <= _CACHED_LENGTH else _parse(desc))
