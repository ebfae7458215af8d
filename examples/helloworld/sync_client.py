"""A blocking Greeter consumer, for code without asyncio: the same four calls as client.py.

Run (with server.py running):  PYTHONPATH=gen python sync_client.py --address 127.0.0.1:50051

SyncClient runs the async client on a background event-loop thread; calls block the calling thread only.
"""

from __future__ import annotations

import argparse
import sys

import helloworld_dubbo
from helloworld_pb2 import HelloRequest

import dubbopy


def main(address: str) -> None:
    """Make one call of each kind."""
    with dubbopy.SyncClient(application="helloworld-sync-consumer") as client:
        greeter = helloworld_dubbo.GreeterSyncStub(client.reference(url=f"tri://{address}", timeout=5.0))

        reply = greeter.SayHello(HelloRequest(name="Alice"))
        print(f"unary          SayHello        -> {reply.message}")

        for reply in greeter.LotsOfReplies(HelloRequest(name="Bob")):  # a blocking iterator
            print(f"server stream  LotsOfReplies   -> {reply.message}")

        # Request streams are any iterable; a generator is read lazily, on a worker thread.
        reply = greeter.LotsOfGreetings(HelloRequest(name=name) for name in ("Carol", "Dave", "Eve"))
        print(f"client stream  LotsOfGreetings -> {reply.message}")

        for reply in greeter.BidiHello([HelloRequest(name="Frank"), HelloRequest(name="Grace")]):
            print(f"bidi stream    BidiHello       -> {reply.message}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--address", default="127.0.0.1:50051", help="provider host:port (default: %(default)s)")
    args = parser.parse_args()
    try:
        main(args.address)
    except dubbopy.RpcError as error:  # a call failed: the status code and message say why
        sys.exit(f"call failed: {error}")
