"""One-attempt strategies: ``failfast``, ``failsafe`` and ``available``."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from dubbopy.cluster.directory import Directory
from dubbopy.cluster.strategies.base import Cluster, ClusterInvoker, no_provider
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.rpc.result import Result

__all__ = [
    "AvailableCluster",
    "AvailableClusterInvoker",
    "FailfastCluster",
    "FailfastClusterInvoker",
    "FailsafeCluster",
    "FailsafeClusterInvoker",
]

_log = logging.getLogger(__name__)


class FailfastClusterInvoker(ClusterInvoker):
    """One attempt on the balancer's choice; its outcome, error included, is the call's (for calls that
    must not run twice, such as writes that are not idempotent)."""

    async def do_invoke(self, invocation: Invocation, invokers: Sequence[Invoker]) -> Result:
        """Call one provider."""
        return await self.call(self.select(invocation, invokers), invocation)


class FailsafeClusterInvoker(ClusterInvoker):
    """One attempt; a failure is logged and swallowed: the call returns an empty result (value ``None``),
    as for audit logging that must never fail the caller."""

    async def invoke(self, invocation: Invocation) -> Result:
        """Run the call; any failure becomes an empty result."""
        result = await super().invoke(invocation)
        if result.exception is not None:
            _log.warning("failsafe ignored the failure of %s: %s", invocation.path, result.exception)
            return Result()
        return result

    async def do_invoke(self, invocation: Invocation, invokers: Sequence[Invoker]) -> Result:
        """Call one provider."""
        return await self.call(self.select(invocation, invokers), invocation)


class AvailableClusterInvoker(ClusterInvoker):
    """No balancer: the first invoker that is available takes the call."""

    async def do_invoke(self, invocation: Invocation, invokers: Sequence[Invoker]) -> Result:
        """Call the first available provider."""
        for invoker in invokers:
            if invoker.is_available():
                return await self.call(invoker, invocation)
        raise no_provider(invocation, self.directory)


class FailfastCluster(Cluster):
    """``failfast``."""

    __slots__ = ()

    def join(self, directory: Directory) -> ClusterInvoker:
        """A :class:`FailfastClusterInvoker` over ``directory``."""
        return FailfastClusterInvoker(directory)


class FailsafeCluster(Cluster):
    """``failsafe``."""

    __slots__ = ()

    def join(self, directory: Directory) -> ClusterInvoker:
        """A :class:`FailsafeClusterInvoker` over ``directory``."""
        return FailsafeClusterInvoker(directory)


class AvailableCluster(Cluster):
    """``available``."""

    __slots__ = ()

    def join(self, directory: Directory) -> ClusterInvoker:
        """An :class:`AvailableClusterInvoker` over ``directory``."""
        return AvailableClusterInvoker(directory)
