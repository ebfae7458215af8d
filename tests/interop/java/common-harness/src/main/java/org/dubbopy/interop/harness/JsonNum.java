package org.dubbopy.interop.harness;

import java.math.BigDecimal;

/** A JSON number kept as its literal text, so the target Java type decides how to read it. */
public final class JsonNum {
    public final String text;

    public JsonNum(String text) {
        this.text = text;
    }

    /** True when the literal has no fraction and no exponent. */
    public boolean isIntegral() {
        return text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0;
    }

    public BigDecimal decimal() {
        return new BigDecimal(text);
    }

    public double doubleValue() {
        return Double.parseDouble(text);
    }

    public long longValue() {
        return decimal().longValueExact();
    }

    public int intValue() {
        return decimal().intValueExact();
    }

    @Override
    public String toString() {
        return text;
    }
}
