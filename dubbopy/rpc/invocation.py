"""One call on its way through filters, cluster and protocol: the :class:`Invocation`.

An invocation is created for every call, so it is a plain ``__slots__`` object that takes ownership of
what it is given (no copies). The deadline is absolute, on the :func:`time.monotonic` clock, so that it
keeps its meaning however long the call waits in filters, retries and queues; ``timeout`` is derived.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from dubbopy.errors import ConfigError
from dubbopy.rpc.method import MethodDescriptor

__all__ = ["AttachmentValue", "Invocation"]

#: Attachment values are text, or bytes for binary values (Triple ``-bin`` headers, Dubbo byte[]).
AttachmentValue = str | bytes


class Invocation:
    """The facts of one call.

    * ``service_name`` — ``package.Service`` or the Java interface FQN; ``method_name`` — the method.
    * ``method`` — the :class:`~dubbopy.rpc.method.MethodDescriptor` when known (stubs, servicers);
      ``None`` for generic calls.
    * ``arguments`` — the request message; for client-streaming calls the iterable of requests; for the
      Dubbo protocol the tuple of Java arguments (``parameter_types`` then holds their Java types as
      descriptors or class names).
    * ``attachments`` — what travels with the call: Dubbo attachments / Triple headers (``str`` or
      ``bytes`` values). The invocation owns the dict it is given.
    * ``deadline`` — absolute :func:`time.monotonic` time after which the call has failed, or ``None``.
    * ``attributes`` — in-process data for filters and invokers (start time, chosen address, …); never
      sent.
    """

    __slots__ = (
        "arguments",
        "attachments",
        "attributes",
        "deadline",
        "method",
        "method_name",
        "parameter_types",
        "service_name",
    )

    def __init__(
        self,
        service_name: str,
        method_name: str,
        arguments: Any = None,
        *,
        method: MethodDescriptor[Any, Any] | None = None,
        attachments: dict[str, AttachmentValue] | None = None,
        timeout: float | None = None,
        deadline: float | None = None,
        parameter_types: Sequence[str] = (),
        attributes: dict[str, Any] | None = None,
    ) -> None:
        self.service_name = service_name
        self.method_name = method_name
        self.arguments = arguments
        self.method = method
        self.attachments: dict[str, AttachmentValue] = {} if attachments is None else attachments
        self.parameter_types = parameter_types
        self.attributes: dict[str, Any] = {} if attributes is None else attributes
        if timeout is not None:
            if deadline is not None:
                raise ConfigError("give an invocation a timeout or a deadline, not both")
            deadline = time.monotonic() + _check_timeout(timeout)
        self.deadline: float | None = deadline

    @classmethod
    def for_method(
        cls,
        method: MethodDescriptor[Any, Any],
        arguments: Any,
        *,
        attachments: dict[str, AttachmentValue] | None = None,
        timeout: float | None = None,
    ) -> Invocation:
        """An invocation of a known method (what a stub makes)."""
        return cls(method.service, method.name, arguments, method=method, attachments=attachments, timeout=timeout)

    @property
    def path(self) -> str:
        """``/service/method``, the Triple request path."""
        return f"/{self.service_name}/{self.method_name}"

    # ---------------------------------------------------------------------------------------- time

    @property
    def timeout(self) -> float | None:
        """Seconds left until the deadline (``0.0`` once passed), or ``None`` without a deadline."""
        return self.time_remaining()

    def time_remaining(self) -> float | None:
        """Seconds left until the deadline (``0.0`` once passed), or ``None`` without a deadline."""
        deadline = self.deadline
        if deadline is None:
            return None
        return max(0.0, deadline - time.monotonic())

    def set_timeout(self, seconds: float | None) -> None:
        """Set the deadline ``seconds`` from now (``None`` removes it)."""
        self.deadline = None if seconds is None else time.monotonic() + _check_timeout(seconds)

    def expired(self) -> bool:
        """Whether the deadline has passed."""
        deadline = self.deadline
        return deadline is not None and time.monotonic() >= deadline

    # --------------------------------------------------------------------------------- attachments

    def get_attachment(self, key: str, default: AttachmentValue | None = None) -> AttachmentValue | None:
        """The attachment ``key``, or ``default``."""
        return self.attachments.get(key, default)

    def set_attachment(self, key: str, value: AttachmentValue) -> None:
        """Set one attachment."""
        self.attachments[key] = value

    def copy(self) -> Invocation:
        """A copy with its own attachments and attributes dicts (the arguments are shared), for a retry
        or a fan-out that must not see another attempt's changes."""
        return Invocation(
            self.service_name,
            self.method_name,
            self.arguments,
            method=self.method,
            attachments=dict(self.attachments),
            deadline=self.deadline,
            parameter_types=self.parameter_types,
            attributes=dict(self.attributes),
        )

    def __repr__(self) -> str:
        return f"Invocation({self.path!r}, attachments={sorted(self.attachments)!r})"


def _check_timeout(seconds: float) -> float:
    # NaN fails ">= 0"; bool is an int but not a timeout.
    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool) and seconds >= 0:
        return float(seconds)
    raise ConfigError(f"timeout must be a number of seconds >= 0, not {seconds!r}")
