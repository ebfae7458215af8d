"""Names and defaults of the Dubbo protocol: URL parameters, attachment keys, invocation attributes.

URL parameters and attachment keys are Java's (``CommonConstants``, ``remoting.Constants``); the
invocation attribute keys are dubbopy's own and never leave the process.
"""

from __future__ import annotations

from typing import Final

DEFAULT_PORT: Final = 20880

# ------------------------------------------------------------------------------ URL parameters
#: connections per provider address: 0 (default) shares one connection among all references to the
#: address; N > 0 gives the reference N connections of its own
CONNECTIONS_KEY: Final = "connections"
#: connections of the shared client of an address when ``connections`` is 0 (Java default 1)
SHARE_CONNECTIONS_KEY: Final = "shareconnections"
#: idle milliseconds before a heartbeat is sent (Java default 60000)
HEARTBEAT_KEY: Final = "heartbeat"
#: milliseconds of silence before the connection is given up (default 3 heartbeats)
HEARTBEAT_TIMEOUT_KEY: Final = "heartbeat.timeout"
#: largest body in bytes, both directions (default 8 MiB)
PAYLOAD_KEY: Final = "payload"
#: call timeout in milliseconds (Java default 1000), also per method as ``<method>.timeout``
TIMEOUT_KEY: Final = "timeout"
#: connect timeout in milliseconds (Java default 3000)
CONNECT_TIMEOUT_KEY: Final = "connect.timeout"
#: worker threads of a provider for plain functions (Java fixed pool default 200)
THREADS_KEY: Final = "threads"
#: calls waiting for a worker thread beyond ``threads`` (Java default 0: reject when all are busy)
QUEUES_KEY: Final = "queues"
#: the serialization a consumer sends with, and the provider's list of preferred ones
SERIALIZATION_KEY: Final = "serialization"
PREFER_SERIALIZATION_KEY: Final = "prefer.serialization"
#: ``return=false`` (URL, per method, or as an attachment) makes a call one-way
RETURN_KEY: Final = "return"

DEFAULT_TIMEOUT_MS: Final = 1000
DEFAULT_CONNECT_TIMEOUT_MS: Final = 3000
DEFAULT_HEARTBEAT_MS: Final = 60_000
DEFAULT_THREADS: Final = 200

# ------------------------------------------------------------------------------ attachments
PATH_KEY: Final = "path"
INTERFACE_KEY: Final = "interface"
VERSION_KEY: Final = "version"
GROUP_KEY: Final = "group"
TOKEN_KEY: Final = "token"
APPLICATION_KEY: Final = "remote.application"
#: added by providers: the request's dubbo protocol version (request side) / "2.0.2" (response side)
DUBBO_VERSION_KEY: Final = "dubbo"
#: ``true`` (or ``bean``, ``nativejava``, ``gson``, ``protobuf-json``, ``raw.return``) on generic calls
GENERIC_KEY: Final = "generic"

# ------------------------------------------------------------------------------ method names
INVOKE: Final = "$invoke"
INVOKE_ASYNC: Final = "$invokeAsync"
ECHO: Final = "$echo"
ECHO_DESCRIPTOR: Final = "Ljava/lang/Object;"

# ------------------------------------------------------------------------------ invocation attributes
#: consumer: the declared Java return type, so the response value is read as that type
RETURN_TYPE: Final = "dubbopy.dubbo.return_type"
#: provider: the server's bounded worker pool for plain-function methods (set by the server)
EXECUTOR: Final = "dubbopy.dubbo.executor"
