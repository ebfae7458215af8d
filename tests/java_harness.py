"""Start and drive the Java interop harness (``tests/interop/java``) from Python tests.

The harness is a handful of long-lived JVMs built by ``scripts/install-java-harness.sh`` (README in
``tests/interop/java``), one class path per Dubbo line ("33" = Java Dubbo 3.3.6, "27" = 2.7.23):

* a **provider** (:func:`start_provider`) exporting GreetingsService, TypesService and, on 3.3 Triple,
  PbService on loopback ports it is given, ready when it prints ``READY``;
* a **consumer call driver** (:func:`start_consumer`): one JVM per line serves a whole test session; each
  :meth:`JavaConsumer.call` makes one real Java Dubbo call (to a Python or Java provider) and reports the
  result or the exception, in tagged JSON;
* the **hessian-lite checker** (:func:`start_hessian_lite`, 3.3 class path): encodes and decodes Hessian 2.0
  with Java's own library, speaking the JSON-lines protocol of ``tests/hessian_peers.py``;
* the **load-balance oracle** (:func:`start_loadbalance_oracle`): Java's ``ConsistentHashLoadBalance`` and
  ``RoundRobinLoadBalance`` choosing among invokers over given provider URLs;
* the **registry node reader** (:func:`start_registry_nodes`): lists a ZooKeeper path and parses each node
  name as Java Dubbo does, with ``UrlUtils.isMatch`` against consumer URLs.

Values cross in *tagged JSON* (the form of ``tests/hessian_peers.py``): ``{"$int": 1}``, ``{"$long": "1"}``,
``{"$double": 1.5}``, ``{"$date": ms}``, ``{"$bytes": "hex"}``, ``{"$list": [...]}``, ``{"$map": [[k, v]]}``,
``{"$class": "x.Y", "$fields": {...}}``. :func:`tag` turns plain Python values into it (a bare ``int`` is a
Java long, as in dubbopy; :func:`jint` makes an int), :func:`untag` turns results back into plain Python
for asserts (POJOs become dicts with a ``"class"`` key, as Dubbo's generic calls show them).

Nothing here is a pytest plugin: the session fixtures live in ``tests/interop/java_fixtures.py``.
"""

from __future__ import annotations

import datetime as dt
import decimal
import itertools
import math
import os
import shutil
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Self

from peer_process import JsonLinesProcess, PeerProcess, free_port

ROOT = Path(__file__).resolve().parents[1]
JAVA_DIR = ROOT / "tests" / "interop" / "java"
INSTALL = "scripts/install-java-harness.sh"
DUBBO_VERSIONS = {"33": "3.3.6", "27": "2.7.23"}
PROVIDER_MAIN = "org.dubbopy.interop.harness.InteropProvider"
CONSUMER_MAIN = "org.dubbopy.interop.harness.InteropConsumer"
HESSIAN_MAIN = "org.dubbopy.interop.harness.HessianLiteCheck"
LOADBALANCE_MAIN = "org.dubbopy.interop.harness.LoadBalanceOracle"
REGISTRY_NODES_MAIN = "org.dubbopy.interop.harness.RegistryNodes"
# a 2-core CI machine shared with other work: small heaps, serial GC, C1 only, no QoS port
JVM_FLAGS = (
    "-Xms64m",
    "-Xmx512m",
    "-XX:+UseSerialGC",
    "-XX:TieredStopAtLevel=1",
    "-Ddubbo.application.qos-enable=false",
    "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
)
# Dubbo 2.7 predates the module system: javassist and hessian-lite reflect into java.base
ADD_OPENS_27 = tuple(
    f"--add-opens=java.base/{package}=ALL-UNNAMED"
    for package in (
        "java.lang",
        "java.lang.reflect",
        "java.util",
        "java.util.concurrent",
        "java.math",
        "java.net",
        "sun.util.calendar",
    )
)
START_TIMEOUT = 120.0  # seconds; a JVM is ready in 1-3 s on an idle machine
CALL_TIMEOUT = 60.0
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class JavaHarnessError(RuntimeError):
    """A harness JVM did not start, died, did not answer in time, or was sent a command it rejects."""


