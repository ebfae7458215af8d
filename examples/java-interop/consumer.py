"""A Python consumer of a Java service: calls GreetingsService.sayHi over dubbo:// and over tri://.

Run (with a Java provider of org.apache.dubbo.samples.api.GreetingsService running):
    python consumer.py --dubbo 127.0.0.1:20880 --tri 127.0.0.1:50051

No .proto and no generated code: the class below is the typed view of the Java interface.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

import dubbopy
from dubbopy import java


@dubbopy.interface("org.apache.dubbo.samples.api.GreetingsService")
class GreetingsService:
    """``String sayHi(String name)`` of the Java interface; the body never runs, the provider's does.

    The ``java.*`` annotations give the Java signature (here ``sayHi(java.lang.String)``), which a Java
    provider needs to find the method; type checkers see plain ``str | None``.
    """

    async def sayHi(self, name: java.String) -> java.String: ...


async def main(urls: list[str]) -> None:
    """Call sayHi once at each URL and print the reply."""
    async with dubbopy.Client(application="java-interop-python-consumer") as client:
        for url in urls:
            # dubbo:// speaks the Dubbo protocol with Hessian2; tri:// speaks Triple, where an interface
            # without a .proto travels in Hessian2 too ("wrapper" mode), as Java does it.
            greetings = client.reference(GreetingsService, url=url, timeout=5.0)
            reply = await greetings.sayHi("Python")
            print(f"{url:<28} sayHi -> {reply}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dubbo", default="127.0.0.1:20880", help="the dubbo:// host:port (default: %(default)s)")
    parser.add_argument("--tri", default="127.0.0.1:50051", help="the tri:// host:port (default: %(default)s)")
    args = parser.parse_args()
    try:
        asyncio.run(main([f"dubbo://{args.dubbo}", f"tri://{args.tri}"]))
    except dubbopy.RpcError as error:  # a call failed: for a Java exception, its class name and message
        sys.exit(f"call failed: {error}")
