"""Independent Hessian 2.0 peers (hessian.js, Java hessian-lite) driven over JSON lines, and the tagged JSON.

A peer is a long-lived process reading one JSON request per line on stdin and answering one JSON object per
line on stdout::

    {"op": "encode", "value": <tagged>}   -> {"hex": "..."}
    {"op": "decode", "hex": "..."}        -> {"value": <tagged>}
    anything that fails                   -> {"error": "..."}

and, where a peer offers them (hessian.js does), streams of several values sharing one set of class, type
and ref tables, as in a Dubbo body: ``{"op": "encode", "values": [...]}`` -> ``{"hex": ...}`` and
``{"op": "decode", "hex": ..., "all": true}`` -> ``{"values": [...]}``. Requests carry an ``"id"``; a peer
may echo it.

Tagged JSON keeps the Java wire type that plain JSON would lose:

* ``null``, ``true`` / ``false``, ``"text"``: null, boolean, string
* ``{"$int": n}``: int forms (``java.lang.Integer``)
* ``{"$long": "decimal"}``: long forms (``java.lang.Long``); a peer should accept a JSON number too
* ``{"$double": x}``: double forms; x may be ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` or ``"-0.0"``
* ``{"$date": ms}``: ``java.util.Date``, milliseconds since the epoch
* ``{"$bytes": "hex"}``: ``byte[]``
* ``{"$list": [...]}``: untyped list (``ArrayList``); with ``"$type": "[int"``: typed list (arrays, other
  collections)
* ``{"$map": [[k, v], ...]}``: untyped map ``H``, keys any tagged value; with ``"$type":
  "java.util.TreeMap"``: typed map ``M``
* ``{"$class": "org.x.User", "$fields": {...}}``: object; field order is the JSON key order

A value reference on the wire reads as a copy of the value it points to (JSON has no references; a cycle is
an error).

:func:`to_tagged` and :func:`from_tagged` convert between that form and the Python values of
``dubbopy.serialization.hessian2`` (``docs/contracts/hessian2-api.md``): a plain ``int`` is a long, ``JInt``
an int, ``float``/``JDouble`` a double, aware ``datetime`` a date (naive = UTC). Nothing here knows which peer
it talks to; the fixtures that start them live next to the tests (``tests/interop/node_fixtures.py``).
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import math
import queue
import subprocess
import threading
import uuid
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
ONE_MS = dt.timedelta(milliseconds=1)
INT32 = range(-(2**31), 2**31)
INT64 = range(-(2**63), 2**63)


class PeerError(Exception):
    """The peer answered ``{"error": ...}``: it could not encode or decode what it was given."""


class PeerDied(Exception):
    """The peer process exited, timed out or wrote something that is not a JSON answer."""


class JsonLinesPeer:
    """A peer process answering one JSON object per line; one request at a time (thread-safe).

    ``argv`` starts it; ``name`` appears in errors. A request that gets no answer within ``timeout``
    seconds kills the process (its stderr tail goes into the error), so a hung peer fails one test instead of
    the session. Use as a context manager or call :meth:`start` / :meth:`stop`.
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        name: str,
        cwd: str | Path | None = None,
        env: Mapping[str, str] | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.argv = list(argv)
        self.name = name
        self.cwd = cwd
        self.env = dict(env) if env is not None else None
        self.timeout = timeout
        self._process: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._stderr: collections.deque[str] = collections.deque(maxlen=40)
        self._lock = threading.Lock()
        self._next_id = 0

    def start(self) -> None:
        """Start the process and the threads that read its stdout and stderr."""
        self._process = subprocess.Popen(
            self.argv,
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            errors="surrogatepass",
            bufsize=1,
        )
        threading.Thread(target=self._pump_stdout, name=f"{self.name}-stdout", daemon=True).start()
        threading.Thread(target=self._pump_stderr, name=f"{self.name}-stderr", daemon=True).start()

    def _pump_stdout(self) -> None:
        assert self._process is not None
        assert self._process.stdout is not None
        for line in self._process.stdout:
            self._lines.put(line)
        self._lines.put(None)  # end of output: the process is gone

    def _pump_stderr(self) -> None:
        assert self._process is not None
        assert self._process.stderr is not None
        for line in self._process.stderr:
            self._stderr.append(line.rstrip("\n"))

    def _died(self, what: str) -> PeerDied:
        self.stop()
        tail = "\n".join(self._stderr)
        return PeerDied(f"{self.name} peer {what}" + (f"; its stderr ends with:\n{tail}" if tail else ""))

    def request(self, message: Mapping[str, Any], *, timeout: float | None = None) -> dict[str, Any]:
        """Send one request and return the answer; raise :class:`PeerError` on an ``{"error": ...}`` answer."""
        with self._lock:
            process = self._process
            if process is None or process.poll() is not None or process.stdin is None:
                raise self._died("is not running")
            self._next_id += 1
            request_id = self._next_id
            try:
                process.stdin.write(json.dumps({**message, "id": request_id}, allow_nan=False) + "\n")
                process.stdin.flush()
            except (BrokenPipeError, OSError) as exc:
                raise self._died(f"stopped reading requests ({exc})") from exc
            wait = self.timeout if timeout is None else timeout
            try:
                line = self._lines.get(timeout=wait)
            except queue.Empty:
                raise self._died(f"gave no answer within {wait} s to {message.get('op')!r}") from None
            if line is None:
                raise self._died(f"exited (status {process.wait()})")
            try:
                answer = json.loads(line)
            except json.JSONDecodeError:
                raise self._died(f"answered with something that is not JSON: {line[:200]!r}") from None
        if not isinstance(answer, dict) or answer.get("id", request_id) != request_id:
            raise self._died(f"answered out of turn: {line[:200]!r}")
        if "error" in answer:
            raise PeerError(f"{self.name}: {answer['error']}")
        return answer

    def encode(self, tagged: Any) -> bytes:
        """The peer's Hessian encoding of one tagged value."""
        return bytes.fromhex(self.request({"op": "encode", "value": tagged})["hex"])

    def encode_stream(self, tagged_values: Sequence[Any]) -> bytes:
        """Several values written as one stream (shared class, type and ref tables), if the peer supports it."""
        return bytes.fromhex(self.request({"op": "encode", "values": list(tagged_values)})["hex"])

    def decode(self, data: bytes) -> Any:
        """The tagged value the peer reads from ``data`` (exactly one value, every byte used)."""
        return normalize(self.request({"op": "decode", "hex": data.hex()})["value"])

    def decode_stream(self, data: bytes) -> list[Any]:
        """Every value in ``data`` read as one stream, if the peer supports it."""
        return [normalize(v) for v in self.request({"op": "decode", "hex": data.hex(), "all": True})["values"]]

    def stop(self) -> None:
        """Close stdin (the peer's cue to exit), then kill it if it lingers."""
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin is not None:
                process.stdin.close()
        except OSError:
            pass
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def __enter__(self) -> JsonLinesPeer:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()


