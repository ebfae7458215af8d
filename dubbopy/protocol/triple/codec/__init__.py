"""Sans-IO codecs of the Triple protocol (``spec/triple.md`` §1): bytes and header values in, values out.

* :mod:`.framing` — the 5-byte length prefix of every message, incremental decoding;
* :mod:`.timeout` — ``grpc-timeout``;
* :mod:`.status` — ``grpc-message``, ``grpc-status-details-bin`` (``google.rpc.Status``), HTTP ⇄ gRPC codes;
* :mod:`.metadata` — metadata and Dubbo attachments ⇄ headers, Triple header names;
* :mod:`.compression` — ``grpc-encoding`` compressors and negotiation.

None of them touches a socket; the HTTP/2 transport drives them.
"""

from dubbopy.protocol.triple.codec.compression import Compressor, CompressorRegistry, default_registry
from dubbopy.protocol.triple.codec.framing import (
    MessageDecoder,
    MessageTooLargeError,
    encode_message,
    encode_message_parts,
)
from dubbopy.protocol.triple.codec.status import AnyProto, StatusProto
from dubbopy.protocol.triple.codec.timeout import format_timeout, format_timeout_ms, parse_timeout

__all__ = [
    "AnyProto",
    "Compressor",
    "CompressorRegistry",
    "MessageDecoder",
    "MessageTooLargeError",
    "StatusProto",
    "default_registry",
    "encode_message",
    "encode_message_parts",
    "format_timeout",
    "format_timeout_ms",
    "parse_timeout",
]
