"""The Dubbo URL: parsing and printing as Java does (spec/url.md), encoding, helpers, validation."""

from __future__ import annotations

import contextlib
import copy
import ipaddress
import pickle
import string
from urllib.parse import quote_plus

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dubbopy.errors import ConfigError
from dubbopy.url import URL, url_decode, url_encode

# --------------------------------------------------------------------------------------------------
# Every URL quoted in /work/shared/spec/*.md; templates (<ip>, "…") are filled in with concrete values.

ZK_NODE_NAME = (
    "dubbo%3A%2F%2F192.168.1.10%3A20880%2Forg.apache.dubbo.demo.DemoService%3Fapplication%3Ddemo-provider"
    "%26deprecated%3Dfalse%26dubbo%3D2.0.2%26dynamic%3Dtrue%26generic%3Dfalse%26interface%3D"
    "org.apache.dubbo.demo.DemoService%26methods%3DsayHello%2CsayHelloAsync%26prefer.serialization%3D"
    "hessian2%2Cfastjson2%26release%3D3.3.0%26service-name-mapping%3Dtrue%26side%3Dprovider%26timestamp"
    "%3D1732233600000"
)
ZK_NODE_DECODED = (
    "dubbo://192.168.1.10:20880/org.apache.dubbo.demo.DemoService?application=demo-provider"
    "&deprecated=false&dubbo=2.0.2&dynamic=true&generic=false&interface=org.apache.dubbo.demo.DemoService"
    "&methods=sayHello,sayHelloAsync&prefer.serialization=hessian2,fastjson2&release=3.3.0"
    "&service-name-mapping=true&side=provider&timestamp=1732233600000"
)
JAVA_TEST_PROVIDER = (
    "dubbo://127.0.0.1:12345/com.example.TestService?anyhost=true&application=test&category=providers"
    "&dubbo=2.0.2&generic=false&interface=com.example.TestService&methods=testMethod&pid=26716"
    "&side=provider&timestamp=1633863896653"
)

SPEC_URLS = [
    ZK_NODE_DECODED,
    JAVA_TEST_PROVIDER,
    # url.md §1 grammar, filled in
    "dubbo://admin:hello1234@10.20.130.230:20880/context/path?application=morgan&version=1.0.0",
    # protocol names from the dubbo-protocol.md / triple.md titles
    "dubbo://",
    "tri://",
    # triple.md: the spec page and the curl example
    "https://dubbo.apache.org/en/overview/reference/protocols/triple-spec",
    "http://127.0.0.1:50052/org.apache.dubbo.samples.api.GreetingsService/sayHi",
    # dubbo-protocol.md: QoS over HTTP
    "http://host:22222/ls",
    # service-discovery.md §2.1: consumer registration, empty://, configurators and routers
    "consumer://10.0.0.5/org.apache.dubbo.demo.DemoService?application=demo-consumer&category=consumers"
    "&check=false&dubbo=2.0.2&interface=org.apache.dubbo.demo.DemoService&methods=sayHello&side=consumer",
    "empty://10.0.0.5/org.apache.dubbo.demo.DemoService?category=providers&interface=org.apache.dubbo.demo.DemoService",
    "override://0.0.0.0/org.apache.dubbo.demo.DemoService?category=configurators&dynamic=false&enabled=true"
    "&timeout=5000",
    "route://0.0.0.0/org.apache.dubbo.demo.DemoService?category=routers&dynamic=false&force=false"
    "&rule=host%20%3D%2010.20.153.10%20%3D%3E%20host%20%3D%2010.20.153.11",
    "condition://0.0.0.0/com.foo.BarService?category=routers&dynamic=false&name=test&priority=1"
    "&rule=method+%3D+find*+%3D%3E+host+%3D+192.168.1.22",
    # service-discovery.md §2.1: dubbo-go provider URL shape
    "tri://192.168.1.10:20000/greet.GreetService?anyhost=true&interface=greet.GreetService"
    "&methods=Greet,GreetStream&side=provider",
    # service-discovery.md: MetadataService reference URL
    "dubbo://10.0.0.5:20881/org.apache.dubbo.metadata.MetadataService?connections=1&group=demo-provider"
    "&retries=0&side=consumer&timeout=5000&version=1.0.0",
    # registry addresses
    "zookeeper://127.0.0.1:2181/org.apache.dubbo.registry.RegistryService?application=demo&dubbo=2.0.2",
    "zookeeper://10.0.0.1:2181,10.0.0.2:2181,10.0.0.3:2181",
    "service-discovery-registry://127.0.0.1:2181/org.apache.dubbo.registry.RegistryService"
    "?registry=zookeeper&registry-type=service",
    "127.0.0.1:2181",
    # IPv6, bracketed and with a scope id
    "tri://[::1]:50051/greet.GreetService?side=provider",
    "dubbo://[fe80::1%en0]:20880/x",
]


