"""The gRPC health service, ``grpc.health.v1.Health``, that every Triple server carries.

Clients (grpc's client-side health checking, Kubernetes ``grpc`` probes, ``grpc-health-probe``, load
balancers, dubbo-go and Java consumers) ask it whether the server, or one service on it, takes traffic:

* ``Check`` answers the current status, or ``NOT_FOUND`` for a service the server does not know;
* ``Watch`` sends the current status (``SERVICE_UNKNOWN`` for an unknown service, without failing) and
  then one message per change, until the call is cancelled or the server shuts down;
* ``List`` answers every known service's status at once.

The empty service name ``""`` stands for the server as a whole. The server marks itself and each service
it exports ``SERVING`` when it starts, and calls :meth:`HealthServicer.enter_graceful_shutdown` as soon
as shutdown begins, so that consumers holding long connections move away before the drain (dubbo-go
does the same; see ``dubbo-go-inventory.md`` §9).
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import threading
from collections.abc import AsyncIterator

from dubbopy.errors import ConfigError, RpcError, StatusCode
from dubbopy.rpc.method import CallType, ServiceDescriptor
from dubbopy.rpc.servicer import Servicer, ServicerContext
from dubbopy.services._descriptors import proto_method
from dubbopy.services._proto import health_pb2

__all__ = ["HEALTH_SERVICE", "HealthServicer", "ServingStatus"]

_NAME = "grpc.health.v1.Health"

#: the descriptor of ``grpc.health.v1.Health``, as generated code would write it
HEALTH_SERVICE = ServiceDescriptor(
    name=_NAME,
    methods={
        "Check": proto_method(
            _NAME, "Check", CallType.UNARY, health_pb2.HealthCheckRequest, health_pb2.HealthCheckResponse
        ),
        "List": proto_method(
            _NAME, "List", CallType.UNARY, health_pb2.HealthListRequest, health_pb2.HealthListResponse
        ),
        "Watch": proto_method(
            _NAME,
            "Watch",
            CallType.SERVER_STREAM,
            health_pb2.HealthCheckRequest,
            health_pb2.HealthCheckResponse,
        ),
    },
    file_descriptor=health_pb2.DESCRIPTOR,
)


class ServingStatus(enum.IntEnum):
    """A service's health; the numbers are ``HealthCheckResponse.ServingStatus`` on the wire."""

    UNKNOWN = 0
    SERVING = 1
    NOT_SERVING = 2
    #: only ever sent by ``Watch``, for a service the server does not know
    SERVICE_UNKNOWN = 3


def _as_status(value: ServingStatus | str) -> ServingStatus:
    try:
        return ServingStatus[value] if isinstance(value, str) else ServingStatus(value)
    except (KeyError, ValueError):
        names = ", ".join(s.name for s in ServingStatus)
        raise ConfigError(f"health status {value!r} is not one of {names}") from None


def _response(status: ServingStatus) -> health_pb2.HealthCheckResponse:
    return health_pb2.HealthCheckResponse(status=health_pb2.HealthCheckResponse.ServingStatus.ValueType(status))


