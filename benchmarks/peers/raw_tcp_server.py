"""The ceiling: a raw asyncio TCP echo server for 100-byte frames (no HTTP/2, no RPC framework).

Frames (``raw_tcp_client.py`` sends them): a 4-byte big-endian length of the rest, a 4-byte request
id, then the body; every frame of the benchmark is 100 bytes. The server cuts the byte stream into
frames and answers each with a frame of the same request id and body, all the answers to one read
in one write: the least any RPC server on asyncio has to do, hence the upper bound for the others.
It speaks no ``bench.Greeter`` and has no streams (``run.py`` runs no stream case against it).
"""

from __future__ import annotations

import asyncio
import struct
from collections.abc import Awaitable, Callable

import common

HEADER = struct.Struct("!II")  # length of what follows the length field, request id
MAX_FRAME = 1 << 20


class EchoProtocol(asyncio.Protocol):
    """One connection: split frames, echo each one back."""

    def __init__(self, connections: set[asyncio.Transport]) -> None:
        self._connections = connections
        self._transport: asyncio.Transport | None = None
        self._buffer = bytearray()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Remember the transport (to close it on shutdown)."""
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._connections.add(transport)

    def connection_lost(self, exc: Exception | None) -> None:
        """Forget the transport."""
        if self._transport is not None:
            self._connections.discard(self._transport)

    def data_received(self, data: bytes) -> None:
        """Answer every complete frame in the buffer with one write."""
        buffer = self._buffer
        buffer += data
        replies = []
        offset = 0
        end = len(buffer)
        unpack = HEADER.unpack_from
        while end - offset >= HEADER.size:
            length, request_id = unpack(buffer, offset)
            if length > MAX_FRAME:
                assert self._transport is not None
                self._transport.close()
                return
            if end - offset < 4 + length:
                break
            body = bytes(buffer[offset + HEADER.size : offset + 4 + length])
            replies.append(HEADER.pack(length, request_id) + body)
            offset += 4 + length
        if offset:
            del buffer[:offset]
        if replies:
            assert self._transport is not None
            self._transport.write(b"".join(replies))


async def start(host: str, port: int) -> Callable[[], Awaitable[None]]:
    """Listen on ``host:port``; return the coroutine function that stops the server."""
    loop = asyncio.get_running_loop()
    connections: set[asyncio.Transport] = set()
    server = await loop.create_server(lambda: EchoProtocol(connections), host, port)

    async def stop() -> None:
        server.close()
        for transport in list(connections):
            transport.close()
        await server.wait_closed()

    return stop


if __name__ == "__main__":
    common.server_main(start)