@pytest.mark.parametrize("text", SPEC_URLS)
def test_every_spec_url_prints_back_identically(text: str) -> None:
    url = URL.parse(text)
    assert url.to_full_string() == text
    assert URL.parse(url.to_full_string()) == url


@pytest.mark.parametrize("text", SPEC_URLS)
def test_every_spec_url_survives_the_zookeeper_encoding(text: str) -> None:
    url = URL.parse(text)
    node_name = url_encode(url.to_full_string())
    assert URL.parse_encoded(node_name) == url


def test_zookeeper_node_name_from_the_spec() -> None:
    url = URL.parse_encoded(ZK_NODE_NAME)
    assert url.protocol == "dubbo"
    assert url.host == "192.168.1.10"
    assert url.port == 20880
    assert url.path == "org.apache.dubbo.demo.DemoService"
    assert url.get_list("methods") == ("sayHello", "sayHelloAsync")
    assert url.params["prefer.serialization"] == "hessian2,fastjson2"
    assert url.to_full_string() == ZK_NODE_DECODED
    # and we write the very same node name back
    assert url_encode(url.to_full_string()) == ZK_NODE_NAME


def test_java_test_provider_url_fields() -> None:
    url = URL.parse(JAVA_TEST_PROVIDER)
    assert (url.protocol, url.host, url.port) == ("dubbo", "127.0.0.1", 12345)
    assert url.address == "127.0.0.1:12345"
    assert url.service_key == "com.example.TestService"
    assert url.protocol_service_key == "com.example.TestService:dubbo"
    assert url.get_int("pid", 0) == 26716
    assert url.get_bool("anyhost", False) is True


# --------------------------------------------------------------------------------------------- parsing


def test_user_and_password_are_parsed_and_hidden_from_str() -> None:
    url = URL.parse("dubbo://admin:hello1234@10.20.130.230:20880/context/path?version=1.0.0")
    assert (url.username, url.password) == ("admin", "hello1234")
    assert url.path == "context/path"
    assert str(url) == "dubbo://10.20.130.230:20880/context/path?version=1.0.0"
    assert "hello1234" not in repr(url)
    assert url.to_full_string().startswith("dubbo://admin:hello1234@")


def test_user_without_password() -> None:
    url = URL.parse("zookeeper://alice@zk:2181")
    assert (url.username, url.password, url.host, url.port) == ("alice", "", "zk", 2181)
    assert url.to_full_string() == "zookeeper://alice@zk:2181"


def test_no_port_no_path_no_params() -> None:
    url = URL.parse("consumer://10.0.0.5")
    assert (url.host, url.port, url.path, dict(url.params)) == ("10.0.0.5", 0, "", {})
    assert url.address == "10.0.0.5"
    assert url.to_full_string() == "consumer://10.0.0.5"