# --------------------------------------------------------------------------------------- tagged <-> Python


def normalize(tagged: Any) -> Any:
    """``tagged`` with every ``$double`` a Python float, or the string ``"NaN"``/``"Infinity"``/``"-Infinity"``.

    A peer may print a whole double as an integer (JavaScript writes 2.0**60 as ``1152921504606846976`` and
    1e17 as ``100000000000000000``); ``json`` reads that as an int, which compares exactly, so it would not
    equal the float it stands for. And a NaN never equals itself, while its string does.
    """
    if isinstance(tagged, list):
        return [normalize(item) for item in tagged]
    if not isinstance(tagged, dict):
        return tagged
    if "$double" in tagged and isinstance(tagged["$double"], int | float):
        return {**tagged, "$double": _double(float(tagged["$double"]))}
    return {key: normalize(item) for key, item in tagged.items()}


def _hessian2() -> Any:
    """The codec module, imported on first use so this file loads before the codec exists."""
    from dubbopy.serialization import hessian2

    return hessian2


def java_list(items: Sequence[Any], java_type: str) -> Any:
    """A typed list (``JavaList``) of ``items`` with the Java type ``java_type`` (``"[int"``, a class name)."""
    return _hessian2().JavaList(java_type, list(items))


def java_map(entries: Mapping[Any, Any], java_type: str) -> Any:
    """A typed map (``JavaMap``, written ``M``) of ``entries`` with the Java class name ``java_type``."""
    return _hessian2().JavaMap(java_type, dict(entries))


