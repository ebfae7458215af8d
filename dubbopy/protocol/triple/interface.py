"""Interface-style services over Triple, in wrapper mode (``spec/triple.md`` §3).

Provider side, :func:`wrapper_service` turns an :class:`~dubbopy.protocol.dubbo.service.InterfaceService`
(run by an :class:`~dubbopy.protocol.dubbo.provider.InterfaceInvoker`, the same one the Dubbo protocol
uses, so overloads, generic ``$invoke`` and ``$echo`` behave alike on both protocols) into a
:class:`~dubbopy.rpc.method.ServiceDescriptor` the Triple server can export: one unary method per Java
method name, taking a ``TripleRequestWrapper`` whose ``argTypes`` pick the overload, answering a
``TripleResponseWrapper``. An application exception is answered the way Java 3.2+ does: a normal
response with header ``tri-exception-code: 3`` carrying the Hessian-encoded throwable (§3.4).

Consumer side, :class:`WrapperInvoker` sits over a :class:`~dubbopy.protocol.triple.invoker.TripleInvoker`
and turns interface invocations (arguments + Java parameter types) into wrapper calls, honouring
``tri-exception-code`` in the response headers.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dubbopy.errors import DecodeError, RemoteError, RpcError, StatusCode
from dubbopy.protocol.dubbo import constants as dubbo_constants
from dubbopy.protocol.dubbo.exceptions import remote_error, to_java_exception
from dubbopy.protocol.dubbo.provider import InterfaceInvoker
from dubbopy.protocol.dubbo.service import InterfaceService
from dubbopy.protocol.triple.client_stream import ClientStream
from dubbopy.protocol.triple.invoker import TripleInvoker
from dubbopy.protocol.triple.server_call import ServerCall
from dubbopy.protocol.triple.wrapper import (
    HESSIAN_NAMES,
    RequestWrapper,
    ResponseWrapper,
    decode_request,
    decode_response,
    encode_request,
    encode_response,
)
from dubbopy.rpc.calls import STREAM
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.rpc.method import CallType, MethodDescriptor, ServiceDescriptor
from dubbopy.rpc.result import Result
from dubbopy.rpc.servicer import ServicerContext
from dubbopy.serialization.hessian2 import Hessian2Decoder, Hessian2Encoder
from dubbopy.url import URL

#: what we write as ``serializeType`` (Java and dubbo-go both read it)
SERIALIZE_TYPE = "hessian2"
_GENERIC_NAMES = (dubbo_constants.INVOKE, dubbo_constants.INVOKE_ASYNC, dubbo_constants.ECHO)
_OBJECT = "java.lang.Object"


def _encode(value: Any, java_type: str) -> bytes:
    encoder = Hessian2Encoder()
    encoder.write_as(value, java_type)
    return encoder.getvalue()


def _decode(data: bytes, java_type: str) -> Any:
    decoder = Hessian2Decoder(data, keep_java_types=True)
    value = decoder.read_as(java_type)
    if not decoder.at_end:
        raise DecodeError(f"{len(data) - decoder.position} unexpected bytes after a {java_type} argument")
    return value


class _Reply:
    """A handler's answer, with the Java type it is written as."""

    __slots__ = ("java_type", "serialize_type", "value")

    def __init__(self, value: Any, java_type: str, serialize_type: str) -> None:
        self.value = value
        self.java_type = java_type
        self.serialize_type = serialize_type


def _serialize_reply(reply: _Reply) -> bytes:
    # a null result is still serialized (Hessian ``N``), as Java does: a Java client reads ``data`` unchecked
    data = _encode(reply.value, reply.java_type)
    return encode_response(ResponseWrapper(reply.serialize_type, data, reply.java_type))