def test_path_without_host() -> None:
    url = URL.parse("file:///etc/dubbo/registry.cache")
    assert (url.protocol, url.host, url.path) == ("file", "", "etc/dubbo/registry.cache")
    assert url.to_full_string() == "file:///etc/dubbo/registry.cache"


def test_single_slash_protocol_form_as_java() -> None:
    url = URL.parse("file:/path/to/file.txt")
    assert (url.protocol, url.host, url.path) == ("file", "", "path/to/file.txt")


def test_no_protocol_is_host_and_port() -> None:
    url = URL.parse("  127.0.0.1:2181  ")
    assert (url.protocol, url.host, url.port) == ("", "127.0.0.1", 2181)


def test_params_are_printed_sorted_by_key() -> None:
    url = URL.parse("dubbo://h:1/s?side=provider&application=a&Zeta=1&methods=b,a")
    assert url.to_full_string() == "dubbo://h:1/s?Zeta=1&application=a&methods=b,a&side=provider"


def test_sort_is_utf16_order_like_java_treemap() -> None:
    # U+FF5E sorts after U+1F600 in UTF-16 (0xFF5E > 0xD83D) although its code point is smaller.
    url = URL("p", "h", params={"\uff5e": "1", "\U0001f600": "2", "a": "3"})
    assert url.to_full_string() == "p://h?a=3&\U0001f600=2&\uff5e=1"


def test_empty_values_and_keys_without_equals() -> None:
    url = URL.parse("dubbo://h:1/s?a=&b&c=3")
    assert dict(url.params) == {"a": "", "b": "", "c": "3"}
    assert url.to_full_string() == "dubbo://h:1/s?a=&b=&c=3"


def test_repeated_key_last_one_wins() -> None:
    assert URL.parse("dubbo://h/s?timeout=1&timeout=2").params["timeout"] == "2"


def test_semicolon_separates_params_like_ampersand() -> None:
    assert dict(URL.parse("dubbo://h/s?a=1;b=2").params) == {"a": "1", "b": "2"}


def test_value_may_contain_equals_sign() -> None:
    assert URL.parse("dubbo://h/s?rule=a==b").params["rule"] == "a==b"


def test_leading_equals_and_empty_segments_are_skipped() -> None:
    assert dict(URL.parse("dubbo://h/s?&&=v&;a=1&").params) == {"v": "", "a": "1"}


def test_default_prefix_defines_plain_key_if_absent() -> None:
    url = URL.parse("dubbo://h/s?default.timeout=100&default.retries=0&retries=3")
    assert url.params["timeout"] == "100"
    # a later plain key overrides, and an earlier plain key is kept
    assert url.params["retries"] == "3"
    assert URL.parse("dubbo://h/s?retries=3&default.retries=0").params["retries"] == "3"
    assert url.params["default.timeout"] == "100"


def test_values_are_printed_raw_but_java_trimmed() -> None:
    url = URL("dubbo", "h", params={"k": "  spaced out \t", "enc": "a%20b"})
    assert url.to_full_string() == "dubbo://h?enc=a%20b&k=spaced out"


def test_ipv6_bracketed_and_java_bare_forms() -> None:
    bracketed = URL.parse("dubbo://[2001:db8::1]:20880/s")
    bare = URL.parse("dubbo://2001:db8::1:20880/s")
    assert bracketed == bare
    assert bracketed.host == "2001:db8::1"
    assert bracketed.address == "[2001:db8::1]:20880"
    assert bare.to_full_string() == "dubbo://[2001:db8::1]:20880/s"
    assert URL.parse("tri://[::1]/s").address == "[::1]"


def test_ipv6_scope_id_without_port_is_not_split() -> None:
    url = URL.parse("dubbo://fe80::894:aeec:f37d:23e1%en0/s")
    assert (url.host, url.port) == ("fe80::894:aeec:f37d:23e1%en0", 0)