def java_object(class_name: str, fields: Mapping[str, Any]) -> Any:
    """A generic object (``JavaObject``) of class ``class_name``; field order = ``fields`` order."""
    return _hessian2().JavaObject(class_name, dict(fields))


def _double(value: float) -> float | str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return float(value)


def _millis(value: dt.datetime) -> int:
    aware = value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)
    return (aware - EPOCH) // ONE_MS


def _long(value: int) -> dict[str, str]:
    if value not in INT64:
        raise ValueError(f"{value} does not fit in a Java long")
    return {"$long": str(value)}


def to_tagged(value: Any) -> Any:
    """The tagged JSON form of a dubbopy Hessian value, carrying the Java wire type each part gets.

    Raises ``TypeError`` for values the tagged form does not cover (``JFloat``, ``Decimal``, registered
    dataclasses): compare those some other way.
    """
    h = _hessian2()
    if value is None or isinstance(value, bool | str):  # JChar is a str: a one-unit string
        return value
    if isinstance(value, h.JInt | h.JShort | h.JByte):
        if int(value) not in INT32:
            raise ValueError(f"{int(value)} does not fit in a Java int")
        return {"$int": int(value)}
    if isinstance(value, h.JFloat):
        raise TypeError("JFloat goes through Java's float-to-string path: not covered by the tagged form")
    if isinstance(value, int):  # JLong or a plain int: both are long forms
        return _long(int(value))
    if isinstance(value, float):
        return {"$double": _double(value)}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"$bytes": bytes(value).hex()}
    if isinstance(value, dt.datetime):
        return {"$date": _millis(value)}
    if isinstance(value, h.JavaList):
        return {"$list": [to_tagged(item) for item in value], "$type": value.java_type}
    if isinstance(value, list | tuple):
        return {"$list": [to_tagged(item) for item in value]}
    if isinstance(value, h.JavaMap):
        return {"$map": [[to_tagged(k), to_tagged(v)] for k, v in value.items()], "$type": value.java_type}
    if isinstance(value, dict):
        return {"$map": [[to_tagged(k), to_tagged(v)] for k, v in value.items()]}
    if isinstance(value, h.JavaObject):
        return {"$class": value.class_name, "$fields": {k: to_tagged(v) for k, v in value.fields.items()}}
    if isinstance(value, h.JavaEnum):
        return {"$class": value.class_name, "$fields": {"name": value.name}}
    if isinstance(value, uuid.UUID):
        return {"$class": "java.util.UUID", "$fields": {"value": str(value)}}
    raise TypeError(f"no tagged form for {type(value).__name__}: {value!r}")


def from_tagged(tagged: Any) -> Any:
    """The dubbopy Hessian value for a tagged JSON value, with Java type markers (``JInt``, ``JLong``, ...).

    Untyped lists and maps become ``list`` and ``dict``, typed ones ``JavaList`` / ``JavaMap``, objects
    ``JavaObject`` (whatever the class name: nothing is looked up in a registry).
    """
    h = _hessian2()
    if tagged is None or isinstance(tagged, bool | str):
        return tagged
    if not isinstance(tagged, dict):
        raise TypeError(f"not a tagged value: {tagged!r}")
    if "$int" in tagged:
        return h.JInt(int(tagged["$int"]))
    if "$long" in tagged:
        return h.JLong(int(tagged["$long"]))
    if "$double" in tagged:
        return h.JDouble(float(tagged["$double"]))  # float() also reads "NaN", "Infinity", "-0.0"
    if "$date" in tagged:
        return EPOCH + int(tagged["$date"]) * ONE_MS
    if "$bytes" in tagged:
        return bytes.fromhex(tagged["$bytes"])
    if "$list" in tagged:
        items = [from_tagged(item) for item in tagged["$list"]]
        java_type = tagged.get("$type")
        return items if java_type is None else java_list(items, java_type)
    if "$map" in tagged:
        entries = {from_tagged(k): from_tagged(v) for k, v in tagged["$map"]}
        java_type = tagged.get("$type")
        return entries if java_type is None else java_map(entries, java_type)
    if "$class" in tagged:
        fields = {name: from_tagged(v) for name, v in tagged["$fields"].items()}
        return java_object(tagged["$class"], fields)
    raise TypeError(f"unknown tagged value: {tagged!r}")
