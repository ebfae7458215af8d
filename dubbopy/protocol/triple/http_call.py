"""One plain-HTTP JSON unary call, whichever transport carries it (``spec/triple.md`` §7, §8).

The HTTP/1.1 connection (:mod:`~dubbopy.protocol.triple.http1`) and the HTTP/2 stream glue
(:mod:`~dubbopy.protocol.triple.http_json`) both hand a request's method, target and header fields to
:func:`start_call` when the head arrives. It resolves the export and checks everything that does not
need the body, answering at once with an :class:`HttpResponse` if the request cannot be served, or
returning a :class:`JsonCall`. Once the body is in, :meth:`JsonCall.run` decodes the proto-JSON request,
runs the handler (``async def`` on the loop, plain ``def`` on the server's worker pool), and returns
the response to write.

The request body is the proto-JSON of the request message; unknown fields are rejected (400), as Java's
``JsonFormat`` parser does. A JSON array holding exactly that one value is accepted too (Java's
one-element-per-parameter convention, §7), and an empty body is the message with every field at its
default. The reply is proto-JSON with lowerCamelCase names and default values left out, as Java's
``JsonFormat`` printer writes it. ``tri-service-group``/``tri-service-version`` (or the ``rest-service-*``
names) select the export, ``tri-service-timeout`` (ms; dubbo-go's ``Triple-Timeout-Ms`` too) sets a
deadline, and every other header that is not about the HTTP exchange is invocation metadata.

Two error dialects, chosen by what the client sent (§8: "keyed on what the client sent"):

* Java 3.3 (mode B, the default): ``{"status":"<http status>","message":"…"}``, HTTP status from
  Java's table (:func:`~dubbopy.protocol.triple.codec.status.grpc_code_to_http_status`);
* dubbo-go (mode C, the request has ``Triple-Protocol-Version``):
  ``{"code":"<name>","message":"…","details":[…]}`` with dubbo-go's table; response metadata travel as
  ``Trailer-``-prefixed header fields, as dubbo-go's client expects.

Whatever the dialect, an unknown service or method is 404 (§2), a malformed body 400, a method other
than POST 405, a body that is not JSON or a streaming method 415.
"""

from __future__ import annotations

import asyncio
import base64
import contextvars
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from google.protobuf import json_format

from dubbopy.errors import ConfigError, DecodeError, RpcError, StatusCode
from dubbopy.protocol.triple import wire_metadata as md
from dubbopy.protocol.triple.call_state import CallState
from dubbopy.protocol.triple.codec.status import StatusProto, go_code_to_http_status, grpc_code_to_http_status
from dubbopy.rpc.method import CallType

if TYPE_CHECKING:
    from dubbopy.protocol.triple.handlers import MethodHandler
    from dubbopy.protocol.triple.server import TripleServer

__all__ = ["HttpRequest", "HttpResponse", "JsonCall", "error_response", "is_go_dialect", "start_call"]

Header = tuple[bytes, bytes]

JSON_CONTENT_TYPE = b"application/json"
#: dubbo-go's protocol version header (mode C), and its only valid value
TRIPLE_PROTOCOL_VERSION = b"triple-protocol-version"
_SUPPORTED_TRIPLE_VERSION = b"0.1.0"
_TRIPLE_TIMEOUT_MS = b"triple-timeout-ms"
_TRI_SERVICE_TIMEOUT = b"tri-service-timeout"
#: header fields about the HTTP exchange itself, never invocation metadata (on top of the transport
#: headers :mod:`~dubbopy.protocol.triple.codec.metadata` reserves)
_HTTP_ONLY_HEADERS = frozenset(
    {
        b"accept",
        b"accept-encoding",
        b"content-encoding",
        b"expect",
        b"http2-settings",
        TRIPLE_PROTOCOL_VERSION,
        _TRIPLE_TIMEOUT_MS,
        b"rest-service-version",
        b"rest-service-group",
    }
)
#: message types whose JSON form is itself an array, so ``[x]`` is not the one-argument convention
_ARRAY_MESSAGES = frozenset({"google.protobuf.ListValue", "google.protobuf.Value"})