def test_registry_address_list_and_backup() -> None:
    url = URL.parse("zookeeper://10.0.0.1:2181,10.0.0.2:2182?backup=10.0.0.3:2183,10.0.0.4:2184")
    assert url.port == 2182
    assert url.addresses() == ("10.0.0.1:2181", "10.0.0.2:2182", "10.0.0.3:2183", "10.0.0.4:2184")


# ------------------------------------------------------------------------------------- parse_encoded


def test_parse_encoded_keeps_double_encoded_value() -> None:
    # A registry URL carrying the consumer URL in refer=: after one more encoding the inner %26 is %2526.
    inner = "application=demo&interface=org.apache.dubbo.demo.DemoService&side=consumer"
    registry = URL("registry", "127.0.0.1", 2181, "org.apache.dubbo.registry.RegistryService").with_params(
        refer=url_encode(inner), registry="zookeeper"
    )
    node = url_encode(registry.to_full_string())
    assert "%2526" in node
    parsed = URL.parse_encoded(node)
    assert parsed.params["refer"] == url_encode(inner)
    assert parsed.get_decoded("refer") == inner
    assert parsed.params["registry"] == "zookeeper"


def test_parse_encoded_accepts_go_query_escape_and_lower_case_hex() -> None:
    text = "tri://10.0.0.1:20000/greet.GreetService?anyhost=true&tag=a~b*c"
    go_style = quote_plus(text)  # like Go's url.QueryEscape: keeps "~", escapes "*"
    assert "~" in go_style
    assert "%2A" in go_style
    assert URL.parse_encoded(go_style) == URL.parse(text)
    lower_hex = url_encode(text).replace("%3F", "%3f").replace("%3D", "%3d")
    assert URL.parse_encoded(lower_hex) == URL.parse(text)


def test_parse_encoded_without_query() -> None:
    assert URL.parse_encoded("dubbo%3A%2F%2F10.0.0.1%3A20880%2Fx") == URL("dubbo", "10.0.0.1", 20880, "x")


def test_parse_encoded_rejects_broken_escape() -> None:
    with pytest.raises(ConfigError, match="escape"):
        URL.parse_encoded("dubbo%3A%2F%2Fh%3Fa%3D%2")


# ------------------------------------------------------------------------------------------ encoding


def test_url_encode_matches_java_url_encoder() -> None:
    # Values produced by java.net.URLEncoder.encode(s, "UTF-8").
    assert url_encode("a b") == "a+b"
    assert url_encode("A-Za-z0-9.-*_") == "A-Za-z0-9.-*_"
    assert url_encode("~!'()") == "%7E%21%27%28%29"
    assert url_encode("dubbo://h:1/s?a=1&b=2,3") == "dubbo%3A%2F%2Fh%3A1%2Fs%3Fa%3D1%26b%3D2%2C3"
    assert url_encode("中") == "%E4%B8%AD"
    assert url_encode("$") == "%24"


def test_url_decode_matches_java_url_decoder() -> None:
    assert url_decode("a+b%2Bc") == "a b+c"
    assert url_decode("%e4%b8%ad") == "中"
    assert url_decode("plain") == "plain"
    with pytest.raises(ConfigError, match="index 1"):
        url_decode("a%zz")
    with pytest.raises(ConfigError):
        url_decode("a%4")


# ----------------------------------------------------------------------------------------- helpers


def test_get_treats_empty_as_missing() -> None:
    url = URL.parse("dubbo://h/s?a=&b=x")
    assert url.get("a") is None
    assert url.get("a", "d") == "d"
    assert url.get("b", "d") == "x"
    assert url.get("missing", "d") == "d"
    assert url.params["a"] == ""


