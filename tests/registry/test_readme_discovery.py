"""The README's service-discovery example runs as written, against the test ZooKeeper."""

from __future__ import annotations

import asyncio
import contextlib
import re
from typing import Any

import pytest
import testenv
from registry_fixtures import ZooKeeperServer


def _example() -> str:
    readme = (testenv.ROOT / "README.md").read_text()
    section = readme.split("## Service discovery", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "README's Service discovery section has no python example"
    return match.group(1)


async def test_the_readme_discovery_example_works(
    zookeeper: ZooKeeperServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = _example()
    # the test's own registry, and a free port instead of 20880
    code = code.replace("zookeeper://127.0.0.1:2181", zookeeper.url).replace("0.0.0.0:20880", "0.0.0.0:0")
    namespace: dict[str, Any] = {"__name__": "readme_example"}
    exec(compile(code, "README.md", "exec"), namespace)
    provider = asyncio.ensure_future(namespace["provide"]())
    try:
        async with asyncio.timeout(30):
            while True:  # the provider registers shortly after it starts
                try:
                    await namespace["consume"]()
                    break
                except Exception:
                    await asyncio.sleep(0.2)
    finally:
        provider.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await provider
    assert "hi, world" in capsys.readouterr().out
