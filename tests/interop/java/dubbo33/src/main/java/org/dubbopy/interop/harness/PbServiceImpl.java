package org.dubbopy.interop.harness;

import java.util.Locale;

import com.google.protobuf.StringValue;
import org.dubbopy.interop.PbService;

/** The Java side of {@link PbService}. */
public final class PbServiceImpl implements PbService {
    @Override
    public StringValue upper(StringValue value) {
        return StringValue.of(value.getValue().toUpperCase(Locale.ROOT));
    }

    @Override
    public StringValue fail(StringValue value) {
        throw new IllegalStateException("boom: " + value.getValue());
    }
}
