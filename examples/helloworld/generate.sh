#!/usr/bin/env bash
# Generate the helloworld stubs into gen/ (not committed; re-run after changing the .proto):
#   gen/helloworld_pb2.py, gen/helloworld_pb2.pyi   the messages (protobuf)
#   gen/helloworld_dubbo.py                        GreeterServicer, GreeterStub, GreeterSyncStub (dubbopy)
# protoc-gen-dubbopy, the plugin behind --dubbopy_out, is installed with dubbopy.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"
mkdir -p gen
"${PYTHON:-python}" -m grpc_tools.protoc -I../../protos \
    --python_out=gen --pyi_out=gen --dubbopy_out=gen helloworld.proto
