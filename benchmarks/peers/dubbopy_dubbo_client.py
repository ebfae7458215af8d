"""Benchmark client on dubbopy's dubbo:// client: one connection, C tasks.

``--payload string`` (default) echoes the 98-character string, ``--payload pojo`` a ``User`` POJO; the
dubbo protocol has no streams (see ``interface_peer.py``).
"""

from __future__ import annotations

import argparse
from typing import Any

import common
import interface_peer


async def run(args: argparse.Namespace) -> dict[str, Any]:
    """Drive the workload over one dubbo:// reference to ``EchoService``."""
    return await interface_peer.run_client(args, "dubbo")


if __name__ == "__main__":
    common.client_main(run, add_arguments=interface_peer.add_payload_argument)
