"""An async Greeter consumer: calls each of the four methods once and prints what comes back.

Run (with server.py running):  PYTHONPATH=gen python client.py --address 127.0.0.1:50051
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import AsyncIterator

import helloworld_dubbo
from helloworld_pb2 import HelloRequest

import dubbopy


async def names(*names: str) -> AsyncIterator[HelloRequest]:
    """A request stream; a plain list of requests works too."""
    for name in names:
        yield HelloRequest(name=name)


async def main(address: str) -> None:
    """Make one call of each kind."""
    async with dubbopy.Client(application="helloworld-consumer") as client:
        # A reference is the path to one provider; timeout (seconds) applies to every call made through it.
        greeter = helloworld_dubbo.GreeterStub(client.reference(url=f"tri://{address}", timeout=5.0))

        reply = await greeter.SayHello(HelloRequest(name="Alice"))
        print(f"unary          SayHello        -> {reply.message}")

        async for reply in greeter.LotsOfReplies(HelloRequest(name="Bob")):
            print(f"server stream  LotsOfReplies   -> {reply.message}")

        reply = await greeter.LotsOfGreetings(names("Carol", "Dave", "Eve"))
        print(f"client stream  LotsOfGreetings -> {reply.message}")

        async for reply in greeter.BidiHello(names("Frank", "Grace")):
            print(f"bidi stream    BidiHello       -> {reply.message}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--address", default="127.0.0.1:50051", help="provider host:port (default: %(default)s)")
    args = parser.parse_args()
    try:
        asyncio.run(main(args.address))
    except dubbopy.RpcError as error:  # a call failed: the status code and message say why
        sys.exit(f"call failed: {error}")