def test_get_int_and_bool() -> None:
    url = URL.parse("dubbo://h/s?timeout=3000&check=FALSE&lazy=True&generic=bean&bad=3s")
    assert url.get_int("timeout", 1000) == 3000
    assert url.get_int("retries", 2) == 2
    assert url.get_bool("check", True) is False
    assert url.get_bool("lazy", False) is True
    assert url.get_bool("generic", True) is False  # Java Boolean.parseBoolean
    assert url.get_bool("missing", True) is True
    with pytest.raises(ConfigError, match="bad='3s'"):
        url.get_int("bad", 0)


def test_method_params_java_and_go_styles() -> None:
    url = URL.parse("dubbo://h/s?timeout=1000&sayHello.timeout=7000&methods.greet.timeout=5000&sayHello.retries=0")
    assert url.get_method_param("sayHello", "timeout") == "7000"
    assert url.get_method_param("greet", "timeout") == "5000"
    assert url.get_method_param("other", "timeout") == "1000"
    assert url.get_method_param("other", "retries", "2") == "2"
    assert url.get_method_int("sayHello", "retries", 2) == 0
    assert url.get_method_int("greet", "timeout", 0) == 5000


def test_with_params_returns_new_url_and_converts_values() -> None:
    url = URL.parse("dubbo://h:1/s?a=1")
    changed = url.with_params({"prefer.serialization": "hessian2"}, timeout=3000, check=False)
    assert url.params == {"a": "1"}
    assert dict(changed.params) == {
        "a": "1",
        "prefer.serialization": "hessian2",
        "timeout": "3000",
        "check": "false",
    }
    assert changed.with_param("a", "2").params["a"] == "2"
    assert dict(changed.without_params("a", "timeout", "nope").params) == {
        "prefer.serialization": "hessian2",
        "check": "false",
    }
    assert url.without_params("zzz") is url


def test_replace() -> None:
    url = URL.parse("dubbo://u:p@h:1/s?a=1")
    moved = url.replace(host="10.0.0.2", port=20881)
    assert moved.to_full_string() == "dubbo://u:p@10.0.0.2:20881/s?a=1"
    assert url.host == "h"


def test_service_keys() -> None:
    url = URL.parse("tri://h:1/path?interface=org.Demo&group=g&version=1.0.0")
    assert url.service_key == "g/org.Demo:1.0.0"
    assert url.protocol_service_key == "g/org.Demo:1.0.0:tri"
    assert URL.parse("dubbo://h/org.Demo").service_key == "org.Demo"
    # Java keeps a 0.0.0 version in the key
    assert URL.parse("dubbo://h/org.Demo?version=0.0.0").service_key == "org.Demo:0.0.0"
    assert URL.parse("consumer://h/org.Demo?version=1").protocol_service_key == "org.Demo:1"
    assert URL.parse("zookeeper://zk:2181").service_key == ""


def test_immutable_hashable_copyable_picklable() -> None:
    url = URL("dubbo", "h", 1, "s", {"a": "1", "b": " x "}, username="u", password="p")
    with pytest.raises(AttributeError):
        url.host = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        url.params["a"] = "2"  # type: ignore[index]
    assert {url: 1}[URL.parse("dubbo://u:p@h:1/s?a=1").with_param("b", " x ")] == 1
    assert copy.copy(url) == url
    assert copy.deepcopy(url) == url
    restored = pickle.loads(pickle.dumps(url))
    assert restored == url
    assert restored.params["b"] == " x "


# -------------------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("://1.2.3.4:8080/path", "no protocol"),
        ("dubbo://h:port/s", "'port' is not a number"),
        ("dubbo://h:/s", "port '' is not a number"),
        ("dubbo://h:70000/s", "out of range"),
        ("dubbo://[::1/s", "without ']'"),
        ("dubbo://[not-v6]:1/s", "not an IPv6 address"),
    ],
)
def test_bad_urls_raise_config_error_naming_the_problem(text: str, fragment: str) -> None:
    with pytest.raises(ConfigError, match=fragment):
        URL.parse(text)