class HessianLiteError(JavaHarnessError):
    """hessian-lite could not encode or decode what it was given (its answer was ``{"error": ...}``)."""


# ------------------------------------------------------------------------------------------- build state


def jar(version: str) -> Path:
    """The harness jar of one Dubbo line (``"33"`` or ``"27"``)."""
    return JAVA_DIR / f"dubbo{version}" / "target" / f"dubbopy-interop-dubbo{version}.jar"


def classpath(version: str) -> str:
    """The class path of one Dubbo line: its jar plus the dependencies copied to ``target/lib``."""
    return f"{jar(version)}{os.pathsep}{jar(version).parent / 'lib' / '*'}"


def java_executable() -> str | None:
    """``$JAVA_HOME/bin/java`` when set, else ``java`` from PATH, else None."""
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").is_file():
        return str(Path(home) / "bin" / "java")
    return shutil.which("java")


def _sources(version: str) -> list[Path]:
    roots = [JAVA_DIR / f"dubbo{version}" / "src", JAVA_DIR / "common-api", JAVA_DIR / "common-harness"]
    files = [JAVA_DIR / f"dubbo{version}" / "pom.xml"]
    for root in roots:
        files.extend(p for p in root.rglob("*") if p.is_file())
    return files


def missing(version: str) -> str | None:
    """Why the harness of ``version`` cannot run here (no java, jar not built or older than a source), or None."""
    if java_executable() is None:
        return "no java on PATH (a JDK 17 is needed)"
    built = jar(version)
    if not built.is_file() or not (built.parent / "lib").is_dir():
        hint = "" if shutil.which("mvn") else "; mvn is not on PATH either"
        return f"{built.relative_to(ROOT)} is not built{hint}"
    newest = max(_sources(version), key=lambda p: p.stat().st_mtime)
    if newest.stat().st_mtime > built.stat().st_mtime:
        return f"{built.relative_to(ROOT)} is older than {newest.relative_to(ROOT)}"
    return None


# -------------------------------------------------------------------------------------------- processes


class JavaProcess(PeerProcess):
    """One harness JVM (``peer_process``): the ``main`` class of one Dubbo line's class path, started with
    :data:`JVM_FLAGS` and ``properties`` as ``-D`` flags, failing with :class:`JavaHarnessError`.

    stdout is the harness protocol; stderr (the JVM's logs) is kept, the last lines of it go into errors.
    """

    error_type = JavaHarnessError
    log_name = "stderr"
    decode_errors = "surrogatepass"
    start_timeout = START_TIMEOUT
    poll_interval = 0.2
    stop_timeout = 20.0

    def __init__(
        self,
        name: str,
        version: str,
        main: str,
        *,
        properties: Mapping[str, str] | None = None,
        ready: str | None = "READY",
    ) -> None:
        if version not in DUBBO_VERSIONS:
            raise ValueError(f"version must be one of {sorted(DUBBO_VERSIONS)}, not {version!r}")
        self.version = version
        self.main = main
        self.properties = dict(properties or {})
        java = java_executable() or "java"
        flags = [*JVM_FLAGS, *(ADD_OPENS_27 if version == "27" else ())]
        props = [f"-D{key}={value}" for key, value in self.properties.items()]
        argv = [java, *flags, *props, "-cp", classpath(version), main]
        super().__init__(name, argv, label=f"{name} JVM", ready=ready)


class JsonLinesJvm(JavaProcess, JsonLinesProcess):
    """A JVM answering one JSON object per stdout line to one JSON request per stdin line, matched by
    ``"id"``. Requests may overlap (the consumer driver runs calls concurrently)."""

    request_timeout = CALL_TIMEOUT


class JavaProvider(JavaProcess):
    """A Java Dubbo provider on 127.0.0.1: ``dubbo_url``, ``tri_url`` (3.3 only; None when not exported)."""

    def __init__(self, version: str, dubbo_port: int, tri_port: int, properties: Mapping[str, str]) -> None:
        props = {"dubbopy.dubbo.port": str(dubbo_port), "dubbopy.tri.port": str(tri_port), **properties}
        super().__init__(f"java{version}-provider", version, PROVIDER_MAIN, properties=props)
        self.dubbo_port = dubbo_port
        self.tri_port = tri_port

    @property
    def dubbo_url(self) -> str | None:
        """``dubbo://127.0.0.1:<port>``, or None when the dubbo protocol is not exported."""
        return f"dubbo://127.0.0.1:{self.dubbo_port}" if self.dubbo_port else None

    @property
    def tri_url(self) -> str | None:
        """``tri://127.0.0.1:<port>``, or None when Triple is not exported (always None on 2.7)."""
        return f"tri://127.0.0.1:{self.tri_port}" if self.tri_port else None


