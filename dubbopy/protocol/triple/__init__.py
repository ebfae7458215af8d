"""The Triple protocol: gRPC over HTTP/2 plus the Dubbo extensions (``spec/triple.md``)."""
