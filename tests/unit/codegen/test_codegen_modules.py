"""What the generated ``_dubbo.py`` modules contain, checked by importing them."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from google.protobuf import empty_pb2, wrappers_pb2

from dubbopy.errors import RpcError, StatusCode
from dubbopy.rpc.channel import Channel, SyncChannel
from dubbopy.rpc.method import CallType, MethodDescriptor

Load = Callable[[str], ModuleType]

GREETER_METHODS = {
    "SayHello": CallType.UNARY,
    "LotsOfReplies": CallType.SERVER_STREAM,
    "LotsOfGreetings": CallType.CLIENT_STREAM,
    "BidiHello": CallType.BIDI_STREAM,
}


class RecordingChannel(Channel):
    """Answers every call with a marker object and remembers what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def _record(self, kind: str, method: Any, payload: Any, timeout: Any, metadata: Any) -> Any:
        self.calls.append((kind, method, payload, timeout, metadata))
        return ("call", kind)

    def unary_unary(self, method, request, *, timeout=None, metadata=None):  # type: ignore[no-untyped-def]
        return self._record("unary_unary", method, request, timeout, metadata)

    def unary_stream(self, method, request, *, timeout=None, metadata=None):  # type: ignore[no-untyped-def]
        return self._record("unary_stream", method, request, timeout, metadata)

    def stream_unary(self, method, requests, *, timeout=None, metadata=None):  # type: ignore[no-untyped-def]
        return self._record("stream_unary", method, requests, timeout, metadata)

    def stream_stream(self, method, requests, *, timeout=None, metadata=None):  # type: ignore[no-untyped-def]
        return self._record("stream_stream", method, requests, timeout, metadata)