@dataclass(frozen=True, slots=True)
class HttpRequest:
    """The head of a request as a transport saw it: header names lower-case (HTTP/2 pseudo headers may
    be included and are ignored)."""

    method: bytes
    target: bytes
    headers: Sequence[Header]

    def get(self, name: bytes, default: bytes = b"") -> bytes:
        """The value of the header ``name`` (the last one if repeated)."""
        found = default
        for key, value in self.headers:
            if key == name:
                found = value
        return found


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """What to send back: status, header fields (``content-length`` is the transport's) and body."""

    status: int
    headers: tuple[Header, ...]
    body: bytes


class _RejectedError(Exception):
    """Internal: the request cannot be served; carries both the HTTP status and the gRPC code."""

    def __init__(self, http_status: int, code: StatusCode, message: str, headers: tuple[Header, ...] = ()) -> None:
        super().__init__(message)
        self.http_status = http_status
        self.code = code
        self.message = message
        self.headers = headers


def is_go_dialect(headers: Sequence[Header]) -> bool:
    """Whether the client speaks dubbo-go's unary protocol (it sent ``Triple-Protocol-Version``)."""
    return any(key == TRIPLE_PROTOCOL_VERSION for key, _ in headers)


def _go_code_name(code: StatusCode) -> str:
    return "canceled" if code is StatusCode.CANCELLED else code.name.lower()


def _go_details(details: bytes | None) -> list[dict[str, str]]:
    if not details:
        return []
    try:
        status = StatusProto.from_bytes(details)
    except DecodeError:
        return []
    return [
        {"type": d.type_name, "value": base64.b64encode(d.value).decode("ascii").rstrip("=")} for d in status.details
    ]


def error_response(
    go_dialect: bool,
    code: StatusCode,
    message: str,
    *,
    http_status: int | None = None,
    headers: Sequence[Header] = (),
    details: bytes | None = None,
) -> HttpResponse:
    """An error in the client's dialect (module docstring); ``http_status`` overrides the code's."""
    document: dict[str, Any]
    if go_dialect:
        status = http_status or go_code_to_http_status(code)
        document = {"code": _go_code_name(code), "message": message}
        extra = _go_details(details)
        if extra:
            document["details"] = extra
    else:
        status = http_status or grpc_code_to_http_status(code)
        document = {"status": str(status), "message": message}
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    return HttpResponse(status, ((b"content-type", JSON_CONTENT_TYPE), *headers), body)


def _method_path(target: bytes) -> str:
    """``/{service}/{method}`` from a request target: query dropped, a trailing ``/`` tolerated, and a
    context path before the service ignored, as Java's ``RequestPath`` does."""
    path = target.partition(b"?")[0].decode("latin-1")
    if "://" in path:  # absolute form (a proxy's request)
        path = "/" + path.partition("://")[2].partition("/")[2]
    parts = [p for p in path.split("/") if p]
    if len(parts) < 2:
        return path
    return f"/{parts[-2]}/{parts[-1]}"


def _timeout_ms(request: HttpRequest, name: bytes, max_digits: int) -> float | None:
    value = request.get(name)
    if not value:
        return None
    if not (value.isdigit() and len(value) <= max_digits):
        raise _RejectedError(
            400, StatusCode.INVALID_ARGUMENT, f"invalid {name.decode()} {value[:20].decode('latin-1')!r}"
        )
    return int(value) / 1000


