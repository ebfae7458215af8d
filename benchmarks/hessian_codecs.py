"""The Hessian 2 codecs that ``hessian.py`` compares, each behind one small adapter.

* ``dubbopy`` — :mod:`dubbopy.serialization.hessian2` (``dumps``/``loads``).
* ``hessian-codec`` — PyPI, Rust (``serde_hessian``'s Python binding), installed by the ``dev`` extra.
  Its Python mapping: ``dict`` → untyped map, ``list`` → untyped list, ``int`` → int forms if it fits 32
  bits else long, an object with ``hessian_class_name``/``hessian_fields``/``hessian_values`` → a Java
  object; it decodes objects to dicts of their fields and has no references.
* the pure-Python codec of ``python-dubbo`` and its forks on PyPI (``python3-dubbo``, ...): an encoder
  inside the request writer (``Request._encode_single_value``: bool, int, float, str, ``Object(path,
  values)`` and homogeneous lists only) and a ``Response`` reader (objects → dicts of their fields,
  BigDecimal → float, dates → text). They all install a top-level ``dubbo`` package, as does
  ``apache-dubbo`` (a benchmark peer): so they are not installed but downloaded (``fetch``, which
  ``scripts/install`` runs) and each loaded from its own directory under a cache.

Values are handed to an adapter in dubbopy's form (``JInt``, ``JavaList``, registered dataclasses, ...).
:func:`neutral` turns such a value into a small tree (:class:`Obj`, :class:`Seq`, :class:`Dict`) that
says what a Java peer would see; each adapter builds its own input from that tree, and says what a right
decode looks like in its own mapping (:meth:`Codec.expected`).
"""

from __future__ import annotations

import ast
import dataclasses
import datetime
import decimal
import enum
import hashlib
import importlib
import os
import subprocess
import sys
import tarfile
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dubbopy.serialization.hessian2 import (
    ClassRegistry,
    JavaEnum,
    JavaList,
    JavaMap,
    JavaObject,
    JavaThrowable,
    JBigInteger,
    default_registry,
    dumps,
    loads,
)

CACHE = Path(os.environ.get("DUBBOPY_CACHE", Path.home() / ".cache" / "dubbopy")) / "hessian-peers"


class Unsupported(Exception):  # noqa: N818 - reads as "this codec: unsupported"
    """The codec cannot take this value at all (a type it has no way to write, a cycle without refs)."""


# ---------------------------------------------------------------------------------------------------
# the neutral tree


@dataclass(eq=False)
class Obj:
    """A Java object: class name and fields in wire order."""

    class_name: str
    fields: list[tuple[str, Any]] = field(default_factory=list)


@dataclass(eq=False)
class Seq:
    """A Java list or array; ``java_type`` is None for an untyped ``ArrayList``."""

    java_type: str | None
    items: list[Any] = field(default_factory=list)


@dataclass(eq=False)
class Dict:
    """A Java map; ``java_type`` is None for an untyped ``HashMap``."""

    java_type: str | None
    items: list[tuple[Any, Any]] = field(default_factory=list)


def neutral(value: Any, registry: ClassRegistry = default_registry, *, cycles: bool = True) -> Any:
    """``value`` (dubbopy's Python form) as the tree of what travels; cycles kept, or Unsupported."""
    return _Neutral(registry, cycles).convert(value)


