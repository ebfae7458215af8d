"""Code generation from .proto files: the ``protoc-gen-dubbopy`` plugin.

Run it through protoc from grpcio-tools, next to the message generators::

    python -m grpc_tools.protoc -Iprotos --python_out=. --pyi_out=. --dubbopy_out=. protos/helloworld.proto

(``protoc-gen-dubbopy`` must be on ``PATH``: installing dubbopy puts it there), or with the wrapper,
which registers the plugin itself and adds the message outputs,
``python -m dubbopy.codegen -Iprotos --dubbopy_out=. protos/helloworld.proto``. Each
.proto file with services gets a ``<name>_dubbo.py`` beside its ``<name>_pb2.py``; see
:mod:`dubbopy.codegen.generator` for what it contains.
"""

from dubbopy.codegen.generator import CodegenError, generate, generate_file

__all__ = ["CodegenError", "generate", "generate_file"]
