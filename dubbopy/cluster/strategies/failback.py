"""``failback``: a failed call returns an empty result at once and is retried in the background."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from typing import Final

from dubbopy.cluster.directory import Directory
from dubbopy.cluster.strategies.base import Cluster, ClusterInvoker
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.rpc.result import Result

__all__ = ["DEFAULT_FAILBACK_RETRIES", "DEFAULT_FAILBACK_TASKS", "RETRY_PERIOD", "FailbackCluster"]

#: Background attempts per failed call without a ``retries`` parameter (Java, dubbo-go: 3).
DEFAULT_FAILBACK_RETRIES: Final = 3
#: Failed calls waiting for a retry at most, without a ``failbacktasks`` parameter (Java, dubbo-go: 100).
DEFAULT_FAILBACK_TASKS: Final = 100
#: Seconds between background attempts (Java: 5 s).
RETRY_PERIOD: Final = 5.0

_log = logging.getLogger(__name__)


class FailbackClusterInvoker(ClusterInvoker):
    """One attempt; on failure the caller gets an empty result (value ``None``) and the call is queued for
    up to ``retries`` more attempts (default 3), ``retry_period`` seconds apart, each on a provider the
    balancer chooses afresh. At most ``failbacktasks`` calls (default 100) wait at once; a failure beyond
    that is logged and dropped. For notifications that must arrive eventually but need no answer.

    The retries run as tasks of the running event loop; :meth:`close` cancels those still waiting.
    The deadline of a queued call is removed (its retries outlive the caller's wait).
    """

    def __init__(self, directory: Directory, retry_period: float = RETRY_PERIOD) -> None:
        super().__init__(directory)
        self.retry_period = retry_period
        self._pending: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        """Failed calls waiting for a retry."""
        return len(self._pending)

    async def do_invoke(self, invocation: Invocation, invokers: Sequence[Invoker]) -> Result:
        """Call one provider; queue the call when it fails."""
        invoker = self.select(invocation, invokers)
        result = await self.call(invoker, invocation)
        if result.exception is None:
            return result
        self._enqueue(invocation, invoker, result.exception)
        return Result()

    def _enqueue(self, invocation: Invocation, failed: Invoker, error: BaseException) -> None:
        limit = self.url.get_int("failbacktasks", DEFAULT_FAILBACK_TASKS)
        if len(self._pending) >= max(limit, 1):
            _log.error("failback queue full (%d); dropped %s after: %s", limit, invocation.path, error)
            return
        _log.warning("failback will retry %s (failed on %s): %s", invocation.path, failed.url.address, error)
        retry = invocation.copy()
        retry.deadline = None
        task = asyncio.get_running_loop().create_task(self._retry(retry, failed))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _retry(self, invocation: Invocation, failed: Invoker) -> None:
        retries = self.url.get_method_int(invocation.method_name, "retries", DEFAULT_FAILBACK_RETRIES)
        last: Invoker = failed
        for attempt in range(1, retries + 1):
            await asyncio.sleep(self.retry_period)
            invokers = self.list_invokers(invocation)
            if not invokers:
                continue
            last = self.select(invocation, invokers, [last])
            result = await self.call(last, invocation)
            if result.exception is None:
                return
            _log.warning("failback attempt %d/%d of %s failed: %s", attempt, retries, invocation.path, result.exception)
        _log.error("failback gave up on %s after %d retries", invocation.path, retries)

    async def drain(self) -> None:
        """Wait until every queued retry has finished (succeeded or given up)."""
        while self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)

    async def close(self) -> None:
        """Cancel the queued retries, then close the directory."""
        tasks = list(self._pending)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await super().close()


class FailbackCluster(Cluster):
    """``failback``."""

    __slots__ = ()

    def join(self, directory: Directory) -> ClusterInvoker:
        """A :class:`FailbackClusterInvoker` over ``directory``."""
        return FailbackClusterInvoker(directory)