class _Neutral:
    def __init__(self, registry: ClassRegistry, cycles: bool) -> None:
        self.registry = registry
        self.cycles = cycles
        self.done: dict[int, Any] = {}
        self.open: set[int] = set()

    def convert(self, v: Any) -> Any:
        if v is None or isinstance(v, bool | str | bytes | float | datetime.datetime):
            return v.replace(tzinfo=datetime.UTC) if isinstance(v, datetime.datetime) and not v.tzinfo else v
        if isinstance(v, int):
            return int(v)
        if isinstance(v, decimal.Decimal):
            return Obj("java.math.BigDecimal", [("value", str(v))])
        if isinstance(v, uuid.UUID):
            return Obj("java.util.UUID", [("value", str(v))])
        if isinstance(v, JBigInteger):
            return Obj("java.math.BigInteger", [("value", str(int(v)))])
        key = id(v)
        if key in self.done:
            if key in self.open and not self.cycles:
                raise Unsupported("a cyclic value (no references)")
            return self.done[key]
        self.open.add(key)
        try:
            return self._container(v, key)
        finally:
            self.open.discard(key)

    @staticmethod
    def _throwable(v: JavaThrowable) -> dict[str, Any]:
        """Java's ``Throwable`` layout of an exception made in Python (no cause: the cause is itself)."""
        cause = v.__cause__ if isinstance(v.__cause__, JavaThrowable) else v
        return {
            "suppressedExceptions": JavaList("java.util.Collections$EmptyList"),
            "stackTrace": JavaList("[java.lang.StackTraceElement"),
            "cause": cause,
            "detailMessage": v.message,
        }

    def _container(self, v: Any, key: int) -> Any:
        if isinstance(v, list | tuple):
            seq = self.done[key] = Seq(v.java_type if isinstance(v, JavaList) else None)
            seq.items = [self.convert(x) for x in v]
            return seq
        if isinstance(v, dict):
            mapping = self.done[key] = Dict(v.java_type if isinstance(v, JavaMap) else None)
            mapping.items = [(self.convert(k), self.convert(x)) for k, x in v.items()]
            return mapping
        if isinstance(v, JavaEnum):
            return Obj(v.class_name, [("name", v.name)])
        if isinstance(v, enum.Enum):
            entry = self.registry.by_class(type(v))
            if entry is None:
                raise Unsupported(f"unregistered enum {type(v).__name__}")
            return Obj(entry.java_name, [("name", v.name)])
        if isinstance(v, JavaObject | JavaThrowable):
            obj = self.done[key] = Obj(v.class_name)
            fields = v.fields if v.fields or isinstance(v, JavaObject) else self._throwable(v)
            obj.fields = [(name, self.convert(x)) for name, x in fields.items()]
            return obj
        if dataclasses.is_dataclass(v) and not isinstance(v, type):
            entry = self.registry.by_class(type(v))
            if entry is None:
                raise Unsupported(f"unregistered class {type(v).__name__}")
            obj = self.done[key] = Obj(entry.java_name)
            obj.fields = [(f.name, self.convert(getattr(v, f.attr) if f.attr else None)) for f in entry.fields]
            return obj
        raise Unsupported(f"a {type(v).__name__}")


# ---------------------------------------------------------------------------------------------------
# adapters


class Codec:
    """One implementation: how to load it, prepare its input, encode, decode and judge a decode."""

    name = ""
    version = ""
    kind = ""
    #: why it cannot be used at all (not installed, does not import), else None
    broken: str | None = None
    #: the name of an implementation whose codec source is the same (forks that changed other files)
    same_as: str | None = None

    def prepare(self, tree: Any, *, lenient: bool = False) -> tuple[Any, list[str]]:
        """The codec's input for a neutral tree, and what was left out (``lenient``: unsupported field
        values become null instead of failing)."""
        raise NotImplementedError

    def encode(self, prepared: Any) -> bytes:
        """Encode prepared input."""
        raise NotImplementedError

    def encode_all(self, prepared: list[Any]) -> bytes:
        """Several values written one after the other by one writer (shared class and ref tables)."""
        return b"".join(self.encode(p) for p in prepared)

    def decode(self, data: bytes) -> Any:
        """Decode one value."""
        raise NotImplementedError

    def decode_all(self, data: bytes) -> list[Any]:
        """Every value in ``data``, read by one reader."""
        raise Unsupported("no way to read several values from one buffer")

    def expected(self, tree: Any) -> Any:
        """What a right decode of ``tree`` looks like in this codec's Python mapping."""
        raise NotImplementedError


class Dubbopy(Codec):
    """dubbopy's own codec (vectors are checked with the unit tests' own encode/decode and comparison)."""

    name = "dubbopy"
    kind = "pure Python"

    def __init__(self) -> None:
        import dubbopy

        self.version = dubbopy.__version__

    def prepare(self, tree: Any, *, lenient: bool = False) -> tuple[Any, list[str]]:
        raise NotImplementedError("dubbopy encodes its own values directly")

    def encode(self, prepared: Any) -> bytes:
        return dumps(prepared)

    def decode(self, data: bytes) -> Any:
        return loads(data)


