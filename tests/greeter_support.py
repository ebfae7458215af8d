"""The helloworld test servicer most Triple tests run against (importable from any test module)."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any


def make_greeter(hw: SimpleNamespace) -> Any:
    """A helloworld servicer exercising every call kind, used by most Triple tests.

    * ``SayHello``: ``hi <name>``; names starting with ``!`` trigger behaviours: ``!sleep:<s>`` sleeps
      (records cancellation), ``!raise`` raises ValueError, ``!status:<code>:<msg>`` ends with that status
      (with details ``b"details"``), ``!big:<n>`` replies with n bytes, ``!meta`` echoes the request
      metadata as trailing metadata.
    * ``LotsOfReplies``: ``request.name`` repeated; count in the name ``<name>*<n>``.
    * ``LotsOfGreetings``: joins names with commas.
    * ``BidiHello``: echoes each name as it arrives.
    """
    import dubbopy
    from dubbopy.errors import StatusCode

    pb2 = hw.pb2

    class Greeter(hw.dubbo.GreeterServicer):  # type: ignore[misc,name-defined]
        def __init__(self) -> None:
            self.cancelled: list[str] = []
            self.events: dict[str, asyncio.Event] = {}

        def event(self, name: str) -> asyncio.Event:
            return self.events.setdefault(name, asyncio.Event())

        async def SayHello(self, request: Any, context: dubbopy.ServicerContext) -> Any:
            name = request.name
            if name.startswith("!sleep:"):
                self.event("sleeping").set()
                try:
                    await asyncio.sleep(float(name.split(":", 1)[1]))
                except asyncio.CancelledError:
                    self.cancelled.append(name)
                    self.event("cancelled").set()
                    raise
                return pb2.HelloReply(message="woke")
            if name == "!raise":
                raise ValueError("boom from the handler")
            if name.startswith("!status:"):
                _, code, message = name.split(":", 2)
                context.set_trailing_metadata([("err-trailer", "yes")])
                raise dubbopy.RpcError(StatusCode(int(code)), message, details=b"details")
            if name.startswith("!big:"):
                return pb2.HelloReply(message="x" * int(name.split(":", 1)[1]))
            if name == "!meta":
                metadata = [(k, v) for k, v in context.invocation_metadata() if k.startswith("x-")]
                await context.send_initial_metadata([("x-initial", "init")])
                context.set_trailing_metadata(metadata)
                return pb2.HelloReply(message="meta")
            return pb2.HelloReply(message="hi " + name)

        async def LotsOfReplies(self, request: Any, context: dubbopy.ServicerContext) -> Any:
            name, _, count = request.name.partition("*")
            for i in range(int(count or 3)):
                yield pb2.HelloReply(message=f"{name}{i}" if not name.startswith("=") else name[1:])

        async def LotsOfGreetings(self, requests: Any, context: dubbopy.ServicerContext) -> Any:
            names = [r.name async for r in requests]
            return pb2.HelloReply(message=",".join(names))

        async def BidiHello(self, requests: Any, context: dubbopy.ServicerContext) -> Any:
            async for request in requests:
                yield pb2.HelloReply(message="bidi " + request.name)

    return Greeter()