def test_constructor_validation() -> None:
    with pytest.raises(ConfigError, match="port"):
        URL("dubbo", "h", -1)
    with pytest.raises(ConfigError, match="port"):
        URL("dubbo", "h", True)
    with pytest.raises(ConfigError, match="protocol"):
        URL("du/bbo", "h")
    with pytest.raises(ConfigError, match="key 'a=b'"):
        URL("dubbo", "h", params={"a=b": "1"})
    with pytest.raises(ConfigError, match="key ''"):
        URL("dubbo", "h", params={"": "1"})
    with pytest.raises(ConfigError, match="'timeout' must have a str value"):
        URL("dubbo", "h", params={"timeout": 3000})  # type: ignore[dict-item]
    with pytest.raises(ConfigError, match="'timeout' must be a str, int or bool"):
        URL("dubbo", "h").with_param("timeout", 1.5)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="host"):
        URL("dubbo", "h/x")


# -------------------------------------------------------------------------------------- properties

_SAFE = string.ascii_letters + string.digits + "._-*~$!'()+,:%[]{}<>|^ \"#\\`"
_texts = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=30)
_protocols = st.text(alphabet=string.ascii_lowercase + string.digits + "-.+_", min_size=1, max_size=12)
_keys = st.text(
    alphabet=st.characters(exclude_categories=["Cs", "Cc"], exclude_characters="&;=?#"), min_size=1, max_size=15
).filter(lambda k: not k.startswith("default."))
# Values are printed raw and Java-trimmed, so they must not contain separators or edge whitespace.
_values = st.text(alphabet=st.characters(exclude_categories=["Cs"], exclude_characters="&;"), max_size=20).map(
    lambda v: v.strip("".join(chr(c) for c in range(0x21)))
)
_hostnames = st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?(\.[a-z0-9]{1,8}){0,3}", fullmatch=True)
_hosts = st.one_of(
    _hostnames,
    st.ip_addresses(v=4).map(str),
    st.ip_addresses(v=6).map(lambda a: str(ipaddress.IPv6Address(a))),
)
_paths = st.text(alphabet=st.characters(exclude_categories=["Cs", "Cc"], exclude_characters="?"), max_size=40).map(
    lambda p: p.rstrip(" ")
)
_userinfo = st.text(alphabet=string.ascii_letters + string.digits + "._-", max_size=8)


@st.composite
def _urls(draw: st.DrawFn) -> URL:
    username = draw(_userinfo)
    return URL(
        draw(_protocols),
        draw(_hosts),
        draw(st.integers(0, 65535)),
        draw(_paths),
        draw(st.dictionaries(_keys, _values, max_size=6)),
        username=username,
        password=draw(_userinfo) if username else "",
    )


@given(_texts)
def test_prop_url_encode_round_trip_and_alphabet(text: str) -> None:
    encoded = url_encode(text)
    assert url_decode(encoded) == text
    assert set(encoded) <= set(string.ascii_letters + string.digits + ".-*_+%")


@given(_urls())
def test_prop_print_then_parse_is_identity(url: URL) -> None:
    printed = url.to_full_string()
    assert URL.parse(printed) == url
    assert URL.parse(printed).to_full_string() == printed


@given(_urls())
def test_prop_encoded_print_then_parse_encoded_is_identity(url: URL) -> None:
    assert URL.parse_encoded(url_encode(url.to_full_string())) == url


@given(_urls())
def test_prop_params_are_printed_in_utf16_order(url: URL) -> None:
    printed = url.to_full_string()
    if "?" not in printed:
        return
    keys = [item.partition("=")[0] for item in printed.split("?", 1)[1].split("&")]
    assert keys == sorted(keys, key=lambda k: k.encode("utf-16-be"))


@given(st.text(alphabet=_SAFE + "&=;/@?", max_size=60))
def test_prop_parse_never_fails_other_than_config_error(text: str) -> None:
    with contextlib.suppress(ConfigError):
        URL.parse("dubbo://" + text)
