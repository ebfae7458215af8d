"""ReflectionServicer called directly, checked the way grpcurl uses it: parse the files it returns and
rebuild a descriptor pool from them."""

from __future__ import annotations

import pathlib
from collections.abc import Iterable, Sequence
from typing import Any

import grpc_tools
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool
from google.protobuf.descriptor import FileDescriptor
from grpc_tools import protoc
from services_fakes import FakeContext, FakeRequests

from dubbopy.errors import ConfigError, StatusCode
from dubbopy.rpc.method import CallType, MethodDescriptor, ServiceDescriptor
from dubbopy.services._proto import reflection_v1_pb2 as v1
from dubbopy.services._proto import reflection_v1alpha_pb2 as v1alpha
from dubbopy.services.health import HEALTH_SERVICE
from dubbopy.services.reflection import (
    REFLECTION_V1_SERVICE,
    REFLECTION_V1ALPHA_SERVICE,
    ReflectionServicer,
)

PROTOS = pathlib.Path(__file__).parent / "protos"
SHOP_FILES = ["dubbotest/shop.proto", "dubbotest/base.proto", "dubbotest/common.proto"]
TIMESTAMP = "google/protobuf/timestamp.proto"


@pytest.fixture(scope="module")
def shop_pool(tmp_path_factory: pytest.TempPathFactory) -> descriptor_pool.DescriptorPool:
    """The test protos compiled by protoc and loaded into a pool of their own."""
    out = tmp_path_factory.mktemp("reflection") / "set.pb"
    well_known = pathlib.Path(grpc_tools.__file__).parent / "_proto"
    argv = ["protoc", f"-I{PROTOS}", f"-I{well_known}", f"--descriptor_set_out={out}", "--include_imports"]
    assert protoc.main([*argv, *SHOP_FILES, "dubbotest/ext.proto"]) == 0
    pool = descriptor_pool.DescriptorPool()
    for file in descriptor_pb2.FileDescriptorSet.FromString(out.read_bytes()).file:  # imports come first
        pool.Add(file)
    return pool


@pytest.fixture(scope="module")
def shop_service(shop_pool: descriptor_pool.DescriptorPool) -> ServiceDescriptor:
    def method(name: str, call_type: CallType) -> MethodDescriptor[Any, Any]:
        return MethodDescriptor("dubbotest.Shop", name, call_type)

    return ServiceDescriptor(
        "dubbotest.Shop",
        {"Buy": method("Buy", CallType.UNARY), "Track": method("Track", CallType.SERVER_STREAM)},
        file_descriptor=shop_pool.FindFileByName("dubbotest/shop.proto"),
    )


DEMO_SERVICE = ServiceDescriptor(
    "org.apache.dubbo.demo.DemoService",
    {"sayHello": MethodDescriptor("org.apache.dubbo.demo.DemoService", "sayHello", CallType.UNARY)},
)


@pytest.fixture
def servicer(shop_service: ServiceDescriptor) -> ReflectionServicer:
    return ReflectionServicer([HEALTH_SERVICE, shop_service, DEMO_SERVICE])


async def ask(servicer: ReflectionServicer, *requests: Any) -> list[Any]:
    """Send ``requests`` on one call, half-close, and collect the answers."""
    answers = servicer.ServerReflectionInfo(FakeRequests(requests, closed=True), FakeContext())
    return [answer async for answer in answers]


async def ask_one(servicer: ReflectionServicer, **question: Any) -> v1.ServerReflectionResponse:
    (answer,) = await ask(servicer, v1.ServerReflectionRequest(**question))
    assert isinstance(answer, v1.ServerReflectionResponse)
    return answer


def file_names(answer: Any) -> list[str]:
    assert answer.WhichOneof("message_response") == "file_descriptor_response", answer
    protos = answer.file_descriptor_response.file_descriptor_proto
    return [descriptor_pb2.FileDescriptorProto.FromString(raw).name for raw in protos]


def rebuild_pool(answers: Iterable[Any]) -> descriptor_pool.DescriptorPool:
    """What grpcurl does: collect every file received, then add each after the files it imports."""
    files: dict[str, descriptor_pb2.FileDescriptorProto] = {}
    for answer in answers:
        for raw in answer.file_descriptor_response.file_descriptor_proto:
            file = descriptor_pb2.FileDescriptorProto.FromString(raw)
            files.setdefault(file.name, file)
    pool = descriptor_pool.DescriptorPool()
    added: set[str] = set()

    def add(name: str) -> None:
        if name not in added:
            for dependency in files[name].dependency:
                add(dependency)
            pool.Add(files[name])
            added.add(name)

    for name in files:
        add(name)
    return pool


def assert_error(answer: Any, code: StatusCode, *words: str) -> None:
    assert answer.WhichOneof("message_response") == "error_response", answer
    assert answer.error_response.error_code == code
    for word in words:
        assert word in answer.error_response.error_message


async def test_list_services_names_every_export_in_order(servicer: ReflectionServicer) -> None:
    answer = await ask_one(servicer, list_services="*")
    assert [s.name for s in answer.list_services_response.service] == [
        "grpc.health.v1.Health",
        "dubbotest.Shop",
        "org.apache.dubbo.demo.DemoService",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    ]