class _WrappedService:
    """The servicer the Triple server dispatches to: one handler per Java method name."""

    def __init__(self, service: InterfaceService, invoker: InterfaceInvoker) -> None:
        self._service = service
        self._invoker = invoker
        for name in (*service.method_names, *_GENERIC_NAMES):
            setattr(self, name, self._handler(name))

    def _handler(self, name: str) -> Any:
        async def handle(request: RequestWrapper, context: ServicerContext) -> _Reply:
            return await self._call(name, request, context)

        return handle

    async def _call(self, name: str, request: RequestWrapper, context: ServicerContext) -> _Reply:
        if request.serialize_type not in HESSIAN_NAMES:
            raise RpcError(StatusCode.UNIMPLEMENTED, f"serialization {request.serialize_type!r} is not supported")
        if len(request.args) != len(request.arg_types):
            raise RpcError(StatusCode.INVALID_ARGUMENT, "argTypes and args differ in length")
        try:
            args = tuple(_decode(a, t) for a, t in zip(request.args, request.arg_types, strict=True))
        except DecodeError as exc:
            raise RpcError(StatusCode.INVALID_ARGUMENT, f"cannot decode the arguments of {name}: {exc}") from exc
        invocation = Invocation(
            self._service.name,
            name,
            args,
            parameter_types=self._parameter_types(name, request.arg_types),
            attachments={k: v for k, v in context.attachments.items() if isinstance(v, str | bytes)},
            deadline=None,
        )
        if isinstance(context, ServerCall):
            invocation.attributes[dubbo_constants.EXECUTOR] = context.connection.executor
        result = await self._invoker.invoke(invocation)
        return_type = invocation.attributes.get(dubbo_constants.RETURN_TYPE, _OBJECT)
        exception = result.exception
        if exception is None:
            return _Reply(result.value, return_type if return_type != "void" else _OBJECT, request.serialize_type)
        if isinstance(exception, RpcError) and not isinstance(exception, RemoteError):
            raise exception
        # an application exception: a normal response marked with tri-exception-code (Java 3.2+)
        if isinstance(context, ServerCall):
            context.add_response_header(b"tri-exception-code", b"3")
        return _Reply(to_java_exception(exception), _OBJECT, request.serialize_type)

    def _parameter_types(self, name: str, arg_types: Sequence[str]) -> tuple[str, ...]:
        if arg_types or name in _GENERIC_NAMES:
            return tuple(arg_types)
        # no argTypes (some clients omit them for unambiguous methods): the only overload's types
        overloads = self._service.overloads(name)
        return overloads[0].parameter_types if len(overloads) == 1 else ()


def wrapper_service(service: InterfaceService, url: URL) -> tuple[ServiceDescriptor, Any]:
    """The descriptor and servicer exporting ``service`` over Triple in wrapper mode."""
    methods = {
        name: MethodDescriptor(
            service.name,
            name,
            CallType.UNARY,
            request_deserializer=decode_request,
            response_serializer=_serialize_reply,
        )
        for name in (*service.method_names, *_GENERIC_NAMES)
    }
    descriptor = ServiceDescriptor(service.name, methods)
    return descriptor, _WrappedService(service, InterfaceInvoker(url, service))


class WrapperInvoker(Invoker):
    """Interface invocations over a Triple invoker, in wrapper mode (consumer side)."""

    def __init__(self, triple: TripleInvoker) -> None:
        self._triple = triple
        self._methods: dict[tuple[str, str, tuple[str, ...]], MethodDescriptor[Any, Any]] = {}

    @property
    def url(self) -> URL:
        return self._triple.url

    def is_available(self) -> bool:
        return self._triple.is_available()

    async def close(self) -> None:
        await self._triple.close()

    def _method(self, invocation: Invocation, return_type: str) -> MethodDescriptor[Any, Any]:
        types = tuple(invocation.parameter_types)
        key = (invocation.method_name, return_type, types)
        method = self._methods.get(key)
        if method is None:

            def serialize(args: tuple[Any, ...]) -> bytes:
                encoded = [_encode(a, t) for a, t in zip(args, types, strict=True)]
                return encode_request(RequestWrapper(SERIALIZE_TYPE, encoded, list(types)))

            method = MethodDescriptor(
                invocation.service_name,
                invocation.method_name,
                CallType.UNARY,
                request_serializer=serialize,
                response_deserializer=decode_response,
            )
            self._methods[key] = method
        return method

    async def invoke(self, invocation: Invocation) -> Result:
        return_type = invocation.attributes.get(dubbo_constants.RETURN_TYPE, _OBJECT)
        call = Invocation(
            invocation.service_name,
            invocation.method_name,
            tuple(invocation.arguments or ()),
            method=self._method(invocation, return_type),
            attachments=invocation.attachments,
            deadline=invocation.deadline,
        )
        result = await self._triple.invoke(call)
        if result.exception is not None:
            return result
        wrapper: ResponseWrapper = result.value
        stream: ClientStream | None = call.attributes.get(STREAM)
        exception_code = _exception_code(stream)
        try:
            if exception_code not in (None, 0):
                throwable = _decode(wrapper.data, _OBJECT) if wrapper.data else None
                return Result.from_exception(remote_error(throwable), attachments=result.attachments)
            java_type = return_type if return_type != "void" else _OBJECT
            value = None if wrapper.data is None else _decode(wrapper.data, java_type)
        except DecodeError as exc:
            return Result.from_exception(RpcError(StatusCode.INTERNAL, f"cannot decode the response: {exc}"))
        return Result(value, attachments=result.attachments)


def _exception_code(stream: ClientStream | None) -> int | None:
    if stream is None or not stream.headers:
        return None
    for name, value in stream.headers:
        if name == b"tri-exception-code":
            try:
                return int(value)
            except ValueError:
                return 3
    return None
