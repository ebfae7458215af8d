"""Strategies that call several providers for one call: ``forking`` and ``broadcast``."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Final

from dubbopy._duration import parse_duration
from dubbopy.cluster.directory import Directory
from dubbopy.cluster.strategies.base import Cluster, ClusterInvoker, no_provider
from dubbopy.errors import deadline_exceeded
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.rpc.result import Result

__all__ = ["DEFAULT_FORKING_TIMEOUT_MS", "DEFAULT_FORKS", "BroadcastCluster", "ForkingCluster"]

#: Parallel calls without a ``forks`` parameter.
DEFAULT_FORKS: Final = 2
#: How long forking waits without a deadline on the call or a ``timeout`` parameter (ms).
DEFAULT_FORKING_TIMEOUT_MS: Final = 1000


class ForkingClusterInvoker(ClusterInvoker):
    """The call goes to ``forks`` distinct providers at once (default 2; all of them when ``forks`` is
    ``<= 0`` or at least their number); the first success is the result and the other calls are
    cancelled. When all fail, the last failure is. The wait is bounded by the call's deadline, else by the
    ``timeout`` parameter (ms, default 1000)."""

    def targets(self, invocation: Invocation, invokers: Sequence[Invoker]) -> list[Invoker]:
        """The providers this call forks to."""
        forks = self.url.get_method_int(invocation.method_name, "forks", DEFAULT_FORKS)
        if forks <= 0 or forks >= len(invokers):
            return list(invokers)
        chosen: list[Invoker] = []
        while len(chosen) < forks:
            invoker = self.select(invocation, invokers, chosen)
            if any(invoker is c for c in chosen):
                break
            chosen.append(invoker)
        return chosen

    async def do_invoke(self, invocation: Invocation, invokers: Sequence[Invoker]) -> Result:
        """Race the calls."""
        if not invokers:
            raise no_provider(invocation, self.directory)
        wait = invocation.time_remaining()
        if wait is None:
            # milliseconds or a Go duration ("3s"), as the protocols read the same parameter
            timeout = self.url.get_method_param(invocation.method_name, "timeout")
            wait = parse_duration(timeout) if timeout else DEFAULT_FORKING_TIMEOUT_MS / 1000
        tasks = [
            asyncio.ensure_future(self.call(invoker, invocation.copy()))
            for invoker in self.targets(invocation, invokers)
        ]
        last: Result | None = None
        try:
            async with asyncio.timeout(wait):
                for done in asyncio.as_completed(tasks):
                    result = await done
                    if result.exception is None:
                        return result
                    last = result
        except TimeoutError:
            return Result.from_exception(deadline_exceeded(f"forking call {invocation.path} timed out"))
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        assert last is not None
        return last


class BroadcastClusterInvoker(ClusterInvoker):
    """The call goes to every provider, one after the other (cache refreshes, configuration pushes); it
    fails with the last failure if any provider failed, else returns the last result."""

    async def do_invoke(self, invocation: Invocation, invokers: Sequence[Invoker]) -> Result:
        """Call everyone."""
        if not invokers:
            raise no_provider(invocation, self.directory)
        last = Result()
        failed: Result | None = None
        for invoker in invokers:
            last = await self.call(invoker, invocation.copy())
            if last.exception is not None:
                failed = last
        return last if failed is None else failed


class ForkingCluster(Cluster):
    """``forking``."""

    __slots__ = ()

    def join(self, directory: Directory) -> ClusterInvoker:
        """A :class:`ForkingClusterInvoker` over ``directory``."""
        return ForkingClusterInvoker(directory)


class BroadcastCluster(Cluster):
    """``broadcast``."""

    __slots__ = ()

    def join(self, directory: Directory) -> ClusterInvoker:
        """A :class:`BroadcastClusterInvoker` over ``directory``."""
        return BroadcastClusterInvoker(directory)
