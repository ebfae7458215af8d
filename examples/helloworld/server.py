"""A Greeter provider: the four call kinds of protos/helloworld.proto, served over Triple.

Run (after ./generate.sh):  PYTHONPATH=gen python server.py --port 50051
Stops gracefully on SIGTERM or Ctrl-C: in-flight calls finish, new ones are refused.
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator

import helloworld_dubbo
from helloworld_pb2 import HelloReply, HelloRequest

import dubbopy


class Greeter(helloworld_dubbo.GreeterServicer):
    """Overrides every method of the generated base; a method left alone answers UNIMPLEMENTED.

    Methods may be ``async def`` (run on the event loop, as here) or plain ``def`` (run on a thread pool).
    """

    async def SayHello(self, request: HelloRequest, context: dubbopy.ServicerContext) -> HelloReply:
        """Unary: one request, one reply."""
        return HelloReply(message=f"Hello, {request.name}!")

    async def LotsOfReplies(self, request: HelloRequest, context: dubbopy.ServicerContext) -> AsyncIterator[HelloReply]:
        """Server streaming: an async generator; each ``yield`` sends one message."""
        for greeting in ("Hello", "Bonjour", "Hola"):
            yield HelloReply(message=f"{greeting}, {request.name}!")

    async def LotsOfGreetings(
        self, requests: dubbopy.RequestStream[HelloRequest], context: dubbopy.ServicerContext
    ) -> HelloReply:
        """Client streaming: read every request (the loop ends when the client is done), reply once."""
        names = [request.name async for request in requests]
        return HelloReply(message=f"Hello to all {len(names)} of you: {', '.join(names)}!")

    async def BidiHello(
        self, requests: dubbopy.RequestStream[HelloRequest], context: dubbopy.ServicerContext
    ) -> AsyncIterator[HelloReply]:
        """Bidirectional streaming: answer each request as soon as it arrives."""
        async for request in requests:
            yield HelloReply(message=f"Hi {request.name}, nice to meet you.")


async def main(host: str, port: int) -> None:
    """Serve until SIGTERM/SIGINT, then shut down gracefully."""
    # Besides Greeter, the server answers gRPC health checks and server reflection (grpcurl works).
    server = dubbopy.Server(application="helloworld-provider", protocols=[f"tri://{host}:{port}"])
    server.add(Greeter())
    await server.start()
    print(f"Greeter provider listening on {host}:{server.ports[0]}", flush=True)
    await server.serve(grace=5.0)  # returns after the graceful shutdown
    print("Greeter provider stopped gracefully", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: %(default)s)")
    parser.add_argument("--port", type=int, default=50051, help="port to bind, 0 for any (default: %(default)s)")
    args = parser.parse_args()
    asyncio.run(main(args.host, args.port))