def _check_head(server: TripleServer, request: HttpRequest, go_dialect: bool) -> MethodHandler:
    if go_dialect and request.get(TRIPLE_PROTOCOL_VERSION) != _SUPPORTED_TRIPLE_VERSION:
        version = request.get(TRIPLE_PROTOCOL_VERSION).decode("latin-1")
        raise _RejectedError(400, StatusCode.INVALID_ARGUMENT, f"unsupported Triple-Protocol-Version {version!r}")
    if request.method != b"POST":
        raise _RejectedError(
            405,
            StatusCode.UNIMPLEMENTED,
            f"method {request.method.decode('latin-1')} not allowed: use POST",
            ((b"allow", b"POST"),),
        )
    content_type = request.get(b"content-type")
    media_type, _, parameters = content_type.partition(b";")
    media_type = media_type.strip().lower()
    charset = parameters.strip().lower().removeprefix(b"charset=").strip(b'"')
    if media_type != JSON_CONTENT_TYPE or (parameters.strip() and charset not in (b"utf-8", b"utf8")):
        shown = content_type.decode("latin-1") or "none"
        hint = "; gRPC needs HTTP/2" if media_type.startswith(b"application/grpc") else ""
        raise _RejectedError(
            415, StatusCode.UNIMPLEMENTED, f"content-type {shown!r} not supported: use application/json{hint}"
        )
    encoding = request.get(b"content-encoding", b"identity").strip().lower()
    if encoding != b"identity":
        raise _RejectedError(
            415,
            StatusCode.UNIMPLEMENTED,
            f"content-encoding {encoding.decode('latin-1')!r} not supported: send it uncompressed",
        )
    path = _method_path(request.target)
    group = (request.get(b"tri-service-group") or request.get(b"rest-service-group")).decode("latin-1")
    version = (request.get(b"tri-service-version") or request.get(b"rest-service-version")).decode("latin-1")
    handler = server.handlers.lookup(path, group, version)
    if handler is None:
        parts = path.split("/")
        if len(parts) == 3 and server.handlers.knows_service(parts[1]):
            message = f"unknown method {parts[2]!r} for service {parts[1]}"
        else:
            message = f"unknown service {parts[1] if len(parts) == 3 else path!r}"
        raise _RejectedError(404, StatusCode.UNIMPLEMENTED, message)
    method = handler.method
    if method.call_type is not CallType.UNARY:
        kind = method.call_type.value.replace("_", "-")
        raise _RejectedError(
            415,
            StatusCode.UNIMPLEMENTED,
            f"{method.path} is a {kind}ing method; plain HTTP serves unary methods only: call it over gRPC "
            "(HTTP/2, content-type application/grpc)",
        )
    if method.request_type is None or method.response_type is None:
        raise _RejectedError(
            415,
            StatusCode.UNIMPLEMENTED,
            f"{method.path} has no protobuf message types, so it cannot take JSON: call it over gRPC",
        )
    return handler


def start_call(server: TripleServer, request: HttpRequest, peer: str) -> JsonCall | HttpResponse:
    """The call for a request head, or the error response if it cannot be served (module docstring)."""
    go_dialect = is_go_dialect(request.headers)
    try:
        handler = _check_head(server, request, go_dialect)
        timeouts = [
            t
            for t in (
                _timeout_ms(request, _TRI_SERVICE_TIMEOUT, 18),
                _timeout_ms(request, _TRIPLE_TIMEOUT_MS, 10) if go_dialect else None,
            )
            if t is not None
        ]
        headers = [(k, v) for k, v in request.headers if k not in _HTTP_ONLY_HEADERS]
        try:
            metadata = md.from_headers(headers)
        except DecodeError as exc:
            raise _RejectedError(400, StatusCode.INVALID_ARGUMENT, str(exc)) from exc
    except _RejectedError as exc:
        return error_response(go_dialect, exc.code, exc.message, http_status=exc.http_status, headers=exc.headers)
    deadline = time.monotonic() + min(timeouts) if timeouts else None
    return JsonCall(
        server, handler, headers=headers, metadata=metadata, deadline=deadline, go_dialect=go_dialect, peer=peer
    )


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}")
            seen.add(key)
    return document


