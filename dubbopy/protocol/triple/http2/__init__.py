"""Our own HTTP/2 engine for Triple: frames, HPACK and the connection state machine (sans-IO)."""
