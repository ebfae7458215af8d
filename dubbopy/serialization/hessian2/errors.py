"""Errors of the Hessian 2.0 codec.

``HessianError`` is a :class:`~dubbopy.errors.DecodeError`: the bytes cannot be turned into a value.
It always names the byte offset where decoding stopped and what the decoder expected there, so a bad
message from a peer can be found in a hex dump. ``HessianEncodeError`` is raised for Python values that
have no Hessian form (an unregistered class, an int beyond 64 bits, nesting beyond the limit); it is a
programming error on this side, not a protocol error, so it is a ``ValueError`` under ``DubboError``.
"""

from __future__ import annotations

from dubbopy.errors import DecodeError, DubboError


class HessianError(DecodeError):
    """Bytes that are not valid Hessian 2.0 (or exceed a decoder limit).

    ``offset`` is the byte offset in the decoder's input where the problem was found (``None`` when
    not known) and ``expected`` a short description of what was expected there.
    """

    def __init__(self, message: str, *, offset: int | None = None, expected: str | None = None) -> None:
        if offset is not None:
            message = f"{message} (at byte offset {offset})"
        super().__init__(message)
        self.offset = offset
        self.expected = expected


class HessianLimitError(HessianError):
    """The input is well-formed so far but exceeds a decoder limit (depth, collection size, string size)."""


class HessianEncodeError(DubboError, ValueError):
    """A Python value cannot be written as Hessian 2.0; the message names the value's type and why."""