async def test_answer_echoes_host_and_request(servicer: ReflectionServicer) -> None:
    question = v1.ServerReflectionRequest(host="localhost:50051", list_services="")
    (answer,) = await ask(servicer, question)
    assert answer.valid_host == "localhost:50051"
    assert answer.original_request == question


async def test_service_file_comes_with_its_imports_breadth_first(servicer: ReflectionServicer) -> None:
    answer = await ask_one(servicer, file_containing_symbol="dubbotest.Shop")
    # shop imports base, common; base imports timestamp, common: breadth-first, each once
    assert file_names(answer) == [*SHOP_FILES, TIMESTAMP]


async def test_rebuilt_pool_resolves_the_service(servicer: ReflectionServicer) -> None:
    pool = rebuild_pool([await ask_one(servicer, file_containing_symbol="dubbotest.Shop")])
    shop = pool.FindServiceByName("dubbotest.Shop")
    assert [m.name for m in shop.methods] == ["Buy", "Track"]
    assert shop.methods_by_name["Track"].output_type.full_name == "dubbotest.Receipt"
    item = pool.FindMessageTypeByName("dubbotest.Order.Item")
    assert item.fields_by_name["price"].message_type.full_name == "dubbotest.common.Money"


@pytest.mark.parametrize(
    ("symbol", "file"),
    [
        ("dubbotest.Shop", "dubbotest/shop.proto"),
        ("dubbotest.Shop.Track", "dubbotest/shop.proto"),
        ("dubbotest.Order", "dubbotest/shop.proto"),
        ("dubbotest.Order.Item", "dubbotest/shop.proto"),
        ("dubbotest.Order.State", "dubbotest/shop.proto"),
        ("dubbotest.Order.PAID", "dubbotest/shop.proto"),
        ("dubbotest.Order.items", "dubbotest/shop.proto"),
        ("dubbotest.Order.payer", "dubbotest/shop.proto"),
        ("dubbotest.note", "dubbotest/shop.proto"),
        ("dubbotest.common.Currency", "dubbotest/common.proto"),
        ("dubbotest.common.EUR", "dubbotest/common.proto"),
        ("dubbotest.base.Base", "dubbotest/base.proto"),
        ("dubbotest.ext.priority", "dubbotest/ext.proto"),
        ("google.protobuf.Timestamp", TIMESTAMP),
        ("grpc.health.v1.Health", "grpc/health/v1/health.proto"),
        ("grpc.health.v1.Health.Watch", "grpc/health/v1/health.proto"),
        ("grpc.health.v1.HealthCheckResponse.ServingStatus", "grpc/health/v1/health.proto"),
        ("grpc.reflection.v1.ServerReflection", "grpc/reflection/v1/reflection.proto"),
        ("grpc.reflection.v1alpha.ServerReflection", "grpc/reflection/v1alpha/reflection.proto"),
    ],
)
async def test_symbol_is_found_in_the_file_that_declares_it(
    servicer: ReflectionServicer, symbol: str, file: str
) -> None:
    answer = await ask_one(servicer, file_containing_symbol=symbol)
    assert file_names(answer)[0] == file


async def test_exported_services_are_answered_from_their_own_files() -> None:
    # grpcio-health-checking puts the same service into the default pool as grpc_health/v1/health.proto,
    # and a service exported first makes the default pool the first one searched
    from grpc_health.v1 import health_pb2 as grpcio_health_pb2

    assert grpcio_health_pb2.DESCRIPTOR.name == "grpc_health/v1/health.proto"
    in_default_pool = ServiceDescriptor("x.Y", {}, file_descriptor=descriptor_pb2.DESCRIPTOR)
    servicer = ReflectionServicer([in_default_pool, HEALTH_SERVICE])
    for symbol in ("grpc.health.v1.Health", "grpc.health.v1.Health.Check"):
        answer = await ask_one(servicer, file_containing_symbol=symbol)
        assert file_names(answer) == ["grpc/health/v1/health.proto"]


@pytest.mark.parametrize(
    "symbol",
    ["no.Such", "dubbotest.Shop.Refund", "dubbotest.Order.nothing", "org.apache.dubbo.demo.DemoService"],
)
async def test_unknown_symbol_is_not_found(servicer: ReflectionServicer, symbol: str) -> None:
    assert_error(await ask_one(servicer, file_containing_symbol=symbol), StatusCode.NOT_FOUND, symbol)


async def test_file_by_filename(servicer: ReflectionServicer) -> None:
    answer = await ask_one(servicer, file_by_filename="dubbotest/base.proto")
    assert file_names(answer) == ["dubbotest/base.proto", TIMESTAMP, "dubbotest/common.proto"]
    assert_error(await ask_one(servicer, file_by_filename="nope.proto"), StatusCode.NOT_FOUND, "nope.proto")


