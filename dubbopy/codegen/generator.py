"""Turn a protoc ``CodeGeneratorRequest`` into ``<name>_dubbo.py`` modules.

For every requested .proto file that declares services, one module is written next to protoc's
``<name>_pb2.py``. Per service ``Greeter`` (package ``pkg``) it holds:

* ``GREETER_SERVICE``: the :class:`~dubbopy.rpc.method.ServiceDescriptor` (``pkg.Greeter``), built
  from one private :class:`~dubbopy.rpc.method.MethodDescriptor` constant per rpc;
* ``GreeterServicer``: the :class:`~dubbopy.rpc.servicer.Servicer` base a provider subclasses; each
  method answers ``UNIMPLEMENTED`` until overridden, and is typed so that an override may be
  ``async def`` or plain ``def``;
* ``GreeterStub`` (over a :class:`~dubbopy.rpc.channel.Channel`) and ``GreeterSyncStub`` (over a
  :class:`~dubbopy.rpc.channel.SyncChannel`): the clients.

Files without services produce nothing. Docstrings come from the .proto comments when there are any.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from google.protobuf.compiler.plugin_pb2 import CodeGeneratorRequest, CodeGeneratorResponse
from google.protobuf.descriptor_pb2 import Edition, FileDescriptorProto, ServiceDescriptorProto

from dubbopy.codegen import naming
from dubbopy.codegen.source import SourceWriter, clean_comment
from dubbopy.errors import DubboError
from dubbopy.rpc.method import CallType

#: field numbers that make up SourceCodeInfo paths (descriptor.proto)
_FILE_SERVICE = 6
_SERVICE_METHOD = 2

_KIND_WORDS = {
    CallType.UNARY: "unary",
    CallType.SERVER_STREAM: "server streaming",
    CallType.CLIENT_STREAM: "client streaming",
    CallType.BIDI_STREAM: "bidi streaming",
}
_CHANNEL_CALLS = {
    CallType.UNARY: "unary_unary",
    CallType.SERVER_STREAM: "unary_stream",
    CallType.CLIENT_STREAM: "stream_unary",
    CallType.BIDI_STREAM: "stream_stream",
}
_ABC = "collections.abc"
_ERRORS = "dubbopy.errors"
_CHANNEL = "dubbopy.rpc.channel"
_METHOD = "dubbopy.rpc.method"
_SERVICER = "dubbopy.rpc.servicer"
_WELL_KNOWN = "google.protobuf."
_TIMEOUT_AND_METADATA = ("*", "timeout: float | None = None", "metadata: Metadata | None = None")


class CodegenError(DubboError):
    """A .proto file cannot be turned into a dubbo module (the message says which file and why)."""


@dataclass(frozen=True, slots=True)
class _Method:
    name: str  # as in the .proto and on the wire
    attribute: str  # the Python method name
    constant: str  # the module constant holding its MethodDescriptor
    call_type: CallType
    request: str  # Python expression of the request class
    response: str
    doc: str


@dataclass(frozen=True, slots=True)
class _Service:
    full_name: str
    name: str
    constant: str
    methods: tuple[_Method, ...]
    doc: str


def _comments(file: FileDescriptorProto) -> dict[tuple[int, ...], str]:
    """Leading (else trailing) comments by SourceCodeInfo path."""
    found: dict[tuple[int, ...], str] = {}
    for location in file.source_code_info.location:
        text = clean_comment(location.leading_comments or location.trailing_comments)
        if text:
            found[tuple(location.path)] = text
    return found


def _isort_key(module: str) -> tuple[bool, str, str]:
    """Sort ``import m`` before ``from p import m``, then by package and name, ignoring case (isort)."""
    package, _, name = module.rpartition(".")
    return bool(package), package.lower(), name.lower()


def _call_type(client_streaming: bool, server_streaming: bool) -> CallType:
    if client_streaming:
        return CallType.BIDI_STREAM if server_streaming else CallType.CLIENT_STREAM
    return CallType.SERVER_STREAM if server_streaming else CallType.UNARY


class _ModuleBuilder:
    """Writes the module for one .proto file, recording which imports the text needs."""

    def __init__(self, file: FileDescriptorProto, index: dict[str, naming.MessageRef]) -> None:
        self._file = file
        self._index = index
        self._module = naming.pb2_module(file.name)
        self._modules = {self._module}
        self._imports: dict[str, set[str]] = {}  # module -> names the text uses
        self._constants: set[str] = set()
        self._out = SourceWriter()

    # -- model -------------------------------------------------------------------------------------

    def _message(self, type_name: str, where: str) -> str:
        ref = self._index.get(type_name)
        if ref is None:
            raise CodegenError(f"{self._file.name}: {where} uses {type_name}, which is not a known message")
        self._modules.add(ref.module)
        return ref.expression

    def _unique_constant(self, name: str) -> str:
        candidate, n = name, 1
        while candidate in self._constants:
            n += 1
            candidate = f"{name}_{n}"
        self._constants.add(candidate)
        return candidate

    def services(self) -> list[_Service]:
        """The services of the file, with names, types and docstrings resolved."""
        comments = _comments(self._file)
        services = [self._service(s, proto, comments) for s, proto in enumerate(self._file.service)]
        self._check_public_names(services)
        return services

    def _service(self, s: int, proto: ServiceDescriptorProto, comments: dict[tuple[int, ...], str]) -> _Service:
        package = self._file.package
        full_name = f"{package}.{proto.name}" if package else proto.name
        methods = []
        attributes: dict[str, str] = {}  # Python name -> .proto name
        for m, method in enumerate(proto.method):
            attribute = naming.python_attribute(method.name)
            if attribute in attributes:
                raise CodegenError(
                    f"{self._file.name}: methods {attributes[attribute]} and {method.name} of "
                    f"{full_name} would both be the Python method {attribute}"
                )
            attributes[attribute] = method.name
            where = f"{full_name}/{method.name}"
            constant = f"_{naming.upper_snake(proto.name)}_{naming.upper_snake(method.name)}"
            methods.append(
                _Method(
                    name=method.name,
                    attribute=attribute,
                    constant=self._unique_constant(constant),
                    call_type=_call_type(method.client_streaming, method.server_streaming),
                    request=self._message(method.input_type, where),
                    response=self._message(method.output_type, where),
                    doc=comments.get((_FILE_SERVICE, s, _SERVICE_METHOD, m), ""),
                )
            )
        return _Service(
            full_name=full_name,
            name=proto.name,
            constant=f"{naming.upper_snake(proto.name)}_SERVICE",
            methods=tuple(methods),
            doc=comments.get((_FILE_SERVICE, s), ""),
        )

    def _check_public_names(self, services: Iterable[_Service]) -> None:
        owners: dict[str, str] = {}
        for service in services:
            for public in (service.constant, *(service.name + s for s in ("Servicer", "Stub", "SyncStub"))):
                if public in owners:
                    raise CodegenError(
                        f"{self._file.name}: services {owners[public]} and {service.name} would both "
                        f"generate the name {public}"
                    )
                owners[public] = service.name

    # -- text --------------------------------------------------------------------------------------

    def _use(self, module: str, *names: str) -> str:
        """Record that the text uses ``names`` from ``module``; returns the first one."""
        self._imports.setdefault(module, set()).update(names)
        return names[0]

    def _generic(self, module: str, container: str, inner: str) -> str:
        return f"{self._use(module, container)}[{inner}]"

    def _descriptors(self, service: _Service) -> None:
        out = self._out
        if service.methods:
            self._use(_METHOD, "CallType", "MethodDescriptor")
        for method in service.methods:
            out.bracketed(
                f"{method.constant} = MethodDescriptor",
                [
                    f'service="{service.full_name}"',
                    f'name="{method.name}"',
                    f"call_type=CallType.{method.call_type.name}",
                    f"request_serializer={method.request}.SerializeToString",
                    f"request_deserializer={method.request}.FromString",
                    f"response_serializer={method.response}.SerializeToString",
                    f"response_deserializer={method.response}.FromString",
                    f"request_type={method.request}",
                    f"response_type={method.response}",
                ],
            )
            out.blank()
        out.line(f"{service.constant}: ServiceDescriptor = {self._use(_METHOD, 'ServiceDescriptor')}(")
        with out.indented():
            out.line(f'name="{service.full_name}",')
            out.bracketed(
                "methods=",
                [f'"{method.name}": {method.constant}' for method in service.methods],
                ",",
                brackets="{}",
            )
            out.line(f"file_descriptor={naming.module_alias(self._module)}.DESCRIPTOR,")
        out.line(")")

    def _servicer(self, service: _Service) -> None:
        out = self._out
        out.line(f"class {service.name}Servicer({self._use(_SERVICER, 'Servicer')}):")
        with out.indented():
            generated = (
                f"Base class of ``{service.full_name}`` providers: subclass it and override the methods, "
                "each as ``async def`` or plain ``def``. A method left alone answers ``UNIMPLEMENTED``."
            )
            out.docstring(service.doc, generated)
            out.blank()
            out.line(f"SERVICE = {service.constant}")
            for method in service.methods:
                out.blank()
                self._servicer_method(service, method)
        for method in service.methods:
            if method.attribute != method.name:
                # a server looks handlers up by the .proto name; this keeps that working
                out.blank(2)
                out.line(
                    f"# ``{method.name}`` is a Python keyword, hence ``{method.attribute}``; "
                    "a server finds it under either name"
                )
                out.line(
                    f'setattr({service.name}Servicer, "{method.name}", property(lambda self: self.{method.attribute}))'
                )

    def _servicer_method(self, service: _Service, method: _Method) -> None:
        out = self._out
        kind = method.call_type
        if kind.client_streams:
            first = f"requests: {self._generic(_SERVICER, 'RequestStream', method.request)}"
        else:
            first = f"request: {method.request}"
        # a union, so that an override may be ``async def`` (a coroutine / async generator) or ``def``
        if kind.server_streams:
            returns = (
                f"{self._generic(_ABC, 'Iterator', method.response)} | "
                f"{self._generic(_ABC, 'AsyncIterator', method.response)}"
            )
        else:
            returns = f"{method.response} | {self._generic(_ABC, 'Awaitable', method.response)}"
        context = self._use(_SERVICER, "ServicerContext")
        out.signature(f"def {method.attribute}", ["self", first, f"context: {context}"], returns)
        with out.indented():
            path = f"{service.full_name}/{method.name}"
            generated = f"Handles ``/{path}`` ({_KIND_WORDS[kind]}): ``UNIMPLEMENTED`` unless overridden."
            out.docstring(method.doc, "" if method.doc else generated)
            self._use(_ERRORS, "RpcError", "StatusCode")
            out.bracketed(
                "raise RpcError",
                ["StatusCode.UNIMPLEMENTED", f'"Method not implemented: {path}"'],
                hug=True,
            )

    def _stub(self, service: _Service, *, sync: bool) -> None:
        out = self._out
        channel = self._use(_CHANNEL, "SyncChannel" if sync else "Channel")
        cls = f"{service.name}SyncStub" if sync else f"{service.name}Stub"
        if sync:
            generated = (
                f"Blocking client of ``{service.full_name}``: each method returns the reply, or an "
                "iterator of replies when the server streams."
            )
        else:
            generated = (
                f"Async client of ``{service.full_name}``: each method starts a call on the channel and "
                "returns the call object; await it for the reply, or ``async for`` over it when the "
                "server streams."
            )
        out.line(f"class {cls}:")
        with out.indented():
            out.docstring(service.doc, generated)
            out.blank()
            out.line('__slots__ = ("_channel",)')
            out.blank()
            out.line(f"def __init__(self, channel: {channel}) -> None:")
            with out.indented():
                out.line("self._channel = channel")
            for method in service.methods:
                out.blank()
                self._stub_method(service, method, sync=sync)

    def _stub_method(self, service: _Service, method: _Method, *, sync: bool) -> None:
        out = self._out
        kind = method.call_type
        self._use(_CHANNEL, "Metadata")
        if kind.client_streams:
            requests = self._generic(_ABC, "Iterable", method.request)
            if not sync:
                requests = f"{self._generic(_ABC, 'AsyncIterable', method.request)} | {requests}"
            first = f"requests: {requests}"
            argument = "requests"
        else:
            first = f"request: {method.request}"
            argument = "request"
        if kind.server_streams:
            returns = self._generic(_CHANNEL, "SyncStreamCall" if sync else "StreamCall", method.response)
        elif sync:
            returns = method.response
        else:
            returns = self._generic(_CHANNEL, "UnaryCall", method.response)
        out.signature(f"def {method.attribute}", ["self", first, *_TIMEOUT_AND_METADATA], returns)
        with out.indented():
            out.docstring(
                method.doc,
                "" if method.doc else f"Calls ``/{service.full_name}/{method.name}`` ({_KIND_WORDS[kind]}).",
            )
            out.bracketed(
                f"return self._channel.{_CHANNEL_CALLS[kind]}",
                [method.constant, argument, "timeout=timeout", "metadata=metadata"],
                hug=True,
            )

    def build(self) -> str | None:
        """The module text, or ``None`` when the file declares no services."""
        services = self.services()
        if not services:
            return None
        public: list[str] = []
        for service in services:
            self._out.blank(2)
            self._descriptors(service)
            self._out.blank(2)
            self._servicer(service)
            self._out.blank(2)
            self._stub(service, sync=False)
            self._out.blank(2)
            self._stub(service, sync=True)
            public += [service.constant, *(service.name + s for s in ("Servicer", "Stub", "SyncStub"))]
        head = SourceWriter()
        head.line("# Generated by protoc-gen-dubbopy. DO NOT EDIT.")
        head.line(f"# source: {self._file.name}")
        # which imports are "first party" depends on the project the file lands in: leave them be
        head.line("# isort: skip_file")
        head.docstring("", f"Dubbo service descriptors, servicer bases and client stubs for {self._file.name}.")
        head.blank()
        head.line("from __future__ import annotations")
        head.blank()
        # sections as a project using dubbopy sees them: the standard library; dubbopy and the protobuf
        # runtime's well-known types; then the project's own _pb2 modules
        if _ABC in self._imports:
            head.import_from(_ABC, sorted(self._imports.pop(_ABC)))
            head.blank()
        third_party = {module for module in self._modules if module.startswith(_WELL_KNOWN)}
        for module in sorted(self._imports.keys() | third_party, key=_isort_key):
            if module in third_party:
                head.line(naming.import_line(module))
            else:
                head.import_from(module, sorted(self._imports[module]))
        head.blank()
        own = sorted(self._modules - third_party, key=_isort_key)
        for module in own:
            head.line(naming.import_line(module))
        head.blank()
        public.sort(key=lambda name: (not name.isupper(), name))
        head.bracketed("__all__ = ", [f'"{name}"' for name in public], brackets="[]")
        return head.text() + self._out.text()


def generate_file(file: FileDescriptorProto, index: dict[str, naming.MessageRef]) -> str | None:
    """The ``_dubbo.py`` text for ``file``, or ``None`` if it has no services.

    ``index`` is :func:`~dubbopy.codegen.naming.message_index` over every file ``file`` imports.
    Raises :class:`CodegenError` when the file cannot be generated.
    """
    return _ModuleBuilder(file, index).build()


def generate(request: CodeGeneratorRequest) -> CodeGeneratorResponse:
    """Answer one protoc plugin request; problems are reported in the response's ``error``."""
    response = CodeGeneratorResponse(
        supported_features=(
            CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL | CodeGeneratorResponse.FEATURE_SUPPORTS_EDITIONS
        ),
        # the generated code only reads service and message names, which no edition changes
        minimum_edition=Edition.EDITION_PROTO2,
        maximum_edition=Edition.EDITION_2024,
    )
    if request.parameter:
        response.error = f"protoc-gen-dubbopy takes no options, got {request.parameter!r}"
        return response
    files = {file.name: file for file in request.proto_file}
    index = naming.message_index(request.proto_file)
    try:
        for name in request.file_to_generate:
            text = generate_file(files[name], index)
            if text is not None:
                response.file.add(name=naming.dubbo_file(name), content=text)
    except CodegenError as error:
        response.ClearField("file")
        response.error = str(error)
    return response
