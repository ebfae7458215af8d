"""Exceptions across the Dubbo protocol: Python errors ⇄ Java throwables (``spec/dubbo-protocol.md`` §3.1).

**Provider side** (:func:`to_java_exception`): what the user's code raised must reach a Java consumer as
something it can deserialize, i.e. a ``Throwable`` of a class on its classpath. So:

* a :class:`~dubbopy.serialization.hessian2.JavaThrowable`, or an exception class registered with the
  Hessian2 registry, is sent as it is (its Java class and fields);
* a :class:`~dubbopy.errors.RemoteError` (e.g. re-raised from a call to a Java provider) keeps its Java
  class name and message;
* anything else becomes ``java.lang.RuntimeException`` whose message is ``"<PythonType>: <text>"``.

For generic calls (``$invoke``) Java's ``GenericFilter`` wraps every exception into
``com.alibaba.dubbo.rpc.service.GenericException`` carrying ``exceptionClass`` and
``exceptionMessage``; :func:`generic_exception` does the same.

**Consumer side** (:func:`remote_error`): the decoded throwable becomes a
:class:`~dubbopy.errors.RemoteError` (status ``UNKNOWN``) with the Java class name and
``detailMessage``; a ``GenericException`` is unwrapped to the class and message it carries. The decoded
object itself is kept as the error's ``__cause__``.
"""

from __future__ import annotations

from typing import Any, Final

from dubbopy.errors import RemoteError, StatusCode
from dubbopy.serialization.hessian2 import ClassRegistry, JavaList, JavaObject, JavaThrowable, default_registry

__all__ = [
    "GENERIC_EXCEPTIONS",
    "RUNTIME_EXCEPTION",
    "generic_exception",
    "remote_error",
    "to_java_exception",
]

RUNTIME_EXCEPTION: Final = "java.lang.RuntimeException"
#: The class Java 3 providers send for failed generic calls, and its Apache-package twin.
GENERIC_EXCEPTION: Final = "com.alibaba.dubbo.rpc.service.GenericException"
GENERIC_EXCEPTIONS: Final = frozenset({GENERIC_EXCEPTION, "org.apache.dubbo.rpc.service.GenericException"})


def _python_name(exc: BaseException) -> str:
    cls = type(exc)
    module = cls.__module__
    return cls.__qualname__ if module in ("builtins", "__main__") else f"{module}.{cls.__qualname__}"


def _registered_name(exc: BaseException, registry: ClassRegistry | None) -> str | None:
    entry = (registry or default_registry).by_class(type(exc))
    return entry.java_name if entry is not None else None


def to_java_exception(exc: BaseException, registry: ClassRegistry | None = None) -> BaseException:
    """The exception to write in a response for ``exc`` raised by provider code (module docstring)."""
    if isinstance(exc, JavaThrowable) or _registered_name(exc, registry) is not None:
        return exc
    if isinstance(exc, RemoteError):
        return JavaThrowable(exc.class_name or RUNTIME_EXCEPTION, exc.message)
    text = str(exc)
    message = f"{_python_name(exc)}: {text}" if text else _python_name(exc)
    return JavaThrowable(RUNTIME_EXCEPTION, message)


def _class_and_message(exc: BaseException, registry: ClassRegistry | None) -> tuple[str, str | None]:
    if isinstance(exc, JavaThrowable):
        return exc.class_name, exc.message
    if isinstance(exc, RemoteError):
        return exc.class_name or RUNTIME_EXCEPTION, exc.message
    name = _registered_name(exc, registry)
    if name is not None:
        return name, str(exc) or None
    return _python_name(exc), str(exc) or None


def generic_exception(exc: BaseException, registry: ClassRegistry | None = None) -> JavaThrowable:
    """``exc`` wrapped as Java's ``GenericFilter`` does for a failed ``$invoke``: a
    ``com.alibaba.dubbo.rpc.service.GenericException`` with ``exceptionClass`` and ``exceptionMessage``
    (already-generic exceptions are passed through)."""
    if isinstance(exc, JavaThrowable) and exc.class_name in GENERIC_EXCEPTIONS:
        return exc
    class_name, message = _class_and_message(exc, registry)
    detail = f"{class_name}: {message}" if message else class_name
    wrapped = JavaThrowable(GENERIC_EXCEPTION, detail)
    # Java's field order for this class (spec/hessian2.md §3.11); the cause of an exception without one
    # is the exception itself, written as a reference to it.
    wrapped.fields = {
        "suppressedExceptions": JavaList("java.util.Collections$EmptyList"),
        "stackTrace": JavaList("[java.lang.StackTraceElement"),
        "cause": wrapped,
        "detailMessage": detail,
        "exceptionMessage": message,
        "exceptionClass": class_name,
    }
    return wrapped


def _field(value: Any, name: str) -> Any:
    if isinstance(value, JavaThrowable | JavaObject):
        return value.fields.get(name)
    if isinstance(value, dict):
        return value.get(name)
    return None


def remote_error(value: Any, registry: ClassRegistry | None = None) -> RemoteError:
    """The consumer's error for an exception ``value`` decoded from a response (module docstring)."""
    class_name: str
    message: str | None
    if isinstance(value, JavaThrowable):
        class_name, message = value.class_name, value.message
    elif isinstance(value, BaseException):
        class_name, message = _class_and_message(value, registry)
    elif isinstance(value, JavaObject):
        class_name, message = value.class_name, _field(value, "detailMessage")
    elif isinstance(value, dict) and isinstance(value.get("class"), str):
        class_name, message = value["class"], value.get("detailMessage")
    else:
        return RemoteError(
            StatusCode.UNKNOWN,
            f"Response data error, expect Throwable, but get {type(value).__name__}: {value!r:.200}",
        )
    if class_name in GENERIC_EXCEPTIONS:
        inner_class = _field(value, "exceptionClass")
        inner_message = _field(value, "exceptionMessage")
        if isinstance(inner_class, str) and inner_class:
            class_name = inner_class
            message = inner_message if isinstance(inner_message, str) else message
    error = RemoteError(StatusCode.UNKNOWN, message if isinstance(message, str) else "", class_name=class_name)
    if isinstance(value, BaseException):
        error.__cause__ = value
    return error
