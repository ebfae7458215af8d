"""The dubbopy exception tree.

Every exception dubbopy raises on purpose derives from :class:`DubboError`::

    DubboError
     ├── ConfigError            a bad URL, option or config value (names the key)
     ├── ProtocolError          a peer broke the wire format (bad frame, bad header, bad length)
     │    └── DecodeError       bytes that a codec cannot turn into a value
     └── RpcError               a call ended with a non-OK status; carries ``status`` (:class:`StatusCode`)
          └── RemoteError       the remote application raised; keeps the Java/Python class name

Lower-layer exceptions (``h2``, ``OSError``, ``ssl.SSLError``, protobuf's ``DecodeError``) are translated
at the layer boundary into one of these and chained with ``raise ... from``.

Status codes are the gRPC codes (``spec/triple.md`` §4); Dubbo protocol status bytes are mapped onto them
by the Dubbo protocol layer.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence


class StatusCode(enum.IntEnum):
    """gRPC status codes, used by every protocol (``spec/triple.md`` §4)."""

    OK = 0
    CANCELLED = 1
    UNKNOWN = 2
    INVALID_ARGUMENT = 3
    DEADLINE_EXCEEDED = 4
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    ABORTED = 10
    OUT_OF_RANGE = 11
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    DATA_LOSS = 15
    UNAUTHENTICATED = 16

    @classmethod
    def from_wire(cls, value: int) -> StatusCode:
        """Map a decimal status received from a peer; unknown numbers become ``UNKNOWN``.

        dubbo-go's business-error code 17 is not a gRPC code and is read as ``UNKNOWN`` as well.
        """
        try:
            return cls(value)
        except ValueError:
            return cls.UNKNOWN


class DubboError(Exception):
    """Root of every error dubbopy raises on purpose."""


class ConfigError(DubboError, ValueError):
    """A configuration value, option or URL is invalid; the message names the key and the value."""


class ProtocolError(DubboError):
    """A peer sent bytes that break the wire protocol; the connection may have to be closed."""


class DecodeError(ProtocolError, ValueError):
    """A codec could not decode its input; the message says what was wrong and where."""


class RpcError(DubboError):
    """A call ended with a non-OK status.

    ``status`` is the :class:`StatusCode`, ``message`` a human-readable text, ``details`` the raw
    ``grpc-status-details-bin`` payload (a serialized ``google.rpc.Status``) if the peer sent one, and
    ``trailers`` the trailing metadata that came with the error.
    """

    def __init__(
        self,
        status: StatusCode,
        message: str = "",
        *,
        details: bytes | None = None,
        trailers: Sequence[tuple[str, str | bytes]] = (),
    ) -> None:
        super().__init__(status, message)
        self.status = status
        self.message = message
        self.details = details
        self.trailers: tuple[tuple[str, str | bytes], ...] = tuple(trailers)

    def __str__(self) -> str:
        return f"{self.status.name}: {self.message}" if self.message else self.status.name

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.status.name}, {self.message!r})"


class RemoteError(RpcError):
    """The provider's application code raised; ``class_name`` is the remote exception's class name
    (a Java FQN such as ``java.lang.IllegalStateException`` or a Python qualified name)."""

    def __init__(
        self,
        status: StatusCode,
        message: str = "",
        *,
        class_name: str = "",
        details: bytes | None = None,
        trailers: Sequence[tuple[str, str | bytes]] = (),
    ) -> None:
        super().__init__(status, message, details=details, trailers=trailers)
        self.class_name = class_name


def deadline_exceeded(message: str = "deadline exceeded") -> RpcError:
    """The error every layer raises when a call's deadline passes."""
    return RpcError(StatusCode.DEADLINE_EXCEEDED, message)


def cancelled(message: str = "call cancelled") -> RpcError:
    """The error every layer raises when a call is cancelled."""
    return RpcError(StatusCode.CANCELLED, message)
