"""A small asyncio client for the part of etcd's v3 gRPC API the registry needs, on ``grpc.aio``.

The messages come from our own subset of etcd's ``rpc.proto`` (``_proto/rpc_pb2``, see
``docs/design.md``, "etcd client"); the method paths (``/etcdserverpb.KV/Range``, …) are etcd's. Errors
from gRPC are translated at this boundary: an unreachable server raises :class:`EtcdUnavailableError`, a lease
etcd no longer knows :class:`LeaseNotFoundError`, anything else :class:`EtcdError`.

Streams (keep-alive, watch) are handed out as :class:`grpc.aio.StreamStreamCall` objects driven with
``write`` / ``read``; the registry owns their life cycle.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence
from typing import Any, Final, TypeVar

import grpc
import grpc.aio
from google.protobuf.message import Message

from dubbopy.errors import DubboError
from dubbopy.registry.etcd._proto import rpc_pb2 as pb

__all__ = ["EtcdClient", "EtcdError", "EtcdUnavailableError", "LeaseNotFoundError", "prefix_end"]

M = TypeVar("M", bound=Message)

#: grpc reconnects quickly after an etcd restart instead of backing off for up to two minutes
_CHANNEL_OPTIONS: Final = (
    ("grpc.initial_reconnect_backoff_ms", 100),
    ("grpc.min_reconnect_backoff_ms", 100),
    ("grpc.max_reconnect_backoff_ms", 1000),
    ("grpc.keepalive_time_ms", 10000),
    ("grpc.keepalive_timeout_ms", 5000),
)
_UNAVAILABLE: Final = frozenset({grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED})


def _serialize(message: Message) -> bytes:
    return message.SerializeToString()


class EtcdError(DubboError):
    """etcd refused or failed a request."""


class EtcdUnavailableError(EtcdError):
    """etcd cannot be reached now (down, restarting, no leader, timeout)."""


class LeaseNotFoundError(EtcdError):
    """The lease has expired or was revoked."""


def prefix_end(prefix: bytes) -> bytes:
    """The ``range_end`` that makes a range or watch cover every key starting with ``prefix``."""
    end = bytearray(prefix)
    while end:
        if end[-1] < 0xFF:
            end[-1] += 1
            return bytes(end)
        end.pop()
    return b"\0"  # every key


def grpc_target(addresses: Sequence[str]) -> str:
    """A gRPC target for ``host:port`` addresses: several IP literals become one ``ipv4:``/``ipv6:`` list
    that grpc balances over; otherwise the first address (DNS)."""
    if len(addresses) > 1:
        hosts = [a.rsplit(":", 1)[0].strip("[]") for a in addresses]
        try:
            versions = {ipaddress.ip_address(h).version for h in hosts}
        except ValueError:
            versions = set()
        if len(versions) == 1:
            return f"ipv{versions.pop()}:{','.join(addresses)}"
    return addresses[0]


def translate(exc: grpc.aio.AioRpcError, what: str) -> EtcdError:
    """The dubbopy error for a failed gRPC call ``what``."""
    code, details = exc.code(), exc.details() or ""
    if code in _UNAVAILABLE:
        return EtcdUnavailableError(f"etcd {what}: {code.name} {details}")
    if "lease not found" in details:
        return LeaseNotFoundError(f"etcd {what}: {details}")
    return EtcdError(f"etcd {what}: {code.name} {details}")


class EtcdClient:
    """One gRPC channel to an etcd cluster and the calls the registry makes on it."""

    def __init__(self, addresses: Sequence[str], *, timeout: float = 5.0) -> None:
        self._target = grpc_target(addresses)
        self._timeout = timeout
        self._channel: Any = grpc.aio.insecure_channel(self._target, options=_CHANNEL_OPTIONS)
        self._range = self._unary("/etcdserverpb.KV/Range", pb.RangeResponse)
        self._put = self._unary("/etcdserverpb.KV/Put", pb.PutResponse)
        self._delete = self._unary("/etcdserverpb.KV/DeleteRange", pb.DeleteRangeResponse)
        self._txn = self._unary("/etcdserverpb.KV/Txn", pb.TxnResponse)
        self._grant = self._unary("/etcdserverpb.Lease/LeaseGrant", pb.LeaseGrantResponse)
        self._revoke = self._unary("/etcdserverpb.Lease/LeaseRevoke", pb.LeaseRevokeResponse)
        self._keep_alive = self._stream("/etcdserverpb.Lease/LeaseKeepAlive", pb.LeaseKeepAliveResponse)
        self._watch = self._stream("/etcdserverpb.Watch/Watch", pb.WatchResponse)

    @property
    def target(self) -> str:
        """The gRPC target the channel dials."""
        return self._target

    def _unary(self, path: str, response: type[Message]) -> Any:
        return self._channel.unary_unary(path, request_serializer=_serialize, response_deserializer=response.FromString)

    def _stream(self, path: str, response: type[Message]) -> Any:
        return self._channel.stream_stream(
            path, request_serializer=_serialize, response_deserializer=response.FromString
        )

    async def _call(self, method: Any, request: Message, what: str, result: type[M]) -> M:
        try:
            answer = await method(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as exc:
            raise translate(exc, what) from exc
        assert isinstance(answer, result)
        return answer

    async def close(self) -> None:
        """Close the channel (open streams end with CANCELLED)."""
        await self._channel.close()

    # ------------------------------------------------------------------------------------------ KV

    async def get_prefix(self, prefix: bytes) -> pb.RangeResponse:
        """Every key under ``prefix`` with its value, and the revision the answer reflects."""
        request = pb.RangeRequest(key=prefix, range_end=prefix_end(prefix))
        return await self._call(self._range, request, f"range {prefix!r}", pb.RangeResponse)

    async def get(self, key: bytes) -> pb.KeyValue | None:
        """The key-value at ``key``, or ``None``."""
        answer = await self._call(self._range, pb.RangeRequest(key=key), f"get {key!r}", pb.RangeResponse)
        return answer.kvs[0] if answer.kvs else None

    async def put(self, key: bytes, value: bytes, lease: int = 0) -> None:
        """Set ``key`` (attached to ``lease`` when non-zero)."""
        request = pb.PutRequest(key=key, value=value, lease=lease)
        await self._call(self._put, request, f"put {key!r}", pb.PutResponse)

    async def create(self, key: bytes, value: bytes) -> bool:
        """Set ``key`` only if it does not exist (a transaction on its version); whether it was created."""
        request = pb.TxnRequest(
            compare=[pb.Compare(result=pb.Compare.EQUAL, target=pb.Compare.VERSION, key=key, version=0)],
            success=[pb.RequestOp(request_put=pb.PutRequest(key=key, value=value))],
        )
        answer = await self._call(self._txn, request, f"create {key!r}", pb.TxnResponse)
        return answer.succeeded

    async def delete(self, key: bytes) -> int:
        """Delete ``key``; how many keys went (0 or 1)."""
        answer = await self._call(
            self._delete, pb.DeleteRangeRequest(key=key), f"delete {key!r}", pb.DeleteRangeResponse
        )
        return answer.deleted

    # --------------------------------------------------------------------------------------- leases

    async def grant(self, ttl: int) -> int:
        """A new lease of ``ttl`` seconds; its id."""
        answer = await self._call(self._grant, pb.LeaseGrantRequest(TTL=ttl), "lease grant", pb.LeaseGrantResponse)
        if answer.error:
            raise EtcdError(f"etcd lease grant: {answer.error}")
        return answer.ID

    async def revoke(self, lease: int) -> None:
        """Revoke ``lease``: every key attached to it is deleted."""
        await self._call(self._revoke, pb.LeaseRevokeRequest(ID=lease), "lease revoke", pb.LeaseRevokeResponse)

    def keep_alive_stream(self) -> Any:
        """A ``LeaseKeepAlive`` stream: write :class:`pb.LeaseKeepAliveRequest`, read responses
        (``TTL <= 0`` means the lease is gone)."""
        return self._keep_alive()

    def watch_stream(self) -> Any:
        """A ``Watch`` stream: write :class:`pb.WatchRequest`, read :class:`pb.WatchResponse`."""
        return self._watch()
