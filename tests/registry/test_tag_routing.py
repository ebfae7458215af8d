"""Static tag routing end to end: real dubbopy providers in a real ZooKeeper, one untagged ("plain") and
one tagged ``dubbo.tag=gray`` on its protocol URL; consumers ask for a tag with the ``dubbo.tag``
attachment or reference parameter (Java's ``TagStateRouter`` without dynamic rules)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from registry_fixtures import ZooKeeperServer
from registry_support import echo_service, running_provider

import dubbopy
from dubbopy.errors import StatusCode
from dubbopy.rpc.context import RpcContext


@pytest.fixture
async def tagged(zookeeper: ZooKeeperServer) -> AsyncIterator[tuple[str, Any]]:
    """(registry, echo class) with a plain and a gray provider registered."""
    registry = f"zookeeper://{zookeeper.address}?group=/tags-{uuid.uuid4().hex[:8]}"
    echo = echo_service(f"org.dubbopy.test.Tagged{uuid.uuid4().hex[:8]}")
    async with (
        running_provider(registry, echo("plain")),
        running_provider(registry, echo("gray"), "dubbo://127.0.0.1:0?dubbo.tag=gray"),
    ):
        yield registry, echo


async def tags_answering(reference: Any, calls: int = 20, **attachments: str) -> set[str]:
    answered = set()
    for _ in range(calls):
        for key, value in attachments.items():
            RpcContext.set_attachment(key, value)
        answered.add((await reference.who("x")).split(":")[0])
    return answered


async def test_untagged_calls_never_reach_a_tagged_provider(tagged: tuple[str, Any]) -> None:
    registry, echo = tagged
    async with dubbopy.Client(registries=[registry]) as client:
        assert await tags_answering(client.reference(echo)) == {"plain"}


async def test_a_tagged_call_reaches_only_providers_of_its_tag(tagged: tuple[str, Any]) -> None:
    registry, echo = tagged
    async with dubbopy.Client(registries=[registry]) as client:
        reference = client.reference(echo)
        assert await tags_answering(reference, **{"dubbo.tag": "gray"}) == {"gray"}
        # the same through the reference's own parameter: it must not make the plain provider look gray
        gray_reference = client.reference(echo, params={"dubbo.tag": "gray"})
        assert await tags_answering(gray_reference) == {"gray"}


async def test_a_tag_without_providers_falls_back_unless_forced(tagged: tuple[str, Any]) -> None:
    registry, echo = tagged
    async with dubbopy.Client(registries=[registry]) as client:
        reference = client.reference(echo, params={"cluster": "failfast"})
        assert await tags_answering(reference, **{"dubbo.tag": "blue"}) == {"plain"}
        with pytest.raises(dubbopy.RpcError) as caught:
            await tags_answering(reference, 1, **{"dubbo.tag": "blue", "dubbo.force.tag": "true"})
        assert caught.value.status is StatusCode.UNAVAILABLE
