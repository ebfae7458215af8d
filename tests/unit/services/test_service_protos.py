"""Our health and reflection protos are wire-identical to the ones grpcio's packages ship, and both can be
loaded into one process."""

from __future__ import annotations

from typing import Any

import pytest
from google.protobuf.descriptor import Descriptor, FileDescriptor
from grpc_health.v1 import health_pb2 as grpcio_health_pb2
from grpc_reflection.v1alpha import reflection_pb2 as grpcio_reflection_pb2

from dubbopy.services._proto import health_pb2, reflection_v1_pb2, reflection_v1alpha_pb2


def shape(message: Descriptor, package: str) -> Any:
    """Everything about a message that decides its wire form, with the package name factored out."""

    def local(name: str) -> str:
        return name.removeprefix(package)

    fields = sorted(
        (f.name, f.number, f.type, f.is_repeated, local(f.message_type.full_name) if f.message_type else "")
        for f in message.fields
    )
    enums = sorted((e.name, sorted((v.name, v.number) for v in e.values)) for e in message.enum_types)
    nested = sorted((n.name, shape(n, package)) for n in message.nested_types)
    oneofs = sorted((o.name, sorted(f.name for f in o.fields)) for o in message.oneofs)
    return local(message.full_name), fields, enums, nested, oneofs


def file_shape(file: FileDescriptor) -> Any:
    package = file.package
    messages = sorted(shape(m, package) for m in file.message_types_by_name.values())
    services = sorted(
        (
            s.name,
            sorted(
                (
                    m.name,
                    m.input_type.full_name.removeprefix(package),
                    m.output_type.full_name.removeprefix(package),
                )
                for m in s.methods
            ),
        )
        for s in file.services_by_name.values()
    )
    return messages, services


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (health_pb2.DESCRIPTOR, grpcio_health_pb2.DESCRIPTOR),
        (reflection_v1alpha_pb2.DESCRIPTOR, grpcio_reflection_pb2.DESCRIPTOR),
        (reflection_v1_pb2.DESCRIPTOR, grpcio_reflection_pb2.DESCRIPTOR),
    ],
)
def test_messages_and_services_match_grpcio(ours: FileDescriptor, theirs: FileDescriptor) -> None:
    assert file_shape(ours) == file_shape(theirs)


def test_files_have_the_canonical_names_and_packages() -> None:
    assert (health_pb2.DESCRIPTOR.name, health_pb2.DESCRIPTOR.package) == (
        "grpc/health/v1/health.proto",
        "grpc.health.v1",
    )
    assert reflection_v1_pb2.DESCRIPTOR.package == "grpc.reflection.v1"
    assert reflection_v1alpha_pb2.DESCRIPTOR.name == "grpc/reflection/v1alpha/reflection.proto"


def test_grpcio_messages_parse_ours_and_back() -> None:
    ours = health_pb2.HealthListResponse()
    ours.statuses["a.A"].status = health_pb2.HealthCheckResponse.NOT_SERVING
    theirs = grpcio_health_pb2.HealthListResponse.FromString(ours.SerializeToString())
    assert theirs.statuses["a.A"].status == grpcio_health_pb2.HealthCheckResponse.NOT_SERVING
    assert health_pb2.HealthListResponse.FromString(theirs.SerializeToString()) == ours
