"""gRPC server reflection: ``grpc.reflection.v1.ServerReflection`` and ``…v1alpha.ServerReflection``.

Reflection lets a client that has no .proto files (grpcurl, grpcui, Postman, ``grpc_cli``) ask the
server which services it has and for the ``FileDescriptorProto`` files that describe them, then build
the message types from those files. One bidi call carries any number of questions; each gets exactly one
answer, in order. A question that cannot be answered gets an ``error_response`` with a gRPC status code
and the call goes on: reflection errors are never call errors.

What can be asked about:

* the services: every service the server exports, including interface-style (non-IDL) services, which
  are listed but have no file;
* files, by name or by a symbol they declare (service, method, message, nested message, enum, enum
  value, field, oneof, extension). A file is answered together with the files it imports, directly or
  not, the requested file first and then the imports breadth-first, each file sent at most once per
  call except the one asked for, as grpc-go does; that is what a client needs to rebuild the types;
* extensions, from what the descriptor pools behind the services hold.

The pools searched are those of the exported services' files, in export order, then protobuf's default
pool (as grpc-go searches its global registry and grpcio the default pool). A symbol that names an
exported service or one of its methods is always answered from that service's own file.

v1alpha is the same protocol under an older package name; clients such as grpcurl ask v1 first and fall
back to v1alpha, so a server exports both (:attr:`ReflectionServicer.SERVICES`).
"""

from __future__ import annotations

from collections import deque
from collections.abc import AsyncIterator, Iterable
from typing import TypeAlias

from google.protobuf import descriptor, descriptor_pool

from dubbopy.errors import ConfigError, StatusCode
from dubbopy.rpc.method import CallType, ServiceDescriptor
from dubbopy.rpc.servicer import RequestStream, Servicer, ServicerContext
from dubbopy.services._descriptors import proto_method
from dubbopy.services._proto import reflection_v1_pb2 as v1
from dubbopy.services._proto import reflection_v1alpha_pb2 as v1alpha

__all__ = [
    "REFLECTION_V1ALPHA_SERVICE",
    "REFLECTION_V1_SERVICE",
    "ReflectionServicer",
]

AnyRequest: TypeAlias = v1.ServerReflectionRequest | v1alpha.ServerReflectionRequest
AnyResponse: TypeAlias = v1.ServerReflectionResponse | v1alpha.ServerReflectionResponse


#: the descriptor of ``grpc.reflection.v1.ServerReflection``
REFLECTION_V1_SERVICE = ServiceDescriptor(
    name="grpc.reflection.v1.ServerReflection",
    methods={
        "ServerReflectionInfo": proto_method(
            "grpc.reflection.v1.ServerReflection",
            "ServerReflectionInfo",
            CallType.BIDI_STREAM,
            v1.ServerReflectionRequest,
            v1.ServerReflectionResponse,
        )
    },
    file_descriptor=v1.DESCRIPTOR,
)

#: the descriptor of ``grpc.reflection.v1alpha.ServerReflection``
REFLECTION_V1ALPHA_SERVICE = ServiceDescriptor(
    name="grpc.reflection.v1alpha.ServerReflection",
    methods={
        "ServerReflectionInfo": proto_method(
            "grpc.reflection.v1alpha.ServerReflection",
            "ServerReflectionInfo",
            CallType.BIDI_STREAM,
            v1alpha.ServerReflectionRequest,
            v1alpha.ServerReflectionResponse,
        )
    },
    file_descriptor=v1alpha.DESCRIPTOR,
)


class _NotFoundError(Exception):
    """A question names something the pools do not have; becomes a ``NOT_FOUND`` error_response."""


class _Catalog:
    """What reflection answers from: the exported services and the descriptor pools behind them."""

    def __init__(self, services: Iterable[ServiceDescriptor]) -> None:
        names: dict[str, None] = {}
        self._service_files: dict[str, descriptor.FileDescriptor] = {}
        pools: dict[int, descriptor_pool.DescriptorPool] = {}
        for service in services:
            names.setdefault(service.name)
            file = service.file_descriptor
            if file is None:
                continue
            if not isinstance(file, descriptor.FileDescriptor):
                raise ConfigError(
                    f"service {service.name!r}: file_descriptor must be a protobuf FileDescriptor "
                    f"(a generated module's DESCRIPTOR) or None, not {type(file).__name__}"
                )
            self._service_files.setdefault(service.name, file)
            pools.setdefault(id(file.pool), file.pool)
        default = descriptor_pool.Default()
        pools.setdefault(id(default), default)
        self.service_names: tuple[str, ...] = tuple(names)
        self._pools = tuple(pools.values())

    def file_by_name(self, name: str) -> descriptor.FileDescriptor:
        for pool in self._pools:
            try:
                return pool.FindFileByName(name)
            except KeyError:
                continue
        raise _NotFoundError(f"file not found: {name}")

    def file_containing_symbol(self, symbol: str) -> descriptor.FileDescriptor:
        if symbol in self._service_files:
            return self._service_files[symbol]
        parent, _, leaf = symbol.rpartition(".")
        own = self._service_files.get(parent)
        if own is not None and _has_method(own, parent, leaf):
            return own
        for pool in self._pools:
            try:
                return pool.FindFileContainingSymbol(symbol)
            except KeyError:
                pass
            # not every protobuf implementation indexes methods and fields as symbols
            member_file = _member_file(pool, parent, leaf)
            if member_file is not None:
                return member_file
        raise _NotFoundError(f"symbol not found: {symbol}")

    def _message(self, name: str) -> tuple[descriptor_pool.DescriptorPool, descriptor.Descriptor]:
        for pool in self._pools:
            try:
                return pool, pool.FindMessageTypeByName(name)
            except KeyError:
                continue
        raise _NotFoundError(f"message type not found: {name}")

    def file_containing_extension(self, containing_type: str, number: int) -> descriptor.FileDescriptor:
        pool, message = self._message(containing_type)
        try:
            extension = pool.FindExtensionByNumber(message, number)
            return pool.FindFileContainingSymbol(extension.full_name)
        except KeyError:
            raise _NotFoundError(f"extension {number} of {containing_type} not found") from None

    def extension_numbers(self, containing_type: str) -> tuple[str, list[int]]:
        pool, message = self._message(containing_type)
        return message.full_name, sorted(ext.number for ext in pool.FindAllExtensions(message))


