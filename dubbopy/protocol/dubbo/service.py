"""What a provider serves over the Dubbo protocol: a Java interface implemented by Python callables.

A Java consumer names a method by its name *and* its parameter types (the JVM descriptor of §2.1 in
``spec/dubbo-protocol.md``), because Java interfaces overload. :class:`InterfaceMethod` therefore carries
the Java parameter types next to the Python callable, and :class:`InterfaceService` finds a method by
``(name, descriptor)``.

These are plain, validated dataclasses on purpose: the user-facing ``@dubbopy.service`` decorator builds
them from annotated classes, and tests or other front ends may build them by hand::

    service = InterfaceService(
        "org.apache.dubbo.samples.api.GreetingsService",
        [InterfaceMethod("sayHi", ["java.lang.String"], greeter.say_hi, return_type="java.lang.String")],
    )

Java type names are ``Class.getName()`` spellings (``int``, ``java.lang.String``, ``[I``,
``[Ljava.lang.String;``); source-style arrays (``int[]``) are accepted and normalised. Type arguments
(``java.util.List<java.lang.Integer>``) are kept: the descriptor drops them, but they decide how the
elements of a returned Python list are written (Integer, not Long).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from dubbopy.errors import ConfigError
from dubbopy.protocol.dubbo.descriptor import canonical_type, java_descriptor

__all__ = ["OBJECT", "VOID", "InterfaceMethod", "InterfaceService"]

#: ``java.lang.Object``: a return value written in the form its Python type implies.
OBJECT: Final = "java.lang.Object"
#: ``void``: the method returns nothing (the response is the null kind).
VOID: Final = "void"


@dataclass(frozen=True, slots=True)
class InterfaceMethod:
    """One method of a Java interface.

    * ``name`` — the Java method name;
    * ``parameter_types`` — its Java parameter types, in order; they decide how each argument is read
      from the wire and form the descriptor that tells overloads apart;
    * ``function`` — the Python callable, called with the decoded arguments positionally. ``async def``
      functions run on the event loop, plain functions on the server's worker threads;
    * ``return_type`` — the declared Java return type; the returned value is written in its wire form
      (``int`` → Hessian int, not long). ``java.lang.Object`` (default) writes the value as its Python
      type implies; ``void`` methods answer with the null kind whatever the function returns.
    """

    name: str
    parameter_types: tuple[str, ...]
    function: Callable[..., Any]
    return_type: str = OBJECT
    #: the JVM descriptor of ``parameter_types`` (computed)
    descriptor: str = field(init=False)
    #: whether ``function`` is a coroutine function (computed)
    is_async: bool = field(init=False)

    def __init__(
        self,
        name: str,
        parameter_types: Iterable[str],
        function: Callable[..., Any],
        return_type: str = OBJECT,
    ) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise ConfigError(f"Java method name must be an identifier, not {name!r}")
        if not callable(function):
            raise ConfigError(f"method {name!r}: function {function!r} is not callable")
        try:
            types = tuple(canonical_type(t) for t in parameter_types)
            returns = VOID if return_type == VOID else canonical_type(return_type)
        except Exception as exc:
            raise ConfigError(f"method {name!r}: {exc}") from exc
        setattr_ = object.__setattr__
        setattr_(self, "name", name)
        setattr_(self, "parameter_types", types)
        setattr_(self, "function", function)
        setattr_(self, "return_type", returns)
        setattr_(self, "descriptor", java_descriptor(types))
        setattr_(self, "is_async", inspect.iscoroutinefunction(function))

    @property
    def signature(self) -> str:
        """``name(descriptor)``, as used in messages."""
        return f"{self.name}({self.descriptor})"


@dataclass(frozen=True, slots=True)
class InterfaceService:
    """A Java interface served by Python code: its fully qualified name and its methods.

    Overloads are methods with the same name and different parameter types. Two methods with the same
    name and descriptor, or a name starting with ``$`` (reserved for ``$invoke``/``$echo``), raise
    :class:`~dubbopy.errors.ConfigError`.
    """

    name: str
    methods: tuple[InterfaceMethod, ...]
    _by_signature: dict[tuple[str, str], InterfaceMethod] = field(init=False, repr=False, compare=False)
    _by_name: dict[str, tuple[InterfaceMethod, ...]] = field(init=False, repr=False, compare=False)

    def __init__(self, name: str, methods: Iterable[InterfaceMethod]) -> None:
        if not isinstance(name, str) or not name or any(c in name for c in "/:? "):
            raise ConfigError(f"service name must be a Java interface name, not {name!r}")
        items = tuple(methods)
        by_signature: dict[tuple[str, str], InterfaceMethod] = {}
        by_name: dict[str, list[InterfaceMethod]] = {}
        for method in items:
            if not isinstance(method, InterfaceMethod):
                raise ConfigError(f"service {name}: {method!r} is not an InterfaceMethod")
            key = (method.name, method.descriptor)
            if key in by_signature:
                raise ConfigError(f"service {name}: method {method.signature} is declared twice")
            by_signature[key] = method
            by_name.setdefault(method.name, []).append(method)
        setattr_ = object.__setattr__
        setattr_(self, "name", name)
        setattr_(self, "methods", items)
        setattr_(self, "_by_signature", by_signature)
        setattr_(self, "_by_name", {k: tuple(v) for k, v in by_name.items()})

    def method(self, name: str, descriptor: str) -> InterfaceMethod | None:
        """The method called ``name`` whose parameter descriptor is ``descriptor``, or ``None``."""
        return self._by_signature.get((name, descriptor))

    def overloads(self, name: str) -> tuple[InterfaceMethod, ...]:
        """Every method called ``name`` (empty when there is none)."""
        return self._by_name.get(name, ())

    @property
    def method_names(self) -> tuple[str, ...]:
        """The distinct method names, sorted (the ``methods`` URL parameter)."""
        return tuple(sorted(self._by_name))

    def resolve(self, name: str, parameter_types: Sequence[str] | None, argument_count: int) -> InterfaceMethod:
        """The method a generic call means (Java ``GenericFilter``): by name and parameter types when
        types are given, else by name and argument count when that is unambiguous.

        Raises :class:`LookupError` with a message saying what is exported instead.
        """
        candidates = self.overloads(name)
        if not candidates:
            raise LookupError(f"no method {name!r} in service {self.name} (methods: {', '.join(self.method_names)})")
        if parameter_types:
            try:
                descriptor = java_descriptor(parameter_types)
            except ConfigError as exc:
                raise LookupError(f"method {name!r} of {self.name}: {exc}") from exc
            found = self._by_signature.get((name, descriptor))
            if found is None:
                known = ", ".join(m.signature for m in candidates)
                raise LookupError(f"no method {name}({descriptor}) in service {self.name} (overloads: {known})")
            return found
        matching = [m for m in candidates if len(m.parameter_types) == argument_count]
        if len(matching) != 1:
            known = ", ".join(m.signature for m in candidates)
            raise LookupError(
                f"method {name!r} of {self.name} with {argument_count} argument(s) is ambiguous or missing; "
                f"give the parameter types (overloads: {known})"
            )
        return matching[0]
