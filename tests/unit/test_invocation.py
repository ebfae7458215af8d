"""Invocation and Result: deadlines, attachments, copies, outcomes."""

from __future__ import annotations

import math
import time

import pytest

from dubbopy.errors import ConfigError, RemoteError, StatusCode
from dubbopy.rpc import CallType, Invocation, MethodDescriptor, Result


def test_timeout_becomes_an_absolute_monotonic_deadline() -> None:
    before = time.monotonic()
    inv = Invocation("greet.Greeter", "SayHello", timeout=30)
    assert inv.deadline is not None
    assert before + 30 <= inv.deadline <= time.monotonic() + 30
    remaining = inv.time_remaining()
    assert remaining is not None
    assert 0 < remaining <= 30
    assert not inv.expired()


def test_no_deadline_and_expired_deadline() -> None:
    inv = Invocation("s", "m")
    assert inv.deadline is None
    assert inv.timeout is None
    assert not inv.expired()
    inv.set_timeout(0)
    assert inv.expired()
    assert inv.timeout == 0.0
    inv.set_timeout(None)
    assert inv.deadline is None


@pytest.mark.parametrize("bad", [-1, math.nan, "3s", True])
def test_bad_timeouts_are_rejected(bad: object) -> None:
    with pytest.raises(ConfigError, match="timeout"):
        Invocation("s", "m", timeout=bad)  # type: ignore[arg-type]


def test_timeout_and_deadline_together_are_rejected() -> None:
    with pytest.raises(ConfigError, match="not both"):
        Invocation("s", "m", timeout=1, deadline=time.monotonic() + 1)


def test_for_method_and_path() -> None:
    method: MethodDescriptor[bytes, bytes] = MethodDescriptor("greet.Greeter", "SayHello", CallType.UNARY)
    inv = Invocation.for_method(method, b"req", attachments={"k": "v"})
    assert (inv.service_name, inv.method_name, inv.method) == ("greet.Greeter", "SayHello", method)
    assert inv.path == "/greet.Greeter/SayHello"
    assert inv.get_attachment("k") == "v"


def test_invocation_owns_given_dicts_and_copy_detaches_them() -> None:
    attachments: dict[str, str | bytes] = {"a": "1"}
    inv = Invocation("s", "m", [1], attachments=attachments)
    inv.set_attachment("b", b"2")
    assert attachments == {"a": "1", "b": b"2"}  # no defensive copy on the hot path
    inv.attributes["start"] = 1.0
    twin = inv.copy()
    twin.set_attachment("c", "3")
    twin.attributes["start"] = 2.0
    assert "c" not in inv.attachments
    assert inv.attributes["start"] == 1.0
    assert twin.arguments is inv.arguments
    assert twin.deadline == inv.deadline


def test_result_value_or_exception() -> None:
    ok = Result("reply", attachments={"t": "1"}, initial_metadata=(("h", "v"),))
    assert not ok.has_exception
    assert ok.value_or_raise() == "reply"
    failed = Result.from_exception(RemoteError(StatusCode.UNKNOWN, "boom", class_name="java.lang.Exception"))
    assert failed.has_exception
    assert failed.value is None
    with pytest.raises(RemoteError, match="boom"):
        failed.value_or_raise()
