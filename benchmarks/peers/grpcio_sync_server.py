"""bench.Greeter on grpcio's thread-pool server (``grpc.server``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import common
import grpc

echo_pb2_grpc = common.gen_module("echo_pb2_grpc")

#: Handler threads. Handlers are trivial, so more threads only add GIL hand-offs; 16 keeps the
#: 64-call case from queueing behind a handful of workers.
WORKERS = 16


class Greeter(echo_pb2_grpc.GreeterServicer):
    """Unary echo and a server stream of ``request.count`` echoes."""

    def SayHello(self, request: Any, context: grpc.ServicerContext) -> Any:
        """Echo the name back."""
        return common.make_reply(request)

    def StreamHello(self, request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
        """Send ``request.count`` copies of the echo."""
        reply = common.make_reply(request)
        for _ in range(request.count):
            yield reply


def start(host: str, port: int) -> Callable[[], None]:
    """Listen on ``host:port``; return the function that stops the server."""
    server = grpc.server(ThreadPoolExecutor(max_workers=WORKERS))
    echo_pb2_grpc.add_GreeterServicer_to_server(Greeter(), server)
    server.add_insecure_port(f"{host}:{port}")
    server.start()

    def stop() -> None:
        server.stop(grace=1.0).wait()

    return stop


if __name__ == "__main__":
    common.server_main(start)
