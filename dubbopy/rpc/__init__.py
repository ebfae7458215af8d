"""The rpc core: what every protocol, filter and cluster is written against.

:class:`Invocation` and :class:`Result` describe one call; :class:`Invoker`, :class:`Exporter` and
:class:`Protocol` are the contracts between layers; :class:`Filter` and :func:`build_chain` stack
behaviour around an invoker; :class:`RpcContext` carries attachments through ``contextvars``; the
method and service descriptors describe what is called.
"""

from dubbopy.rpc.context import CallContext, RpcContext, run_in_executor
from dubbopy.rpc.filter import (
    CONSUMER_FILTER_KEY,
    PROVIDER_FILTER_KEY,
    Filter,
    build_chain,
    build_filter_chain,
    resolve_filter_names,
)
from dubbopy.rpc.invocation import AttachmentValue, Invocation
from dubbopy.rpc.invoker import BaseInvoker, Exporter, Invoker
from dubbopy.rpc.method import CallType, MethodDescriptor, ServiceDescriptor
from dubbopy.rpc.protocol import Protocol
from dubbopy.rpc.result import Result

__all__ = [
    "CONSUMER_FILTER_KEY",
    "PROVIDER_FILTER_KEY",
    "AttachmentValue",
    "BaseInvoker",
    "CallContext",
    "CallType",
    "Exporter",
    "Filter",
    "Invocation",
    "Invoker",
    "MethodDescriptor",
    "Protocol",
    "Result",
    "RpcContext",
    "ServiceDescriptor",
    "build_chain",
    "build_filter_chain",
    "resolve_filter_names",
    "run_in_executor",
]
