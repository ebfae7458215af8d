"""Hessian 2.0, as Java Dubbo (hessian-lite) writes and reads it (``spec/hessian2.md``).

``dumps``/``loads`` encode and decode one value; :class:`Hessian2Encoder`/:class:`Hessian2Decoder` are
the streams a Dubbo body is made of (several top-level values sharing one reference, class and type
table). The encoder picks the same compact forms as Java's ``Hessian2Output``, byte for byte; the
decoder accepts every form and rejects malformed or hostile input with a :class:`HessianError` naming
the byte offset. See :mod:`.types` for the Python ↔ Java mapping and :mod:`.registry` for Python
classes that stand for Java classes.
"""

from dubbopy.serialization.hessian2.decoder import Hessian2Decoder, loads
from dubbopy.serialization.hessian2.encoder import Hessian2Encoder, dumps
from dubbopy.serialization.hessian2.errors import HessianEncodeError, HessianError, HessianLimitError
from dubbopy.serialization.hessian2.javatype import JavaType, array_type
from dubbopy.serialization.hessian2.registry import (
    ClassRegistry,
    default_registry,
    java_class,
    java_enum,
    register_class,
)
from dubbopy.serialization.hessian2.types import (
    JavaEnum,
    JavaList,
    JavaMap,
    JavaObject,
    JavaThrowable,
    JBigInteger,
    JByte,
    JChar,
    JDouble,
    JFloat,
    JInt,
    JLong,
    JShort,
    array,
    boolean_array,
    double_array,
    float_array,
    int_array,
    long_array,
    object_array,
    short_array,
    string_array,
)

__all__ = [
    "ClassRegistry",
    "Hessian2Decoder",
    "Hessian2Encoder",
    "HessianEncodeError",
    "HessianError",
    "HessianLimitError",
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
    "JavaType",
    "array",
    "array_type",
    "boolean_array",
    "default_registry",
    "double_array",
    "dumps",
    "float_array",
    "int_array",
    "java_class",
    "java_enum",
    "loads",
    "long_array",
    "object_array",
    "register_class",
    "short_array",
    "string_array",
]
