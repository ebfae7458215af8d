package org.dubbopy.interop.harness;

import java.util.LinkedHashMap;
import java.util.Objects;

/**
 * A Hessian map kept as written: its type ({@code M}; null for an untyped {@code H} map) and its entry order.
 */
public final class GenericMap extends LinkedHashMap<Object, Object> {
    private static final long serialVersionUID = 1L;

    public final String type;

    public GenericMap(String type) {
        // interned: hessian-lite's Hessian2Output finds class definitions by the name's identity
        this.type = type == null ? null : type.intern();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof GenericMap && Objects.equals(type, ((GenericMap) o).type) && super.equals(o);
    }

    @Override
    public int hashCode() {
        return 31 * super.hashCode() + Objects.hashCode(type);
    }
}