def start_provider(
    version: str,
    *,
    dubbo_port: int | None = None,
    tri_port: int | None = None,
    properties: Mapping[str, str] | None = None,
    timeout: float = START_TIMEOUT,
) -> JavaProvider:
    """Start a provider JVM and wait for READY. Ports default to free ones (Triple only on 3.3); 0 means
    "do not export that protocol". ``properties`` become ``-D`` flags (e.g. ``dubbopy.registry``)."""
    if tri_port is None:
        tri_port = free_port() if version == "33" else 0
    if version == "27" and tri_port:
        raise ValueError("Dubbo 2.7 has no Triple protocol")
    for attempt in itertools.count(1):
        chosen = free_port() if dubbo_port is None else dubbo_port
        provider = JavaProvider(version, chosen, tri_port, properties or {})
        try:
            return provider.start(timeout)
        except JavaHarnessError as exc:
            # the free port may have been taken before the JVM bound it: try fresh ports, twice
            if dubbo_port is not None or attempt == 3 or "Address already in use" not in str(exc):
                raise
            tri_port = free_port() if tri_port else 0
    raise AssertionError("unreachable")


# ------------------------------------------------------------------------------------- consumer driver


@dataclass
class JavaError:
    """An exception the Java consumer caught: its class, message, Dubbo ``RpcException`` code, causes."""

    cls: str
    message: str | None
    code: int | None = None
    timeout: bool = False
    causes: list[tuple[str, str | None]] = field(default_factory=list)

    def __str__(self) -> str:
        return f"{self.cls}: {self.message}"