class RecordingSyncChannel(SyncChannel):
    """The blocking twin of :class:`RecordingChannel`."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self._async = RecordingChannel()
        self._async.calls = self.calls

    def unary_unary(self, method, request, *, timeout=None, metadata=None):  # type: ignore[no-untyped-def]
        return self._async.unary_unary(method, request, timeout=timeout, metadata=metadata)

    def unary_stream(self, method, request, *, timeout=None, metadata=None):  # type: ignore[no-untyped-def]
        return self._async.unary_stream(method, request, timeout=timeout, metadata=metadata)

    def stream_unary(self, method, requests, *, timeout=None, metadata=None):  # type: ignore[no-untyped-def]
        return self._async.stream_unary(method, requests, timeout=timeout, metadata=metadata)

    def stream_stream(self, method, requests, *, timeout=None, metadata=None):  # type: ignore[no-untyped-def]
        return self._async.stream_stream(method, requests, timeout=timeout, metadata=metadata)


# -- helloworld: the four call kinds -------------------------------------------------------------------


def test_greeter_service_descriptor(load: Load) -> None:
    pb2, dubbo = load("helloworld_pb2"), load("helloworld_dubbo")
    service = dubbo.GREETER_SERVICE
    assert service.name == "helloworld.Greeter"
    assert service.file_descriptor is pb2.DESCRIPTOR
    assert {name: method.call_type for name, method in service.methods.items()} == GREETER_METHODS
    for name, method in service.methods.items():
        assert method.path == f"/helloworld.Greeter/{name}"
        assert (method.service, method.name) == ("helloworld.Greeter", name)
        assert method.request_type is pb2.HelloRequest
        assert method.response_type is pb2.HelloReply
    assert dubbo.GreeterServicer.SERVICE is service
    assert sorted(dubbo.__all__) == ["GREETER_SERVICE", "GreeterServicer", "GreeterStub", "GreeterSyncStub"]


def test_serializers_round_trip_the_messages(load: Load) -> None:
    pb2, dubbo = load("helloworld_pb2"), load("helloworld_dubbo")
    request, reply = pb2.HelloRequest(name="dubbo"), pb2.HelloReply(message="hi dubbo")
    for method in dubbo.GREETER_SERVICE.methods.values():
        wire = method.request_serializer(request)
        assert wire == request.SerializeToString()
        assert method.request_deserializer(wire) == request
        wire = method.response_serializer(reply)
        assert wire == reply.SerializeToString()
        assert method.response_deserializer(wire) == reply


@pytest.mark.parametrize("name", GREETER_METHODS)
def test_servicer_methods_answer_unimplemented_until_overridden(load: Load, name: str) -> None:
    servicer = load("helloworld_dubbo").GreeterServicer()
    with pytest.raises(RpcError) as caught:
        getattr(servicer, name)(object(), object())
    assert caught.value.status is StatusCode.UNIMPLEMENTED
    assert caught.value.message == f"Method not implemented: helloworld.Greeter/{name}"


def test_overrides_keep_their_async_or_sync_nature(load: Load) -> None:
    dubbo = load("helloworld_dubbo")

    class Greeter(dubbo.GreeterServicer):  # type: ignore[name-defined,misc]
        async def SayHello(self, request: Any, context: Any) -> Any:
            return request

        def LotsOfReplies(self, request: Any, context: Any) -> Any:
            yield request

    greeter = Greeter()
    assert inspect.iscoroutinefunction(greeter.SayHello)
    assert inspect.isgeneratorfunction(greeter.LotsOfReplies)
    with pytest.raises(RpcError):
        greeter.BidiHello(iter(()), object())


@pytest.mark.parametrize(
    ("name", "channel_call"),
    [
        ("SayHello", "unary_unary"),
        ("LotsOfReplies", "unary_stream"),
        ("LotsOfGreetings", "stream_unary"),
        ("BidiHello", "stream_stream"),
    ],
)
@pytest.mark.parametrize("stub_class", ["GreeterStub", "GreeterSyncStub"])
def test_stubs_pass_the_method_and_call_options_to_the_channel(
    load: Load, name: str, channel_call: str, stub_class: str
) -> None:
    dubbo = load("helloworld_dubbo")
    channel = RecordingSyncChannel() if "Sync" in stub_class else RecordingChannel()
    stub = getattr(dubbo, stub_class)(channel)
    payload = object()
    metadata = [("tenant", "a"), ("trace-bin", b"\x00")]

    answer = getattr(stub, name)(payload, timeout=1.5, metadata=metadata)
    getattr(stub, name)(payload)

    assert answer == ("call", channel_call)
    descriptor = dubbo.GREETER_SERVICE.methods[name]
    assert channel.calls == [
        (channel_call, descriptor, payload, 1.5, metadata),
        (channel_call, descriptor, payload, None, None),
    ]


def test_stub_timeout_and_metadata_are_keyword_only(load: Load) -> None:
    stub = load("helloworld_dubbo").GreeterStub(RecordingChannel())
    with pytest.raises(TypeError):
        stub.SayHello(object(), 1.0)


# -- imports, nesting, keywords, several services --------------------------------------------------------


def test_messages_from_other_files_nested_and_well_known(load: Load) -> None:
    api = load("cgtest.api.store_service_pb2")
    common = load("cgtest.common.types_pb2")
    service = load("cgtest.api.store_service_dubbo").STORE_SERVICE
    methods: dict[str, MethodDescriptor[Any, Any]] = dict(service.methods)
    types = {name: (m.call_type, m.request_type, m.response_type) for name, m in methods.items()}
    assert types == {
        "Put": (CallType.UNARY, common.Envelope, empty_pb2.Empty),
        "Get": (CallType.UNARY, wrappers_pb2.StringValue, common.Envelope.Inner),
        "Watch": (CallType.SERVER_STREAM, empty_pb2.Empty, common.Envelope.Inner.Deeper),
        "Upload": (CallType.CLIENT_STREAM, api.Chunk, api.Receipt),
        "Sync": (CallType.BIDI_STREAM, api.Chunk.Part, api.Receipt),
        "import": (CallType.UNARY, api.Chunk, api.Receipt),
        "class": (CallType.UNARY, empty_pb2.Empty, common.Status),
    }
    deeper = common.Envelope.Inner.Deeper(depth=3)
    watch = methods["Watch"]
    assert watch.response_deserializer(watch.response_serializer(deeper)) == deeper


def test_files_without_services_generate_no_module(generated: Path) -> None:
    assert (generated / "cgtest/common/types_pb2.py").exists()
    assert not (generated / "cgtest/common/types_dubbo.py").exists()
    # hyphens in the .proto name become underscores, as in the _pb2 module beside it
    assert (generated / "cgtest/api/store_service_pb2.py").exists()
    assert (generated / "cgtest/api/store_service_dubbo.py").exists()


def test_python_keyword_methods_get_a_trailing_underscore(load: Load) -> None:
    dubbo = load("cgtest.api.store_service_dubbo")
    assert dubbo.STORE_SERVICE.methods["import"].path == "/cgtest.api.Store/import"
    channel = RecordingChannel()
    dubbo.StoreStub(channel).import_(object())
    dubbo.StoreSyncStub(RecordingSyncChannel()).class_(object())
    assert channel.calls[0][1] is dubbo.STORE_SERVICE.methods["import"]

    class Store(dubbo.StoreServicer):  # type: ignore[name-defined,misc]
        async def import_(self, request: Any, context: Any) -> Any:
            return "imported"

    store = Store()
    # a server looking the handler up by its .proto name finds the override
    handler = getattr(store, "import")
    assert inspect.iscoroutinefunction(handler)
    assert handler.__func__ is Store.import_
    with pytest.raises(RpcError, match=r"Method not implemented: cgtest\.api\.Store/class"):
        getattr(store, "class")(object(), object())


def test_every_service_of_a_file_is_generated(load: Load) -> None:
    dubbo = load("cgtest.api.store_service_dubbo")
    assert dubbo.ADMIN_SERVICE.name == "cgtest.api.Admin"
    assert list(dubbo.ADMIN_SERVICE.methods) == ["Reset"]
    assert dubbo.AdminServicer.SERVICE is dubbo.ADMIN_SERVICE
    assert dubbo.ADMIN_SERVICE.file_descriptor is dubbo.STORE_SERVICE.file_descriptor
    channel = RecordingChannel()
    dubbo.AdminStub(channel).Reset(empty_pb2.Empty())
    assert channel.calls[0][1].path == "/cgtest.api.Admin/Reset"


def test_service_without_package(load: Load) -> None:
    dubbo = load("cgtest_nopkg_dubbo")
    assert dubbo.CG_ECHO_SERVICE.name == "CgEcho"
    assert [m.path for m in dubbo.CG_ECHO_SERVICE.methods.values()] == ["/CgEcho/Echo", "/CgEcho/Check"]
    assert dubbo.CG_ECHO_SERVICE.methods["Check"].response_type is load("cgtest.common.types_pb2").Status


def test_editions_file(load: Load) -> None:
    dubbo = load("cgtest.editions_dubbo")
    assert dubbo.PING_SERVICE.methods["Ping"].path == "/cgtest.editions.Ping/Ping"


# -- docstrings ------------------------------------------------------------------------------------------


def test_docstrings_come_from_proto_comments(load: Load) -> None:
    dubbo = load("cgtest.api.store_service_dubbo")
    for cls in (dubbo.StoreServicer, dubbo.StoreStub, dubbo.StoreSyncStub):
        assert inspect.getdoc(cls).startswith(
            'Stores envelopes.\n\nA "quoted" word, a backslash \\d and triple quotes """ must survive'
        )
    assert dubbo.StoreServicer.Put.__doc__ == "Keeps one envelope."
    assert dubbo.StoreStub.Put.__doc__ == "Keeps one envelope."
    assert dubbo.StoreServicer.Get.__doc__ == "Reads one back."  # a trailing comment
    assert dubbo.StoreSyncStub.import_.__doc__ == "Named after a Python keyword."
    assert inspect.getdoc(dubbo.AdminStub).startswith(
        "A second service in the same file,\ndocumented Javadoc style.\n\nAsync client of ``cgtest.api.Admin``"
    )


def test_uncommented_parts_get_generated_docstrings(load: Load) -> None:
    dubbo = load("cgtest.api.store_service_dubbo")
    assert "/cgtest.api.Store/Watch" in dubbo.StoreServicer.Watch.__doc__
    assert "/cgtest.api.Store/Watch" in dubbo.StoreStub.Watch.__doc__
    assert "``cgtest.api.Admin``" in inspect.getdoc(dubbo.AdminStub)
    assert dubbo.__doc__ == (
        "Dubbo service descriptors, servicer bases and client stubs for cgtest/api/store-service.proto."
    )
