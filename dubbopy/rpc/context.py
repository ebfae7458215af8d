"""Call context: attachments that travel with a call without being passed by hand.

Built on :mod:`contextvars`, so it follows the code through ``await`` and stays private to each asyncio
task and each thread:

* **consumer, outgoing** — ``RpcContext.set_attachment("traceId", "t1")`` before a call adds the
  attachment to the *next* call made from this task (Java ``RpcContext.getClientAttachment()``); the
  consumer invoker takes them with :meth:`RpcContext.take_attachments`.
* **provider, incoming** — while a handler runs, :meth:`RpcContext.current_call` gives the
  :class:`CallContext` of the call: its attachments, and the response attachments the handler wants
  sent back (:meth:`RpcContext.set_response_attachment`, Java ``getServerContext().setAttachment``).
* **consumer, returned** — after a call, :meth:`RpcContext.response_attachments` gives what the provider
  sent back with it (Java ``getServerContext().getAttachment``), recorded by the consumer invoker with
  :meth:`RpcContext.record_response`.

A new task inherits the attachments set before it was created; what either side sets afterwards is not
seen by the other. The values stored in the context variables are never mutated in place, which is what
makes this isolation hold.

Handlers and callbacks run on worker threads must carry the context with them: :func:`run_in_executor`
does. The sync API, which runs the call on a loop thread, uses :meth:`RpcContext.fork_for_call` and
:meth:`RpcContext.merge_response` so that the caller's thread sees the same behaviour as async code.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import Executor
from types import MappingProxyType
from typing import TypeVar

from dubbopy.errors import ConfigError, DubboError
from dubbopy.rpc.invocation import AttachmentValue, Invocation

__all__ = ["CallContext", "RpcContext", "run_in_executor"]

R = TypeVar("R")

_EMPTY: Mapping[str, AttachmentValue] = MappingProxyType({})

# Each holds an immutable snapshot (replaced, never mutated) so that copies of a context stay independent.
_outgoing: contextvars.ContextVar[Mapping[str, AttachmentValue]] = contextvars.ContextVar(
    "dubbopy.outgoing_attachments", default=_EMPTY
)
_returned: contextvars.ContextVar[Mapping[str, AttachmentValue]] = contextvars.ContextVar(
    "dubbopy.response_attachments", default=_EMPTY
)
_current_call: contextvars.ContextVar[CallContext | None] = contextvars.ContextVar("dubbopy.current_call", default=None)


def _check_attachment(key: object, value: object) -> None:
    if not isinstance(key, str) or not key:
        raise ConfigError(f"attachment key must be a non-empty str, not {key!r}")
    if not isinstance(value, str | bytes):
        raise ConfigError(f"attachment {key!r} must be str or bytes, not {type(value).__name__}")


class CallContext:
    """Provider side: the call a handler is serving.

    ``attachments`` is a read-only view of what the consumer sent; ``response_attachments`` collects
    what the handler adds for the reply (sent as Dubbo response attachments / Triple trailers). One
    object per call, shared by every task and thread working on that call.
    """

    __slots__ = ("invocation", "peer", "response_attachments")

    def __init__(self, invocation: Invocation, *, peer: str = "") -> None:
        self.invocation = invocation
        #: the remote address, ``host:port`` (``[v6]:port``), or ``""`` when unknown
        self.peer = peer
        self.response_attachments: dict[str, AttachmentValue] = {}

    @property
    def attachments(self) -> Mapping[str, AttachmentValue]:
        """The attachments that came with the call (read-only)."""
        return MappingProxyType(self.invocation.attachments)

    @property
    def service_name(self) -> str:
        """The called service."""
        return self.invocation.service_name

    @property
    def method_name(self) -> str:
        """The called method."""
        return self.invocation.method_name

    def get_attachment(self, key: str, default: AttachmentValue | None = None) -> AttachmentValue | None:
        """An attachment the consumer sent, or ``default``."""
        return self.invocation.attachments.get(key, default)

    def __repr__(self) -> str:
        return f"CallContext({self.invocation.path!r}, peer={self.peer!r})"


class RpcContext:
    """The call context of the current task or thread (all methods are static; there is no instance)."""

    __slots__ = ()

    # ------------------------------------------------------------------------- consumer, outgoing

    @staticmethod
    def set_attachment(key: str, value: AttachmentValue) -> None:
        """Send ``key: value`` with the next call made from this task or thread."""
        _check_attachment(key, value)
        updated = dict(_outgoing.get())
        updated[key] = value
        _outgoing.set(MappingProxyType(updated))

    @staticmethod
    def get_attachment(key: str, default: AttachmentValue | None = None) -> AttachmentValue | None:
        """An attachment set for the next call, or ``default``."""
        return _outgoing.get().get(key, default)

    @staticmethod
    def remove_attachment(key: str) -> None:
        """Do not send ``key`` with the next call after all."""
        current = _outgoing.get()
        if key in current:
            _outgoing.set(MappingProxyType({k: v for k, v in current.items() if k != key}))

    @staticmethod
    def attachments() -> Mapping[str, AttachmentValue]:
        """Every attachment set for the next call (read-only)."""
        return _outgoing.get()

    @staticmethod
    def clear_attachments() -> None:
        """Drop every attachment set for the next call."""
        _outgoing.set(_EMPTY)

    @staticmethod
    def take_attachments() -> dict[str, AttachmentValue]:
        """For consumer invokers: the attachments for this call, removed from the context so that they
        go with one call only. The returned dict is a fresh copy the caller may keep and change."""
        current = _outgoing.get()
        if not current:
            return {}
        _outgoing.set(_EMPTY)
        return dict(current)

    # ------------------------------------------------------------------------- consumer, returned

    @staticmethod
    def response_attachments() -> Mapping[str, AttachmentValue]:
        """What the provider sent back with the last call made from this task or thread (read-only)."""
        return _returned.get()

    @staticmethod
    def record_response(attachments: Mapping[str, AttachmentValue]) -> None:
        """For consumer invokers: remember a call's response attachments for
        :meth:`response_attachments`. Must run in the caller's task, i.e. not inside a task the
        invoker spawned (use ``asyncio.timeout``, not ``asyncio.wait_for``, around the call)."""
        _returned.set(MappingProxyType(dict(attachments)) if attachments else _EMPTY)

    # ------------------------------------------------------------------------- provider, incoming

    @staticmethod
    def current_call() -> CallContext | None:
        """The call being served by this task or thread, or ``None`` outside a provider handler."""
        return _current_call.get()

    @staticmethod
    def set_response_attachment(key: str, value: AttachmentValue) -> None:
        """Send ``key: value`` back with the response of the call being served.

        Raises :class:`~dubbopy.errors.DubboError` outside a provider handler.
        """
        _check_attachment(key, value)
        call = _current_call.get()
        if call is None:
            raise DubboError("set_response_attachment() called outside a provider call")
        call.response_attachments[key] = value

    @staticmethod
    @contextlib.contextmanager
    def serving(call: CallContext) -> Iterator[CallContext]:
        """For protocol servers: make ``call`` the current call for the code run inside the block.

        Incoming calls start with no outgoing attachments, so nothing leaks from the server's own context
        into calls the handler makes.
        """
        call_token = _current_call.set(call)
        out_token = _outgoing.set(_EMPTY)
        try:
            yield call
        finally:
            _outgoing.reset(out_token)
            _current_call.reset(call_token)

    # ------------------------------------------------------------------------- thread hand-over

    @staticmethod
    def fork_for_call() -> contextvars.Context:
        """For the sync API: a copy of this thread's context to run one call in on the loop thread
        (``loop.create_task(coro, context=ctx)``). The outgoing attachments move into the copy, so they
        are sent once, exactly as an async call would consume them."""
        ctx = contextvars.copy_context()
        _outgoing.set(_EMPTY)
        return ctx

    @staticmethod
    def merge_response(ctx: contextvars.Context) -> None:
        """For the sync API: after the call ran in ``ctx`` (from :meth:`fork_for_call`), make its
        response attachments visible to :meth:`response_attachments` in this thread."""
        _returned.set(ctx.get(_returned, _EMPTY))


async def run_in_executor(executor: Executor | None, fn: Callable[..., R], *args: object) -> R:
    """Run ``fn(*args)`` on ``executor`` (``None``: the loop's default) inside a copy of the current
    context, so that :meth:`RpcContext.current_call` and the attachments are seen on the worker thread.
    Response attachments set there land on the shared :class:`CallContext`."""
    loop = asyncio.get_running_loop()
    ctx = contextvars.copy_context()
    return await loop.run_in_executor(executor, functools.partial(ctx.run, fn, *args))
