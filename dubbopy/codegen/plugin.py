"""The ``protoc-gen-dubbopy`` executable: a protoc plugin speaking the plugin protocol on stdio.

protoc runs it for ``--dubbopy_out=DIR``, writes a serialized ``CodeGeneratorRequest`` to its stdin and
reads a ``CodeGeneratorResponse`` from its stdout; the work is done by
:func:`dubbopy.codegen.generator.generate`.
"""

from __future__ import annotations

import sys

from google.protobuf.compiler.plugin_pb2 import CodeGeneratorRequest

from dubbopy.codegen.generator import generate


def main() -> None:
    """Read one request from stdin, write the response to stdout."""
    request = CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    sys.stdout.buffer.write(generate(request).SerializeToString())
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