def _has_method(file: descriptor.FileDescriptor, service: str, method: str) -> bool:
    for candidate in file.services_by_name.values():
        if candidate.full_name == service:
            return method in candidate.methods_by_name
    return False


def _member_file(pool: descriptor_pool.DescriptorPool, parent: str, leaf: str) -> descriptor.FileDescriptor | None:
    """The file of method ``parent.leaf`` or of field/oneof ``parent.leaf``, if the pool has it."""
    try:
        service = pool.FindServiceByName(parent)
    except KeyError:
        pass
    else:
        return service.file if leaf in service.methods_by_name else None
    try:
        message = pool.FindMessageTypeByName(parent)
    except KeyError:
        return None
    members = (message.fields_by_name, message.oneofs_by_name, message.extensions_by_name)
    return message.file if any(leaf in names for names in members) else None


def _with_dependencies(root: descriptor.FileDescriptor, sent: set[str]) -> list[bytes]:
    """``root`` and then its imports breadth-first, each serialized once; ``sent`` spans the call."""
    answer = [root.serialized_pb]
    sent.add(root.name)
    queue = deque(root.dependencies)
    while queue:
        file = queue.popleft()
        if file.name in sent:
            continue
        sent.add(file.name)
        answer.append(file.serialized_pb)
        queue.extend(file.dependencies)
    return answer


class ReflectionServicer(Servicer):
    """Answers reflection questions about a server's services, in both protocol versions.

    ``services`` is every service the server exports, taken once when the servicer is built; the two
    reflection services are added to it (at the end, unless already there). The server exports this one
    instance under each descriptor in :attr:`SERVICES`: the handler answers v1 and v1alpha requests
    alike, each in its own version.
    """

    SERVICE = REFLECTION_V1_SERVICE
    #: the descriptors to export the servicer under: v1, then v1alpha
    SERVICES = (REFLECTION_V1_SERVICE, REFLECTION_V1ALPHA_SERVICE)

    def __init__(self, services: Iterable[ServiceDescriptor]) -> None:
        self._catalog = _Catalog([*services, *self.SERVICES])

    @property
    def service_names(self) -> tuple[str, ...]:
        """The names ``list_services`` answers, in export order."""
        return self._catalog.service_names

    async def ServerReflectionInfo(
        self, requests: RequestStream[AnyRequest], context: ServicerContext
    ) -> AsyncIterator[AnyResponse]:
        """One answer per question, in order, until the client half-closes."""
        sent: set[str] = set()  # files already sent on this call
        async for request in requests:
            if isinstance(request, v1alpha.ServerReflectionRequest):
                answer = self.answer(v1.ServerReflectionRequest.FromString(request.SerializeToString()), sent)
                yield v1alpha.ServerReflectionResponse.FromString(answer.SerializeToString())
            else:
                yield self.answer(request, sent)

    def answer(self, request: v1.ServerReflectionRequest, sent: set[str]) -> v1.ServerReflectionResponse:
        """The answer to one question; ``sent`` holds the names of the files this call has sent."""
        response = v1.ServerReflectionResponse(valid_host=request.host, original_request=request)
        catalog = self._catalog
        kind = request.WhichOneof("message_request")
        try:
            if kind == "list_services":
                response.list_services_response.service.extend(
                    v1.ServiceResponse(name=name) for name in catalog.service_names
                )
            elif kind == "file_by_filename":
                file = catalog.file_by_name(request.file_by_filename)
                response.file_descriptor_response.file_descriptor_proto.extend(_with_dependencies(file, sent))
            elif kind == "file_containing_symbol":
                file = catalog.file_containing_symbol(request.file_containing_symbol)
                response.file_descriptor_response.file_descriptor_proto.extend(_with_dependencies(file, sent))
            elif kind == "file_containing_extension":
                extension = request.file_containing_extension
                file = catalog.file_containing_extension(extension.containing_type, extension.extension_number)
                response.file_descriptor_response.file_descriptor_proto.extend(_with_dependencies(file, sent))
            elif kind == "all_extension_numbers_of_type":
                name, numbers = catalog.extension_numbers(request.all_extension_numbers_of_type)
                response.all_extension_numbers_response.base_type_name = name
                response.all_extension_numbers_response.extension_number.extend(numbers)
            else:
                response.error_response.error_code = StatusCode.INVALID_ARGUMENT.value
                response.error_response.error_message = "the request asks no question (message_request unset)"
        except _NotFoundError as exc:
            response.error_response.error_code = StatusCode.NOT_FOUND.value
            response.error_response.error_message = str(exc)
        return response
