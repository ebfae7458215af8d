"""Dubbo status bytes ⇄ :class:`~dubbopy.errors.StatusCode` (``spec/dubbo-protocol.md`` §3.2).

Java consumers only tell timeouts (30, 31) from the rest: any other non-OK status becomes a
``RemotingException`` with the message. dubbopy maps each status to the gRPC code that says the same
thing, so a Python caller can react to it, and maps back when it answers:

=====  =================================  ======================
byte   Java constant                      StatusCode
=====  =================================  ======================
20     OK                                 OK
25     SERIALIZATION_ERROR                INTERNAL
30/31  CLIENT_TIMEOUT / SERVER_TIMEOUT    DEADLINE_EXCEEDED
35     CHANNEL_INACTIVE                   UNAVAILABLE
40     BAD_REQUEST                        INTERNAL
50     BAD_RESPONSE                       INTERNAL
60     SERVICE_NOT_FOUND                  UNIMPLEMENTED
70     SERVICE_ERROR                      UNKNOWN
80     SERVER_ERROR                       INTERNAL
90     CLIENT_ERROR                       INTERNAL
100    SERVER_THREADPOOL_EXHAUSTED_ERROR  RESOURCE_EXHAUSTED
other                                     UNKNOWN
=====  =================================  ======================

When a dubbopy provider fails a call itself (not the user's code), it sends: ``DEADLINE_EXCEEDED`` →
31, ``UNIMPLEMENTED``/``NOT_FOUND`` → 60, ``RESOURCE_EXHAUSTED`` → 100, ``INTERNAL`` → 80, anything else
→ 70. Exceptions raised by user code are not statuses: they travel as an OK response carrying a Java
throwable (§3.1).
"""

from __future__ import annotations

from typing import Final

from dubbopy.errors import RpcError, StatusCode
from dubbopy.protocol.dubbo.frames import Status

__all__ = ["error_for_status", "status_for_error", "status_to_code"]

_TO_CODE: Final[dict[int, StatusCode]] = {
    Status.OK: StatusCode.OK,
    Status.SERIALIZATION_ERROR: StatusCode.INTERNAL,
    Status.CLIENT_TIMEOUT: StatusCode.DEADLINE_EXCEEDED,
    Status.SERVER_TIMEOUT: StatusCode.DEADLINE_EXCEEDED,
    Status.CHANNEL_INACTIVE: StatusCode.UNAVAILABLE,
    Status.BAD_REQUEST: StatusCode.INTERNAL,
    Status.BAD_RESPONSE: StatusCode.INTERNAL,
    Status.SERVICE_NOT_FOUND: StatusCode.UNIMPLEMENTED,
    Status.SERVICE_ERROR: StatusCode.UNKNOWN,
    Status.SERVER_ERROR: StatusCode.INTERNAL,
    Status.CLIENT_ERROR: StatusCode.INTERNAL,
    Status.SERVER_THREADPOOL_EXHAUSTED_ERROR: StatusCode.RESOURCE_EXHAUSTED,
}

_TO_STATUS: Final[dict[StatusCode, int]] = {
    StatusCode.DEADLINE_EXCEEDED: Status.SERVER_TIMEOUT,
    StatusCode.UNIMPLEMENTED: Status.SERVICE_NOT_FOUND,
    StatusCode.NOT_FOUND: Status.SERVICE_NOT_FOUND,
    StatusCode.RESOURCE_EXHAUSTED: Status.SERVER_THREADPOOL_EXHAUSTED_ERROR,
    StatusCode.INTERNAL: Status.SERVER_ERROR,
}


def status_to_code(status: int) -> StatusCode:
    """The :class:`~dubbopy.errors.StatusCode` for a status byte (table in the module docstring)."""
    return _TO_CODE.get(status, StatusCode.UNKNOWN)


def error_for_status(status: int, message: str) -> RpcError:
    """The error a consumer reports for a non-OK response."""
    name = Status(status).name if status in Status._value2member_map_ else f"status {status}"
    return RpcError(status_to_code(status), message or f"provider answered {name}")


def status_for_error(error: RpcError) -> int:
    """The status byte a provider answers with when it fails a call with ``error``."""
    return int(_TO_STATUS.get(error.status, Status.SERVICE_ERROR))
