"""grpc-timeout parsing and printing (spec/triple.md §1.1)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dubbopy.errors import ConfigError, DecodeError, ProtocolError
from dubbopy.protocol.triple.codec.timeout import format_timeout, format_timeout_ms, parse_timeout


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3000m", 3.0),  # what Java sends by default
        ("3000000u", 3.0),  # what dubbo-go sends for 3 s
        ("0n", 0.0),
        ("1n", 1e-9),
        ("99999999n", 0.099999999),  # 8 digits: the longest legal value
        ("00000001S", 1.0),  # leading zeros are still digits
        ("1S", 1.0),
        ("2M", 120.0),
        ("1H", 3600.0),
        ("99999999H", 99999999 * 3600.0),
        ("250m", 0.25),
        ("7u", 7e-6),
    ],
)
def test_parse(value: str, seconds: float) -> None:
    assert parse_timeout(value) == pytest.approx(seconds, rel=1e-15, abs=0)


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("", "empty"),
        ("S", "no digits"),
        ("100000000n", "at most 8 digits"),  # 9 digits
        ("123456789S", "at most 8 digits"),
        ("10s", "unit 's'"),
        ("10", "unit '0'"),
        ("10x", "unit 'x'"),
        ("-1S", "ASCII digits only"),
        ("+1S", "ASCII digits only"),
        (" 1S", "ASCII digits only"),
        ("1.5S", "ASCII digits only"),
        ("\u0661S", "ASCII digits only"),  # Arabic-Indic one: a Unicode digit, not ASCII
    ],
)
def test_parse_rejects_with_a_clear_error(value: str, reason: str) -> None:
    with pytest.raises(ProtocolError, match=reason) as info:
        parse_timeout(value)
    assert isinstance(info.value, DecodeError)
    assert repr(value) in str(info.value)


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (0, "0n"),
        (-1.5, "0n"),
        (-math.inf, "0n"),
        (1e-9, "1n"),
        (0.009999999, "9999999n"),  # 7 digits still fits the finest unit
        (0.01, "10000u"),  # 10000000n would be 8 digits: next unit
        (0.5, "500000u"),
        (3, "3000000u"),  # dubbo-go prints 3 s like this
        (9.999999, "9999999u"),
        (10, "10000m"),
        (0.3, "300000u"),  # 0.3 * 1e9 is 299999999.99999994 in floats; must not truncate to 299999u
        (9999.999, "9999999m"),
        (10000, "10000S"),
        (86400, "86400S"),
        (9_999_999, "9999999S"),
        (10_000_000, "166666M"),  # truncated, as dubbo-go does
        (3600 * 10_000_000, "10000000H"),  # minutes would need 9 digits
        (3600 * 99_999_999, "99999999H"),
        (3600 * 100_000_000, "99999999H"),  # capped: the field holds 8 digits
        (math.inf, "99999999H"),
    ],
)
def test_format(seconds: float, text: str) -> None:
    assert format_timeout(seconds) == text


def test_format_nan_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="NaN"):
        format_timeout(math.nan)


@pytest.mark.parametrize(
    ("ms", "text"),
    [(3000, "3000m"), (1, "1m"), (0, "0m"), (-5, "0m"), (99_999_999, "99999999m"), (100_000_000, "100000S")],
)
def test_format_ms_java_style(ms: int, text: str) -> None:
    assert format_timeout_ms(ms) == text


@given(st.floats(min_value=1e-9, max_value=1e9, allow_nan=False))
def test_printed_values_parse_back_and_never_exceed_the_timeout(seconds: float) -> None:
    text = format_timeout(seconds)
    assert len(text) <= 9
    parsed = parse_timeout(text)
    assert parsed <= seconds * (1 + 1e-12) + 1e-9
    # after a change of unit the value has at least 5 digits (10000u), so truncating it to the unit
    # loses less than one part in 10^4
    assert parsed >= seconds * (1 - 1e-4) - 1e-9
