"""Building :class:`~dubbopy.rpc.method.MethodDescriptor` objects for protobuf messages.

The built-in services write their descriptors by hand in the shape generated code has: one
:class:`~dubbopy.rpc.method.ServiceDescriptor` per .proto service whose methods (de)serialize with the
message classes' own ``SerializeToString``/``FromString``.
"""

from __future__ import annotations

from typing import TypeVar

from google.protobuf.message import Message

from dubbopy.rpc.method import CallType, MethodDescriptor

Req = TypeVar("Req", bound=Message)
Resp = TypeVar("Resp", bound=Message)


def _serialize(message: Message) -> bytes:
    return message.SerializeToString()


def proto_method(
    service: str, name: str, call_type: CallType, request: type[Req], response: type[Resp]
) -> MethodDescriptor[Req, Resp]:
    """The descriptor of ``service``'s method ``name`` taking ``request`` and answering ``response``."""
    return MethodDescriptor(
        service=service,
        name=name,
        call_type=call_type,
        request_serializer=_serialize,
        request_deserializer=request.FromString,
        response_serializer=_serialize,
        response_deserializer=response.FromString,
        request_type=request,
        response_type=response,
    )
