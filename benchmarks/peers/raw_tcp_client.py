"""Benchmark client of the ceiling: raw asyncio TCP, 100-byte frames, C tasks on one connection.

Each call sends one frame (4-byte length of the rest, 4-byte request id, a 92-byte body, see
``raw_tcp_server.py``) and waits for the frame with its request id; replies are matched by id, so the
C calls in flight share the connection as an RPC client's would. Writes go straight to the transport
(asyncio's transport buffers what the socket does not take). No streams.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import struct
from collections.abc import AsyncIterator
from typing import Any

import common

HEADER = struct.Struct("!II")
FRAME_SIZE = 100
BODY = (common.NAME.encode("ascii") * 2)[: FRAME_SIZE - HEADER.size]


class ClientProtocol(asyncio.Protocol):
    """One connection: send framed requests, resolve each call's future by request id."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.pending: dict[int, asyncio.Future[bytes]] = {}
        self._buffer = bytearray()
        self._ids = itertools.count(1)
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport."""
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def connection_lost(self, exc: Exception | None) -> None:
        """Fail every call in flight."""
        error = exc or ConnectionError("connection closed by the server")
        for future in self.pending.values():
            if not future.done():
                future.set_exception(error)
        self.pending.clear()
        if not self.closed.done():
            self.closed.set_result(None)

    def data_received(self, data: bytes) -> None:
        """Hand every complete reply frame to the call waiting for its id."""
        buffer = self._buffer
        buffer += data
        offset = 0
        end = len(buffer)
        pending = self.pending
        while end - offset >= HEADER.size:
            length, request_id = HEADER.unpack_from(buffer, offset)
            if end - offset < 4 + length:
                break
            future = pending.pop(request_id, None)
            if future is not None and not future.done():
                future.set_result(bytes(buffer[offset + HEADER.size : offset + 4 + length]))
            offset += 4 + length
        if offset:
            del buffer[:offset]

    def call(self, body: bytes) -> asyncio.Future[bytes]:
        """Send ``body`` as one request; the future gets the reply's body."""
        if self.transport is None or self.transport.is_closing():
            raise ConnectionError("not connected")
        request_id = next(self._ids) & 0xFFFFFFFF
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        self.pending[request_id] = future
        self.transport.write(HEADER.pack(len(body) + 4, request_id) + body)
        return future


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Drive the workload over one TCP connection."""
    if args.mode != "unary":
        raise RuntimeError("the raw TCP echo has no streams; only --mode unary is measured")
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_connection(ClientProtocol, args.host, args.port)
    try:

        def call_unary() -> asyncio.Future[bytes]:
            return protocol.call(BODY)

        def check(reply: Any) -> bool:
            return bool(reply == BODY)

        async def no_stream(n: int) -> AsyncIterator[Any]:
            raise RuntimeError("no streams")
            yield  # pragma: no cover

        return await common.drive_async(args, call_unary, no_stream, check)
    finally:
        transport.close()
        await protocol.closed


if __name__ == "__main__":
    common.client_main(run)