class _Plain:
    """The tree in plain Python (lists, dicts, scalars), cycles kept: objects as dicts of their fields
    unless ``special(obj)`` says otherwise, scalars through ``leaf``."""

    def __init__(
        self,
        special: Callable[[Obj], Any] | None = None,
        leaf: Callable[[Any], Any] | None = None,
    ) -> None:
        self.memo: dict[int, Any] = {}
        self.special = special
        self.leaf = leaf

    def convert(self, tree: Any) -> Any:
        if not isinstance(tree, Seq | Dict | Obj):
            return self.leaf(tree) if self.leaf is not None else tree
        if id(tree) in self.memo:
            return self.memo[id(tree)]
        if isinstance(tree, Seq):
            items: list[Any] = []
            self.memo[id(tree)] = items
            items.extend(self.convert(x) for x in tree.items)
            return items
        if isinstance(tree, Obj) and self.special is not None:
            special = self.special(tree)
            if special is not None:
                return special
        out: dict[Any, Any] = {}
        self.memo[id(tree)] = out
        pairs = tree.items if isinstance(tree, Dict) else tree.fields
        for k, v in pairs:
            key = self.convert(k)
            out[repr(key) if isinstance(key, list | dict) else key] = self.convert(v)
        return out


class _Struct:
    """What ``hessian_codec.dumps`` writes as a Java object."""

    __slots__ = ("hessian_class_name", "hessian_fields", "hessian_values")

    def __init__(self, class_name: str, fields: list[str], values: list[Any]) -> None:
        self.hessian_class_name = class_name
        self.hessian_fields = fields
        self.hessian_values = values


class HessianCodec(Codec):
    """PyPI ``hessian-codec`` (Rust)."""

    name = "hessian-codec"
    kind = "Rust"

    def __init__(self) -> None:
        # Its panics (on a string longer than 32768 characters) would print a Rust backtrace each.
        os.environ["RUST_BACKTRACE"] = "0"
        try:
            module = importlib.import_module("hessian_codec")
        except ImportError as exc:
            self.broken = f"not installed ({exc}); `pip install hessian-codec`"
            return
        self.version = str(getattr(module, "__version__", "?"))
        self._dumps = module.dumps
        self._loads = module.loads

    def prepare(self, tree: Any, *, lenient: bool = False) -> tuple[Any, list[str]]:
        if isinstance(tree, Seq):
            return [self.prepare(x)[0] for x in tree.items], []
        if isinstance(tree, Dict):
            return {self.prepare(k)[0]: self.prepare(v)[0] for k, v in tree.items}, []
        if isinstance(tree, Obj):
            return _Struct(
                tree.class_name, [n for n, _ in tree.fields], [self.prepare(v)[0] for _, v in tree.fields]
            ), []
        return tree, []

    def encode(self, prepared: Any) -> bytes:
        return bytes(self._dumps(prepared))

    def decode(self, data: bytes) -> Any:
        return self._loads(data)

    def expected(self, tree: Any) -> Any:
        return _Plain().convert(tree)


@dataclass(frozen=True)
class Distribution:
    """A pure-Python Dubbo client on PyPI whose Hessian codec is compared."""

    name: str
    version: str
    package: str  # its top-level package (``dubbo``)

    @property
    def requirement(self) -> str:
        """``name==version``."""
        return f"{self.name}=={self.version}"


#: python-dubbo and its forks on PyPI (each carries ``<package>/codec/{encoder,decoder}.py``).
DISTRIBUTIONS = (
    Distribution("python3-dubbo", "0.0.8", "dubbo"),
    Distribution("dubbo-ssl-python", "0.9.6", "dubbo_ssl"),
    Distribution("ke-python-dubbo", "1.0.0", "dubbo"),
    Distribution("dubbo-python", "0.0.4", "dubbo"),
    Distribution("python-dubbo-support-python3", "0.0.2", "dubbo"),
    Distribution("python-dubbo", "0.0.5", "dubbo"),
)

_UTC8 = datetime.timezone(datetime.timedelta(hours=8))


