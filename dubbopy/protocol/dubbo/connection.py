"""One TCP connection carrying Dubbo frames: the asyncio side shared by client and server.

:class:`DubboConnection` feeds received bytes to the sans-IO
:class:`~dubbopy.protocol.dubbo.frames.FrameDecoder`, answers and tracks heartbeats, and hands
everything else to its subclass (:meth:`~DubboConnection.on_frame`, :meth:`~DubboConnection.on_oversize`,
:meth:`~DubboConnection.on_event`, :meth:`~DubboConnection.on_closed`).

Heartbeats follow Java (``spec/dubbo-protocol.md`` §4). Every ``heartbeat / 3`` seconds the connection
looks at when it last read and wrote:

* with ``send_heartbeats`` (the client side), a heartbeat request goes out when nothing was read *or*
  nothing was written for ``heartbeat`` seconds;
* on both sides, the connection is closed when nothing was read for ``idle_timeout`` seconds (default
  three heartbeats): the peer has missed three heartbeats, or is gone. A client reconnects on demand.

A heartbeat request from the peer is answered whatever the settings.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import random
import time
from typing import cast

from dubbopy.errors import ProtocolError
from dubbopy.protocol.dubbo.codec import Event, decode_event, encode_event
from dubbopy.protocol.dubbo.frames import Frame, FrameDecoder, FrameError, PayloadLimitError
from dubbopy.protocol.dubbo.serialization import Serialization, SerializationTable

__all__ = ["DubboConnection", "HeartbeatPolicy", "next_request_id"]

logger = logging.getLogger("dubbopy.protocol.dubbo")

_INT64 = 1 << 64
_INT63 = 1 << 63
# Java 3.x starts a process-wide counter at a random value and lets it wrap through the negatives.
_ids = itertools.count(random.getrandbits(62))


def next_request_id() -> int:
    """A fresh request id: a process-wide counter, wrapped to a signed 64-bit value."""
    value = next(_ids) % _INT64
    return value - _INT64 if value >= _INT63 else value


class HeartbeatPolicy:
    """When to send heartbeats and when to give up on a silent peer (seconds; ``None`` turns off)."""

    __slots__ = ("idle_timeout", "interval", "send")

    def __init__(self, interval: float | None, idle_timeout: float | None = None, *, send: bool) -> None:
        if interval is not None and interval <= 0:
            interval = None
        self.interval = interval
        if idle_timeout is None and interval is not None:
            idle_timeout = 3 * interval
        self.idle_timeout = idle_timeout
        self.send = send and interval is not None

    @property
    def tick(self) -> float | None:
        """How often the connection checks (Java ``HEARTBEAT_CHECK_TICK`` = 3 checks per period)."""
        periods = [p for p in (self.interval, self.idle_timeout) if p is not None]
        return min(periods) / 3 if periods else None


class DubboConnection(asyncio.Protocol):
    """Frames in, frames out, heartbeats; see the module docstring. Subclasses handle the messages."""

    def __init__(
        self,
        *,
        payload_limit: int,
        heartbeat: HeartbeatPolicy,
        serializations: SerializationTable,
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self.decoder = FrameDecoder(payload_limit)
        self.payload_limit = payload_limit
        self.heartbeat = heartbeat
        self.serializations = serializations
        self.transport: asyncio.Transport | None = None
        #: ``host:port`` of the other side (``[v6]:port``), ``""`` before the connection is made
        self.peer = ""
        self.closed = False
        self.last_read = self.last_write = time.monotonic()
        self._timer: asyncio.TimerHandle | None = None
        self._paused = False
        self._drain_waiters: list[asyncio.Future[None]] = []
        self._closed_waiter: asyncio.Future[None] = self.loop.create_future()

    # ------------------------------------------------------------------ asyncio.Protocol

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # not an isinstance check: uvloop's transports do not derive from asyncio.Transport
        self.transport = cast(asyncio.Transport, transport)
        peer = transport.get_extra_info("peername")
        if isinstance(peer, tuple) and len(peer) >= 2:
            host = str(peer[0])
            self.peer = f"[{host}]:{peer[1]}" if ":" in host else f"{host}:{peer[1]}"
        self.last_read = self.last_write = time.monotonic()
        tick = self.heartbeat.tick
        if tick is not None:
            self._timer = self.loop.call_later(tick, self._on_tick)

    def data_received(self, data: bytes) -> None:
        self.last_read = time.monotonic()
        decoder = self.decoder
        try:
            decoder.feed(data)
            while not self.closed:
                try:
                    frame = decoder.next_frame()
                except PayloadLimitError as exc:
                    self.on_oversize(exc)
                    continue
                if frame is None:
                    return
                if frame.header.is_event:
                    self._on_event_frame(frame)
                else:
                    self.on_frame(frame)
        except FrameError as exc:
            self.on_protocol_error(exc)

    def eof_received(self) -> bool | None:
        return False  # close our side too

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._wake_drain()
        try:
            self.on_closed(exc)
        finally:
            if not self._closed_waiter.done():
                self._closed_waiter.set_result(None)

    def pause_writing(self) -> None:
        self._paused = True

    def resume_writing(self) -> None:
        self._paused = False
        self._wake_drain()

    # ------------------------------------------------------------------ writing

    def write(self, data: bytes) -> None:
        """Send ``data``; raises :class:`~dubbopy.errors.ProtocolError` when the connection is closed."""
        transport = self.transport
        if self.closed or transport is None or transport.is_closing():
            raise ProtocolError(f"connection to {self.peer or 'the peer'} is closed")
        transport.write(data)
        self.last_write = time.monotonic()

    async def drain(self) -> None:
        """Wait while the transport's write buffer is over its high-water mark."""
        while self._paused and not self.closed:
            waiter = self.loop.create_future()
            self._drain_waiters.append(waiter)
            await waiter

    def _wake_drain(self) -> None:
        waiters, self._drain_waiters = self._drain_waiters, []
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    def send_event(self, event: Event, serialization: Serialization | None = None) -> None:
        """Send a heartbeat or string event; does nothing once the connection is closed."""
        if self.closed:
            return
        self.write(encode_event(event, serialization or self._serialization_for(event.serialization_id)))

    def _serialization_for(self, serialization_id: int) -> Serialization:
        return self.serializations.by_id(serialization_id) or self.serializations.default

    def close(self) -> None:
        """Close the connection (pending writes are flushed first)."""
        if self.transport is not None and not self.transport.is_closing():
            self.transport.close()

    def abort(self) -> None:
        """Close the connection now, dropping unsent data."""
        if self.transport is not None:
            self.transport.abort()

    async def wait_closed(self) -> None:
        """Wait until the connection is lost."""
        await asyncio.shield(self._closed_waiter)

    # ------------------------------------------------------------------ events and heartbeats

    def _on_event_frame(self, frame: Frame) -> None:
        try:
            event = decode_event(frame, self.serializations)
        except ProtocolError as exc:
            logger.warning("dropping an undecodable event from %s: %s", self.peer, exc)
            return
        if event.is_heartbeat:
            if event.is_request and event.twoway:
                self.send_event(
                    Event(event.request_id, None, is_request=False, serialization_id=event.serialization_id)
                )
            return
        self.on_event(event)

    def _on_tick(self) -> None:
        self._timer = None
        if self.closed:
            return
        policy = self.heartbeat
        now = time.monotonic()
        if policy.idle_timeout is not None and now - self.last_read > policy.idle_timeout:
            logger.info(
                "closing the connection to %s: nothing received for %.3fs (heartbeat timeout %.3fs)",
                self.peer,
                now - self.last_read,
                policy.idle_timeout,
            )
            self.on_idle_timeout()
            self.abort()
            return
        interval = policy.interval
        if (
            policy.send
            and interval is not None
            and (now - self.last_read >= interval or now - self.last_write >= interval)
        ):
            try:
                self.send_event(Event(next_request_id(), None, serialization_id=self.serializations.default.id))
            except ProtocolError:
                return
        tick = policy.tick
        if tick is not None:
            self._timer = self.loop.call_later(tick, self._on_tick)

    # ------------------------------------------------------------------ for subclasses

    def on_frame(self, frame: Frame) -> None:
        """A request or response frame (not an event) arrived."""
        raise NotImplementedError

    def on_oversize(self, error: PayloadLimitError) -> None:
        """A frame over the payload limit was refused (its body is being skipped); ``error.header`` says
        which one."""
        raise NotImplementedError

    def on_event(self, event: Event) -> None:
        """A string event (readonly ``"R"``, writeable ``"W"``, …) arrived; heartbeats are handled here."""

    def on_protocol_error(self, error: FrameError) -> None:
        """The peer sent bytes that are not Dubbo frames: log and close."""
        logger.warning("closing the connection to %s: %s", self.peer, error)
        self.abort()

    def on_idle_timeout(self) -> None:
        """The peer was silent for ``idle_timeout``; the connection is closed right after."""

    def on_closed(self, exc: Exception | None) -> None:
        """The connection is gone (``exc`` is the OS error, if any)."""
