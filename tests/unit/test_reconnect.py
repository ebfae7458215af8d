"""The down state and background reconnection shared by the Dubbo and Triple clients.

``connect`` here is a counter standing in for opening a connection; the interval is made an hour, so any
attempt seen within the test was made at once, never by the timer.
"""

from __future__ import annotations

import asyncio

import pytest

from dubbopy.errors import RpcError, StatusCode
from dubbopy.rpc.reconnect import Reconnector


class Peer:
    """Counts connection attempts; refuses them while ``listening`` is false."""

    def __init__(self) -> None:
        self.attempts = 0
        self.listening = True
        self.reconnector = Reconnector(self.connect)

    async def connect(self) -> None:
        self.attempts += 1
        if not self.listening:
            raise RpcError(StatusCode.UNAVAILABLE, "refused")
        self.reconnector.up()


async def settle() -> None:
    """Let every task that is ready run (an attempt made at once takes a few loop turns)."""
    for _ in range(20):
        await asyncio.sleep(0)


@pytest.fixture(autouse=True)
def hour_interval(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("dubbopy.rpc.reconnect.RECONNECT_INTERVAL", 3600.0)


async def test_a_dropped_client_reconnects_at_once() -> None:
    peer = Peer()
    peer.reconnector.mark_down()
    assert peer.reconnector.down
    await settle()
    assert peer.attempts == 1
    assert not peer.reconnector.down
    await peer.reconnector.stop()


async def test_a_refused_attempt_leaves_the_client_down_until_the_timer() -> None:
    peer = Peer()
    peer.listening = False
    peer.reconnector.mark_down()
    await settle()
    assert peer.attempts == 1
    assert peer.reconnector.down
    await peer.reconnector.stop()


async def test_a_peer_that_drops_every_new_connection_does_not_make_a_busy_loop() -> None:
    # a server shutting down while still listening accepts, then sends GOAWAY at once: only the first
    # drop is answered by an attempt at once, the next waits for the timer
    peer = Peer()
    peer.reconnector.mark_down()
    await settle()
    assert (peer.attempts, peer.reconnector.down) == (1, False)
    peer.reconnector.mark_down()
    await settle()
    assert (peer.attempts, peer.reconnector.down) == (1, True)
    await peer.reconnector.stop()


async def test_stop_ends_reconnection_and_marks_nothing_down_afterwards() -> None:
    peer = Peer()
    peer.listening = False
    peer.reconnector.mark_down()
    await settle()
    await peer.reconnector.stop()
    peer.reconnector.mark_down()
    await settle()
    assert peer.attempts == 1
