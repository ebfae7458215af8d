"""``failover``: on a failure, try another provider (Dubbo's default strategy)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Final

from dubbopy.cluster.directory import Directory
from dubbopy.cluster.strategies.base import Cluster, ClusterInvoker, is_business_error, no_provider
from dubbopy.errors import ConfigError, RpcError, StatusCode
from dubbopy.rpc.invocation import Invocation
from dubbopy.rpc.invoker import Invoker
from dubbopy.rpc.result import Result

__all__ = ["DEFAULT_RETRIES", "FailoverCluster", "FailoverClusterInvoker"]

#: Extra attempts without a ``retries`` parameter.
DEFAULT_RETRIES: Final = 2


class FailoverClusterInvoker(ClusterInvoker):
    """Up to ``retries + 1`` attempts (``retries``: a ``retries`` attachment of the call as dubbo-go reads
    it, else ``<method>.retries``, else ``retries`` of the consumer URL; default 2), each on a provider
    not tried yet while there is one. The invoker list is asked for again before each retry. A failure
    raised by the provider's own code (:class:`~dubbopy.errors.RemoteError`) is returned at once, and no
    retry starts once the call's deadline has passed. When every attempt fails, the last error is
    returned with a message naming the attempts and providers."""

    def attempts(self, invocation: Invocation) -> int:
        """How many times a call may be sent."""
        value = invocation.get_attachment("retries")
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            retries = int(value)
        elif value is not None:
            raise ConfigError(f"retries attachment {value!r} is not an integer")
        else:
            retries = self.url.get_method_int(invocation.method_name, "retries", DEFAULT_RETRIES)
        return max(retries + 1, 1)

    async def do_invoke(self, invocation: Invocation, invokers: Sequence[Invoker]) -> Result:
        """Try providers until one answers."""
        attempts = self.attempts(invocation)
        tried: list[Invoker] = []
        last: Result | None = None
        for attempt in range(attempts):
            if attempt > 0:
                if invocation.expired():
                    break
                invokers = self.list_invokers(invocation)
                if not invokers:
                    break
            invoker = self.select(invocation, invokers, tried)
            tried.append(invoker)
            result = await self.call(invoker, invocation)
            error = result.exception
            if error is None or is_business_error(error):
                return result
            last = result
        if last is None:  # not reached: the first attempt always runs
            raise no_provider(invocation, self.directory)
        error = last.exception
        status = error.status if isinstance(error, RpcError) else StatusCode.UNKNOWN
        providers = ", ".join(invoker.url.address for invoker in tried)
        message = (
            f"failed to invoke {invocation.path} after {len(tried)} of {attempts} attempts "
            f"on providers {providers}: {error}"
        )
        failure = RpcError(status, message)
        failure.__cause__ = error
        return Result.from_exception(failure, attachments=last.attachments)


class FailoverCluster(Cluster):
    """``failover``."""

    __slots__ = ()

    def join(self, directory: Directory) -> ClusterInvoker:
        """A :class:`FailoverClusterInvoker` over ``directory``."""
        return FailoverClusterInvoker(directory)
