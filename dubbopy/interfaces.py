"""Interface-style services: a Python class standing for a Java interface, on both sides of a call.

A provider decorates the class that implements the interface::

    @dubbopy.service("org.apache.dubbo.samples.api.GreetingsService", version="1.0.0")
    class Greetings:
        async def sayHi(self, name: java.String) -> java.String:
            return f"hi, {name}"

and a consumer uses a class with the same shape (often the very same class, or a ``typing.Protocol``
decorated with :func:`interface`) as the typed view of a remote service::

    greetings = client.reference(Greetings, url="dubbo://127.0.0.1:20880")
    await greetings.sayHi("x")

The Java signature of each method comes from its annotations (:mod:`dubbopy.java`, plain Python types,
``@java_class`` dataclasses), or from :func:`method` when it must be said explicitly — which is also how
Java overloads are written: several Python methods, one Java name, different parameter types::

    @dubbopy.method("describe", params=["int"], returns="java.lang.String")
    async def describe_int(self, n: int) -> str: ...
    @dubbopy.method("describe", params=["java.lang.String"])
    async def describe_str(self, s: str) -> str: ...

Public methods (names not starting with ``_``) are the interface's methods; :func:`method` with
``exclude=True`` hides a helper.
"""

from __future__ import annotations

import inspect
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from dubbopy.errors import ConfigError
from dubbopy.serialization.hessian2 import default_registry
from dubbopy.serialization.hessian2.registry import java_type_of

if typing.TYPE_CHECKING:
    from dubbopy.protocol.dubbo.service import InterfaceService

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

_SPEC_ATTR = "__dubbopy_interface__"
_METHOD_ATTR = "__dubbopy_method__"
OBJECT = "java.lang.Object"


@dataclass(frozen=True, slots=True)
class MethodSpec:
    """One Java method: the Python attribute that implements or stands for it, and its signature."""

    python_name: str
    java_name: str
    parameter_types: tuple[str, ...]
    return_type: str


@dataclass(frozen=True, slots=True)
class InterfaceSpec:
    """A Java interface as a Python class describes it."""

    name: str
    version: str
    group: str
    methods: tuple[MethodSpec, ...]

    def method(self, python_name: str) -> MethodSpec | None:
        """The method implemented by the Python attribute ``python_name``."""
        for spec in self.methods:
            if spec.python_name == python_name:
                return spec
        return None


@dataclass(frozen=True, slots=True)
class _MethodOptions:
    java_name: str | None
    params: tuple[str, ...] | None
    returns: str | None
    exclude: bool


def method(
    java_name: str | None = None,
    *,
    params: Sequence[str] | None = None,
    returns: str | None = None,
    exclude: bool = False,
) -> Callable[[F], F]:
    """Say a method's Java name and signature explicitly (overloads, or types annotations cannot say).

    ``params``/``returns`` are Java type names (``int``, ``java.lang.String``, ``[I``, ``java.util.List``);
    what is not given comes from the annotations. ``exclude=True`` keeps a public helper out of the
    interface.
    """

    def decorate(function: F) -> F:
        options = _MethodOptions(java_name, tuple(params) if params is not None else None, returns, exclude)
        setattr(function, _METHOD_ATTR, options)
        return function

    return decorate


def _java_name(annotation: Any) -> str:
    if annotation is inspect.Parameter.empty:
        return OBJECT
    if annotation is None or annotation is type(None):
        return "void"
    return _to_class_name(java_type_of(annotation, default_registry).name)


_PRIMITIVE_CODES = {
    "int": "I",
    "long": "J",
    "short": "S",
    "byte": "B",
    "double": "D",
    "float": "F",
    "boolean": "Z",
    "char": "C",
}


def _to_class_name(name: str) -> str:
    """Hessian's array spelling (``[int``, ``[java.lang.String``) → Java ``Class.getName()`` (``[I``)."""
    if not name.startswith("["):
        return name
    depth = len(name) - len(name.lstrip("["))
    component = name[depth:]
    if component in _PRIMITIVE_CODES:
        return "[" * depth + _PRIMITIVE_CODES[component]
    if component == "string":
        component = "java.lang.String"
    elif component == "object":
        component = "java.lang.Object"
    return "[" * depth + f"L{component};"


