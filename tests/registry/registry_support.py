"""What the registry tests share: a recording listener, URL builders, the spec's provider URL, an echo
service and in-process providers registered in a real registry."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import dubbopy
from dubbopy import java
from dubbopy.url import URL

# spec/url.md §2: a Java 3.3 provider URL (the registries' tests write its encoded form out by hand)
SPEC_PROVIDER = (
    "dubbo://192.168.1.10:20880/org.apache.dubbo.demo.DemoService?application=demo-provider&deprecated=false"
    "&dubbo=2.0.2&dynamic=true&generic=false&interface=org.apache.dubbo.demo.DemoService"
    "&methods=sayHello,sayHelloAsync&prefer.serialization=hessian2,fastjson2&release=3.3.0"
    "&service-name-mapping=true&side=provider&timestamp=1732233600000"
)
WAIT = 30.0  # upper bound for events that should take milliseconds (a shared machine)


class Recorder:
    """A NotifyListener that queues each notification and remembers the thread it ran on."""

    def __init__(self) -> None:
        self.queue: asyncio.Queue[list[URL]] = asyncio.Queue()
        self.threads: set[int] = set()

    def notify(self, urls: Sequence[URL]) -> None:
        self.threads.add(threading.get_ident())
        self.queue.put_nowait(list(urls))

    async def until(self, predicate: Callable[[list[URL]], bool]) -> list[URL]:
        """The first notification (from now on) for which ``predicate`` holds."""
        async with asyncio.timeout(WAIT):
            while True:
                urls = await self.queue.get()
                if predicate(urls):
                    return urls


def provider(interface: str, port: int, **params: str) -> URL:
    return URL(
        "dubbo",
        "127.0.0.1",
        port,
        interface,
        {"interface": interface, "side": "provider", "methods": "sayHello", "application": "py", **params},
    )


def consumer(interface: str, category: str = "providers") -> URL:
    return URL(
        "consumer", "127.0.0.1", 0, interface, {"interface": interface, "side": "consumer", "category": category}
    )


def addresses(urls: Sequence[URL]) -> set[str]:
    """The ``host:port`` of every real (non-``empty://``) URL."""
    return {u.address for u in urls if u.protocol != "empty"}


def is_empty(urls: Sequence[URL]) -> bool:
    return len(urls) == 1 and urls[0].protocol == "empty"


def echo_service(name: str) -> Any:
    """A ``@dubbopy.service`` class for interface ``name`` (a test's own, so no other test's providers answer):
    ``Echo(tag).who(text)`` and ``.ping(text)`` answer ``"<tag>:<text>"``; ``calls`` counts the ``who`` calls."""

    @dubbopy.service(name)
    class Echo:
        def __init__(self, tag: str) -> None:
            self.tag = tag
            self.calls = 0

        async def who(self, text: java.String) -> java.String:
            self.calls += 1
            return f"{self.tag}:{text}"

        async def ping(self, text: java.String) -> java.String:
            return f"{self.tag}:{text}"

    return Echo


async def start_provider(
    registry: str, servicer: object, protocol: str = "dubbo://127.0.0.1:0", **options: Any
) -> dubbopy.Server:
    """A started ``dubbopy.Server`` serving ``servicer`` on ``protocol`` (a URL; port 0 = a free one),
    registered in ``registry``; ``options`` go to the server."""
    server = dubbopy.Server(protocols=[protocol], registries=[registry], **options)
    server.add(servicer)
    await server.start()
    return server


@contextlib.asynccontextmanager
async def running_provider(
    registry: str, servicer: object, protocol: str = "dubbo://127.0.0.1:0", *, grace: float = 1.0, **options: Any
) -> AsyncIterator[dubbopy.Server]:
    """:func:`start_provider`, stopped (with ``grace``) on exit."""
    server = await start_provider(registry, servicer, protocol, **options)
    try:
        yield server
    finally:
        await server.stop(grace=grace)
