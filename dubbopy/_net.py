"""The address a provider publishes when it listens on every interface."""

from __future__ import annotations

import socket

_cached: str | None = None


def local_host() -> str:
    """This host's primary IPv4 address (what Java's ``NetUtils.getLocalHost`` would publish), or
    ``127.0.0.1`` when the host name does not resolve to a non-loopback address."""
    global _cached
    if _cached is None:
        try:
            address = socket.gethostbyname(socket.gethostname())
        except OSError:
            address = "127.0.0.1"
        _cached = address if not address.startswith("127.") else "127.0.0.1"
    return _cached