def _method_spec(python_name: str, function: Callable[..., Any], options: _MethodOptions | None) -> MethodSpec:
    try:
        hints = typing.get_type_hints(function, include_extras=True)
    except Exception as exc:
        raise ConfigError(f"method {python_name}: its annotations cannot be resolved ({exc})") from exc
    signature = inspect.signature(function)
    parameters = [p for p in signature.parameters.values() if p.name != "self"]
    for parameter in parameters:
        if parameter.kind not in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            raise ConfigError(f"method {python_name}: Java methods take positional parameters only ({parameter})")
    if options is not None and options.params is not None:
        if len(options.params) != len(parameters):
            raise ConfigError(
                f"method {python_name}: {len(options.params)} Java parameter types for {len(parameters)} parameters"
            )
        types = options.params
    else:
        types = tuple(_java_name(hints.get(p.name, inspect.Parameter.empty)) for p in parameters)
    if options is not None and options.returns is not None:
        returns = options.returns
    else:
        returns = _java_name(hints.get("return", inspect.Parameter.empty))
    java_name = options.java_name if options is not None and options.java_name else python_name
    return MethodSpec(python_name, java_name, tuple(types), returns)


def _collect(cls: type) -> tuple[MethodSpec, ...]:
    specs: dict[str, MethodSpec] = {}
    for klass in reversed(cls.__mro__):
        if klass is object or klass is typing.Protocol or klass is typing.Generic:
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") or not inspect.isfunction(value):
                continue
            options: _MethodOptions | None = getattr(value, _METHOD_ATTR, None)
            if options is not None and options.exclude:
                specs.pop(name, None)
                continue
            specs[name] = _method_spec(name, value, options)
    if not specs:
        raise ConfigError(f"{cls.__name__} declares no public methods to serve as a Java interface")
    seen: dict[tuple[str, tuple[str, ...]], str] = {}
    for spec in specs.values():
        key = (spec.java_name, spec.parameter_types)
        if key in seen:
            raise ConfigError(
                f"{cls.__name__}.{spec.python_name} and .{seen[key]} both declare "
                f"{spec.java_name}({', '.join(spec.parameter_types)}): give one other parameter types"
            )
        seen[key] = spec.python_name
    return tuple(specs.values())


def service(name: str, *, version: str = "", group: str = "") -> Callable[[type[T]], type[T]]:
    """Mark a class as the implementation (or the typed view) of the Java interface ``name``."""
    if not name or any(ch in name for ch in "/:? "):
        raise ConfigError(f"a Java interface name is expected, not {name!r}")

    def decorate(cls: type[T]) -> type[T]:
        setattr(cls, _SPEC_ATTR, InterfaceSpec(name, version, group, _collect(cls)))
        return cls

    return decorate


#: the consumer-side spelling of :func:`service` (same effect; reads better on a ``typing.Protocol``)
interface = service


def interface_of(target: Any) -> InterfaceSpec | None:
    """The interface a decorated class (or an instance of one) stands for, or ``None``."""
    cls = target if isinstance(target, type) else type(target)
    spec = getattr(cls, _SPEC_ATTR, None)
    return spec if isinstance(spec, InterfaceSpec) else None


def interface_service(implementation: Any, spec: InterfaceSpec | None = None) -> InterfaceService:
    """The :class:`~dubbopy.protocol.dubbo.service.InterfaceService` a decorated instance provides."""
    from dubbopy.protocol.dubbo.service import InterfaceMethod, InterfaceService  # noqa: PLC0415 - protocol layer

    spec = spec or interface_of(implementation)
    if spec is None:
        raise ConfigError(f"{type(implementation).__name__} is not decorated with @dubbopy.service")
    methods = [
        InterfaceMethod(m.java_name, m.parameter_types, getattr(implementation, m.python_name), m.return_type)
        for m in spec.methods
    ]
    return InterfaceService(spec.name, methods)
