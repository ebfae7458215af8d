"""A dubbopy Triple server in its own process, for tests that measure it from outside (memory).

Serves the test Greeter (``tests/greeter_support.make_greeter``) on ``127.0.0.1`` at a free port, prints
the port on one line once it is listening, and stops gracefully on SIGTERM or when stdin closes (so it
never outlives the test that started it). Expects the helloworld modules in ``tests/.gen``.
"""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path
from types import SimpleNamespace

TESTS = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(TESTS / ".gen"), str(TESTS)]

import helloworld_dubbo  # noqa: E402
import helloworld_pb2  # noqa: E402
from greeter_support import make_greeter  # noqa: E402

import dubbopy  # noqa: E402
from dubbopy._loop import new_event_loop  # noqa: E402


async def serve() -> None:
    hw = SimpleNamespace(pb2=helloworld_pb2, dubbo=helloworld_dubbo)
    server = dubbopy.Server(protocols=["tri://127.0.0.1:0"])
    server.add(make_greeter(hw))
    await server.start()
    print(server.ports[0], flush=True)
    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_reader(sys.stdin.fileno(), lambda: sys.stdin.buffer.read1(4096) or stop.set())
    await stop.wait()
    await server.stop(grace=1.0)


if __name__ == "__main__":
    with asyncio.Runner(loop_factory=new_event_loop) as runner:
        runner.run(serve())
