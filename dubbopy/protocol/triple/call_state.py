"""What every server-side Triple call keeps for its handler's :class:`~dubbopy.rpc.servicer.ServicerContext`.

:class:`CallState` is shared by the HTTP/2 call (:class:`~dubbopy.protocol.triple.server_call.ServerCall`)
and the JSON-over-HTTP call (:class:`~dubbopy.protocol.triple.http_call.JsonCall`): the method, the
deadline, cancellation, done callbacks, trailing metadata and abort mean the same on both; only how
metadata reaches the wire differs, and that stays with each call.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, NoReturn

from dubbopy.errors import RpcError, StatusCode
from dubbopy.protocol.triple import wire_metadata as md
from dubbopy.rpc.servicer import ServicerContext

if TYPE_CHECKING:
    from dubbopy.protocol.triple.handlers import MethodHandler


class CallState(ServicerContext):
    """The bookkeeping half of a server call; subclasses set the attributes in ``__init__`` (through
    :meth:`_init_state`) and call :meth:`_run_done_callbacks` once when the call ends."""

    handler: MethodHandler
    deadline: float | None
    _cancelled: bool
    _ended: bool
    _trailing: list[tuple[str, str | bytes]]
    _callbacks: list[Callable[[], None]]

    def _init_state(self, handler: MethodHandler, deadline: float | None) -> None:
        self.handler = handler
        self.deadline = deadline
        self._cancelled = False
        self._ended = False
        self._trailing = []
        self._callbacks = []

    def _run_done_callbacks(self) -> None:
        callbacks, self._callbacks = self._callbacks, []
        for callback in callbacks:
            callback()

    def method(self) -> str:
        return self.handler.method.path

    def time_remaining(self) -> float | None:
        if self.deadline is None:
            return None
        return max(0.0, self.deadline - time.monotonic())

    def cancelled(self) -> bool:
        return self._cancelled

    def add_done_callback(self, callback: Callable[[], None]) -> None:
        if self._ended:
            callback()
        else:
            self._callbacks.append(callback)

    def set_trailing_metadata(self, metadata: Sequence[tuple[str, str | bytes]]) -> None:
        md.validate(metadata)
        self._trailing.extend(metadata)

    def abort(self, code: StatusCode, message: str = "", *, details: bytes | None = None) -> NoReturn:
        raise RpcError(code, message, details=details)
