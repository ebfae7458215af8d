"""The server and client of the interface-style peers: ``EchoService`` (``echo_service.py``) served and
called through dubbopy on ``dubbo://`` (Hessian 2 bodies) or ``tri://`` (Triple's wrapper mode).

Neither protocol carries ``bench.Greeter`` here, so the contract's unary case is ``String echo(String)``
with the 98-character string; ``--payload pojo`` switches the client to ``User echoUser(User)``.
Interface-style services have no server stream: ``--mode stream`` ends with an error (``run.py`` does
not ask these peers for streams).
"""

from __future__ import annotations

import argparse
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import common
from echo_service import NAME, EchoService, make_user

import dubbopy

PAYLOADS = ("string", "pojo")


def add_payload_argument(parser: argparse.ArgumentParser) -> None:
    """``--payload string|pojo``: what the unary calls echo."""
    parser.add_argument("--payload", choices=PAYLOADS, default="string", help="echo the string or a POJO")


async def start_server(host: str, port: int, protocol: str) -> Callable[[], Awaitable[None]]:
    """Serve ``EchoService`` on ``protocol://host:port``; return the coroutine function that stops it."""
    server = dubbopy.Server(protocols=[f"{protocol}://{host}:{port}"], health=False, reflection=False)
    server.add(EchoService())
    await server.start()

    async def stop() -> None:
        await server.stop(grace=1.0)

    return stop


async def run_client(args: argparse.Namespace, protocol: str) -> dict[str, Any]:
    """Drive the workload over one dubbopy reference to ``EchoService`` at ``protocol://target``."""
    if args.mode != "unary":
        raise RuntimeError(f"{protocol}:// interface calls have no server stream; only --mode unary is measured")
    async with dubbopy.Client(application="bench") as client:
        service = client.reference(EchoService, url=f"{protocol}://{args.target}")
        if args.payload == "pojo":
            user = make_user()
            echo_user = service.echoUser

            def call_unary() -> Awaitable[Any]:
                return echo_user(user)

            def check(reply: Any) -> bool:
                return bool(reply == user)

        else:
            echo = service.echo

            def call_unary() -> Awaitable[Any]:
                return echo(NAME)

            def check(reply: Any) -> bool:
                return bool(reply == NAME)

        async def no_stream(n: int) -> AsyncIterator[Any]:
            raise RuntimeError("no streams")
            yield  # pragma: no cover

        result = await common.drive_async(args, call_unary, no_stream, check)
    result["payload"] = args.payload
    return result