class PythonDubbo(Codec):
    """The codec of python-dubbo or a fork, loaded from its downloaded distribution."""

    kind = "pure Python"

    def __init__(self, dist: Distribution, cache: Path = CACHE) -> None:
        self.name = dist.name
        self.version = dist.version
        self.dist = dist
        self.source_digest = ""
        try:
            root = unpacked(dist, cache)
        except FileNotFoundError as exc:
            self.broken = f"not downloaded ({exc}); run scripts/install"
            return
        codec_dir = root / dist.package / "codec"
        self.source_digest = _source_digest(codec_dir, dist.package)
        try:
            self._enc, self._dec = _load_isolated(root, dist.package)
        except Exception as exc:
            self.broken = f"does not import under Python {sys.version_info[0]}.{sys.version_info[1]}: {_short(exc)}"

    def prepare(self, tree: Any, *, lenient: bool = False) -> tuple[Any, list[str]]:
        dropped: list[str] = []
        return self._prepare(tree, lenient, dropped), dropped

    def _prepare(self, tree: Any, lenient: bool, dropped: list[str], in_object: bool = False) -> Any:
        if isinstance(tree, Seq):
            return [self._prepare(x, lenient, dropped) for x in tree.items]
        if isinstance(tree, Obj):
            values = {name: self._prepare(v, lenient, dropped, True) for name, v in tree.fields}
            return self._enc.Object(tree.class_name, values)
        if tree is None or isinstance(tree, bool | int | float | str):
            return tree
        what = "Map" if isinstance(tree, Dict) else {bytes: "byte[]", datetime.datetime: "Date"}.get(type(tree))
        if lenient and in_object:
            dropped.append(what or type(tree).__name__)
            return None
        raise Unsupported(f"cannot write a {what or type(tree).__name__}")

    def encode(self, prepared: Any) -> bytes:
        return self.encode_all([prepared])

    def encode_all(self, prepared: list[Any]) -> bytes:
        request = self._enc.Request({})
        out: list[int] = []
        for value in prepared:
            out.extend(request._encode_single_value(value))
        # the library masks its int list to bytes when it assembles a request body; so do we
        return bytes(b & 0xFF for b in out)

    def decode(self, data: bytes) -> Any:
        (value,) = self.decode_all(data)
        return value

    def decode_all(self, data: bytes) -> list[Any]:
        response = self._dec.Response(data)
        values = []
        while response.length() > 0:
            values.append(response.read_next())
        return values

    def expected(self, tree: Any) -> Any:
        """Objects as dicts of their fields, BigDecimal as float, BigInteger as int, and a date as the
        text the reader means to return: the instant's wall time at UTC+8, labelled ``+0800``."""
        return _Plain(self._number, self._date_text).convert(tree)

    @staticmethod
    def _number(tree: Obj) -> Any:
        if tree.class_name == "java.math.BigDecimal":
            return float(dict(tree.fields)["value"])
        if tree.class_name == "java.math.BigInteger":
            return int(dict(tree.fields)["value"])
        return None

    @staticmethod
    def _date_text(value: Any) -> Any:
        if isinstance(value, datetime.datetime):
            return value.astimezone(_UTC8).strftime("%Y-%m-%dT%H:%M:%S.%f+0800")
        return value


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".replace("\n", " ")[:120]


#: methods of the request writer that frame a Dubbo request rather than encode Hessian values
_FRAMING = {"encode", "_encode_request_body", "_get_parameter_types", "_get_class_name"}


def _source_digest(codec_dir: Path, package: str) -> str:
    """A digest of the Hessian parts of the codec sources: syntax trees without docstrings, the framing
    methods and the imports, and sorted, so that forks that only renamed the package, reordered methods
    or changed the request framing count as the same codec."""
    parts = []
    for name in ("encoder.py", "decoder.py"):
        path = codec_dir / name
        try:
            tree = ast.parse(path.read_text(encoding="utf-8", errors="replace"))
        except (OSError, SyntaxError) as exc:
            return f"unreadable {name}: {exc}"
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(body, list):
                node.body = [  # type: ignore[attr-defined]
                    n
                    for n in body
                    if not (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant))
                    and not isinstance(n, ast.Import | ast.ImportFrom)
                    and not (isinstance(n, ast.FunctionDef) and n.name in _FRAMING)
                ]
        for node in tree.body:
            members = node.body if isinstance(node, ast.ClassDef) else [node]
            parts += sorted(ast.dump(m) for m in members)
    return hashlib.sha256("\n".join(sorted(parts)).encode()).hexdigest()