async def test_files_already_sent_on_the_call_are_not_sent_again(servicer: ReflectionServicer) -> None:
    answers = await ask(
        servicer,
        v1.ServerReflectionRequest(file_containing_symbol="dubbotest.Shop"),
        v1.ServerReflectionRequest(file_by_filename="dubbotest/base.proto"),
        v1.ServerReflectionRequest(file_containing_symbol="dubbotest.ext.priority"),
    )
    assert file_names(answers[1]) == ["dubbotest/base.proto"]  # the file asked for is always sent
    assert file_names(answers[2]) == ["dubbotest/ext.proto"]
    pool = rebuild_pool(answers)
    assert pool.FindExtensionByName("dubbotest.ext.priority").number == 150


async def test_errors_do_not_end_the_call(servicer: ReflectionServicer) -> None:
    answers = await ask(
        servicer,
        v1.ServerReflectionRequest(file_containing_symbol="no.Such"),
        v1.ServerReflectionRequest(),
        v1.ServerReflectionRequest(list_services=""),
    )
    assert_error(answers[0], StatusCode.NOT_FOUND)
    assert_error(answers[1], StatusCode.INVALID_ARGUMENT)
    assert answers[2].WhichOneof("message_response") == "list_services_response"


async def test_file_containing_extension(servicer: ReflectionServicer) -> None:
    def question(type_name: str, number: int) -> v1.ServerReflectionRequest:
        extension = v1.ExtensionRequest(containing_type=type_name, extension_number=number)
        return v1.ServerReflectionRequest(file_containing_extension=extension)

    declared_in_shop, declared_in_ext, unknown_number, unknown_type = await ask(
        servicer,
        question("dubbotest.base.Base", 100),
        question("dubbotest.base.Base", 150),
        question("dubbotest.base.Base", 199),
        question("dubbotest.Nothing", 100),
    )
    assert file_names(declared_in_shop)[0] == "dubbotest/shop.proto"
    assert file_names(declared_in_ext)[0] == "dubbotest/ext.proto"
    assert_error(unknown_number, StatusCode.NOT_FOUND, "199")
    assert_error(unknown_type, StatusCode.NOT_FOUND, "dubbotest.Nothing")


async def test_all_extension_numbers_of_type(servicer: ReflectionServicer) -> None:
    answer = await ask_one(servicer, all_extension_numbers_of_type="dubbotest.base.Base")
    numbers = answer.all_extension_numbers_response
    assert numbers.base_type_name == "dubbotest.base.Base"
    assert list(numbers.extension_number) == [100, 150]
    no_extensions = await ask_one(servicer, all_extension_numbers_of_type="dubbotest.Order")
    assert list(no_extensions.all_extension_numbers_response.extension_number) == []
    assert_error(await ask_one(servicer, all_extension_numbers_of_type="x.Y"), StatusCode.NOT_FOUND, "x.Y")


async def test_v1alpha_questions_get_v1alpha_answers(servicer: ReflectionServicer) -> None:
    question = v1alpha.ServerReflectionRequest(host="h", file_containing_symbol="dubbotest.Order")
    v1_answer, v1alpha_answer = await ask(servicer, v1.ServerReflectionRequest(list_services=""), question)
    assert isinstance(v1_answer, v1.ServerReflectionResponse)
    assert isinstance(v1alpha_answer, v1alpha.ServerReflectionResponse)
    assert v1alpha_answer.original_request == question
    assert file_names(v1alpha_answer)[0] == "dubbotest/shop.proto"


async def test_reflection_services_are_listed_once(shop_service: ServiceDescriptor) -> None:
    servicer = ReflectionServicer([REFLECTION_V1ALPHA_SERVICE, shop_service])
    assert servicer.service_names == (
        "grpc.reflection.v1alpha.ServerReflection",
        "dubbotest.Shop",
        "grpc.reflection.v1.ServerReflection",
    )


async def test_answers_are_what_grpcio_reflection_clients_read(servicer: ReflectionServicer) -> None:
    from grpc_reflection.v1alpha import reflection_pb2 as grpcio_reflection_pb2

    (answer,) = await ask(servicer, v1alpha.ServerReflectionRequest(file_containing_symbol="dubbotest.Shop"))
    method = REFLECTION_V1ALPHA_SERVICE.methods["ServerReflectionInfo"]
    parsed = grpcio_reflection_pb2.ServerReflectionResponse.FromString(method.response_serializer(answer))
    assert parsed.original_request.file_containing_symbol == "dubbotest.Shop"
    assert len(parsed.file_descriptor_response.file_descriptor_proto) == 4


def test_reflection_descriptors() -> None:
    assert ReflectionServicer.SERVICES == (REFLECTION_V1_SERVICE, REFLECTION_V1ALPHA_SERVICE)
    for service in ReflectionServicer.SERVICES:
        (method,) = service.methods.values()
        assert method.call_type is CallType.BIDI_STREAM
        assert method.path == f"/{service.name}/ServerReflectionInfo"
        assert isinstance(service.file_descriptor, FileDescriptor)


def test_file_descriptor_must_be_a_protobuf_file_descriptor() -> None:
    bad: Sequence[ServiceDescriptor] = [ServiceDescriptor("x.Y", {}, file_descriptor=b"\x0a\x01x")]
    with pytest.raises(ConfigError, match=r"x\.Y"):
        ReflectionServicer(bad)
