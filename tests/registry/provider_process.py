"""A provider in a process of its own, for the fault tests (``test_faults.py``): something to SIGKILL.

::

    python tests/registry/provider_process.py --registry zookeeper://127.0.0.1:2181 --name p1 \
        --interface org.dubbopy.test.Faulty --protocol dubbo --session 2

A :class:`dubbopy.Server` exporting :func:`fault_service` on one free loopback port, registered in the
given registry with a short session (ZooKeeper ``zk.session``) or lease (etcd ``ttl``) of ``--session``
seconds unless the registry URL sets its own, so a killed process leaves the directory soon. Once
registered it prints one line on stdout::

    READY <port> zookeeper <session id, hex> <session password, hex>
    READY <port> etcdv3 <lease id, hex>

(the ZooKeeper session is what ``registry_fixtures.expire_session`` needs to expire it from outside).
On SIGTERM or SIGINT it stops gracefully: unregisters first, then closes its port, then exits 0. It also
asks Linux to SIGKILL it when the process that started it dies, so a crashed test leaves no orphan.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ctypes
import os
import signal
import sys
from pathlib import Path
from typing import Any

if __name__ == "__main__":  # run as a script: make ``import dubbopy`` work from a checkout
    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import dubbopy
from dubbopy import java
from dubbopy.url import URL

_PR_SET_PDEATHSIG = 1


def fault_service(interface: str) -> Any:
    """The ``@dubbopy.service`` class both sides use: ``whoami()``, ``echo(text)``, ``slow(ms)``."""

    @dubbopy.service(interface)
    class Faulty:
        def __init__(self, name: str) -> None:
            self.name = name

        async def whoami(self) -> java.String:
            return self.name

        async def echo(self, text: java.String) -> java.String:
            return f"{self.name}:{text}"

        async def slow(self, ms: java.int) -> java.String:
            """Answer after ``ms`` milliseconds, so calls are in flight when a test kills the process."""
            await asyncio.sleep(ms / 1000)
            return self.name

    return Faulty


def registry_with_session(registry: str, seconds: float) -> str:
    """``registry`` with a ``zk.session`` (ms) or etcd ``ttl`` (s) of ``seconds``, unless it has one, and a
    connect ``timeout`` of 10 s (a loaded machine)."""
    url = URL.parse(registry)
    if "timeout" not in url.params:
        url = url.with_param("timeout", "10000")
    if url.protocol == "zookeeper" and "zk.session" not in url.params:
        url = url.with_param("zk.session", str(round(seconds * 1000)))
    elif url.protocol.startswith("etcd") and "ttl" not in url.params:
        url = url.with_param("ttl", f"{seconds:g}s")
    return url.to_full_string()


def _die_with_parent() -> None:
    """SIGKILL this process when its parent dies (Linux ``prctl(PR_SET_PDEATHSIG)``)."""
    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() == 1:  # the parent died before prctl: do not linger
        os._exit(1)


def _ready_line(server: dubbopy.Server) -> str:
    """``READY <port> <registry> <session or lease>`` for the registry the server registered in."""
    opened = server._registries[0]  # the Server keeps its registries private; this is a test tool
    registry = getattr(opened, "registry", opened)  # the real one, if a cache wraps it
    port = server.ports[0]
    client = getattr(registry, "client", None)
    session = getattr(client, "client_id", None)
    if isinstance(session, tuple):  # kazoo: (session id, password)
        return f"READY {port} zookeeper {session[0]:x} {session[1].hex()}"
    return f"READY {port} etcdv3 {getattr(registry, 'lease', 0):x}"


async def _serve(args: argparse.Namespace) -> None:
    registry = registry_with_session(args.registry, args.session)
    server = dubbopy.Server(
        application=f"fault-{args.name}",
        protocols=[f"{args.protocol}://127.0.0.1:0"],
        registries=[registry],
        health=False,
        reflection=False,
    )
    server.add(fault_service(args.interface)(args.name))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        await server.start()
        print(_ready_line(server), flush=True)
        await stop.wait()
    finally:
        with contextlib.suppress(Exception):
            await server.stop(grace=1.0)


def main() -> None:
    """Parse the command line and serve until SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--registry", required=True, help="zookeeper://host:port or etcdv3://host:port")
    parser.add_argument("--name", required=True, help="what whoami() answers")
    parser.add_argument("--interface", required=True, help="the Java interface name to export")
    parser.add_argument("--protocol", default="dubbo", choices=["dubbo", "tri"])
    parser.add_argument("--session", type=float, default=2.0, help="ZooKeeper session / etcd lease, seconds")
    args = parser.parse_args()
    _die_with_parent()
    asyncio.run(_serve(args))


if __name__ == "__main__":
    main()
