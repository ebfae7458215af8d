"""grpcurl, which knows nothing but what server reflection tells it, against a dubbopy Triple server.

Uses the ``triple_server`` fixture (``tests/conftest.py``): a running dubbopy Triple server on
``127.0.0.1:triple_server.port`` exporting ``helloworld.Greeter`` (``SayHello`` unary and
``LotsOfReplies`` server-streaming, both answering with messages that contain the request's name) and
the built-in health and reflection services. grpcurl comes from ``scripts/install-grpcurl.sh``.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
from typing import Any

import pytest
from testenv import tool_path

pytestmark = pytest.mark.interop


@pytest.fixture(scope="module")
def grpcurl_binary() -> str:
    """grpcurl (fails under CI=true, skips elsewhere, when scripts/install-grpcurl.sh has not run)."""
    return tool_path("grpcurl")


@pytest.fixture
def grpcurl(grpcurl_binary: str, triple_server: Any) -> Any:
    """Run grpcurl against the server off the event loop; returns its stdout, fails on a non-zero exit."""

    async def run(*words: str, data: str | None = None) -> str:
        flags = ["-plaintext", *(["-d", data] if data is not None else [])]
        argv = [grpcurl_binary, *flags, f"127.0.0.1:{triple_server.port}", *words]
        done = await asyncio.to_thread(subprocess.run, argv, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout}{done.stderr}"
        return done.stdout

    return run


def json_stream(text: str) -> list[Any]:
    """grpcurl prints one JSON document per response message, one after another."""
    decoder, documents, at = json.JSONDecoder(), [], 0
    while at < len(text.rstrip()):
        document, end = decoder.raw_decode(text, at)
        documents.append(document)
        at = end
        while at < len(text) and text[at].isspace():
            at += 1
    return documents


async def test_list_shows_exported_and_built_in_services(grpcurl: Any) -> None:
    services = (await grpcurl("list")).split()
    for name in (
        "helloworld.Greeter",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    ):
        assert name in services


async def test_list_methods_of_a_service(grpcurl: Any) -> None:
    methods = (await grpcurl("list", "helloworld.Greeter")).split()
    assert {"helloworld.Greeter.SayHello", "helloworld.Greeter.LotsOfReplies"} <= set(methods)


async def test_describe_service_and_message(grpcurl: Any) -> None:
    service = await grpcurl("describe", "helloworld.Greeter")
    assert "service Greeter {" in service
    assert "rpc SayHello ( .helloworld.HelloRequest ) returns ( .helloworld.HelloReply );" in service
    assert "returns ( stream .helloworld.HelloReply );" in service
    message = await grpcurl("describe", "helloworld.HelloRequest")
    assert "message HelloRequest {" in message
    assert "string name = 1;" in message


async def test_unary_call(grpcurl: Any) -> None:
    (reply,) = json_stream(await grpcurl("helloworld.Greeter/SayHello", data='{"name": "grpcurl"}'))
    assert "grpcurl" in reply["message"]


async def test_server_streaming_call(grpcurl: Any) -> None:
    replies = json_stream(await grpcurl("helloworld.Greeter/LotsOfReplies", data='{"name": "stream"}'))
    assert replies
    assert all("stream" in reply["message"] for reply in replies)


async def test_health_check(grpcurl: Any) -> None:
    (answer,) = json_stream(await grpcurl("grpc.health.v1.Health/Check", data='{"service": "helloworld.Greeter"}'))
    assert answer == {"status": "SERVING"}
