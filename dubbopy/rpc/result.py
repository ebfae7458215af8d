"""The outcome of one call: the :class:`Result` every invoker returns."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from dubbopy.rpc.invocation import AttachmentValue

__all__ = ["Result"]


class Result:
    """A value or an exception, plus what the provider sent back with it.

    * ``value`` — the response message (for server-streaming calls, the async iterator of responses).
    * ``exception`` — set when the call failed: an :class:`~dubbopy.errors.RpcError` (a
      :class:`~dubbopy.errors.RemoteError` when the provider's code raised), or on the provider side
      whatever the user's method raised. ``value`` is then ``None``.
    * ``attachments`` — the response attachments: Dubbo response attachments, Triple trailers (without
      ``grpc-status``/``grpc-message``).
    * ``initial_metadata`` — Triple response headers that are metadata; empty for the Dubbo protocol.
    """

    __slots__ = ("attachments", "exception", "initial_metadata", "value")

    def __init__(
        self,
        value: Any = None,
        *,
        exception: BaseException | None = None,
        attachments: dict[str, AttachmentValue] | None = None,
        initial_metadata: Sequence[tuple[str, AttachmentValue]] = (),
    ) -> None:
        self.value = value
        self.exception = exception
        self.attachments: dict[str, AttachmentValue] = {} if attachments is None else attachments
        self.initial_metadata = initial_metadata

    @classmethod
    def from_exception(
        cls, exception: BaseException, *, attachments: dict[str, AttachmentValue] | None = None
    ) -> Result:
        """A failed result."""
        return cls(exception=exception, attachments=attachments)

    @property
    def has_exception(self) -> bool:
        """Whether the call failed."""
        return self.exception is not None

    def value_or_raise(self) -> Any:
        """The value, or raise the exception the call failed with (Java ``Result.recreate``)."""
        exception = self.exception
        if exception is not None:
            raise exception
        return self.value

    def __repr__(self) -> str:
        if self.exception is not None:
            return f"Result(exception={self.exception!r})"
        return f"Result(value={type(self.value).__name__})"