class _Watcher:
    """One ``Watch`` call waiting for changes; woken from any thread."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.loop = asyncio.get_running_loop()
        self.changed = asyncio.Event()

    def wake(self) -> None:
        with contextlib.suppress(RuntimeError):  # a closed loop: nobody is waiting any more
            self.loop.call_soon_threadsafe(self.changed.set)


class HealthServicer(Servicer):
    """Per-service health statuses, served as ``grpc.health.v1.Health``.

    ``set`` may be called from any thread. After :meth:`enter_graceful_shutdown` every service is
    ``NOT_SERVING`` for good: later ``set`` calls are ignored (as in grpc-go), and every ``Watch`` call
    sends ``NOT_SERVING`` and then ends, so that it does not hold up the server's drain.

    ``list_limit`` is the most services ``List`` answers for; past it ``List`` fails with
    ``RESOURCE_EXHAUSTED``, as the health protocol asks (grpc-go uses the same 100).
    """

    SERVICE = HEALTH_SERVICE

    def __init__(self, *, overall: ServingStatus = ServingStatus.SERVING, list_limit: int = 100) -> None:
        self._lock = threading.Lock()
        self._statuses: dict[str, ServingStatus] = {"": overall}
        self._watchers: set[_Watcher] = set()
        self._shutting_down = False
        self._list_limit = list_limit

    # ----------------------------------------------------------------- the server's and user's side

    def set(self, service: str, status: ServingStatus | str) -> None:
        """Record ``service``'s status (``""`` for the whole server) and tell its watchers.

        ``status`` is a :class:`ServingStatus` or its name (``"SERVING"``); a bad one is a
        :class:`~dubbopy.errors.ConfigError`.
        """
        status = _as_status(status)
        with self._lock:
            if self._shutting_down:
                return
            self._statuses[service] = status
            watchers = [w for w in self._watchers if w.service == service]
        for watcher in watchers:
            watcher.wake()

    def clear(self, service: str) -> None:
        """Forget ``service``: ``Check`` answers ``NOT_FOUND`` and watchers see ``SERVICE_UNKNOWN``."""
        with self._lock:
            if self._shutting_down or self._statuses.pop(service, None) is None:
                return
            watchers = [w for w in self._watchers if w.service == service]
        for watcher in watchers:
            watcher.wake()

    def get(self, service: str) -> ServingStatus | None:
        """``service``'s status, or ``None`` if it is not known."""
        with self._lock:
            return self._statuses.get(service)

    def enter_graceful_shutdown(self) -> None:
        """Mark every known service ``NOT_SERVING`` for good and end every ``Watch`` call.

        The server calls this when shutdown starts, before it stops taking calls, so that consumers
        watching or polling health move their traffic elsewhere first.
        """
        with self._lock:
            self._shutting_down = True
            for service in self._statuses:
                self._statuses[service] = ServingStatus.NOT_SERVING
            watchers = list(self._watchers)
        for watcher in watchers:
            watcher.wake()

    # ----------------------------------------------------------------------------- the RPC methods

    async def Check(
        self, request: health_pb2.HealthCheckRequest, context: ServicerContext
    ) -> health_pb2.HealthCheckResponse:
        """The status of ``request.service``; ``NOT_FOUND`` if the server does not know it."""
        status = self.get(request.service)
        if status is None:
            raise RpcError(StatusCode.NOT_FOUND, f"unknown service {request.service!r}")
        return _response(status)

    async def List(
        self, request: health_pb2.HealthListRequest, context: ServicerContext
    ) -> health_pb2.HealthListResponse:
        """Every known service's status, including the server's own under ``""``."""
        with self._lock:
            statuses = dict(self._statuses)
        if len(statuses) > self._list_limit:
            raise RpcError(
                StatusCode.RESOURCE_EXHAUSTED,
                f"{len(statuses)} services exceed the limit of {self._list_limit} that List answers for",
            )
        return health_pb2.HealthListResponse(
            statuses={service: _response(status) for service, status in statuses.items()}
        )

    async def Watch(
        self, request: health_pb2.HealthCheckRequest, context: ServicerContext
    ) -> AsyncIterator[health_pb2.HealthCheckResponse]:
        """The status of ``request.service`` now and after every change.

        A status is sent only when it differs from the last one sent, so quick flips may be merged.
        Ends when the call is cancelled or after the ``NOT_SERVING`` that shutdown brings.
        """
        watcher = _Watcher(request.service)
        with self._lock:
            self._watchers.add(watcher)
        # the server cancels the handler's task when the call ends; this also covers a context that is
        # only marked cancelled
        context.add_done_callback(watcher.wake)
        try:
            last: ServingStatus | None = None
            while True:
                watcher.changed.clear()  # before reading, so a change made meanwhile is not lost
                with self._lock:
                    status = self._statuses.get(request.service, ServingStatus.SERVICE_UNKNOWN)
                    shutting_down = self._shutting_down
                if status != last:
                    yield _response(status)
                    last = status
                if shutting_down or context.cancelled():
                    return
                await watcher.changed.wait()
        finally:
            with self._lock:
                self._watchers.discard(watcher)
