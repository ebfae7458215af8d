"""The Java interop harness proves itself before any Python peer uses it (issue 3, item 5).

* hessian-lite (Java's own Hessian library) reads the vectors of spec/hessian2.md §6.3, which were made
  with hessian-lite, and writes them back byte for byte; it writes tagged values as those vectors too.
* The Java consumer call driver calls the Java provider of the same Dubbo line, Java to Java: 3.3.6 over
  dubbo:// and tri:// (wrapper mode, and raw protobuf for PbService), 2.7.23 over dubbo://. Every kind of
  call the Python tests will make through the driver is made here once against a known-good peer.

The JVMs come from the session fixtures of ``tests/interop/java_fixtures.py``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import decimal
from typing import Any

import pytest
from java_harness import (
    CallResult,
    HessianLite,
    HessianLiteError,
    JavaConsumer,
    JavaHarnessError,
    jdate,
    jenum,
    jint,
    jlist,
    jobject,
    start_provider,
)

pytestmark = pytest.mark.interop


def user(name: str, age: int) -> bytes:
    """``new org.example.User(name, age)`` as hessian-lite writes it (§6.3), for a one-letter name."""
    return bytes.fromhex("43106f72672e6578616d706c652e557365729203616765046e616d6560") + (
        bytes([0x90 + age, 0x01]) + name.encode()
    )


# (hex written by hessian-lite, the tagged value it stands for), from spec/hessian2.md §6.3
VECTORS: list[tuple[str, Any]] = [
    ("c830", jint(48)),
    ("d3f7ff", jint(-2049)),
    ("4980000000", jint(-(2**31))),
    ("f92c", {"$long": "300"}),
    ("4cffffffff7fffffff", {"$long": "-2147483649"}),
    ("5f00002fda", {"$double": 12.25}),
    ("444202a05f20000000", {"$double": 1.0e10}),
    ("4b00000000", {"$date": 0}),
    ("02e4b8ade69687", "中文"),
    ("02eda0bdedb880", "\U0001f600"),
    ("23010203", {"$bytes": "010203"}),
    ("56045b696e7498" + "90" * 8, jlist([jint(0)] * 8, "[int")),
    ("72045b696e749192", jlist([jint(1), jint(2)], "[int")),
    ("7a910161", jlist([jint(1), "a"])),
    ("71146a6176612e7574696c2e4c696e6b65644c69737491", jlist([jint(1)], "java.util.LinkedList")),
    ("48a003666965c90003666f6591036665655a", {"$map": [[jint(16), "fie"], [jint(256), "foe"], [jint(1), "fee"]]}),
    ("4d116a6176612e7574696c2e547265654d61700161915a", {"$map": [["a", jint(1)]], "$type": "java.util.TreeMap"}),
    (
        "43146a6176612e6d6174682e426967446563696d616c910576616c756560063132332e3435",
        jobject("java.math.BigDecimal", {"value": "123.45"}),
    ),
    ("43116f72672e6578616d706c652e436f6c6f7291046e616d656003524544", jenum("org.example.Color", "RED")),
    (user("a", 1).hex(), {"$class": "org.example.User", "$fields": {"age": jint(1), "name": "a"}}),
]
# hessian-lite's bytes for values the tagged form cannot rebuild (a shared instance, a throwable): read back
REREAD_ONLY = [
    "7a" + user("a", 1).hex() + "5191",  # ArrayList[u, u], one User instance twice: a value ref
    "431a6a6176612e6c616e672e52756e74696d65457863657074696f6e94"  # RuntimeException("boom"), empty stack
    "1473757070726573736564457863657074696f6e730a737461636b54726163650563617573650d64657461696c4d657373616765"
    "60701f6a6176612e7574696c2e436f6c6c656374696f6e7324456d7074794c697374"
    "701c5b6a6176612e6c616e672e537461636b5472616365456c656d656e74519004626f6f6d",
]


@pytest.mark.parametrize(("hex_", "tagged"), VECTORS, ids=[v[0][:24] for v in VECTORS])
def test_hessian_lite_reads_writes_and_rewrites_the_spec_vectors(
    hessian_lite: HessianLite, hex_: str, tagged: Any
) -> None:
    data = bytes.fromhex(hex_)
    assert hessian_lite.decode(data) == tagged
    assert hessian_lite.reencode(data).hex() == hex_
    assert hessian_lite.encode(tagged).hex() == hex_


@pytest.mark.parametrize("hex_", REREAD_ONLY, ids=["shared-ref", "throwable"])
def test_hessian_lite_rewrites_refs_and_throwables_byte_for_byte(hessian_lite: HessianLite, hex_: str) -> None:
    assert hessian_lite.reencode(bytes.fromhex(hex_)).hex() == hex_


def test_hessian_lite_streams_share_class_definitions(hessian_lite: HessianLite) -> None:
    first, second = VECTORS[-1][1], {"$class": "org.example.User", "$fields": {"age": jint(2), "name": "b"}}
    data = hessian_lite.encode_stream([first, second])
    assert data.hex() == user("a", 1).hex() + "60920162"  # the second instance reuses definition 0
    assert hessian_lite.decode_stream(data) == [first, second]


def test_hessian_lite_reads_a_harness_pojo_as_java_does(hessian_lite: HessianLite) -> None:
    person = person_tagged()
    data = hessian_lite.encode(person)
    back = hessian_lite.decode(data)
    assert back["$class"] == "org.dubbopy.interop.Person"
    assert back["$fields"]["address"]["$fields"] == person["$fields"]["address"]["$fields"]
    assert back["$fields"]["color"] == jenum("org.dubbopy.interop.Color", "GREEN")
    assert back["$fields"]["tags"] == jlist(["x", "y"])
    assert hessian_lite.reencode(data) == data


# hessian-lite rejects these; it does not notice a fixed-width value cut short (``c8`` alone reads as -1: the
# missing bytes read as 0xff), so it is no oracle for truncation
BAD_INPUT = {"list-cut-short": "7a91", "undefined-ref": "5190", "undefined-class": "60", "trailing-byte": "c830c8"}


@pytest.mark.parametrize("hex_", BAD_INPUT.values(), ids=BAD_INPUT.keys())
def test_hessian_lite_reports_bad_input(hessian_lite: HessianLite, hex_: str) -> None:
    with pytest.raises(HessianLiteError, match="hessian-lite: "):
        hessian_lite.decode(bytes.fromhex(hex_))
    assert hessian_lite.decode(bytes.fromhex("c830")) == jint(48)  # and goes on answering


# --------------------------------------------------------------------------------- consumer -> provider

PEERS = [("33", "dubbo"), ("33", "tri"), ("27", "dubbo")]


@pytest.fixture(params=PEERS, ids=[f"java{v}-{p}" for v, p in PEERS])
def peer(request: pytest.FixtureRequest) -> tuple[JavaConsumer, str, str]:
    """(consumer, provider URL, protocol) of one Dubbo line, both Java."""
    version, protocol = request.param
    provider = request.getfixturevalue(f"java{version}_provider")
    consumer = request.getfixturevalue(f"java{version}_consumer")
    url = provider.dubbo_url if protocol == "dubbo" else provider.tri_url
    return consumer, url, protocol


def person_tagged() -> dict[str, Any]:
    return jobject(
        "org.dubbopy.interop.Person",
        {
            "name": "Ada",
            "age": jint(36),
            "id": 2**40,
            "score": 9.5,
            "active": True,
            "address": jobject(
                "org.dubbopy.interop.Address", {"street": "1 Main St", "city": "Sofia", "zip": jint(1000)}
            ),
            "color": jenum("org.dubbopy.interop.Color", "GREEN"),
            "birthday": jdate(dt.datetime(1990, 5, 17, 12, 30, tzinfo=dt.UTC)),
            "balance": decimal.Decimal("1234.50"),
            "tags": ["x", "y"],
        },
    )


PERSON_PLAIN = {
    "class": "org.dubbopy.interop.Person",
    "name": "Ada",
    "age": 36,
    "id": 2**40,
    "score": 9.5,
    "active": True,
    "address": {"class": "org.dubbopy.interop.Address", "street": "1 Main St", "city": "Sofia", "zip": 1000},
    "color": {"class": "org.dubbopy.interop.Color", "name": "GREEN"},
    "birthday": dt.datetime(1990, 5, 17, 12, 30, tzinfo=dt.UTC),
    "balance": decimal.Decimal("1234.50"),
    "tags": ["x", "y"],
}


def test_greeting(peer: tuple[JavaConsumer, str, str]) -> None:
    consumer, url, _ = peer
    assert consumer.call("GreetingsService.sayHi", url, ["world"]).value == "hi, world"
    versioned = consumer.call("GreetingsService.sayHi", url, ["v"], version="1.0.0", group="interop")
    assert versioned.value == "[interop/1.0.0] hi, v"


@pytest.mark.parametrize(
    ("method", "arg", "wire"),
    [
        ("echoString", "héllo \U0001f600", "héllo \U0001f600"),
        ("echoInt", 7, jint(7)),
        ("echoLong", 2**40, {"$long": str(2**40)}),
        ("echoDouble", 0.1, {"$double": 0.1}),
        ("echoBoolean", True, True),
        ("echoBytes", b"\x00\xff", {"$bytes": "00ff"}),
        ("echoListOfMaps", [{"a": jint(1), "b": "x"}], jlist([{"$map": [["a", jint(1)], ["b", "x"]]}])),
        ("echoIntArray", jlist([jint(1), jint(2)], "[int"), jlist([jint(1), jint(2)], "[int")),
    ],
)
def test_values_keep_their_java_types(peer: tuple[JavaConsumer, str, str], method: str, arg: Any, wire: Any) -> None:
    consumer, url, _ = peer
    result = consumer.call(f"TypesService.{method}", url, [arg])
    assert result.ok, result.error
    assert result.result == wire


def test_pojo_with_nested_pojo_enum_date_decimal_and_list(peer: tuple[JavaConsumer, str, str]) -> None:
    consumer, url, _ = peer
    assert consumer.call("TypesService.echoPerson", url, [person_tagged()]).value == PERSON_PLAIN


def test_null_and_void(peer: tuple[JavaConsumer, str, str]) -> None:
    consumer, url, _ = peer
    assert consumer.call("TypesService.returnNull", url).value is None
    assert consumer.call("TypesService.ping", url).value is None


def test_overloads_are_told_apart_by_parameter_type(peer: tuple[JavaConsumer, str, str]) -> None:
    consumer, url, _ = peer
    assert consumer.call("TypesService.describe", url, [5], types=["int"]).value == "int:5"
    assert consumer.call("TypesService.describe", url, ["5"], types=["java.lang.String"]).value == "string:5"
    with pytest.raises(JavaHarnessError, match="overloaded method"):
        consumer.call("TypesService.describe", url, [5])


def test_a_java_exception_arrives_with_class_and_message(peer: tuple[JavaConsumer, str, str]) -> None:
    consumer, url, _ = peer
    result: CallResult = consumer.call("TypesService.fail", url, ["x"])
    assert not result.ok
    assert result.error is not None
    assert (result.error.cls, result.error.message) == ("java.lang.IllegalStateException", "boom: x")


def test_attachments_both_ways(peer: tuple[JavaConsumer, str, str]) -> None:
    consumer, url, _ = peer
    result = consumer.call("TypesService.attachments", url, ["back"], attachments={"x-request": "forth"})
    assert result.value["x-request"] == "forth"
    assert result.response_attachments["echo-response"] == "back"


def test_a_slow_call_times_out(peer: tuple[JavaConsumer, str, str]) -> None:
    consumer, url, _ = peer
    result = consumer.call("TypesService.sleep", url, [jint(3000)], timeout_ms=300)
    assert not result.ok
    assert result.error is not None
    assert result.error.timeout, result.error


def test_generic_invoke(peer: tuple[JavaConsumer, str, str]) -> None:
    consumer, url, _ = peer
    pojo = {"class": "org.dubbopy.interop.Person", "name": "g", "age": jint(3), "tags": ["t"]}
    result = consumer.call("TypesService.echoPerson", url, [pojo], generic=True, types=["org.dubbopy.interop.Person"])
    value = result.value
    assert {k: value[k] for k in ("class", "name", "age", "tags")} == {
        "class": "org.dubbopy.interop.Person",
        "name": "g",
        "age": 3,
        "tags": ["t"],
    }
    hi = consumer.call(
        "org.apache.dubbo.samples.api.GreetingsService.sayHi", url, ["g"], generic=True, types=["java.lang.String"]
    )
    assert hi.value == "hi, g"


def test_protobuf_service_over_triple(request: pytest.FixtureRequest) -> None:
    provider = request.getfixturevalue("java33_provider")
    consumer: JavaConsumer = request.getfixturevalue("java33_consumer")
    result = consumer.call("PbService.upper", provider.tri_url, ["abc"])
    assert result.value["proto"] == "google.protobuf.StringValue"
    assert result.value["bytes"] == b"\x0a\x03ABC"  # StringValue{value: "ABC"}
    failed = consumer.call("PbService.fail", provider.tri_url, ["abc"])
    assert not failed.ok
    assert failed.error is not None
    assert "boom: abc" in str(failed.error.message)


def test_a_provider_that_cannot_start_is_reported_with_its_stderr(request: pytest.FixtureRequest) -> None:
    request.getfixturevalue("java33_provider")  # only to skip or fail the same way when the jars are missing
    with pytest.raises(JavaHarnessError, match=r"(?s)java33-provider JVM exited with status 1.*dubbopy\.dubbo\.port"):
        start_provider("33", dubbo_port=0, tri_port=0, timeout=60)


async def test_async_calls_leave_the_event_loop_free(peer: tuple[JavaConsumer, str, str]) -> None:
    consumer, url, _ = peer
    greeting, echoed = await asyncio.gather(
        consumer.acall("GreetingsService.sayHi", url, ["async"]),
        consumer.acall("TypesService.echoString", url, ["concurrent"]),
    )
    assert (greeting.value, echoed.value) == ("hi, async", "concurrent")