def _load_isolated(root: Path, package: str) -> tuple[Any, Any]:
    """Import ``<package>.codec.encoder`` and ``.decoder`` from ``root`` without leaving ``<package>`` in
    ``sys.modules`` (several distributions, and apache-dubbo, share the name ``dubbo``)."""

    def ours(name: str) -> bool:
        return name == package or name.startswith(package + ".")

    saved = {name: module for name, module in sys.modules.items() if ours(name)}
    for name in saved:
        del sys.modules[name]
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    try:
        encoder = importlib.import_module(f"{package}.codec.encoder")
        decoder = importlib.import_module(f"{package}.codec.decoder")
    finally:
        sys.path.remove(str(root))
        for name in [name for name in sys.modules if ours(name)]:
            del sys.modules[name]
        sys.modules.update(saved)
    return encoder, decoder


# ---------------------------------------------------------------------------------------------------
# download and unpack


def _archives(dist: Distribution, cache: Path) -> Iterator[Path]:
    stem = dist.name.replace("-", "_").lower()
    for path in sorted((cache / "dist").glob("*")):
        name = path.name.lower().replace("-", "_")
        if name.startswith(f"{stem}_{dist.version}") and path.suffix in (".whl", ".gz", ".zip"):
            yield path


def fetch(cache: Path = CACHE, *, quiet: bool = False) -> list[str]:
    """``pip download --no-deps`` every distribution not yet in the cache; return the problems."""
    problems = []
    (cache / "dist").mkdir(parents=True, exist_ok=True)
    for dist in DISTRIBUTIONS:
        if any(_archives(dist, cache)):
            continue
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check"]
        cmd += ["--no-input", "-d", str(cache / "dist"), dist.requirement]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            problems.append(f"{dist.requirement}: pip download failed: {done.stderr.strip()[-300:]}")
        elif not quiet:
            print(f"downloaded {dist.requirement}", file=sys.stderr)
    return problems


def unpacked(dist: Distribution, cache: Path = CACHE) -> Path:
    """The directory holding ``<package>/`` of the downloaded ``dist`` (unpacked on first use)."""
    target = cache / f"{dist.name}-{dist.version}"
    if (target / dist.package).is_dir():
        return target
    archive = next(_archives(dist, cache), None)
    if archive is None:
        raise FileNotFoundError(f"no archive of {dist.requirement} in {cache / 'dist'}")
    scratch = cache / f".{dist.name}-{dist.version}.tmp"
    if scratch.exists():
        _remove_tree(scratch)
    scratch.mkdir(parents=True)
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zipped:
            members = [m for m in zipped.namelist() if _wanted(m, dist.package)]
            for member in members:
                out = scratch / _strip(member, dist.package)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_bytes(zipped.read(member))
    else:
        with tarfile.open(archive) as tarred:
            for member in tarred.getmembers():
                if member.isfile() and _wanted(member.name, dist.package):
                    data = tarred.extractfile(member)
                    assert data is not None
                    out = scratch / _strip(member.name, dist.package)
                    out.parent.mkdir(parents=True, exist_ok=True)
                    out.write_bytes(data.read())
    if not (scratch / dist.package).is_dir():
        raise FileNotFoundError(f"{archive.name} has no {dist.package}/ package")
    if target.exists():
        _remove_tree(target)
    scratch.rename(target)
    return target


def _wanted(member: str, package: str) -> bool:
    parts = member.split("/")
    return member.endswith(".py") and package in parts and ".." not in parts


def _strip(member: str, package: str) -> str:
    """``python-dubbo-0.0.5/dubbo/codec/x.py`` → ``dubbo/codec/x.py``."""
    parts = member.split("/")
    return "/".join(parts[parts.index(package) :])


def _remove_tree(path: Path) -> None:
    for child in sorted(path.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        child.rmdir() if child.is_dir() else child.unlink()
    path.rmdir()


def all_codecs(cache: Path = CACHE) -> list[Codec]:
    """Every implementation, dubbopy first; codecs that share their source are marked ``same_as``."""
    codecs: list[Codec] = [Dubbopy(), HessianCodec()]
    seen: dict[str, str] = {}
    for dist in DISTRIBUTIONS:
        codec = PythonDubbo(dist, cache)
        if codec.source_digest:
            codec.same_as = seen.setdefault(codec.source_digest, codec.name)
            if codec.same_as == codec.name:
                codec.same_as = None
        codecs.append(codec)
    return codecs
