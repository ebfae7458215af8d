"""Python names for things declared in .proto files.

The generated ``_dubbo.py`` modules must import message classes exactly where protoc's ``--python_out``
put them, so these functions follow protoc's Python naming rules (facts taken from protoc's Python
generator, not its code):

* ``a/b/my-svc.proto`` becomes the module ``a.b.my_svc_pb2`` (the ``.proto`` suffix is dropped, ``-``
  becomes ``_`` and ``/`` becomes ``.``), written to ``a/b/my_svc_pb2.py``;
* inside generated code that module is imported under the alias ``a_dot_b_dot_my__svc__pb2`` (every
  ``_`` doubled, then every ``.`` spelled ``_dot_``), so aliases of different files never collide;
* a nested message ``Outer.Inner`` is the attribute ``Outer.Inner`` of its file's module.
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from google.protobuf.descriptor_pb2 import DescriptorProto, FileDescriptorProto

_PB2_SUFFIX = "_pb2"
_DUBBO_SUFFIX = "_dubbo"


def _module_stem(proto_file: str) -> str:
    """``a/b/my-svc.proto`` → ``a/b/my_svc`` (still with slashes)."""
    for suffix in (".protodevel", ".proto"):
        if proto_file.endswith(suffix):
            proto_file = proto_file[: -len(suffix)]
            break
    return proto_file.replace("-", "_")


def pb2_module(proto_file: str) -> str:
    """The dotted module name protoc's ``--python_out`` gives ``proto_file`` (``a.b.c_pb2``)."""
    return _module_stem(proto_file).replace("/", ".") + _PB2_SUFFIX


def module_alias(module: str) -> str:
    """The name a generated module imports ``module`` under (``a.b.c_pb2`` → ``a_dot_b_dot_c__pb2``)."""
    return module.replace("_", "__").replace(".", "_dot_")


def import_line(module: str) -> str:
    """The import statement for ``module`` under its :func:`module_alias`."""
    package, _, name = module.rpartition(".")
    if not package:
        return f"import {module} as {module_alias(module)}"
    return f"from {package} import {name} as {module_alias(module)}"


def dubbo_file(proto_file: str) -> str:
    """The path of the generated dubbo module for ``proto_file`` (``a/b/c_dubbo.py``)."""
    return _module_stem(proto_file) + _DUBBO_SUFFIX + ".py"


def python_attribute(name: str) -> str:
    """The attribute name a .proto method gets in Python: keywords get a trailing ``_`` (``class_``).

    Soft keywords (``match``, ``type``, ``_``…) are valid attribute names and stay as they are.
    """
    return name + "_" if keyword.iskeyword(name) else name


_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def upper_snake(name: str) -> str:
    """``SayHello`` → ``SAY_HELLO``; ``getHTTPStatus`` → ``GET_HTTP_STATUS``; ``say_hello`` stays."""
    return _WORD_BOUNDARY.sub("_", name).upper()


@dataclass(frozen=True, slots=True)
class MessageRef:
    """Where a message class lives: its ``_pb2`` module and the attribute path inside it."""

    module: str
    attribute: str

    @property
    def expression(self) -> str:
        """The Python expression naming the class in generated code (``helloworld__pb2.HelloRequest``)."""
        return f"{module_alias(self.module)}.{self.attribute}"


def _messages(messages: Iterable[DescriptorProto], scope: str, attribute_prefix: str) -> Iterator[tuple[str, str]]:
    for message in messages:
        full_name = f"{scope}.{message.name}"
        attribute = f"{attribute_prefix}{message.name}"
        yield full_name, attribute
        yield from _messages(message.nested_type, full_name, attribute + ".")


def message_index(files: Iterable[FileDescriptorProto]) -> dict[str, MessageRef]:
    """Map every message's fully-qualified name, as method types spell it (``.pkg.Outer.Inner``), to
    where its class lives. ``files`` are all the files of a ``CodeGeneratorRequest``, imports included.
    """
    index: dict[str, MessageRef] = {}
    for file in files:
        scope = f".{file.package}" if file.package else ""
        module = pb2_module(file.name)
        for full_name, attribute in _messages(file.message_type, scope, ""):
            index[full_name] = MessageRef(module, attribute)
    return index
