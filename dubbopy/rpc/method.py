"""Service and method descriptors: what a generated stub or servicer tells the framework.

A :class:`ServiceDescriptor` names a service (``package.Service`` for .proto services, the Java interface
FQN for interface-style ones) and maps method names to :class:`MethodDescriptor` objects, which carry
the call kind and the four (de)serializers. Generated code builds these once at import time; the
server dispatches ``/{service}/{method}`` through them and the client stubs pass them to a
:class:`~dubbopy.rpc.channel.Channel`.
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

Req = TypeVar("Req")
Resp = TypeVar("Resp")


class CallType(enum.Enum):
    """The four call kinds; on the wire all are one HTTP/2 stream (``spec/triple.md`` §5)."""

    UNARY = "unary"
    SERVER_STREAM = "server_stream"
    CLIENT_STREAM = "client_stream"
    BIDI_STREAM = "bidi_stream"

    @property
    def client_streams(self) -> bool:
        """Whether the client sends more than one message."""
        return self in (CallType.CLIENT_STREAM, CallType.BIDI_STREAM)

    @property
    def server_streams(self) -> bool:
        """Whether the server sends more than one message."""
        return self in (CallType.SERVER_STREAM, CallType.BIDI_STREAM)


def _identity(data: Any) -> Any:
    return data


@dataclass(frozen=True, slots=True)
class MethodDescriptor(Generic[Req, Resp]):
    """One RPC method.

    ``request_serializer``/``response_deserializer`` are used by clients, ``request_deserializer``/
    ``response_serializer`` by servers. Deserializers raise on malformed input; the transport turns that
    into ``INTERNAL`` (server side: ``INVALID_ARGUMENT`` is not used, matching gRPC).
    """

    service: str
    name: str
    call_type: CallType
    request_serializer: Callable[[Req], bytes] = _identity
    request_deserializer: Callable[[bytes], Req] = _identity
    response_serializer: Callable[[Resp], bytes] = _identity
    response_deserializer: Callable[[bytes], Resp] = _identity
    #: the request/response message classes when known (protobuf), used by JSON mode and reflection
    request_type: type[Any] | None = None
    response_type: type[Any] | None = None
    path: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", f"/{self.service}/{self.name}")


@dataclass(frozen=True, slots=True)
class ServiceDescriptor:
    """A named service and its methods.

    ``file_descriptor`` is the protobuf ``FileDescriptor`` behind a .proto service (the generated
    ``_pb2`` module's ``DESCRIPTOR``), used by server reflection; ``None`` for interface-style services.
    """

    name: str
    methods: Mapping[str, MethodDescriptor[Any, Any]]
    file_descriptor: Any = None

    def method(self, name: str) -> MethodDescriptor[Any, Any] | None:
        """The method called ``name``, or ``None``."""
        return self.methods.get(name)
