package org.dubbopy.interop;

import com.google.protobuf.StringValue;

/**
 * A plain Java interface over protobuf messages: Dubbo 3.3 serves it over Triple in raw protobuf (gRPC)
 * mode with no generated stub, because its only parameter and its return type are protobuf messages.
 */
public interface PbService {
    /** Returns the value upper-cased. */
    StringValue upper(StringValue value);

    /** Throws {@code IllegalStateException("boom: " + value)}: an error status on the gRPC wire. */
    StringValue fail(StringValue value);
}
