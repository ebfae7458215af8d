"""Wire protocols: Triple (gRPC-compatible, HTTP/2) and Dubbo (TCP)."""
