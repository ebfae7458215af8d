"""A Python provider of a Java interface: GreetingsService, served to Java consumers on dubbo:// and tri://.

Run:  python provider.py --dubbo-port 20880 --tri-port 50051
Stops gracefully on SIGTERM or Ctrl-C.

It binds every interface (0.0.0.0) by default: a Java consumer told to call 127.0.0.1 connects to the
machine's own network address instead (Java Dubbo rewrites loopback addresses), so a provider bound to
127.0.0.1 alone would not be reached.
"""

from __future__ import annotations

import argparse
import asyncio

import dubbopy
from dubbopy import java


@dubbopy.service("org.apache.dubbo.samples.api.GreetingsService")
class GreetingsService:
    """Implements the Java interface ``org.apache.dubbo.samples.api.GreetingsService``.

    The ``java.*`` annotations give each method's Java signature (``String sayHi(String)``), by which Java
    consumers find it. Methods may be ``async def`` (run on the event loop) or plain ``def`` (thread pool).
    """

    async def sayHi(self, name: java.String) -> java.String:
        """``"hi, " + name``, as the Java implementation answers."""
        return f"hi, {name}"


async def main(host: str, dubbo_port: int, tri_port: int) -> None:
    """Serve on both protocols until SIGTERM/SIGINT, then shut down gracefully."""
    server = dubbopy.Server(
        application="java-interop-python-provider",
        protocols=[f"dubbo://{host}:{dubbo_port}", f"tri://{host}:{tri_port}"],
    )
    server.add(GreetingsService())  # the same service on every protocol
    await server.start()
    dubbo, tri = server.ports
    print(f"GreetingsService provider listening on {host}: dubbo={dubbo} tri={tri}", flush=True)
    await server.serve(grace=5.0)  # returns after the graceful shutdown
    print("GreetingsService provider stopped gracefully", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--host", default="0.0.0.0", help="address to bind (default: %(default)s)")
    parser.add_argument("--dubbo-port", type=int, default=20880, help="dubbo:// port, 0 for any (default: %(default)s)")
    parser.add_argument("--tri-port", type=int, default=50051, help="tri:// port, 0 for any (default: %(default)s)")
    args = parser.parse_args()
    asyncio.run(main(args.host, args.dubbo_port, args.tri_port))
