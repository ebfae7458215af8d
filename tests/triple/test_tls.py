"""TLS and mutual TLS with the real grpcio peer in both directions.

A session fixture makes a CA, a server certificate (``localhost`` and ``127.0.0.1``) and a client
certificate with the ``cryptography`` package; a second, unrelated CA stands for "someone else's".
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import grpc
import pytest
from triple_support import need, start_grpc_server, within

import dubbopy
from dubbopy.errors import StatusCode

pytestmark = pytest.mark.interop


def _key() -> Any:
    from cryptography.hazmat.primitives.asymmetric import ec

    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> Any:
    from cryptography import x509
    from cryptography.x509.oid import NameOID

    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem(obj: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    if hasattr(obj, "public_bytes"):
        return bytes(obj.public_bytes(serialization.Encoding.PEM))
    return bytes(
        obj.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )


def _issue(
    subject: str, key: Any, issuer: Any, issuer_key: Any, *, ca: bool = False, extensions: list[Any] = ()
) -> Any:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes

    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    for extension in extensions:
        builder = builder.add_extension(extension, critical=False)
    return builder.sign(issuer_key, hashes.SHA256())


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    """PEM files and bytes: ``ca``, ``server_cert``/``server_key``, ``client_cert``/``client_key``,
    ``other_ca`` (trusted by nobody here)."""
    need("cryptography", "cryptography")
    from cryptography import x509
    from cryptography.x509.oid import ExtendedKeyUsageOID

    out = tmp_path_factory.mktemp("pki")
    ca_key = _key()
    ca = _issue("dubbopy test CA", ca_key, _name("dubbopy test CA"), ca_key, ca=True)
    other_key = _key()
    other_ca = _issue("someone else's CA", other_key, _name("someone else's CA"), other_key, ca=True)
    server_key = _key()
    server = _issue(
        "localhost",
        server_key,
        ca.subject,
        ca_key,
        extensions=[
            x509.SubjectAlternativeName([x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]),
        ],
    )
    client_key = _key()
    client = _issue(
        "dubbopy test client",
        client_key,
        ca.subject,
        ca_key,
        extensions=[x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH])],
    )
    files = {
        "ca": _pem(ca),
        "other_ca": _pem(other_ca),
        "server_cert": _pem(server),
        "server_key": _pem(server_key),
        "client_cert": _pem(client),
        "client_key": _pem(client_key),
    }
    paths: dict[str, Path] = {}
    for name, data in files.items():
        paths[name] = out / f"{name}.pem"
        paths[name].write_bytes(data)
    return SimpleNamespace(pem=files, path=paths)


def server_context(pki: SimpleNamespace, *, require_client_cert: bool = False) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(pki.path["server_cert"], pki.path["server_key"])
    if require_client_cert:
        context.verify_mode = ssl.CERT_REQUIRED
        context.load_verify_locations(pki.path["ca"])
    return context


def client_context(pki: SimpleNamespace, *, ca: str = "ca", with_cert: bool = False) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.SERVER_AUTH, cafile=str(pki.path[ca]))
    if with_cert:
        context.load_cert_chain(pki.path["client_cert"], pki.path["client_key"])
    return context


# ---------------------------------------------------------------- grpcio client → dubbopy TLS server


async def _tls_server(hw: SimpleNamespace, context: ssl.SSLContext) -> tuple[dubbopy.Server, str]:
    from greeter_support import make_greeter

    server = dubbopy.Server(protocols=["tri://127.0.0.1:0"], options=dubbopy.ServerOptions(ssl=context))
    server.add(make_greeter(hw))
    await server.start()
    return server, f"127.0.0.1:{server.ports[0]}"


@pytest.fixture
async def tls_server(hw: SimpleNamespace, pki: SimpleNamespace) -> AsyncIterator[str]:
    server, target = await _tls_server(hw, server_context(pki))
    try:
        yield target
    finally:
        await server.stop(grace=1.0)


@pytest.fixture
async def mtls_server(hw: SimpleNamespace, pki: SimpleNamespace) -> AsyncIterator[str]:
    server, target = await _tls_server(hw, server_context(pki, require_client_cert=True))
    try:
        yield target
    finally:
        await server.stop(grace=1.0)


async def _grpcio_hello(hw: SimpleNamespace, target: str, credentials: grpc.ChannelCredentials, name: str) -> str:
    async with grpc.aio.secure_channel(target, credentials) as channel:
        stub = hw.grpc.GreeterStub(channel)
        reply = await within(stub.SayHello(hw.pb2.HelloRequest(name=name), timeout=10), "a TLS call")
        return str(reply.message)


async def test_grpcio_calls_dubbopy_over_tls(hw: SimpleNamespace, pki: SimpleNamespace, tls_server: str) -> None:
    credentials = grpc.ssl_channel_credentials(root_certificates=pki.pem["ca"])
    assert await _grpcio_hello(hw, tls_server, credentials, "tls") == "hi tls"
    async with grpc.aio.secure_channel(tls_server, credentials) as channel:
        stream = hw.grpc.GreeterStub(channel).LotsOfReplies(hw.pb2.HelloRequest(name="s*3"), timeout=10)
        assert [r.message async for r in stream] == ["s0", "s1", "s2"]


async def test_grpcio_refuses_a_dubbopy_server_it_does_not_trust(
    hw: SimpleNamespace, pki: SimpleNamespace, tls_server: str
) -> None:
    credentials = grpc.ssl_channel_credentials(root_certificates=pki.pem["other_ca"])
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _grpcio_hello(hw, tls_server, credentials, "untrusted")
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE


async def test_grpcio_calls_dubbopy_over_mtls(hw: SimpleNamespace, pki: SimpleNamespace, mtls_server: str) -> None:
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pki.pem["ca"], private_key=pki.pem["client_key"], certificate_chain=pki.pem["client_cert"]
    )
    assert await _grpcio_hello(hw, mtls_server, credentials, "mtls") == "hi mtls"


async def test_dubbopy_mtls_server_rejects_a_grpcio_client_without_certificate(
    hw: SimpleNamespace, pki: SimpleNamespace, mtls_server: str
) -> None:
    anonymous = grpc.ssl_channel_credentials(root_certificates=pki.pem["ca"])
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await _grpcio_hello(hw, mtls_server, anonymous, "anonymous")
    assert caught.value.code() == grpc.StatusCode.UNAVAILABLE
    # and it still serves clients that do present one
    credentials = grpc.ssl_channel_credentials(
        root_certificates=pki.pem["ca"], private_key=pki.pem["client_key"], certificate_chain=pki.pem["client_cert"]
    )
    assert await _grpcio_hello(hw, mtls_server, credentials, "mtls") == "hi mtls"


# ---------------------------------------------------------------- dubbopy client → grpcio TLS server


@pytest.fixture
async def grpcio_tls(hw: SimpleNamespace, pki: SimpleNamespace) -> AsyncIterator[SimpleNamespace]:
    credentials = grpc.ssl_server_credentials([(pki.pem["server_key"], pki.pem["server_cert"])])
    peer = await start_grpc_server(hw, credentials=credentials)
    try:
        yield peer
    finally:
        await peer.server.stop(None)


@pytest.fixture
async def grpcio_mtls(hw: SimpleNamespace, pki: SimpleNamespace) -> AsyncIterator[SimpleNamespace]:
    credentials = grpc.ssl_server_credentials(
        [(pki.pem["server_key"], pki.pem["server_cert"])], root_certificates=pki.pem["ca"], require_client_auth=True
    )
    peer = await start_grpc_server(hw, credentials=credentials)
    try:
        yield peer
    finally:
        await peer.server.stop(None)


async def _dubbopy_hello(hw: SimpleNamespace, url: str, context: ssl.SSLContext, name: str) -> str:
    async with dubbopy.Client(options=dubbopy.ClientOptions(ssl=context, connect_timeout=10)) as client:
        stub = hw.dubbo.GreeterStub(client.reference(url=url))
        reply = await within(stub.SayHello(hw.pb2.HelloRequest(name=name), timeout=10), "a TLS call")
        return str(reply.message)


async def test_dubbopy_calls_grpcio_over_tls(
    hw: SimpleNamespace, pki: SimpleNamespace, grpcio_tls: SimpleNamespace
) -> None:
    assert await _dubbopy_hello(hw, grpcio_tls.url, client_context(pki), "tls") == "g tls"
    async with dubbopy.Client(options=dubbopy.ClientOptions(ssl=client_context(pki))) as client:
        stub = hw.dubbo.GreeterStub(client.reference(url=grpcio_tls.url))
        stream = stub.LotsOfReplies(hw.pb2.HelloRequest(name="s*3"), timeout=10)
        assert [r.message async for r in stream] == ["s0", "s1", "s2"]


async def test_dubbopy_refuses_a_grpcio_server_it_does_not_trust(
    hw: SimpleNamespace, pki: SimpleNamespace, grpcio_tls: SimpleNamespace
) -> None:
    with pytest.raises(dubbopy.RpcError) as caught:
        await _dubbopy_hello(hw, grpcio_tls.url, client_context(pki, ca="other_ca"), "untrusted")
    assert caught.value.status is StatusCode.UNAVAILABLE


async def test_dubbopy_calls_grpcio_over_mtls(
    hw: SimpleNamespace, pki: SimpleNamespace, grpcio_mtls: SimpleNamespace
) -> None:
    assert await _dubbopy_hello(hw, grpcio_mtls.url, client_context(pki, with_cert=True), "mtls") == "g mtls"


async def test_grpcio_mtls_server_rejects_a_dubbopy_client_without_certificate(
    hw: SimpleNamespace, pki: SimpleNamespace, grpcio_mtls: SimpleNamespace
) -> None:
    with pytest.raises(dubbopy.RpcError) as caught:
        await _dubbopy_hello(hw, grpcio_mtls.url, client_context(pki), "anonymous")
    assert caught.value.status is StatusCode.UNAVAILABLE
