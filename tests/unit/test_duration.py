"""Timeouts parse alike everywhere: Java's bare milliseconds and dubbo-go's Go durations."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from dubbopy._duration import parse_duration, url_timeout
from dubbopy.config.values import as_duration
from dubbopy.errors import ConfigError


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("3000", 3.0),
        ("0", 0.0),
        ("3s", 3.0),
        ("500ms", 0.5),
        ("1m30s", 90.0),
        ("1h", 3600.0),
        ("1.5s", 1.5),
        (".5s", 0.5),
        ("250us", 250e-6),
        ("250µs", 250e-6),
        ("10ns", 10e-9),
        ("  2s \t", 2.0),
    ],
)
def test_milliseconds_and_go_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == pytest.approx(seconds)


def test_a_bare_number_counts_the_default_unit() -> None:
    # etcd's TTL is written in seconds
    assert parse_duration("30", default_unit=1.0) == 30.0
    assert parse_duration("30s", default_unit=1.0) == 30.0


@pytest.mark.parametrize("text", ["", "  ", "-5", "3x", "s", "5 s", "3s!", "1e3", "soon", "3S"])
def test_anything_else_is_refused_naming_the_text(text: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(repr(text))):
        parse_duration(text)


def test_the_registry_layer_re_exports_the_same_function() -> None:
    from dubbopy.registry import base

    assert base.parse_duration is parse_duration
    assert "parse_duration" in base.__all__


def test_protocols_do_not_import_the_registry_layer_for_it() -> None:
    from dubbopy.protocol.dubbo import invoker as dubbo_invoker
    from dubbopy.protocol.triple import invoker as triple_invoker

    assert triple_invoker.url_timeout is url_timeout
    assert dubbo_invoker.url_timeout is url_timeout
    for module in (dubbo_invoker, triple_invoker):
        assert module.__file__ is not None
        assert "dubbopy.registry" not in Path(module.__file__).read_text(encoding="utf-8"), module.__name__


@pytest.mark.parametrize(("value", "seconds"), [("3s", 3.0), ("3000", 3.0), (3000, 3.0), ("1m30s", 90.0)])
def test_configuration_reads_the_same_forms(value: object, seconds: float) -> None:
    assert as_duration(value, "consumer.timeout") == pytest.approx(seconds)


@pytest.mark.parametrize("value", ["3x", "", -1, True, 1.5])
def test_configuration_refuses_what_is_not_a_duration_naming_the_key(value: object) -> None:
    with pytest.raises(ConfigError, match=re.escape("consumer.timeout")):
        as_duration(value, "consumer.timeout")
