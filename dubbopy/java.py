"""Java types as Python annotations, for interface-style services and references.

Use them where the Java signature matters (the wire form of each argument and the descriptor that picks
among Java overloads)::

    from dubbopy import java

    @dubbopy.service("org.apache.dubbo.samples.api.GreetingsService")
    class Greetings:
        async def sayHi(self, name: java.String) -> java.String: ...
        async def add(self, a: java.int, b: java.long) -> java.long: ...

Each name is ``typing.Annotated[<Python type>, "<Java type>"]``: type checkers see the Python type, the
framework reads the Java one. Plain Python annotations work too (``str`` → ``java.lang.String``,
``int`` → ``long``, ``float`` → ``double``, ``bool`` → ``boolean``, ``bytes`` → ``byte[]``,
``list[X]`` → ``java.util.List``, ``dict`` → ``java.util.Map``, a ``@java_class`` dataclass → its Java
class); an unannotated parameter is ``java.lang.Object``.
"""

from __future__ import annotations

import builtins
import datetime as _datetime
import decimal as _decimal
from typing import Annotated, Any

# primitives (lower-case names, as in Java source)
int = Annotated[builtins.int, "int"]
long = Annotated[builtins.int, "long"]
short = Annotated[builtins.int, "short"]
byte = Annotated[builtins.int, "byte"]
double = Annotated[builtins.float, "double"]
float = Annotated[builtins.float, "float"]
boolean = Annotated[builtins.bool, "boolean"]
char = Annotated[builtins.str, "char"]

# boxed and common classes
Integer = Annotated[builtins.int | None, "java.lang.Integer"]
Long = Annotated[builtins.int | None, "java.lang.Long"]
Short = Annotated[builtins.int | None, "java.lang.Short"]
Byte = Annotated[builtins.int | None, "java.lang.Byte"]
Double = Annotated[builtins.float | None, "java.lang.Double"]
Float = Annotated[builtins.float | None, "java.lang.Float"]
Boolean = Annotated[builtins.bool | None, "java.lang.Boolean"]
Character = Annotated[builtins.str | None, "java.lang.Character"]
String = Annotated[builtins.str | None, "java.lang.String"]
Object = Annotated[Any, "java.lang.Object"]
Date = Annotated[_datetime.datetime | None, "java.util.Date"]
BigDecimal = Annotated[_decimal.Decimal | None, "java.math.BigDecimal"]
List = Annotated[builtins.list[Any] | None, "java.util.List"]
Map = Annotated[builtins.dict[Any, Any] | None, "java.util.Map"]
Set = Annotated[builtins.set[Any] | None, "java.util.Set"]

# arrays
bytes = Annotated[builtins.bytes | None, "[B"]
int_array = Annotated[builtins.list[builtins.int] | None, "[I"]
long_array = Annotated[builtins.list[builtins.int] | None, "[J"]
double_array = Annotated[builtins.list[builtins.float] | None, "[D"]
String_array = Annotated[builtins.list[builtins.str | None] | None, "[Ljava.lang.String;"]
Object_array = Annotated[builtins.list[Any] | None, "[Ljava.lang.Object;"]

#: the return type of a method that returns nothing
void = Annotated[None, "void"]

__all__ = [
    "BigDecimal",
    "Boolean",
    "Byte",
    "Character",
    "Date",
    "Double",
    "Float",
    "Integer",
    "List",
    "Long",
    "Map",
    "Object",
    "Object_array",
    "Set",
    "Short",
    "String",
    "String_array",
    "boolean",
    "byte",
    "bytes",
    "char",
    "double",
    "double_array",
    "float",
    "int",
    "int_array",
    "long",
    "long_array",
    "short",
    "void",
]
