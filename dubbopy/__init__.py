"""dubbopy: Apache Dubbo for Python.

Serve and call Triple (gRPC-compatible) services side by side with Java Dubbo, dubbo-go and gRPC.
The public API is re-exported here; everything else lives in modules users need not import.
"""

from __future__ import annotations

from dubbopy._version import __version__
from dubbopy.client import Client, SyncClient
from dubbopy.errors import (
    ConfigError,
    DecodeError,
    DubboError,
    ProtocolError,
    RemoteError,
    RpcError,
    StatusCode,
)
from dubbopy.interfaces import interface, method, service
from dubbopy.protocol.triple.client import ClientOptions
from dubbopy.protocol.triple.server import ServerOptions
from dubbopy.rpc.channel import Channel, StreamCall, SyncChannel, SyncStreamCall, UnaryCall
from dubbopy.rpc.context import RpcContext
from dubbopy.rpc.filter import Filter
from dubbopy.rpc.servicer import RequestStream, Servicer, ServicerContext
from dubbopy.server import Server
from dubbopy.url import URL

__all__ = [
    "URL",
    "Channel",
    "Client",
    "ClientOptions",
    "ConfigError",
    "DecodeError",
    "DubboError",
    "Filter",
    "ProtocolError",
    "RemoteError",
    "RequestStream",
    "RpcContext",
    "RpcError",
    "Server",
    "ServerOptions",
    "Servicer",
    "ServicerContext",
    "StatusCode",
    "StreamCall",
    "SyncChannel",
    "SyncClient",
    "SyncStreamCall",
    "UnaryCall",
    "__version__",
    "interface",
    "method",
    "service",
]
