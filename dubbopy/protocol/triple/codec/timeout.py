"""The ``grpc-timeout`` header: ``<1-8 ASCII digits><unit>`` (``spec/triple.md`` §1.1).

Units: ``H`` hours, ``M`` minutes, ``S`` seconds, ``m`` milliseconds, ``u`` microseconds, ``n``
nanoseconds. Peers print it differently and every parser reads both:

* Java sends the timeout in milliseconds, ``3000m`` (:func:`format_timeout_ms`);
* dubbo-go (connect-derived) picks the finest unit whose value has fewer than 8 digits, truncating
  (:func:`format_timeout`, so 3 s is ``3000000u``); a non-positive timeout is ``0n``.
"""

from __future__ import annotations

import math

from dubbopy.errors import ConfigError, DecodeError

__all__ = ["MAX_TIMEOUT_DIGITS", "format_timeout", "format_timeout_ms", "parse_timeout"]

#: The value part may have at most this many digits.
MAX_TIMEOUT_DIGITS = 8
_MAX_VALUE = 10**MAX_TIMEOUT_DIGITS - 1

# Parsing: seconds = value * factor (coarse units) or value / divisor (fine units); dividing keeps
# "3000m" at exactly 3.0 where multiplying by 0.001 would not for every value.
_MULTIPLY = {"H": 3600, "M": 60, "S": 1}
_DIVIDE = {"m": 1_000, "u": 1_000_000, "n": 1_000_000_000}

# Printing, finest first: (unit, nanoseconds per unit, first nanosecond count that no longer fits).
# dubbo-go keeps the printed value below 8 digits (``len(digits) < grpcMaxTimeoutChars``).
_PRINT_LIMIT = 10 ** (MAX_TIMEOUT_DIGITS - 1)
_UNITS_NS = tuple(
    (unit, size, size * _PRINT_LIMIT)
    for unit, size in (
        ("n", 1),
        ("u", 1_000),
        ("m", 1_000_000),
        ("S", 1_000_000_000),
        ("M", 60_000_000_000),
    )
)
_HOUR_NS = 3_600_000_000_000


def parse_timeout(value: str) -> float:
    """Seconds encoded by a ``grpc-timeout`` header value.

    Raises :class:`~dubbopy.errors.DecodeError` (a :class:`~dubbopy.errors.ProtocolError`) naming the
    value if it is empty, has a sign, spaces or other non-digits, more than 8 digits, or an unknown unit.
    """
    digits = value[:-1]
    if not digits or len(digits) > MAX_TIMEOUT_DIGITS or not (digits.isascii() and digits.isdigit()):
        raise DecodeError(_why_bad(value))
    unit = value[-1]
    divisor = _DIVIDE.get(unit)
    if divisor is not None:
        return int(digits) / divisor
    factor = _MULTIPLY.get(unit)
    if factor is None:
        raise DecodeError(_why_bad(value))
    return float(int(digits) * factor)


def _why_bad(value: str) -> str:
    prefix = f"invalid grpc-timeout {value!r}: "
    if not value:
        return prefix + "empty value"
    unit, digits = value[-1], value[:-1]
    if unit not in _DIVIDE and unit not in _MULTIPLY:
        return prefix + f"unit {unit!r} is not one of H, M, S, m, u, n"
    if not digits:
        return prefix + "no digits before the unit"
    if not (digits.isascii() and digits.isdigit()):
        return prefix + "the value must be ASCII digits only (no sign, space or decimal point)"
    return prefix + f"at most {MAX_TIMEOUT_DIGITS} digits are allowed, got {len(digits)}"


def format_timeout(seconds: float) -> str:
    """``grpc-timeout`` for a timeout of ``seconds``, printed as dubbo-go does.

    The finest unit whose value has fewer than 8 digits wins (``0.5`` → ``500000u``, ``3`` →
    ``3000000u``, ``86400`` → ``1440M``); the value is truncated to that unit. Non-positive timeouts
    print as ``0n`` (already expired). Timeouts beyond the field's range (about 11,400 years) are
    capped at ``99999999H``. NaN raises :class:`~dubbopy.errors.ConfigError`.
    """
    if not seconds > 0:
        if math.isnan(seconds):
            raise ConfigError("timeout must be a number of seconds, got NaN")
        return "0n"
    if math.isinf(seconds):
        return f"{_MAX_VALUE}H"
    nanos = round(seconds * 1_000_000_000)
    for unit, size, bound in _UNITS_NS:
        if nanos < bound:
            return f"{nanos // size}{unit}"
    return f"{min(nanos // _HOUR_NS, _MAX_VALUE)}H"


def format_timeout_ms(milliseconds: int) -> str:
    """``grpc-timeout`` as Java Dubbo prints it: the timeout in milliseconds, ``3000m``.

    Non-positive values print as ``0m``. Values with more than 8 digits (over about 27.7 hours) do not
    fit the ``m`` unit and fall back to :func:`format_timeout`.
    """
    if milliseconds <= 0:
        return "0m"
    if milliseconds <= _MAX_VALUE:
        return f"{milliseconds}m"
    return format_timeout(milliseconds / 1000)