class JsonCall(CallState):
    """A unary call over plain HTTP and the handler's :class:`~dubbopy.rpc.servicer.ServicerContext`.

    Response metadata (:meth:`send_initial_metadata`, :meth:`set_trailing_metadata`) go out as header
    fields of the single response, since nothing is sent before the handler returns.
    """

    def __init__(
        self,
        server: TripleServer,
        handler: MethodHandler,
        *,
        headers: list[Header],
        metadata: tuple[tuple[str, str | bytes], ...],
        deadline: float | None,
        go_dialect: bool,
        peer: str,
    ) -> None:
        self._init_state(handler, deadline)
        self.server = server
        self.headers = headers
        self.go_dialect = go_dialect
        self._peer = peer
        self._metadata = metadata
        self._initial: list[tuple[str, str | bytes]] = []
        self._initial_sent = False

    # ------------------------------------------------------------------ running

    async def run(self, body: bytes) -> HttpResponse:
        """Decode ``body``, run the handler, and return the response (success or error).

        If the task running this is cancelled (the client went away), the handler is cancelled too and
        the ``CancelledError`` propagates: there is nobody to answer.
        """
        try:
            request = self._decode(body)
            reply = await self._invoke(request)
            return self._success(reply)
        except RpcError as exc:
            return self._error(exc)
        except Exception as exc:  # any application error becomes UNKNOWN, as in gRPC mode
            return self._error(RpcError(StatusCode.UNKNOWN, f"{type(exc).__name__}: {exc}"))
        finally:
            self._end()

    def reject(self, code: StatusCode, message: str, http_status: int | None = None) -> HttpResponse:
        """End the call without running it (the transport refused the body) and return the error."""
        self._end()
        return error_response(self.go_dialect, code, message, http_status=http_status)

    def client_gone(self) -> None:
        """The client reset the stream or closed the connection: the call counts as cancelled."""
        self._cancelled = True

    def _decode(self, body: bytes) -> Any:
        method = self.handler.method
        message_type = method.request_type
        assert message_type is not None  # checked by start_call
        message = message_type()
        if not body.strip():
            return message  # no body: the message with every field at its default
        try:
            document = json.loads(body.decode("utf-8"), object_pairs_hook=_no_duplicates)
            if isinstance(document, list) and message.DESCRIPTOR.full_name not in _ARRAY_MESSAGES:
                # Java's convention: an array holding one value per parameter (spec/triple.md §7)
                if len(document) != 1:
                    raise ValueError(f"a JSON array must hold exactly one element (the request), got {len(document)}")
                document = document[0]
            json_format.ParseDict(document, message)
        except Exception as exc:  # anything wrong with the client's JSON is its fault
            raise RpcError(
                StatusCode.INVALID_ARGUMENT, f"could not read the request for {method.path} as JSON: {exc}"
            ) from exc
        return message

    async def _invoke(self, request: Any) -> Any:
        remaining = self.time_remaining()
        if remaining == 0:
            self._cancelled = True
            raise RpcError(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded before the call started")
        scope = asyncio.timeout(remaining)
        try:
            async with scope:
                return await self._call(request)
        except TimeoutError:
            if not scope.expired():
                raise
            self._cancelled = True
            raise RpcError(StatusCode.DEADLINE_EXCEEDED, "deadline exceeded") from None

    async def _call(self, request: Any) -> Any:
        function = self.handler.function
        if self.handler.is_async:
            return await function(request, self)
        context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.server.executor, context.run, function, request, self)

    def _success(self, reply: Any) -> HttpResponse:
        method = self.handler.method
        response_type = method.response_type
        assert response_type is not None
        if not isinstance(reply, response_type):
            raise RpcError(
                StatusCode.INTERNAL,
                f"{method.path} returned {type(reply).__name__}, expected {response_type.__name__}",
            )
        try:
            document = json_format.MessageToDict(reply)
            body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        except Exception as exc:
            raise RpcError(StatusCode.INTERNAL, f"could not encode the response as JSON: {exc}") from exc
        headers = (b"content-type", JSON_CONTENT_TYPE), *self._response_metadata(self._trailing)
        return HttpResponse(200, headers, body)

    def _error(self, error: RpcError) -> HttpResponse:
        try:
            headers = self._response_metadata([*self._trailing, *error.trailers])
        except ConfigError as exc:
            headers = ()
            error = RpcError(StatusCode.INTERNAL, f"invalid response metadata: {exc}")
        return error_response(self.go_dialect, error.status, error.message, headers=headers, details=error.details)

    def _response_metadata(self, trailing: Sequence[tuple[str, str | bytes]]) -> tuple[Header, ...]:
        headers = md.to_headers(self._initial)
        if self.go_dialect:
            headers += [(b"trailer-" + key, value) for key, value in md.to_headers(trailing)]
        else:
            headers += md.to_headers(trailing)
        return tuple(headers)

    def _end(self) -> None:
        if self._ended:
            return
        self._ended = True
        self._run_done_callbacks()

    # ------------------------------------------------------------------ ServicerContext

    def peer(self) -> str:
        return self._peer

    def invocation_metadata(self) -> tuple[tuple[str, str | bytes], ...]:
        return self._metadata

    async def send_initial_metadata(self, metadata: Sequence[tuple[str, str | bytes]]) -> None:
        """Queue header fields for the response (a unary HTTP response is written in one piece)."""
        if self._initial_sent:
            raise RpcError(StatusCode.INTERNAL, "initial metadata was already sent")
        md.validate(metadata)
        self._initial.extend(metadata)
        self._initial_sent = True

    def set_compression(self, name: str) -> None:
        """Ignored: JSON responses are sent uncompressed."""

    @property
    def attachments(self) -> dict[str, Any]:
        return dict(md.to_attachments(self.headers))