class JavaCallFailed(AssertionError):
    """:attr:`CallResult.value` of a call that ended in a Java exception."""

    def __init__(self, error: JavaError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass
class CallResult:
    """What one Java consumer call gave: ``result`` (tagged) or ``error``, and the response attachments."""

    ok: bool
    result: Any = None
    attachments: dict[str, Any] = field(default_factory=dict)
    error: JavaError | None = None
    elapsed_ms: int | None = None

    @property
    def value(self) -> Any:
        """The result as plain Python (:func:`untag`); raises :class:`JavaCallFailed` if the call failed."""
        if not self.ok:
            assert self.error is not None
            raise JavaCallFailed(self.error)
        return untag(self.result)

    @property
    def response_attachments(self) -> dict[str, Any]:
        """The response attachments as plain Python."""
        return {key: untag(value) for key, value in self.attachments.items()}


class JavaConsumer(JsonLinesJvm):
    """The Java consumer call driver of one Dubbo line; see :meth:`call`."""

    def __init__(self, version: str, properties: Mapping[str, str] | None = None) -> None:
        super().__init__(f"java{version}-consumer", version, CONSUMER_MAIN, properties=properties)

    @staticmethod
    def command(
        call: str,
        url: str | None = None,
        args: Sequence[Any] = (),
        *,
        types: Sequence[str] | None = None,
        generic: bool = False,
        attachments: Mapping[str, Any] | None = None,
        timeout_ms: int | None = None,
        version: str | None = None,
        group: str | None = None,
        registry: str | None = None,
        protocol: str | None = None,
        serialization: str | None = None,
    ) -> dict[str, Any]:
        """The driver command for a call (see tests/interop/java/README.md); arguments go through :func:`tag`."""
        message: dict[str, Any] = {"call": call, "args": [tag(a) for a in args]}
        optional: dict[str, Any] = {
            "url": url,
            "registry": registry,
            "types": list(types) if types is not None else None,
            "attachments": {k: tag(v) for k, v in attachments.items()} if attachments else None,
            "timeout": timeout_ms,
            "version": version,
            "group": group,
            "protocol": protocol,
            "serialization": serialization,
        }
        message.update({k: v for k, v in optional.items() if v is not None})
        if generic:
            message["generic"] = True
        return message

    def _result(self, answer: dict[str, Any]) -> CallResult:
        if answer.get("ok"):
            return CallResult(
                True, answer.get("result"), answer.get("attachments") or {}, None, answer.get("elapsedMs")
            )
        err = answer.get("error") or {}
        if err.get("harness"):
            raise self.error(f"rejected the command: {err.get('class')}: {err.get('message')} at {err.get('stack')}")
        error = JavaError(
            err.get("class", "?"),
            err.get("message"),
            err.get("code"),
            bool(err.get("timeout")),
            [(c.get("class", "?"), c.get("message")) for c in err.get("causes", [])],
        )
        return CallResult(False, None, {}, error, answer.get("elapsedMs"))

    def call(
        self, call: str, url: str | None = None, args: Sequence[Any] = (), *, wait: float = CALL_TIMEOUT, **options: Any
    ) -> CallResult:
        """Make one Java Dubbo call, e.g. ``call("TypesService.echoPerson", "dubbo://127.0.0.1:20880", [p])``.

        ``call`` is ``Interface.method`` (simple names for the harness interfaces, else the full name);
        options: ``types`` (Java parameter type names: pick an overload, or the ``$invoke`` types),
        ``generic`` (call through ``GenericService.$invoke``), ``attachments``, ``timeout_ms``, ``version``,
        ``group``, ``registry``/``protocol`` (instead of ``url``), ``serialization``. Blocks; from async
        tests whose provider runs on the same event loop, use :meth:`acall`.
        """
        return self._result(self.request(self.command(call, url, args, **options), timeout=wait))

    async def acall(
        self, call: str, url: str | None = None, args: Sequence[Any] = (), *, wait: float = CALL_TIMEOUT, **options: Any
    ) -> CallResult:
        """:meth:`call` without blocking the event loop."""
        return self._result(await self.arequest(self.command(call, url, args, **options), wait=wait))

    def runtime(self) -> str:
        """``"java dubbo <version>"`` of this JVM."""
        return str(self.request({"op": "runtime"})["result"])


def start_consumer(
    version: str, *, properties: Mapping[str, str] | None = None, timeout: float = START_TIMEOUT
) -> JavaConsumer:
    """Start the consumer call driver of a Dubbo line and wait for READY."""
    return JavaConsumer(version, properties).start(timeout)


# ------------------------------------------------------------------------------------ hessian-lite checker


class HessianLite(JsonLinesJvm):
    """Java hessian-lite (3.3 class path) as a Hessian 2.0 peer; the methods of ``hessian_peers.JsonLinesPeer``
    plus :meth:`reencode`. ``mode="java"`` reads maps and collections into Java's own classes (HashMap, ...),
    whose order is not the wire's; the default keeps wire order and type names."""

    def __init__(self) -> None:
        super().__init__("hessian-lite", "33", HESSIAN_MAIN, ready=None)

    def start(self, timeout: float | None = None) -> Self:
        """Start the JVM and wait (bounded) for the answer to a ping."""
        timeout = self.start_timeout if timeout is None else timeout
        super().start(timeout)
        try:
            self.version_info = self.request({"op": "ping"}, timeout=timeout)
        except JavaHarnessError:
            self.stop()
            raise
        return self

    def request(self, message: Mapping[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
        """Send one request; :class:`HessianLiteError` when hessian-lite answers ``{"error": ...}``."""
        answer = super().request(message, timeout=timeout)
        if "error" in answer:
            raise HessianLiteError(f"hessian-lite: {answer['error']}")
        return answer

    def encode(self, tagged: Any) -> bytes:
        """hessian-lite's bytes for one tagged value."""
        return bytes.fromhex(self.request({"op": "encode", "value": tagged})["hex"])

    def encode_stream(self, tagged_values: Sequence[Any]) -> bytes:
        """Several values written by one Hessian2Output (shared class, type and ref tables)."""
        return bytes.fromhex(self.request({"op": "encode", "values": list(tagged_values)})["hex"])

    def decode(self, data: bytes, *, mode: str = "wire") -> Any:
        """The tagged value hessian-lite reads from ``data`` (exactly one value, every byte used)."""
        return self.request({"op": "decode", "hex": data.hex(), "mode": mode})["value"]

    def decode_stream(self, data: bytes, *, mode: str = "wire") -> list[Any]:
        """Every value in ``data``, read by one Hessian2Input."""
        return list(self.request({"op": "decode", "hex": data.hex(), "all": True, "mode": mode})["values"])

    def reencode(self, data: bytes, *, mode: str = "wire") -> bytes:
        """Read every value in ``data`` and write them back with one Hessian2Output."""
        return bytes.fromhex(self.request({"op": "reencode", "hex": data.hex(), "mode": mode})["hex"])


def start_hessian_lite(*, timeout: float = START_TIMEOUT) -> HessianLite:
    """Start the hessian-lite checker and wait until it answers."""
    return HessianLite().start(timeout)


# --------------------------------------------------------------------------------------------- tagged JSON


def jint(value: int) -> dict[str, int]:
    """A ``java.lang.Integer``."""
    return {"$int": int(value)}


def jlong(value: int) -> dict[str, str]:
    """A ``java.lang.Long`` (what a bare Python int becomes anyway)."""
    return {"$long": str(int(value))}


def jdouble(value: float) -> dict[str, Any]:
    """A ``java.lang.Double``; NaN and the infinities travel as strings."""
    if math.isnan(value):
        return {"$double": "NaN"}
    if math.isinf(value):
        return {"$double": "Infinity" if value > 0 else "-Infinity"}
    return {"$double": float(value)}


def jdate(value: dt.datetime | int) -> dict[str, int]:
    """A ``java.util.Date`` from an aware datetime (naive = UTC) or from milliseconds since the epoch."""
    if isinstance(value, int):
        return {"$date": value}
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return {"$date": (aware - EPOCH) // dt.timedelta(milliseconds=1)}


def jobject(class_name: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """An object of a Java class (a POJO, an enum with field ``name``, a BigDecimal with field ``value``)."""
    return {"$class": class_name, "$fields": {k: tag(v) for k, v in fields.items()}}


def jenum(class_name: str, name: str) -> dict[str, Any]:
    """A Java enum constant."""
    return jobject(class_name, {"name": name})


def jlist(items: Sequence[Any], java_type: str | None = None) -> dict[str, Any]:
    """A list; typed (``"[int"``, ``"java.util.LinkedList"``) when ``java_type`` is given."""
    out: dict[str, Any] = {"$list": [tag(item) for item in items]}
    if java_type is not None:
        out["$type"] = java_type
    return out


def jmap(entries: Mapping[Any, Any], java_type: str | None = None) -> dict[str, Any]:
    """A map with any keys; typed (``M``) when ``java_type`` is given."""
    out: dict[str, Any] = {"$map": [[tag(k), tag(v)] for k, v in entries.items()]}
    if java_type is not None:
        out["$type"] = java_type
    return out


def tag(value: Any) -> Any:
    """Plain Python to tagged JSON: ``int`` -> long, ``float`` -> double, ``bytes``, aware ``datetime``,
    ``Decimal`` -> BigDecimal, ``UUID``, ``list``/``tuple`` -> list. A ``dict`` with a ``$`` key is taken as
    tagged already; one with string keys stays a JSON object (the driver reads it as a HashMap, or as the POJO
    the parameter declares); other dicts become ``$map``."""
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, int):
        return jlong(value)
    if isinstance(value, float):
        return jdouble(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": bytes(value).hex()}
    if isinstance(value, dt.datetime):
        return jdate(value)
    if isinstance(value, decimal.Decimal):
        return {"$class": "java.math.BigDecimal", "$fields": {"value": str(value)}}
    if isinstance(value, uuid.UUID):
        return {"$class": "java.util.UUID", "$fields": {"value": str(value)}}
    if isinstance(value, list | tuple):
        return jlist(value)
    if isinstance(value, Mapping):
        if any(isinstance(k, str) and k.startswith("$") for k in value):
            return dict(value)
        if all(isinstance(k, str) for k in value):
            return {k: tag(v) for k, v in value.items()}
        return jmap(value)
    raise TypeError(f"no tagged form for {type(value).__name__}: {value!r}")


def untag(tagged: Any) -> Any:
    """Tagged JSON to plain Python, for asserts: numbers, ``datetime`` (UTC), ``bytes``, ``Decimal``,
    ``UUID``, lists, dicts; an object becomes a dict of its fields plus ``"class"`` (an enum: ``{"class",
    "name"}``); a ``$throwable`` ``{"class", "message"}``; ``$ref`` the container it names."""
    return _Untagger().run(tagged)


class _Untagger:
    def __init__(self) -> None:
        self.containers: list[Any] = []

    def run(self, t: Any) -> Any:
        if t is None or isinstance(t, bool | str | int | float):
            return t
        if isinstance(t, list):
            out: list[Any] = []
            self.containers.append(out)
            out.extend(self.run(x) for x in t)
            return out
        if not isinstance(t, dict):
            raise TypeError(f"not tagged JSON: {t!r}")
        if "$ref" in t:
            return self.containers[int(t["$ref"])]
        for key, convert in _LEAVES.items():
            if key in t:
                return convert(t)
        if "$list" in t:
            items: list[Any] = []
            self.containers.append(items)
            items.extend(self.run(x) for x in t["$list"])
            return items
        if "$map" in t:
            mapping: dict[Any, Any] = {}
            self.containers.append(mapping)
            for k, v in t["$map"]:
                mapping[self.run(k)] = self.run(v)
            return mapping
        if "$class" in t:
            cls, fields = t["$class"], t.get("$fields", {})
            if cls == "java.math.BigDecimal":
                self.containers.append(None)
                return decimal.Decimal(fields["value"])
            if cls == "java.util.UUID":
                self.containers.append(None)
                return uuid.UUID(fields["value"])
            obj: dict[str, Any] = {"class": cls}
            self.containers.append(obj)
            obj.update((k, self.run(v)) for k, v in fields.items())
            return obj
        if any(k.startswith("$") for k in t):
            raise TypeError(f"unknown tagged value: {t!r}")
        plain: dict[str, Any] = {}
        self.containers.append(plain)
        plain.update((k, self.run(v)) for k, v in t.items())
        return plain


_LEAVES: dict[str, Any] = {
    "$int": lambda t: int(t["$int"]),
    "$long": lambda t: int(t["$long"]),
    "$bigint": lambda t: int(t["$bigint"]),
    "$double": lambda t: float(t["$double"]),
    "$date": lambda t: EPOCH + dt.timedelta(milliseconds=int(t["$date"])),
    "$bytes": lambda t: bytes.fromhex(t["$bytes"]),
    "$throwable": lambda t: {"class": t["$throwable"], "message": t.get("message")},
    "$proto": lambda t: {"proto": t["$proto"], "bytes": bytes.fromhex(t["hex"]), "text": t.get("text")},
}


# ------------------------------------------------------------------------ load-balance oracle, node reader


class OracleJvm(JsonLinesJvm):
    """A one-request-at-a-time harness JVM (``JsonLinesLoop`` in the Java sources) whose failures are
    answered ``{"error": ...}``: :meth:`request` raises them as :class:`JavaHarnessError`."""

    def request(self, message: Mapping[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
        """Send one request and wait (bounded) for its answer; :class:`JavaHarnessError` on ``{"error": ...}``."""
        answer = super().request(message, timeout=timeout)
        if "error" in answer:
            raise self.error(f"failed {message.get('op')!r}: {answer['error']}")
        return answer

    def runtime(self) -> dict[str, Any]:
        """``{"dubbo": "3.3.6", ...}`` of this JVM."""
        return self.request({"op": "runtime"})


class LoadBalanceOracle(OracleJvm):
    """Java Dubbo's ``consistenthash`` and ``roundrobin`` balancers over provider URLs (see :meth:`select`).

    The JVM runs with ``-Dfile.encoding=UTF-8``: Java hashes a consistent-hash key with
    ``String.getBytes()``, the platform charset, and dubbopy with UTF-8; they agree on non-ASCII keys only
    when the platform charset is UTF-8 (the default from JDK 18 on, and under a UTF-8 locale before).
    """

    def __init__(self, version: str) -> None:
        super().__init__(f"java{version}-loadbalance", version, LOADBALANCE_MAIN, properties={"file.encoding": "UTF-8"})

    def select(
        self,
        balancer: str,
        providers: Sequence[str],
        method: str,
        calls: Sequence[Sequence[Any]] | None = None,
        *,
        picks: int | None = None,
        state: str | None = None,
        fresh: bool = False,
        timeout: float = CALL_TIMEOUT,
    ) -> list[int]:
        """The index in ``providers`` Java's ``balancer`` chooses for each call: one per argument list in
        ``calls`` (plain Python, through :func:`tag`: an ``int`` is a Long, :func:`jint` an Integer), or
        ``picks`` calls without arguments. ``state`` names a balancer instance kept between requests (a
        round-robin sequence that goes on over a changed list); ``fresh`` makes a new one for every call."""
        message: dict[str, Any] = {"op": "select", "balancer": balancer, "providers": list(providers), "method": method}
        if calls is not None:
            message["calls"] = [[tag(a) for a in args] for args in calls]
        if picks is not None:
            message["picks"] = picks
        if state is not None:
            message["state"] = state
        if fresh:
            message["fresh"] = True
        return [int(i) for i in self.request(message, timeout=timeout)["selected"]]


class RegistryNodes(OracleJvm):
    """Reads ZooKeeper registry nodes as Java Dubbo does (see ``RegistryNodes.java``): each node as
    ``{"name", "decoded", "registry": URL, "valueOf": URL, "reencoded"}``, URL =
    ``{"protocol", "username", "password", "host", "port", "path", "serviceKey", "parameters", "matches"}``."""

    def __init__(self, version: str) -> None:
        super().__init__(f"java{version}-registry-nodes", version, REGISTRY_NODES_MAIN)

    def read(self, zookeeper: str, path: str, consumers: Sequence[str] = ()) -> list[dict[str, Any]]:
        """The nodes under ``path`` of the ZooKeeper at ``zookeeper`` (``host:port``), sorted by name;
        ``matches`` holds ``UrlUtils.isMatch(consumer, url)`` per URL of ``consumers``."""
        message = {"op": "read", "zookeeper": zookeeper, "path": path, "consumers": list(consumers)}
        return list(self.request(message)["nodes"])

    def parse(self, names: Sequence[str], consumers: Sequence[str] = ()) -> list[dict[str, Any]]:
        """:meth:`read` of node names given here instead of listed in ZooKeeper."""
        return list(self.request({"op": "parse", "names": list(names), "consumers": list(consumers)})["nodes"])

    def parse_rule(self, rule: str) -> list[dict[str, Any]]:
        """Java's ``ConfigParser.parseConfigurators(rule)``: ``[{"protocol", "host", "port", "path",
        "parameters"}]`` per override URL (a rule Java cannot parse raises :class:`JavaHarnessError`)."""
        return list(self.request({"op": "parseRule", "rule": rule})["urls"])

    def configure_rule(self, rule: str, urls: Sequence[str]) -> tuple[str, list[dict[str, Any]]]:
        """:meth:`configure` with the configurators Java makes of a config-centre rule (YAML), match
        blocks included."""
        answer = self.request({"op": "configureRule", "rule": rule, "urls": list(urls)})
        return str(answer["localHost"]), list(answer["configured"])

    def configure(self, configurators: Sequence[str], urls: Sequence[str]) -> tuple[str, list[dict[str, Any]]]:
        """Java's own configurators (``Configurator.toConfigurators``) applied to each of ``urls``:
        ``(the JVM's NetUtils.getLocalHost(), [{"host", "port", "parameters"} per URL])``."""
        answer = self.request({"op": "configure", "configurators": list(configurators), "urls": list(urls)})
        return str(answer["localHost"]), list(answer["configured"])


def start_loadbalance_oracle(version: str, *, timeout: float = START_TIMEOUT) -> LoadBalanceOracle:
    """Start the load-balance oracle of a Dubbo line and wait for READY."""
    return LoadBalanceOracle(version).start(timeout)


def start_registry_nodes(version: str, *, timeout: float = START_TIMEOUT) -> RegistryNodes:
    """Start the registry node reader of a Dubbo line and wait for READY."""
    return RegistryNodes(version).start(timeout)
